using System.Text;

namespace Uvnet.Http.Server;

/// <summary>Reason phrases (RFC 9110 §15), and status lines encoded once.</summary>
public static class StatusCodes
{
    private static readonly Dictionary<int, string> s_reasons = new()
    {
        [100] = "Continue", [101] = "Switching Protocols", [102] = "Processing", [103] = "Early Hints",
        [200] = "OK", [201] = "Created", [202] = "Accepted", [203] = "Non-Authoritative Information",
        [204] = "No Content", [205] = "Reset Content", [206] = "Partial Content",
        [300] = "Multiple Choices", [301] = "Moved Permanently", [302] = "Found", [303] = "See Other",
        [304] = "Not Modified", [307] = "Temporary Redirect", [308] = "Permanent Redirect",
        [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
        [405] = "Method Not Allowed", [406] = "Not Acceptable", [408] = "Request Timeout", [409] = "Conflict",
        [410] = "Gone", [411] = "Length Required", [412] = "Precondition Failed", [413] = "Content Too Large",
        [414] = "URI Too Long", [415] = "Unsupported Media Type", [416] = "Range Not Satisfiable",
        [417] = "Expectation Failed", [421] = "Misdirected Request", [422] = "Unprocessable Content",
        [426] = "Upgrade Required", [428] = "Precondition Required", [429] = "Too Many Requests",
        [431] = "Request Header Fields Too Large", [500] = "Internal Server Error", [501] = "Not Implemented",
        [502] = "Bad Gateway", [503] = "Service Unavailable", [504] = "Gateway Timeout",
        [505] = "HTTP Version Not Supported",
    };

    // Indexed by status - 100: a response looks its line up without hashing.
    private static readonly byte[]?[] s_statusLines = BuildStatusLines();

    private static byte[]?[] BuildStatusLines()
    {
        var lines = new byte[]?[500];
        foreach (var (status, reason) in s_reasons)
            lines[status - 100] = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\n");
        return lines;
    }

    /// <summary>The standard reason phrase of <paramref name="status"/>, or "Unknown".</summary>
    public static string ReasonPhrase(int status) => s_reasons.TryGetValue(status, out var reason) ? reason : "Unknown";

    /// <summary>"HTTP/1.1 200 OK\r\n" for a standard status with its standard phrase, else null.</summary>
    internal static byte[]? EncodedStatusLine(int status) => (uint)(status - 100) < 500 ? s_statusLines[status - 100] : null;
}
