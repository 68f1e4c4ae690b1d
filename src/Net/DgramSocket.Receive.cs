using System.Net;

namespace Uvnet.Net;

public sealed partial class DgramSocket
{
    private DgramReceiveOperation? _receiveOperation;
    private DgramReceiveOperation? _pendingReceive;
    private Memory<byte> _pendingBuffer;
    private CancellationTokenRegistration _receiveCancellation;

    // The text of senders' addresses, by endpoint: the handle hands out the same endpoint for every datagram of a
    // sender it knows, so steady peers cost no string per datagram. A sender may sit in any of CacheProbes slots from
    // its hash's, as in the handle's own cache; past that, a newcomer takes one of them in turn.
    private const int SenderTextCacheSize = 64;
    private const int CacheProbes = 4;
    private (IPEndPoint EndPoint, string Text)[]? _senderTexts;
    private int _senderTextEvictions;

    /// <summary>
    /// Raised for each datagram received once bound (Node's <c>'message'</c>), with the sender; datagrams that arrive
    /// while the socket has no handler and no pending <see cref="ReceiveAsync(Memory{byte}, CancellationToken)"/> are
    /// dropped, as Node drops them.
    /// </summary>
    public event DgramMessageHandler? Message;

    /// <summary>
    /// Receives the next datagram into <paramref name="buffer"/> (the kernel writes it there: no copy), with its sender.
    /// A datagram larger than the buffer is cut (<see cref="DgramReceiveResult.Truncated"/>). <see cref="Message"/> is
    /// raised for it as well. Awaited on the loop, it resumes inline, with no thread-pool hop, so a loop of receives
    /// misses no datagram. A receive error (ECONNREFUSED on a connected socket) fails the task instead of raising
    /// <see cref="Error"/>; a failed bind fails it with the bind's error (raised as <see cref="Error"/> too); a close fails it
    /// with ERR_SOCKET_DGRAM_NOT_RUNNING; cancellation with
    /// <see cref="OperationCanceledException"/>. Allocates nothing when the previous receive was awaited.
    /// </summary>
    /// <exception cref="NetException">ERR_SOCKET_DGRAM_NOT_RUNNING: the socket is closed.</exception>
    /// <exception cref="InvalidOperationException">The socket was never bound (nor sent, nor connected), or a receive is pending already.</exception>
    /// <exception cref="ArgumentException"><paramref name="buffer"/> is empty.</exception>
    public ValueTask<DgramReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Loop.VerifyAccess();
        if (buffer.IsEmpty)
            throw new ArgumentException("A datagram needs room.", nameof(buffer));
        HealthCheck();
        if (_bindState == BindState.Unbound)
            throw new InvalidOperationException("Bind the socket (or send, or connect) before receiving.");
        if (_pendingReceive is not null)
            throw new InvalidOperationException("A receive is pending already; await it first.");
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<DgramReceiveResult>(cancellationToken);
        DgramReceiveOperation operation = DgramReceiveOperation.Claim(ref _receiveOperation, Loop);
        _pendingReceive = operation;
        _pendingBuffer = buffer;
        if (cancellationToken.CanBeCanceled)
        {
            // The receive is named by its operation and the operation's version: a cancellation posted before a
            // datagram completed this receive must not cancel the next one, which reuses the operation.
            _receiveCancellation = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var (socket, operation, version) = ((DgramSocket, DgramReceiveOperation, short))state!;
                socket.Loop.Post(static s => s.socket.CancelReceive(s.operation, s.version, s.token), (socket, operation, version, token));
            }, (this, operation, operation.Version));
        }
        return operation.Task;
    }

    private void CancelReceive(DgramReceiveOperation operation, short version, CancellationToken token)
    {
        if (_pendingReceive == operation && operation.Version == version)
            TakePendingReceive()!.Fail(new OperationCanceledException(token));
    }

    private DgramReceiveOperation? TakePendingReceive()
    {
        DgramReceiveOperation? pending = _pendingReceive;
        _pendingReceive = null;
        _pendingBuffer = default;
        _receiveCancellation.Dispose();
        _receiveCancellation = default;
        return pending;
    }

    private void FailPendingReceive(NetException error) => TakePendingReceive()?.Fail(error);

    private Memory<byte> OnAlloc() => _pendingReceive is null ? Loop.SharedReadBuffer : _pendingBuffer;

    private void OnReceive(int nread, Memory<byte> buffer, IPEndPoint? sender, UdpRecvFlags flags)
    {
        if (sender is null)
        {
            if (nread < 0)
            {
                var error = new NetException(nread, "recvmsg");
                if (TakePendingReceive() is { } failed)
                    failed.Fail(error);
                else
                    Error?.Invoke(this, error);
            }
            return; // nread 0 without a sender: nothing more to read now
        }
        bool truncated = (flags & UdpRecvFlags.Partial) != 0;
        DgramReceiveOperation? pending = _pendingReceive is not null && buffer.Equals(_pendingBuffer) ? TakePendingReceive() : null;
        try
        {
            if (Message is { } message)
            {
                message(this, buffer.Span[..nread], new DgramRemoteInfo(sender, AddressText(sender), nread, truncated));
            }
        }
        finally
        {
            // Even when a handler threw: the receive has its datagram.
            pending?.Complete(new DgramReceiveResult(nread, sender, truncated));
        }
    }

    private string AddressText(IPEndPoint sender)
    {
        (IPEndPoint EndPoint, string Text)[] texts = _senderTexts ??= new (IPEndPoint, string)[SenderTextCacheSize];
        uint hash = (uint)System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(sender);
        int free = -1;
        for (int probe = 0; probe < CacheProbes; probe++)
        {
            int index = (int)((hash + (uint)probe) % SenderTextCacheSize);
            if (texts[index].EndPoint is null)
                free = free < 0 ? index : free;
            else if (ReferenceEquals(texts[index].EndPoint, sender))
                return texts[index].Text;
        }
        string text = sender.Address.ToString();
        texts[free >= 0 ? free : (int)((hash + (uint)_senderTextEvictions++ % CacheProbes) % SenderTextCacheSize)] = (sender, text);
        return text;
    }
}
