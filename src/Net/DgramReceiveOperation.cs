using System.Threading.Tasks.Sources;

namespace Uvnet.Net;

/// <summary>
/// The awaitable behind <see cref="DgramSocket.ReceiveAsync(Memory{byte}, CancellationToken)"/>: one per socket,
/// reused once its result has been taken (a socket has one receive pending at a time), so the steady state allocates
/// nothing. Completed only on the loop thread; the continuation runs inline there, as <see cref="SocketOperation"/>'s.
/// </summary>
internal sealed class DgramReceiveOperation(Loop loop) : IValueTaskSource<DgramReceiveResult>
{
    private ManualResetValueTaskSourceCore<DgramReceiveResult> _core; // a mutable struct: never readonly
    private bool _inUse;

    /// <summary>The operation kept in <paramref name="slot"/> unless its last result is still to be taken, else a new one for this call alone.</summary>
    internal static DgramReceiveOperation Claim(ref DgramReceiveOperation? slot, Loop loop)
    {
        DgramReceiveOperation kept = slot ??= new DgramReceiveOperation(loop);
        DgramReceiveOperation operation = kept._inUse ? new DgramReceiveOperation(loop) : kept;
        operation._inUse = true;
        return operation;
    }

    internal ValueTask<DgramReceiveResult> Task => new(this, _core.Version);

    /// <summary>Which use of the operation is current: it changes each time the result is taken.</summary>
    internal short Version => _core.Version;

    internal void Complete(DgramReceiveResult result) => _core.SetResult(result);

    internal void Fail(Exception error) => _core.SetException(error);

    /// <inheritdoc/>
    public DgramReceiveResult GetResult(short token)
    {
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            return _core.GetResult(token); // throws: not completed
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _inUse = false;
        }
    }

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, SocketOperation.ResumeInlineOnLoop(loop, flags));
}
