using Uvnet.Net;

namespace Uvnet.Http.Server;

/// <summary>
/// The output arrays a connection (the server's, or the client's) has handed to its socket (see
/// <see cref="OutputBuffer.Detach"/>), each going back to the pool once nothing reads it again: at once when the kernel
/// took every byte during the write (the common case, see <see cref="Socket.AllWrittenTaken"/>), else when its write
/// completes. Held to the completions instead, a turn that answers many connections (or sends requests on many) would
/// hold an array per connection until the next turn, more than the shared pool keeps (32 a core and one a thread), and
/// the rest would be allocated anew each turn; returned at once, the turn reuses one array, warm in the cache.
/// </summary>
internal struct OutputArraysInFlight
{
    // The oldest array held, with the number of its write; the rest (backpressure, writes queued behind one that
    // waits) in a queue made only when more than one waits.
    private byte[]? _first;
    private long _firstWrite;
    private Queue<(byte[] Array, long Write)>? _more;

    /// <summary>
    /// <paramref name="array"/> was handed to <paramref name="socket"/> as write number <paramref name="write"/>: it
    /// goes back now if the socket has taken every byte written so far (and so do those held before it), else it waits
    /// for <see cref="Completed"/>.
    /// </summary>
    internal void Handed(Socket socket, byte[] array, long write)
    {
        if (socket.AllWrittenTaken)
        {
            Completed(write);
            OutputArrays.Return(array);
            return;
        }
        if (_first is null)
            (_first, _firstWrite) = (array, write);
        else
            (_more ??= new()).Enqueue((array, write));
    }

    /// <summary>The writes up to number <paramref name="write"/> have completed (they complete in order): their arrays go back.</summary>
    internal void Completed(long write)
    {
        while (_first is { } array && _firstWrite <= write)
        {
            OutputArrays.Return(array);
            if (_more is not null && _more.TryDequeue(out var next))
                (_first, _firstWrite) = next;
            else
                _first = null;
        }
    }
}
