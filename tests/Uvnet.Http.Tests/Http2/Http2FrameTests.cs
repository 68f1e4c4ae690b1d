using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// Frames in, outcome out: h2spec's generic group and its http2 §3.5, §4, §5.3.1, §5.5 and §6 cases that need no
/// stream state, each named in a comment, plus the rules they do not cover. Frames are written as
/// "length type flags stream payload" in hex. Cases that need stream states or flow-control windows (6.1/2 DATA on
/// a closed stream, 6.4/2 RST_STREAM on an idle stream, 6.9.1, 6.9.2, 5.1, 5.1.1, 5.1.2, 8.x) belong to the
/// connection and are not here.
/// </summary>
public class Http2FrameTests
{
    private static readonly Http2Error ConnectionProtocol = Http2Error.Connection(Http2ErrorCode.ProtocolError);
    private static readonly Http2Error ConnectionFrameSize = Http2Error.Connection(Http2ErrorCode.FrameSizeError);
    private static readonly Http2Error StreamProtocol = Http2Error.Stream(Http2ErrorCode.ProtocolError);

    // A request block of 7 octets: :method GET, :scheme http, :path /, :authority ab.
    private const string Block = "828684 41026162";

    [Fact]
    public void TheFrameHeaderRoundTripsAndIgnoresTheReservedBit()
    {
        var buffer = new byte[9];
        new Http2FrameHeader(0x123456, Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 0x7FFF_FFFF).Write(buffer);
        Assert.Equal(HpackFields.Bytes("123456 01 04 7fffffff"), buffer);
        buffer[5] |= 0x80;
        Assert.True(Http2FrameHeader.TryRead(buffer, out Http2FrameHeader header));
        Assert.Equal(new Http2FrameHeader(0x123456, Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 0x7FFF_FFFF), header);
        Assert.False(Http2FrameHeader.TryRead(buffer.AsSpan(0, 8), out _));
    }

    [Fact]
    public void AFrameIsReadOnlyWhenItsPayloadIsWhole()
    {
        byte[] frame = HpackFields.Bytes("000003 00 00 00000001 616263");
        Assert.False(Http2FrameReader.TryReadFrame(frame.AsSpan(0, 11), out Http2FrameHeader header, out _));
        Assert.Equal(3, header.Length);
        Assert.True(Http2FrameReader.TryReadFrame(frame, out _, out ReadOnlySpan<byte> payload));
        Assert.Equal("abc"u8, payload);
    }

    // http2/3.5/1 Sends client connection preface; http2/3.5/2 Sends invalid connection preface.
    [Fact]
    public void ThePrefaceIsRecognisedOctetByOctet()
    {
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
        Assert.Equal(Http2PrefaceMatch.Incomplete, Http2Preface.Check([]));
        for (int i = 1; i < preface.Length; i++)
        {
            Assert.Equal(Http2PrefaceMatch.Incomplete, Http2Preface.Check(preface.AsSpan(0, i)));
        }

        Assert.Equal(Http2PrefaceMatch.Complete, Http2Preface.Check([.. preface, 0, 0]));
        Assert.Equal(Http2PrefaceMatch.Mismatch, Http2Preface.Check("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\r"u8));
        Assert.Equal(Http2PrefaceMatch.Mismatch, Http2Preface.Check("GET / HTTP/1.1\r\n"u8));
        Assert.Equal(Http2PrefaceMatch.Mismatch, Http2Preface.Check("PRX"u8));
    }

    // generic/1 Sends a client connection preface (and its SETTINGS).
    [Fact]
    public void TheFirstFrameIsSettings() => Assert.Equal(Http2Error.None, Http2FrameDriver.Run(""));

