using System.Text;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>The awaitable client: SendAsync, the body streamed or whole, continuations on the loop thread.</summary>
public class LoopHttpClientTests
{
    [Fact]
    public void SendAsync_awaited_on_the_loop_resumes_there_and_streams_the_body()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((_, res) => { res.Write("abc"u8); res.End("def"u8); });
        var client = new LoopHttpClient(kit.Loop, kit.Agent);
        int loopThread = 0;
        var threads = new List<int>();
        string text = kit.Loop.RunUntil(async () =>
        {
            loopThread = Environment.CurrentManagedThreadId;
            ClientResponse res = await client.SendAsync(kit.To(port));
            threads.Add(Environment.CurrentManagedThreadId);
            var buffer = new byte[2];
            var all = new StringBuilder();
            int n;
            while ((n = await res.ReadAsync(buffer)) > 0)
            {
                threads.Add(Environment.CurrentManagedThreadId);
                all.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            return all.ToString();
        });
        Assert.Equal("abcdef", text);
        Assert.All(threads, t => Assert.Equal(loopThread, t));
    }

    [Fact]
    public void ReadBodyAsync_returns_the_whole_body()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer(async (req, res) => res.End(await req.ReadBodyAsync()));
        var client = new LoopHttpClient(kit.Loop, kit.Agent);
        byte[] body = kit.Loop.RunUntil(async () =>
        {
            ClientResponse res = await client.SendAsync(kit.To(port, method: "POST"), "echo me"u8.ToArray());
            return await res.ReadBodyAsync();
        });
        Assert.Equal("echo me", Encoding.ASCII.GetString(body));
    }

    [Fact]
    public void SendAsync_fails_with_the_connect_error()
    {
        using var kit = new ClientKit();
        var client = new LoopHttpClient(kit.Loop, kit.Agent);
        var error = kit.Loop.RunUntil(async () => await Record.ExceptionAsync(async () => await client.SendAsync(kit.To(ClosedPorts.Next().Port))));
        Assert.Equal("ECONNREFUSED", Assert.IsType<NetException>(error).Code);
    }

    /// <summary>A body far larger than what is held at once is counted as it streams, with the connection paused between reads.</summary>
    [Fact]
    public void Response_larger_than_memory_is_streamed_not_stored()
    {
        const long Total = 1L << 30; // 1 GiB
        using var kit = new ClientKit();
        var chunk = new byte[256 * 1024];
        int port = kit.StartServer((_, res) =>
        {
            res.SetHeader("Content-Length", Total.ToString(System.Globalization.CultureInfo.InvariantCulture));
            long sent = 0;
            void Pump()
            {
                while (sent < Total)
                {
                    sent += chunk.Length;
                    bool more = res.Write(chunk);
                    if (sent >= Total)
                    {
                        res.End();
                        return;
                    }
                    if (!more)
                        return;
                }
            }
            res.Drain += _ => Pump();
            Pump();
        });
        var client = new LoopHttpClient(kit.Loop, kit.Agent);
        long before = GC.GetAllocatedBytesForCurrentThread(); // the loop runs on this thread: client and server both
        long counted = kit.Loop.RunUntil(async () =>
        {
            ClientResponse res = await client.SendAsync(kit.To(port));
            var buffer = new byte[64 * 1024];
            long n = 0;
            int got;
            while ((got = await res.ReadAsync(buffer)) > 0)
                n += got;
            return n;
        });
        Assert.Equal(Total, counted);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, "the body was kept in memory");
    }
}
