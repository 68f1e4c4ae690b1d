using System.Diagnostics;

namespace Uvnet.Server.Tests;

/// <summary>The built <c>uvnet</c> program (copied beside the tests) run as a child process, as a person runs it.</summary>
internal static class UvnetProcess
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts <c>uvnet</c> with <paramref name="args"/>, its output redirected.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Join(AppContext.BaseDirectory, "uvnet.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(start)!;
    }

    /// <summary>Runs <c>uvnet</c> with <paramref name="args"/> to its end; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(s_timeout);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
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
