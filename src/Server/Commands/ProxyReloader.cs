using Uvnet.Proxy;

namespace Uvnet.Server.Commands;

/// <summary>
/// Reloads <c>uvnet proxy</c>'s configuration file (on SIGHUP, or when <c>--watch</c> sees it change): read and
/// validated whole once, then posted to every loop's proxy, each swapping it in for its new requests. An invalid file
/// is refused, its error written, and every loop keeps the configuration it has. Called on the first loop's thread.
/// </summary>
internal sealed class ProxyReloader
{
    private readonly string _file;
    private readonly ProxyConfig _started;
    private readonly TextWriter _error;
    private readonly List<(Loop Loop, Action<ProxyOptions> Apply)> _proxies = [];
    private (DateTime Written, long Length) _stamp;

    internal ProxyReloader(string file, ProxyConfig started, TextWriter error)
    {
        _file = file;
        _started = started;
        _error = error;
        _stamp = Stamp(file);
    }

    /// <summary>Adds a loop's proxy; <paramref name="apply"/> runs on <paramref name="loop"/>'s thread.</summary>
    internal void Add(Loop loop, Action<ProxyOptions> apply)
    {
        lock (_proxies)
            _proxies.Add((loop, apply));
    }

    /// <summary>Reloads when the file's time or length changed since it was last read (--watch, polled).</summary>
    internal void ReloadIfChanged()
    {
        if (Stamp(_file) != _stamp)
            Reload();
    }

    /// <summary>Reads and validates the file, then hands it to every loop; "reloaded" is written once each has taken it.</summary>
    internal void Reload()
    {
        _stamp = Stamp(_file);
        ProxyConfig config;
        try
        {
            config = ProxyConfig.Load(File.ReadAllText(_file), Path.GetDirectoryName(Path.GetFullPath(_file)));
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            _error.WriteLine($"uvnet: {_file}: reload refused, the configuration in use stays: {e.Message}");
            return;
        }
        if (config.AdminPort != _started.AdminPort || config.AdminHost != _started.AdminHost)
            _error.WriteLine($"uvnet: {_file}: the admin listener stays where it is until the next start");
        if (config.Listener.ProxyProtocol != _started.Listener.ProxyProtocol || (config.Listener.Tls is null) != (_started.Listener.Tls is null))
            _error.WriteLine($"uvnet: {_file}: the listener keeps its TLS and PROXY protocol settings (and certificate) until the next start");
        (Loop Loop, Action<ProxyOptions> Apply)[] proxies;
        lock (_proxies)
            proxies = [.. _proxies];
        int left = proxies.Length;
        foreach (var (loop, apply) in proxies)
        {
            try
            {
                loop.Post(() =>
                {
                    apply(config.Options);
                    if (Interlocked.Decrement(ref left) == 0)
                        _error.WriteLine($"uvnet: {_file}: reloaded ({config.Options.Routes.Count} routes, {config.Options.Clusters.Count} clusters)");
                });
            }
            catch (ObjectDisposedException)
            {
                // That loop has ended (the process is shutting down): nothing is left there to reload.
            }
        }
    }

    /// <summary>The file's last write time and length (both: a rewrite within the clock's resolution changes the length, mostly).</summary>
    private static (DateTime, long) Stamp(string file)
    {
        var info = new FileInfo(file);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
    }
}
