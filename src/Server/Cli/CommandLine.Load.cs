using System.Globalization;
using System.Text.RegularExpressions;
using Uvnet.Server.Load;
using Uvnet.Tls;

namespace Uvnet.Server.Cli;

/// <summary><c>uvnet load</c>'s options.</summary>
public static partial class CommandLine
{
    /// <summary>The most threads <c>-t</c> accepts.</summary>
    public const int MaxLoadThreads = 1024;

    /// <summary>The highest <c>--rate</c>, in requests per second: far beyond one machine, low enough to catch a typo.</summary>
    public const double MaxLoadRate = 100_000_000;

    /// <summary>The longest <c>-d</c>: a day.</summary>
    public static readonly TimeSpan MaxLoadDuration = TimeSpan.FromDays(1);

    /// <summary>The longest <c>--timeout</c>, in milliseconds: an hour.</summary>
    public const int MaxLoadTimeoutMs = 3_600_000;

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)(?<unit>ms|s|m|h)?$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex TokenPattern();

    private sealed partial class Parser
    {
        private int? _connections, _threads, _pipeline, _streams, _timeoutMs, _expectStatus;
        private long? _expectBodyBytes;
        private double? _rate;
        private TimeSpan? _duration, _warmup;
        private string? _method, _bodyFile, _latencyCsv;
        private bool _json, _insecure, _h2;

        /// <summary>The first load-only option given, for the error when another command has it.</summary>
        private string? _loadOptionGiven;

        /// <summary>Takes <c>load</c>'s option <paramref name="name"/> if it is one; false when it is not.</summary>
        private bool TakeLoadOption(IReadOnlyList<string> args, ref int i, string name, string? value)
        {
            switch (name)
            {
                case "-c" or "--connections":
                    _connections = TakeLoadNumber(args, ref i, name, value, 1, LoadOptions.MaxConnections) ?? _connections;
                    break;
                case "-t" or "--threads":
                    _threads = TakeLoadNumber(args, ref i, name, value, 1, MaxLoadThreads) ?? _threads;
                    break;
                case "--pipeline":
                    _pipeline = TakeLoadNumber(args, ref i, name, value, 1, LoadOptions.MaxPipeline) ?? _pipeline;
                    break;
                case "--streams":
                    _streams = TakeLoadNumber(args, ref i, name, value, 1, LoadOptions.MaxPipeline) ?? _streams;
                    break;
                case "--h2":
                    _loadOptionGiven ??= name;
                    _h2 = TakeFlag(name, value);
                    break;
                case "--timeout":
                    _timeoutMs = TakeLoadNumber(args, ref i, name, value, 1, MaxLoadTimeoutMs) ?? _timeoutMs;
                    break;
                case "--expect-status":
                    _expectStatus = TakeLoadNumber(args, ref i, name, value, 100, 999) ?? _expectStatus;
                    break;
                case "--expect-body-bytes":
                    if (TakeLoadValue(args, ref i, name, value) is { } bytes)
                    {
                        if (long.TryParse(bytes, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                            _expectBodyBytes = n;
                        else
                            Fail($"option '{name}' takes a whole number of bytes, not '{bytes}'");
                    }
                    break;
                case "-d" or "--duration":
                    if (TakeLoadValue(args, ref i, name, value) is { } duration)
                        _duration = ParseDuration(name, duration) ?? _duration;
                    break;
                case "--warmup":
                    if (TakeLoadValue(args, ref i, name, value) is { } warmup)
                        _warmup = warmup == "0" ? TimeSpan.Zero : ParseDuration(name, warmup) ?? _warmup; // 0: none, as wrk
                    break;
                case "--rate" or "-R":
                    if (TakeLoadValue(args, ref i, name, value) is { } rate)
                    {
                        if (double.TryParse(rate, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double r) && r > 0 && r <= MaxLoadRate)
                            _rate = r;
                        else
                            Fail($"option '{name}' takes requests per second, above 0 and at most {MaxLoadRate:0}, not '{rate}'");
                    }
                    break;
                case "-m" or "--method":
                    if (TakeLoadValue(args, ref i, name, value) is { } method)
                    {
                        if (TokenPattern().IsMatch(method))
                            _method = method.ToUpperInvariant();
                        else
                            Fail($"option '{name}' takes a method name (a token, as GET or POST), not '{method}'");
                    }
                    break;
                case "--body":
                    _bodyFile = TakeLoadValue(args, ref i, name, value) ?? _bodyFile;
                    break;
                case "--latency-csv":
                    _latencyCsv = TakeLoadValue(args, ref i, name, value) ?? _latencyCsv;
                    break;
                case "--json":
                    _loadOptionGiven ??= name;
                    _json = TakeFlag(name, value);
                    break;
                case "-k" or "--insecure":
                    _loadOptionGiven ??= name;
                    _insecure = TakeFlag(name, value);
                    break;
                default:
                    return false;
            }
            return true;
        }

        private string? TakeLoadValue(IReadOnlyList<string> args, ref int i, string name, string? value)
        {
            _loadOptionGiven ??= name;
            return TakeValue(args, ref i, name, value);
        }

        private int? TakeLoadNumber(IReadOnlyList<string> args, ref int i, string name, string? value, int min, int max) =>
            TakeLoadValue(args, ref i, name, value) is { } text ? ParseNumber(name, text, min, max) : null;

        /// <summary>wrk's durations: <c>10s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>; a bare number is seconds.</summary>
        private TimeSpan? ParseDuration(string name, string text)
        {
            var match = DurationPattern().Match(text);
            if (match.Success && double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n))
            {
                // Bounded as a double first: TimeSpan.FromHours and the like throw past TimeSpan.MaxValue (-d 99999999999h).
                double ms = n * match.Groups["unit"].Value switch { "ms" => 1, "m" => 60_000, "h" => 3_600_000, _ => 1000 };
                if (ms >= 1 && ms <= MaxLoadDuration.TotalMilliseconds)
                    return TimeSpan.FromTicks((long)Math.Round(ms * TimeSpan.TicksPerMillisecond));
            }
            Fail($"option '{name}' takes a duration from 1ms to 24h, as 10s, 500ms or 2m, not '{text}'");
            return null;
        }

        /// <summary>The command line of <c>load</c>, whose positionals are <paramref name="positionals"/> (the URL).</summary>
        private CommandLineResult FinishLoad(List<string> positionals)
        {
            if (positionals.Count == 0)
                return CommandLineResult.Fail("load needs a URL, as http://127.0.0.1:8080/");
            if (positionals.Count > 1)
                return CommandLineResult.Fail($"unexpected argument '{positionals[1]}'");
            if (ServerOptionGiven() is { } serverOnly)
                return CommandLineResult.Fail($"option '{serverOnly}' is not for load");
            string url = positionals[0];
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Host.Length == 0 || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
                return CommandLineResult.Fail($"load takes an http[s]://HOST[:PORT]/PATH URL, not '{url}'");
            if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                return CommandLineResult.Fail($"load takes an http:// or https:// URL, not '{url}'");
            bool https = uri.Scheme == Uri.UriSchemeHttps;
            if (_insecure && !https)
                return CommandLineResult.Fail("option '--insecure' is for https:// URLs (it skips the server certificate's verification)");
            int connections = _connections ?? LoadOptions.DefaultConnections;
            int threads = _threads ?? 1;
            if (threads > connections)
                return CommandLineResult.Fail($"-t {threads} needs at least as many connections (-c {connections}): each thread has its own");
            string method = _method ?? (_bodyFile is null ? "GET" : "POST");
            if (_h2 && _pipeline is not null)
                return CommandLineResult.Fail("option '--pipeline' is for HTTP/1.1: with --h2, --streams N keeps N requests in flight on each connection");
            if (!_h2 && _streams is not null)
                return CommandLineResult.Fail("option '--streams' is for HTTP/2: add --h2 (HTTP/1.1 has --pipeline)");
            int pipeline = _pipeline ?? 1;
            int streams = _streams ?? 1;
            int perConnection = _h2 ? streams : pipeline;
            if ((long)connections * perConnection > LoadOptions.MaxInFlight)
                return CommandLineResult.Fail($"-c {connections} with {(_h2 ? "--streams" : "--pipeline")} {perConnection} keeps more than {LoadOptions.MaxInFlight} requests in flight");
            if (pipeline > 1 && (_bodyFile is not null || method is not ("GET" or "HEAD")))
                return CommandLineResult.Fail("option '--pipeline' is for GET and HEAD without a body (only those are safe to send again when a connection fails)");
            byte[]? body = null;
            if (_bodyFile is not null)
            {
                try
                {
                    body = File.ReadAllBytes(_bodyFile);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    return CommandLineResult.Fail($"option '--body': cannot read '{_bodyFile}': {e.Message}");
                }
            }
            TimeSpan duration = _duration ?? TimeSpan.FromSeconds(10);
            if (_rate is { } rate && Math.Round(rate * duration.TotalSeconds) < 1)
                return CommandLineResult.Fail($"--rate {rate} for {duration.TotalSeconds} s sends no request: raise the rate or the duration");
            return CommandLineResult.Run(new CommandLineOptions
            {
                Command = UvnetCommand.Load,
                Host = null,
                Load = new LoadOptions
                {
                    Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host,
                    Port = uri.Port,
                    Path = uri.PathAndQuery,
                    Method = method,
                    Headers = [.. _headers],
                    Body = body,
                    // The host (a name: also sent by SNI) is the one the certificate must carry, as curl and Node check it.
                    // ALPN offers the one protocol loaded: a server choosing another fails the connection (--h2: a tls error).
                    Tls = !https ? null : new TlsClientOptions { AlpnProtocols = [_h2 ? "h2" : "http/1.1"], DangerousAcceptAnyServerCertificate = _insecure },
                    Connections = connections,
                    Threads = threads,
                    Duration = duration,
                    Warmup = _warmup ?? LoadOptions.DefaultWarmup,
                    Pipeline = pipeline,
                    Http2 = _h2,
                    Streams = streams,
                    Rate = _rate,
                    TimeoutMs = _timeoutMs ?? LoadOptions.DefaultTimeoutMs,
                    ExpectStatus = _expectStatus,
                    ExpectBodyBytes = _expectBodyBytes,
                    Json = _json,
                    LatencyCsv = _latencyCsv,
                },
            });
        }

        /// <summary>The first option given that is a server's (every command's but load's), or null.</summary>
        private string? ServerOptionGiven() =>
            _port is not null ? "--port" : _host is not null ? "--host" : _loops is not null ? "--loops"
            : _statsSeconds is not null ? "--stats" : _quiet ? "--quiet" : _udp ? "--udp" : _proxyTo is not null ? "--to"
            : _proxyConfig is not null ? "--config" : _certFile is not null ? "--cert" : _keyFile is not null ? "--key"
            : _tlsDev ? "--tls-dev" : ServeOnlyOptionGiven(headersShared: true);
    }
}
