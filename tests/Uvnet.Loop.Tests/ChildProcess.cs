using System.Diagnostics;

namespace Uvnet.Tests;

/// <summary>
/// The test assembly (a program, as every xunit.v3 test assembly is) also runs a scenario in a child process: one
/// that lowers the descriptor limit, say, must not affect the test runner.
/// </summary>
public static class ChildProcess
{
    private static readonly Dictionary<string, Func<int>> s_scenarios = new()
    {
        ["emfile"] = Streams.EmfileScenario.Run,
        ["emfile-without-reserve"] = Streams.EmfileScenario.RunWithoutReserve,
        ["signal-restart"] = SignalRestartScenario.Run,
        ["signal-after-close"] = SignalAfterCloseScenario.Run,
        ["backend-from-environment"] = LoopBackendTests.PrintDefaultBackend,
    };

    /// <summary>
    /// Runs the named scenario, whose exit code is the verdict (0: passed); any other arguments are the test
    /// runner's, which starts this program to run the tests.
    /// </summary>
    public static int Main(string[] args) =>
        args.Length == 1 && s_scenarios.TryGetValue(args[0], out var scenario)
            ? scenario()
            : Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();

    /// <summary>
    /// Runs <paramref name="scenario"/> in a child process, with <paramref name="environment"/>'s variable set in its
    /// environment when given, and returns its exit code and output.
    /// </summary>
    internal static (int ExitCode, string Output) Run(string scenario, int timeoutSeconds = 60,
        (string Name, string Value)? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", typeof(ChildProcess).Assembly.Location, scenario])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (environment is var (name, value))
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeoutSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
