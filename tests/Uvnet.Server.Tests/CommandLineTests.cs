using Uvnet.Server.Cli;

namespace Uvnet.Server.Tests;

public partial class CommandLineTests
{
    private static CommandLineOptions Run(params string[] args)
    {
        var result = CommandLine.Parse(args, _ => true);
        Assert.True(result.IsRun, result.Error);
        return result.Options;
    }

    private static string Error(params string[] args)
    {
        var result = CommandLine.Parse(args, dir => dir != "missing");
        Assert.False(result.IsRun);
        Assert.False(result.ShowHelp);
        return Assert.IsType<string>(result.Error);
    }

    [Fact]
    public void No_arguments_serve_the_current_directory_on_8080_with_a_loop_per_processor()
    {
        var options = Run();
        Assert.Equal(UvnetCommand.Serve, options.Command);
        Assert.Equal(".", options.Directory);
        Assert.Equal(8080, options.Port);
        Assert.Equal(Environment.ProcessorCount, options.Loops);
        Assert.False(options.Quiet);
        Assert.Null(options.StatsInterval);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("hello")]
    [InlineData("echo")]
    public void Every_command_listens_on_localhost_only_unless_told(string command) =>
        Assert.Equal("localhost", Run(command).Host);

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void Host_widens_it_to_the_network(string host) => Assert.Equal(host, Run("--host", host).Host);

    [Fact]
    public void Dotfiles_are_hidden_unless_asked_for()
    {
        Assert.False(Run("serve").Dotfiles);
        Assert.True(Run("serve", "--dotfiles").Dotfiles);
        Assert.Equal("option '--dotfiles' is for serve only", Error("hello", "--dotfiles"));
        Assert.Equal("option '--dotfiles' takes no value", Error("--dotfiles=yes"));
    }

    [Fact]
    public void Udp_is_an_echo_flag()
    {
        Assert.False(Run("echo").Udp);
        Assert.True(Run("echo", "--udp").Udp);
        Assert.Equal("option '--udp' is for echo only", Error("hello", "--udp"));
        Assert.Equal("option '--udp' is for echo only", Error("serve", "--udp"));
    }

    [Fact]
    public void A_first_argument_that_is_not_a_command_is_the_directory_to_serve()
    {
        var options = Run("public");
        Assert.Equal(UvnetCommand.Serve, options.Command);
        Assert.Equal("public", options.Directory);
        Assert.Equal("site", Run("serve", "site").Directory);
    }

    [Fact]
    public void Echo_defaults_to_its_own_port_and_hello_to_8080()
    {
        Assert.Equal(CommandLineOptions.DefaultEchoPort, Run("echo").Port);
        Assert.Null(Run("echo").Directory);
        Assert.Equal(UvnetCommand.Hello, Run("hello").Command);
        Assert.Equal(8080, Run("hello").Port);
    }

    [Theory]
    [InlineData("--port", "9000")]
    [InlineData("-p", "9000")]
    [InlineData("--port=9000")]
    public void Port_takes_a_separate_or_inline_value(params string[] args) => Assert.Equal(9000, Run(args).Port);

    [Fact]
    public void Options_may_come_before_the_command_and_the_last_repeat_wins()
    {
        var options = Run("--loops", "3", "--port", "1", "hello", "--quiet", "--port", "2", "--host", "127.0.0.1");
        Assert.Equal(UvnetCommand.Hello, options.Command);
        Assert.Equal(3, options.Loops);
        Assert.Equal(2, options.Port);
        Assert.Equal("127.0.0.1", options.Host);
        Assert.True(options.Quiet);
        Assert.True(Run("-q").Quiet);
    }

    [Theory]
    [InlineData("::1", "::1")]
    [InlineData("[::1]", "::1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("LocalHost", "localhost")]
    public void Host_takes_an_ip_address_or_localhost(string given, string expected) =>
        Assert.Equal(expected, Run("--host", given).Host);

    [Theory]
    [InlineData("--stats", "1")]
    [InlineData("--stats=1")]
    public void Stats_takes_an_interval_in_seconds(params string[] args) =>
        Assert.Equal(TimeSpan.FromSeconds(1), Run(["hello", .. args]).StatsInterval);

    [Fact]
    public void Port_zero_asks_for_a_free_port() => Assert.Equal(0, Run("-p", "0").Port);

    [Fact]
    public void After_a_double_dash_everything_is_positional() =>
        Assert.Equal("--weird", Run("serve", "--", "--weird").Directory);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("echo", "--bogus", "--help")]
    [InlineData("--port", "x", "-h")]
    public void Help_wins_over_everything(params string[] args) => Assert.True(CommandLine.Parse(args, _ => true).ShowHelp);

    [Fact]
    public void Version_is_asked_with_double_dash_version()
    {
        Assert.True(CommandLine.Parse(["--version"], _ => true).ShowVersion);
        Assert.StartsWith("uvnet ", HelpText.Version());
    }

    [Theory]
    [InlineData("unknown option '--bogus'", "--bogus")]
    [InlineData("option '--port' needs a value", "--port")]
    [InlineData("option '--port' takes a whole number from 0 to 65535, not 'http'", "--port", "http")]
    [InlineData("option '--port' takes a whole number from 0 to 65535, not '65536'", "--port", "65536")]
    [InlineData("option '-p' takes a whole number from 0 to 65535, not '-1'", "-p", "-1")]
    [InlineData("option '--loops' takes a whole number from 1 to 1024, not '0'", "--loops", "0")]
    [InlineData("option '--loops' takes a whole number from 1 to 1024, not '2.5'", "--loops=2.5")]
    [InlineData("option '--host' takes an IP address or localhost, not 'example.com'", "--host", "example.com")]
    [InlineData("option '--host' takes an IP address or localhost, not '8080'", "--host", "8080")]
    [InlineData("option '--quiet' takes no value", "--quiet=yes")]
    [InlineData("option '--stats' needs a value", "--stats")]
    [InlineData("option '--stats' takes a whole number from 1 to 86400, not '0'", "--stats", "0")]
    [InlineData("option '--stats' takes a whole number from 1 to 86400, not '0.5'", "--stats=0.5")]
    [InlineData("no such directory: 'missing'", "missing")]
    [InlineData("unexpected argument 'b'", "serve", "a", "b")]
    [InlineData("unexpected argument 'dir'", "echo", "dir")]
    [InlineData("unexpected argument 'hello'", ".", "hello")]
    public void Bad_input_is_an_error_that_names_the_problem(string message, params string[] args) =>
        Assert.Equal(message, Error(args));

    [Fact]
    public void The_first_error_is_the_one_reported() =>
        Assert.Equal("unknown option '--one'", Error("--one", "--two"));

    [Fact]
    public void Help_text_has_usage_commands_options_and_examples()
    {
        string help = HelpText.Get(processorCount: 6);
        foreach (string part in new[] { "Usage:", "uvnet hello", "uvnet echo", "--port", "--host", "--loops", "--quiet", "--stats", "--help", "Examples:", "here 6", "7007" })
            Assert.Contains(part, help);
        Assert.All(help.Split('\n'), line => Assert.True(line.Length <= 90, $"line too long for a terminal: {line}"));
    }
}
