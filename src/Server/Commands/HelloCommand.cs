using Uvnet.Server.Cli;
using Uvnet.Server.Hello;
using Uvnet.Server.Hosting;
using Uvnet.Server.Logging;

namespace Uvnet.Server.Commands;

/// <summary><c>uvnet hello</c>: TechEmpower's <c>/plaintext</c> and <c>/json</c> endpoints.</summary>
public static class HelloCommand
{
    /// <summary>Serves the endpoints until SIGINT or SIGTERM; returns the exit code.</summary>
    public static int Run(CommandLineOptions options) => Run(options, Console.Out, Console.Error);

    /// <summary>Serves the endpoints, writing the start-up text and the access log to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(CommandLineOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        return CommandRunner.RunWithAccessLog(options, CreateHttpService, port => Banner(options, port), output, error);
    }

    /// <summary>The start-up text: the two endpoints' URLs.</summary>
    internal static string Banner(CommandLineOptions options, int port)
    {
        string root = StartupBanner.HttpUrls(options.Host, port, [])[0];
        return StartupBanner.Format("uvnet hello: TechEmpower's plaintext and json tests", [root + "plaintext", root + "json"], options.Loops);
    }

    /// <summary>
    /// The HTTP seam: one loop's HTTP server, listening as <see cref="ILoopService"/> says, answering each request
    /// per <see cref="HelloEndpoints.Route"/> and logging it to <paramref name="log"/> (null with <c>--quiet</c>).
    /// Until the HTTP server exists, a stand-in that says so.
    /// </summary>
    private static ILoopService CreateHttpService(Loop loop, AccessLog? log) =>
        new MissingHttpService("hello");
}
