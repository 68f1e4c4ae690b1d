using System.Net;

namespace Uvnet.Tests.Udp;

/// <summary>A received datagram, copied out of the callback's buffer.</summary>
internal sealed record Datagram(int NRead, byte[] Data, IPEndPoint? Sender, UdpRecvFlags Flags);

/// <summary>Binds UDP handles on loopback and records what they receive.</summary>
internal static class UdpTestKit
{
    internal static readonly IPEndPoint AnyLoopback4 = new(IPAddress.Loopback, 0);
    internal static readonly IPEndPoint AnyLoopback6 = new(IPAddress.IPv6Loopback, 0);

    /// <summary>A handle bound to a free port of <paramref name="endpoint"/>'s address (asserted).</summary>
    internal static UdpHandle Bound(Loop loop, IPEndPoint? endpoint = null, UdpBindFlags flags = UdpBindFlags.None)
    {
        var handle = new UdpHandle(loop);
        Assert.Equal(0, handle.Bind(endpoint ?? AnyLoopback4, flags));
        return handle;
    }

    /// <summary>Starts receiving on <paramref name="handle"/>, adding each datagram (and each error) to the list returned; EAGAIN's empty callbacks are left out.</summary>
    internal static List<Datagram> Record(UdpHandle handle, UdpAllocCallback? alloc = null)
    {
        var received = new List<Datagram>();
        Assert.Equal(0, handle.ReceiveStart(alloc, (_, n, buffer, sender, flags) =>
        {
            if (n == 0 && sender is null)
                return;
            received.Add(new Datagram(n, n > 0 ? buffer.Span[..n].ToArray() : [], sender, flags));
        }));
        return received;
    }

    /// <summary>Two bound handles, each recording what it receives (<see cref="Record"/>): destinations for one client's sends.</summary>
    internal static (UdpHandle First, UdpHandle Second, List<Datagram> AtFirst, List<Datagram> AtSecond) TwoRecording(Loop loop)
    {
        UdpHandle first = Bound(loop), second = Bound(loop);
        return (first, second, Record(first), Record(second));
    }

    internal static byte[] Bytes(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    internal static string Text(Datagram d) => System.Text.Encoding.ASCII.GetString(d.Data);
}
