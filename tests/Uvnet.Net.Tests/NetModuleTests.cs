namespace Uvnet.Net.Tests;

/// <summary>
/// The <see cref="Net"/> functions, after Node's test-net-connect-options-port, test-net-create-connection,
/// test-net-isip, test-net-isipv4 and test-net-isipv6.
/// </summary>
public class NetModuleTests
{
    [Fact]
    public void Create_server_and_create_connection_echo_as_in_Node()
    {
        var loop = new Loop();
        var server = Net.CreateServer(loop, NetTestKit.Echo);
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        Socket? client = null;
        client = Net.CreateConnection(loop, server.Port, "127.0.0.1", () => client!.Write("created"));
        var got = NetTestKit.Collect(client);
        LoopDriver.RunUntil(loop, () => got.ToString() == "created");
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Connect_is_create_connection_and_defaults_to_localhost()
    {
        var loop = new Loop();
        var server = Net.CreateServer(loop, new ServerOptions { AllowHalfOpen = true }, NetTestKit.Echo);
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        int connected = 0;
        var byPort = Net.Connect(loop, server.Port, () => connected++);
        var byHost = Net.Connect(loop, server.Port, "127.0.0.1", () => connected++);
        var created = Net.CreateConnection(loop, server.Port, () => connected++);
        LoopDriver.RunUntil(loop, () => connected == 3);
        Assert.Equal(SocketReadyState.Open, byPort.ReadyState);
        foreach (var s in new[] { byPort, byHost, created })
            s.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Create_connection_and_connect_take_a_unix_path()
    {
        var loop = new Loop();
        string path = Path.Combine(Path.GetTempPath(), $"uvnet-netmod-{Guid.NewGuid():N}.sock");
        try
        {
            var server = Net.CreateServer(loop, NetTestKit.Echo);
            bool listening = false;
            server.Listen(path, () => listening = true);
            LoopDriver.RunUntil(loop, () => listening);
            int connected = 0;
            var a = Net.CreateConnection(loop, path, () => connected++);
            var b = Net.Connect(loop, path, () => connected++);
            LoopDriver.RunUntil(loop, () => connected == 2);
            a.Destroy();
            b.Destroy();
            server.Close();
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Create_connection_refuses_a_bad_port_without_leaving_a_handle()
    {
        var loop = new Loop();
        Assert.Throws<ArgumentOutOfRangeException>(() => Net.CreateConnection(loop, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Net.Connect(loop, 65536, "127.0.0.1"));
        LoopDriver.AssertNothingLeft(loop);
    }

    // test-net-connect-options-allowhalfopen: the client stays writable after the server ends.
    [Fact]
    public void Create_connection_with_options_applies_allow_half_open()
    {
        var loop = new Loop();
        Socket? peer = null;
        var server = NetTestKit.ListeningServer(loop, p => peer = p);
        bool ended = false;
        var client = Net.Connect(loop, new ConnectOptions { Port = server.Port, Host = "127.0.0.1", AllowHalfOpen = true, NoDelay = true });
        client.Ended += _ => ended = true;
        LoopDriver.RunUntil(loop, () => peer is not null);
        var got = NetTestKit.Collect(peer!);
        peer!.End();
        LoopDriver.RunUntil(loop, () => ended);
        Assert.False(client.WritableEnded); // half open: our side is still ours to end
        client.Write("after the peer's end");
        client.End();
        LoopDriver.RunUntil(loop, () => got.ToString() == "after the peer's end");
        LoopDriver.RunUntil(loop, () => server.ConnectionCount == 0 && client.Destroyed);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Connect_options_with_neither_or_both_a_port_and_a_path_are_refused()
    {
        var loop = new Loop();
        Assert.Throws<ArgumentException>(() => Net.CreateConnection(loop, new ConnectOptions()));
        Assert.Throws<ArgumentException>(() => Net.CreateConnection(loop, new ConnectOptions { Port = 1, Path = "/tmp/x.sock" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Net.CreateConnection(loop, new ConnectOptions { Port = 1, Timeout = -1 }));
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Connect_options_with_an_empty_path_are_refused_without_leaving_a_timer()
    {
        var loop = new Loop();
        Assert.Throws<ArgumentException>(() => Net.CreateConnection(loop, new ConnectOptions { Path = "", Timeout = 60_000 }));
        LoopDriver.AssertNothingLeft(loop);
    }

    // test-net-isip
    [Theory]
    [InlineData("127.0.0.1", 4)]
    [InlineData("x127.0.0.1", 0)]
    [InlineData("example.com", 0)]
    [InlineData("0000:0000:0000:0000:0000:0000:0000:0000", 6)]
    [InlineData("0000:0000:0000:0000:0000:0000:0000:0000::0000", 0)]
    [InlineData("1050:0:0:0:5:600:300c:326b", 6)]
    [InlineData("2001:252:0:1::2008:6", 6)]
    [InlineData("2001:dead:beef:1::2008:6", 6)]
    [InlineData("2001::", 6)]
    [InlineData("2001:dead::", 6)]
    [InlineData("2001:dead:beef::", 6)]
    [InlineData("2001:dead:beef:1::", 6)]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6)]
    [InlineData(":2001:252:0:1::2008:6:", 0)]
    [InlineData(":2001:252:0:1::2008:6", 0)]
    [InlineData("2001:252:0:1::2008:6:", 0)]
    [InlineData("2001:252::1::2008:6", 0)]
    [InlineData("::2001:252:1:2008:6", 6)]
    [InlineData("::2001:252:1:1.1.1.1", 6)]
    [InlineData("::2001:252:1:255.255.255.255", 6)]
    [InlineData("::2001:252:1:255.255.255.255.76", 0)]
    [InlineData("fe80::2008%eth0", 6)]
    [InlineData("fe80::2008%eth0.0", 6)]
    [InlineData("fe80::2008%eth0@1", 0)]
    [InlineData("::anything", 0)]
    [InlineData("::1", 6)]
    [InlineData("::", 6)]
    [InlineData("0000:0000:0000:0000:0000:0000:12345:0000", 0)]
    [InlineData("0", 0)]
    [InlineData("", 0)]
    [InlineData(null, 0)]
    public void Is_ip_names_the_version_as_Node(string? input, int version)
    {
        Assert.Equal(version, Net.IsIP(input));
        Assert.Equal(version == 4, Net.IsIPv4(input));
        Assert.Equal(version == 6, Net.IsIPv6(input));
    }

    // test-net-isipv4
    [Fact]
    public void Is_ipv4_takes_dotted_decimal_only()
    {
        string[] valid =
        [
            "0.0.0.0", "8.8.8.8", "127.0.0.1", "100.100.100.100", "192.168.0.1", "18.101.25.153", "123.23.34.2",
            "172.26.168.134", "212.58.241.131", "128.0.0.0", "23.71.254.72", "223.255.255.255", "192.0.2.235",
            "99.198.122.146", "46.51.197.88", "173.194.34.134",
        ];
        string[] invalid =
        [
            ".100.100.100.100", "100..100.100.100.", "100.100.100.100.", "999.999.999.999", "256.256.256.256",
            "256.100.100.100.100", "123.123.123", "http://123.123.123", "1000.2.3.4", "999.2.3.4",
            "0000000192.168.0.200", "192.168.0.2000000000",
        ];
        Assert.All(valid, ip => Assert.True(Net.IsIPv4(ip), ip));
        Assert.All(invalid, ip => Assert.False(Net.IsIPv4(ip), ip));
    }

    // test-net-isipv6
    [Fact]
    public void Is_ipv6_takes_every_form_Node_takes()
    {
        string[] valid =
        [
            "::", "1::", "::1", "1::8", "1::7:8", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6::8", "1:2:3:4:5:6:7::", "1:2:3:4:5::7:8",
            "1:2:3:4:5::8", "1:2:3::8", "1::4:5:6:7:8", "1::6:7:8", "1::3:4:5:6:7:8", "1:2:3:4::6:7:8", "1:2::4:5:6:7:8",
            "::2:3:4:5:6:7:8", "1:2::8", "2001:0000:1234:0000:0000:C1C0:ABCD:0876", "3ffe:0b00:0000:0000:0001:0000:0000:000a",
            "FF02:0000:0000:0000:0000:0000:0000:0001", "0000:0000:0000:0000:0000:0000:0000:0001", "::ffff:192.168.1.26",
            "2::10", "ff02::1", "fe80::", "2002::", "2001:db8::", "2001:0db8:1234::", "::ffff:0:0", "::ffff:192.168.1.1",
            "1:2:3:4::8", "1::2:3:4:5:6:7", "1::2:3", "::2:3:4:5:6:7", "::8", "1:2:3:4:5:6::", "1:2::", "1:2:3:4::7:8",
            "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5::1.2.3.4", "1:2:3:4::1.2.3.4", "1:2::1.2.3.4", "1::1.2.3.4",
            "1:2:3:4::5:1.2.3.4", "1::5:1.2.3.4", "1::5:11.22.33.44", "fe80::217:f2ff:254.7.237.98", "fe80::217:f2ff:fe07:ed62",
            "2001:DB8:0:0:8:800:200C:417A", "FF01::101", "0:0:0:0:0:0:13.1.68.3", "0:0:0:0:0:FFFF:129.144.52.38",
            "::13.1.68.3", "::FFFF:129.144.52.38", "fe80:0:0:0:204:61ff:254.157.241.86", "fe80::204:61ff:254.157.241.86",
            "2001:0db8:0000:0000:0000::1428:57ab", "::ffff:0c22:384e", "a:bb:ccc:dddd:000e:00f:0f::", "::a:b:c:d:e:f:f1",
            "a:b:c:d:e:f:f1::", "fe80::7:8%eth0", "fe80::7:8%1",
        ];
        string[] invalid =
        [
            "", "1:", ":1", "11:36:12", "02001:0000:1234:0000:0000:C1C0:ABCD:0876", "2001:0000:1234:0000:00001:C1C0:ABCD:0876",
            "2001:0000:1234: 0000:0000:C1C0:ABCD:0876", "2001:1:1:1:1:1:255Z255X255Y255", "3ffe:0b00:0000:0001:0000:0000:000a",
            "FF02:0000:0000:0000:0000:0000:0000:0000:0001", "3ffe:b00::1::a", "::1111:2222:3333:4444:5555:6666::",
            "1:2:3::4:5::7:8", "12345::6:7:8", "1::5:400.2.3.4", "1::5:256.2.3.4", "1::5:1.2.3.256", "1::3000.30.30.30",
            "::400.2.3.4", "::1.2.3.900", "2001:DB8:0:0:8:800:200C:417A:221", "FF01::101::2", "1111:2222:3333:4444::5555:",
            "::5555:", ":::", "1111:", ":", ":1111::5555", ":::5555", "1.2.3.4:1111:2222:3333:4444::5555", "1.2.3.4::5555",
            "1.2.3.4::", "fe80:0000:0000:0000:0204:61ff:254.157.241.086", "123", "ldkfj", "2001::FFD3::57ab",
            "2001:db8:85a3::8a2e:37023:7334", "2001:db8:85a3::8a2e:370k:7334", "1:2:3:4:5:6:7:8:9", "1::2::3", "1:::3:4:5",
            "1:2:3::4:5:6:7:8:9", "::ffff:2.3.4", "::ffff:257.1.2.3", "::ffff:12345678901234567890.1.26",
            "2001:0000:1234:0000:0000:C1C0:ABCD:0876 0",
        ];
        Assert.All(valid, ip => Assert.True(Net.IsIPv6(ip), ip));
        Assert.All(invalid, ip => Assert.False(Net.IsIPv6(ip), ip));
    }
}
