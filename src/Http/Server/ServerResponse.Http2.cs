using System.Text;
using Uvnet.Http.Http2;

namespace Uvnet.Http.Server;

/// <summary>
/// The seam between the response and HTTP/2: a response whose <see cref="Stream"/> is set sends its head as a HPACK
/// field block and its body as DATA on that stream (the HTTP/1.1 path only checks that the stream is null).
/// </summary>
public sealed partial class ServerResponse
{
    /// <summary>The HTTP/2 stream this response answers on, or null on HTTP/1.1.</summary>
    internal Http2Stream? Stream { get; private set; }

    /// <summary>The fields of <see cref="AddTrailers"/>, sent as the trailers of an HTTP/2 response.</summary>
    internal List<KeyValuePair<string, string>>? TrailerFields => _trailers;

    /// <summary>The response answers on <paramref name="stream"/> (after <see cref="Begin"/>).</summary>
    internal void BeginHttp2(Http2Stream stream) => Stream = stream;

    /// <summary>
    /// The head as RFC 9113 §8.3.2 wants it: <c>:status</c>, the handler's fields but the connection-specific ones
    /// (§8.2.2: Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade are dropped, as the framing
    /// fields the plan skips), then Date, Server and a computed Content-Length.
    /// </summary>
    private void WriteHeadHttp2(in HeadPlan plan)
    {
        Http2Stream stream = Stream!;
        stream.HeadersSent = true;
        // The encoder's dynamic table follows the client's only through blocks that are sent: none is encoded for a
        // stream that can no longer write.
        if (!stream.Owner.CanWrite(stream))
            return;
        HttpServer server = Connection.Server;
        HpackFieldEncoder encoder = stream.Owner.FieldEncoder;
        // 192 octets cover the size updates, :status, Date and Content-Length; the handler's fields and the Server
        // the server adds are as long as they are (a long ServerHeader found no room and was dropped).
        int estimate = 192 + (server.ServerHeaderLine?.Length ?? 0);
        foreach (var (name, value) in _headers)
            estimate += name.Length + value.Length + 12;
        Span<byte> block = stream.Owner.EncodeScratch(estimate);
        // The start (status, the handler's fields, Date, Server) is copied when the last head on this connection
        // encoded the same; Content-Length, which changes per response, is encoded after it either way.
        SpecialHeaders added = plan.Add & (SpecialHeaders.Date | SpecialHeaders.Server);
        ReadOnlySpan<byte> date = (added & SpecialHeaders.Date) != 0 ? server.Date.Line(server.Loop)["Date: ".Length..^2] : default;
        long dateSecond = date.IsEmpty ? -1 : server.Date.Second;
        int variant = ((int)(plan.Present & plan.Skip) << 8) | (int)added;
        long tableVersion = encoder.Table.Version;
        Http2HeadCache cache = stream.Owner.HeadCache;
        int length = encoder.UpdatePending ? -1 : cache.TryCopy(StatusCode, _headers, variant, dateSecond, tableVersion, block);
        if (length < 0)
        {
            length = encoder.BeginBlock(block);
            bool update = length > 0;
            length += EncodeStart(encoder, plan, date, block[length..]);
            if (!update && encoder.Table.Version == tableVersion)
                cache.Keep(StatusCode, _headers, variant, dateSecond, tableVersion, block[..length]);
        }
        if ((plan.Add & SpecialHeaders.ContentLength) != 0)
        {
            int copied = cache.TryCopyContentLength(plan.Length, block[length..]);
            if (copied < 0)
            {
                Span<byte> digits = stackalloc byte[20];
                plan.Length.TryFormat(digits, out int count, default, System.Globalization.CultureInfo.InvariantCulture);
                copied = EncodeBytes(encoder, "content-length"u8, digits[..count], block[length..]);
                cache.KeepContentLength(plan.Length, block.Slice(length, copied));
            }
            length += copied;
        }
        stream.Owner.WriteFieldBlock(stream, block[..length], endStream: false);
    }

