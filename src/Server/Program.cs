using Uvnet.Server.Cli;
using Uvnet.Server.Commands;

namespace Uvnet.Server;

/// <summary>The <c>uvnet</c> command: parses the command line, then runs one command.</summary>
public static class Program
{
    /// <summary>Exit code for a command line that cannot run (as getopt-style tools do).</summary>
    public const int UsageError = 2;

    /// <summary>Runs <c>uvnet</c> with <paramref name="args"/>; returns the exit code.</summary>
    public static int Main(string[] args)
    {
        var result = CommandLine.Parse(args);
        if (result.ShowHelp)
        {
            Console.Out.Write(HelpText.Get(Environment.ProcessorCount));
            return 0;
        }
        if (result.ShowVersion)
        {
            Console.Out.WriteLine(HelpText.Version());
            return 0;
        }
        if (!result.IsRun)
        {
            Console.Error.WriteLine($"uvnet: {result.Error}");
            Console.Error.WriteLine("Run 'uvnet --help' for usage.");
            return UsageError;
        }
        return Dispatch(result.Options);
    }

    /// <summary>The one place each command is started from.</summary>
    internal static int Dispatch(CommandLineOptions options) => options.Command switch
    {
        UvnetCommand.Serve => ServeCommand.Run(options),
        UvnetCommand.Hello => HelloCommand.Run(options),
        UvnetCommand.Echo => EchoCommand.Run(options),
        UvnetCommand.Proxy => ProxyCommand.Run(options),
        UvnetCommand.Load => LoadCommand.Run(options.Load!),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Command, "unknown command"),
    };
}
