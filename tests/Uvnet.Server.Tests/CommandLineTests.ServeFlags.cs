using Uvnet.Server.Cli;

namespace Uvnet.Server.Tests;

/// <summary><c>uvnet serve</c>'s convenience flags on the command line: --cors, --cache, --spa, -H.</summary>
public partial class CommandLineTests
{
    [Fact]
    public void The_flags_are_off_by_default()
    {
        var options = Run("serve");
        Assert.Equal((false, null, false), (options.Cors, options.MaxAge, options.SinglePageApplication));
        Assert.Empty(options.ExtraHeaders);
    }

    [Fact]
    public void Cors_spa_and_cache_are_taken()
    {
        var options = Run("serve", "--cors", "--spa", "--cache", "3600");
        Assert.Equal((true, TimeSpan.FromHours(1), true), (options.Cors, options.MaxAge, options.SinglePageApplication));
        Assert.Equal(TimeSpan.Zero, Run("--cache=0").MaxAge);
    }

    [Fact]
    public void Header_is_repeatable_and_keeps_its_order_with_the_value_trimmed()
    {
        var options = Run("-H", "X-Frame-Options: DENY", "--header=Link:  </a.css>; rel=preload ", "-H", "X-Empty:");
        Assert.Equal([new("X-Frame-Options", "DENY"), new("Link", "</a.css>; rel=preload"), new("X-Empty", "")], options.ExtraHeaders);
    }

    [Theory]
    [InlineData("option '-H': 'X-Frame-Options DENY' is not 'Name: value'", "-H", "X-Frame-Options DENY")]
    [InlineData("option '-H': 'X Frame' is not a header field name", "-H", "X Frame: DENY")]
    [InlineData("option '-H': '' is not a header field name", "-H", ": DENY")]
    [InlineData("option '-H': the value of 'X-A' has a control character", "-H", "X-A: a\r\nSet-Cookie: b")]
    [InlineData("option '--header': the server sets 'content-length' itself", "--header", "content-length: 5")]
    [InlineData("option '-H': the server sets 'Transfer-Encoding' itself", "-H", "Transfer-Encoding: chunked")]
    [InlineData("option '-H' needs a value", "-H")]
    [InlineData("option '--cache' takes a whole number from 0 to 31536000, not '-1'", "--cache", "-1")]
    [InlineData("option '--cache' takes a whole number from 0 to 31536000, not '1h'", "--cache", "1h")]
    [InlineData("option '--cors' takes no value", "--cors=yes")]
    [InlineData("option '--spa' takes no value", "--spa=1")]
    public void Bad_serve_flags_are_refused_with_the_reason(string error, params string[] args) => Assert.Equal(error, Error(args));

    [Theory]
    [InlineData("--cors", "hello", "--cors")]
    [InlineData("--spa", "echo", "--spa")]
    [InlineData("--cache", "hello", "--cache", "60")]
    [InlineData("--header", "hello", "-H", "X-A: b")]
    public void The_flags_are_for_serve_only(string option, params string[] args) =>
        Assert.Equal($"option '{option}' is for serve only", Error(args));

    [Fact]
    public void The_help_lists_the_flags()
    {
        string help = HelpText.Get(2);
        foreach (string flag in new[] { "--cors", "--cache N", "--spa", "-H, --header 'Name: value'" })
            Assert.Contains(flag, help);
    }
}