    // RFC 9113 §3.4: the preface's SETTINGS must come first.
    [Theory]
    [InlineData("000008 06 00 00000000 0000000000000000")]
    [InlineData("000000 04 01 00000000")]
    [InlineData("000004 08 00 00000000 00000001")]
    public void AnyOtherFirstFrameIsAProtocolError(string frame) =>
        Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run(frame, withSettings: false));

    // http2/4.1/1 Sends a frame with unknown type; http2/5.5/1 Sends an unknown extension frame.
    [Fact]
    public void AnUnknownFrameTypeIsIgnored() => Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000008 ff 00 00000000 0000000000000000"));

    // http2/4.1/2 Sends a frame with undefined flag.
    [Fact]
    public void UndefinedFlagsAreIgnored() => Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000008 06 16 00000000 0000000000000000"));

    // http2/4.1/3 Sends a frame with reserved field bit.
    [Fact]
    public void TheReservedBitIsIgnored() => Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000007 01 05 80000001 " + Block));

    // http2/4.2/1 Sends a DATA frame with 2^14 octets in length.
    [Fact]
    public void ADataFrameOfTheMaximumSizeIsAccepted() =>
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("004000 00 00 00000001 " + Zeros(1 << 14)));

    // http2/4.2/2 Sends a large size DATA frame that exceeds the SETTINGS_MAX_FRAME_SIZE: a stream error.
    [Fact]
    public void AnOversizedDataFrameIsAStreamFrameSizeError() =>
        Assert.Equal(Http2Error.Stream(Http2ErrorCode.FrameSizeError), Http2FrameDriver.Run("004001 00 00 00000001 " + Zeros((1 << 14) + 1)));

    // http2/4.2/3 Sends a large size HEADERS frame that exceeds the SETTINGS_MAX_FRAME_SIZE: a connection error.
    [Fact]
    public void AnOversizedHeadersFrameIsAConnectionFrameSizeError() =>
        Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run("004001 01 05 00000001 " + Zeros((1 << 14) + 1)));

    [Theory]
    [InlineData("09")] // CONTINUATION
    [InlineData("04")] // SETTINGS
    [InlineData("06")] // PING, on stream 0
    public void AnOversizedFrameThatAffectsTheConnectionIsAConnectionError(string type)
    {
        string stream = type == "09" ? "00000001" : "00000000";
        string prefix = type == "09" ? "000007 01 01 00000001 " + Block : "";
        Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run(prefix + "004002 " + type + " 00 " + stream + " " + Zeros((1 << 14) + 2)));
    }

    // http2/4.3/2 Sends a PRIORITY frame while sending the header blocks; http2/6.2/1 the same.
    [Fact]
    public void APriorityFrameInsideAFieldBlockIsAProtocolError() =>
        Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000007 01 01 00000001 " + Block + "000005 02 00 00000001 0000000010"));

    // http2/4.3/3 Sends a HEADERS frame to another stream while sending the header blocks; http2/6.2/2 the same.
    [Fact]
    public void HeadersOnAnotherStreamInsideAFieldBlockIsAProtocolError() =>
        Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000007 01 01 00000001 " + Block + "000007 01 05 00000003 " + Block));

    // http2/5.5/2 Sends an unknown extension frame in the middle of a header block.
    [Fact]
    public void AnUnknownFrameInsideAFieldBlockIsAProtocolError() =>
        Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000007 01 01 00000001 " + Block + "000008 ff 00 00000000 0000000000000000"));

    // http2/5.3.1/1 Sends HEADERS frame that depends on itself.
    [Fact]
    public void HeadersDependingOnItselfIsAStreamProtocolError() =>
        Assert.Equal(StreamProtocol, Http2FrameDriver.Run("00000c 01 25 00000001 000000010f " + Block));

    // http2/5.3.1/2 Sends PRIORITY frame that depend on itself.
    [Fact]
    public void PriorityDependingOnItselfIsAStreamProtocolError() =>
        Assert.Equal(StreamProtocol, Http2FrameDriver.Run("000005 02 00 00000003 8000000310"));

    // generic/3.1/1-3 Sends a DATA frame, multiple DATA frames, a DATA frame with padding.
    [Fact]
    public void DataFramesAreAccepted()
    {
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000004 00 00 00000001 74657374" + "000004 00 01 00000001 74657374"));
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("00000a 00 09 00000001 05 74657374 0000000000"));
    }

    [Fact]
    public void PaddingIsRemovedFromData()
    {
        var header = new Http2FrameHeader(8, Http2FrameType.Data, Http2FrameFlags.Padded, 1);
        Assert.Equal(Http2Error.None, Http2FrameParser.ParseData(header, HpackFields.Bytes("03 61626364 000000"), out ReadOnlySpan<byte> data));
        Assert.Equal("abcd"u8, data);
        Assert.Equal(Http2Error.None, Http2FrameParser.ParseData(header with { Length = 4 }, HpackFields.Bytes("03 000000"), out data));
        Assert.True(data.IsEmpty);
    }

    // http2/6.1/1 Sends a DATA frame with 0x0 stream identifier.
    [Fact]
    public void DataOnStreamZeroIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000004 00 01 00000000 74657374"));

    // http2/6.1/3 Sends a DATA frame with invalid pad length.
    [Theory]
    [InlineData("000005 00 09 00000001 05 74657374")]
    [InlineData("000001 00 09 00000001 01")]
    [InlineData("000001 00 09 00000001 ff")]
    public void DataPaddingAsLongAsThePayloadIsAProtocolError(string frame) => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run(frame));

    [Fact]
    public void PaddedDataWithoutItsPadLengthIsAStreamFrameSizeError() =>
        Assert.Equal(Http2Error.Stream(Http2ErrorCode.FrameSizeError), Http2FrameDriver.Run("000000 00 09 00000001"));

    // generic/3.2/1-3 Sends a HEADERS frame, with padding, with priority.
    [Theory]
    [InlineData("000007 01 05 00000001 " + Block)]
    [InlineData("00000c 01 0d 00000001 04 " + Block + " 00000000")]
    [InlineData("00000c 01 25 00000001 000000000f " + Block)]
    [InlineData("000011 01 2d 00000001 04 800000000f " + Block + " 00000000")]
    public void HeadersFramesAreAccepted(string frame) => Assert.Equal(Http2Error.None, Http2FrameDriver.Run(frame));

    [Fact]
    public void HeadersYieldsTheFragmentWithoutPaddingOrPriority()
    {
        var header = new Http2FrameHeader(17, Http2FrameType.Headers, Http2FrameFlags.Padded | Http2FrameFlags.Priority | Http2FrameFlags.EndHeaders, 3);
        Assert.Equal(Http2Error.None, Http2FrameParser.ParseHeaders(header, HpackFields.Bytes("04 800000010f 828684 41026162 00000000"), out Http2HeadersPayload headers));
        Assert.Equal(HpackFields.Bytes(Block), headers.Fragment.ToArray());
        Assert.True(headers.HasPriority);
        Assert.True(headers.Exclusive);
        Assert.Equal(1, headers.StreamDependency);
        Assert.Equal(15, headers.Weight);
    }

    // http2/6.2/3 Sends a HEADERS frame with 0x0 stream identifier.
    [Fact]
    public void HeadersOnStreamZeroIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000007 01 05 00000000 " + Block));

    // http2/6.2/4 Sends a HEADERS frame with invalid pad length.
    [Theory]
    [InlineData("000008 01 0d 00000001 08 " + Block)]
    [InlineData("00000d 01 2d 00000001 08 000000000f " + Block)]
    public void HeadersPaddingAsLongAsThePayloadIsAProtocolError(string frame) => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run(frame));

    [Theory]
    [InlineData("000000 01 0d 00000001")]
    [InlineData("000004 01 25 00000001 00000000")]
    [InlineData("000005 01 2d 00000001 00000000 00")]
    public void HeadersTooShortForItsFieldsIsAConnectionFrameSizeError(string frame) => Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run(frame));

    // generic/3.3/1-5 PRIORITY with weight 1, 256, a dependency, exclusive, on an idle stream (ignored).
    [Theory]
    [InlineData("000005 02 00 00000001 0000000000")]
    [InlineData("000005 02 00 00000001 00000000ff")]
    [InlineData("000005 02 00 00000003 0000000110")]
    [InlineData("000005 02 00 00000003 8000000110")]
    [InlineData("000005 02 00 00000009 0000000010")]
    public void PriorityFramesAreAcceptedAndIgnored(string frame) => Assert.Equal(Http2Error.None, Http2FrameDriver.Run(frame));

    // http2/6.3/1 Sends a PRIORITY frame with 0x0 stream identifier.
    [Fact]
    public void PriorityOnStreamZeroIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000005 02 00 00000000 0000000110"));

    // http2/6.3/2 Sends a PRIORITY frame with a length other than 5 octets: a stream error.
    [Theory]
    [InlineData("000004 02 00 00000001 00000001")]
    [InlineData("000006 02 00 00000001 000000011000")]
    public void PriorityOfAnotherLengthIsAStreamFrameSizeError(string frame) =>
        Assert.Equal(Http2Error.Stream(Http2ErrorCode.FrameSizeError), Http2FrameDriver.Run(frame));

    // generic/3.4/1 Sends a RST_STREAM frame.
    [Fact]
    public void RstStreamCarriesItsCode()
    {
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000004 03 00 00000001 00000008"));
        var header = new Http2FrameHeader(4, Http2FrameType.RstStream, 0, 1);
        Http2FrameParser.ParseRstStream(header, HpackFields.Bytes("00000008"), out Http2ErrorCode code);
        Assert.Equal(Http2ErrorCode.Cancel, code);
    }

    // http2/6.4/1 Sends a RST_STREAM frame with 0x0 stream identifier.
    [Fact]
    public void RstStreamOnStreamZeroIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000004 03 00 00000000 00000008"));

    // http2/6.4/3 Sends a RST_STREAM frame with a length other than 4 octets.
    [Theory]
    [InlineData("000003 03 00 00000001 000008")]
    [InlineData("000005 03 00 00000001 0000000800")]
    public void RstStreamOfAnotherLengthIsAConnectionFrameSizeError(string frame) => Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run(frame));

    // generic/3.5/1 Sends a SETTINGS frame; http2/6.5.2/5 with an unknown identifier (ignored).
    [Fact]
    public void SettingsAreApplied()
    {
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run(
            "000024 04 00 00000000 0001 00000000 0002 00000000 0003 00000064 0004 00000001 0005 00004001 0006 00001000",
            withSettings: true,
            out Http2Settings settings));
        Assert.Equal(0u, settings.HeaderTableSize);
        Assert.False(settings.EnablePush);
        Assert.Equal(100u, settings.MaxConcurrentStreams);
        Assert.Equal(1u, settings.InitialWindowSize);
        Assert.Equal(16385u, settings.MaxFrameSize);
        Assert.Equal(4096u, settings.MaxHeaderListSize);
    }

    [Fact]
    public void UnknownSettingsAreIgnored() =>
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000006 04 00 00000000 00ff 00000001"));

    // http2/6.5.3/1 Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE: processed in order, the last wins.
    [Fact]
    public void RepeatedSettingsAreTakenInOrder()
    {
        Http2FrameDriver.Run("00000c 04 00 00000000 0004 00000064 0004 00000001", true, out Http2Settings settings);
        Assert.Equal(1u, settings.InitialWindowSize);
    }

    [Fact]
    public void TheInitialSettingsAreRfc9113s()
    {
        var settings = new Http2Settings();
        Assert.Equal(4096u, settings.HeaderTableSize);
        Assert.True(settings.EnablePush);
        Assert.Equal(uint.MaxValue, settings.MaxConcurrentStreams);
        Assert.Equal(65_535u, settings.InitialWindowSize);
        Assert.Equal(16_384u, settings.MaxFrameSize);
        Assert.Equal(uint.MaxValue, settings.MaxHeaderListSize);
        Assert.False(settings.EnableConnectProtocol);
    }

    // http2/6.5/1 Sends a SETTINGS frame with ACK flag and payload.
    [Fact]
    public void SettingsAckWithPayloadIsAFrameSizeError() =>
        Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run("000006 04 01 00000000 0003 00000064"));

    // http2/6.5/2 Sends a SETTINGS frame with a stream identifier other than 0x0.
    [Fact]
    public void SettingsOnAStreamIsAProtocolError() =>
        Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000006 04 00 00000001 0003 00000064"));

    // http2/6.5/3 Sends a SETTINGS frame with a length other than a multiple of 6 octets.
    [Fact]
    public void SettingsNotAMultipleOfSixIsAFrameSizeError() =>
        Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run("000003 04 00 00000000 000300"));

    // http2/6.5.2/1 SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1.
    // http2/6.5.2/2 and 6.9.2/3 SETTINGS_INITIAL_WINDOW_SIZE (0x4): above the maximum window size.
    // http2/6.5.2/3 SETTINGS_MAX_FRAME_SIZE (0x5): below the initial value.
    // http2/6.5.2/4 SETTINGS_MAX_FRAME_SIZE (0x5): above the maximum allowed frame size.
    [Theory]
    [InlineData("0002 00000002", 0x1)]
    [InlineData("0004 80000000", 0x3)]
    [InlineData("0005 00003fff", 0x1)]
    [InlineData("0005 01000000", 0x1)]
    [InlineData("0008 00000002", 0x1)]
    public void AnInvalidSettingValueIsAConnectionError(string setting, uint code) =>
        Assert.Equal(Http2Error.Connection((Http2ErrorCode)code), Http2FrameDriver.Run("000006 04 00 00000000 " + setting));

    [Theory]
    [InlineData("0002 00000001")]
    [InlineData("0004 7fffffff")]
    [InlineData("0005 00004000")]
    [InlineData("0005 00ffffff")]
    [InlineData("0008 00000001")]
    public void TheBoundaryValuesOfEachSettingAreAccepted(string setting) =>
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000006 04 00 00000000 " + setting));

    [Fact]
    public void AnInvalidValueChangesNoSetting()
    {
        var settings = new Http2Settings();
        Http2Error error = settings.TryApply(HpackFields.Bytes("0004 00000001 0002 00000005"));
        Assert.Equal(Http2Error.Connection(Http2ErrorCode.ProtocolError), error);
        Assert.Equal(65_535u, settings.InitialWindowSize);
    }

    // http2/6.6: PUSH_PROMISE sent to a server (RFC 9113 §8.4).
    [Fact]
    public void PushPromiseToAServerIsAProtocolError() =>
        Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000008 05 04 00000001 00000002 " + "828684" + "00"));

    // generic/3.7/1 Sends a PING frame; http2/6.7/2 with ACK (parsed alike; the connection does not answer it).
    [Fact]
    public void PingCarriesItsOpaqueData()
    {
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000008 06 00 00000000 0102030405060708" + "000008 06 01 00000000 0102030405060708"));
        Http2FrameParser.ParsePing(new Http2FrameHeader(8, Http2FrameType.Ping, 0, 0), HpackFields.Bytes("0102030405060708"), out ReadOnlySpan<byte> opaque);
        Assert.Equal(HpackFields.Bytes("0102030405060708"), opaque.ToArray());
    }

    // http2/6.7/3 Sends a PING frame with a stream identifier field value other than 0x0.
    [Fact]
    public void PingOnAStreamIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000008 06 00 00000001 0102030405060708"));

    // http2/6.7/4 Sends a PING frame with a length field value other than 8.
    [Theory]
    [InlineData("000006 06 00 00000000 010203040506")]
    [InlineData("000009 06 00 00000000 010203040506070809")]
    public void PingOfAnotherLengthIsAFrameSizeError(string frame) => Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run(frame));

    // generic/3.8/1 Sends a GOAWAY frame.
    [Fact]
    public void GoAwayCarriesItsFields()
    {
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("00000a 07 00 00000000 80000003 0000000b 6869"));
        var header = new Http2FrameHeader(10, Http2FrameType.GoAway, 0, 0);
        Http2FrameParser.ParseGoAway(header, HpackFields.Bytes("80000003 0000000b 6869"), out int last, out Http2ErrorCode code, out ReadOnlySpan<byte> debug);
        Assert.Equal(3, last);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, code);
        Assert.Equal("hi"u8, debug);
    }

    // http2/6.8/1 Sends a GOAWAY frame with a stream identifier other than 0x0.
    [Fact]
    public void GoAwayOnAStreamIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000008 07 00 00000001 00000000 00000000"));

    [Fact]
    public void GoAwayTooShortIsAFrameSizeError() => Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run("000007 07 00 00000000 00000000 000000"));

    // generic/3.9/1-2 Sends a WINDOW_UPDATE frame with stream ID 0 and 1.
    [Fact]
    public void WindowUpdateCarriesItsIncrementWithoutTheReservedBit()
    {
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000004 08 00 00000000 00000001" + "000004 08 00 00000001 7fffffff"));
        Http2FrameParser.ParseWindowUpdate(new Http2FrameHeader(4, Http2FrameType.WindowUpdate, 0, 1), HpackFields.Bytes("80000100"), out int increment);
        Assert.Equal(256, increment);
    }

    // http2/6.9/1 Sends a WINDOW_UPDATE frame with a flow control window increment of 0.
    [Fact]
    public void AZeroIncrementOnTheConnectionIsAConnectionProtocolError() =>
        Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run("000004 08 00 00000000 00000000"));

    // http2/6.9/2 Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream.
    [Fact]
    public void AZeroIncrementOnAStreamIsAStreamProtocolError() =>
        Assert.Equal(StreamProtocol, Http2FrameDriver.Run("000004 08 00 00000001 80000000"));

    // http2/6.9/3 Sends a WINDOW_UPDATE frame with a length other than 4 octets.
    [Theory]
    [InlineData("000003 08 00 00000000 000001")]
    [InlineData("000005 08 00 00000001 0000000100")]
    public void WindowUpdateOfAnotherLengthIsAFrameSizeError(string frame) => Assert.Equal(ConnectionFrameSize, Http2FrameDriver.Run(frame));

    // generic/3.10/1-2 Sends a CONTINUATION frame, multiple CONTINUATION frames; http2/6.10/1 the same.
    [Fact]
    public void ContinuationFramesCompleteAFieldBlock() => Assert.Equal(Http2Error.None, Http2FrameDriver.Run(
        "000002 01 01 00000001 8286" + "000001 09 00 00000001 84" + "000000 09 00 00000001" + "000003 09 04 00000001 410161" + "000004 00 01 00000001 74657374"));

    // http2/6.10/2 Sends a CONTINUATION frame followed by any frame other than CONTINUATION.
    [Fact]
    public void AnotherFrameAfterAnOpenContinuationIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run(
        "000002 01 01 00000001 8286" + "000001 09 00 00000001 84" + "000004 00 01 00000001 74657374"));

    // http2/6.10/3 Sends a CONTINUATION frame with 0x0 stream identifier.
    [Fact]
    public void ContinuationOnStreamZeroIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run(
        "000002 01 01 00000001 8286" + "000004 09 04 00000000 84410161"));

    // http2/6.10/4 Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag.
    [Fact]
    public void ContinuationAfterEndHeadersIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run(
        "000007 01 05 00000001 " + Block + "000003 09 04 00000001 410161"));

    // http2/6.10/5 Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag.
    [Fact]
    public void ContinuationAfterAContinuationWithEndHeadersIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run(
        "000002 01 01 00000001 8286" + "000004 09 04 00000001 84410161" + "000000 09 04 00000001"));

    // http2/6.10/6 Sends a CONTINUATION frame preceded by a DATA frame.
    [Fact]
    public void ContinuationAfterDataIsAProtocolError() => Assert.Equal(ConnectionProtocol, Http2FrameDriver.Run(
        "000004 00 00 00000001 74657374" + "000003 09 04 00000001 410161"));

    // CVE-2024-27316 family: empty CONTINUATION frames forever, and a field block growing past the bound.
    [Fact]
    public void AFloodOfEmptyContinuationFramesIsStopped()
    {
        string flood = string.Concat(Enumerable.Repeat("000000 09 00 00000001", 33));
        Assert.Equal(Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm), Http2FrameDriver.Run("000002 01 01 00000001 8286" + flood));
        Assert.Equal(Http2Error.None, Http2FrameDriver.Run("000002 01 01 00000001 8286" + string.Concat(Enumerable.Repeat("000000 09 00 00000001", 31)) + "000000 09 04 00000001"));
    }

    [Fact]
    public void AFieldBlockPastItsBoundIsStopped()
    {
        var sequence = new Http2FrameSequence(maxFieldBlockSize: 100);
        Assert.False(sequence.OnFrame(new Http2FrameHeader(0, Http2FrameType.Settings, 0, 0)).IsError);
        Assert.False(sequence.OnFrame(new Http2FrameHeader(60, Http2FrameType.Headers, 0, 1)).IsError);
        Assert.False(sequence.OnFrame(new Http2FrameHeader(40, Http2FrameType.Continuation, 0, 1)).IsError);
        Assert.Equal(100, sequence.FieldBlockLength);
        Assert.Equal(Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm), sequence.OnFrame(new Http2FrameHeader(1, Http2FrameType.Continuation, 0, 1)));

        sequence = new Http2FrameSequence(maxFieldBlockSize: 100);
        sequence.OnFrame(new Http2FrameHeader(0, Http2FrameType.Settings, 0, 0));
        Assert.Equal(Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm), sequence.OnFrame(new Http2FrameHeader(101, Http2FrameType.Headers, 0, 1)));
    }

    [Fact]
    public void AFieldBlockClosesAndAnotherMayOpen()
    {
        var sequence = new Http2FrameSequence(maxFieldBlockSize: 100, maxContinuationFrames: 1);
        sequence.OnFrame(new Http2FrameHeader(0, Http2FrameType.Settings, 0, 0));
        for (int stream = 1; stream < 10; stream += 2)
        {
            Assert.False(sequence.OnFrame(new Http2FrameHeader(90, Http2FrameType.Headers, 0, stream)).IsError);
            Assert.Equal(stream, sequence.OpenFieldBlockStreamId);
            Assert.False(sequence.OnFrame(new Http2FrameHeader(10, Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, stream)).IsError);
            Assert.Equal(0, sequence.OpenFieldBlockStreamId);
        }
    }

    private static string Zeros(int octets) => new('0', 2 * octets);
}
