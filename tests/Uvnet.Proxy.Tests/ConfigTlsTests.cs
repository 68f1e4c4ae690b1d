using Uvnet.Proxy.Clusters;
using Uvnet.Tls;
using Uvnet.Tls.Tests;

namespace Uvnet.Proxy.Tests;

/// <summary>The configuration file's listener (TLS, PROXY protocol) and cluster TLS sections: PEM files read at load, errors naming the field.</summary>
public sealed class ConfigTlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("uvnet-proxy-config-").FullName;

    public ConfigTlsTests()
    {
        var (cert, key) = TestCertificates.WritePem(TestCertificates.Localhost);
        File.Copy(cert, Path.Join(_directory, "proxy.pem"));
        File.Copy(key, Path.Join(_directory, "proxy.key"));
        File.Copy(TestCertificates.WriteCaPem(), Path.Join(_directory, "ca.pem"));
        File.WriteAllText(Path.Join(_directory, "empty.pem"), "nothing here\n");
        var (otherCert, otherKey) = TestCertificates.WritePem(TestCertificates.SelfSigned);
        File.Copy(otherCert, Path.Join(_directory, "other.pem"));
        File.Copy(otherKey, Path.Join(_directory, "other.key"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private const string Clusters = """ "clusters": [ { "name": "app", "destinations": ["api.internal:443"], "tls": { "ca": "ca.pem", "serverName": "api", "rejectUnauthorized": false, "handshakeTimeout": 5000 } } ] """;

    [Fact]
    public void The_listener_and_cluster_TLS_sections_load_with_paths_from_the_file_s_directory()
    {
        ProxyConfig config = ProxyConfig.Load($$"""
            { "listener": { "tls": { "cert": "proxy.pem", "key": "proxy.key", "handshakeTimeout": 3000 }, "proxyProtocol": true }, {{Clusters}} }
            """, _directory);

        Assert.True(config.Listener.ProxyProtocol);
        Assert.Equal(3000, config.Listener.Tls!.HandshakeTimeout);
        var tls = config.Options.Clusters[0].Tls!;
        Assert.Equal(TestCertificates.Ca.Thumbprint, Assert.Single(tls.CaCertificates!).Thumbprint);
        Assert.Equal(("api", true, 5000L), (tls.ServerName, tls.DangerousAcceptAnyServerCertificate, tls.HandshakeTimeout));
    }

    [Fact]
    public void Without_a_listener_section_the_listener_is_plain_and_takes_no_PROXY_header()
    {
        ProxyConfig config = ProxyConfig.Load("""{ "clusters": [ { "name": "a", "destinations": ["h:1"], "tls": {} } ] }""");

        Assert.Null(config.Listener.Tls);
        Assert.False(config.Listener.ProxyProtocol);
        Assert.False(config.Options.Clusters[0].Tls!.DangerousAcceptAnyServerCertificate); // {}: verified against the system's roots
    }

    [Theory]
    [InlineData("""{ "listener": { "tls": { "key": "proxy.key" } } }""", "Listener.Tls.Cert: required")]
    [InlineData("""{ "listener": { "tls": { "cert": "proxy.pem" } } }""", "Listener.Tls.Key: required")]
    [InlineData("""{ "listener": { "tls": { "cert": "missing.pem", "key": "proxy.key" } } }""", "Listener.Tls.Cert:")]
    [InlineData("""{ "listener": { "tls": { "cert": "proxy.pem", "key": "proxy.key", "password": "x" } } }""", "Listener.Tls.password: not a known field")]
    [InlineData("""{ "listener": { "tls": { "cert": "proxy.pem", "key": "proxy.key", "handshakeTimeout": -1 } } }""", "Listener.Tls.HandshakeTimeout")]
    [InlineData("""{ "listener": { "proxyProtocol": "yes" } }""", "Listener.ProxyProtocol: true or false")]
    [InlineData("""{ "listener": { "port": 443 } }""", "Listener.port: not a known field")]
    [InlineData("""{ "listener": [] }""", "Listener: an object")]
    [InlineData("""{ "clusters": [ { "name": "a", "destinations": ["h:1"], "tls": { "ca": "empty.pem" } } ] }""", "Clusters[0].Tls.Ca:")]
    [InlineData("""{ "clusters": [ { "name": "a", "destinations": ["h:1"], "tls": { "ca": "missing.pem" } } ] }""", "Clusters[0].Tls.Ca:")]
    [InlineData("""{ "clusters": [ { "name": "a", "destinations": ["h:1"], "tls": { "rejectUnauthorized": 0 } } ] }""", "Clusters[0].Tls.RejectUnauthorized: true or false")]
    [InlineData("""{ "clusters": [ { "name": "a", "destinations": ["h:1"], "tls": { "handshakeTimeout": -1 } } ] }""", "Clusters[0].Tls")]
    [InlineData("""{ "clusters": [ { "name": "a", "destinations": ["h:1"], "tls": true } ] }""", "Clusters[0].Tls: an object")]
    public void A_bad_TLS_or_listener_section_is_refused_naming_the_field(string json, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ProxyConfig.Load(json, _directory));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listeners_load_with_their_names_addresses_TLS_and_PROXY_protocol()
    {
        ProxyConfig config = ProxyConfig.Load("""
            { "listeners": [ { "name": "public", "host": "0.0.0.0", "port": 8443, "tls": { "cert": "proxy.pem", "key": "proxy.key" } },
                             { "port": 8081, "proxyProtocol": true } ] }
            """, _directory);

        Assert.Equal(2, config.Listeners.Count);
        Assert.Equal(("public", "0.0.0.0", 8443, false), (config.Listeners[0].Name, config.Listeners[0].Host, config.Listeners[0].Port, config.Listeners[0].ProxyProtocol));
        Assert.NotNull(config.Listeners[0].Tls);
        Assert.Equal((null, null, 8081, true, null), (config.Listeners[1].Name, config.Listeners[1].Host, config.Listeners[1].Port, config.Listeners[1].ProxyProtocol, config.Listeners[1].Tls));
        Assert.Empty(ProxyConfig.Load("{}").Listeners);
        Assert.Equal([Path.Join(_directory, "proxy.pem"), Path.Join(_directory, "proxy.key")], config.Files); // what a reload on their change reads again
        Assert.Equal([Path.Join(_directory, "ca.pem")], ProxyConfig.Load("{" + Clusters + "}", _directory).Files);
    }

    [Theory]
    [InlineData("""{ "listeners": [ { "host": "127.0.0.1" } ] }""", "Listeners[0].Port: required")]
    [InlineData("""{ "listeners": [ { "port": 70000 } ] }""", "Listeners[0].Port: 70000 is not a port")]
    [InlineData("""{ "listeners": [ { "port": 1, "name": "" } ] }""", "Listeners[0].Name: empty")]
    [InlineData("""{ "listeners": [ { "port": 1 }, { "port": 2, "name": "a" }, { "port": 3, "name": "a" } ] }""", "Listeners[2]: another listener is named \"a\"")]
    [InlineData("""{ "listeners": [ { "port": 1 }, { "port": 1 } ] }""", "Listeners[1]: another listener is named \"*:1\"")]
    [InlineData("""{ "listeners": [ { "port": 1, "ssl": true } ] }""", "Listeners[0].ssl: not a known field")]
    [InlineData("""{ "listeners": [ { "port": 1, "tls": { "cert": "proxy.pem", "key": "other.key" } } ] }""", "Listeners[0].Tls.Cert:")]
    [InlineData("""{ "listeners": { "port": 1 } }""", "Listeners: a list")]
    public void A_bad_listener_is_refused_naming_the_field(string json, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ProxyConfig.Load(json, _directory));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_file_replaced_by_one_that_does_not_match_its_key_fails_the_load_and_the_proxy_keeps_the_old()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("up"));
        string json = """{ "listener": { "tls": { "cert": "proxy.pem", "key": "proxy.key" } }, "clusters": [ { "name": "app", "destinations": ["127.0.0.1:UP"] } ], "routes": [ { "cluster": "app" } ] }""".Replace("UP", upstream.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        ProxyConfig started = ProxyConfig.Load(json, _directory);
        kit.StartProxy(started.Options, started.Listener);
        File.Copy(Path.Join(_directory, "other.pem"), Path.Join(_directory, "proxy.pem"), overwrite: true); // the key stays the old one's

        var error = Assert.ThrowsAny<ArgumentException>(() => ProxyConfig.Load(json, _directory));

        Assert.Contains("Listener.Tls.Cert:", error.Message, StringComparison.Ordinal);
        Assert.Same(started.Listener.Tls, kit.Proxy!.Listener.Tls);
        Outcome o = kit.Exchange(kit.ToProxy() with { Tls = new Tls.TlsClientOptions { DangerousAcceptAnyServerCertificate = true } });
        Assert.Equal(TestCertificates.Localhost.Thumbprint, o.Response!.Socket.GetTlsConnection()!.GetPeerCertificate()!.Thumbprint);
    }

    [Fact]
    public void Reloading_the_same_file_keeps_a_TLS_cluster_and_its_state()
    {
        using var loop = new Loop();
        string json = "{" + Clusters + """, "routes": [ { "cluster": "app" } ] }""";
        using var proxy = new ProxyServer(loop, ProxyConfig.Load(json, _directory).Options with { Lookup = _ => [System.Net.IPAddress.Loopback] });
        Cluster before = proxy.Clusters[0];

        proxy.Reload(ProxyConfig.Load(json, _directory).Options with { Lookup = proxy.Options.Lookup });
        Assert.Same(before, proxy.Clusters[0]);

        proxy.Reload(ProxyConfig.Load(json.Replace("\"api\"", "\"other\""), _directory).Options with { Lookup = proxy.Options.Lookup });
        Assert.NotSame(before, proxy.Clusters[0]); // another server name: another cluster
        proxy.Close();
        LoopDriver.CloseLoop(loop);
    }
}
