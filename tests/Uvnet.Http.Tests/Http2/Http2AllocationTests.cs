using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;
using F = Uvnet.Http.Http2.Http2FrameFlags;
using T = Uvnet.Http.Http2.Http2FrameType;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// The HTTP/2 plaintext path allocates nothing per request on the loop thread once warm: streams, request/response
/// pairs and buffers are pooled per connection, HPACK decodes into the request's byte head (as HttpAllocationTests
/// asks of HTTP/1.1).
/// </summary>
[Collection(Sequential.Name)]
public class Http2AllocationTests
{
    [Fact]
    public void One_stream_at_a_time_allocates_nothing_on_the_loop_thread() => AssertNoAllocationPerRequest(batch: 1);

    [Fact]
    public void Sixteen_concurrent_streams_allocate_nothing_on_the_loop_thread() => AssertNoAllocationPerRequest(batch: 16);

    /// <summary>
    /// One stream at a time on many connections at once, all read in one poll: as for HTTP/1.1, the turn's output
    /// arrays must not each wait for their write's completion in the next turn (see <see cref="LockstepClients"/>).
    /// </summary>
    [Fact]
    public void Many_connections_at_once_allocate_nothing_on_the_loop_thread()
    {
        using var fixture = LockstepClients.StartPlaintextServer();
        using var clients = new LockstepHttp2Clients(fixture, ManyConnections.MoreThanPooled);
        clients.AssertNoAllocationPerRequest(fixture.Loop);
    }

    private static void AssertNoAllocationPerRequest(int batch)
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/plaintext")
            {
                res.SetHeader("Content-Type", "text/plain");
                res.End("Hello, World!"u8);
            }
        });
        byte[] block = Block(Get("/plaintext"));
        int nextStream = 1;
        Http2Wire? wire = null;

        // One connection for the whole test (as h2load's): each batch is `batch` streams in one write, read back to
        // their END_STREAM, and the connection's window given back for the DATA read.
        Task Client(int count) => Task.Run(async () =>
        {
            wire ??= await OpenAsync(fixture.Port);
            for (int i = 0; i < count; i += batch)
            {
                var frames = new List<byte>();
                for (int s = 0; s < batch; s++, nextStream += 2)
                    frames.AddRange(Frame(T.Headers, F.EndHeaders | F.EndStream, nextStream, block));
                await wire.SendAsync([.. frames]);
                int ended = 0, data = 0;
                while (ended < batch)
                {
                    var frame = await wire.ReadFrameAsync() ?? throw new InvalidOperationException("the server closed the connection");
                    if (frame.Header.Type == T.Data)
                        data += frame.Header.Length;
                    if (frame.Header.Has(F.EndStream) && frame.Header.Type is T.Data or T.Headers)
                        ended++;
                }
                await wire.SendAsync(WindowUpdate(0, (uint)data));
            }
        });

        void Drive(Task client)
        {
            while (!client.IsCompleted)
                fixture.Loop.Run(RunMode.Once);
            client.GetAwaiter().GetResult();
        }

        try
        {
            Drive(Client(3008)); // warm up: pools, JIT tiers, the connection's buffers
            long perRequest = long.MaxValue;
            for (int window = 0; window < 3 && perRequest > 0; window++)
            {
                const int Measured = 5008; // a whole number of batches
                var measured = Client(Measured);
                long before = GC.GetAllocatedBytesForCurrentThread();
                Drive(measured);
                perRequest = Math.Min(perRequest, (GC.GetAllocatedBytesForCurrentThread() - before) / Measured);
            }
            Assert.True(perRequest == 0, $"{perRequest} bytes per request");
        }
        finally
        {
            wire?.Dispose();
        }
    }
}
