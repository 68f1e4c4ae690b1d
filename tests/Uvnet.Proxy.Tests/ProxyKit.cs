using System.Text;
using Uvnet.Http;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Listeners;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// Client, proxy and upstreams on one loop (envoy's integration tests' shape without their threads): an upstream is
/// Uvnet's server with a handler per test, or a canned one writing raw bytes; the client is the HTTP client through an
/// agent of its own, or a raw socket. Disposing closes everything and checks the loop closes clean.
/// </summary>
internal sealed class ProxyKit : IDisposable
{
    private readonly List<Action> _cleanup = [];

    internal ProxyKit()
    {
        Client = new Agent(Loop);
        _cleanup.Add(Client.Destroy);
    }

    internal Loop Loop { get; } = new();

    /// <summary>The agent the test's client requests go through.</summary>
    internal Agent Client { get; }

    internal ProxyServer? Proxy { get; private set; }

    /// <summary>What each upstream request looked like when it arrived (method, URL, raw headers, body).</summary>
    internal List<Seen> Seen { get; } = [];

    /// <summary>Uvnet's server as an upstream (HTTPS with <paramref name="tls"/>); <paramref name="handler"/> answers (after the kit recorded the request's head).</summary>
    internal int StartUpstream(Action<IncomingMessage, ServerResponse> handler, bool recordBody = true, Tls.TlsServerOptions? tls = null)
    {
        Action<IncomingMessage, ServerResponse> recording = (req, res) =>
        {
            var seen = new Seen(req.Method, req.Url, [.. req.Headers.Raw]);
            Seen.Add(seen);
            if (recordBody)
                req.Data += (_, d) => seen.Body.Write(d);
            handler(req, res);
        };
        HttpServer server = tls is null ? Http.Http.CreateServer(Loop, recording) : Https.CreateServer(Loop, tls, recording);
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

    /// <summary>An upstream that echoes the request body back once it has all arrived.</summary>
    internal int StartEcho() => StartUpstream((req, res) =>
    {
        var body = new MemoryStream();
        req.Data += (_, d) => body.Write(d);
        req.End += _ => res.End(body.ToArray());
    });

    /// <summary>A raw upstream: <paramref name="respond"/> gets each request head as text with the socket. Returns the port.</summary>
    internal int StartCanned(Action<Socket, string> respond, List<Socket>? accepted = null)
    {
        var sockets = accepted ?? [];
        Server server = Net.Net.CreateServer(Loop, socket =>
        {
            sockets.Add(socket);
            var pending = new StringBuilder();
            socket.Error += (_, _) => { };
            socket.Data += (s, data) =>
            {
                pending.Append(Encoding.Latin1.GetString(data));
                int end;
                while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    string head = pending.ToString(0, end + 4);
                    pending.Remove(0, end + 4);
                    if (!s.Destroyed)
                        respond(s, head);
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

    /// <summary>What exchanges that ended (their RequestFinished point ran) ended with, in order.</summary>
    internal List<FinishedExchange> Finished { get; } = [];

    /// <summary>A proxy of <paramref name="options"/>, listening on 127.0.0.1, whose finished exchanges <see cref="Finished"/> records.</summary>
    internal ProxyServer StartProxy(ProxyOptions options, ProxyListenerOptions? listener = null, HttpServerOptions? serverOptions = null)
    {
        var proxy = new ProxyServer(Loop, options with { Filters = [.. options.Filters, new FinishRecorder(Finished)] }, serverOptions, listener: listener);
        Proxy = proxy;
        bool listening = false;
        proxy.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(Loop, () => listening);
        _cleanup.Add(proxy.Dispose);
        return proxy;
    }

    /// <summary>The proxy, with one route to one cluster of <paramref name="ports"/>.</summary>
    internal ProxyServer StartProxy(IReadOnlyList<ProxyFilter>? filters = null, ProxyTimeouts? timeouts = null, params int[] ports) =>
        StartProxy(Simple(filters, timeouts, ports));

    internal static ProxyOptions Simple(IReadOnlyList<ProxyFilter>? filters, ProxyTimeouts? timeouts, params int[] ports) => new()
    {
        Clusters = [new ProxyCluster { Name = "app", Destinations = [.. ports.Select(p => $"127.0.0.1:{p}")] }],
        Routes = [new ProxyRoute { Cluster = "app" }],
        Filters = filters ?? [],
        Timeouts = timeouts ?? new ProxyTimeouts(),
    };

    /// <summary>Options for a request to the proxy.</summary>
    internal RequestOptions ToProxy(string path = "/", string method = "GET", params KeyValuePair<string, string>[] headers) =>
        new() { Host = "127.0.0.1", Port = Proxy!.Port, Path = path, Method = method, Agent = Client, Headers = headers };

    /// <summary>Sends through the proxy and runs the loop until the request closes.</summary>
    internal Outcome Exchange(RequestOptions options, Action<ClientRequest>? send = null)
    {
        Outcome o = Send(options, send);
        LoopDriver.RunUntil(Loop, () => o.Closed);
        return o;
    }

    internal Outcome Send(RequestOptions options, Action<ClientRequest>? send = null)
    {
        var o = new Outcome();
        ClientRequest request = Http.Http.Request(Loop, options);
        o.Request = request;
        request.Response += (_, res) =>
        {
            o.Response = res;
            res.Data += (_, data) => o.Body.Write(data);
            res.End += _ => o.Ended = true;
            res.Error += (_, e) => o.ResponseError = e;
        };
        request.Error += (_, e) => o.Error = e;
        request.Close += _ => o.Closed = true;
        (send ?? (r => r.End()))(request);
        return o;
    }

    /// <summary>Writes <paramref name="raw"/> to the proxy on a socket of its own; the result collects everything read until the proxy closes it.</summary>
    internal RawClient Raw(string raw) => Raw(Encoding.Latin1.GetBytes(raw));

    /// <summary>Writes <paramref name="raw"/> to the proxy on a socket of its own (see <see cref="Raw(string)"/>).</summary>
    internal RawClient Raw(byte[] raw)
    {
        var client = new RawClient();
        Socket socket = Net.Net.CreateConnection(Loop, Proxy!.Port, "127.0.0.1");
        client.Socket = socket;
        socket.Error += (_, _) => { };
        socket.Data += (_, d) => client.Received.Append(Encoding.Latin1.GetString(d));
        socket.Closed += (_, _) => client.Closed = true;
        if (raw.Length > 0)
            socket.Write(raw);
        _cleanup.Add(() => socket.Destroy());
        return client;
    }

    public void Dispose()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
            _cleanup[i]();
        LoopDriver.CloseLoop(Loop);
    }
}

/// <summary>
/// Records each exchange at RequestFinished (last in the chain, so it sees what the others did), as a copy: the proxy
/// reuses an exchange for a later request once its RequestFinished filters have returned.
/// </summary>
internal sealed class FinishRecorder(List<FinishedExchange> finished) : ProxyFilter
{
    public override HookResult OnRequestFinished(ProxyExchange exchange)
    {
        finished.Add(new FinishedExchange(exchange.Error, exchange.AnsweredByFilter, exchange.Connection));
        return HookResult.Continue;
    }
}

/// <summary>What an exchange ended with.</summary>
internal sealed record FinishedExchange(Forwarding.ForwardError Error, bool AnsweredByFilter, ProxyConnection Connection); // a connection is never reused

internal sealed record Seen(string Method, string Url, List<KeyValuePair<string, string>> Headers)
{
    internal MemoryStream Body { get; } = new();

    internal string? Header(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).DefaultIfEmpty(null).Aggregate((a, b) => a + ", " + b);

    internal string BodyText => Encoding.Latin1.GetString(Body.ToArray());
}

internal sealed class Outcome
{
    internal ClientResponse? Response;
    internal ClientRequest? Request;
    internal readonly MemoryStream Body = new();
    internal Exception? Error, ResponseError;
    internal bool Ended, Closed;

    internal int Status => Response?.StatusCode ?? 0;

    internal string Text => Encoding.Latin1.GetString(Body.ToArray());
}

internal sealed class RawClient
{
    internal Socket? Socket;
    internal readonly StringBuilder Received = new();
    internal bool Closed;

    internal string Text => Received.ToString();
}
