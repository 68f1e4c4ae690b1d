using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Uvnet.Http;
using Uvnet.Http.Server;

namespace Uvnet.Tls.Tests;

/// <summary>
/// HTTPS responses written as a streaming handler writes them (small writes until Write returns false, the rest on
/// Drain) to a client that reads slowly: every one completes. The records TLS queues are larger than the bytes
/// written, and a connection whose queue sat at the high-water mark with no Drain owed stopped for good: an HTTP/1.1
/// response waited for a Drain that never came; on HTTP/2 every stream did, and the connection read no more frames.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class HttpsBackpressureTests
{
    // Small writes: each is one record with its header and tag, so the queue crosses the mark often and by little.
    private const int SmallestWrite = 100;
    private const int WriteSpread = 300;
    // The client's pace: this many bytes, then it reads on only once the server's queue has reached the mark again
    // (a Write returned false) or every response has ended, so the queue fills between its reads.
    private const int ReadBurst = 64 * 1024;
    // Small kernel buffers on both sides (Linux autotunes the server's send buffer to megabytes): the server's queue
    // reaches the mark and drains again every few dozen KiB, not every megabyte.
    private const int ClientReceiveBuffer = 16 * 1024;
    private const int ServerSendBuffer = 16 * 1024;

    private static (Loop Loop, HttpServer Server) Start(int bodySize, SemaphoreSlim backedUp)
    {
        var loop = new Loop();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (_, res) =>
        {
            res.SetHeader("Content-Length", bodySize.ToString());
            int sent = 0, writes = 0;
            void WriteUntilFull(ServerResponse r)
            {
                while (sent < bodySize)
                {
                    int size = Math.Min(bodySize - sent, SmallestWrite + writes++ * 97 % WriteSpread);
                    sent += size;
                    if (!r.Write(new byte[size]))
                    {
                        backedUp.Release();
                        return; // on Drain
                    }
                }
                r.End();
                backedUp.Release(1 << 20); // nothing more will back up: the reader reads on freely
            }
            res.Drain += WriteUntilFull;
            WriteUntilFull(res);
        });
        server.Connection += socket =>
        {
            using var shared = new System.Net.Sockets.Socket(new SafeSocketHandle(socket.Handle!.FileDescriptor, ownsHandle: false));
            shared.SendBufferSize = ServerSendBuffer;
        };
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        return (loop, server);
    }

    [Fact]
    public async Task Http2_streams_written_until_false_and_on_Drain_all_complete_to_a_slow_reader()
    {
        const int streams = 16, bodySize = 256 * 1024;
        using var backedUp = new SemaphoreSlim(0);
        var (loop, server) = Start(bodySize, backedUp);
        var client = Task.Run(() => GetOverHttp2Async(server.Port, streams, backedUp));
        LoopDriver.RunUntil(loop, () => client.IsCompleted, seconds: 60);
        long[] received = await client;
        Assert.All(received, r => Assert.Equal(bodySize, r));
        Http2TlsTests.Stop(loop, server);
    }

    [Fact]
    public async Task Https1_response_written_until_false_and_on_Drain_completes_to_a_slow_reader()
    {
        const int bodySize = 4 * 1024 * 1024;
        using var backedUp = new SemaphoreSlim(0);
        var (loop, server) = Start(bodySize, backedUp);
        var client = Task.Run(() => GetOverHttp1Async(server.Port, bodySize, backedUp));
        LoopDriver.RunUntil(loop, () => client.IsCompleted, seconds: 60);
        Assert.Equal(bodySize, await client);
        Http2TlsTests.Stop(loop, server);
    }

    private static async Task<SlowReader> ConnectAsync(int port, SslApplicationProtocol protocol, SemaphoreSlim backedUp)
    {
        var tcp = new TcpClient { ReceiveBufferSize = ClientReceiveBuffer }; // a small window: the server's kernel fills soon
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [protocol],
        });
        Assert.Equal(protocol, tls.NegotiatedApplicationProtocol);
        return new SlowReader(tcp, tls, backedUp);
    }

    /// <summary>GETs / on <paramref name="streams"/> streams at once, with windows so large that only the reading paces the server.</summary>
    private static async Task<long[]> GetOverHttp2Async(int port, int streams, SemaphoreSlim backedUp)
    {
        using SlowReader reader = await ConnectAsync(port, SslApplicationProtocol.Http2, backedUp);
        var request = new MemoryStream();
        request.Write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
        var settings = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(settings, 0x4); // SETTINGS_INITIAL_WINDOW_SIZE
        BinaryPrimitives.WriteUInt32BigEndian(settings.AsSpan(2), int.MaxValue);
        WriteFrame(request, 0x4, 0, 0, settings);
        var increment = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(increment, int.MaxValue - 65_535);
        WriteFrame(request, 0x8, 0, 0, increment); // WINDOW_UPDATE on the connection
        // :method GET, :scheme https, :path / (static table), :authority localhost (literal, name indexed).
        byte[] fields = [0x82, 0x87, 0x84, 0x01, 9, .. "localhost"u8];
        for (int i = 0; i < streams; i++)
            WriteFrame(request, 0x1, 0x4 | 0x1, 2 * i + 1, fields); // HEADERS, END_HEADERS | END_STREAM
        await reader.Tls.WriteAsync(request.ToArray());

        var received = new long[streams];
        int ended = 0;
        var header = new byte[9];
        while (ended < streams)
        {
            await reader.ReadExactlyAsync(header);
            int length = (header[0] << 16) | (header[1] << 8) | header[2];
            byte type = header[3], flags = header[4];
            int streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7fffffff);
            var payload = new byte[length];
            await reader.ReadExactlyAsync(payload);
            switch (type)
            {
                case 0x0: // DATA
                    received[(streamId - 1) / 2] += length;
                    break;
                case 0x3: // RST_STREAM
                case 0x7: // GOAWAY
                    throw new InvalidOperationException($"frame type {type} on stream {streamId}");
                case 0x4 when (flags & 0x1) == 0: // SETTINGS, acknowledged
                    await reader.Tls.WriteAsync(Frame(0x4, 0x1, 0, []));
                    break;
            }
            if ((flags & 0x1) != 0 && type is 0x0 or 0x1) // END_STREAM
                ended++;
        }
        return received;
    }

    /// <summary>GETs / over HTTPS/1.1; the body's length, announced as <paramref name="bodySize"/>.</summary>
    private static async Task<long> GetOverHttp1Async(int port, int bodySize, SemaphoreSlim backedUp)
    {
        using SlowReader reader = await ConnectAsync(port, SslApplicationProtocol.Http11, backedUp);
        await reader.Tls.WriteAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !head[^4..].SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            await reader.ReadExactlyAsync(one);
            head.Add(one[0]);
        }
        string text = Encoding.ASCII.GetString(head.ToArray());
        Assert.StartsWith("HTTP/1.1 200", text);
        Assert.Contains($"content-length: {bodySize}", text, StringComparison.OrdinalIgnoreCase);
        var body = new byte[bodySize];
        await reader.ReadExactlyAsync(body);
        return body.Length;
    }

    private static byte[] Frame(byte type, byte flags, int streamId, byte[] payload)
    {
        var frame = new MemoryStream();
        WriteFrame(frame, type, flags, streamId, payload);
        return frame.ToArray();
    }

    private static void WriteFrame(Stream to, byte type, byte flags, int streamId, byte[] payload)
    {
        Span<byte> header = stackalloc byte[9];
        header[0] = (byte)(payload.Length >> 16);
        header[1] = (byte)(payload.Length >> 8);
        header[2] = (byte)payload.Length;
        header[3] = type;
        header[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(header[5..], (uint)streamId);
        to.Write(header);
        to.Write(payload);
    }

    /// <summary>
    /// A TLS client that, after every <see cref="ReadBurst"/> bytes, waits until the server has backed up again
    /// (<paramref name="backedUp"/>, released by each Write that returned false and by each response's end), within a bound.
    /// </summary>
    private sealed class SlowReader(TcpClient tcp, SslStream tls, SemaphoreSlim backedUp) : IDisposable
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
        private int _sinceBreak;

        public SslStream Tls => tls;

        public async Task ReadExactlyAsync(Memory<byte> into)
        {
            while (!into.IsEmpty)
            {
                int n = await tls.ReadAsync(into).AsTask().WaitAsync(Bound);
                if (n == 0)
                    throw new EndOfStreamException("the server closed the connection");
                into = into[n..];
                _sinceBreak += n;
                if (_sinceBreak >= ReadBurst)
                {
                    _sinceBreak = 0;
                    Assert.True(await backedUp.WaitAsync(Bound), "the server neither backed up nor ended its responses");
                }
            }
        }

        public void Dispose()
        {
            tls.Dispose();
            tcp.Dispose();
        }
    }
}
