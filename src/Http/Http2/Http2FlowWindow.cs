namespace Uvnet.Http.Http2;

/// <summary>
/// One HTTP/2 flow-control window (RFC 9113 §6.9), of a stream or of the connection, in either direction: the octets
/// of DATA one side may still send. The sending side spends it (<see cref="Consume"/>) and the peer's WINDOW_UPDATE
/// or a new SETTINGS_INITIAL_WINDOW_SIZE moves it (<see cref="TryGrow"/>); the receiving side takes each DATA frame
/// from it (<see cref="TryReceive"/>), counts what its reader is done with (<see cref="Release"/>) and gives that back
/// by WINDOW_UPDATE once it reaches half of the window it started with (<see cref="TakeUpdate"/>), fewer frames than
/// one per DATA.
/// </summary>
/// <remarks>
/// A window may be negative: a smaller SETTINGS_INITIAL_WINDOW_SIZE shrinks every open stream's send window by the
/// difference (§6.9.2), and nothing may be sent until WINDOW_UPDATEs bring it above zero. It may never pass 2^31-1
/// (<see cref="Http2Settings.MaxWindowSize"/>): the caller answers a false <see cref="TryGrow"/> with
/// FLOW_CONTROL_ERROR, for the stream or the connection as the window is one's or the other's.
/// </remarks>
internal struct Http2FlowWindow
{
    private long _size;
    private int _released;
    private int _updateAt;

    /// <summary>A window of <paramref name="initial"/> octets, given back in WINDOW_UPDATEs of at least half of it.</summary>
    internal Http2FlowWindow(long initial)
    {
        _size = initial;
        _updateAt = (int)Math.Clamp(initial / 2, 1, Http2Settings.MaxWindowSize);
    }

    /// <summary>The octets that may still be sent; zero or less means none (negative after a shrinking SETTINGS).</summary>
    internal readonly long Size => _size;

    /// <summary>Octets received and released by the reader that no WINDOW_UPDATE has given back yet.</summary>
    internal readonly int Released => _released;

    /// <summary>
    /// A WINDOW_UPDATE increment (§6.9.1), or the change of SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2, either sign);
    /// false when the window passes 2^31-1, a FLOW_CONTROL_ERROR.
    /// </summary>
    internal bool TryGrow(long delta)
    {
        _size += delta;
        return _size <= Http2Settings.MaxWindowSize;
    }

    /// <summary>DATA of <paramref name="length"/> octets was sent; the caller sent no more than <see cref="Size"/>.</summary>
    internal void Consume(int length) => _size -= length;

    /// <summary>
    /// A DATA frame of <paramref name="length"/> octets arrived, padding included (§6.9.1); false, with the window
    /// unchanged, when it is more than the window allows, a FLOW_CONTROL_ERROR.
    /// </summary>
    internal bool TryReceive(int length)
    {
        if (length > _size)
            return false;
        _size -= length;
        return true;
    }

    /// <summary>The reader is done with <paramref name="count"/> received octets: they count toward the next WINDOW_UPDATE.</summary>
    internal void Release(int count) => _released += count;

    /// <summary>
    /// The increment of the WINDOW_UPDATE to send now, added back to the window: what was released, once that
    /// reaches half of the initial window; 0 (nothing to send) before.
    /// </summary>
    internal int TakeUpdate()
    {
        if (_released < _updateAt)
            return 0;
        int increment = _released;
        _size += increment;
        _released = 0;
        return increment;
    }
}
