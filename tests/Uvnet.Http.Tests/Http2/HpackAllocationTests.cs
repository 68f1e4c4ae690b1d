using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>Decoding header blocks allocates nothing: Huffman, the dynamic table (insertion, eviction, storage moves), frames.</summary>
public class HpackAllocationTests
{
    private struct CountingHandler : IHpackHeaderHandler
    {
        public int Fields;
        public long Octets;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, ref byte memo)
        {
            Fields++;
            Octets += name.Length + value.Length;
        }
    }

    [Fact]
    public void DecodingTheAppendixCBlocksAllocatesNothing()
    {
        // C.4 (requests, Huffman) then C.6 (responses, Huffman, evicting): every path of the decoder.
        byte[][] blocks =
        [
            HpackFields.Bytes("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),
            HpackFields.Bytes("8286 84be 5886 a8eb 1064 9cbf"),
            HpackFields.Bytes("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
            HpackFields.Bytes("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"),
            HpackFields.Bytes("4883 640e ffc1 c0bf"),
            HpackFields.Bytes("1008 7061 7373 776f 7264 0673 6563 7265 74"),
        ];
        var decoder = new HpackDecoder(headerTableSize: 256);
        var handler = new CountingHandler();
        Run(decoder, blocks, ref handler, 100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(decoder, blocks, ref handler, 10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Asserted after the measurement: xunit's assertions allocate.
        Assert.Equal(0, allocated);
        Assert.Equal(10_100 * 23, handler.Fields);
    }

    [Fact]
    public void CheckingFramesAllocatesNothing()
    {
        byte[] frames = HpackFields.Bytes(
            "000006 04 00 00000000 0004 0000ffff" + "000004 08 00 00000000 00010000" + "000008 06 00 00000000 0102030405060708" +
            "000008 01 25 00000001 000000000f 828684" + "000007 00 09 00000001 02 61626364 0000");
        Http2Error error = default;
        Run(frames, 100, ref error);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(frames, 10_000, ref error);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.False(error.IsError);
    }

    private static void Run(byte[] frames, int times, ref Http2Error error)
    {
        for (int i = 0; i < times; i++)
        {
            var sequence = new Http2FrameSequence();
            var settings = new Http2Settings();
            ReadOnlySpan<byte> buffer = frames;
            while (Http2FrameReader.TryReadFrame(buffer, out Http2FrameHeader header, out ReadOnlySpan<byte> payload))
            {
                error = Http2FrameDriver.Check(ref sequence, ref settings, header, payload);
                buffer = buffer[(Http2FrameHeader.Size + header.Length)..];
            }
        }
    }

    private static void Run(HpackDecoder decoder, byte[][] blocks, ref CountingHandler handler, int times)
    {
        for (int i = 0; i < times; i++)
        {
            foreach (byte[] block in blocks)
            {
                if (decoder.Decode(block, ref handler) != HpackError.None)
                {
                    throw new InvalidOperationException("decoding failed");
                }
            }
        }
    }
}
