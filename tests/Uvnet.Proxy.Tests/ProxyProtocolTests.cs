using System.Buffers.Binary;
using System.Net;
using System.Text;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Listeners;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// The PROXY protocol on a listener (HAProxy's proxy-protocol.txt, versions 1 and 2; the cases of envoy's
/// proxy_protocol_test.cc and nginx's ngx_proxy_protocol.c checks): the bytes on the wire, the client they name, and
/// every malformed, missing or spoofed header closing the connection before anything reaches an upstream.
/// </summary>
public sealed class ProxyProtocolTests
{
    private const string Get = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    private static readonly ProxyListenerOptions s_on = new() { ProxyProtocol = true };

    private static (ProxyKit Kit, List<string?> Accepted) Start(ProxyListenerOptions? listener = null, ProxyCluster? cluster = null)
    {
        var kit = new ProxyKit();
        var accepted = new List<string?>();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [cluster ?? new ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{upstream}"] }],
            Routes = [new ProxyRoute { Cluster = "app" }],
            Filters = [new AcceptRecorder(accepted)],
        }, listener ?? s_on);
        return (kit, accepted);
    }

    private static RawClient Send(ProxyKit kit, params byte[][] pieces)
    {
        RawClient client = kit.Raw([.. pieces.SelectMany(p => p)]);
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);
        return client;
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void A_version_1_header_names_the_client_for_X_Forwarded_For_and_the_connection()
    {
        var (kit, accepted) = Start();
        using (kit)
        {
            RawClient client = Send(kit, Ascii("PROXY TCP4 203.0.113.7 198.51.100.1 56324 443\r\n" + Get));

            Assert.StartsWith("HTTP/1.1 200", client.Text);
            Assert.Equal("203.0.113.7", Assert.Single(kit.Seen).Header("X-Forwarded-For"));
            ProxyConnection connection = Assert.Single(kit.Finished).Connection;
            Assert.Equal(("203.0.113.7", 56324), (connection.ClientAddress, connection.ClientPort));
            Assert.Equal(1, connection.ProxyHeader!.Version);
            Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443), connection.ProxyHeader.Destination);
            Assert.Equal(["203.0.113.7"], accepted); // Accept runs once the header is read: its filters see the client
        }
    }

    [Fact]
    public void A_version_1_TCP6_header_names_an_IPv6_client()
    {
        var (kit, _) = Start();
        using (kit)
        {
            Send(kit, Ascii("PROXY TCP6 2001:db8::1 2001:db8::2 65535 0\r\n" + Get));

            Assert.Equal("2001:db8::1", Assert.Single(kit.Seen).Header("X-Forwarded-For"));
            Assert.Equal(65535, kit.Finished[0].Connection.ClientPort);
        }
    }

    [Fact]
    public void A_version_1_UNKNOWN_header_leaves_the_connection_s_own_address()
    {
        var (kit, _) = Start();
        using (kit)
        {
            Send(kit, Ascii("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n" + Get));

            Assert.Equal("127.0.0.1", Assert.Single(kit.Seen).Header("X-Forwarded-For")?.Replace("::ffff:", ""));
            Assert.Null(kit.Finished[0].Connection.ProxyHeader!.Source);
        }
    }

    [Fact]
    public void A_version_2_header_with_TLVs_and_a_right_CRC32c_names_the_client_and_keeps_its_TLVs()
    {
        var (kit, _) = Start();
        using (kit)
        {
            byte[] header = V2(0x21, 0x11, Tcp4("192.0.2.9", 40000, "192.0.2.1", 80),
                (0x01, Ascii("h2")), (0x02, Ascii("example.com")), (0x04, new byte[300]), (0x03, new byte[4]));
            SealCrc32c(header);

            RawClient client = Send(kit, header, Ascii(Get));

            Assert.StartsWith("HTTP/1.1 200", client.Text);
            Assert.Equal("192.0.2.9", Assert.Single(kit.Seen).Header("X-Forwarded-For"));
            ProxyProtocolHeader proxied = kit.Finished[0].Connection.ProxyHeader!;
            Assert.Equal((2, false), (proxied.Version, proxied.Local));
            Assert.Equal([0x01, 0x02, 0x04, 0x03], proxied.Tlvs.Select(t => t.Type));
            Assert.Equal("example.com", Encoding.ASCII.GetString(proxied.Tlvs[1].Value.Span));
        }
    }

    [Fact]
    public void A_version_2_TCP6_header_names_an_IPv6_client()
    {
        var (kit, _) = Start();
        using (kit)
        {
            byte[] addresses = new byte[36];
            IPAddress.Parse("2001:db8::7").TryWriteBytes(addresses, out _);
            IPAddress.Parse("2001:db8::1").TryWriteBytes(addresses.AsSpan(16), out _);
            BinaryPrimitives.WriteUInt16BigEndian(addresses.AsSpan(32), 1234);
            BinaryPrimitives.WriteUInt16BigEndian(addresses.AsSpan(34), 443);

            Send(kit, V2(0x21, 0x21, addresses), Ascii(Get));

            Assert.Equal("2001:db8::7", Assert.Single(kit.Seen).Header("X-Forwarded-For"));
            Assert.Equal(1234, kit.Finished[0].Connection.ClientPort);
        }
    }

    [Fact]
    public void A_version_2_LOCAL_header_leaves_the_connection_s_own_address_whatever_its_block_says()
    {
        var (kit, _) = Start();
        using (kit)
        {
            Send(kit, V2(0x20, 0x11, Tcp4("192.0.2.9", 1, "192.0.2.1", 2)), Ascii(Get));

            Assert.Equal("127.0.0.1", Assert.Single(kit.Seen).Header("X-Forwarded-For")?.Replace("::ffff:", ""));
            Assert.True(kit.Finished[0].Connection.ProxyHeader!.Local);
        }
    }

    public static TheoryData<string, byte[]> Malformed() => new()
    {
        { "no header at all", Ascii(Get) },
        { "LF without CR", Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n") },
        { "a lower-case keyword", Ascii("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n") },
        { "two spaces", Ascii("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n") },
        { "a sixth field", Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n") },
        { "a missing port", Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n") },
        { "an unknown protocol", Ascii("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n") },
        { "an octet over 255", Ascii("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n") },
        { "a short IPv4 form", Ascii("PROXY TCP4 127.1 5.6.7.8 1 2\r\n") },
        { "an octet with a leading zero", Ascii("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n") },
        { "a port over 65535", Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n") },
        { "a port with a leading zero", Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n") },
        { "a negative port", Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n") },
        { "an IPv6 address under TCP4", Ascii("PROXY TCP4 ::1 ::1 1 2\r\n") },
        { "an IPv4 address under TCP6", Ascii("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n") },
        { "a line past 107 bytes", Ascii("PROXY UNKNOWN " + new string('x', 100) + "\r\n") },
        { "version 2 announcing version 3", V2(0x31, 0x11, new byte[12]) },
        { "version 2 with command 2", V2(0x22, 0x11, new byte[12]) },
        { "version 2 over UDP", V2(0x21, 0x12, new byte[12]) },
        { "version 2 with an unknown family", V2(0x21, 0x41, new byte[12]) },
        { "version 2 with a block shorter than its family's addresses", V2(0x21, 0x11, new byte[8]) },
        { "version 2 with a length past its bound", V2(0x21, 0x11, new byte[4096]) },
        { "version 2 with a TLV running past the end", [.. V2(0x21, 0x11, [.. new byte[12], 0x02, 0x00, 0x09, 0x41]) ] },
        { "version 2 with a TLV cut in its header", V2(0x21, 0x11, [.. new byte[12], 0x02, 0x00]) },
        { "version 2 with a wrong CRC32c", V2(0x21, 0x11, Tcp4("192.0.2.9", 1, "192.0.2.1", 2), (0x03, [1, 2, 3, 4])) },
        { "version 2 with a CRC32c of 3 bytes", V2(0x21, 0x11, Tcp4("192.0.2.9", 1, "192.0.2.1", 2), (0x03, [1, 2, 3])) },
        { "a broken version 2 signature", [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x55, 0x0A, 0x21, 0x11, 0, 12, .. new byte[12]] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_or_missing_header_closes_the_connection_before_anything_reaches_the_upstream(string why, byte[] header)
    {
        var (kit, accepted) = Start();
        using (kit)
        {
            RawClient client = Send(kit, header, Ascii(Get));

            Assert.True(client.Text == "", why);
            Assert.Empty(kit.Seen);
            Assert.Empty(accepted);
        }
    }

    [Fact]
    public void A_client_that_ends_before_its_header_is_whole_is_closed()
    {
        var (kit, accepted) = Start();
        using (kit)
        {
            RawClient client = kit.Raw("PROXY TCP4 1.2.3.4");
            client.Socket!.End();
            LoopDriver.RunUntil(kit.Loop, () => client.Closed);

            Assert.Equal("", client.Text);
            Assert.Empty(accepted);
        }
    }

    [Fact]
    public void A_header_split_across_reads_anywhere_is_read_whole_from_a_lent_buffer()
    {
        // Each split point in the header, fed to the connection's reader as two reads, the request's bytes following
        // in the second (once the header is whole the reader is done: later reads go to the socket, not to it).
        byte[] v2 = V2(0x21, 0x11, Tcp4("192.0.2.9", 40000, "192.0.2.1", 80), (0x02, Ascii("example.com")), (0x03, new byte[4]));
        SealCrc32c(v2);
        foreach (byte[] header in new[] { Ascii("PROXY TCP4 203.0.113.7 198.51.100.1 56324 443\r\n"), v2 })
        {
            byte[] wire = [.. header, .. Ascii(Get)];
            foreach (int split in new[] { 1, 5, 6, 12, 13, 15, 16, 17, 30, header.Length - 1 })
            {
                var (kit, _) = Start();
                using (kit)
                {
                    Socket? accepted = null;
                    kit.Proxy!.Server.Connection += s => accepted = s;
                    RawClient client = kit.Raw([]); // sends nothing itself: the test is its reads
                    LoopDriver.RunUntil(kit.Loop, () => accepted is not null);
                    var reader = new ProxyProtocolReader((ProxyConnection)accepted!.UserData!);

                    // One buffer for both reads, scribbled over after each, as the loop lends and refills its read
                    // buffer: a reader that kept a span of it past the callback would read garbage as the header.
                    byte[] lent = new byte[wire.Length];
                    wire.AsSpan(0, split).CopyTo(lent);
                    reader.OnRead(accepted, split, lent);
                    lent.AsSpan().Fill(0xFF);
                    Assert.Empty(kit.Seen);
                    wire.AsSpan(split).CopyTo(lent);
                    reader.OnRead(accepted, wire.Length - split, lent);
                    lent.AsSpan().Fill(0xFF);
                    LoopDriver.RunUntil(kit.Loop, () => client.Closed);

                    Assert.StartsWith("HTTP/1.1 200", client.Text);
                    Assert.Equal(header[0] == 'P' ? "203.0.113.7" : "192.0.2.9", Assert.Single(kit.Seen).Header("X-Forwarded-For"));
                }
            }
        }
    }

    [Fact]
    public void A_version_2_header_arriving_a_byte_at_a_time_is_read_whole()
    {
        var (kit, _) = Start();
        using (kit)
        {
            Socket? accepted = null;
            kit.Proxy!.Server.Connection += s => accepted = s;
            RawClient client = kit.Raw([]);
            LoopDriver.RunUntil(kit.Loop, () => accepted is not null);
            var reader = new ProxyProtocolReader((ProxyConnection)accepted!.UserData!);
            byte[] header = V2(0x21, 0x11, Tcp4("192.0.2.9", 1, "192.0.2.1", 2), (0x04, new byte[200]));

            for (int i = 0; i < header.Length - 1; i++)
                reader.OnRead(accepted, 1, header.AsSpan(i, 1).ToArray());
            byte[] last = [header[^1], .. Ascii(Get)]; // the header's last byte, and the request after it
            reader.OnRead(accepted, last.Length, last);
            LoopDriver.RunUntil(kit.Loop, () => client.Closed);

            Assert.StartsWith("HTTP/1.1 200", client.Text);
        }
    }

    [Fact]
    public void Without_the_PROXY_protocol_a_client_s_PROXY_line_is_a_bad_request_and_its_address_is_not_believed()
    {
        var (kit, _) = Start(new ProxyListenerOptions());
        using (kit)
        {
            RawClient spoofed = Send(kit, Ascii("PROXY TCP4 203.0.113.7 198.51.100.1 56324 443\r\n" + Get));
            Assert.StartsWith("HTTP/1.1 400", spoofed.Text);
            Assert.Empty(kit.Seen);

            Send(kit, Ascii("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n"));
            Assert.Equal("203.0.113.7, 127.0.0.1", Assert.Single(kit.Seen).Header("X-Forwarded-For")?.Replace("::ffff:", ""));
        }
    }

    [Fact]
    public void With_the_PROXY_protocol_a_client_s_own_X_Forwarded_For_stays_left_of_the_address_the_header_gives()
    {
        var (kit, _) = Start();
        using (kit)
        {
            Send(kit, Ascii("PROXY TCP4 203.0.113.7 198.51.100.1 56324 443\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.9.9.9\r\nConnection: close\r\n\r\n"));

            Assert.Equal("10.9.9.9, 203.0.113.7", Assert.Single(kit.Seen).Header("X-Forwarded-For"));
        }
    }

    [Fact]
    public void A_second_PROXY_header_on_the_same_connection_is_a_bad_request()
    {
        var (kit, _) = Start();
        using (kit)
        {
            RawClient client = Send(kit, Ascii("PROXY TCP4 203.0.113.7 198.51.100.1 1 2\r\nPROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n" + Get));

            Assert.StartsWith("HTTP/1.1 400", client.Text);
            Assert.Empty(kit.Seen);
        }
    }

    [Fact]
    public void Hashing_on_the_client_uses_the_address_the_header_gives()
    {
        // From one socket address every request would go to one destination; the header's addresses spread them.
        var kit = new ProxyKit();
        using (kit)
        {
            int a = kit.StartUpstream((_, res) => res.End("a"));
            int b = kit.StartUpstream((_, res) => res.End("b"));
            kit.StartProxy(new ProxyOptions
            {
                Clusters = [new ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{a}", $"127.0.0.1:{b}"], LoadBalancing = LoadBalancing.ConsistentHash, HashOn = "client" }],
                Routes = [new ProxyRoute { Cluster = "app" }],
            }, s_on);
            var answers = new Dictionary<string, string>();
            for (int i = 1; i <= 16; i++)
            {
                string body = Send(kit, Ascii($"PROXY TCP4 10.0.0.{i} 10.0.1.1 1000 80\r\n" + Get)).Text;
                answers[$"10.0.0.{i}"] = body[^1..];
            }
            string again = Send(kit, Ascii("PROXY TCP4 10.0.0.5 10.0.1.1 2000 80\r\n" + Get)).Text;

            Assert.Equal(2, answers.Values.Distinct().Count());
            Assert.Equal(answers["10.0.0.5"], again[^1..]); // the same client, from another port: the same destination
        }
    }

    [Fact]
    public void Closing_the_proxy_closes_a_connection_still_waiting_for_its_header()
    {
        var (kit, accepted) = Start();
        using (kit)
        {
            RawClient client = kit.Raw("PROXY TCP4 1.2");
            LoopDriver.RunUntil(kit.Loop, () => kit.Proxy!.Server.ConnectionCount == 1);

            kit.Proxy!.Close();
            LoopDriver.RunUntil(kit.Loop, () => client.Closed);

            Assert.Empty(accepted);
        }
    }

    [Fact]
    public void A_client_that_never_sends_its_header_is_closed_by_the_headers_timeout()
    {
        // nginx's client_header_timeout covers the PROXY header on an http listener; here the server's HeadersTimeout,
        // which counts from the connection's start: a header that never ends cannot hold a connection.
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        using var proxy = new ProxyServer(kit.Loop, ProxyKit.Simple(null, null, upstream),
            new Http.Server.HttpServerOptions { ServerHeader = null, HeadersTimeout = 100, RequestTimeout = 200, ConnectionsCheckingInterval = 20 }, listener: s_on);
        proxy.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(kit.Loop, () => proxy.Port > 0);
        Socket socket = Net.Net.CreateConnection(kit.Loop, proxy.Port, "127.0.0.1");
        bool closed = false;
        socket.Error += (_, _) => { };
        socket.Closed += (_, _) => closed = true;
        socket.Write("PROXY TCP4 1.2"u8.ToArray()); // and nothing more
        var got = new StringBuilder();
        socket.Data += (_, d) => got.Append(Encoding.Latin1.GetString(d));

        LoopDriver.RunUntil(kit.Loop, () => closed && proxy.Server.ConnectionCount == 0);

        Assert.StartsWith("HTTP/1.1 408", got.ToString()); // as any connection silent past the timeout
        Assert.Empty(kit.Seen);
    }

    [Fact]
    public void ConnectionFinished_runs_only_for_a_connection_whose_Accept_ran()
    {
        // A filter pairing Accept and ConnectionFinished (an open-connections gauge) stays balanced when headers fail.
        using var kit = new ProxyKit();
        var points = new List<HookPoint>();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(ProxyKit.Simple([new DelegateFilter(HookPoint.Accept, _ => { points.Add(HookPoint.Accept); return HookResult.Continue; }),
            new DelegateFilter(HookPoint.ConnectionFinished, _ => { points.Add(HookPoint.ConnectionFinished); return HookResult.Continue; })], null, upstream), s_on);

        Send(kit, Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n" + Get));
        Send(kit, Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n" + Get));
        LoopDriver.RunUntil(kit.Loop, () => points.Count == 2);

        Assert.Equal([HookPoint.Accept, HookPoint.ConnectionFinished], points);
    }

    [Fact]
    public void An_Accept_filter_closing_the_named_client_drops_the_bytes_that_followed_the_header()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(ProxyKit.Simple([new DelegateFilter(HookPoint.Accept, e => e.Connection.ClientAddress == "203.0.113.66" ? HookResult.Close : HookResult.Continue)], null, upstream), s_on);

        RawClient denied = Send(kit, Ascii("PROXY TCP4 203.0.113.66 5.6.7.8 1 2\r\n" + Get));
        RawClient allowed = Send(kit, Ascii("PROXY TCP4 203.0.113.67 5.6.7.8 1 2\r\n" + Get));

        Assert.Equal("", denied.Text);
        Assert.StartsWith("HTTP/1.1 200", allowed.Text);
        Assert.Equal("203.0.113.67", Assert.Single(kit.Seen).Header("X-Forwarded-For"));
    }

    /// <summary>A version 2 header: the signature, version 2 with <paramref name="versionCommand"/>'s command, the family, the length, the block and TLVs.</summary>
    internal static byte[] V2(byte versionCommand, byte family, byte[] addresses, params (byte Type, byte[] Value)[] tlvs)
    {
        byte[] tail = [.. addresses, .. tlvs.SelectMany(t => (byte[])[t.Type, (byte)(t.Value.Length >> 8), (byte)t.Value.Length, .. t.Value])];
        return [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, versionCommand, family, (byte)(tail.Length >> 8), (byte)tail.Length, .. tail];
    }

    internal static byte[] Tcp4(string source, int sourcePort, string destination, int destinationPort)
    {
        byte[] block = new byte[12];
        IPAddress.Parse(source).TryWriteBytes(block, out _);
        IPAddress.Parse(destination).TryWriteBytes(block.AsSpan(4), out _);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(8), (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(10), (ushort)destinationPort);
        return block;
    }

    /// <summary>Writes the CRC32c of <paramref name="header"/> into its last 4 bytes (its last TLV's, zeros until then), bit by bit as RFC 3720's reference.</summary>
    private static void SealCrc32c(byte[] header)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in header)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(header.Length - 4), ~crc);
    }

    private sealed class AcceptRecorder(List<string?> accepted) : ProxyFilter
    {
        public override HookResult OnAccept(ProxyExchange exchange)
        {
            accepted.Add(exchange.Connection.ClientAddress);
            return HookResult.Continue;
        }
    }
}
