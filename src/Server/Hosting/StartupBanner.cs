using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Uvnet.Server.Hosting;

/// <summary>The start-up lines: where to point a browser (or <c>nc</c>).</summary>
public static class StartupBanner
{
    /// <summary>
    /// The URLs a person can open for a server on <paramref name="host"/> and <paramref name="port"/>: for every
    /// interface (null, <c>0.0.0.0</c> or <c>::</c>), <c>http://localhost:port/</c> first and then each address of
    /// <paramref name="lanAddresses"/> (see <see cref="LanAddresses"/>); otherwise the one address.
    /// </summary>
    public static IReadOnlyList<string> HttpUrls(string? host, int port, IEnumerable<IPAddress> lanAddresses) =>
        HttpUrls(host, port, lanAddresses, secure: false);

    /// <summary>As <see cref="HttpUrls(string?, int, IEnumerable{IPAddress})"/>, <c>https://</c> when <paramref name="secure"/>.</summary>
    public static IReadOnlyList<string> HttpUrls(string? host, int port, IEnumerable<IPAddress> lanAddresses, bool secure)
    {
        ArgumentNullException.ThrowIfNull(lanAddresses);
        string scheme = secure ? "https" : "http";
        if (!IsEveryInterface(host))
            return [$"{scheme}://{HostPort(host, port)}/"];
        var urls = new List<string> { $"{scheme}://localhost:{port}/" };
        urls.AddRange(lanAddresses.Select(a => $"{scheme}://{HostPort(a.ToString(), port)}/"));
        return urls;
    }

    /// <summary><paramref name="host"/>:<paramref name="port"/>, with an IPv6 address in brackets; <c>localhost</c> for every interface.</summary>
    public static string HostPort(string? host, int port)
    {
        string name = ConnectHost(host);
        return name.Contains(':') ? $"[{name}]:{port}" : $"{name}:{port}";
    }

    /// <summary>The name a client on this machine connects to: <paramref name="host"/>, or <c>localhost</c> for every interface.</summary>
    public static string ConnectHost(string? host) => IsEveryInterface(host) ? "localhost" : host!;

    /// <summary>The line under the URLs of a server listening on a loopback address: who can reach it, and how to widen that.</summary>
    public const string ShareHint = "  this machine only: use --host 0.0.0.0 to share on the network";

    /// <summary>
    /// The lines <c>uvnet</c> prints once listening on <paramref name="host"/>: the first URL, then any others, then
    /// <see cref="ShareHint"/> for a loopback address, then how to stop.
    /// </summary>
    public static string Format(string what, IReadOnlyList<string> urls, int loops, string? host)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var lines = new List<string> { $"{what} at {urls[0]}" };
        lines.AddRange(urls.Skip(1).Select(url => $"  also at {url}"));
        if (IsLoopback(host))
            lines.Add(ShareHint);
        lines.Add($"{loops} {(loops == 1 ? "loop" : "loops")}; Ctrl+C to stop");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// The start-up line that names the I/O backend where it is not the system's default: <c>  backend: io_uring</c>, or,
    /// where io_uring was asked for (UVNET_BACKEND=io_uring) and could not be had, <c>  backend: epoll, </c> and why;
    /// null on the default.
    /// </summary>
    public static string? BackendLine(LoopBackend backend, string? fallbackReason) =>
        fallbackReason is not null ? $"  backend: {Name(backend)}, {fallbackReason}"
        : backend == LoopBackend.IoUring ? $"  backend: {Name(backend)}"
        : null;

    private static string Name(LoopBackend backend) => backend switch
    {
        LoopBackend.IoUring => "io_uring",
        _ => backend.ToString().ToLowerInvariant(),
    };

    /// <summary>This machine's IPv4 addresses on interfaces that are up, loopback excepted (empty when they cannot be read).</summary>
    public static IReadOnlyList<IPAddress> LanAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                .Distinct()
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    private static bool IsEveryInterface(string? host) => host is null or "0.0.0.0" or "::";

    private static bool IsLoopback(string? host) =>
        host == "localhost" || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));
}
