// The Kestrel HTTP peer: TechEmpower plaintext ("Hello, World!", text/plain) written as pre-encoded
// bytes from a single app.Run, on 127.0.0.1. Kestrel adds the Server and Date headers TechEmpower asks for.
// With --cert and --key (PEM files) it serves HTTPS (SslStream, ASP.NET Core's TLS defaults), for the tls suite.
//   usage: Uvnet.Bench.KestrelPeer [--cert FILE --key FILE] --port P
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;

int port = 0;
string? certFile = null, keyFile = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port": port = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--cert": certFile = args[i + 1]; break;
        case "--key": keyFile = args[i + 1]; break;
        default: port = 0; i = args.Length; break;
    }
}
if (port <= 0 || (certFile is null) != (keyFile is null))
{
    Console.Error.WriteLine("usage: Uvnet.Bench.KestrelPeer [--cert FILE --key FILE] --port P");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
// Hosting logs every request at Information by default: a benchmark would measure the console.
builder.Logging.ClearProviders();
// CreateFromPemFile's key is ephemeral, which SslStream on Linux takes as is (no PFX round trip needed there).
X509Certificate2? certificate = certFile is null ? null : X509Certificate2.CreateFromPemFile(certFile, keyFile);
builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port, listen =>
{
    if (certificate is not null)
        listen.UseHttps(certificate);
}));
var app = builder.Build();

byte[] payload = "Hello, World!"u8.ToArray();
// The tls suite's bulk body: 1 MiB from memory (nginx and uvnet serve it from a file in the page cache).
byte[] bulk = new byte[1024 * 1024];
bulk.AsSpan().Fill((byte)'x');
app.Run(context =>
{
    HttpResponse response = context.Response;
    if (context.Request.Path == "/bulk")
    {
        response.ContentType = "application/octet-stream";
        response.ContentLength = bulk.Length;
        return response.Body.WriteAsync(bulk, 0, bulk.Length);
    }
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

Console.Error.WriteLine($"kestrel: listening on {(certificate is null ? "http" : "https")}://127.0.0.1:{port}");
await app.RunAsync();
return 0;
