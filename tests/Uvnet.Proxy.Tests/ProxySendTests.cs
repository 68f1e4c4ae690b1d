using Uvnet.Http.Server;
using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Tests;

/// <summary>How many sends a proxied response costs downstream (a send is a system call: the proxy's largest cost).</summary>
public sealed class ProxySendTests
{
    [Fact]
    public void A_small_proxied_response_leaves_in_one_send()
    {
        // The upstream's head, body and end come in one read, through separate calls: they go down as one send.
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((_, res) => res.End("Hello, World!"u8), recordBody: false);
        ProxyServer proxy = kit.StartProxy(ports: port);
        kit.Exchange(kit.ToProxy()); // the connections are made and kept
        long before = proxy.Server.WritesIssued;

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal("Hello, World!", o.Text);
        Assert.Equal(1, proxy.Server.WritesIssued - before);
    }

    [Fact]
    public void A_filters_answer_leaves_in_one_send()
    {
        // Answered from the upstream's read (at ResponseHead), outside the downstream read that batches on its own.
        using var kit = new ProxyKit();
        ProxyServer proxy = kit.StartProxy(filters: [new DelegateFilter(HookPoint.ResponseHead, _ => HookResult.Respond(403, null, "no"u8.ToArray()))], ports: kit.StartEcho());
        kit.Exchange(kit.ToProxy());
        long before = proxy.Server.WritesIssued;

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(403, o.Status);
        Assert.Equal(1, proxy.Server.WritesIssued - before);
    }

    [Fact]
    public void A_head_resumed_from_a_timer_leaves_without_waiting_for_the_body()
    {
        // A ResponseHead filter resumes from a timer of its own: the head is written outside the poll, where no check
        // follows before the loop blocks again. An upstream that sends its head and then waits (a stream, a long poll)
        // must not leave that head held by the proxy until its body comes.
        using var kit = new ProxyKit();
        var timer = new TimerHandle(kit.Loop);
        ResumeHandle handle = default;
        ServerResponse? streaming = null;
        kit.StartProxy(filters: [new DelegateFilter(HookPoint.ResponseHead, e =>
        {
            handle = e.Pause();
            timer.Start(_ => Assert.True(handle.Resume()), 20);
            return HookResult.Paused;
        })], ports: kit.StartUpstream((_, res) =>
        {
            streaming = res;
            res.WriteHead(200);
            res.FlushHeaders();
        }, recordBody: false));

        // The loop runs as a program runs it (RunMode.Default): the timer fires at the top of an iteration, and the
        // poll that follows blocks for as long as nothing is due. A check stops it once the head has come; a deadline
        // (which wakes the poll) fails the test.
        Outcome o = kit.Send(kit.ToProxy());
        var done = new CheckHandle(kit.Loop);
        done.Start(_ => { if (o.Response is not null) kit.Loop.Stop(); });
        bool expired = false;
        var deadline = new TimerHandle(kit.Loop);
        deadline.Start(_ => { expired = true; kit.Loop.Stop(); }, 10_000);
        kit.Loop.Run(RunMode.Default);
        done.Close();
        deadline.Close();
        timer.Close();

        Assert.False(expired, "the head waited in the proxy's cork until the deadline woke the loop");
        streaming!.End("done"u8);
        LoopDriver.RunUntil(kit.Loop, () => o.Closed);
        Assert.Equal("done", o.Text);
    }
}
