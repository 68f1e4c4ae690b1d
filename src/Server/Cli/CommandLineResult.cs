using System.Diagnostics.CodeAnalysis;

namespace Uvnet.Server.Cli;

/// <summary>What <see cref="CommandLine.Parse"/> found: options to run with, a request for help or the version, or an error.</summary>
public sealed class CommandLineResult
{
    private CommandLineResult(CommandLineOptions? options, bool showHelp, bool showVersion, string? error)
    {
        Options = options;
        ShowHelp = showHelp;
        ShowVersion = showVersion;
        Error = error;
    }

    /// <summary>The options to run with; null when <see cref="ShowHelp"/>, <see cref="ShowVersion"/> or <see cref="Error"/>.</summary>
    public CommandLineOptions? Options { get; }

    /// <summary>Whether <c>--help</c> (or <c>uvnet help</c>) was asked for: print the help and exit 0.</summary>
    public bool ShowHelp { get; }

    /// <summary>Whether <c>--version</c> was asked for: print the version and exit 0.</summary>
    public bool ShowVersion { get; }

    /// <summary>What is wrong with the command line, in one sentence for stderr (exit 2); null when nothing is.</summary>
    public string? Error { get; }

    /// <summary>Whether the command line is to run: <see cref="Options"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Options))]
    public bool IsRun => Options is not null;

    internal static CommandLineResult Run(CommandLineOptions options) => new(options, false, false, null);

    internal static CommandLineResult Help() => new(null, true, false, null);

    internal static CommandLineResult Version() => new(null, false, true, null);

    internal static CommandLineResult Fail(string error) => new(null, false, false, error);
}
