using System.Text;

namespace Uvnet.Net.Tests;

/// <summary>async/await on the loop: continuations resume on the loop thread; the Stream adapter.</summary>
public class SocketAsyncTests
{
    [Fact]
    public void Connect_write_and_read_with_await_resume_on_the_loop_thread()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        int loopThread = Environment.CurrentManagedThreadId;
        async Task<string> Talk()
        {
            var client = new Socket(loop);
            await client.ConnectAsync(server.Port, "127.0.0.1");
            Assert.Equal(loopThread, Environment.CurrentManagedThreadId);
            await client.WriteAsync("round trip"u8.ToArray());
            Assert.Equal(loopThread, Environment.CurrentManagedThreadId);
            var buffer = new byte[64];
            int total = 0;
            while (total < 10)
                total += await client.ReadAsync(buffer.AsMemory(total));
            client.End();
            Assert.Equal(0, await client.ReadAsync(buffer)); // EOF once the server ends too
            return Encoding.ASCII.GetString(buffer, 0, total);
        }
        Assert.Equal("round trip", loop.RunUntil(Talk));
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Failed_connect_faults_the_task_with_the_net_error()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        int port = server.Port;
        server.Close();
        LoopDriver.RunUntil(loop, () => !server.IsListening);
        var client = new Socket(loop);
        var error = Assert.Throws<NetException>(() => loop.RunUntil(client.ConnectAsync(port, "127.0.0.1").AsTask()));
        Assert.Equal("ECONNREFUSED", error.Code);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Stream_adapter_round_trips_ten_MiB_through_an_echo_server()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, peer =>
        {
            // Echo with backpressure, as a well-behaved Node server would.
            peer.Data += (p, data) =>
            {
                if (!p.Write(data.ToArray()))
                    p.Pause();
            };
            peer.Drain += p => p.Resume();
        });
        const int Size = 10 * 1024 * 1024;
        var payload = new byte[Size];
        new Random(7).NextBytes(payload);

        async Task<byte[]> RoundTrip()
        {
            var client = new Socket(loop);
            await client.ConnectAsync(server.Port, "127.0.0.1");
            var stream = client.GetStream();
            var received = new MemoryStream();
            var reading = stream.CopyToAsync(received);
            for (int offset = 0; offset < Size; offset += 256 * 1024)
                await stream.WriteAsync(payload.AsMemory(offset, 256 * 1024));
            stream.Dispose(); // ends our side; the server ends after echoing everything
            await reading;
            return received.ToArray();
        }
        byte[] echoed = loop.RunUntil(RoundTrip);
        Assert.Equal(Size, echoed.Length);
        Assert.True(payload.AsSpan().SequenceEqual(echoed));
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void StreamReader_reads_lines_from_the_socket()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, peer => peer.End("first\nsecond\n"u8.ToArray()));
        async Task<List<string>> ReadLines()
        {
            var client = new Socket(loop);
            await client.ConnectAsync(server.Port, "127.0.0.1");
            using var reader = new StreamReader(client.GetStream());
            var lines = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
                lines.Add(line);
            return lines;
        }
        Assert.Equal(["first", "second"], loop.RunUntil(ReadLines));
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_while_ReadAsync_waits_fails_the_read_instead_of_reporting_the_end()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        async Task<Exception> ReadThenDestroy()
        {
            ValueTask<int> read = client.ReadAsync(new byte[16]);
            loop.Post(() => client.Destroy()); // a later iteration: the read is waiting by then
            return await Assert.ThrowsAsync<ObjectDisposedException>(async () => await read);
        }
        Assert.Contains("destroyed", loop.RunUntil(ReadThenDestroy).Message);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_while_a_stream_reader_waits_fails_it_so_a_cut_off_upload_never_looks_complete()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.Write("the first half of an upload"u8.ToArray()); // and never its end
        client.Data += (s, _) => loop.Post(() => s.Destroy());
        async Task<string> ReadToEnd()
        {
            using var reader = new StreamReader(client.GetStream());
            return await reader.ReadToEndAsync();
        }
        Assert.Throws<ObjectDisposedException>(() => loop.RunUntil(ReadToEnd));
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Stream_disposed_from_another_thread_sends_the_FIN_on_the_loop()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        bool peerEnded = false;
        peer.Ended += _ => peerEnded = true;
        Stream stream = client.GetStream();
        Exception? failure = null;
        bool disposed = false;
        loop.Post(() =>
        {
            // The loop thread waits inside its callback, so the loop is surely running while the other thread disposes
            // (a thread of its own: Task.Wait could run a pool task inline, on the loop thread).
            var other = new Thread(() =>
            {
                try
                {
                    stream.Dispose();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            other.Start();
            other.Join();
            disposed = true;
        });
        LoopDriver.RunUntil(loop, () => disposed);
        Assert.Null(failure);
        LoopDriver.RunUntil(loop, () => peerEnded);
        Assert.True(client.WritableEnded);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Ref_and_Unref_from_another_thread_while_the_loop_runs_throw_and_change_nothing()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        Exception? unref = null, reference = null;
        bool called = false;
        loop.Post(() =>
        {
            // The loop thread waits inside its callback: the loop is surely running while the other thread calls.
            var other = new Thread(() =>
            {
                unref = Record.Exception(client.Unref);
                reference = Record.Exception(client.Ref);
            });
            other.Start();
            other.Join();
            called = true;
        });
        LoopDriver.RunUntil(loop, () => called);
        Assert.IsType<InvalidOperationException>(unref); // the loop's count of referenced handles is the loop's
        Assert.IsType<InvalidOperationException>(reference);
        Assert.True(client.Handle!.HasRef);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Stream_disposed_after_its_loop_closed_does_not_throw()
    {
        var loop = new Loop();
        Stream stream = new Socket(loop).GetStream();
        Assert.Equal(0, loop.Close());
        stream.Dispose(); // Dispose never throws: a closed loop's sockets have nothing left to end
        stream.Dispose();
    }
}
