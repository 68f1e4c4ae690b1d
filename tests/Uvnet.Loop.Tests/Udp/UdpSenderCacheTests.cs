using System.Net;
using Uvnet.Interop;

namespace Uvnet.Tests.Udp;

/// <summary>The receive path's sender cache: each peer's endpoint handed out again, however many peers there are up to its size.</summary>
public sealed class UdpSenderCacheTests
{
    private static byte[] Raw(IPEndPoint endPoint)
    {
        var raw = new byte[SockAddr.MaxSize];
        int length = SockAddr.Write(endPoint, raw);
        return raw.AsSpan(0, length).ToArray();
    }

    // Sixteen peers in 64 fixed slots with four probes took turns now and then, by the luck of their ports (CI saw a
    // 16-peer echo allocate 225 KB over 10,000 round trips); a thousand peers always did.
    [Theory]
    [InlineData(16)]
    [InlineData(1000)]
    public void Every_peer_gets_its_first_endpoint_back(int peers)
    {
        var cache = new UdpSenderCache();
        var addresses = new byte[peers][];
        var first = new IPEndPoint[peers];
        for (int i = 0; i < peers; i++)
        {
            addresses[i] = Raw(new IPEndPoint(IPAddress.Loopback, 20000 + i));
            first[i] = cache.Find(addresses[i])!;
            Assert.Equal(20000 + i, first[i].Port);
        }
        for (int round = 0; round < 3; round++)
            for (int i = 0; i < peers; i++)
                Assert.Same(first[i], cache.Find(addresses[i]));
    }

    [Fact]
    public void IPv6_peers_are_told_apart_by_address_and_port()
    {
        var cache = new UdpSenderCache();
        var a = new IPEndPoint(IPAddress.IPv6Loopback, 5000);
        var b = new IPEndPoint(IPAddress.Parse("fe80::1"), 5000);
        IPEndPoint foundA = cache.Find(Raw(a))!, foundB = cache.Find(Raw(b))!;
        Assert.Equal(a, foundA);
        Assert.Equal(b, foundB);
        Assert.Same(foundA, cache.Find(Raw(a)));
    }

    [Fact]
    public void An_endpoint_changed_by_its_holder_is_not_handed_out_again()
    {
        var cache = new UdpSenderCache();
        byte[] raw = Raw(new IPEndPoint(IPAddress.Loopback, 7000));
        IPEndPoint first = cache.Find(raw)!;
        first.Port = 7001;
        IPEndPoint second = cache.Find(raw)!;
        Assert.NotSame(first, second);
        Assert.Equal(7000, second.Port);
        Assert.Same(second, cache.Find(raw));
    }

    // Past the table's largest size a newcomer takes a slot in turn: every peer is still answered with its own address.
    [Fact]
    public void More_peers_than_the_table_holds_still_get_their_own_addresses()
    {
        var cache = new UdpSenderCache();
        for (int round = 0; round < 2; round++)
            for (int i = 0; i < 10000; i++)
            {
                var endPoint = new IPEndPoint(new IPAddress(new byte[] { 10, 0, (byte)(i >> 8), (byte)i }), 9000);
                Assert.Equal(endPoint, cache.Find(Raw(endPoint)));
            }
    }

    // The count of evictions wraps on a busy server (hours of new peers); a newcomer placed then is found again.
    [Fact]
    public void A_sender_placed_as_the_eviction_count_wraps_is_found_again()
    {
        var cache = new UdpSenderCache();
        for (int i = 0; i < 10000; i++)
            cache.Find(Raw(new IPEndPoint(new IPAddress(new byte[] { 10, 1, (byte)(i >> 8), (byte)i }), 9000)));
        typeof(UdpSenderCache).GetField("_evictions", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .SetValue(cache, uint.MaxValue);
        byte[] newcomer = Raw(new IPEndPoint(IPAddress.Loopback, 1234));
        IPEndPoint first = cache.Find(newcomer)!;
        Assert.Same(first, cache.Find(newcomer));
    }
}
