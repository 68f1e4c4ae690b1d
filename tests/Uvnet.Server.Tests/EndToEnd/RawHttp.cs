using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>One response as it came off the wire: status, header fields (names lower-cased), body bytes.</summary>
internal sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// HTTP over a plain socket, for what real clients will not send (targets they normalise, pipelined batches) and
/// to see exactly what the server sent.
/// </summary>
internal static class RawHttp
{
    /// <summary>A request for <paramref name="target"/>, sent as is; the last of a batch asks for <c>Connection: close</c>.</summary>
    public static string Request(string target, string method = "GET", bool close = true) =>
        $"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{(close ? "Connection: close\r\n" : "")}\r\n";

    /// <summary>Sends <paramref name="requests"/> in one write and reads until the server closes; returns the bytes.</summary>
    public static async Task<byte[]> ExchangeAsync(int port, string requests)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(RunningUvnet.Bound);
        await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await socket.SendAsync(Encoding.Latin1.GetBytes(requests), timeout.Token);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            received.Write(buffer, 0, n);
        return received.ToArray();
    }

    /// <summary>Sends one request for <paramref name="target"/> and parses the one response.</summary>
    public static async Task<RawResponse> GetAsync(int port, string target, string method = "GET")
    {
        byte[] bytes = await ExchangeAsync(port, Request(target, method));
        return Assert.Single(Parse(bytes, [method]));
    }

    /// <summary>
    /// <see cref="GetAsync"/>, or null when the server closed or reset the connection without a word (as a server
    /// out of descriptors sheds the connections it cannot take).
    /// </summary>
    public static async Task<RawResponse?> TryGetAsync(int port, string target)
    {
        byte[] bytes;
        try
        {
            bytes = await ExchangeAsync(port, Request(target));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return null;
        }
        return bytes.Length == 0 ? null : Assert.Single(Parse(bytes, ["GET"]));
    }

    /// <summary>
    /// Splits <paramref name="bytes"/> into responses framed by Content-Length, one per request method in
    /// <paramref name="methods"/> (a HEAD's response, and any 304, has no body); fails on anything left over.
    /// </summary>
    public static IReadOnlyList<RawResponse> Parse(byte[] bytes, IReadOnlyList<string> methods)
    {
        var responses = new List<RawResponse>();
        int at = 0;
        foreach (string method in methods)
        {
            int end = bytes.AsSpan(at).IndexOf("\r\n\r\n"u8);
            Assert.True(end >= 0, $"response {responses.Count + 1} of {methods.Count} has no complete head");
            string[] lines = Encoding.Latin1.GetString(bytes, at, end).Split("\r\n");
            at += end + 4;
            int status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
            var headers = new Dictionary<string, string>();
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':');
                Assert.False(headers.ContainsKey(line[..colon].ToLowerInvariant()), $"header repeated: {line}");
                headers[line[..colon].ToLowerInvariant()] = line[(colon + 1)..].Trim();
            }
            int length = method == "HEAD" || status == 304 ? 0 : int.Parse(headers["content-length"], CultureInfo.InvariantCulture);
            Assert.True(at + length <= bytes.Length, "body cut short");
            responses.Add(new RawResponse(status, headers, bytes[at..(at + length)]));
            at += length;
        }
        Assert.Equal(bytes.Length, at);
        return responses;
    }
}
