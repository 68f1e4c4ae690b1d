namespace Uvnet.Net.Tests;

/// <summary>
/// ReadAsync, WriteAsync and ConnectAsync over reusable operations: reads into the caller's buffer, zero-byte reads,
/// the end of the stream, destroy while an operation waits, stale ValueTasks, calls from another thread.
/// </summary>
public class SocketAsyncOperationTests
{
    [Fact]
    public void Zero_byte_ReadAsync_completes_when_data_arrives_and_leaves_it_in_the_kernel()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        async Task<(long, string)> WaitThenRead()
        {
            ValueTask<int> ready = client.ReadAsync(Memory<byte>.Empty);
            loop.Post(() => peer.Write("ready"u8.ToArray()));
            Assert.Equal(0, await ready);
            long readBeforeTheRealRead = client.BytesRead; // the zero-byte read took nothing, not even into a buffer
            var buffer = new byte[16];
            int n = await client.ReadAsync(buffer);
            return (readBeforeTheRealRead, System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
        var (before, text) = loop.RunUntil(WaitThenRead);
        Assert.Equal(0, before);
        Assert.Equal("ready", text);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Zero_byte_ReadAsync_with_bytes_kept_completes_at_once_and_takes_none()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        async Task<string> Read()
        {
            loop.Post(() => peer.Write("abc"u8.ToArray()));
            var one = new byte[1];
            Assert.Equal(1, await client.ReadAsync(one)); // "bc" is read on, with no read pending: kept
            await Task.Yield(); // a later turn: the read that kept them has finished
            ValueTask<int> zero = client.ReadAsync(Memory<byte>.Empty);
            Assert.True(zero.IsCompleted);
            Assert.Equal(0, await zero);
            var rest = new byte[16];
            int n = await client.ReadAsync(rest);
            return System.Text.Encoding.ASCII.GetString(one) + System.Text.Encoding.ASCII.GetString(rest, 0, n);
        }
        Assert.Equal("abc", loop.RunUntil(Read));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void ReadAsync_after_the_peer_ended_returns_0_every_time_and_so_does_a_zero_byte_read()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop, new ServerOptions { AllowHalfOpen = true });
        async Task<List<int>> ReadPastTheEnd()
        {
            loop.Post(() => peer.End("last"u8.ToArray()));
            var buffer = new byte[16];
            var results = new List<int> { await client.ReadAsync(buffer) };
            for (int i = 0; i < 3; i++)
                results.Add(await client.ReadAsync(buffer));
            results.Add(await client.ReadAsync(Memory<byte>.Empty));
            results.Add(await client.ReadAsync(buffer));
            return results;
        }
        Assert.Equal([4, 0, 0, 0, 0, 0], loop.RunUntil(ReadPastTheEnd));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Zero_byte_ReadAsync_pending_when_the_peer_ends_returns_0_and_so_does_the_next_read()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop, new ServerOptions { AllowHalfOpen = true });
        async Task<(int, int)> WaitForTheEnd()
        {
            ValueTask<int> ready = client.ReadAsync(Memory<byte>.Empty);
            loop.Post(() => peer.End());
            int zero = await ready;
            return (zero, await client.ReadAsync(new byte[4]));
        }
        Assert.Equal((0, 0), loop.RunUntil(WaitForTheEnd));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void SslStream_over_two_socket_streams_shakes_hands_and_waits_with_zero_byte_reads()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        async Task<string> Talk()
        {
            using var tlsClient = new System.Net.Security.SslStream(client.GetStream(), false, (_, _, _, _) => true);
            using var tlsServer = new System.Net.Security.SslStream(peer.GetStream());
            await Task.WhenAll(
                tlsClient.AuthenticateAsClientAsync("localhost"),
                tlsServer.AuthenticateAsServerAsync(certificate));
            ValueTask<int> ready = tlsServer.ReadAsync(Memory<byte>.Empty); // SslStream's zero-byte read reaches the socket
            await tlsClient.WriteAsync("secret"u8.ToArray());
            Assert.Equal(0, await ready);
            var buffer = new byte[16];
            int n = await tlsServer.ReadAsync(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, n);
        }
        Assert.Equal("secret", loop.RunUntil(Talk));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Data_handler_sees_the_bytes_already_in_the_pending_reads_buffer()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var buffer = new byte[16];
        string? inBufferDuringData = null;
        client.Data += (_, data) => inBufferDuringData = System.Text.Encoding.ASCII.GetString(buffer, 0, data.Length);
        async Task<int> Read()
        {
            loop.Post(() => peer.Write("direct"u8.ToArray()));
            return await client.ReadAsync(buffer);
        }
        Assert.Equal(6, loop.RunUntil(Read));
        Assert.Equal("direct", inBufferDuringData); // read straight into the caller's buffer: no copy after Data
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_Data_handler_that_starts_reading_asynchronously_gets_the_chunk_it_is_handling()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var buffer = new byte[16];
        Task<int>? read = null;
        client.Data += (s, _) => read ??= s.ReadAsync(buffer).AsTask();
        peer.Write("first chunk"u8.ToArray());
        LoopDriver.RunUntil(loop, () => read is { IsCompleted: true });
        Assert.Equal(11, loop.RunUntil(read!));
        Assert.Equal("first chunk"u8.ToArray(), buffer[..11]);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_slow_reader_keeps_at_most_the_high_water_mark_and_gets_every_byte_in_order()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        const int Size = 1024 * 1024;
        var payload = new byte[Size];
        new Random(17).NextBytes(payload);
        async Task<(long, byte[])> ReadSlowly()
        {
            var buffer = new byte[1000]; // odd sizes, so kept bytes are moved to the front of their buffer
            loop.Post(() => peer.Write("start"u8.ToArray()));
            Assert.Equal(5, await client.ReadAsync(buffer)); // reading is asynchronous from now on
            loop.Post(() => peer.Write(payload));
            await Turns(loop, milliseconds: 100); // no read pending: what arrives is kept, until the mark
            long readWhileIdle = client.BytesRead - 5;
            var received = new MemoryStream();
            while (received.Length < Size)
            {
                received.Write(buffer, 0, await client.ReadAsync(buffer));
                await Task.Yield(); // a turn between reads: the reader stays slower than the peer
            }
            return (readWhileIdle, received.ToArray());
        }
        var (idle, data) = loop.RunUntil(ReadSlowly);
        Assert.InRange(idle, 1, 64 * 1024 + 64 * 1024); // below the mark, plus the read that passed it
        Assert.True(payload.AsSpan().SequenceEqual(data));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Small_chunks_kept_while_no_read_is_pending_are_read_back_whole_and_in_order()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.SetNoDelay(); // separate segments, so they arrive as separate reads that the kept bytes grow by
        var sent = new MemoryStream();
        async Task<byte[]> ReadLater()
        {
            loop.Post(() => peer.Write("start"u8.ToArray()));
            Assert.Equal(5, await client.ReadAsync(new byte[5]));
            for (int i = 0; i < 300; i++)
            {
                byte[] chunk = Enumerable.Range(i, i % 37 + 1).Select(b => (byte)b).ToArray();
                sent.Write(chunk);
                peer.Write(chunk);
                await Task.Yield(); // a turn: the chunk is read and kept, no read pending
            }
            while (client.BytesRead < 5 + sent.Length)
                await Task.Yield();
            var received = new MemoryStream();
            var buffer = new byte[777];
            while (received.Length < sent.Length)
                received.Write(buffer, 0, await client.ReadAsync(buffer));
            return received.ToArray();
        }
        byte[] received = loop.RunUntil(ReadLater);
        Assert.Equal(sent.ToArray(), received);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    /// <summary>Lets the loop turn for <paramref name="milliseconds"/> (a loop timer), to show what happens meanwhile.</summary>
    private static Task Turns(Loop loop, long milliseconds)
    {
        var elapsed = new TaskCompletionSource();
        var timer = new TimerHandle(loop);
        timer.Start(t =>
        {
            t.Close();
            elapsed.SetResult();
        }, milliseconds);
        return elapsed.Task;
    }

