using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// A second look at request/response lifetimes on one keep-alive connection (a proxy's upstream): a queued response
/// that backed up on its own buffer still hears Drain, and a body the server dropped is never read as complete.
/// </summary>
public class LifetimeReviewTests
{
    private static string Get(string path) => $"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n";

    [Fact]
    public void A_queued_response_backed_up_by_its_own_buffer_gets_Drain_once_its_bytes_leave()
    {
        // The first response waits; the second writes more than the high-water mark in one call while queued, so its
        // Write returns false on its own buffer. When its turn comes the socket takes the bytes at once (the client
        // reads), and the socket itself never backs up: the Drain it was promised must still come.
        ServerResponse? first = null;
        var secondWaited = new TaskCompletionSource();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                first = res;
                return;
            }
            res.SetHeader("Connection", "close");
            if (res.Write(new byte[64 * 1024]))
            {
                res.End();
                return;
            }
            secondWaited.SetResult();
            res.Drain += r => r.End();
        });
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/1") + Get("/2")));
            await secondWaited.Task;
            fixture.Loop.Post(() => first!.End("one"));
            return await RawClient.ReadToCloseAsync(socket);
        }, TimeSpan.FromSeconds(10));
        Assert.EndsWith("0\r\n\r\n", raw); // the second response's last chunk: its Drain handler ended it
    }

    [Fact]
    public void ReadBodyAsync_after_the_server_dropped_the_body_fails_instead_of_returning_it_short()
    {
        // A handler answers early (202) and only later, after its response finished, asks for the body: the server
        // dumped it when the response finished (nobody was reading, as Node). The late reader must not be told that
        // the body was empty (or whatever arrived after the dump) as if that were the upload.
        var answered = new TaskCompletionSource();
        var late = new TaskCompletionSource<Task<byte[]>>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            res.StatusCode = 202;
            res.End("accepted");
            await answered.Task; // the response has finished and the body has been dropped meanwhile
            late.SetResult(req.ReadBodyAsync());
        });
        Task<byte[]> read = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"));
            await RawClient.ReadUntilAsync(socket, t => t.EndsWith("accepted", StringComparison.Ordinal));
            fixture.Loop.Post(answered.SetResult);
            Task<byte[]> read = await late.Task;
            await socket.SendAsync("world"u8.ToArray());
            await Task.WhenAny(read);
            return read;
        }, TimeSpan.FromSeconds(10));
        Assert.True(read.IsFaulted, read.IsCompletedSuccessfully ? "the dropped body was read as complete" : "not completed");
    }

    [Fact]
    public void An_upgrade_waiting_behind_a_response_hears_the_FIN_its_client_sent_meanwhile()
    {
        // GET, Upgrade and the new protocol's first bytes, then the client's FIN, all before the GET is answered: the
        // upgraded socket gets the bytes and then its end, and closes when its handler ends it in turn.
        var first = new TaskCompletionSource<ServerResponse>();
        using var fixture = ServerFixture.Start((req, res) => first.SetResult(res));
        fixture.Server.Upgrade += (req, socket, rest) =>
        {
            socket.Write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
            socket.Write(rest);
            socket.Data += (s, data) => s.Write(data.ToArray());
            socket.Ended += s => s.End();
        };
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/1") +
                "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nping"));
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            ServerResponse response = await first.Task;
            fixture.Loop.Post(() => response.End("one"));
            return await RawClient.ReadToCloseAsync(socket);
        }, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200 ", raw);
        Assert.EndsWith("Upgrade: echo\r\nConnection: Upgrade\r\n\r\nping", raw);
    }

    [Fact]
    public void An_upgrade_waiting_behind_a_response_is_handed_over_when_the_server_closes_meanwhile()
    {
        var first = new TaskCompletionSource<ServerResponse>();
        using var fixture = ServerFixture.Start((req, res) => first.SetResult(res));
        fixture.Server.Upgrade += (req, socket, rest) =>
        {
            socket.Write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
            socket.Data += (s, data) => s.End(data.ToArray());
        };
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/1") +
                "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"));
            ServerResponse response = await first.Task;
            fixture.Loop.Post(() =>
            {
                fixture.Server.Close();
                response.End("one");
            });
            await RawClient.ReadUntilAsync(socket, t => t.EndsWith("Connection: Upgrade\r\n\r\n", StringComparison.Ordinal));
            await socket.SendAsync("ping"u8.ToArray());
            return await RawClient.ReadToCloseAsync(socket);
        }, TimeSpan.FromSeconds(10));
        Assert.Equal("ping", raw);
    }

    [Fact]
    public void Pipelined_requests_answered_in_reverse_order_each_get_their_own_body_and_headers()
    {
        // A proxy's upstream: many users' requests on one connection, answered out of order by async handlers that
        // read the body, answer, and then go on touching their request and response after others were dispatched.
        const int count = 40;
        var turns = new TaskCompletionSource[count + 1];
        for (int i = 0; i <= count; i++)
            turns[i] = new TaskCompletionSource();
        turns[count].SetResult();
        var stale = new List<string>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            int n = int.Parse(req.Url.AsSpan(1));
            string user = req.Headers["x-user"]!;
            byte[] body = await req.ReadBodyAsync();
            await turns[n + 1].Task; // the later request answers first
            res.SetHeader("X-User", user);
            res.End($"{n}:{user}:{Encoding.ASCII.GetString(body)}");
            turns[n].SetResult();
            await Task.Yield();
            if (req.Url != $"/{n}" || req.Headers["x-user"] != user)
                stale.Add($"{n} sees {req.Url} {req.Headers["x-user"]}");
            res.End("stale"); // ignored: ended already
        });
        var request = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            string body = $"secret-of-user-{i}";
            request.Append($"POST /{i} HTTP/1.1\r\nHost: x\r\nX-User: u{i}\r\nContent-Length: {body.Length}\r\n");
            request.Append(i == count - 1 ? "Connection: close\r\n\r\n" : "\r\n").Append(body);
        }
        string raw = fixture.Exchange(request.ToString());
        Assert.Empty(stale);
        Assert.Equal(count, RawClient.Count(raw, "HTTP/1.1 200 "));
        Assert.DoesNotContain("stale", raw);
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            at = raw.IndexOf($"X-User: u{i}\r\n", at, StringComparison.Ordinal);
            Assert.True(at >= 0, $"response {i} out of place");
            at = raw.IndexOf($"{i}:u{i}:secret-of-user-{i}", at, StringComparison.Ordinal);
            Assert.True(at >= 0, $"body {i} out of place");
        }
    }

    [Fact]
    public void A_Finish_handler_that_ends_the_socket_leaves_its_response_whole_with_later_responses_queued()
    {
        // Finish's promise: the socket may be ended there and the finished response still leaves whole. Finish comes once
        // the write carrying the response's last byte completed (Node's socket write callback), so a response pipelined
        // behind it in the same read shares that write and leaves whole too; one ended after the FIN must not be
        // written (a write after end fails the socket, and the destroy that follows cuts off what the kernel had not
        // taken yet).
        byte[] large = new byte[4 * 1024 * 1024];
        ServerResponse? third = null;
        bool thirdClosed = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            switch (req.Url)
            {
                case "/1":
                    res.Finish += r =>
                    {
                        r.Socket.End();
                        third!.End("three"); // after the FIN: never written
                    };
                    res.End(large);
                    break;
                case "/2":
                    res.End("two");
                    break;
                default:
                    third = res;
                    res.Close += r => thirdClosed = !r.Finished;
                    break;
            }
        });
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port, receiveBuffer: 64 * 1024);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/1") + Get("/2") + Get("/3")));
            return await RawClient.ReadToCloseAsync(socket);
        }, TimeSpan.FromSeconds(15));
        int head = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        Assert.Equal(new string('\0', large.Length), raw.Substring(head, large.Length));
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.EndsWith("\r\n\r\ntwo", raw);
        LoopDriver.RunUntil(fixture.Loop, () => thirdClosed);
    }

    [Fact]
    public void ReadBodyAsync_after_the_upload_was_cut_off_fails_instead_of_returning_the_part_received()
    {
        // The handler asks for the body only after the client has gone, halfway through its upload: the part that
        // arrived must not be handed over as the whole body.
        var cut = new TaskCompletionSource();
        var read = new TaskCompletionSource<Task<byte[]>>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            await cut.Task;
            read.SetResult(req.ReadBodyAsync());
        });
        fixture.Server.Request += (req, res) => req.Socket.Closed += (_, _) => cut.TrySetResult();
        fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"));
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await RawClient.ReadToCloseAsync(socket);
        }, TimeSpan.FromSeconds(10));
        Task<byte[]> body = fixture.Run(async () =>
        {
            Task<byte[]> body = await read.Task;
            await Task.WhenAny(body);
            return body;
        }, TimeSpan.FromSeconds(10));
        Assert.True(body.IsFaulted, body.IsCompletedSuccessfully ? "the part received was read as the whole body" : "not completed");
    }
}
