using System.Text;
using Uvnet.Http.Server;
using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// The proxy uncorks the connections it corked (ProxyServer.UncorkAll) from the loop; an uncork may run a filter (the
/// next pipelined request starts), and that filter may close the proxy, which uncorks everything again, or close the
/// connection. Each connection must be uncorked once: uncorked twice, its output stopped and a large response hung.
/// </summary>
public sealed class UncorkReentrancyTests
{
    private const string Three =
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    // /b's body is larger than the socket and the response's buffers take, so it leaves only if the connection flushes.
    private const int LargeBody = 4 * 1024 * 1024;

    public enum Reentry { CloseTheProxy, CloseTheConnection }

    [Theory]
    [InlineData(Reentry.CloseTheProxy)]
    [InlineData(Reentry.CloseTheConnection)]
    public void A_filter_that_closes_the_proxy_or_its_connection_while_the_proxy_uncorks_leaves_each_connection_uncorked_once(Reentry reentry)
    {
        using var kit = new ProxyKit();
        int port = kit.StartCanned((s, head) =>
        {
            string path = head.Split(' ')[1];
            string body = path == "/b" ? new string('b', LargeBody) : "body of " + path;
            s.Write(Encoding.Latin1.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}"));
        });
        bool ranInUncork = false;
        var filter = new DelegateFilter(HookPoint.RequestHead, e =>
        {
            if (e.Request!.Url != "/b")
                return HookResult.Continue;
            // One request parsed at a time: /b is parsed when /a's response leaves the queue, which the uncork of the
            // response (corked while the upstream's read wrote it) does.
            ranInUncork = Environment.StackTrace.Contains("UncorkAll", StringComparison.Ordinal);
            if (reentry == Reentry.CloseTheConnection)
                return HookResult.Close;
            kit.Proxy!.Close();
            return HookResult.Continue;
        });
        kit.StartProxy(ProxyKit.Simple([filter], null, port), serverOptions: new HttpServerOptions { MaxPipelinedRequests = 1, ServerHeader = null, Http2 = false });

        RawClient client = kit.Raw(Three);
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.True(ranInUncork);
        Assert.Contains("body of /a", client.Text);
        if (reentry == Reentry.CloseTheProxy)
        {
            // A graceful close answers what was received: /b whole, then /c, on which the connection ends.
            Assert.Contains(new string('b', LargeBody), client.Text);
            Assert.EndsWith("body of /c", client.Text);
        }
        else
            Assert.DoesNotContain("body of /c", client.Text);
    }
}
