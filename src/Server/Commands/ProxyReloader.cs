using Uvnet.Proxy;

namespace Uvnet.Server.Commands;

/// <summary>
/// Reloads <c>uvnet proxy</c>'s configuration file and certificates (on SIGHUP, or when <c>--watch</c> sees one of
/// the files change): read and validated whole once, then posted to every loop's proxy, each swapping it in for its new
/// requests, connections and handshakes. An invalid file or certificate is refused, its error written, and every loop
/// keeps the configuration it has. Called on the first loop's thread.
/// </summary>
internal sealed class ProxyReloader
{
    private readonly string _file;
    private readonly Func<ProxyConfig> _load;
    private readonly ProxyConfig _started;
    private readonly TextWriter _error;
    private readonly string[] _watched;
    private IReadOnlyList<string> _named; // the files the configuration in use names (certificates, keys, CAs)
    private readonly List<(Loop Loop, Action<ProxyConfig> Apply)> _proxies = [];
    private (DateTime Written, long Length)[] _stamps;

    /// <param name="file">The name errors are reported under (the configuration file, or --cert's).</param>
    /// <param name="load">Reads and validates the configuration (throws ArgumentException or IOException).</param>
    /// <param name="started">The configuration the proxy started with.</param>
    /// <param name="error">Where reloads are reported.</param>
    /// <param name="watched">The files --watch looks at, beside those the configuration names (<see cref="ProxyConfig.Files"/>).</param>
    internal ProxyReloader(string file, Func<ProxyConfig> load, ProxyConfig started, TextWriter error, string[] watched)
    {
        _file = file;
        _load = load;
        _started = started;
        _error = error;
        _watched = watched;
        _named = started.Files;
        _stamps = Stamps();
    }

    /// <summary>Adds a loop's proxy; <paramref name="apply"/> runs on <paramref name="loop"/>'s thread.</summary>
    internal void Add(Loop loop, Action<ProxyConfig> apply)
    {
        lock (_proxies)
            _proxies.Add((loop, apply));
    }

    /// <summary>Reloads when a watched file's time or length changed since they were last read (--watch, polled).</summary>
    internal void ReloadIfChanged()
    {
        if (!Stamps().SequenceEqual(_stamps))
            Reload();
    }

    /// <summary>Reads and validates the file, then hands it to every loop; "reloaded" is written once each has taken it.</summary>
    internal void Reload()
    {
        _stamps = Stamps();
        ProxyConfig config;
        try
        {
            config = _load();
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            _error.WriteLine($"uvnet: {_file}: reload refused, the configuration in use stays: {e.Message}");
            return;
        }
        if (!config.Files.SequenceEqual(_named))
        {
            // Files named anew are stamped now (those named before kept their stamps from before the read).
            _named = config.Files;
            _stamps = Stamps();
        }
        if (config.AdminPort != _started.AdminPort || config.AdminHost != _started.AdminHost)
            _error.WriteLine($"uvnet: {_file}: the admin listener stays where it is until the next start");
        if (config.Listener.ProxyProtocol != _started.Listener.ProxyProtocol || (config.Listener.Tls is null) != (_started.Listener.Tls is null))
            _error.WriteLine($"uvnet: {_file}: the --port listener stays plain or TLS, and keeps its PROXY protocol setting, until the next start (a new certificate is taken)");
        (Loop Loop, Action<ProxyConfig> Apply)[] proxies;
        lock (_proxies)
            proxies = [.. _proxies];
        int left = proxies.Length;
        foreach (var (loop, apply) in proxies)
        {
            try
            {
                loop.Post(() =>
                {
                    apply(config);
                    if (Interlocked.Decrement(ref left) == 0)
                        _error.WriteLine($"uvnet: {_file}: reloaded ({config.Options.Routes.Count} routes, {config.Options.Clusters.Count} clusters, {config.Listeners.Count + 1} listeners)");
                });
            }
            catch (ObjectDisposedException)
            {
                // That loop has ended (the process is shutting down): nothing is left there to reload.
            }
        }
    }

    /// <summary>Each watched file's last write time and length (both: a rewrite within the clock's resolution changes the length, mostly).</summary>
    private (DateTime, long)[] Stamps() => [.. _watched.Concat(_named).Select(file =>
    {
        var info = new FileInfo(file);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
    })];
}
