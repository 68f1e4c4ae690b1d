// The Kestrel HTTP peer: TechEmpower plaintext ("Hello, World!", text/plain) written as pre-encoded
// bytes from a single app.Run, on 127.0.0.1. Kestrel adds the Server and Date headers TechEmpower asks for.
// With --cert and --key (PEM files) it serves HTTPS (SslStream, ASP.NET Core's TLS defaults), for the tls suite.
// With --http2 it speaks HTTP/2 for the h2 suite: h2c with prior knowledge only on plaintext (Kestrel cannot tell
// HTTP/1.1 from h2c on one plaintext endpoint), h2 by ALPN with --cert.
//   usage: Uvnet.Bench.KestrelPeer [--cert FILE --key FILE] [--http2] --port P
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

int port = 0;
string? certFile = null, keyFile = null;
bool http2 = false;
for (int i = 0; i < args.Length; i++)
{
    string? value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--http2": http2 = true; break;
        case "--port" when value is not null: port = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
        case "--cert" when value is not null: certFile = value; i++; break;
        case "--key" when value is not null: keyFile = value; i++; break;
        default: port = 0; i = args.Length; break;
    }
}
if (port <= 0 || (certFile is null) != (keyFile is null))
{
    Console.Error.WriteLine("usage: Uvnet.Bench.KestrelPeer [--cert FILE --key FILE] [--http2] --port P");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
// Hosting logs every request at Information by default: a benchmark would measure the console.
builder.Logging.ClearProviders();
// CreateFromPemFile's key is ephemeral, which SslStream on Linux takes as is (no PFX round trip needed there).
X509Certificate2? certificate = certFile is null ? null : X509Certificate2.CreateFromPemFile(certFile, keyFile);
builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port, listen =>
{
    if (http2)
        listen.Protocols = certificate is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
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

Console.Error.WriteLine($"kestrel: listening on {(certificate is null ? "http" : "https")}://127.0.0.1:{port}{(http2 ? " (HTTP/2)" : "")}");
await app.RunAsync();
return 0;
