using System.Globalization;
using System.Text;
using Uvnet.Http.Server;

namespace Uvnet.Server.Logging;

/// <summary>What uvnet writes to stderr for <see cref="HttpServer.HandlerError"/>: the exception and the request it failed on.</summary>
internal static class HandlerErrorLog
{
    /// <summary>
    /// The text for <paramref name="error"/> of a handler serving <paramref name="request"/>: one line naming the
    /// request (escaped as in the access log, so a request cannot forge lines), then the exception with its stack,
    /// each of its lines indented and its control characters escaped.
    /// </summary>
    internal static string Format(Exception error, IncomingMessage? request)
    {
        string where = request is null
            ? "outside a request (or after its response finished)"
            : $"on \"{CommonLogFormat.RequestLine(request.Method, request.Url, request.HttpVersion)}\"";
        var text = new StringBuilder("uvnet: a handler failed ").Append(where).Append(": ");
        // An exception's message may quote the client's bytes (FormatException quotes its input, a body's text
        // included): a line break in it must not start a line of uvnet's own, nor an escape sequence reach the
        // terminal. Only uvnet's first line starts at the margin; the exception's lines (its stack) are indented.
        foreach (char c in error.ToString())
        {
            if (c == '\n')
                text.Append("\n  ");
            else if (char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format)
                CommonLogFormat.AppendHexEscape(text, c);
            else
                text.Append(c);
        }
        return text.ToString();
    }
}
