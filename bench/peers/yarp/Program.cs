// The YARP peer: every request to one upstream, through YARP's in-memory configuration (one route, one cluster with
// one destination), listening on 127.0.0.1. YARP pools upstream connections (SocketsHttpHandler) by default.
//   usage: Uvnet.Bench.YarpPeer --port P --to http://127.0.0.1:U
using System.Globalization;
using System.Net;
using Yarp.ReverseProxy.Configuration;

if (args is not ["--port", var p, "--to", var to] || !int.TryParse(p, CultureInfo.InvariantCulture, out int port) || port <= 0)
{
    Console.Error.WriteLine("usage: Uvnet.Bench.YarpPeer --port P --to http://HOST:PORT");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
// Hosting and YARP log every request at Information by default: a benchmark would measure the console.
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port));
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "upstream", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = to } } }]);
var app = builder.Build();
app.MapReverseProxy();

Console.Error.WriteLine($"yarp: listening on 127.0.0.1:{port}, forwarding to {to}");
await app.RunAsync();
return 0;
