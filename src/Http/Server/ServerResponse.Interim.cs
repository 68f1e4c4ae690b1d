using System.Text.RegularExpressions;
using Uvnet.Net;

namespace Uvnet.Http.Server;

public sealed partial class ServerResponse
{
    /// <summary>
    /// Sends an interim <c>100 Continue</c>: the client may send the body it announced with <c>Expect: 100-continue</c>.
    /// Nothing is sent to an HTTP/1.0 client, which knows no 1xx responses (RFC 9110 §15.2). <paramref name="callback"/>
    /// runs as a write's (see <see cref="Write(ReadOnlySpan{byte}, Action{NetException?}?)"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT): an interim response cannot follow it.</exception>
    public void WriteContinue(Action<NetException?>? callback = null) => WriteInterim("HTTP/1.1 100 Continue\r\n\r\n"u8, 100, callback);

    /// <summary>
    /// Sends an interim <c>102 Processing</c> (RFC 2518), as Node's <c>writeProcessing</c>: the request is being worked
    /// on, the final response will follow. Not to an HTTP/1.0 client, as <see cref="WriteContinue"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public void WriteProcessing(Action<NetException?>? callback = null) => WriteInterim("HTTP/1.1 102 Processing\r\n\r\n"u8, 102, callback);

    /// <summary>Sends a fixed interim response, unless the client speaks HTTP/1.0.</summary>
    private void WriteInterim(ReadOnlySpan<byte> response, int status, Action<NetException?>? callback, [System.Runtime.CompilerServices.CallerMemberName] string member = "")
    {
        VerifyLoopThread(member);
        ThrowIfHeadersSent();
        if (Stream is not null)
            WriteHttp2Fields(null, status, endStream: false);
        else if (_request.HttpVersionMinor != 0)
            Sink.Write(response);
        AfterInterim(callback);
    }

    /// <summary>
    /// Sends an interim <c>103 Early Hints</c> (RFC 8297), as Node's <c>writeEarlyHints</c>: each <c>Link</c> pair of
    /// <paramref name="hints"/> (any case) is one link, all joined into one <c>Link</c> field, and the other pairs are
    /// sent as fields after it. Without a link nothing is sent, as in Node; nor to an HTTP/1.0 client, as
    /// <see cref="WriteContinue"/>.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A link is not of the form <c>&lt;uri&gt;; param=value...</c> (RFC 8288 §3; Node's ERR_INVALID_ARG_VALUE), or a
    /// field is invalid as for <see cref="SetHeader(string, string)"/> (Node checks only the links: here no field can
    /// split the response). Nothing is sent.
    /// </exception>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public void WriteEarlyHints(IEnumerable<KeyValuePair<string, string>> hints, Action<NetException?>? callback = null)
    {
        VerifyLoopThread();
        ArgumentNullException.ThrowIfNull(hints);
        ThrowIfHeadersSent();
        var links = new List<string>();
        var fields = new List<KeyValuePair<string, string>>(); // read once, checked whole before a byte is written
        foreach (var (name, value) in hints)
        {
            FieldValidation.ValidateName(name, "Header");
            FieldValidation.ValidateValue(name, value, "header");
            if (!name.Equals("Link", StringComparison.OrdinalIgnoreCase))
                fields.Add(new(name, value));
            else if (LinkValue().IsMatch(value))
                links.Add(value);
            else
                throw new ArgumentException($"The argument 'hints' must be an array or string of format \"</styles.css>; rel=preload; as=style\". Received \"{value}\" (ERR_INVALID_ARG_VALUE).", nameof(hints));
        }
        if (links.Count > 0 && Stream is not null)
        {
            fields.Insert(0, new("Link", string.Join(", ", links)));
            WriteHttp2Fields(fields, 103, endStream: false);
        }
        else if (links.Count > 0 && _request.HttpVersionMinor != 0)
        {
            OutputBuffer sink = Sink;
            sink.Write("HTTP/1.1 103 Early Hints\r\nLink: "u8);
            sink.WriteLatin1(string.Join(", ", links));
            sink.Write("\r\n"u8);
            foreach (var (name, value) in fields)
                sink.WriteField(name, value);
            sink.Write("\r\n"u8);
        }
        AfterInterim(callback);
    }

    /// <summary>An interim response leaves at once when the response has its turn (else with it), and its callback waits for its write.</summary>
    private void AfterInterim(Action<NetException?>? callback)
    {
        Connection.OnResponseOutput(this);
        AddWriteCallback(callback);
    }

    /// <summary>
    /// Node's check of a link (RFC 8288 §3): a URI reference in angle brackets, then <c>; name[=value]</c> parameters,
    /// a value quoted or a token. (Node's pattern quotes through a back-reference to an optional group, which .NET does
    /// not match when the group did not take part: the alternation says the same.)
    /// </summary>
    [GeneratedRegex("""^<[^>]*>(?:\s*;\s*[^;"\s]+(?:=(?:"[^;"\s]*"|[^;"\s]*))?)*\z""")]
    private static partial Regex LinkValue();
}
