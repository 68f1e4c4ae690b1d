using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Uvnet.Server.Commands;

/// <summary>
/// Opens a URL in the user's browser (<c>uvnet serve --open</c>): the command in <c>$BROWSER</c> when set (as
/// Python's webbrowser and xdg-open honour it; <c>%s</c> stands for the URL, else it is appended), otherwise the
/// platform's opener: <c>xdg-open</c>, macOS's <c>open</c>, Windows' shell.
/// </summary>
internal static class Browser
{
    /// <summary>The command that opens <paramref name="url"/>, given <c>$BROWSER</c>'s value <paramref name="browser"/>.</summary>
    public static ProcessStartInfo Command(Uri url, string? browser)
    {
        ArgumentNullException.ThrowIfNull(url);
        string link = url.AbsoluteUri;
        if (!string.IsNullOrWhiteSpace(browser))
        {
            string[] words = browser.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var arguments = words[1..].Select(w => w.Replace("%s", link, StringComparison.Ordinal)).ToList();
            if (!browser.Contains("%s", StringComparison.Ordinal))
                arguments.Add(link);
            return new ProcessStartInfo(words[0], arguments);
        }
        if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            return new ProcessStartInfo("open", [link]);
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            return new ProcessStartInfo(link) { UseShellExecute = true };
        return new ProcessStartInfo("xdg-open", [link]);
    }

    /// <summary>Starts the browser on <paramref name="url"/> without waiting for it; a failure is reported on <paramref name="error"/>, and serving goes on.</summary>
    public static void Open(Uri url, TextWriter error)
    {
        try
        {
            using var process = Process.Start(Command(url, Environment.GetEnvironmentVariable("BROWSER")));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            error.WriteLine($"uvnet: could not open a browser on {url.AbsoluteUri}: {e.Message}");
        }
    }
}