    [Fact]
    public void Awaiting_a_ValueTask_twice_throws_instead_of_reading_another_calls_result()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        async Task<Exception?> AwaitTwice()
        {
            loop.Post(() => peer.Write("one"u8.ToArray()));
            ValueTask<int> first = client.ReadAsync(new byte[16]);
            Assert.Equal(3, await first);
            ValueTask<int> second = client.ReadAsync(new byte[16]); // reuses the operation the first one completed
            loop.Post(() => peer.Write("two"u8.ToArray()));
            Exception? stale = await Record.ExceptionAsync(async () => await first);
            Assert.Equal(3, await second);
            return stale;
        }
        Assert.IsType<InvalidOperationException>(loop.RunUntil(AwaitTwice));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_fails_a_pending_read_after_the_call_returns_never_inside_it()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        bool insideDestroy = false;
        bool? failedInsideDestroy = null;
        async Task Read()
        {
            try
            {
                await client.ReadAsync(new byte[16]);
            }
            catch (ObjectDisposedException)
            {
                failedInsideDestroy = insideDestroy;
            }
        }
        loop.Post(() =>
        {
            _ = Read();
            insideDestroy = true;
            client.Destroy();
            insideDestroy = false;
        });
        LoopDriver.RunUntil(loop, () => failedInsideDestroy is not null);
        Assert.False(failedInsideDestroy);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_while_WriteAsync_waits_fails_the_write()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.Pause(); // the kernel's buffers fill and the write waits
        async Task<Exception?> WriteThenDestroy()
        {
            ValueTask write = client.WriteAsync(new byte[64 * 1024 * 1024]);
            Assert.False(write.IsCompleted);
            loop.Post(() => client.Destroy());
            return await Record.ExceptionAsync(async () => await write);
        }
        Assert.IsType<NetException>(loop.RunUntil(WriteThenDestroy));
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_while_ConnectAsync_waits_fails_the_connect()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        async Task<Exception?> ConnectThenDestroy()
        {
            ValueTask connect = client.ConnectAsync(server.Port, "127.0.0.1");
            client.Destroy();
            return await Record.ExceptionAsync(async () => await connect);
        }
        Assert.IsType<NetException>(loop.RunUntil(ConnectThenDestroy));
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_in_ReadAsync_and_WriteAsync_continuations_closes_the_socket_once()
    {
        foreach (string where in new[] { "read", "write" })
        {
            var loop = new Loop();
            var (server, client, peer) = NetTestKit.ConnectedPair(loop);
            int closed = 0;
            client.Closed += (_, _) => closed++;
            async Task DestroyAfter()
            {
                if (where == "read")
                {
                    loop.Post(() => peer.Write("x"u8.ToArray()));
                    await client.ReadAsync(new byte[16]);
                }
                else
                {
                    await client.WriteAsync("x"u8.ToArray());
                }
                client.Destroy(); // inline, inside the loop's read or write callback
            }
            loop.RunUntil(DestroyAfter);
            LoopDriver.RunUntil(loop, () => closed > 0);
            LoopDriver.RunFor(loop, 20);
            Assert.Equal(1, closed);
            server.Close();
            LoopDriver.CloseLoop(loop);
        }
    }

