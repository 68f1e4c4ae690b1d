using System.Buffers.Binary;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Http2;

/// <summary>HTTP/2 settings as Node's <c>session.localSettings</c>/<c>remoteSettings</c> give them (RFC 9113 §6.5.2).</summary>
/// <param name="HeaderTableSize">SETTINGS_HEADER_TABLE_SIZE.</param>
/// <param name="EnablePush">SETTINGS_ENABLE_PUSH.</param>
/// <param name="InitialWindowSize">SETTINGS_INITIAL_WINDOW_SIZE.</param>
/// <param name="MaxFrameSize">SETTINGS_MAX_FRAME_SIZE.</param>
/// <param name="MaxConcurrentStreams">SETTINGS_MAX_CONCURRENT_STREAMS (4294967295 when not limited).</param>
/// <param name="MaxHeaderListSize">SETTINGS_MAX_HEADER_LIST_SIZE (4294967295 when not limited).</param>
/// <param name="EnableConnectProtocol">SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441).</param>
public sealed record Http2SessionSettings(
    uint HeaderTableSize,
    bool EnablePush,
    uint InitialWindowSize,
    uint MaxFrameSize,
    uint MaxConcurrentStreams,
    uint MaxHeaderListSize,
    bool EnableConnectProtocol);

/// <summary>
/// The HTTP/2 connection a <see cref="ServerHttp2Stream"/> belongs to, as Node's <c>ServerHttp2Session</c>: its
/// settings both ways, PING with its round trip, and GOAWAY. One object per connection, made when a stream first asks
/// for it. Members belong to the loop's thread.
/// </summary>
public sealed class Http2Session
{
    private readonly Http2Connection _connection;

    internal Http2Session(Http2Connection connection) => _connection = connection;

    /// <summary>The connection's socket.</summary>
    public Socket Socket => _connection.Socket;

    /// <summary>Whether the session takes no new stream: GOAWAY sent or received, or the connection is closing.</summary>
    public bool Closed
    {
        get
        {
            Verify();
            return _connection.IsClosing;
        }
    }

    /// <summary>Whether the connection's socket is gone.</summary>
    public bool Destroyed
    {
        get
        {
            Verify();
            return _connection.IsDestroyed;
        }
    }

    /// <summary>The settings this server sent (its SETTINGS in the preface).</summary>
    public Http2SessionSettings LocalSettings
    {
        get
        {
            Verify();
            return new Http2SessionSettings(
                HpackDecoder.DefaultHeaderTableSize, EnablePush: false, Http2Settings.DefaultInitialWindowSize,
                Http2FrameHeader.DefaultMaxFrameSize, (uint)_connection.MaxConcurrentStreams, (uint)_connection.MaxHeaderListSize,
                EnableConnectProtocol: false);
        }
    }

    /// <summary>The settings the client sent (RFC 9113's defaults for those it did not send).</summary>
    public Http2SessionSettings RemoteSettings
    {
        get
        {
            Verify();
            Http2Settings peer = _connection.PeerSettings;
            return new Http2SessionSettings(
                peer.HeaderTableSize, peer.EnablePush, peer.InitialWindowSize, peer.MaxFrameSize, peer.MaxConcurrentStreams,
                peer.MaxHeaderListSize, peer.EnableConnectProtocol);
        }
    }

    /// <summary>
    /// Sends a PING with <paramref name="payload"/> (8 octets; zeros when empty), as Node's <c>session.ping</c>:
    /// <paramref name="callback"/> runs with the round trip and the payload once the client acknowledges it, or with
    /// ERR_HTTP2_PING_CANCEL when the connection closes first. Returns false, sending nothing, when 10 PINGs are
    /// still unanswered (Node's <c>maxOutstandingPings</c>) or the connection is closing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> is neither empty nor 8 octets (ERR_HTTP2_PING_LENGTH).</exception>
    public bool Ping(ReadOnlySpan<byte> payload, Action<NetException?, TimeSpan, ReadOnlyMemory<byte>> callback)
    {
        Verify();
        ArgumentNullException.ThrowIfNull(callback);
        if (!payload.IsEmpty && payload.Length != 8)
            throw new ArgumentException("HTTP2 ping payload must be 8 bytes (ERR_HTTP2_PING_LENGTH).", nameof(payload));
        return _connection.Ping(payload.IsEmpty ? 0 : BinaryPrimitives.ReadInt64BigEndian(payload), callback);
    }

    /// <summary>Sends a PING with a payload of zeros; see <see cref="Ping(ReadOnlySpan{byte}, Action{NetException?, TimeSpan, ReadOnlyMemory{byte}})"/>.</summary>
    public bool Ping(Action<NetException?, TimeSpan, ReadOnlyMemory<byte>> callback) => Ping(default, callback);

    /// <summary>
    /// Sends GOAWAY with <paramref name="code"/> and the last stream id received, as Node's <c>session.goaway</c>,
    /// then, as Node's <c>session.close()</c>, finishes the streams already received and ends the connection. A
    /// second call does nothing.
    /// </summary>
    public void Goaway(Http2ErrorCode code = Http2ErrorCode.NoError)
    {
        Verify();
        _connection.GoAway(code);
    }

    private void Verify([System.Runtime.CompilerServices.CallerMemberName] string member = "") =>
        LoopThread.Verify(_connection.Server.Loop, nameof(Http2Session), member);
}
