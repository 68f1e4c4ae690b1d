// HTTP/2's stream-level API (Node's http2 'stream' event): each stream is answered by frames of its own, with
// flow-control backpressure per stream and trailers after the body. Plaintext h2c with prior knowledge here (curl
// --http2-prior-knowledge); over TLS the same handler gets streams negotiated by ALPN.
using System.Text;
using Uvnet;
using Uvnet.Http;
using Uvnet.Http.Http2;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 8080;

var loop = new Loop();
var server = Http.CreateServer(loop); // no request handler: the Stream event alone answers HTTP/2
server.Stream += (stream, headers, flags) =>
{
    // The body arrives as spans lent for the call: count them, keep nothing. Subscribe here, in the Stream handler,
    // so that no DATA frame comes before the handler is there.
    long bytes = 0;
    stream.Data += (_, data) => bytes += data.Length;
    stream.Ended += s =>
    {
        // WaitForTrailers: after the body, WantTrailers asks for the trailer fields, which end the stream.
        s.Respond([new(":status", "200"), new("content-type", "text/plain")], new Http2RespondOptions { WaitForTrailers = true });
        s.End($"stream {s.Id}: {s.Method} {s.Path}, {bytes} bytes received\n");
    };
    stream.WantTrailers += s => s.SendTrailers([new("x-bytes-received", bytes.ToString())]);
    // A reset by the client (or a lost connection) ends the stream early: Aborted says so, and Closed comes last.
    stream.Aborted += s => Console.Error.WriteLine($"stream {s.Id} aborted, code {s.RstCode}");
};
server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 1;
};
server.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {server.Port}"));
loop.Run();
