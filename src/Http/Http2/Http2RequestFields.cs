using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Http2;

/// <summary>
/// Receives a request's field block from the decoder, checks it against RFC 9113 §8.2 and §8.3, and stores it in
/// the same <see cref="HttpRequestHead"/> the HTTP/1.1 parser fills: <c>:method</c> as the method, <c>:path</c> as
/// the target, <c>:authority</c> as a Host field (when no Host came). A malformed block (a stream error of type
/// PROTOCOL_ERROR, §8.1.1) is one with an uppercase or invalid name, a connection-specific field, a value holding
/// NUL, CR or LF or starting or ending with whitespace, a pseudo-header unknown, repeated, missing or after a
/// regular field, a <c>:path</c> that is not origin-form (or <c>*</c> for OPTIONS), an authority or Host outside
/// <c>uri-host [ ":" port ]</c>, or a Host that names another authority than <c>:authority</c>. The checks matter
/// beyond this server: a CR LF let through here becomes request smuggling when a proxy forwards the request over
/// HTTP/1.1, and a target or Host the HTTP/1.1 server refuses would reach the same handler through HTTP/2.
/// </summary>
internal ref struct Http2RequestFields : IHpackHeaderHandler
{
    private readonly HttpRequestHead _head;
    private readonly bool _trailers;
    private Pseudo _seen;
    private bool _regularSeen;
    private bool _hostSeen;
    private bool _asteriskPath;
    private readonly byte[] _scratch;
    private int _authorityLength;

    [Flags]
    private enum Pseudo : byte
    {
        None = 0,
        Method = 1,
        Scheme = 2,
        Path = 4,
        Authority = 8,
    }

    /// <summary>
    /// Checks a block into <paramref name="head"/> (cleared by the caller); <paramref name="trailers"/>: a trailer
    /// section, where no pseudo-header may come. <paramref name="scratch"/> keeps <c>:authority</c> (as long as the
    /// longest field the decoder hands over).
    /// </summary>
    public Http2RequestFields(HttpRequestHead head, bool trailers, byte[] scratch)
    {
        _head = head;
        _scratch = scratch;
        _trailers = trailers;
        ContentLength = -1;
    }

    /// <summary>Why the block is malformed, or null.</summary>
    public string? Fault { get; private set; }

    /// <summary>The Content-Length the request declared, or -1 (its DATA must add up to it, §8.1.1).</summary>
    public long ContentLength { get; private set; }

    /// <summary>The method, classified (valid once the block checked out).</summary>
    public HttpRequestMethod Method { get; private set; }

    /// <summary>Whether an <c>Expect: 100-continue</c> came.</summary>
    public bool ExpectsContinue { get; private set; }

    /// <inheritdoc/>
    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed)
    {
        if (Fault is not null)
            return;
        if (!ValidValue(value))
        {
            Fault = "a field value holds NUL, CR or LF, or starts or ends with whitespace";
            return;
        }
        if (!name.IsEmpty && name[0] == (byte)':')
        {
            OnPseudo(name, value);
            return;
        }
        _regularSeen = true;
        if (!ValidName(name))
        {
            Fault = "a field name is empty, uppercase or not a token";
            return;
        }
        if (IsConnectionSpecific(name, value))
        {
            Fault = "a connection-specific field";
            return;
        }
        if (name.SequenceEqual("host"u8))
        {
            // The HTTP/1.1 server's rule (RFC 9112 §3.2): a Host outside the grammar is refused there, and here.
            if (_hostSeen || !HostSyntax.IsValid(value) || (_seen & Pseudo.Authority) != 0 && !Ascii.EqualsIgnoreCase(value, Authority))
            {
                Fault = "Host repeated, invalid, or naming another authority than :authority";
                return;
            }
            _hostSeen = true;
        }
        else if (name.SequenceEqual("content-length"u8))
        {
            if (_trailers || !TryParseLength(value, out long length) || (ContentLength >= 0 && ContentLength != length))
            {
                Fault = "an invalid Content-Length";
                return;
            }
            ContentLength = length;
        }
        else if (name.SequenceEqual("expect"u8) && Ascii.EqualsIgnoreCase(value, "100-continue"u8))
        {
            ExpectsContinue = true;
        }
        _head.AppendHeaderName(name);
        _head.AppendHeaderValue(value);
    }

    /// <summary>After the block: the pseudo-headers a request needs (§8.3.1; CONNECT's, §8.5), and Host from :authority.</summary>
    public void Complete()
    {
        if (Fault is not null || _trailers)
            return;
        if ((_seen & Pseudo.Method) == 0)
        {
            Fault = "no :method";
            return;
        }
        if (Method == HttpRequestMethod.Connect)
        {
            if ((_seen & (Pseudo.Scheme | Pseudo.Path)) != 0 || (_seen & Pseudo.Authority) == 0)
                Fault = "CONNECT takes :authority and neither :scheme nor :path";
        }
        else if ((_seen & (Pseudo.Scheme | Pseudo.Path)) != (Pseudo.Scheme | Pseudo.Path))
        {
            Fault = "no :scheme or no :path";
        }
        else if (_asteriskPath && Method != HttpRequestMethod.Options)
        {
            Fault = "a :path of \"*\" for another method than OPTIONS";
        }
        if (Fault is null && (_seen & Pseudo.Authority) != 0 && !_hostSeen)
        {
            _head.AppendHeaderName("host"u8);
            _head.AppendHeaderValue(Authority);
        }
    }

    private readonly ReadOnlySpan<byte> Authority => _scratch.AsSpan(0, _authorityLength);

    private void OnPseudo(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Pseudo which = name switch
        {
            _ when name.SequenceEqual(":method"u8) => Pseudo.Method,
            _ when name.SequenceEqual(":scheme"u8) => Pseudo.Scheme,
            _ when name.SequenceEqual(":path"u8) => Pseudo.Path,
            _ when name.SequenceEqual(":authority"u8) => Pseudo.Authority,
            _ => Pseudo.None,
        };
        if (_trailers || _regularSeen || which == Pseudo.None || (_seen & which) != 0)
        {
            Fault = "a pseudo-header unknown, repeated, after a regular field or in trailers";
            return;
        }
        _seen |= which;
        switch (which)
        {
            case Pseudo.Method:
                if (value.IsEmpty || !ValidName(value, allowUpper: true))
                {
                    Fault = "an invalid :method";
                    return;
                }
                Method = KnownMethods.Classify(value);
                _head.AppendMethod(value);
                break;
            case Pseudo.Path:
                // §8.3.1: not empty; origin-form, or "*" (for OPTIONS: checked once the method is known). No
                // whitespace or control character, as no HTTP/1.1 request line holds one (nghttp2 refuses them too).
                _asteriskPath = value.SequenceEqual("*"u8);
                if (value.IsEmpty || (value[0] != (byte)'/' && !_asteriskPath) || value.IndexOfAnyInRange((byte)0, (byte)' ') >= 0
                    || value.Contains((byte)0x7F))
                {
                    Fault = "an empty or invalid :path";
                    return;
                }
                _head.AppendUrl(value);
                break;
            case Pseudo.Authority:
                // Kept aside: a Host field is made of it after the block, unless a Host came (and matched it). It is
                // uri-host [ ":" port ], with a host and no userinfo (§8.3.1), as the Host field it becomes must be.
                if (value.Length > _scratch.Length || !HostSyntax.IsValidAbsoluteAuthority(value))
                {
                    Fault = "an invalid :authority";
                    return;
                }
                value.CopyTo(_scratch);
                _authorityLength = value.Length;
                break;
        }
    }

    /// <summary>§8.2.1: no NUL, CR or LF anywhere; no SP or HTAB first or last.</summary>
    internal static bool ValidValue(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
            return true;
        if (value[0] is (byte)' ' or (byte)'\t' || value[^1] is (byte)' ' or (byte)'\t')
            return false;
        return value.IndexOfAny((byte)0, (byte)'\r', (byte)'\n') < 0;
    }

    /// <summary>§8.2.1: a token (RFC 9110 §5.6.2), and in HTTP/2 lowercase.</summary>
    internal static bool ValidName(ReadOnlySpan<byte> name, bool allowUpper = false)
    {
        if (name.IsEmpty)
            return false;
        foreach (byte b in name)
        {
            if (!IsTokenChar(b) || (!allowUpper && b is >= (byte)'A' and <= (byte)'Z'))
                return false;
        }
        return true;
    }

    private static bool IsTokenChar(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
        || "!#$%&'*+-.^_`|~"u8.Contains(b);

    /// <summary>§8.2.2: fields that describe an HTTP/1.1 connection; TE may only say "trailers".</summary>
    internal static bool IsConnectionSpecific(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => name.Length switch
    {
        2 => name.SequenceEqual("te"u8) && !Ascii.EqualsIgnoreCase(value, "trailers"u8),
        7 => name.SequenceEqual("upgrade"u8),
        10 => name.SequenceEqual("connection"u8) || name.SequenceEqual("keep-alive"u8),
        16 => name.SequenceEqual("proxy-connection"u8),
        17 => name.SequenceEqual("transfer-encoding"u8),
        _ => false,
    };

    private static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > 18)
            return false;
        foreach (byte b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
                return false;
            length = (length * 10) + (b - '0');
        }
        return true;
    }
}
