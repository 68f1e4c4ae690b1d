using System.Text;

namespace Uvnet.Net;

public sealed partial class Socket
{
    private SocketTextDecoder? _textDecoder;
    private Action<Socket, string>? _text;

    /// <summary>
    /// Raised for each chunk read, decoded as text (Node's <c>'data'</c> after <c>setEncoding</c>): in the encoding
    /// given to <see cref="SetEncoding(string)"/>, UTF-8 if none was. It follows <see cref="Data"/>, which still hands
    /// out the bytes. A character split across reads is held back until its remaining bytes arrive (never raised
    /// as an empty string); what is still held when the peer ends is raised before <see cref="Ended"/>, as Node's
    /// StringDecoder ends (U+FFFD for an incomplete UTF-8 character, padded base64; utf16le keeps a lone surrogate as
    /// it is and drops a single trailing byte). Decoding allocates a string per chunk, and happens only while this
    /// event has handlers. Like <see cref="Data"/>'s first handler, the first handler here gets the bytes kept while
    /// nobody read, first.
    /// </summary>
    public event Action<Socket, string>? Text
    {
        add
        {
            _text += value;
            OnConsumerAdded();
        }
        remove => _text -= value;
    }

    /// <summary>The encoding <see cref="Text"/> decodes with (Node's <c>readableEncoding</c>): the one set, "utf8" once Text has decoded without one, otherwise null.</summary>
    public string? ReadableEncoding => _textDecoder?.Name;

    /// <summary>
    /// Sets the encoding of <see cref="Text"/>, as Node's <c>socket.setEncoding</c>: "utf8" (or "utf-8"), "utf16le"
    /// ("ucs2"), "latin1" ("binary"), "ascii", "hex", "base64" or "base64url", in any case. Text held back for an
    /// incomplete character of the previous encoding is dropped.
    /// </summary>
    /// <exception cref="ArgumentException">The encoding is unknown (Node's ERR_UNKNOWN_ENCODING).</exception>
    public Socket SetEncoding(string encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        Loop.VerifyAccess();
        _textDecoder = SocketTextDecoder.Create(encoding)
            ?? throw new ArgumentException($"Unknown encoding: {encoding} (ERR_UNKNOWN_ENCODING).", nameof(encoding));
        return this;
    }

    /// <summary>Sets the encoding of <see cref="Text"/> to a .NET <paramref name="encoding"/>; see <see cref="SetEncoding(string)"/>.</summary>
    public Socket SetEncoding(Encoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        Loop.VerifyAccess();
        _textDecoder = SocketTextDecoder.Create(encoding);
        return this;
    }

    /// <summary>
    /// The text of a chunk read, or null when there is none to raise (no <see cref="Text"/> handler, or only part of
    /// a character). Decoded before <see cref="Data"/> runs, so a Data handler that throws leaves the decoder in step.
    /// </summary>
    private string? DecodeText(ReadOnlySpan<byte> data)
    {
        if (_text is null)
            return null;
        _textDecoder ??= SocketTextDecoder.Create("utf8")!;
        string text = _textDecoder.Decode(data);
        return text.Length == 0 ? null : text;
    }

    /// <summary>Raises <see cref="Text"/> with what the decoder still holds, once the peer has ended.</summary>
    private void RaiseHeldText()
    {
        if (_text is not null && _textDecoder?.Flush() is { Length: > 0 } rest)
            _text.Invoke(this, rest);
    }

    private void RaiseText(string? text)
    {
        if (text is not null)
            _text?.Invoke(this, text);
    }
}
