using Uvnet.Server.Cli;
using Uvnet.Server.Hosting;

namespace Uvnet.Server.Commands;

/// <summary><c>uvnet echo</c>: a TCP echo server on every loop, for reactor benchmarks and for trying the net layer by hand.</summary>
public static class EchoCommand
{
    /// <summary>Runs the echo server until SIGINT or SIGTERM; returns the exit code.</summary>
    public static int Run(CommandLineOptions options) => Run(options, Console.Out, Console.Error);

    /// <summary>Runs the echo server, writing the start-up line to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(CommandLineOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        return CommandRunner.Run(options, static loop => new EchoService(loop), port => Banner(options, port), output, error);
    }

    /// <summary>The start-up line: where to connect, and how.</summary>
    internal static string Banner(CommandLineOptions options, int port)
    {
        string url = $"tcp://{StartupBanner.HostPort(options.Host, port)} (try: nc {StartupBanner.ConnectHost(options.Host)} {port})";
        return StartupBanner.Format("uvnet echo: a TCP echo server", [url], options.Loops, options.Host);
    }
}
