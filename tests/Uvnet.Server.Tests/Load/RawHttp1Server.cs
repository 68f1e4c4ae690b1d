using System.Text;
using Uvnet.Net;

namespace Uvnet.Server.Tests.Load;

/// <summary>
/// A scripted HTTP/1.1 server on the test's loop, answering with bytes the test chooses, for what Uvnet's own server
/// never sends: chunked bodies in pieces, interim responses, malformed or unasked responses, closes mid-pipeline.
/// Requests are bodiless (GET, HEAD): each ends at its empty line.
/// </summary>
internal sealed class RawHttp1Server
{
    private readonly Uvnet.Net.Server _server;

    /// <summary>
    /// Listens on 127.0.0.1; <paramref name="onRequest"/> is called with the connection's socket and the request's
    /// number on that connection (from 1), once per request, in order.
    /// </summary>
    internal RawHttp1Server(Loop loop, Action<Socket, int> onRequest)
    {
        _server = new Uvnet.Net.Server(loop, socket =>
        {
            Sockets.Add(socket);
            var input = new StringBuilder();
            int requests = 0;
            socket.Data += (_, data) =>
            {
                input.Append(Encoding.Latin1.GetString(data));
                string text = input.ToString();
                int end;
                while ((end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    text = text[(end + 4)..];
                    Requests++;
                    onRequest(socket, ++requests);
                }
                input.Clear().Append(text);
            };
        });
        bool listening = false;
        _server.Listen(0, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
    }

    internal int Port => _server.Port;

    /// <summary>The connections accepted, in order.</summary>
    internal List<Socket> Sockets { get; } = [];

    /// <summary>The requests received, on every connection.</summary>
    internal long Requests { get; private set; }

    /// <summary>Writes <paramref name="response"/> a few bytes at a time, so the client's parser gets it split everywhere.</summary>
    internal static void WriteInPieces(Socket socket, string response, int piece = 7)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(response);
        for (int i = 0; i < bytes.Length; i += piece)
            socket.Write(bytes.AsMemory(i, Math.Min(piece, bytes.Length - i)));
    }

    /// <summary>Stops listening and destroys the connections still open.</summary>
    internal void Close()
    {
        foreach (Socket socket in Sockets)
            socket.Destroy();
        _server.Close();
    }
}
