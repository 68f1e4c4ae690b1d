using Uvnet.Server.Cli;
using Uvnet.Server.Hello;
using Uvnet.Server.Hosting;
using Uvnet.Server.Logging;

namespace Uvnet.Server.Commands;

/// <summary><c>uvnet hello</c>: TechEmpower's <c>/plaintext</c> and <c>/json</c> endpoints.</summary>
public static class HelloCommand
{
    /// <summary>Serves the endpoints until SIGINT or SIGTERM; returns the exit code.</summary>
    public static int Run(CommandLineOptions options) => Run(options, Console.Out, Console.Error);

    /// <summary>Serves the endpoints, writing the start-up text and the access log to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(CommandLineOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!TlsSetup.TryCreate(options, output, error, out var tls))
            return Program.UsageError;
        return CommandRunner.RunWithAccessLog(options, (loop, log) => CreateHttpService(loop, log, tls, !options.Http1Only), port => Banner(options, port), output, error);
    }

    /// <summary>The start-up text: the two endpoints' URLs.</summary>
    internal static string Banner(CommandLineOptions options, int port)
    {
        string root = StartupBanner.HttpUrls(options.Host, port, [], options.Tls)[0];
        return StartupBanner.Format("uvnet hello: TechEmpower's plaintext and json tests", [root + "plaintext", root + "json"], options.Loops, options.Host);
    }

    /// <summary>One loop's server, answering per <see cref="HelloEndpoints.Route"/> as TechEmpower's rules ask.</summary>
    private static ILoopService CreateHttpService(Loop loop, AccessLog? log, Tls.TlsServerOptions? tls, bool http2)
    {
        // The json body is serialised for each request, as the rules require, into a buffer the loop reuses:
        // the response copies it.
        var json = new System.Buffers.ArrayBufferWriter<byte>(64);
        return new HttpLoopService(loop, (req, res) =>
        {
            switch (HelloEndpoints.Route(req.PathBytes))
            {
                case HelloEndpoint.Plaintext:
                    res.SetHeader("Content-Type", HelloEndpoints.PlaintextContentType);
                    res.End(HelloEndpoints.PlaintextBody);
                    break;
                case HelloEndpoint.Json:
                    json.ResetWrittenCount();
                    HelloEndpoints.WriteJson(json);
                    res.SetHeader("Content-Type", HelloEndpoints.JsonContentType);
                    res.End(json.WrittenSpan);
                    break;
                default:
                    res.StatusCode = 404;
                    res.End();
                    break;
            }
        }, log, tls: tls, http2: http2);
    }
}
