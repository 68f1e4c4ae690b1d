using System.Net;

namespace Uvnet.Net;

/// <summary>
/// A connection <see cref="Server"/> closed because <see cref="Server.MaxConnections"/> were open: the argument of
/// <see cref="Server.Drop"/>, as Node's <c>'drop'</c> data. Every member is null for a Unix-socket connection (Node
/// gives no data there).
/// </summary>
public readonly record struct DroppedConnection
{
    internal DroppedConnection(IPEndPoint? local, IPEndPoint? remote)
    {
        LocalAddress = local?.Address.ToString();
        LocalPort = local?.Port;
        LocalFamily = Net.FamilyName(local);
        RemoteAddress = remote?.Address.ToString();
        RemotePort = remote?.Port;
        RemoteFamily = Net.FamilyName(remote);
    }

    /// <summary>The server's address the connection came to, as Node's <c>localAddress</c>.</summary>
    public string? LocalAddress { get; }

    /// <summary>The server's port, as Node's <c>localPort</c>.</summary>
    public int? LocalPort { get; }

    /// <summary>"IPv4" or "IPv6", as Node's <c>localFamily</c>.</summary>
    public string? LocalFamily { get; }

    /// <summary>The client's address, as Node's <c>remoteAddress</c>.</summary>
    public string? RemoteAddress { get; }

    /// <summary>The client's port, as Node's <c>remotePort</c>.</summary>
    public int? RemotePort { get; }

    /// <summary>"IPv4" or "IPv6", as Node's <c>remoteFamily</c>.</summary>
    public string? RemoteFamily { get; }
}
