using System.Net;

namespace Uvnet;

public sealed partial class UdpHandle
{
    // While this handle's receive callbacks run: a send they start on it waits for the end of the wakeup's receives.
    private bool _deferringSends;

    // A deferred send found the queue empty: it (and the sends queued behind it) go when the receives end.
    private bool _deferredFlushDue;

    /// <summary>
    /// Whether a send just queued waits for the end of the receives under way, as the replies of a server answering
    /// each datagram it is handed: they then leave together, by one sendmmsg (or one segmented sendmsg) where each
    /// would have taken a sendmsg of its own, and still in order, before the loop polls again. <paramref name="tryNow"/>:
    /// the queue was empty, so the send would have been tried at once; otherwise it waits for the socket already.
    /// </summary>
    private bool DeferredToBatchEnd(bool tryNow)
    {
        if (!_deferringSends)
            return false;
        _deferredFlushDue |= tryNow;
        return true;
    }

    /// <summary>The receives of a wakeup begin: sends on this handle from their callbacks wait for <see cref="EndDeferringSends"/>.</summary>
    private void BeginDeferringSends() => _deferringSends = true;

    /// <summary>
    /// The receives of a wakeup ended (or a callback closed the handle): the sends their callbacks queued go now, as
    /// <see cref="Send(UdpSendRequest, ReadOnlySpan{ReadOnlyMemory{byte}}, IPEndPoint?, Action{UdpSendRequest, int}?)"/>
    /// would have tried each at once.
    /// </summary>
    private void EndDeferringSends()
    {
        _deferringSends = false;
        SendDeferred();
    }

    /// <summary>
    /// The next datagram goes into a buffer of the user's alloc callback, which may well be the one a waiting reply
    /// was sent from (an echo receiving into one buffer, as the README's dgram loop does): the replies waiting go
    /// first, so each carries the bytes it was sent with. Only the loop's own buffers keep replies waiting.
    /// </summary>
    private Memory<byte> AllocOwnBuffer()
    {
        // Every send queued, not only one that found the queue empty: one queued behind a send whose callback has
        // not run yet would wait for the socket's next writable event, long after the buffer is reused.
        if (_deferringSends && _sendHead is not null)
            SendQueued();
        return _alloc!(this, SuggestedReceiveSize);
    }

    private void SendDeferred()
    {
        if (_deferredFlushDue)
            SendQueued();
    }

    private void SendQueued()
    {
        _deferredFlushDue = false;
        if (Fd < 0)
            return;
        Flush();
        if (!IsClosing)
            WatchQueue();
    }
}
