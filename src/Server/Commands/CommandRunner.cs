using Uvnet.Net;
using Uvnet.Server.Cli;
using Uvnet.Server.Hosting;
using Uvnet.Server.Logging;

namespace Uvnet.Server.Commands;

/// <summary>What every command does around its server: start the loops, print the start-up line, stop on a signal.</summary>
public static class CommandRunner
{
    // The log's last lines are worth a moment at exit, not a hang on a stuck terminal.
    private static readonly TimeSpan s_logFlushBound = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Starts <paramref name="options"/>'s loops with services from <paramref name="createService"/>, writes the
    /// start-up text from <paramref name="banner"/> (given the bound port) to <paramref name="output"/>, and
    /// runs until SIGINT or SIGTERM has stopped every loop. Returns the exit code: 0 after a shutdown, 1 when
    /// the server could not listen or ended by itself.
    /// </summary>
    public static int Run(CommandLineOptions options, Func<Loop, ILoopService> createService, Func<int, string> banner,
        TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(banner);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        StartupPreload.Run(typeof(CommandRunner).Assembly);
        var hostOptions = new ServerHostOptions
        {
            Loops = options.Loops,
            Port = options.Port,
            Host = options.Host,
            HandleSignals = true,
            StatsInterval = options.StatsInterval,
            StatsCountSsl = options.Tls,
            StatsOutput = error,
            ShutdownStarted = () => error.WriteLine("uvnet: shutting down"),
            AcceptError = new AcceptErrorLog(error, TimeProvider.System).Report,
        };
        if (!ServerHost.TryStart(hostOptions, createService, out var host, out var startError))
        {
            error.WriteLine($"uvnet: cannot listen on {StartupBanner.HostPort(options.Host, options.Port)}: {Describe(startError)}");
            return 1;
        }
        output.WriteLine(banner(host.Port));
        if (StartupBanner.BackendLine(host.Backend, host.BackendFallbackReason) is { } backendLine)
            output.WriteLine(backendLine);
        output.Flush();
        if (!host.WaitForExit())
            error.WriteLine("uvnet: some connections did not close in time; exiting anyway");
        error.WriteLine($"uvnet: {Served(host.ConnectionsPerLoop)}");
        return host.IsShuttingDown ? 0 : 1;
    }

    /// <summary>
    /// <see cref="Run"/> for an HTTP command: with an <see cref="AccessLog"/> on <paramref name="output"/> (none with
    /// <c>--quiet</c>) given to each loop's service, and flushed once the loops have ended.
    /// </summary>
    public static int RunWithAccessLog(CommandLineOptions options, Func<Loop, AccessLog?, ILoopService> createService,
        Func<int, string> banner, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createService);
        ArgumentNullException.ThrowIfNull(output);
        AccessLog? log = options.Quiet ? null : new AccessLog(output);
        try
        {
            return Run(options, loop => createService(loop, log), banner, output, error);
        }
        finally
        {
            log?.Complete(s_logFlushBound);
        }
    }

    /// <summary>
    /// The last line at exit: the connections served, and with several loops how the kernel spread them
    /// (<c>12 connections served (loop 0: 7, loop 1: 5)</c>), to see whether more loops are worth it.
    /// </summary>
    internal static string Served(IReadOnlyList<long> perLoop)
    {
        ArgumentNullException.ThrowIfNull(perLoop);
        long total = perLoop.Sum();
        string served = $"{total} {(total == 1 ? "connection" : "connections")} served";
        if (perLoop.Count < 2)
            return served;
        return $"{served} ({string.Join(", ", perLoop.Select((n, i) => $"loop {i}: {n}"))})";
    }

    /// <summary>A listen error as a person reads it, with a hint for the usual ones.</summary>
    internal static string Describe(Exception error) => error switch
    {
        NetException { Code: "EADDRINUSE" } => "the port is in use (EADDRINUSE): stop the other server, or pick another port with --port",
        NetException { Code: "EACCES" } => "permission denied (EACCES): ports below 1024 need privileges; pick another with --port",
        NetException { Code: "EADDRNOTAVAIL" } => "no interface has that address (EADDRNOTAVAIL): check --host",
        NetException { Errno: < 0 } e => $"{UvError.Message(e.Errno)} ({e.Code})",
        _ => error.Message,
    };
}
