using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>One response read off a stream: its status, whether it said <c>Connection: close</c>, its body's length.</summary>
internal readonly record struct StreamedResponse(int Status, bool SaysClose, long BodyLength);

/// <summary>
/// Reads responses framed by Content-Length one after another from a socket, counting body bytes rather than
/// holding them (downloads may be large), and tells a clean end between responses from one cut inside a response.
/// </summary>
internal sealed class ResponseStream(Socket socket)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    /// <summary>The bytes received so far (the first shows the server has taken the request in).</summary>
    public long Received { get; private set; }

    /// <summary>Waits until at least one byte has arrived, without consuming it.</summary>
    public async Task WaitForFirstByteAsync()
    {
        if (_end == _start && !await FillAsync())
            Assert.Fail("the connection ended before any response");
    }

    /// <summary>
    /// The next response, complete; null when the connection ends (a FIN, or a reset) before its first byte. A
    /// connection that ends inside a response fails the test: that response was cut short.
    /// </summary>
    public async Task<StreamedResponse?> NextAsync()
    {
        if (_end == _start && !await FillAsync())
            return null;
        string head = await ReadHeadAsync();
        string[] lines = head.Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        long length = 0;
        bool close = false;
        foreach (string line in lines.Skip(1))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                length = long.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            else if (line.Equals("Connection: close", StringComparison.OrdinalIgnoreCase))
                close = true;
        }
        for (long left = length; left > 0;)
        {
            if (_end == _start && !await FillAsync())
                Assert.Fail($"a {status} response was cut short: {length - left} of {length} body bytes");
            int take = (int)Math.Min(left, _end - _start);
            _start += take;
            left -= take;
        }
        return new StreamedResponse(status, close, length);
    }

    private async Task<string> ReadHeadAsync()
    {
        var head = new StringBuilder();
        while (true)
        {
            int at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (at >= 0)
            {
                head.Append(Encoding.Latin1.GetString(_buffer, _start, at));
                _start += at + 4;
                return head.ToString();
            }
            // Keep the last three bytes: the blank line may straddle two reads.
            int keep = Math.Min(3, _end - _start);
            head.Append(Encoding.Latin1.GetString(_buffer, _start, _end - _start - keep));
            _start = _end - keep;
            if (!await FillAsync())
                Assert.Fail($"a response head was cut short: {head}");
        }
    }

    /// <summary>Reads more; false at the end of the stream (a reset counts as an end).</summary>
    private async Task<bool> FillAsync()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        int n;
        try
        {
            n = await socket.ReceiveAsync(_buffer.AsMemory(_end)).AsTask().WaitAsync(RunningUvnet.Bound);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return false;
        }
        _end += n;
        Received += n;
        return n > 0;
    }
}
