using System.Diagnostics;

namespace Uvnet.Server.Tests;

/// <summary>The built <c>uvnet</c> program (copied beside the tests) run as a child process, as a person runs it.</summary>
internal static class UvnetProcess
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts <c>uvnet</c> with <paramref name="args"/>, its output redirected.</summary>
    public static Process Start(params string[] args) => Start(descriptorLimit: null, args);

    /// <summary>
    /// Starts <c>uvnet</c> with <paramref name="args"/>, its output redirected, allowed at most
    /// <paramref name="descriptorLimit"/> open descriptors (null: the inherited limit). A shell lowers both the soft
    /// and the hard RLIMIT_NOFILE (.NET raises the soft limit to the hard one at start-up) and then becomes
    /// <c>uvnet</c> by exec, so the process's id is <c>uvnet</c>'s. With a limit, idle thread-pool threads also
    /// retire after 100 ms rather than 20 s, as in a server that idled before running out of descriptors: out of
    /// descriptors .NET cannot start a thread, so whatever the server then needs from the pool never comes.
    /// </summary>
    public static Process Start(int? descriptorLimit, params string[] args)
    {
        string[] command = ["dotnet", "exec", Path.Join(AppContext.BaseDirectory, "uvnet.dll"), .. args];
        var start = descriptorLimit is { } limit
            ? new ProcessStartInfo("/bin/sh", ["-c", "ulimit -n \"$1\" && shift && exec \"$@\"", "sh",
                limit.ToString(System.Globalization.CultureInfo.InvariantCulture), .. command])
            : new ProcessStartInfo(command[0], command[1..]);
        if (descriptorLimit is not null)
            start.Environment["DOTNET_ThreadPool_ThreadTimeoutMs"] = "100";
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        return Process.Start(start)!;
    }

    /// <summary>Runs <c>uvnet</c> with <paramref name="args"/> to its end; returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => RunAsync(Start(args), s_timeout);

    /// <summary>Runs <paramref name="start"/> (its output redirected here) to its end within <paramref name="bound"/>; returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(ProcessStartInfo start, TimeSpan bound)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        return RunAsync(Process.Start(start)!, bound);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(Process started, TimeSpan bound)
    {
        using var process = started;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(bound);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Sends SIGTERM to <paramref name="process"/>, as a service manager stopping it would.</summary>
    public static void Terminate(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        Assert.True(kill.WaitForExit(s_timeout));
        Assert.Equal(0, kill.ExitCode);
    }
}
