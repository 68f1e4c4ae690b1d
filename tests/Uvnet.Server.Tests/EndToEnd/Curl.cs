using System.Diagnostics;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>curl, run as a person would, with a bound.</summary>
internal static class Curl
{
    /// <summary>Runs <c>curl -sS</c> with <paramref name="args"/>, asserts it succeeded, and returns what it wrote to stdout.</summary>
    public static async Task<byte[]> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("curl", ["-sS", "--max-time", "20", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = new MemoryStream();
        var copying = process.StandardOutput.BaseStream.CopyToAsync(output);
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(RunningUvnet.Bound);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
        await copying;
        Assert.True(process.ExitCode == 0, $"curl exited with {process.ExitCode}: {await error}");
        return output.ToArray();
    }
}
