using System.Buffers;

namespace Uvnet.Net;

/// <summary>
/// One <see cref="Socket.Pipe"/>: copies what the source reads to the destination, pausing the source while the
/// destination's <see cref="Socket.Write(ReadOnlyMemory{byte}, Action{NetException?}?)"/> says it is full and
/// resuming it at <see cref="Socket.Drain"/>, as Node's <c>readable.pipe</c>.
/// </summary>
internal sealed class SocketPipe
{
    private readonly bool _end;
    private readonly SocketDataHandler _onData;
    private readonly Action<Socket> _onDrain;
    private readonly Action<Socket> _onSourceEnded;
    private readonly Action<Socket> _onDestinationFinish;
    private readonly Action<Socket, bool> _onClosed;
    private readonly Stack<Chunk> _freeChunks = new();
    private bool _awaitingDrain; // this pipe paused the source until its destination drains
    // Unpiped: the source is no longer this pipe's to pause or resume, even from a Data or Drain event already being
    // raised when an earlier handler unpiped it (as Node's pipe checks cleanedUp).
    private bool _stopped;

    public SocketPipe(Socket source, Socket destination, bool end)
    {
        Source = source;
        Destination = destination;
        _end = end;
        _onData = OnData;
        _onDrain = _ => ResumeSource();
        _onSourceEnded = _ => OnSourceEnded();
        _onDestinationFinish = _ => Source.Unpipe(Destination);
        _onClosed = (socket, _) => OnClosed(socket);
    }

    public Socket Source { get; }

    public Socket Destination { get; }

    /// <summary>Whether this pipe holds the source paused until its destination drains.</summary>
    public bool AwaitingDrain => _awaitingDrain;

    public void Start()
    {
        Source.Data += _onData;
        Source.Ended += _onSourceEnded;
        Source.Closed += _onClosed;
        Destination.Drain += _onDrain;
        Destination.Finish += _onDestinationFinish;
        Destination.Closed += _onClosed;
        // As Node: a destination that is already full holds the source back; otherwise the source flows.
        if (Destination.WritableNeedDrain)
            PauseSource();
        else
            Source.Resume();
        // As Node: a source whose end was already raised ends (or unpipes from) the destination on the next turn.
        if (Source.ReadableEnded)
            Source.Loop.Post(static pipe => pipe.OnSourceEndedBeforePipe(), this);
    }

    /// <summary>Detaches from both sockets; the source, if this pipe paused it, is resumed only by its owner from now on.</summary>
    public void Stop()
    {
        _stopped = true;
        Source.Data -= _onData;
        Source.Ended -= _onSourceEnded;
        Source.Closed -= _onClosed;
        Destination.Drain -= _onDrain;
        Destination.Finish -= _onDestinationFinish;
        Destination.Closed -= _onClosed;
    }

    private void OnData(Socket source, ReadOnlySpan<byte> data)
    {
        if (Destination.Destroyed)
        {
            Source.Unpipe(Destination); // destroyed before it was piped to: no Closed will come to stop the pipe
            return;
        }
        // The span is the loop's read buffer: the write needs a copy that lives until the write's callback.
        Chunk chunk = _freeChunks.TryPop(out Chunk? free) ? free : new Chunk(this);
        ReadOnlyMemory<byte> copy = chunk.Fill(data);
        if (!Destination.Write(copy, chunk.Written))
            PauseSource();
    }

    private void OnSourceEnded()
    {
        if (_end)
            Destination.End(); // the pipe stops when the destination finishes
        else
            Source.Unpipe(Destination); // as Node: nothing more will come
    }

    private void OnSourceEndedBeforePipe()
    {
        if (!_stopped)
            OnSourceEnded();
    }

    private void OnClosed(Socket socket)
    {
        if (socket == Source)
            Source.RemovePipe(this); // without pausing: a Closed handler before this one may have connected it again
        else
            Source.Unpipe(Destination);
    }

    private void PauseSource()
    {
        if (_stopped)
            return; // the chunk was written, as Node's ondata does, but the source is its owner's again
        _awaitingDrain = true;
        Source.Pause();
    }

    // As Node's awaitDrainWriters: a source piped to several destinations flows again once none of them is full.
    private void ResumeSource()
    {
        if (!_awaitingDrain || _stopped)
            return;
        _awaitingDrain = false;
        if (!Source.PipeAwaitsDrain())
            Source.Resume();
    }

    /// <summary>A copy of one read, kept until its write completes, then reused by the pipe (no allocation per read).</summary>
    private sealed class Chunk
    {
        private readonly SocketPipe _pipe;
        private byte[]? _buffer;

        public Chunk(SocketPipe pipe)
        {
            _pipe = pipe;
            Written = OnWritten;
        }

        public Action<NetException?> Written { get; }

        public ReadOnlyMemory<byte> Fill(ReadOnlySpan<byte> data)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(_buffer);
            return _buffer.AsMemory(0, data.Length);
        }

        // Runs once per write, also when it failed or was cancelled: the socket no longer holds the memory.
        private void OnWritten(NetException? error)
        {
            ArrayPool<byte>.Shared.Return(_buffer!);
            _buffer = null;
            _pipe._freeChunks.Push(this);
        }
    }
}
