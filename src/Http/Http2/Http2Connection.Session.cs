using System.Buffers.Binary;
using Uvnet.Net;

namespace Uvnet.Http.Http2;

/// <summary>What the stream-level API (<see cref="Http2Session"/>) reads and does on the connection: settings, PING, GOAWAY.</summary>
internal sealed partial class Http2Connection
{
    /// <summary>PINGs of ours not acknowledged yet that one session may have (Node's <c>maxOutstandingPings</c> default).</summary>
    internal const int MaxOutstandingPings = 10;

    private readonly Queue<(long Payload, long SentAt, Action<NetException?, TimeSpan, ReadOnlyMemory<byte>> Callback)> _pings = new();
    private Http2Session? _session;

    /// <summary>The session object of the stream-level API, made on first use (the compatibility path never makes one).</summary>
    internal Http2Session Session => _session ??= new Http2Session(this);

    /// <summary>The settings the client sent (its defaults until its SETTINGS arrived).</summary>
    internal Http2Settings PeerSettings => _peer;

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS we advertised.</summary>
    internal int MaxConcurrentStreams => _maxConcurrentStreams;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE we advertised.</summary>
    internal int MaxHeaderListSize => _decoder.MaxHeaderListSize;

    /// <summary>Whether the connection no longer takes new work: GOAWAY sent or received, a connection error, or the socket gone.</summary>
    internal bool IsClosing => _goingAway || _peerGoingAway || _closing || Socket.Destroyed;

    /// <summary>Whether the socket is gone.</summary>
    internal bool IsDestroyed => Socket.Destroyed;

    /// <summary>Sends a PING of ours; <paramref name="callback"/> runs on its ACK (false: too many outstanding, or the connection is closing).</summary>
    internal bool Ping(long payload, Action<NetException?, TimeSpan, ReadOnlyMemory<byte>> callback)
    {
        if (_pings.Count >= MaxOutstandingPings || _closing || Socket.Destroyed)
            return false;
        Span<byte> opaque = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(opaque, payload);
        Output.Advance(Http2FrameWriter.WritePing(Output.GetSpan(Http2FrameHeader.Size + 8), opaque, ack: false));
        _pings.Enqueue((payload, System.Diagnostics.Stopwatch.GetTimestamp(), callback));
        if (!_inRead)
            Flush();
        return true;
    }

    /// <summary>
    /// A PING ACK: the oldest outstanding PING's callback runs when the payload is its own (RFC 9113 §6.7 says the
    /// ACK echoes it; one that does not match acknowledges nothing of ours).
    /// </summary>
    private void OnPingAck(ReadOnlySpan<byte> opaque)
    {
        if (!_pings.TryPeek(out var ping) || ping.Payload != BinaryPrimitives.ReadInt64BigEndian(opaque))
            return;
        _pings.Dequeue();
        TimeSpan duration = System.Diagnostics.Stopwatch.GetElapsedTime(ping.SentAt);
        try
        {
            ping.Callback(null, duration, opaque.ToArray());
        }
        catch (Exception e)
        {
            Server.ReportHandlerError(e, null);
        }
    }

    /// <summary>The connection closed: PINGs still waiting for their ACK fail with ERR_HTTP2_PING_CANCEL, as Node's.</summary>
    private void CancelPings()
    {
        while (_pings.TryDequeue(out var ping))
        {
            try
            {
                ping.Callback(new NetException("ERR_HTTP2_PING_CANCEL", "HTTP2 ping cancelled"), TimeSpan.Zero, default);
            }
            catch (Exception e)
            {
                Server.ReportHandlerError(e, null);
            }
        }
    }
}
