using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>What became of a storm's requests: the bytes of each answer, and the connections left without one.</summary>
/// <param name="Answers">Each answered connection's bytes, up to the end of its first response (or where the server stopped).</param>
/// <param name="Shed">Connections the server closed or reset before answering (or that could not connect).</param>
/// <param name="Unanswered">Connections still waiting, neither answered nor closed, when the bound ran out.</param>
internal sealed record StormOutcome(IReadOnlyList<byte[]> Answers, int Shed, int Unanswered);

/// <summary>
/// Many connections to one port, opened at once and held open until disposed: a connection storm. Each then
/// sends one keep-alive request and reads one response, so the connections the server answered stay open and
/// keep holding its descriptors.
/// </summary>
internal sealed class ConnectionStorm : IDisposable
{
    private readonly List<Socket> _sockets;

    private ConnectionStorm(List<Socket> sockets) => _sockets = sockets;

    /// <summary>Connects <paramref name="count"/> sockets to 127.0.0.1:<paramref name="port"/> at once; a connection refused counts as shed.</summary>
    public static async Task<ConnectionStorm> OpenAsync(int port, int count)
    {
        using var timeout = new CancellationTokenSource(RunningUvnet.Bound);
        var sockets = Enumerable.Range(0, count).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList();
        await Task.WhenAll(sockets.Select(async s =>
        {
            try
            {
                await s.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            }
            catch (SocketException)
            {
                // Refused or reset: left unconnected, and counted as shed by RequestAsync.
            }
        }));
        return new ConnectionStorm(sockets);
    }

    /// <summary>Sends <paramref name="request"/> on every connection and waits, up to <paramref name="bound"/>, for each one's response or end.</summary>
    public async Task<StormOutcome> RequestAsync(string request, TimeSpan bound)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(request);
        using var timeout = new CancellationTokenSource(bound);
        var answers = await Task.WhenAll(_sockets.Select(s => ExchangeAsync(s, bytes, timeout.Token)));
        return new StormOutcome(
            answers.OfType<byte[]>().Where(a => a.Length > 0).ToList(),
            answers.Count(a => a is { Length: 0 }),
            answers.Count(a => a is null));
    }

    /// <summary>The response's bytes; empty when the server closed or reset the connection first; null when the bound ran out.</summary>
    private static async Task<byte[]?> ExchangeAsync(Socket socket, byte[] request, CancellationToken cancel)
    {
        if (!socket.Connected)
            return [];
        var received = new MemoryStream();
        try
        {
            await socket.SendAsync(request, cancel);
            var buffer = new byte[4096];
            while (!IsComplete(received))
            {
                int n = await socket.ReceiveAsync(buffer, cancel);
                if (n == 0)
                    break;
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
        }
        catch (OperationCanceledException)
        {
            return received.Length == 0 ? null : received.ToArray();
        }
        return received.ToArray();
    }

    /// <summary>Whether <paramref name="received"/> holds a whole response head and the body its Content-Length announces.</summary>
    private static bool IsComplete(MemoryStream received)
    {
        var bytes = received.GetBuffer().AsSpan(0, (int)received.Length);
        int end = bytes.IndexOf("\r\n\r\n"u8);
        if (end < 0)
            return false;
        string head = Encoding.Latin1.GetString(bytes[..end]);
        const string field = "\r\ncontent-length:";
        int at = head.IndexOf(field, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
            return true; // no body (the tests' responses always carry a length when they have one)
        int lineEnd = head.IndexOf('\r', at + field.Length);
        string value = lineEnd < 0 ? head[(at + field.Length)..] : head[(at + field.Length)..lineEnd];
        return bytes.Length >= end + 4 + int.Parse(value.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Closes every connection.</summary>
    public void Dispose() => _sockets.ForEach(s => s.Dispose());
}
