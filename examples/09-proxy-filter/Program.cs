// A reverse proxy with a filter: requests without an API key are answered by the proxy itself (401) and never
// reach the upstream; the others are forwarded with the caller's key replaced by the name of the client it
// belongs to. A filter is a synchronous call per hook point; nothing is allocated when it only continues.
using Uvnet;
using Uvnet.Proxy;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Routing;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 8080;
var upstream = new Uri(args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("UPSTREAM") ?? "http://127.0.0.1:9000");

var loop = new Loop();
var proxy = new ProxyServer(loop, new ProxyOptions
{
    Clusters = [new ProxyCluster { Name = "app", Destinations = [$"{upstream.Host}:{upstream.Port}"] }],
    Routes = [new ProxyRoute { Cluster = "app" }],
    Filters = [new ApiKeyFilter(new Dictionary<string, string> { ["k-123"] = "reports", ["k-456"] = "billing" })],
});
proxy.FilterError += (e, exchange) => Console.Error.WriteLine($"{exchange.Request?.Url}: {e.Message}");
// A port in use, say: the proxy stays closed, and with nothing left to do Run returns.
proxy.Server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 1;
};
Console.WriteLine($"forwarding to {upstream}");
proxy.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {proxy.Port}"));
loop.Run();

/// <summary>Lets through requests whose <c>X-Api-Key</c> names a known client, and tells the upstream which.</summary>
sealed class ApiKeyFilter(IReadOnlyDictionary<string, string> clients) : ProxyFilter
{
    private static readonly KeyValuePair<string, string>[] s_challenge = [new("WWW-Authenticate", "ApiKey")];

    // Before routing: an unknown caller costs the upstream nothing.
    public override HookResult OnRequestHead(ProxyExchange exchange)
    {
        string? key = exchange.Request!.Headers["x-api-key"];
        if (key is null || !clients.TryGetValue(key, out string? client))
            return HookResult.Respond(401, s_challenge, "an X-Api-Key header naming a known client is needed\n"u8.ToArray());
        exchange.Items["client"] = client;
        return HookResult.Continue;
    }

    // The upstream request can still be changed here: the key stays at the edge, the client's name goes on.
    public override HookResult OnBeforeForward(ProxyExchange exchange)
    {
        List<KeyValuePair<string, string>> headers = exchange.UpstreamHeaders;
        headers.RemoveAll(h => h.Key.Equals("X-Api-Key", StringComparison.OrdinalIgnoreCase));
        headers.Add(new("X-Client", (string)exchange.Items["client"]!));
        return HookResult.Continue;
    }
}
