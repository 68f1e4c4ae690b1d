using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// A response's Request and Socket refuse once the pair is recycled; every event of the response is raised while it
/// is still in use, so a handler of any of them reads both (review of "A response kept past its use refuses Request
/// and Socket as disposed").
/// </summary>
public class ResponseEventsSeeTheirRequestTests
{
    private static string Get(string path, bool close = false) =>
        $"GET {path} HTTP/1.1\r\nHost: x\r\n{(close ? "Connection: close\r\n" : "")}\r\n";

    /// <summary>Subscribes to every event of <paramref name="res"/>, each reading Request and Socket; failures and events seen go to the lists.</summary>
    private static void Watch(ServerResponse res, List<string> seen, List<string> failures)
    {
        string url = res.Request.Url;
        void Read(string name)
        {
            seen.Add($"{url} {name}");
            try
            {
                Assert.Equal(url, res.Request.Url);
                Assert.NotNull(res.Socket);
            }
            catch (Exception e)
            {
                failures.Add($"{url} {name}: {e.GetType().Name}");
            }
        }
        res.Finish += _ => Read("finish");
        res.Close += _ => Read("close");
        res.Drain += _ => Read("drain");
        res.Error += (_, _) => Read("error");
        res.Timeout += _ => Read("timeout");
    }

    [Fact]
    public void Finish_and_Close_handlers_of_pipelined_responses_read_Request_and_Socket()
    {
        var seen = new List<string>();
        var failures = new List<string>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            Watch(res, seen, failures);
            if (req.Url == "/2")
                await Task.Yield(); // held: finished after its handler let go of nothing yet
            res.End(req.Url);
        });
        fixture.Server.HandlerError += (e, _) => failures.Add("handler error: " + e.Message);
        string raw = fixture.Exchange(Get("/1") + Get("/2") + Get("/3", close: true));
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.Equal(3, RawClient.Count(raw, "HTTP/1.1 200"));
        Assert.Empty(failures);
        foreach (string url in new[] { "/1", "/2", "/3" })
        {
            Assert.Contains($"{url} finish", seen);
            Assert.Contains($"{url} close", seen);
        }
    }

    [Fact]
    public void A_Timeout_handler_reads_Request_and_Socket_and_ends_the_response()
    {
        var seen = new List<string>();
        var failures = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            Watch(res, seen, failures);
            res.SetTimeout(20, r => r.End("late " + r.Request.Url));
        });
        fixture.Server.HandlerError += (e, _) => failures.Add("handler error: " + e.Message);
        string raw = fixture.Exchange(Get("/t", close: true));
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.EndsWith("late /t", raw);
        Assert.Empty(failures);
        Assert.Contains("/t timeout", seen);
        Assert.Contains("/t finish", seen);
        Assert.Contains("/t close", seen);
    }

    [Fact]
    public void Close_handlers_of_unanswered_responses_read_Request_and_Socket_when_the_client_goes()
    {
        var seen = new List<string>();
        var failures = new List<string>();
        var dispatched = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var fixture = ServerFixture.Start((req, res) =>
        {
            Watch(res, seen, failures); // never answered
            dispatched.TrySetResult();
        });
        fixture.Server.HandlerError += (e, _) => failures.Add("handler error: " + e.Message);
        fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes(Get("/1") + Get("/2")));
            await dispatched.Task; // then the client resets the connection with its requests unanswered
            s.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        });
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.Empty(failures);
        Assert.Contains("/1 close", seen);
    }

    [Fact]
    public void A_Drain_handler_reads_Request_and_Socket()
    {
        var seen = new List<string>();
        var failures = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            Watch(res, seen, failures);
            res.SetHeader("Content-Length", (8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!res.Write(new byte[8 << 20])) // more than the socket takes at once: Drain comes
                res.Drain += r => r.End();
        });
        fixture.Server.HandlerError += (e, _) => failures.Add("handler error: " + e.Message);
        string raw = fixture.Exchange(Get("/d", close: true));
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.StartsWith("HTTP/1.1 200", raw);
        Assert.Empty(failures);
        Assert.Contains("/d drain", seen);
        Assert.Contains("/d finish", seen);
        Assert.Contains("/d close", seen);
    }
}
