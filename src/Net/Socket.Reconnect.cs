namespace Uvnet.Net;

public sealed partial class Socket
{
    private bool _closed; // Closed has been raised for the last connection: Connect may start another
    private int _connection; // counts the connections made: a lookup still running for an earlier one is ignored

    /// <summary>
    /// Makes a closed socket new again before it connects, as Node's <c>connect</c> does with a destroyed socket
    /// (<c>_undestroy</c>, a fresh handle): the handlers stay, <see cref="UserData"/>, <see cref="Pause"/>, Cork,
    /// Ref/Unref and the TCP options stay (as Node keeps its flowing and corked state); the last connection's state,
    /// counters and leftovers go (its pending writes were failed when it closed). A connection accepted by a server
    /// no longer counts as that server's.
    /// </summary>
    private void ResetForReconnect()
    {
        _destroyed = false;
        _closed = false;
        _connection++;
        _handle = null;
        _server = null;
        _readableEnded = false;
        _writableEnded = false;
        _finished = false;
        _error = null;
        _addresses = null; // a path connect after a TCP one must not retry the old addresses
        // As Node drops _peername and _sockname: while the next connection is looked up, the last one's ends are not
        // the socket's, and a write cut then was cut before the connection.
        _connected = false;
        _remote = _local = null;
        _remoteIPv4 = 0;
        _remoteAddress = null;
        BytesRead = 0; // the handle's own counts start afresh in Adopt
        BytesWritten = 0;
        _needDrain = false;
        _endCallback = null;
        _destroySoon = false;
        _resetOnClose = false;
        _resetWhenConnected = false;
        _timeout = null; // its timer was closed by the destroy; SetTimeout starts a new one
        _readerPaused = false;
        _endHeld = false;
        DropKept(); // bytes of the last connection no async reader took
        _textDecoder?.Reset();
    }
}
