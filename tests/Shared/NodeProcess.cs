using System.Diagnostics;
using System.Globalization;

/// <summary>
/// A Node script serving a test class: it prints the port it listens on as its first line and exits once its
/// standard input ends. <see cref="TryStart"/> gives null where node is not installed, and the tests then skip.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private NodeProcess(Process process, int port)
    {
        Process = process;
        Port = port;
    }

    /// <summary>The node process, for scripts that answer on standard output when asked on standard input.</summary>
    internal Process Process { get; }

    /// <summary>The port the script listens on.</summary>
    internal int Port { get; }

    /// <summary>Runs <paramref name="script"/> with <c>node -e</c>; null where node cannot be started.</summary>
    internal static NodeProcess? TryStart(string script)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("node", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardInput = true })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        string? line = process.StandardOutput.ReadLine();
        if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
            return new NodeProcess(process, port);
        // A script that failed (a syntax error, a busy port) prints no port: the constructor of the test class that
        // called us throws, so no Dispose would ever end the node it started.
        process.Kill();
        process.WaitForExit();
        process.Dispose();
        throw new InvalidOperationException($"node printed {(line is null ? "nothing" : $"'{line}'")} where its port was expected");
    }

    public void Dispose()
    {
        Process.StandardInput.Close();
        if (!Process.WaitForExit(5000))
            Process.Kill();
        Process.Dispose();
    }
}
