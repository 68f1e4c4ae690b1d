using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// What a server connection does with each frame before acting on it: the size rule, the order rules, then the
/// frame type's own checks; the first error ends the run. Stream states and flow control are not modelled.
/// </summary>
internal static class Http2FrameDriver
{
    /// <summary>The client's first frame: an empty SETTINGS.</summary>
    public const string ClientSettings = "000000 04 00 00000000";

    public static Http2Error Check(ref Http2FrameSequence sequence, ref Http2Settings settings, in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        Http2Error error = Http2FrameParser.CheckFrameSize(header, Http2FrameHeader.DefaultMaxFrameSize);
        if (error.IsError)
        {
            return error;
        }

        error = sequence.OnFrame(header);
        if (error.IsError)
        {
            return error;
        }

        switch (header.Type)
        {
            case Http2FrameType.Data:
                return Http2FrameParser.ParseData(header, payload, out _);
            case Http2FrameType.Headers:
                return Http2FrameParser.ParseHeaders(header, payload, out _);
            case Http2FrameType.Priority:
                return Http2FrameParser.ParsePriority(header, payload);
            case Http2FrameType.RstStream:
                return Http2FrameParser.ParseRstStream(header, payload, out _);
            case Http2FrameType.Settings:
                error = Http2FrameParser.ParseSettings(header, payload);
                return error.IsError || header.Has(Http2FrameFlags.Ack) ? error : settings.TryApply(payload);
            case Http2FrameType.PushPromise:
                return Http2FrameParser.ParsePushPromise(header);
            case Http2FrameType.Ping:
                return Http2FrameParser.ParsePing(header, payload, out _);
            case Http2FrameType.GoAway:
                return Http2FrameParser.ParseGoAway(header, payload, out _, out _, out _);
            case Http2FrameType.WindowUpdate:
                return Http2FrameParser.ParseWindowUpdate(header, payload, out _);
            case Http2FrameType.Continuation:
                return Http2FrameParser.ParseContinuation(header, payload, out _);
            default:
                // §4.1, §5.5: unknown frame types are ignored.
                return Http2Error.None;
        }
    }

    /// <summary>Runs the frames of <paramref name="hex"/> (after the client's SETTINGS unless <paramref name="withSettings"/> is false).</summary>
    public static Http2Error Run(string hex, bool withSettings = true) => Run(hex, withSettings, out _);

    public static Http2Error Run(string hex, bool withSettings, out Http2Settings settings)
    {
        var sequence = new Http2FrameSequence();
        settings = new Http2Settings();
        ReadOnlySpan<byte> buffer = HpackFields.Bytes((withSettings ? ClientSettings : "") + hex);
        while (Http2FrameReader.TryReadFrame(buffer, out Http2FrameHeader header, out ReadOnlySpan<byte> payload))
        {
            Http2Error error = Check(ref sequence, ref settings, header, payload);
            if (error.IsError)
            {
                return error;
            }

            buffer = buffer[(Http2FrameHeader.Size + header.Length)..];
        }

        Assert.True(buffer.IsEmpty, "the test's frames end inside a frame");
        return Http2Error.None;
    }
}
