using System.Diagnostics;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>Headless Chromium (Debian's <c>chromium</c>), run as a person's browser would load a page, with a bound.</summary>
internal static class Chromium
{
    /// <summary>The browser's executable on PATH, or null where it is not installed.</summary>
    public static string? Executable { get; } = Find("chromium") ?? Find("chromium-browser");

    /// <summary>
    /// Loads <paramref name="url"/> and returns the page's DOM as Chromium serializes it once loaded: what the
    /// browser made of the bytes, not the bytes. Each load gets a profile of its own, so loads in parallel do not
    /// share one; as root in a container Chromium needs --no-sandbox, and has no GPU.
    /// </summary>
    public static async Task<string> DumpDomAsync(Uri url)
    {
        string browser = Executable ?? throw new InvalidOperationException("Chromium is not installed");
        var profile = Directory.CreateTempSubdirectory("uvnet-chromium-");
        try
        {
            var (exitCode, output, error) = await UvnetProcess.RunAsync(new ProcessStartInfo(browser,
                ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile.FullName}",
                 "--dump-dom", url.AbsoluteUri]), RunningUvnet.Bound);
            Assert.True(exitCode == 0, $"chromium exited with {exitCode}: {error}");
            return output;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Join(directory, name))
            .FirstOrDefault(File.Exists);
}
