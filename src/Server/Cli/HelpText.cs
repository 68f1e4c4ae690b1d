using System.Reflection;

namespace Uvnet.Server.Cli;

/// <summary>The text of <c>uvnet --help</c> and <c>uvnet --version</c>.</summary>
public static class HelpText
{
    /// <summary>The help, for a machine with <paramref name="processorCount"/> processors (the default loop count).</summary>
    public static string Get(int processorCount) => $"""
        uvnet: a static file server, TechEmpower's hello endpoints, a TCP echo server and
        a reverse proxy, on Uvnet's event loops (one per processor).

        Usage:
          uvnet [serve] [DIR] [options]   serve the files in DIR (default: the current directory)
          uvnet hello [options]           TechEmpower's /plaintext and /json endpoints
          uvnet echo [options]            a TCP echo server: sends back whatever it reads
          uvnet proxy --to URL [options]  a reverse proxy forwarding every request to URL
          uvnet load URL [load options]   load an HTTP(S) server, report latencies (as wrk2)
          uvnet help                      show this help

        Options:
          -p, --port N     the port to listen on; 0 picks a free one
                           (default: {CommandLineOptions.DefaultHttpPort} for serve, hello and proxy, {CommandLineOptions.DefaultEchoPort} for echo)
              --host H     the address to listen on: an IP address or localhost (default:
                           localhost, this machine only; 0.0.0.0 or :: shares it on the network)
              --loops N    how many event loops, each on its own thread, all accepting from
                           one listening socket (default: one per processor, here {processorCount})
              --dotfiles   serve: also serve and list dotfiles and dot-folders (.git, .env),
                           which are otherwise not found (404)
              --udp        echo: also echo UDP datagrams, on the same port
              --to URL     proxy: the upstream, http://HOST:PORT or https://HOST:PORT
                           (kept-alive connections, X-Forwarded-For/-Proto/-Host and Via
                           added; 502, 503 or 504 when it fails, refuses or stalls)
              --config F   proxy: listeners (TLS, PROXY protocol), routes, clusters (TLS too),
                           timeouts, and an admin listener (/healthz, /metrics) from the
                           JSON file F, instead of --to; SIGHUP reloads it with its
                           certificates (an invalid file is refused, the old one stays)
              --watch      proxy: also reload when the --config file (or --cert, --key)
                           changes
              --cors       serve: let any origin read the files from a browser
                           (Access-Control-Allow-Origin: *, OPTIONS preflights answered)
              --cache N    serve: let caches use a file for N seconds without asking
                           (Cache-Control: max-age=N; default no-cache: revalidate each time)
              --compress   serve: compress text files on the fly (Brotli or gzip) for
                           clients that take it; a .br or .gz beside a file is used as is
              --spa        serve: answer paths that name nothing with ./index.html
                           (a single-page app's routes)
              --auth U:P   serve: ask every request for this user and password (HTTP Basic;
                           over HTTPS, or only on localhost, 127.0.0.1 or ::1)
              --cert FILE  serve, hello, proxy: HTTPS with this PEM certificate chain (leaf
                           first); proxy: read again on SIGHUP (a renewed certificate)
              --key FILE   serve, hello, proxy: the PEM private key of --cert
              --tls-dev    serve, hello, proxy: HTTPS with a self-signed certificate for
                           localhost, made at start-up (its SHA-256 fingerprint is printed)
              --http1-only serve, hello: HTTP/1.1 only (by default HTTP/2 too: h2 by ALPN
                           over TLS, h2c with prior knowledge or Upgrade on plaintext)
          -o, --open       serve: open the URL in a browser once listening ($BROWSER if set)
          -H, --header 'Name: value'
                           serve: add this field to every response (repeatable; load:
                           to every request)
          -q, --quiet      no access log (by default serve, hello and proxy log each request to
                           stdout in the common log format)
              --stats N    every N seconds, each loop prints its handles and open
                           connections to stderr: stats loop=0 handles=5 connections=2
                           (serving HTTPS, also the live OpenSSL connections: ssl=2)
          -h, --help       show this help
              --version    show the version

        Load options (uvnet load URL):
          -c N             connections in all, spread over the threads (default: 64)
          -d T             how long to send: 10s, 500ms, 2m (default: 10s); requests in
                           flight then are waited for
              --warmup T   send for T first, not counted: the runtime optimises the hot
                           path meanwhile (default: 1s; 0 for none, as wrk)
          -t N             threads, each with its own loop (default: 1; at most -c)
              --pipeline N keep N GET/HEAD requests in flight on each connection
              --h2         HTTP/2: h2c (prior knowledge) for http://, h2 by ALPN for https://
              --streams N  with --h2: keep N requests in flight on each connection, each
                           on its own stream (h2load's -m; default: 1), fewer if the
                           server's SETTINGS_MAX_CONCURRENT_STREAMS is lower
              --rate R     open loop: R requests/s in all, latency timed from each request's
                           intended send time (coordinated omission corrected, as wrk2)
          -H 'Name: value' add this field to every request (repeatable)
          -m METHOD        the method (default: GET, POST with --body)
              --body FILE  send FILE's bytes as every request's body
              --timeout MS a request with no byte for MS ms is a timeout error (default: 2000)
              --expect-status N       count any other status as an error
              --expect-body-bytes N   count any other body length as an error
              --json       the report as JSON (latencies in microseconds)
              --latency-csv FILE      write the latency distribution to FILE
          -k, --insecure   https: DO NOT VERIFY the server: accept any certificate
                           (self-signed, expired, another host's). Anyone on the path can
                           then read and change the traffic: for a test certificate only
          Without --expect-status, 4xx and 5xx responses count as errors. An https:// URL
          verifies the server's certificate against the system's trusted roots and the
          URL's host name (sent by SNI); a failed handshake counts as a tls error.
          With --h2, a stream the server resets counts as a reset error, one its GOAWAY
          left unanswered as a goaway error.

        serve answers GET and HEAD: index.html for a directory, else a listing of it;
        ETag and Last-Modified, with 304 for conditional requests; byte ranges (206,
        several as multipart/byteranges, or 416 when out of range); a file's .br or .gz
        sibling when the client accepts that encoding. Nothing outside DIR is served,
        symbolic links leading out of it included, and no dotfile or dot-folder unless
        --dotfiles.
        uvnet holds its port alone: while it listens no other program can, and a port
        already in use stops it with EADDRINUSE.

        Ctrl+C (SIGINT) or SIGTERM stops gracefully: no new connections, requests in
        flight finish, idle connections close, and uvnet exits within a few seconds.
        A second Ctrl+C quits at once.

        Examples:
          uvnet                              serve this directory on http://localhost:{CommandLineOptions.DefaultHttpPort}/
          uvnet serve ./public --port 3000   serve ./public on port 3000
          uvnet serve dist --spa --cors      a single-page app, readable from other origins
          uvnet serve --host 0.0.0.0         serve to the network (IPv4), not just this machine
          uvnet hello --loops 4 --quiet      the benchmark endpoints on 4 loops, no log
          uvnet echo --port 9000             then, in another terminal: nc localhost 9000
          uvnet proxy --to http://127.0.0.1:3000   proxy port 8080 to an app on port 3000
          uvnet load http://127.0.0.1:8080/ -c 64 -d 10s --rate 20000
          uvnet load https://localhost:8443/plaintext -k   against a --tls-dev server
          uvnet load http://127.0.0.1:8080/ --h2 -c 4 --streams 32   HTTP/2, 128 in flight

        """;

    /// <summary>The version line: <c>uvnet</c> and the package version.</summary>
    public static string Version()
    {
        var assembly = typeof(HelpText).Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        return $"uvnet {version}";
    }
}
