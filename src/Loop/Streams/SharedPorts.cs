using System.Net;
using Uvnet.Interop;

namespace Uvnet;

/// <summary>
/// The sockets bound with <see cref="TcpBindFlags.SharePort"/> or <see cref="UdpBindFlags.SharePort"/> in this
/// process, by protocol, address and port. Each is kept
/// open by a descriptor of its own, so that a handle joining on one thread never duplicates a descriptor that
/// another thread is closing; that one is closed when the last handle sharing the socket leaves.
/// </summary>
internal static class SharedPorts
{
    // Taken only to bind and to close: never on a path that runs per connection.
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<(IPEndPoint Endpoint, bool Ipv6Only, bool Datagram), Entry> s_ports = [];

    /// <summary>
    /// Gives <paramref name="handle"/> a duplicate of the socket shared on <paramref name="endpoint"/>, or, when there
    /// is none, binds a new one (<see cref="IMember.BindToShare"/>) and shares it. Returns 0 or a negative status; on
    /// success <paramref name="joined"/> is what the handle leaves when it closes.
    /// </summary>
    internal static int Join(IMember handle, IPEndPoint endpoint, bool ipv6Only, out Entry? joined)
    {
        joined = null;
        bool datagram = handle is UdpHandle;
        lock (s_gate)
        {
            // Port 0 asks for a new port: there is nothing to join.
            if (endpoint.Port != 0 && s_ports.TryGetValue((endpoint, ipv6Only, datagram), out Entry? entry))
            {
                if (handle.FileDescriptor >= 0)
                    return UvError.EBUSY; // a socket of its own already
                int fd = Libc.DuplicateCloseOnExec(entry.Fd);
                if (fd < 0)
                    return fd;
                handle.AttachBound(fd);
                entry.Members++;
                joined = entry;
                return 0;
            }
            int bound = handle.BindToShare(endpoint, ipv6Only);
            if (bound < 0)
                return bound;
            int own = Libc.DuplicateCloseOnExec(handle.FileDescriptor);
            if (own < 0)
                return own;
            joined = new Entry((new IPEndPoint(endpoint.Address, handle.LocalEndPoint!.Port), ipv6Only, datagram), own);
            s_ports.Add(joined.Key, joined);
            return 0;
        }
    }

    /// <summary>A member has closed: the last one closes the socket's own descriptor and frees its address.</summary>
    internal static void Leave(Entry entry)
    {
        lock (s_gate)
        {
            if (--entry.Members > 0)
                return;
            s_ports.Remove(entry.Key);
            Libc.Close(entry.Fd);
        }
    }

    /// <summary>One shared socket: its address, its own descriptor, and how many handles use it.</summary>
    internal sealed class Entry((IPEndPoint Endpoint, bool Ipv6Only, bool Datagram) key, int fd)
    {
        public (IPEndPoint Endpoint, bool Ipv6Only, bool Datagram) Key { get; } = key;

        public int Fd { get; } = fd;

        public int Members { get; set; } = 1;
    }

    /// <summary>A handle that can share its socket: a TCP listener or a UDP handle.</summary>
    internal interface IMember
    {
        int FileDescriptor { get; }

        IPEndPoint? LocalEndPoint { get; }

        /// <summary>Creates the socket and binds it, without SO_REUSEPORT (the port stays this process's).</summary>
        int BindToShare(IPEndPoint endpoint, bool ipv6Only);

        /// <summary>Takes <paramref name="fd"/>, a duplicate of the socket another member bound.</summary>
        void AttachBound(int fd);
    }
}
