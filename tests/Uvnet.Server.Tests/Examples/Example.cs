using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Uvnet.Server.Tests.EndToEnd;

namespace Uvnet.Server.Tests.Examples;

/// <summary>A program of examples/, built with the tests (a project reference), run as a reader runs it.</summary>
internal static partial class Example
{
    // examples/NAME/bin/Debug/net10.0 for a Debug build of the tests: the examples are built with the same settings.
    private static readonly string s_output = typeof(Example).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ExamplesOutput").Value!;

    /// <summary>
    /// The process running example <paramref name="name"/> with <paramref name="args"/>, its output redirected: the
    /// built dll run by <c>dotnet exec</c>, which skips <c>dotnet run</c>'s build check.
    /// </summary>
    public static ProcessStartInfo StartInfo(string name, params string[] args)
    {
        string dll = Path.Join(Repository.Root, "examples", name, s_output, name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: is the example in the test project's references?");
        return new ProcessStartInfo("dotnet", ["exec", dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
    }

    /// <summary>
    /// Starts example <paramref name="name"/> on a port the system picks (its first argument, 0) and waits, bounded,
    /// for its "listening on PORT" line.
    /// </summary>
    public static Task<RunningUvnet> StartAsync(string name, params string[] args) =>
        RunningUvnet.StartAsync(Process.Start(StartInfo(name, ["0", .. args]))!, Listening());

    [GeneratedRegex(@"^listening on (\d+)$")]
    private static partial Regex Listening();
}
