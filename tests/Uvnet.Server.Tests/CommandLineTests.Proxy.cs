using System.Security.Cryptography.X509Certificates;
using Uvnet.Server.Cli;

namespace Uvnet.Server.Tests;

public partial class CommandLineTests
{
    [Theory]
    [InlineData("http://127.0.0.1:3000", "127.0.0.1:3000")]
    [InlineData("http://127.0.0.1:3000/", "127.0.0.1:3000")]
    [InlineData("http://app.internal", "app.internal:80")]
    [InlineData("http://[::1]:3000", "[::1]:3000")]
    [InlineData("https://app.internal", "app.internal:443")]
    [InlineData("https://127.0.0.1:8443/", "127.0.0.1:8443")]
    public void Proxy_takes_its_upstream_from_to(string url, string upstream)
    {
        CommandLineOptions options = Run("proxy", "--to", url);
        Assert.Equal(UvnetCommand.Proxy, options.Command);
        Assert.Equal(upstream, options.ProxyTo);
        Assert.Equal(url.StartsWith("https:", StringComparison.Ordinal), options.ProxyToTls);
        Assert.Equal(CommandLineOptions.DefaultHttpPort, options.Port);
    }

    [Fact]
    public void Proxy_to_an_https_upstream_verifies_it_against_the_system_s_roots()
    {
        var secure = Uvnet.Server.Commands.ProxyCommand.ForUpstream("app.internal:443", secure: true).Clusters[0].Tls;
        Assert.NotNull(secure);
        Assert.False(secure.DangerousAcceptAnyServerCertificate);
        Assert.Null(secure.CaCertificates);
        Assert.Null(Uvnet.Server.Commands.ProxyCommand.ForUpstream("app.internal:80", secure: false).Clusters[0].Tls);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:3000")]
    [InlineData("127.0.0.1:3000")]
    [InlineData("http://127.0.0.1:3000/path")]
    [InlineData("http://user:pw@127.0.0.1:3000")]
    public void Proxy_refuses_an_upstream_that_is_not_an_http_origin(string url) =>
        Assert.Contains("'--to' takes an http://HOST:PORT or https://HOST:PORT URL", Error("proxy", "--to", url));

    [Fact]
    public void Proxy_needs_an_upstream_and_to_is_for_proxy_only()
    {
        Assert.Contains("proxy needs either --to", Error("proxy"));
        Assert.Contains("proxy needs either --to", Error("proxy", "--to", "http://127.0.0.1:1", "--config", "p.json"));
        Assert.Contains("'--config' is for proxy only", Error("echo", "--config", "p.json"));
        Assert.Equal("p.json", Run("proxy", "--config", "p.json").ProxyConfig);
        Assert.Contains("'--to' is for proxy only", Error("hello", "--to", "http://127.0.0.1:1"));
        Assert.Contains("'--dotfiles' is for serve only", Error("proxy", "--to", "http://127.0.0.1:1", "--dotfiles"));
    }

    [Fact]
    public void Watch_is_for_proxy_with_a_config_file_only()
    {
        Assert.True(Run("proxy", "--config", "p.json", "--watch").ProxyWatch);
        Assert.False(Run("proxy", "--config", "p.json").ProxyWatch);
        Assert.Contains("'--watch' is for proxy --config only", Error("proxy", "--to", "http://127.0.0.1:1", "--watch"));
        Assert.Contains("'--watch' is for proxy --config only", Error("hello", "--watch"));
    }

    [Fact]
    public void Proxy_takes_cert_and_key_or_tls_dev_for_its_first_listener()
    {
        CommandLineOptions options = Run("proxy", "--to", "http://127.0.0.1:1", "--cert", "c.pem", "--key", "k.pem");
        Assert.Equal(("c.pem", "k.pem", true), (options.CertFile, options.KeyFile, options.Tls));
        Assert.True(Run("proxy", "--config", "p.json", "--tls-dev").TlsDev);
        Assert.Equal("options '--cert' and '--key' go together", Error("proxy", "--to", "http://127.0.0.1:1", "--cert", "c.pem"));
    }

    [Fact]
    public void Proxy_refuses_the_first_listener_s_TLS_from_both_the_file_and_cert_and_names_a_bad_cert_file()
    {
        string directory = Directory.CreateTempSubdirectory("uvnet-proxy-cli-").FullName;
        try
        {
            using var certificate = Uvnet.Server.Commands.TlsSetup.CreateDevCertificate();
            string cert = Path.Join(directory, "c.pem"), key = Path.Join(directory, "k.pem");
            File.WriteAllText(cert, certificate.ExportCertificatePem());
            File.WriteAllText(key, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            string file = Path.Join(directory, "p.json");
            File.WriteAllText(file, $$"""{ "listener": { "tls": { "cert": "{{cert}}", "key": "{{key}}" } } }""");
            var both = Run("proxy", "--config", file, "--cert", cert, "--key", key);
            var error = Assert.ThrowsAny<ArgumentException>(() => Uvnet.Server.Commands.ProxyCommand.Load(both, new Uvnet.Tls.TlsServerOptions { Context = Uvnet.Tls.SecureContext.FromPemFiles(cert, key) }));
            Assert.Contains("Listener.Tls: the first listener's TLS comes from --cert and --key", error.Message, StringComparison.Ordinal);

            File.WriteAllText(file, "{}");
            var fromCert = Uvnet.Server.Commands.ProxyCommand.Load(Run("proxy", "--config", file, "--cert", cert, "--key", key), new Uvnet.Tls.TlsServerOptions { Context = Uvnet.Tls.SecureContext.FromPemFiles(cert, key) });
            Assert.NotNull(fromCert.Listener.Tls);
            File.WriteAllText(cert, "not a certificate\n"); // a renewal gone wrong: the reload is refused, naming the option
            error = Assert.ThrowsAny<ArgumentException>(() => Uvnet.Server.Commands.ProxyCommand.Load(Run("proxy", "--config", file, "--cert", cert, "--key", key), fromCert.Listener.Tls));
            Assert.StartsWith($"--cert {cert}:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
