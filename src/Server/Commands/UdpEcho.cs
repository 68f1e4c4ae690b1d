using System.Buffers;
using System.Net;

namespace Uvnet.Server.Commands;

/// <summary>
/// One loop's UDP echo (<c>uvnet echo --udp</c>): a <see cref="UdpHandle"/> on the TCP echo's port, shared with the
/// other loops (<see cref="UdpBindFlags.SharePort"/>), sending each datagram back to its sender. Datagrams are read into
/// the loop's buffer and sent back at once, with no allocation; only when the socket is full is a datagram copied and
/// queued.
/// </summary>
internal sealed class UdpEcho
{
    private static readonly UdpRecvCallback s_onReceive = static (handle, nread, buffer, sender, _) => Echo(handle, nread, buffer, sender);

    private static readonly Action<UdpSendRequest, int> s_onQueuedSent = static (request, _) =>
        ArrayPool<byte>.Shared.Return((byte[])request.Data!);

    private readonly UdpHandle _handle;

    private UdpEcho(UdpHandle handle) => _handle = handle;

    /// <summary>Binds and starts echoing on <paramref name="port"/> of <paramref name="host"/> (read as the TCP listener reads it); a negative status when the bind fails.</summary>
    internal static int Start(Loop loop, string? host, int port, out UdpEcho? echo)
    {
        echo = null;
        // As Server.Listen reads --host: none is every interface, dual stack; localhost is 127.0.0.1.
        IPAddress address = host is null ? IPAddress.IPv6Any
            : host == "localhost" ? IPAddress.Loopback
            : IPAddress.Parse(host);
        var handle = new UdpHandle(loop);
        int status = handle.Bind(new IPEndPoint(address, port), UdpBindFlags.SharePort);
        if (status == 0)
            status = handle.ReceiveStart(s_onReceive);
        if (status < 0)
        {
            handle.Close();
            return status;
        }
        echo = new UdpEcho(handle);
        return 0;
    }

    /// <summary>Stops echoing: the handle closes (a queued echo is cancelled).</summary>
    internal void Stop()
    {
        if (!_handle.IsClosing)
            _handle.Close();
    }

    private static void Echo(UdpHandle handle, int nread, Memory<byte> buffer, IPEndPoint? sender)
    {
        // No sender: nothing more to read now, or an error (an ICMP unreachable from a client gone); the echo goes on.
        if (sender is null)
            return;
        ReadOnlySpan<byte> data = buffer.Span[..nread];
        if (handle.TrySend(data, sender) != UvError.EAGAIN)
            return; // sent, or failed as a datagram may: UDP echo gives no more guarantee than UDP
        // The socket is full: queue a copy, since the loop's buffer takes the next datagram.
        byte[] copy = ArrayPool<byte>.Shared.Rent(nread);
        data.CopyTo(copy);
        UdpSendRequest request = UdpSendRequest.Rent();
        request.Data = copy;
        if (handle.Send(request, [copy.AsMemory(0, nread)], sender, s_onQueuedSent) < 0)
            ArrayPool<byte>.Shared.Return(copy);
    }
}
