using System.Diagnostics;

namespace Uvnet.Server.Tests.Packaging;

/// <summary>
/// Every project under src/ packed once (Release) into a temporary folder, as <c>dotnet pack</c> at the root packs
/// them into artifacts/packages, and a NuGet setup that installs from that folder alone: its own global packages
/// folder (so a package cached by an earlier run with the same version is never used in place of the one just
/// packed) and, for the packages ours depend on, the machine's global packages folder as a second source (no
/// network needed).
/// </summary>
public sealed class PackedFolder : IAsyncLifetime
{
    /// <summary>
    /// The bound on each dotnet command: a pack of every layer on two idle cores takes about half a minute, but it
    /// runs beside the rest of the suite (load tests take every core they get), where 4 minutes were not enough.
    /// </summary>
    private static readonly TimeSpan s_commandBound = TimeSpan.FromMinutes(15);

    private readonly string _root = Directory.CreateTempSubdirectory("uvnet-packages-").FullName;

    /// <summary>The folder the packages were packed into.</summary>
    public string Packages => Path.Join(_root, "packages");

    /// <summary>A NuGet.Config whose only sources are <see cref="Packages"/> and the machine's global packages folder.</summary>
    public string NuGetConfig => Path.Join(_root, "NuGet.Config");

    /// <summary>A scratch folder for a test.</summary>
    public string Scratch(string name) => Directory.CreateDirectory(Path.Join(_root, name)).FullName;

    public async ValueTask InitializeAsync()
    {
        // One pack for every src/ project, found by the same rule Directory.Build.props packs by: a list in a
        // temporary solution, so one build serves them all.
        var projects = Directory.GetFiles(Path.Join(Repository.Root, "src"), "*.csproj", SearchOption.AllDirectories);
        string solution = Path.Join(_root, "src.slnx");
        File.WriteAllText(solution, "<Solution>\n"
            + string.Concat(projects.Select(p => $"  <Project Path=\"{p}\" />\n")) + "</Solution>\n");
        // Its own build and intermediate folders (--artifacts-path): a build of the same tree at the same time (another
        // run of these tests, a developer's build) writes the projects' obj/ and bin/, and the two would fight over
        // their files. With the machine's own global packages folder: the packages ours depend on are there already.
        await RunDotnetAsync(_root, isolated: false, "pack", solution, "-c", "Release", "-o", Packages,
            "--artifacts-path", Path.Join(_root, "artifacts"));

        string machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(NuGetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="packed" value="{Packages}" />
                <add key="machine" value="{machinePackages}" />
              </packageSources>
            </configuration>
            """);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/>, with this folder's own global
    /// packages folder; asserts it exited 0 and returns its stdout.
    /// </summary>
    public Task<string> DotnetAsync(string directory, params string[] args) => RunDotnetAsync(directory, isolated: true, args);

    private async Task<string> RunDotnetAsync(string directory, bool isolated, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", args)
        {
            WorkingDirectory = directory,
        };
        if (isolated)
            start.Environment["NUGET_PACKAGES"] = Path.Join(_root, "nuget-cache");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The test host's own MSBuild settings must not leak into the child build.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        return await RunAsync(start);
    }

    /// <summary>Runs <paramref name="start"/> to its end within the bound; asserts it exited 0; returns its stdout.</summary>
    public static async Task<string> RunAsync(ProcessStartInfo start)
    {
        var (exitCode, output, error) = await UvnetProcess.RunAsync(start, s_commandBound);
        Assert.True(exitCode == 0, $"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {exitCode}\n{output}{error}");
        return output;
    }
}
