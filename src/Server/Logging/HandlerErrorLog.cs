using Uvnet.Http.Server;

namespace Uvnet.Server.Logging;

/// <summary>What uvnet writes to stderr for <see cref="HttpServer.HandlerError"/>: the exception and the request it failed on.</summary>
internal static class HandlerErrorLog
{
    /// <summary>
    /// The text for <paramref name="error"/> of a handler serving <paramref name="request"/>: one line naming the
    /// request (escaped as in the access log, so a request cannot forge lines), then the exception with its stack.
    /// </summary>
    internal static string Format(Exception error, IncomingMessage? request)
    {
        string where = request is null
            ? "outside a request (or after its response finished)"
            : $"on \"{CommonLogFormat.RequestLine(request.Method, request.Url, request.HttpVersion)}\"";
        return $"uvnet: a handler failed {where}: {error}";
    }
}
