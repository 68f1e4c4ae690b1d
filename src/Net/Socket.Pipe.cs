namespace Uvnet.Net;

public sealed partial class Socket
{
    private List<SocketPipe>? _pipes;

    /// <summary>
    /// Sends everything this socket reads to <paramref name="destination"/>, as Node's <c>readable.pipe</c>: with
    /// backpressure (this socket pauses while <paramref name="destination"/>'s write returns false, and resumes at its
    /// <see cref="Drain"/>), ending <paramref name="destination"/> when this socket's peer ends unless
    /// <paramref name="end"/> is false, and stopping when <paramref name="destination"/> finishes or closes. A paused
    /// socket starts flowing. A socket may pipe to itself (an echo). Returns <paramref name="destination"/>, so pipes
    /// chain: <c>a.Pipe(b).Pipe(a)</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> runs on another loop.</exception>
    /// <exception cref="InvalidOperationException">This socket already pipes to <paramref name="destination"/>.</exception>
    public Socket Pipe(Socket destination, bool end = true)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Loop.VerifyAccess();
        if (destination.Loop != Loop)
            throw new ArgumentException("The destination runs on another loop.", nameof(destination));
        if (FindPipe(destination) is not null)
            throw new InvalidOperationException("This socket already pipes to that destination.");
        var pipe = new SocketPipe(this, destination, end);
        (_pipes ??= []).Add(pipe);
        pipe.Start();
        return destination;
    }

    /// <summary>
    /// Stops piping to <paramref name="destination"/> (null: to every destination), as Node's <c>readable.unpipe</c>.
    /// Once no pipe is left, this socket (unless destroyed) is paused, as in Node: data would otherwise flow to no one;
    /// while others are left, it flows on if only <paramref name="destination"/> held it back.
    /// </summary>
    public Socket Unpipe(Socket? destination = null)
    {
        Loop.VerifyAccess();
        if (_pipes is not { Count: > 0 } pipes)
            return this;
        if (destination is null)
        {
            foreach (SocketPipe pipe in pipes)
                pipe.Stop();
            pipes.Clear();
        }
        else if (FindPipe(destination) is { } pipe)
        {
            pipe.Stop();
            pipes.Remove(pipe);
            // As Node's pipe cleanup (ondrain): a source held back only by this destination flows on to the others,
            // whose Drain may never come (an ended destination raises none).
            if (pipe.AwaitingDrain && pipes.Count > 0 && !PipeAwaitsDrain() && !_destroyed)
                Resume();
        }
        else
        {
            return this;
        }
        if (pipes.Count == 0 && !_destroyed)
            Pause();
        return this;
    }

    private SocketPipe? FindPipe(Socket destination) => _pipes?.Find(p => p.Destination == destination);

    /// <summary>Stops a pipe whose source (this socket) has closed; a reconnected socket must not be paused by it.</summary>
    internal void RemovePipe(SocketPipe pipe)
    {
        pipe.Stop();
        _pipes!.Remove(pipe);
    }

    internal bool PipeAwaitsDrain() => _pipes!.Exists(static p => p.AwaitingDrain);
}
