using System.Net;

namespace Uvnet.Net;

/// <summary>What a socket's host-name lookup found, as Node's <c>'lookup'</c> event arguments.</summary>
/// <param name="Error">The lookup error (code ENOTFOUND...), or null.</param>
/// <param name="Address">The first address found, or null on error.</param>
/// <param name="Host">The host name looked up.</param>
public readonly record struct LookupResult(NetException? Error, IPAddress? Address, string Host)
{
    /// <summary>4 or 6, as Node reports the family; 0 when the lookup failed.</summary>
    public int Family => Address is null ? 0 : Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4;
}
