using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// Hostile input never makes the decoder or the frame checks throw or read out of bounds: mutated Appendix C blocks
/// and random frames only ever come back as an error code.
/// </summary>
public class HpackFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        HpackFields.Bytes("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),
        HpackFields.Bytes("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
        HpackFields.Bytes("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"),
        HpackFields.Bytes("3fe11f 1008 7061 7373 776f 7264 0673 6563 7265 74"),
    ];

    [Fact]
    public void MutatedBlocksOnlyEverReturnErrors()
    {
        var random = new Random(7541);
        var decoder = new HpackDecoder(headerTableSize: 256, maxFieldSize: 64, maxHeaderListSize: 256);
        for (int i = 0; i < 50_000; i++)
        {
            byte[] block = [.. Seeds[random.Next(Seeds.Length)]];
            for (int m = random.Next(1, 4); m > 0; m--)
            {
                block[random.Next(block.Length)] = (byte)random.Next(256);
            }

            HpackFields handler = HpackFields.Create();
            HpackError error = decoder.Decode(block.AsSpan(0, random.Next(block.Length + 1)), ref handler);
            Assert.True(Enum.IsDefined(error));
            Assert.All(handler.Fields, f => Assert.True(f.Name.Length <= 64 && f.Value.Length <= 64));
            Assert.True(decoder.Table.Size <= decoder.Table.MaxSize);
            if (error is not HpackError.None and not HpackError.HeaderListTooLarge)
            {
                // A connection would end here: start a fresh one.
                decoder = new HpackDecoder(headerTableSize: 256, maxFieldSize: 64, maxHeaderListSize: 256);
            }
        }
    }

    [Fact]
    public void RandomFramesOnlyEverReturnErrors()
    {
        var random = new Random(9113);
        for (int i = 0; i < 50_000; i++)
        {
            var payload = new byte[random.Next(0, 24)];
            random.NextBytes(payload);
            var header = new Http2FrameHeader(payload.Length, (Http2FrameType)random.Next(0, 12), (Http2FrameFlags)random.Next(256), random.Next(0, 4));
            var sequence = new Http2FrameSequence();
            var settings = new Http2Settings();
            sequence.OnFrame(new Http2FrameHeader(0, Http2FrameType.Settings, 0, 0));
            Http2Error error = Http2FrameDriver.Check(ref sequence, ref settings, header, payload);
            Assert.True(Enum.IsDefined(error.Code));
        }
    }
}
