using Uvnet.Server.Cli;
using Uvnet.Server.Hosting;
using Uvnet.Server.Logging;
using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Commands;

/// <summary><c>uvnet serve [dir]</c>: the static file server.</summary>
public static class ServeCommand
{
    /// <summary>Serves <see cref="CommandLineOptions.Directory"/> until SIGINT or SIGTERM; returns the exit code.</summary>
    public static int Run(CommandLineOptions options) => Run(options, Console.Out, Console.Error);

    /// <summary>Serves, writing the start-up text and the access log to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(CommandLineOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        StaticFileHandler files;
        try
        {
            files = new StaticFileHandler(options.Directory ?? ".");
        }
        catch (DirectoryNotFoundException e)
        {
            error.WriteLine($"uvnet: {e.Message}");
            return Program.UsageError;
        }
        return CommandRunner.RunWithAccessLog(options, (loop, log) => CreateHttpService(loop, files, log),
            port => Banner(files.Resolver.Root, options, port, StartupBanner.LanAddresses()), output, error);
    }

    /// <summary>The start-up text: what is served, and the URLs to open.</summary>
    internal static string Banner(string root, CommandLineOptions options, int port, IReadOnlyList<System.Net.IPAddress> lanAddresses) =>
        StartupBanner.Format($"Serving {root}", StartupBanner.HttpUrls(options.Host, port, lanAddresses), options.Loops);

    /// <summary>One loop's server, answering each request with <paramref name="files"/> (<see cref="StaticFileHandler.Handle"/>).</summary>
    private static ILoopService CreateHttpService(Loop loop, StaticFileHandler files, AccessLog? log) =>
        new HttpLoopService(loop, (req, res) => Respond(files, req, res), log);

    /// <summary>Applies the static-file decision; file bodies go out with sendfile(2). Returns the body length sent.</summary>
    private static long Respond(StaticFileHandler files, Http.Server.IncomingMessage req, Http.Server.ServerResponse res)
    {
        StaticFileResponse decision = files.Handle(StaticFileRequest.From(req.Method, req.Url, name => req.Headers[name]), DateTimeOffset.UtcNow);
        res.StatusCode = decision.StatusCode;
        foreach (var (name, value) in decision.Headers)
            res.SetHeader(name, value);
        if (!decision.SendBody)
        {
            res.End();
            return 0;
        }
        if (decision.File is not { } file)
        {
            res.End(decision.Body.Span);
            return decision.Body.Length;
        }
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(file.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone or unreadable between the decision and the open.
            res.RemoveHeader("Content-Length");
            res.StatusCode = e is UnauthorizedAccessException ? 403 : 404;
            res.End();
            return 0;
        }
        res.Finish += _ => handle.Dispose();
        res.Close += _ => handle.Dispose();
        res.SendFile(handle, file.Offset, file.Length);
        return file.Length;
    }
}
