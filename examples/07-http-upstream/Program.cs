// A handler that calls an upstream server with the loop's own HTTP client and streams the answer back as it
// arrives: the upstream call stays on the handler's loop (no thread pool, no System.Net.Http.HttpClient),
// and keep-alive connections to the upstream are pooled by the client's Agent.
using Uvnet;
using Uvnet.Http;
using Uvnet.Http.Client;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 8080;
var upstream = new Uri(args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("UPSTREAM") ?? "http://127.0.0.1:9000");

var loop = new Loop();
var client = new LoopHttpClient(loop);
var server = Http.CreateServer(loop, async (req, res) =>
{
    ClientResponse up;
    try
    {
        up = await client.SendAsync(new RequestOptions { Host = upstream.Host, Port = upstream.Port, Path = req.Url });
    }
    catch (Exception e)
    {
        // Refused, reset, timed out: the client's fault is not the caller's, hence 502.
        res.StatusCode = 502;
        res.End($"upstream: {e.Message}\n");
        return;
    }
    res.StatusCode = up.StatusCode;
    res.SetHeader("Content-Type", up.Headers["content-type"] ?? "application/octet-stream");
    // No Content-Length: the body goes out chunked, each piece as it comes. Awaiting WriteAsync is the
    // backpressure: it completes once the client has taken enough, and only then is upstream read again.
    var buffer = new byte[16 * 1024];
    try
    {
        int n;
        while ((n = await up.ReadAsync(buffer)) > 0)
            await res.WriteAsync(buffer.AsMemory(0, n));
        res.End();
    }
    catch
    {
        // The caller went away (or upstream broke off): stop reading the upstream answer, and let the
        // server report the failure (HandlerError) and close the caller's connection.
        up.Destroy();
        throw;
    }
});
server.HandlerError += (e, req) => Console.Error.WriteLine($"{req?.Url}: {e.Message}");
Console.WriteLine($"forwarding to {upstream}");
// A port in use, say: the server stays closed, and with nothing left to do Run returns.
server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 1;
};
server.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {server.Port}"));
loop.Run();
