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
            files = new StaticFileHandler(options.Directory ?? ".", new StaticFileOptions
            {
                ServeDotfiles = options.Dotfiles,
                Cors = options.Cors,
                MaxAge = options.MaxAge,
                SinglePageApplication = options.SinglePageApplication,
                ExtraHeaders = options.ExtraHeaders,
                Credentials = options.Credentials,
                Compress = options.Compress,
            });
        }
        catch (DirectoryNotFoundException e)
        {
            error.WriteLine($"uvnet: {e.Message}");
            return Program.UsageError;
        }
        if (!TlsSetup.TryCreate(options, output, error, out var tls))
            return Program.UsageError;
        return CommandRunner.RunWithAccessLog(options, (loop, log) => CreateHttpService(loop, files, log, tls, !options.Http1Only), port =>
        {
            // The banner is made once, when the server listens: the moment a browser can load the page.
            if (options.OpenBrowser)
                Browser.Open(new Uri(StartupBanner.HttpUrls(options.Host, port, [], options.Tls).First()), error);
            return Banner(files.Resolver.Root, options, port, StartupBanner.LanAddresses());
        }, output, error);
    }

    /// <summary>The start-up text: what is served, and the URLs to open.</summary>
    internal static string Banner(string root, CommandLineOptions options, int port, IReadOnlyList<System.Net.IPAddress> lanAddresses) =>
        StartupBanner.Format($"Serving {root}", StartupBanner.HttpUrls(options.Host, port, lanAddresses, options.Tls), options.Loops, options.Host);

    /// <summary>One loop's server, answering each request with <paramref name="files"/> (<see cref="StaticFileHandler.Handle"/>).</summary>
    private static ILoopService CreateHttpService(Loop loop, StaticFileHandler files, AccessLog? log, Tls.TlsServerOptions? tls, bool http2) =>
        new HttpLoopService(loop, (req, res) => Respond(files, req, res), log, tls: tls, http2: http2);

    /// <summary>
    /// The status for a file found by the decision that then could not be opened: unreadable (403), gone since
    /// (404), or the process out of descriptors (503: the server's shortage, which passes, not the file's absence).
    /// </summary>
    internal static int OpenFailureStatus(Exception error) => error switch
    {
        UnauthorizedAccessException => 403,
        IOException { HResult: -UvError.EMFILE or -UvError.ENFILE } => 503, // .NET's HResult is the errno on Unix
        _ => 404,
    };

    /// <summary>Applies the static-file decision; file bodies go out with sendfile(2).</summary>
    private static void Respond(StaticFileHandler files, Http.Server.IncomingMessage req, Http.Server.ServerResponse res)
    {
        StaticFileResponse decision = files.Handle(StaticFileRequest.From(req.Method, req.Url, name => req.Headers[name]), DateTimeOffset.UtcNow);
        res.StatusCode = decision.StatusCode;
        foreach (var (name, value) in decision.Headers)
            res.SetHeader(name, value);
        if (!decision.SendBody)
        {
            res.End();
            return;
        }
        if (decision.File is not { } file)
        {
            res.End(decision.Body.Span);
            return;
        }
        if (file.Length == 0)
        {
            // Nothing to send, so nothing to open: this also keeps the loop from blocking in open(2) on a FIFO or a
            // device under the folder, whose size is 0 too.
            res.End();
            return;
        }
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(file.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            res.SetHeader("Content-Length", "0"); // the file's length no longer applies (removed, it would stay removed: chunked)
            res.StatusCode = OpenFailureStatus(e);
            if (res.StatusCode == 503)
                res.SetHeader("Retry-After", "1");
            res.End();
            return;
        }
        Action<Http.Server.ServerResponse> release = _ => handle.Dispose();
        res.Finish += release;
        res.Close += release;
        res.SendFile(handle, file.Offset, file.Length);
    }
}
