// The Kestrel HTTP peer: TechEmpower plaintext ("Hello, World!", text/plain) written as pre-encoded
// bytes from a single app.Run, on 127.0.0.1. Kestrel adds the Server and Date headers TechEmpower asks for.
//   usage: Uvnet.Bench.KestrelPeer --port P
using System.Globalization;
using System.Net;

int port = args is ["--port", var p] ? int.Parse(p, CultureInfo.InvariantCulture) : 0;
if (port <= 0)
{
    Console.Error.WriteLine("usage: Uvnet.Bench.KestrelPeer --port P");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
// Hosting logs every request at Information by default: a benchmark would measure the console.
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port));
var app = builder.Build();

byte[] payload = "Hello, World!"u8.ToArray();
app.Run(context =>
{
    HttpResponse response = context.Response;
    if (context.Request.Path != "/plaintext")
    {
        response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
    response.StatusCode = StatusCodes.Status200OK;
    response.ContentType = "text/plain";
    response.ContentLength = payload.Length;
    ValueTask<System.IO.Pipelines.FlushResult> write = response.BodyWriter.WriteAsync(payload);
    return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
});

Console.Error.WriteLine($"kestrel: listening on 127.0.0.1:{port}");
await app.RunAsync();
return 0;
