using Uvnet.Net;

namespace Uvnet.Http.Server;

internal sealed partial class HttpConnection
{
    /// <summary>Queues the response to <paramref name="request"/>; the first in the queue writes to the socket.</summary>
    private ServerResponse Enqueue(IncomingMessage request, bool keepAlive)
    {
        ServerResponse response = RentResponse(request, keepAlive);
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

    /// <summary>A response produced bytes: those of the head response leave now, or at the end of the read being parsed (or at <see cref="Uncork"/>).</summary>
    internal void OnResponseOutput(ServerResponse response)
    {
        if (response.Stream is { } stream)
        {
            stream.Owner.OnResponseOutput();
            return;
        }
        if (response.IsAttached && !_inRead && _corks == 0)
            Flush();
    }

    /// <summary>
    /// Until the matching <see cref="Uncork"/>, output waits, as within a read: a writer outside the connection's own
    /// read (the proxy, writing a head, the body that came with it and the end from an upstream's read) sends it all in
    /// one write instead of one per piece.
    /// </summary>
    internal void Cork() => _corks++;

    /// <summary>Ends a <see cref="Cork"/>: the last one sends what waited.</summary>
    internal void Uncork() => EndCork(fromLoop: false);

    /// <summary>
    /// <see cref="Uncork"/> from the loop itself, where no user code is under way (the proxy's check handle): a response
    /// that ended while corked leaves the queue now rather than from a posted callback, which would cost an eventfd wake
    /// (a write, a poll event and a read) per proxied request.
    /// </summary>
    internal void UncorkFromLoop() => EndCork(fromLoop: true);

    private void EndCork(bool fromLoop)
    {
        if (--_corks != 0)
            return;
        bool ended = _continueAtUncork;
        _continueAtUncork = false;
        if (_inRead)
        {
            if (ended)
                ContinueLater();
            return; // the read sends at its end
        }
        if (!ended)
            Flush();
        else if (fromLoop)
            Advance(); // flushes, then the queue moves on as the posted continuation would
        else
        {
            Flush();
            ContinueLater(); // an Uncork inside user code: the next request must not start before that code returns
        }
    }

    /// <summary>
    /// A response ended: if it is the head, its bytes leave now; it and every ended response after it leave the queue
    /// once the user's code has returned (see <see cref="Advance"/>).
    /// </summary>
    internal void OnResponseEnded(ServerResponse response)
    {
        if (response.Stream is { } stream)
        {
            stream.Owner.EndResponse(stream);
            return;
        }
        if (response != _head || Socket.Destroyed)
            return; // buffered for its turn; or nothing will be sent
        if (_inRead)
        {
            // The read's parser loop advances after the handler. Its batch waits for the requests after this one; when
            // none follows in the read, the batch is complete: it leaves now, as Node's end() writes into the socket.
            if (_restOfRead == 0 && _unparsed is null)
                Flush();
            return;
        }
        if (_corks > 0)
        {
            _continueAtUncork = true; // sent, and the queue advanced, at the last Uncork
            return;
        }
        Flush();
        ContinueLater();
    }

    /// <summary>Advances the queue if its head has ended.</summary>
    private void AdvanceIfEnded()
    {
        if (_head is { WritableEnded: true })
            Advance();
    }

    /// <summary>
    /// The head response and every ended response after it leave the queue, in order, for the list of those waiting
    /// for their last write to complete (<see cref="Finishing"/>); the next one gets the socket (and the Drain it
    /// missed). Runs only where no user code is under way (between parser steps, after a handler returned, from the
    /// loop): never inside a user's End, so that the line after it cannot see the next request.
    /// </summary>
    private void Advance()
    {
        AdvanceQueue();
        FinishWritten(); // a response whose bytes had all been written before it left the queue finishes now
    }

    private void AdvanceQueue()
    {
        if (Socket.Destroyed || _detached)
            return; // nothing will be sent: the close that follows raises Close (not Finish) and recycles nothing
        while (_head is { WritableEnded: true } done)
        {
            _head = done.Next;
            if (_head is null)
                _tail = null;
            done.Next = null;
            _waiting--;
            Server.WaitingResponses--;
            // A user who ended the socket (or a response that closes the connection) ends the queue here: a later
            // response written after the end would fail the socket, and the destroy that follows cut off the bytes the
            // kernel has not taken yet. The connection ends as after a Connection: close response.
            if (!done.KeepAlive || Socket.WritableEnded)
            {
                Finishing(done);
                if (!Socket.Destroyed)
                    CloseAfterFlush();
                return;
            }
            IncomingMessage request = done.AnsweredRequest;
            if (!request.BodyDone && !request.IsConsumed)
                request.StartDumping(); // nobody reads it: dropped, as Node dumps an unconsumed body
            Finishing(done);
            if (Socket.Destroyed)
                return; // its request's Close handler destroyed the socket: the close raises Close for the rest
            if (_head is { } next)
            {
                next.Attach();
                if (next.NeedsDrain && !IsHeadBackedUp)
                    next.RaiseDrain(); // it waited for the socket with a full buffer: it has it now
            }
        }
        if (_head is null)
        {
            IdleSince = Server.Loop.Now;
            RestoreServerTimeout();
            if (_pendingUpgrade is { } upgrading)
            {
                UpgradePending(upgrading);
                return;
            }
            CloseIfDone();
        }
        if (!_inRead)
        {
            Flush();
            ContinueReading();
        }
    }

    /// <summary>
    /// A response left the queue: it finishes (Finish, then Close) once the write carrying its last bytes completes,
    /// as Node's 'finish' comes from the socket's write callback. The responses of a pipelined batch share one write,
    /// so its completion finishes them all, with no post per response.
    /// </summary>
    private void Finishing(ServerResponse response)
    {
        if (!response.Observed)
        {
            // Nobody can tell when it finishes (no handler, callback or task; its handler let go): it is done now, and
            // the pair goes back to the pool at once, so a pipelined batch needs no more pairs than one response takes.
            response.FinishUnobserved();
            FinishRequest(response.AnsweredRequest);
            Retire(response);
            return;
        }
        response.FinishWrite = LastWrite;
        if (_finishingTail is null)
            _finishing = _finishingTail = response;
        else
            _finishingTail = _finishingTail.NextFinishing = response;
    }

    /// <summary>
    /// The number of the write that carries what the head response has written so far (<see cref="Output"/> is the next
    /// one). None does once bytes of it were dropped after the user ended the socket: no completion reports them sent (as
    /// Node, whose write after the socket's end fails the socket); the close raises Close and fails what waits instead.
    /// </summary>
    internal long LastWrite => _dropped ? long.MaxValue : Output.IsEmpty ? _writesIssued : _writesIssued + 1;

    /// <summary>Writes handed to the socket so far.</summary>
    internal long WritesIssued => _writesIssued;

    /// <summary>Whether <paramref name="response"/> is the one whose bytes go to <see cref="Output"/>.</summary>
    internal bool IsHead(ServerResponse response) => response == _head;

    /// <summary>Writes handed to the socket whose completion has come (they complete in order).</summary>
    internal long WritesCompleted => _writesCompleted;

    /// <summary>
    /// Raises the events of what the completed writes carried: the write callbacks, then Finish and Close of each
    /// response whose last bytes they were, in order, and the pair goes back to the pool unless a handler holds it.
    /// Stops once a handler destroyed the socket: what follows hears Close from the close instead.
    /// </summary>
    private void FinishWritten()
    {
        while (_finishing is { } done && done.FinishWrite <= _writesCompleted && !Socket.Destroyed)
        {
            _finishing = done.NextFinishing;
            if (_finishing is null)
                _finishingTail = null;
            done.NextFinishing = null;
            done.RaiseFinish();
            FinishRequest(done.AnsweredRequest);
            done.RaiseClose();
            Retire(done);
        }
        if (!Socket.Destroyed)
            _head?.CompleteWriteCallbacks(_writesCompleted);
        if (Socket.WritableEnded && !Socket.Destroyed && !_ended)
            CloseAfterFlush(); // a Finish handler or a callback ended the socket: nothing queued, nor parsed later, can follow the FIN
    }

    /// <summary>A response has finished: the pair goes back to the pool, unless a handler still holds it (then when it lets go).</summary>
    private void Retire(ServerResponse done)
    {
        IncomingMessage request = done.AnsweredRequest;
        request.Answered = true;
        if (!done.Held)
        {
            ReleaseIfDone(request);
            ReturnResponse(done);
        }
    }

    /// <summary>
    /// Someone writes to the socket or ends it (the user, or the connection itself): what the connection holds for its
    /// batch write leaves first, so that bytes leave in the order they were written, as in Node.
    /// </summary>
    private void OnSocketOutput()
    {
        if (!_detached)
            Flush();
    }

    /// <summary>
    /// A Finish handler threw: as with a handler that fails after its response was sent, the connection serves no more
    /// requests; it ends once the responses already queued have been handed over.
    /// </summary>
    internal void EndAfterQueue()
    {
        if (_h2 is { } h2)
        {
            h2.GoAway();
            return;
        }
        _stopParsing = true;
        _closeWhenDone = true;
        CloseIfDone();
    }

    /// <summary>The last holder of a response let go (see <see cref="ServerResponse.LetGo"/>): the pair is reused once both are done.</summary>
    internal void OnLetGo(ServerResponse response)
    {
        IncomingMessage request = response.AnsweredRequest;
        request.Held = false;
        if (!response.Finished || !request.Answered)
            return; // Retire recycles it when it leaves the queue (a holder may let go in its Finish or Close handler, before that)
        ReturnResponse(response);
        ReleaseIfDone(request);
    }

    /// <summary>The response said the connection ends: send what is written, then end our side.</summary>
    private void CloseAfterFlush()
    {
        _ended = true;
        if (_parsing is { Dispatched: true, IsConsumed: true })
        {
            _lastRequest = true; // a body its handler reads on is read to its end, as in Node; nothing after it
        }
        else
        {
            _stopParsing = true;
            RequestStartedAt = -1; // what still arrives is discarded: the linger bound applies, not the request timeout
        }
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

    /// <summary>
    /// A request's response has finished: the request is done with if its body has arrived (its Close), or was cut
    /// short (aborted, as Node's request destroyed by a parse error); otherwise its Close follows its body's end.
    /// </summary>
    internal static void FinishRequest(IncomingMessage request)
    {
        request.ResponseFinished = true;
        if (request.Complete)
            request.RaiseClose();
        else if (request.BodyDone)
            request.OnConnectionClosed();
    }


    /// <summary>The responses that left the queue but whose last write never completed: each gets its Close event (not Finish).</summary>
    private void AbandonFinishing()
    {
        ServerResponse? r = _finishing;
        _finishing = _finishingTail = null;
        for (; r is not null; r = r.NextFinishing)
        {
            r.RaiseClose();
            r.AnsweredRequest.OnConnectionClosed();
        }
    }

    /// <summary>The responses still queued will never be sent: each gets its Close event (and its request is aborted), and the queue empties.</summary>
    private void AbandonQueue()
    {
        for (ServerResponse? r = _head; r is not null; r = r.Next)
        {
            r.RaiseClose();
            r.AnsweredRequest.OnConnectionClosed();
        }
        _head = _tail = null;
        Server.WaitingResponses -= _waiting;
        _waiting = 0;
    }

    /// <summary>Hands the output to the socket in one write (one writev for a pipelined batch).</summary>
    internal void Flush()
    {
        if (Output.IsEmpty || Socket.Destroyed)
            return;
        if (Socket.WritableEnded)
        {
            // The user ended the socket (what was held then left first): a write now would fail it, write after end,
            // and the destroy that follows would cut off what the kernel has not taken yet. Never sent: the close
            // raises Close for its responses.
            Output.Release();
            _dropped = true;
            return;
        }
        ArraySegment<byte> bytes = Output.Detach();
        Server.WritesIssued++;
        _writesIssued++;
        Socket.WriteHeldBack(bytes.AsMemory(), this); // what BeforeOutput would hand over is this very write; OnWriteDone follows
        _arraysInFlight.Handed(Socket, bytes.Array!, _writesIssued);
    }

    /// <summary>The head response's file body: what is written before it leaves first, then the file (sendfile).</summary>
    internal void SendFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count)
    {
        Flush();
        if (Socket.WritableEnded || Socket.Destroyed)
        {
            _dropped = true; // never sent, as Flush drops what follows the user's end: the close raises Close for the response
            return;
        }
        Server.WritesIssued++;
        _writesIssued++;
        Socket.SendFile(file, offset, count, _onFileSent ??= OnFileSent);
    }

    /// <summary>A write completed (writes complete in order): its array goes back to the pool, unless it went when the write was taken.</summary>
    internal override void OnWriteDone(NetException? error)
    {
        _arraysInFlight.Completed(_writesCompleted + 1);
        OnWriteCompleted(error);
    }

    /// <summary>A file body was sent (in order with the buffer writes): no array to return.</summary>
    private void OnFileSent(NetException? error)
    {
        if (error is not null && !Socket.Destroyed)
            Socket.Destroy(); // its head announced bytes that never came: the response cannot be finished
        OnWriteCompleted(error);
    }

    private void OnWriteCompleted(NetException? error)
    {
        _writesCompleted++;
        // The keep-alive timeout counts from the last byte written, not from the response handed to the socket.
        if (_head is null)
            IdleSince = Server.Loop.Now;
        if (error is null)
            FinishWritten(); // a failed write destroyed the socket: its close raises Close for what waits
    }

    private void OnDrain()
    {
        if (_h2 is { } h2)
        {
            h2.OnDrain();
            return;
        }
        // Only to a response that was told to wait (its Write returned false), as Node's kNeedDrain: the socket may
        // have backed up on an earlier response's bytes, and a Drain handler that writes on demand must not be woken
        // for a wait it never began.
        if (_head is { NeedsDrain: true } head)
            head.RaiseDrain();
        ContinueReading();
    }

    private void ReleaseIfDone(IncomingMessage request)
    {
        // A request goes back to the pool once its body has been read, its response has finished, and no handler holds it.
        if (!request.BodyDone || !request.Answered || request.Held || request.Connection is null)
            return;
        ReturnRequest(request);
    }

    private void ReturnResponse(ServerResponse response)
    {
        response.Recycle();
        Server.FreeResponses.Push(response);
    }

    /// <summary>Closes the connection now (server shutdown, timeouts): pending responses get their Close event.</summary>
    internal void Destroy() => Socket.Destroy();

    /// <summary>
    /// The headers or request timeout struck (Node's ERR_HTTP_REQUEST_TIMEOUT, raised as ClientError): 408 if nothing
    /// was sent for the late request yet (then close), else destroy. A connection that has sent nothing since it
    /// opened is late with its first request: it gets the 408 too, as in Node. A later request on a kept-alive
    /// connection is closed without an answer, as Node does since its commit e8d7fedf (its tests
    /// test-http-server-headers-timeout-keepalive and -request-timeout-keepalive expect nothing): a client that
    /// reuses a pooled connection and sees it close retries, where a 408 would be read as its request's answer.
    /// </summary>
    internal void TimeOut()
    {
        if (_head is null)
        {
            Refuse(HttpClientError.RequestTimeout());
            return;
        }
        if (_head is { HeadersSent: false } waiting && waiting == _tail)
        {
            // Its handler is still waiting for the body: answer for it, as Node's clientError default does, unless a
            // ClientError handler takes charge of the socket.
            _stopParsing = true;
            RequestStartedAt = -1;
            _clientErrorTaken = RaiseClientError(HttpClientError.RequestTimeout());
            if (_clientErrorTaken)
                return;
            if (_requestCount > 1)
                Destroy(); // not the connection's first request: closed without an answer, as above
            else
                Answer(waiting, 408, bare: true);
            return;
        }
        Destroy();
    }

    /// <summary>
    /// The server is closing: the connection ends after the requests already received or arriving (parsed, held or
    /// on their way in), each answered; the last response says <c>Connection: close</c> (see <see cref="EndsAfter"/>)
    /// and our side ends once it has been sent. A connection whose last response was sent before as keep-alive
    /// reads on for what the client sent before it learnt of the close, and ends once it has stayed idle across a
    /// poll (<see cref="EndWhenIdle"/>).
    /// </summary>
    internal void CloseWhenDone()
    {
        if (_h2 is { } h2)
        {
            h2.GoAway(); // the streams up to the last one received are finished; then our side ends
            return;
        }
        _closeWhenDone = true;
        CloseIfDone();
    }

    /// <summary>
    /// Whether <paramref name="response"/> is the last this connection sends: it is ending (server stop, client FIN)
    /// and nothing follows the response's request, neither a later request nor bytes received.
    /// </summary>
    internal bool EndsAfter(ServerResponse response) =>
        _closeWhenDone && response == _tail && _unparsed is null && _restOfRead == 0 && _pendingUpgrade is null
        && (_parsing is null || _parsing == response.AnsweredRequest);

    /// <summary>Ends our side if the connection is to end and nothing is left to answer.</summary>
    private void CloseIfDone()
    {
        if (!_closeWhenDone || _head is not null || _detached || Socket.Destroyed)
            return;
        if (_unparsed is not null && CanParse)
            return; // held requests are still to be answered
        if (_parsing is not null && !_stopParsing)
            return; // a request on its way in is read to its end and answered
        if (_clientErrorTaken && !_peerEnded)
            return; // the ClientError handler has charge of the socket: ended by it, or after the client's FIN
        if (_stopParsing || _peerEnded)
            CloseAfterFlush();
    }

    /// <summary>Whether the server's stop check found the connection idle at its last pass (see <see cref="HttpServer.Close"/>).</summary>
    internal bool IdleAtLastCheck;

    /// <summary>The server is closing and the connection stayed idle across a poll: nothing more came from its client; our side ends.</summary>
    internal void EndWhenIdle()
    {
        if (_h2 is { } h2)
        {
            h2.GoAway();
            return;
        }
        if (_clientErrorTaken)
            return; // the socket is the ClientError handler's: ended by it, after the client's FIN, or by the keep-alive timeout
        _stopParsing = true;
        CloseAfterFlush();
    }
}
