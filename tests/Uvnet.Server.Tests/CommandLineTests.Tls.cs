namespace Uvnet.Server.Tests;

/// <summary>The TLS flags: --cert and --key together, or --tls-dev alone; for serve and hello.</summary>
public partial class CommandLineTests
{
    [Fact]
    public void Cert_and_key_are_taken_together_and_tls_dev_alone()
    {
        var options = Run("serve", "--cert", "c.pem", "--key=k.pem");
        Assert.Equal(("c.pem", "k.pem", false, true), (options.CertFile, options.KeyFile, options.TlsDev, options.Tls));
        var dev = Run("hello", "--tls-dev");
        Assert.Equal((null, null, true, true), (dev.CertFile, dev.KeyFile, dev.TlsDev, dev.Tls));
        Assert.False(Run("serve").Tls);
    }

    [Theory]
    [InlineData("options '--cert' and '--key' go together", "--cert", "c.pem")]
    [InlineData("options '--cert' and '--key' go together", "--key", "k.pem")]
    [InlineData("option '--tls-dev' makes its own certificate: give it without --cert and --key", "--tls-dev", "--cert", "c.pem", "--key", "k.pem")]
    [InlineData("option '--tls-dev' is for serve, hello and proxy only", "echo", "--tls-dev")]
    [InlineData("option '--cert' is for serve, hello and proxy only", "echo", "--cert", "c.pem", "--key", "k.pem")]
    [InlineData("option '--tls-dev' takes no value", "--tls-dev=yes")]
    [InlineData("option '--cert' needs a value", "--cert")]
    public void Bad_tls_flags_are_refused_with_the_reason(string error, params string[] args) => Assert.Equal(error, Error(args));

    [Fact]
    public void Auth_on_the_network_is_allowed_over_https_only()
    {
        Assert.Equal("user", Run("serve", "--auth", "user:pw", "--host", "0.0.0.0", "--tls-dev").Credentials!.UserName);
        Assert.StartsWith("option '--auth' sends the password in clear", Error("serve", "--auth", "user:pw", "--host", "0.0.0.0"));
    }

    [Fact]
    public void Http1_only_is_taken_by_serve_and_hello_and_refused_elsewhere()
    {
        Assert.True(Run("serve", "--http1-only").Http1Only);
        Assert.True(Run("hello", "--http1-only").Http1Only);
        Assert.False(Run("hello").Http1Only);
        Assert.Equal("option '--http1-only' is for serve and hello only", Error("echo", "--http1-only"));
        Assert.Equal("option '--http1-only' takes no value", Error("hello", "--http1-only=yes"));
    }
}
