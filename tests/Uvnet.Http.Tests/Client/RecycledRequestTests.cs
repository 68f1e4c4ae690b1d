using Uvnet.Http.Client;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// <see cref="AgentOptions.RecycleRequests"/>: a request and its response are reused once the request closed, and a
/// reference kept past that is refused with <see cref="ObjectDisposedException"/>, never read as another request.
/// </summary>
public class RecycledRequestTests
{
    private static readonly AgentOptions s_recycling = new() { RecycleRequests = true };

    [Fact]
    public void A_recycled_request_and_its_response_throw_ObjectDisposedException()
    {
        using var kit = new ClientKit(s_recycling);
        int port = kit.StartServer((_, res) => res.End("hi"));
        ClientKit.Outcome o = kit.Exchange(kit.To(port));
        ClientRequest request = o.Request!;
        ClientResponse response = o.Response!;
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.RecycledCount == 1); // recycled once its Close handlers returned

        Assert.Throws<ObjectDisposedException>(() => request.Method);
        Assert.Throws<ObjectDisposedException>(() => request.Res);
        Assert.Throws<ObjectDisposedException>(() => request.Destroyed);
        Assert.Throws<ObjectDisposedException>(() => request.GetHeader("Host"));
        Assert.Throws<ObjectDisposedException>(() => request.Destroy());
        Assert.Throws<ObjectDisposedException>(() => request.Write("x"u8));
        Assert.Throws<ObjectDisposedException>(() => request.Close += _ => { });
        Assert.Throws<ObjectDisposedException>(() => response.StatusCode);
        Assert.Throws<ObjectDisposedException>(() => response.StatusMessage);
        Assert.Throws<ObjectDisposedException>(() => response.Headers);
        Assert.Throws<ObjectDisposedException>(() => response.Trailers);
        Assert.Throws<ObjectDisposedException>(() => response.Request);
        Assert.Throws<ObjectDisposedException>(() => response.Complete);
        Assert.Throws<ObjectDisposedException>(() => response.Resume());
        Assert.Throws<ObjectDisposedException>(() => { _ = response.ReadBodyAsync(); });
        Assert.Throws<ObjectDisposedException>(() => response.Data += (_, _) => { });
    }

    [Fact]
    public void The_pair_stays_readable_through_the_requests_Close_handlers()
    {
        using var kit = new ClientKit(s_recycling);
        int port = kit.StartServer((_, res) => { res.SetHeader("X-Seen", "yes"); res.End("hi"); });
        string? seen = null;
        ClientKit.Outcome o = kit.Send(kit.To(port), r =>
        {
            r.Close += req => seen = $"{req.Res!.StatusCode} {req.Res.Headers["x-seen"]} {req.Res.Complete}";
            r.End();
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Closed);
        Assert.Equal("200 yes True", seen);
        Assert.Equal("hi", o.Text);
    }

    [Fact]
    public void A_recycled_request_serves_the_next_one_with_that_requests_own_response()
    {
        using var kit = new ClientKit(s_recycling);
        int port = kit.StartServer((req, res) => { res.SetHeader("X-Path", req.Url); res.End(req.Url); });
        ClientKit.Outcome first = kit.Exchange(kit.To(port, "/one"));
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.RecycledCount == 1);
        string? header = null;
        bool reused = false;
        ClientKit.Outcome second = kit.Send(kit.To(port, "/two"), r =>
        {
            r.Response += (request, res) =>
            {
                header = res.Headers["x-path"]; // read lazily from this response's own head
                reused = request.ReusedSocket; // read before its Close: the pair is recycled once that has returned
            };
            r.End();
        });
        LoopDriver.RunUntil(kit.Loop, () => second.Closed);

        Assert.Same(first.Request, second.Request);
        Assert.Same(first.Response, second.Response);
        Assert.Equal("/two", header);
        Assert.Equal("/two", second.Text);
        Assert.True(reused);
    }

    [Fact]
    public void Without_RecycleRequests_a_request_and_its_response_stay_readable_after_Close()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((_, res) => res.End("hi"));
        ClientKit.Outcome o = kit.Exchange(kit.To(port));
        ClientKit.Outcome next = kit.Exchange(kit.To(port));

        Assert.NotSame(o.Request, next.Request);
        Assert.Equal("GET", o.Request!.Method);
        Assert.Equal(200, o.Response!.StatusCode);
        Assert.Equal(0, kit.Agent.RecycledCount);
    }

    [Fact]
    public void A_request_destroyed_before_its_connection_is_recycled_and_refused_after()
    {
        using var kit = new ClientKit(s_recycling);
        int port = kit.StartServer((_, res) => res.End("hi"));
        ClientKit.Outcome o = kit.Send(kit.To(port), r => r.Destroy());
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.RecycledCount == 1);
        Assert.Equal(["close"], o.Events);
        Assert.Throws<ObjectDisposedException>(() => o.Request!.Destroyed);
    }

    [Fact]
    public void A_request_that_upgraded_is_never_recycled()
    {
        using var kit = new ClientKit(s_recycling);
        int port = kit.StartCanned((s, head, _) => ClientKit.Canned(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n"));
        Uvnet.Net.Socket? upgraded = null;
        ClientKit.Outcome o = kit.Send(kit.To(port), r =>
        {
            r.SetHeader("Connection", "Upgrade");
            r.SetHeader("Upgrade", "x");
            r.Upgrade += (_, _, socket, _) => upgraded = socket;
            r.End();
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Closed);
        LoopDriver.RunFor(kit.Loop, 50);
        Assert.Equal(0, kit.Agent.RecycledCount);
        Assert.Equal(101, o.Request!.Res!.StatusCode);
        upgraded!.Destroy();
    }

    [Fact]
    public void Requests_of_LoopHttpClient_are_never_recycled()
    {
        using var kit = new ClientKit(s_recycling);
        int port = kit.StartServer((_, res) => res.End("hi"));
        var client = new LoopHttpClient(kit.Loop, kit.Agent);
        ClientResponse? response = null;
        byte[]? body = null;
        kit.Loop.RunUntil(async () =>
        {
            response = await client.SendAsync(kit.To(port));
            body = await response.ReadBodyAsync();
        });
        LoopDriver.RunFor(kit.Loop, 50);
        Assert.Equal(0, kit.Agent.RecycledCount);
        Assert.Equal(200, response!.StatusCode);
        Assert.Equal("hi"u8.ToArray(), body);
    }
}
