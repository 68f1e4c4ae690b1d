using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>A well-behaved streaming handler: writes a large body in chunks, waiting for Drain whenever Write says so.</summary>
internal sealed class Streaming
{
    private readonly ServerResponse _response;
    private readonly long _total;
    private readonly byte[] _chunk;

    private Streaming(ServerResponse response, long total, int chunkSize)
    {
        _response = response;
        _total = total;
        _chunk = new byte[chunkSize];
        _chunk.AsSpan().Fill((byte)'x');
    }

    /// <summary>Body bytes handed to Write so far.</summary>
    internal long Written { get; private set; }

    /// <summary>Whether End was called (the whole body was written).</summary>
    internal bool Ended { get; private set; }

    /// <summary>Whether the last Write returned false and the stream waits for Drain.</summary>
    internal bool WaitingForDrain { get; private set; }

    /// <summary>The most the socket and the connection buffered in user space after any Write (the memory this connection holds).</summary>
    internal long MostBuffered { get; private set; }

    /// <summary>Starts writing <paramref name="total"/> bytes to <paramref name="response"/>, chunked, with backpressure.</summary>
    internal static Streaming Start(ServerResponse response, long total, int chunkSize = 16 * 1024)
    {
        var streaming = new Streaming(response, total, chunkSize);
        response.Drain += _ => streaming.Next();
        streaming.Next();
        return streaming;
    }

    private void Next()
    {
        WaitingForDrain = false;
        while (Written < _total)
        {
            int n = (int)Math.Min(_chunk.Length, _total - Written);
            Written += n;
            bool more = _response.Write(_chunk.AsSpan(0, n));
            MostBuffered = Math.Max(MostBuffered, _response.Socket.WritableLength + _response.Connection.Output.Length);
            if (!more)
            {
                WaitingForDrain = true;
                return;
            }
        }
        _response.End();
        Ended = true;
    }
}
