using System.Buffers;
using Uvnet.Net;

namespace Uvnet.Http.Server;

internal sealed partial class HttpConnection
{
    /// <summary>Queues the response to <paramref name="request"/>; the first in the queue writes to the socket.</summary>
    private ServerResponse Enqueue(IncomingMessage request, bool keepAlive)
    {
        ServerResponse response = _freeResponses.Count > 0 ? _freeResponses.Pop() : new ServerResponse();
        response.Begin(this, request, keepAlive);
        _waiting++;
        Server.WaitingResponses++;
        if (_tail is null)
        {
            _head = _tail = response;
            response.Attach();
        }
        else
        {
            _tail.Next = response;
            _tail = response;
        }
        return response;
    }

    /// <summary>A response produced bytes: those of the head response leave now, or at the end of the read being parsed.</summary>
    internal void OnResponseOutput(ServerResponse response)
    {
        if (response.IsAttached && !_inRead)
            Flush();
    }

    /// <summary>A response ended: if it is the head, it and every ended response after it leave, in order.</summary>
    internal void OnResponseEnded(ServerResponse response)
    {
        if (response != _head)
            return; // it waits, buffered, for the responses before it
        if (Socket.Destroyed)
            return; // nothing will be sent: the close that follows raises Close (not Finish) and recycles nothing
        while (_head is { WritableEnded: true } done)
        {
            _head = done.Next;
            if (_head is null)
                _tail = null;
            _waiting--;
            Server.WaitingResponses--;
            done.RaiseFinish();
            if (!done.KeepAlive)
            {
                CloseAfterFlush();
                return;
            }
            done.Request.Answered = true;
            if (!done.Request.Complete)
                done.Request.StartDumping();
            ReleaseIfDone(done.Request);
            ReturnResponse(done);
            _head?.Attach();
        }
        if (_head is null)
        {
            IdleSince = Server.Loop.Now;
            if (_closeWhenDone && !ReceivingHead)
            {
                CloseAfterFlush();
                return;
            }
        }
        if (!_inRead)
        {
            Flush();
            ContinueReading();
        }
    }

    /// <summary>The response said the connection ends: send what is written, then end our side.</summary>
    private void CloseAfterFlush()
    {
        _stopParsing = true;
        Flush();
        Socket.End();
        AbandonQueue();
        if (_readPaused)
        {
            // Read on, discarding, until the client's FIN: closing with its bytes unread would send a reset, which
            // can destroy the responses it has not read yet (a lingering close, as Apache's).
            _readPaused = false;
            Socket.Resume();
        }
    }

    /// <summary>The responses still queued will never be sent: each gets its Close event, and the queue empties.</summary>
    private void AbandonQueue()
    {
        for (ServerResponse? r = _head; r is not null; r = r.Next)
            r.RaiseClose();
        _head = _tail = null;
        Server.WaitingResponses -= _waiting;
        _waiting = 0;
    }

    /// <summary>Hands the output to the socket in one write (one writev for a pipelined batch).</summary>
    internal void Flush()
    {
        if (Output.IsEmpty || Socket.Destroyed)
            return;
        ArraySegment<byte> bytes = Output.Detach();
        _inFlight.Enqueue(bytes.Array!);
        Server.WritesIssued++;
        Socket.Write(bytes.AsMemory(), _onFlushed);
    }

    /// <summary>The head response's file body: what is written before it leaves first, then the file (sendfile).</summary>
    internal void SendFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count)
    {
        Flush();
        Server.WritesIssued++;
        Socket.SendFile(file, offset, count); // no callback: only buffer writes return an array to the pool
    }

    /// <summary>A write completed (writes complete in order): its array goes back to the pool.</summary>
    private void OnFlushed(NetException? error)
    {
        if (_inFlight.TryDequeue(out byte[]? array))
            ArrayPool<byte>.Shared.Return(array);
        // The keep-alive timeout counts from the last byte written, not from the response handed to the socket.
        if (_head is null)
            IdleSince = Server.Loop.Now;
    }

    private void OnDrain()
    {
        _head?.RaiseDrain();
        ContinueReading();
    }

    private void ReleaseIfDone(IncomingMessage request)
    {
        // A request goes back to the pool once both its body has been read and its response has finished.
        if (!request.Complete || !request.Answered || request.Connection is null)
            return;
        request.Recycle();
        _freeRequests.Push(request);
    }

    private void ReturnResponse(ServerResponse response)
    {
        response.Recycle();
        _freeResponses.Push(response);
    }

    /// <summary>Closes the connection now (server shutdown, timeouts): pending responses get their Close event.</summary>
    internal void Destroy() => Socket.Destroy();

    /// <summary>A timeout struck: 408 if nothing was sent for the late request yet (then close), else destroy.</summary>
    internal void TimeOut(string reason)
    {
        if (_head is null && _parsing is not null)
        {
            Refuse(Parsing.HttpParserError.None, 408, reason);
            return;
        }
        if (_head is { HeadersSent: false } waiting && waiting == _tail)
        {
            // Its handler is still waiting for the body: answer for it, as Node's clientError default does.
            _stopParsing = true;
            Answer(waiting, 408);
            return;
        }
        Destroy();
    }

    /// <summary>
    /// The connection ends after the requests received or arriving (server shutdown, the client's FIN, a refusal):
    /// a request on its way in is still read to its end and answered, nothing after it; the last response says
    /// <c>Connection: close</c> if its head is still to be written (Node marks it <c>_last</c>); our side ends once
    /// it has been sent (at once when all have).
    /// </summary>
    internal void CloseWhenDone()
    {
        if (_parsing is null)
            _stopParsing = true;
        else
            _lastRequest = true; // its head or body is still arriving: parsing goes on to its end, not past it
        _closeWhenDone = true;
        if (ReceivingHead)
            return; // dispatched once it has arrived, its response says Connection: close (the server is closing)
        if (_head is null)
            CloseAfterFlush();
        else if (!_tail!.HeadersSent)
            _tail.CloseAfter();
    }
}
