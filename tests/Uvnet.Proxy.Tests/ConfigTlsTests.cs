using Uvnet.Proxy.Clusters;
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