    /// <summary>The head's start: <c>:status</c>, the handler's fields (but those skipped and the connection-specific ones), Date and Server.</summary>
    private int EncodeStart(HpackFieldEncoder encoder, in HeadPlan plan, ReadOnlySpan<byte> date, Span<byte> block)
    {
        HpackEncoder.TryEncodeStatus(StatusCode, block, out int length);
        bool skipSome = (plan.Present & plan.Skip) != 0;
        foreach (var (name, value) in _headers)
        {
            if ((!skipSome || (Classify(name) & plan.Skip) == 0) && !IsConnectionSpecific(name))
                length += EncodeField(encoder, name, value, block[length..]);
        }
        if (!date.IsEmpty)
            length += EncodeBytes(encoder, "date"u8, date, block[length..]);
        if ((plan.Add & SpecialHeaders.Server) != 0 && Connection.Server.ServerHeaderLine is { } serverLine)
            length += EncodeBytes(encoder, "server"u8, serverLine.AsSpan("Server: ".Length..^2), block[length..]);
        return length;
    }

    /// <summary>An interim (1xx) head, or the trailers (<paramref name="status"/> 0) that end the stream.</summary>
    internal void WriteHttp2Fields(List<KeyValuePair<string, string>>? fields, int status, bool endStream)
    {
        Http2Stream stream = Stream!;
        if (!stream.Owner.CanWrite(stream))
            return; // as in WriteHeadHttp2: nothing encoded that is not sent
        HpackFieldEncoder encoder = stream.Owner.FieldEncoder;
        int estimate = 24;
        if (fields is not null)
        {
            foreach (var (name, value) in fields)
                estimate += name.Length + value.Length + 12;
        }
        Span<byte> block = stream.Owner.EncodeScratch(estimate);
        int length = encoder.BeginBlock(block);
        if (status != 0)
        {
            HpackEncoder.TryEncodeStatus(status, block[length..], out int written);
            length += written;
        }
        if (fields is not null)
        {
            foreach (var (name, value) in fields)
            {
                if (!IsConnectionSpecific(name))
                    length += EncodeField(encoder, name, value, block[length..]);
            }
        }
        stream.Owner.WriteFieldBlock(stream, block[..length], endStream);
    }

    /// <summary>§8.2.2's fields, which an HTTP/2 message may not carry.</summary>
    private static bool IsConnectionSpecific(string name) => name.Length switch
    {
        7 => name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase),
        10 => name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase),
        16 => name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase),
        17 => name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>A field whose name and value were validated when set (a token; no CR, LF or character above 0xFF): lowercased, Latin-1.</summary>
    private static int EncodeField(HpackFieldEncoder encoder, string name, string value, Span<byte> destination)
    {
        Span<byte> nameBytes = name.Length <= 256 ? stackalloc byte[name.Length] : new byte[name.Length];
        Encoding.Latin1.GetBytes(name, nameBytes);
        Ascii.ToLowerInPlace(nameBytes, out _);
        Span<byte> valueBytes = value.Length <= 1024 ? stackalloc byte[value.Length] : new byte[value.Length];
        Encoding.Latin1.GetBytes(value, valueBytes);
        return EncodeBytes(encoder, nameBytes, valueBytes, destination);
    }

    private static int EncodeBytes(HpackFieldEncoder encoder, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        // Secrets are never indexed by any intermediary (RFC 7541 §7.1.3).
        bool secret = name.SequenceEqual("set-cookie"u8) || name.SequenceEqual("authorization"u8);
        encoder.TryEncode(name, value, secret, destination, out int written);
        return written;
    }

    /// <summary>SendFile on HTTP/2: the file's bytes go out as DATA (there is no sendfile through framing).</summary>
    private void SendFileHttp2(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (count > 0)
            {
                int read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, count)), offset);
                if (read == 0)
                    break;
                WriteBody(buffer.AsSpan(0, read));
                offset += read;
                count -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
