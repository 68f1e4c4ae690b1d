using System.Net;
using System.Net.Sockets;

namespace Uvnet.Net;

/// <summary>
/// Node's <c>net</c> module functions: <see cref="CreateServer(Loop, Action{Socket}?)"/>,
/// <see cref="CreateConnection(Loop, int, string, Action?)"/> (and its alias <see cref="Connect(Loop, int, string, Action?)"/>),
/// <see cref="IsIP"/>, <see cref="IsIPv4"/> and <see cref="IsIPv6"/>.
/// </summary>
public static class Net
{
    // Node's default host for net.connect(port).
    private const string DefaultHost = "localhost";

    /// <summary>Creates a server, as Node's <c>net.createServer(connectionListener)</c>: a <see cref="Server"/> not listening yet.</summary>
    public static Server CreateServer(Loop loop, Action<Socket>? connectionListener = null) => new(loop, connectionListener);

    /// <summary>Creates a server with <paramref name="options"/>, as Node's <c>net.createServer(options, connectionListener)</c>.</summary>
    /// <exception cref="ArgumentException">The options exclude each other (<see cref="ServerOptions.ReusePort"/> with <see cref="ServerOptions.SharePort"/>).</exception>
    public static Server CreateServer(Loop loop, ServerOptions options, Action<Socket>? connectionListener = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(loop, connectionListener, options);
    }

    /// <summary>
    /// Creates a socket and connects it to <paramref name="port"/> on localhost, as Node's
    /// <c>net.createConnection(port, connectListener)</c>; see <see cref="Socket.Connect(int, string, Action?)"/>.
    /// </summary>
    public static Socket CreateConnection(Loop loop, int port, Action? connectListener = null) =>
        CreateConnection(loop, port, DefaultHost, connectListener);

    /// <summary>
    /// Creates a socket and connects it to <paramref name="port"/> on <paramref name="host"/>, as Node's
    /// <c>net.createConnection(port, host, connectListener)</c>: <paramref name="connectListener"/> is a one-time
    /// <see cref="Socket.Connected"/> handler; a failure is raised through the socket's <see cref="Socket.Error"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The port is not 0–65535.</exception>
    public static Socket CreateConnection(Loop loop, int port, string host, Action? connectListener = null)
    {
        var socket = new Socket(loop);
        socket.Connect(port, host, connectListener);
        return socket;
    }

    /// <summary>Creates a socket and connects it to the Unix socket at <paramref name="path"/>, as Node's <c>net.createConnection(path, connectListener)</c>.</summary>
    public static Socket CreateConnection(Loop loop, string path, Action? connectListener = null)
    {
        var socket = new Socket(loop);
        socket.Connect(path, connectListener);
        return socket;
    }

