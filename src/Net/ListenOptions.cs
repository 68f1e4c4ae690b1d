namespace Uvnet.Net;

/// <summary>Where <see cref="Server.Listen(ListenOptions, Action?)"/> listens, as Node's <c>server.listen(options)</c>: a port or a path.</summary>
public sealed record ListenOptions
{
    /// <summary>The TCP port (0: any free one); null to listen on <see cref="Path"/>.</summary>
    public int? Port { get; init; }

    /// <summary>The IP address to listen on with <see cref="Port"/>; null for every interface, dual stack.</summary>
    public string? Host { get; init; }

    /// <summary>The Unix socket path, when no <see cref="Port"/> is given.</summary>
    public string? Path { get; init; }

    /// <summary>The listen queue's length; null for <see cref="ServerOptions.Backlog"/>.</summary>
    public int? Backlog { get; init; }
}
