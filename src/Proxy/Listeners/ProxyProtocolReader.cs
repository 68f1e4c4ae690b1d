using Uvnet.Net;

namespace Uvnet.Proxy.Listeners;

/// <summary>
/// Reads a connection's PROXY protocol header ahead of everything else (TLS too), then hands the socket back with the
/// bytes that followed it: from then on reads cost nothing more. A header split across reads is held until whole (at
/// most its known length); one that is malformed, too long, or missing (the peer ends first) closes the connection.
/// </summary>
internal sealed class ProxyProtocolReader(ProxyConnection connection) : SocketPreamble
{
    private byte[]? _held;
    private int _heldCount;

    internal override void OnRead(Socket socket, int nread, Memory<byte> buffer)
    {
        if (nread == 0)
            return;
        if (nread < 0)
        {
            socket.Destroy(); // the peer ended or failed before its header was whole: nothing of it is served
            return;
        }
        int before = _heldCount;
        int length = Parse(buffer.Span[..nread], out ProxyProtocolHeader? header);
        if (length < 0)
        {
            socket.Destroy();
            return;
        }
        if (length == 0)
            return; // held until the rest comes
        _held = null;
        connection.Proxied(header!);
        int used = length - before; // of this read's bytes: the rest are the client's own
        socket.EndPreamble(nread - used, buffer[used..nread]);
    }

    /// <summary>
    /// Reads the header from what was held and <paramref name="read"/>; while it is incomplete, keeps the bytes in a
    /// store as large as the header is known to be (grown once version 2's length is read).
    /// </summary>
    private int Parse(ReadOnlySpan<byte> read, out ProxyProtocolHeader? header)
    {
        int needed, length;
        if (_held is null)
        {
            length = ProxyProtocolParser.TryParse(read, out header, out needed);
            if (length == 0)
            {
                _held = new byte[needed]; // never less than what came: a read as long as the header's bound ends it
                read.CopyTo(_held);
                _heldCount = read.Length;
            }
            return length;
        }
        while (true)
        {
            int take = Math.Min(read.Length, _held.Length - _heldCount);
            read[..take].CopyTo(_held.AsSpan(_heldCount));
            _heldCount += take;
            read = read[take..];
            length = ProxyProtocolParser.TryParse(_held.AsSpan(0, _heldCount), out header, out needed);
            if (length != 0 || read.IsEmpty)
                return length;
            Array.Resize(ref _held, needed); // the store was full and the header is longer: its length is known now
        }
    }
}
