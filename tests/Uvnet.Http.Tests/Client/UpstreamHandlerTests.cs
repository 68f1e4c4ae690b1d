using System.Text;
using Uvnet.Http.Client;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Client;

/// <summary>The README's examples: a server handler that calls upstream on the same loop and streams the answer back.</summary>
public class UpstreamHandlerTests
{
    private const int Size = 1 << 20;

    /// <summary>An upstream on the kit's loop sending <see cref="Size"/> bytes, chunked, and a front server using <paramref name="front"/>.</summary>
    private static string ThroughFront(ClientKit kit, Func<int, Action<IncomingMessage, ServerResponse>> front)
    {
        var body = new byte[Size];
        for (int i = 0; i < body.Length; i++)
            body[i] = (byte)('a' + i % 26);
        int upstream = kit.StartServer((_, res) =>
        {
            res.SetHeader("Content-Type", "text/plain");
            res.Write(body.AsSpan(0, Size / 2));
            res.End(body.AsSpan(Size / 2));
        });
        HttpServer frontServer = Http.CreateServer(kit.Loop, front(upstream));
        bool listening = false;
        frontServer.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(kit.Loop, () => listening);
        var o = kit.Exchange(kit.To(frontServer.Port, "/big"));
        frontServer.CloseAllConnections();
        frontServer.Close();
        Assert.Null(o.Error);
        Assert.Equal("text/plain", o.Response!.Headers["content-type"]);
        Assert.Equal(Encoding.ASCII.GetString(body), o.Text);
        return o.Text;
    }

    [Fact]
    public void Node_style_handler_streams_the_upstream_answer_with_backpressure()
    {
        using var kit = new ClientKit();
        ThroughFront(kit, port => (req, res) =>
        {
            var upstream = Http.Get(req.Socket.Loop, new RequestOptions { Host = "127.0.0.1", Port = port, Path = req.Url }, up =>
            {
                res.StatusCode = up.StatusCode;
                res.SetHeader("Content-Type", up.Headers["content-type"] ?? "application/octet-stream");
                up.Data += (_, chunk) =>
                {
                    if (!res.Write(chunk))
                        up.Pause(); // the client reads slower than upstream sends
                };
                res.Drain += _ => up.Resume();
                up.End += _ => res.End();
            });
            upstream.Error += (_, _) =>
            {
                res.StatusCode = 502;
                res.End();
            };
        });
    }

    [Fact]
    public void Async_handler_streams_the_upstream_answer()
    {
        using var kit = new ClientKit();
        var client = new LoopHttpClient(kit.Loop);
        Task? forwarding = null;
        ThroughFront(kit, port => (req, res) => forwarding = Forward(req, res, port));
        Assert.True(forwarding!.IsCompletedSuccessfully);

        async Task Forward(IncomingMessage req, ServerResponse res, int port)
        {
            ClientResponse up = await client.SendAsync(new RequestOptions { Host = "127.0.0.1", Port = port, Path = req.Url });
            res.StatusCode = up.StatusCode;
            res.SetHeader("Content-Type", up.Headers["content-type"] ?? "application/octet-stream");
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await up.ReadAsync(buffer)) > 0)
                await res.WriteAsync(buffer.AsMemory(0, n));
            res.End();
        }
        Agent.GetGlobal(kit.Loop).Destroy();
    }
}