    [Fact]
    public void Several_WriteAsync_in_flight_all_complete_and_arrive_in_order()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var got = NetTestKit.Collect(peer);
        async Task Write()
        {
            ValueTask first = client.WriteAsync("one "u8.ToArray());
            ValueTask second = client.WriteAsync("two "u8.ToArray());
            ValueTask third = client.WriteAsync("three"u8.ToArray());
            await first;
            await second;
            await third;
        }
        loop.RunUntil(Write);
        LoopDriver.RunUntil(loop, () => got.ToString() == "one two three");
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void ReadAsync_and_WriteAsync_from_another_thread_are_posted_to_the_loop()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        var client = new Socket(loop);
        loop.RunUntil(() => client.ConnectAsync(server.Port, "127.0.0.1").AsTask());
        var buffer = new byte[16];
        Task<int> talk = Task.Run(async () =>
        {
            // The read first: bytes that arrive before any ReadAsync go only to Data handlers.
            Task<int> read = client.ReadAsync(buffer).AsTask();
            await client.WriteAsync("pool"u8.ToArray());
            int total = await read;
            while (total < 4)
                total += await client.ReadAsync(buffer.AsMemory(total));
            return total;
        });
        Assert.Equal(4, loop.RunUntil(talk));
        Assert.Equal("pool"u8.ToArray(), buffer[..4]);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}
