using Uvnet.Server.Cli;
using Uvnet.Server.Hosting;
using Uvnet.Server.Logging;
using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Commands;

/// <summary><c>uvnet serve [dir]</c>: the static file server.</summary>
public static class ServeCommand
{
    /// <summary>Serves <see cref="CommandLineOptions.Directory"/> until SIGINT or SIGTERM; returns the exit code.</summary>
    public static int Run(CommandLineOptions options) => Run(options, Console.Out, Console.Error);

    /// <summary>Serves, writing the start-up text and the access log to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(CommandLineOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        StaticFileHandler files;
        try
        {
            files = new StaticFileHandler(options.Directory ?? ".");
        }
        catch (DirectoryNotFoundException e)
        {
            error.WriteLine($"uvnet: {e.Message}");
            return Program.UsageError;
        }
        return CommandRunner.RunWithAccessLog(options, (loop, log) => CreateHttpService(loop, files, log),
            port => Banner(files.Resolver.Root, options, port, StartupBanner.LanAddresses()), output, error);
    }

    /// <summary>The start-up text: what is served, and the URLs to open.</summary>
    internal static string Banner(string root, CommandLineOptions options, int port, IReadOnlyList<System.Net.IPAddress> lanAddresses) =>
        StartupBanner.Format($"Serving {root}", StartupBanner.HttpUrls(options.Host, port, lanAddresses), options.Loops);

    /// <summary>
    /// The HTTP seam: one loop's HTTP server, listening as <see cref="ILoopService"/> says, answering each request
    /// with <paramref name="files"/> (<see cref="StaticFileHandler.Handle"/>) and logging it to
    /// <paramref name="log"/> (null with <c>--quiet</c>). Until the HTTP server exists, a stand-in that says so.
    /// </summary>
    private static ILoopService CreateHttpService(Loop loop, StaticFileHandler files, AccessLog? log) =>
        new MissingHttpService("serve");
}
