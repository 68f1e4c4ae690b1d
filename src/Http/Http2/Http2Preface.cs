namespace Uvnet.Http.Http2;

/// <summary>How the octets read so far compare with the client connection preface.</summary>
internal enum Http2PrefaceMatch
{
    /// <summary>They agree with the preface so far, but are fewer than its 24 octets.</summary>
    Incomplete,

    /// <summary>The first 24 octets are the preface.</summary>
    Complete,

    /// <summary>They differ from it: not HTTP/2 with prior knowledge (a PROTOCOL_ERROR once HTTP/2 was chosen, §3.4).</summary>
    Mismatch,
}

/// <summary>The client connection preface (RFC 9113 §3.4): <c>PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n</c>.</summary>
internal static class Http2Preface
{
    /// <summary>The preface's octets.</summary>
    public static ReadOnlySpan<byte> Bytes => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>
    /// Compares the first octets of <paramref name="received"/> with the preface: enough to tell h2c with prior
    /// knowledge from HTTP/1.1 at the first octet that differs (no HTTP/1.1 method is <c>PRI</c>).
    /// </summary>
    public static Http2PrefaceMatch Check(ReadOnlySpan<byte> received)
    {
        int length = Math.Min(received.Length, Bytes.Length);
        if (!received[..length].SequenceEqual(Bytes[..length]))
        {
            return Http2PrefaceMatch.Mismatch;
        }

        return length == Bytes.Length ? Http2PrefaceMatch.Complete : Http2PrefaceMatch.Incomplete;
    }
}
