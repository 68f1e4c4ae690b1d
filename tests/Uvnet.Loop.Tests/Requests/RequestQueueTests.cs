namespace Uvnet.Tests.Requests;

/// <summary>The intrusive queue the stream's writes and the UDP handle's sends share (Request{TSelf}.Enqueue/Dequeue).</summary>
public class RequestQueueTests
{
    [Fact]
    public void A_request_taken_off_a_queue_no_longer_links_to_the_rest()
    {
        // A request leaves its queue to run its callback and then goes back to the pool (or to its user): a stale
        // Next kept its successor, with that one's buffers, alive from the pool for as long as the process ran.
        UdpSendRequest? head = null, tail = null;
        var first = new UdpSendRequest();
        var second = new UdpSendRequest();
        UdpSendRequest.Enqueue(ref head, ref tail, first);
        UdpSendRequest.Enqueue(ref head, ref tail, second);

        Assert.Same(first, UdpSendRequest.Dequeue(ref head, ref tail));
        Assert.Null(first.Next);
        Assert.Same(second, head);
        Assert.Same(second, UdpSendRequest.Dequeue(ref head, ref tail));
        Assert.Null(head);
        Assert.Null(tail);
    }
}
