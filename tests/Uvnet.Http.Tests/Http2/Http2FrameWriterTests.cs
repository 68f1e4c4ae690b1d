using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>The frames a server writes, octet for octet, and read back by the server's own checks.</summary>
public class Http2FrameWriterTests
{
    [Fact]
    public void SettingsAndItsAck()
    {
        var buffer = new byte[Http2FrameWriter.GetSettingsLength(2)];
        int written = Http2FrameWriter.WriteSettings(buffer, [(Http2SettingId.MaxConcurrentStreams, 100), (Http2SettingId.EnablePush, 0)]);
        Assert.Equal(HpackFields.Bytes("00000c 04 00 00000000 0003 00000064 0002 00000000"), buffer[..written]);
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run(Convert.ToHexString(buffer), withSettings: false));

        written = Http2FrameWriter.WriteSettingsAck(buffer);
        Assert.Equal(HpackFields.Bytes("000000 04 01 00000000"), buffer[..written]);
    }

    [Fact]
    public void AnInvalidSettingIsNotWritten() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteSettings(new byte[64], [(Http2SettingId.MaxFrameSize, 100)]));

    [Fact]
    public void ASmallFieldBlockIsOneHeadersFrame()
    {
        var buffer = new byte[Http2FrameWriter.GetHeadersLength(1, 16384)];
        int written = Http2FrameWriter.WriteHeaders(buffer, 1, [0x88], endStream: true, 16384);
        Assert.Equal(HpackFields.Bytes("000001 01 05 00000001 88"), buffer[..written]);
    }

    [Theory]
    [InlineData(16384, 1)]
    [InlineData(16385, 2)]
    [InlineData(40000, 3)]
    [InlineData(0, 1)]
    public void ALargeFieldBlockIsSplitIntoContinuationFrames(int blockLength, int frames)
    {
        byte[] block = [.. Enumerable.Range(0, blockLength).Select(i => (byte)i)];
        var buffer = new byte[Http2FrameWriter.GetHeadersLength(blockLength, 16384)];
        Assert.Equal(buffer.Length, Http2FrameWriter.WriteHeaders(buffer, 3, block, endStream: false, 16384));
        Assert.Equal(blockLength + (9 * frames), buffer.Length);

        // Read back: HEADERS, CONTINUATIONs, END_HEADERS only on the last, the fragments in order, and the
        // server's own order checks pass.
        var sequence = new Http2FrameSequence(maxFieldBlockSize: 1 << 20);
        sequence.OnFrame(new Http2FrameHeader(0, Http2FrameType.Settings, 0, 0));
        var fragments = new List<byte>();
        ReadOnlySpan<byte> rest = buffer;
        for (int i = 0; i < frames; i++)
        {
            Assert.True(Http2FrameReader.TryReadFrame(rest, out Http2FrameHeader header, out ReadOnlySpan<byte> payload));
            Assert.Equal(i == 0 ? Http2FrameType.Headers : Http2FrameType.Continuation, header.Type);
            Assert.Equal(i == frames - 1 ? Http2FrameFlags.EndHeaders : Http2FrameFlags.None, header.Flags);
            Assert.Equal(3, header.StreamId);
            Assert.False(sequence.OnFrame(header).IsError);
            fragments.AddRange(payload.ToArray());
            rest = rest[(9 + header.Length)..];
        }

        Assert.True(rest.IsEmpty);
        Assert.Equal(block, fragments);
        Assert.Equal(0, sequence.OpenFieldBlockStreamId);
    }

    [Fact]
    public void EndStreamGoesOnTheHeadersFrameNotTheContinuation()
    {
        var buffer = new byte[Http2FrameWriter.GetHeadersLength(16385, 16384)];
        Http2FrameWriter.WriteHeaders(buffer, 1, new byte[16385], endStream: true, 16384);
        Assert.Equal((byte)Http2FrameFlags.EndStream, buffer[4]);
        Assert.Equal((byte)Http2FrameFlags.EndHeaders, buffer[9 + 16384 + 4]);
    }

    [Fact]
    public void HeadersValidatesItsArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteHeaders(new byte[64], 0, [0x88], false, 16384));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteHeaders(new byte[64], 1, [0x88], false, 16383));
        Assert.Throws<ArgumentException>(() => Http2FrameWriter.WriteHeaders(new byte[9], 1, [0x88], false, 16384));
    }

    [Fact]
    public void Data()
    {
        var buffer = new byte[16];
        int written = Http2FrameWriter.WriteData(buffer, 5, "abc"u8, endStream: true);
        Assert.Equal(HpackFields.Bytes("000003 00 01 00000005 616263"), buffer[..written]);
        written = Http2FrameWriter.WriteDataHeader(buffer, 5, 1000, endStream: false);
        Assert.Equal(HpackFields.Bytes("0003e8 00 00 00000005"), buffer[..written]);
    }

    [Fact]
    public void WindowUpdate()
    {
        var buffer = new byte[16];
        int written = Http2FrameWriter.WriteWindowUpdate(buffer, 0, int.MaxValue);
        Assert.Equal(HpackFields.Bytes("000004 08 00 00000000 7fffffff"), buffer[..written]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteWindowUpdate(buffer, 1, 0));
    }

    [Fact]
    public void RstStream()
    {
        var buffer = new byte[16];
        int written = Http2FrameWriter.WriteRstStream(buffer, 7, Http2ErrorCode.RefusedStream);
        Assert.Equal(HpackFields.Bytes("000004 03 00 00000007 00000007"), buffer[..written]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteRstStream(buffer, 0, Http2ErrorCode.Cancel));
    }

    [Fact]
    public void GoAway()
    {
        var buffer = new byte[32];
        int written = Http2FrameWriter.WriteGoAway(buffer, 9, Http2ErrorCode.ProtocolError, "bad"u8);
        Assert.Equal(HpackFields.Bytes("00000b 07 00 00000000 00000009 00000001 626164"), buffer[..written]);
    }

    [Fact]
    public void PingAck()
    {
        var buffer = new byte[32];
        int written = Http2FrameWriter.WritePingAck(buffer, HpackFields.Bytes("0102030405060708"));
        Assert.Equal(HpackFields.Bytes("000008 06 01 00000000 0102030405060708"), buffer[..written]);
        Assert.Throws<ArgumentException>(() => Http2FrameWriter.WritePingAck(buffer, [1, 2, 3]));
    }
}
