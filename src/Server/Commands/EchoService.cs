using Uvnet.Net;
using NetServer = Uvnet.Net.Server;
using Uvnet.Server.Hosting;

namespace Uvnet.Server.Commands;

/// <summary>
/// One loop's echo server: a <see cref="NetServer"/> sharing the port with the other loops (<see cref="ServerOptions.SharePort"/>),
/// and its connections; with <c>udp</c>, a UDP echo on the same port as well (<see cref="UdpEcho"/>).
/// </summary>
public sealed class EchoService : ILoopService
{
    private readonly Loop _loop;
    private readonly HashSet<EchoConnection> _connections = [];
    private readonly Action<EchoConnection> _onClosed;
    private readonly bool _udp;
    private NetServer? _server;
    private UdpEcho? _udpEcho;
    private bool _stopping;
    private long _accepted;

    /// <summary>Creates the service on <paramref name="loop"/>, with a UDP echo beside the TCP one when <paramref name="udp"/>; <see cref="Listen"/> starts it.</summary>
    public EchoService(Loop loop, bool udp = false)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _loop = loop;
        _udp = udp;
        _onClosed = c => _connections.Remove(c);
    }

    /// <inheritdoc/>
    public int ConnectionCount => _connections.Count;

    /// <inheritdoc/>
    public long ConnectionsAccepted => _accepted;

    /// <summary>Whether some connection has stopped reading because its peer is not reading its echo.</summary>
    internal bool AnyPaused => _connections.Any(c => c.IsPaused);

    /// <inheritdoc/>
    public void Listen(int port, string? host, Action<int> listening, Action<Exception> failed)
    {
        ArgumentNullException.ThrowIfNull(listening);
        ArgumentNullException.ThrowIfNull(failed);
        var server = new NetServer(_loop, OnConnection, new ServerOptions { SharePort = true, NoDelay = true });
        _server = server;
        server.Error += (_, e) => failed(e);
        server.Listen(port, host, callback: () =>
        {
            // The UDP echo takes the port the TCP listener got (a free one when asked for 0).
            if (_udp && UdpEcho.Start(_loop, host, server.Port, out _udpEcho) is < 0 and int status)
            {
                failed(new NetException(status, "bind", host, server.Port));
                return;
            }
            listening(server.Port);
        });
    }

    /// <summary>Stops accepting and ends every connection: each closes once its echo is flushed and its peer has ended.</summary>
    public void Stop()
    {
        _stopping = true;
        if (_server is { IsListening: true } server)
            server.Close();
        _udpEcho?.Stop();
        foreach (var connection in _connections)
            connection.End();
    }

    /// <inheritdoc/>
    public void Abort()
    {
        foreach (var connection in _connections.ToList())
            connection.Destroy();
    }

    private void OnConnection(Socket socket)
    {
        _accepted++;
        if (_stopping)
        {
            socket.Destroy();
            return;
        }
        _connections.Add(new EchoConnection(socket, _onClosed));
    }
}
