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

    /// <summary>What a field is, by its own bytes (kept in its HPACK memo); the pseudo-headers first.</summary>
    private enum FieldKind : byte
    {
        Unchecked = 0, // the memo's initial value: not checked yet
        Method,
        Scheme,
        Path,
        AsteriskPath,
        Authority,
        Regular,
        Host,
        ContentLength,
        ExpectContinue,
    }

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
    /// <remarks>
    /// What a field is, once its own bytes checked out, is kept in its memo: a field the client sends again by index
    /// (every request's method, path, authority and user-agent, as h2load and browsers do) skips the checks of its
    /// bytes. What depends on the rest of the block (order, repetition, Host against :authority, trailers) is
    /// checked every time.
    /// </remarks>
    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, ref byte memo)
    {
        if (Fault is not null)
            return;
        var kind = (FieldKind)memo;
        if (kind == FieldKind.Unchecked)
        {
            kind = Check(name, value, out string? fault);
            if (fault is not null)
            {
                Fault = fault;
                return;
            }
            memo = (byte)kind;
        }
        if (kind < FieldKind.Regular)
        {
            OnPseudo(kind, value);
            return;
        }
        _regularSeen = true;
        switch (kind)
        {
            case FieldKind.Host:
                if (_hostSeen || (_seen & Pseudo.Authority) != 0 && !Ascii.EqualsIgnoreCase(value, Authority))
                {
                    Fault = "Host repeated, or naming another authority than :authority";
                    return;
                }
                _hostSeen = true;
                break;
            case FieldKind.ContentLength:
                if (_trailers || !TryParseLength(value, out long length) || (ContentLength >= 0 && ContentLength != length))
                {
                    Fault = "an invalid Content-Length";
                    return;
                }
                ContentLength = length;
                break;
            case FieldKind.ExpectContinue:
                ExpectsContinue = true;
                break;
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

    /// <summary>
    /// What a field is by its own bytes, those checked (§8.2.1, §8.2.2, §8.3.1): the same field is the same kind in
    /// any block. A malformed one is <see cref="FieldKind.Unchecked"/> with <paramref name="fault"/> saying why.
    /// </summary>
    private static FieldKind Check(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out string? fault)
    {
        fault = null;
        if (!ValidValue(value))
        {
            fault = "a field value holds NUL, CR or LF, or starts or ends with whitespace";
            return FieldKind.Unchecked;
        }
        if (!name.IsEmpty && name[0] == (byte)':')
            return CheckPseudo(name, value, out fault);
        if (!ValidName(name))
        {
            fault = "a field name is empty, uppercase or not a token";
            return FieldKind.Unchecked;
        }
        if (IsConnectionSpecific(name, value))
        {
            fault = "a connection-specific field";
            return FieldKind.Unchecked;
        }
        if (name.SequenceEqual("host"u8))
        {
            // The HTTP/1.1 server's rule (RFC 9112 §3.2): a Host outside the grammar is refused there, and here.
            if (!HostSyntax.IsValid(value))
            {
                fault = "an invalid Host";
                return FieldKind.Unchecked;
            }
            return FieldKind.Host;
        }
        if (name.SequenceEqual("content-length"u8))
            return FieldKind.ContentLength;
        if (name.SequenceEqual("expect"u8) && Ascii.EqualsIgnoreCase(value, "100-continue"u8))
            return FieldKind.ExpectContinue;
        return FieldKind.Regular;
    }

    private static FieldKind CheckPseudo(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out string? fault)
    {
        fault = null;
        if (name.SequenceEqual(":method"u8))
        {
            if (value.IsEmpty || !ValidName(value, allowUpper: true))
                fault = "an invalid :method";
            return FieldKind.Method;
        }
        if (name.SequenceEqual(":scheme"u8))
            return FieldKind.Scheme;
        if (name.SequenceEqual(":path"u8))
        {
            // §8.3.1: not empty; origin-form, or "*" (for OPTIONS: checked once the method is known). No whitespace
            // or control character, as no HTTP/1.1 request line holds one (nghttp2 refuses them too).
            bool asterisk = value.SequenceEqual("*"u8);
            if (value.IsEmpty || (value[0] != (byte)'/' && !asterisk) || value.IndexOfAnyInRange((byte)0, (byte)' ') >= 0
                || value.Contains((byte)0x7F))
            {
                fault = "an empty or invalid :path";
            }
            return asterisk ? FieldKind.AsteriskPath : FieldKind.Path;
        }
        if (name.SequenceEqual(":authority"u8))
        {
            // It becomes a Host field after the block (unless a Host came, and matched it): uri-host [ ":" port ],
            // with a host and no userinfo (§8.3.1), as that Host field must be.
            if (!HostSyntax.IsValidAbsoluteAuthority(value))
                fault = "an invalid :authority";
            return FieldKind.Authority;
        }
        fault = "an unknown pseudo-header";
        return FieldKind.Unchecked;
    }

    /// <summary>A pseudo-header whose bytes checked out: where it came, and whether it came before, are checked here.</summary>
    private void OnPseudo(FieldKind kind, ReadOnlySpan<byte> value)
    {
        Pseudo which = kind switch
        {
            FieldKind.Method => Pseudo.Method,
            FieldKind.Scheme => Pseudo.Scheme,
            FieldKind.Authority => Pseudo.Authority,
            _ => Pseudo.Path,
        };
        if (_trailers || _regularSeen || (_seen & which) != 0)
        {
            Fault = "a pseudo-header repeated, after a regular field or in trailers";
            return;
        }
        _seen |= which;
        switch (kind)
        {
            case FieldKind.Method:
                Method = KnownMethods.Classify(value);
                _head.AppendMethod(value);
                break;
            case FieldKind.Path or FieldKind.AsteriskPath:
                _asteriskPath = kind == FieldKind.AsteriskPath;
                _head.AppendUrl(value);
                break;
            case FieldKind.Authority:
                // Kept aside: a Host field is made of it after the block, unless a Host came.
                if (value.Length > _scratch.Length)
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
