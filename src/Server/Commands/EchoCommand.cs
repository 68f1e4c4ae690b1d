using Uvnet.Server.Cli;
using Uvnet.Server.Hosting;

namespace Uvnet.Server.Commands;

/// <summary><c>uvnet echo</c>: a TCP echo server (and with <c>--udp</c> a UDP one on the same port) on every loop, for reactor benchmarks and for trying the net layer by hand.</summary>
public static class EchoCommand
{
    /// <summary>Runs the echo server until SIGINT or SIGTERM; returns the exit code.</summary>
    public static int Run(CommandLineOptions options) => Run(options, Console.Out, Console.Error);

    /// <summary>Runs the echo server, writing the start-up line to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(CommandLineOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        return CommandRunner.Run(options, loop => new EchoService(loop, options.Udp), port => Banner(options, port), output, error);
    }

    /// <summary>The start-up line: where to connect, and how.</summary>
    internal static string Banner(CommandLineOptions options, int port)
    {
        string hostPort = StartupBanner.HostPort(options.Host, port), connectHost = StartupBanner.ConnectHost(options.Host);
        string tcp = $"tcp://{hostPort} (try: nc {connectHost} {port})";
        return options.Udp
            ? StartupBanner.Format("uvnet echo: a TCP and UDP echo server", [tcp, $"udp://{hostPort} (try: nc -u {connectHost} {port})"], options.Loops, options.Host)
            : StartupBanner.Format("uvnet echo: a TCP echo server", [tcp], options.Loops, options.Host);
    }
}
