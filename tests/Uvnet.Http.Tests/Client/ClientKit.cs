using System.Text;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// A loop holding both ends: the client under test and its servers (Uvnet's own, or a canned upstream that answers
/// each request head with fixed bytes, as undici's tests write raw responses from net.createServer). Disposing closes
/// the servers and the agent and checks the loop closes clean.
/// </summary>
internal sealed class ClientKit : IDisposable
{
    private readonly List<Action> _cleanup = [];

    internal ClientKit(AgentOptions? options = null)
    {
        Agent = new Agent(Loop, options);
        _cleanup.Add(Agent.Destroy);
    }

    internal Loop Loop { get; } = new();

    internal Agent Agent { get; }

    /// <summary>Uvnet's HTTP server on this loop; returns its port.</summary>
    internal int StartServer(Action<IncomingMessage, ServerResponse> handler, HttpServerOptions? options = null)
    {
        HttpServer server = Http.CreateServer(Loop, handler, options);
        Server = server;
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(Loop, () => listening);
        _cleanup.Add(() =>
        {
            server.CloseAllConnections();
            server.Close();
        });
        return server.Port;
    }

    internal HttpServer? Server { get; private set; }

    /// <summary>
    /// A raw upstream: <paramref name="respond"/> gets each request's head (through its blank line; a body is not
    /// read) with the socket and the request's index on that connection. Returns the port.
    /// </summary>
    internal int StartCanned(Action<Socket, string, int> respond) => StartCanned(respond, out _);

    internal int StartCanned(Action<Socket, string, int> respond, out List<Socket> accepted)
    {
        var sockets = new List<Socket>();
        accepted = sockets;
        Uvnet.Net.Server server = Uvnet.Net.Net.CreateServer(Loop, socket =>
        {
            sockets.Add(socket);
            var pending = new StringBuilder();
            int index = 0;
            socket.Error += (_, _) => { };
            socket.Data += (s, data) =>
            {
                pending.Append(Encoding.Latin1.GetString(data));
                string text;
                int end;
                while ((end = (text = pending.ToString()).IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    pending.Remove(0, end + 4);
                    if (!s.Destroyed)
                        respond(s, text[..(end + 4)], index++);
                }
            };
        });
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(Loop, () => listening);
        _cleanup.Add(() =>
        {
            foreach (Socket s in sockets)
                s.Destroy();
            server.Close();
        });
        return server.Port;
    }

    /// <summary>Writes a canned upstream's raw <paramref name="response"/>.</summary>
    internal static void Canned(Socket s, string response) => s.Write(Encoding.ASCII.GetBytes(response));

    /// <summary>Options for a request to 127.0.0.1 on <paramref name="port"/> through the kit's agent.</summary>
    internal RequestOptions To(int port, string path = "/", string method = "GET") =>
        new() { Host = "127.0.0.1", Port = port, Path = path, Method = method, Agent = Agent };

    /// <summary>The outcome of one request: its response, body, error, and the order of its events.</summary>
    internal sealed class Outcome
    {
        internal ClientResponse? Response;
        internal Socket? Socket;
        internal ClientRequest? Request;
        internal readonly MemoryStream Body = new();
        internal Exception? Error;
        internal Exception? ResponseError;
        internal bool Ended, Closed;
        internal readonly List<string> Events = [];
        internal readonly List<InformationalResponse> Information = [];

        internal string Text => Encoding.Latin1.GetString(Body.ToArray());

        internal bool Done => Closed;
    }

    /// <summary>Makes a request recording everything it raises; <paramref name="send"/> writes and ends it (End() by default).</summary>
    internal Outcome Send(RequestOptions options, Action<ClientRequest>? send = null)
    {
        var o = new Outcome();
        ClientRequest request = Http.Request(Loop, options);
        o.Request = request;
        request.Socket += (_, socket) => { o.Events.Add("socket"); o.Socket = socket; };
        request.Information += (_, info) => { o.Events.Add("information"); o.Information.Add(info); };
        request.Response += (_, res) =>
        {
            o.Events.Add("response");
            o.Response = res;
            res.Data += (_, data) => o.Body.Write(data);
            res.End += _ => { o.Events.Add("end"); o.Ended = true; };
            res.Error += (_, e) => { o.Events.Add("response-error"); o.ResponseError = e; };
        };
        request.Error += (_, e) => { o.Events.Add("error"); o.Error = e; };
        request.Close += _ => { o.Events.Add("close"); o.Closed = true; };
        (send ?? (r => r.End()))(request);
        return o;
    }

    /// <summary>Sends and runs the loop until the request closes.</summary>
    internal Outcome Exchange(RequestOptions options, Action<ClientRequest>? send = null)
    {
        Outcome o = Send(options, send);
        LoopDriver.RunUntil(Loop, () => o.Done);
        return o;
    }

    public void Dispose()
    {
        foreach (Action a in _cleanup)
            a();
        LoopDriver.CloseLoop(Loop);
    }
}
