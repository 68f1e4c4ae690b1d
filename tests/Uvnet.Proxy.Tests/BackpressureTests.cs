using Uvnet.Http.Client;
using Uvnet.Http.Server;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// Watermark backpressure on both legs: with one side stalled, what the other sends is bounded by the socket buffers
/// and the high-water marks, not by the body's size, and everything arrives once the stalled side reads again.
/// </summary>
public sealed class BackpressureTests
{
    private const int Total = 32 << 20;
    private const int Chunk = 64 << 10;

    // What may be in flight with the client stalled: kernel buffers of two loopback connections (a few MiB each on
    // Linux), the proxy's and the client's 64 KiB holds. Far below the body.
    private const int Bound = 16 << 20;

    [Fact]
    public void A_slow_client_pauses_the_upstream_response()
    {
        using var kit = new ProxyKit();
        long written = 0;
        bool blocked = false;
        int port = kit.StartUpstream((req, res) =>
        {
            var chunk = new byte[Chunk];
            void Pump()
            {
                while (written < Total)
                {
                    written += Chunk;
                    if (!res.Write(chunk))
                    {
                        blocked = true;
                        return;
                    }
                }
                res.End();
            }
            res.Drain += _ => Pump();
            Pump();
        });
        kit.StartProxy(ports: port);

        ClientResponse? response = null;
        long received = 0;
        bool ended = false;
        ClientRequest request = Http.Http.Request(kit.Loop, kit.ToProxy(), res =>
        {
            response = res;
            res.Pause();
            res.Data += (_, d) => received += d.Length;
            res.End += _ => ended = true;
        });
        request.End();
        LoopDriver.RunUntil(kit.Loop, () => response is not null && blocked);
        LoopDriver.RunFor(kit.Loop, 300);

        Assert.True(written < Bound, $"the upstream wrote {written} bytes to a client that read none");
        response!.Resume();
        LoopDriver.RunUntil(kit.Loop, () => ended, 60);
        Assert.Equal(Total, received);
    }

    [Fact]
    public void A_slow_upstream_pauses_the_client_upload()
    {
        using var kit = new ProxyKit();
        IncomingMessage? upstreamRequest = null;
        long received = 0;
        int port = kit.StartUpstream((req, res) =>
        {
            upstreamRequest = req;
            req.Data += (_, d) => received += d.Length;
            req.End += _ => res.End("done");
            req.Socket.Pause(); // a slow reader: nothing more is read until the test resumes it
        }, recordBody: false);
        kit.StartProxy(ports: port);

        long sent = 0;
        bool blocked = false;
        Outcome o = kit.Send(kit.ToProxy("/", "POST", new KeyValuePair<string, string>("Content-Length", Total.ToString(System.Globalization.CultureInfo.InvariantCulture))), r =>
        {
            var chunk = new byte[Chunk];
            void Pump()
            {
                while (sent < Total)
                {
                    sent += Chunk;
                    if (!r.Write(chunk))
                    {
                        blocked = true;
                        return;
                    }
                }
                r.End();
            }
            r.Drain += _ => Pump();
            Pump();
        });
        LoopDriver.RunUntil(kit.Loop, () => upstreamRequest is not null && blocked);
        LoopDriver.RunFor(kit.Loop, 300);

        Assert.True(sent < Bound, $"the client sent {sent} bytes to an upstream that read none");
        upstreamRequest!.Socket.Resume();
        LoopDriver.RunUntil(kit.Loop, () => o.Closed, 60);
        Assert.Equal(Total, received);
        Assert.Equal("done", o.Text);
    }

    [Fact]
    public void An_upstream_that_answers_before_the_body_ends_lets_the_rest_be_read_and_the_connection_serve_again()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.StatusCode = req.Method == "POST" ? 413 : 200; res.End("early"); }, recordBody: false);
        kit.StartProxy(ports: port);
        const int length = Total / 4;

        RawClient client = kit.Raw($"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {length}\r\n\r\n");
        long sent = 0;
        var chunk = new byte[Chunk];
        void Pump()
        {
            while (sent < length)
            {
                sent += Chunk;
                if (!client.Socket!.Write(chunk))
                    return;
            }
            client.Socket!.Write(System.Text.Encoding.Latin1.GetBytes("GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        }
        client.Socket!.Drain += _ => Pump();
        Pump();
        LoopDriver.RunUntil(kit.Loop, () => client.Closed, 60);

        Assert.Equal(length, sent); // the whole body was taken, after the answer
        Assert.StartsWith("HTTP/1.1 413", client.Text);
        Assert.Contains("HTTP/1.1 200", client.Text); // the next request on the same connection
        Assert.EndsWith("early", client.Text);
    }
}