    /// <summary>
    /// Creates a socket with <paramref name="options"/> and connects it to their <see cref="ConnectOptions.Port"/> (on
    /// their host) or, without a port, their <see cref="ConnectOptions.Path"/>, as Node's
    /// <c>net.createConnection(options, connectListener)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The options name neither a port nor a path, or both.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The port is not 0–65535, or a delay or the timeout is negative.</exception>
    public static Socket CreateConnection(Loop loop, ConnectOptions options, Action? connectListener = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        if ((options.Port is null) == (options.Path is null))
            throw new ArgumentException("Connect options must name a port or a path, not both (ERR_INVALID_ARG_VALUE).", nameof(options));
        if (options.Port is { } port)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(port, nameof(options));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort, nameof(options));
            ArgumentException.ThrowIfNullOrEmpty(options.Host, nameof(options));
        }
        else
        {
            ArgumentException.ThrowIfNullOrEmpty(options.Path, nameof(options)); // before the options start a timer
        }
        ArgumentOutOfRangeException.ThrowIfNegative(options.KeepAliveInitialDelay, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Timeout, nameof(options));
        var socket = new Socket(loop, new SocketOptions { AllowHalfOpen = options.AllowHalfOpen });
        if (options.NoDelay)
            socket.SetNoDelay();
        if (options.KeepAlive)
            socket.SetKeepAlive(true, options.KeepAliveInitialDelay);
        if (options.Timeout > 0)
            socket.SetTimeout(options.Timeout);
        if (options.Port is { } tcpPort)
            socket.Connect(tcpPort, options.Host, connectListener);
        else
            socket.Connect(options.Path!, connectListener);
        return socket;
    }

    /// <summary>Node's alias of <see cref="CreateConnection(Loop, ConnectOptions, Action?)"/>.</summary>
    public static Socket Connect(Loop loop, ConnectOptions options, Action? connectListener = null) =>
        CreateConnection(loop, options, connectListener);

    /// <summary>Node's alias of <see cref="CreateConnection(Loop, int, Action?)"/>.</summary>
    public static Socket Connect(Loop loop, int port, Action? connectListener = null) => CreateConnection(loop, port, connectListener);

    /// <summary>Node's alias of <see cref="CreateConnection(Loop, int, string, Action?)"/>.</summary>
    public static Socket Connect(Loop loop, int port, string host, Action? connectListener = null) =>
        CreateConnection(loop, port, host, connectListener);

    /// <summary>Node's alias of <see cref="CreateConnection(Loop, string, Action?)"/>.</summary>
    public static Socket Connect(Loop loop, string path, Action? connectListener = null) => CreateConnection(loop, path, connectListener);

    /// <summary>As Node's <c>net.isIP</c>: 4 for an IPv4 address in dotted-decimal form, 6 for an IPv6 address (with an optional zone), otherwise 0.</summary>
    public static int IsIP(string? input) => IsIPv4(input) ? 4 : IsIPv6(input) ? 6 : 0;

    /// <summary>
    /// As Node's <c>net.isIPv4</c>: four decimal numbers 0–255 without leading zeros, separated by dots. Stricter than
    /// <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>, which also takes "127.1" and hexadecimal parts.
    /// </summary>
    public static bool IsIPv4(string? input) => input is not null && IsDottedQuad(input);

    /// <summary>
    /// As Node's <c>net.isIPv6</c>: eight groups of one to four hexadecimal digits, one "::" standing for one or more
    /// zero groups, the last two groups optionally written as an IPv4 address, and an optional zone ("%eth0").
    /// </summary>
    public static bool IsIPv6(string? input)
    {
        if (input is null)
            return false;
        ReadOnlySpan<char> text = input;
        int percent = text.IndexOf('%');
        if (percent >= 0)
        {
            if (!IsZone(text[(percent + 1)..]))
                return false;
            text = text[..percent];
        }
        int groups = 0;
        bool compressed = false;
        if (text.StartsWith("::"))
        {
            compressed = true;
            text = text[2..];
            if (text.IsEmpty)
                return true;
        }
        while (true)
        {
            int colon = text.IndexOf(':');
            ReadOnlySpan<char> group = colon < 0 ? text : text[..colon];
            bool ipv4Tail = colon < 0 && group.Contains('.'); // the last two groups written as an IPv4 address
            if (ipv4Tail ? !IsDottedQuad(group) : !IsHexGroup(group))
                return false;
            groups += ipv4Tail ? 2 : 1;
            if (colon < 0)
                return compressed ? groups <= 7 : groups == 8;
            text = text[(colon + 1)..];
            if (text.StartsWith(":"))
            {
                if (compressed)
                    return false; // a second "::"
                compressed = true;
                text = text[1..];
                if (text.IsEmpty)
                    return groups <= 7;
            }
            else if (text.IsEmpty)
            {
                return false; // a trailing single colon
            }
        }
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        for (int part = 0; part < 4; part++)
        {
            int dot = text.IndexOf('.');
            if ((dot < 0) != (part == 3))
                return false;
            ReadOnlySpan<char> digits = dot < 0 ? text : text[..dot];
            if (digits.Length is 0 or > 3 || (digits.Length > 1 && digits[0] == '0'))
                return false;
            int value = 0;
            foreach (char c in digits)
            {
                if (!char.IsAsciiDigit(c))
                    return false;
                value = value * 10 + (c - '0');
            }
            if (value > 255)
                return false;
            text = dot < 0 ? [] : text[(dot + 1)..];
        }
        return true;
    }

    private static bool IsHexGroup(ReadOnlySpan<char> group)
    {
        if (group.Length is 0 or > 4)
            return false;
        foreach (char c in group)
        {
            if (!char.IsAsciiHexDigit(c))
                return false;
        }
        return true;
    }

    // Node accepts a zone of letters, digits, '-', '.' and ':' (an interface name or index).
    private static bool IsZone(ReadOnlySpan<char> zone)
    {
        if (zone.IsEmpty)
            return false;
        foreach (char c in zone)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.' or ':'))
                return false;
        }
        return true;
    }

    /// <summary>"IPv4" or "IPv6", as Node names an address family; null for no address.</summary>
    internal static string? FamilyName(IPEndPoint? endpoint) => endpoint?.AddressFamily switch
    {
        AddressFamily.InterNetwork => "IPv4",
        AddressFamily.InterNetworkV6 => "IPv6",
        _ => null,
    };
}
