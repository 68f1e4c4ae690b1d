using Uvnet.Net;

namespace Uvnet.Http.Server;

public sealed partial class ServerResponse
{
    /// <summary>
    /// The callbacks of writes whose bytes are on their way, in order, each with the number of the connection's write
    /// that carries them (-1 while the response waits for its turn: its bytes have no write yet). Allocated the first
    /// time a caller passes a callback, and kept across uses: a response written without callbacks never needs it.
    /// </summary>
    private List<(Action<NetException?> Callback, long Write)>? _callbacks;

    /// <summary>The callbacks given to End: run at Finish, as Node's <c>end(cb)</c> listens for 'finish'.</summary>
    private Action<NetException?>? _endCallback;

    /// <summary>
    /// Whether a write must not happen: after End (the callback gets ERR_STREAM_WRITE_AFTER_END, then Error is raised,
    /// as Node's write after end) or once the connection gave the response up (the callback gets ERR_STREAM_DESTROYED,
    /// no event, as Node's destroyed stream). Both are reported after the call returns.
    /// </summary>
    private bool RefuseWrite(Action<NetException?>? callback)
    {
        if (WritableEnded)
        {
            // As Node, no 'error' once the response has closed (Node's destroyed response): the callback alone hears it.
            ReportLater(new NetException("ERR_STREAM_WRITE_AFTER_END", "write after end"), callback, raiseError: !Closed);
            return true;
        }
        if (_abandoned || Connection.Socket.Destroyed)
        {
            ReportLater(Destroyed(), callback, raiseError: false);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Runs <paramref name="callback"/> with <paramref name="error"/> from the loop (never inside the caller's call), then
    /// raises Error if asked. The report holds the pair, as a handler does, so that it reaches this request's response
    /// and not a later request's that reused it.
    /// </summary>
    private void ReportLater(NetException? error, Action<NetException?>? callback, bool raiseError)
    {
        if (callback is null && !raiseError)
            return;
        Hold();
        Connection.Server.Loop.Post(static s => s.Response.Report(s.Error, s.Callback, s.RaiseError), (Response: this, Error: error, Callback: callback, RaiseError: raiseError));
    }

    private void Report(NetException? error, Action<NetException?>? callback, bool raiseError)
    {
        try
        {
            callback?.Invoke(error);
            if (!raiseError)
                return;
            if (_error is { } handlers)
                handlers(this, error!);
            else
                Connection.Server.ReportHandlerError(error!, _request); // where Node would throw it as uncaught
        }
        catch (Exception e)
        {
            Connection.Server.ReportHandlerError(e, _request);
            HttpServer.FailHandler(this);
        }
        finally
        {
            LetGo();
        }
    }

    /// <summary>Keeps <paramref name="callback"/> for the write that carries what this response has written so far.</summary>
    private void AddWriteCallback(Action<NetException?>? callback)
    {
        if (callback is null)
            return;
        // On HTTP/2, bytes held for window leave with no known write: their callback waits for Finish.
        long write = Stream is { } stream ? (stream.PendingLength > 0 ? long.MaxValue - 1 : stream.Owner.NextWrite)
            : _attached ? Connection.LastWrite : -1;
        long completed = Stream is { } h2 ? h2.Owner.WritesCompleted : Connection.WritesCompleted;
        if (write >= 0 && write <= completed && !HasWriteCallbacks)
            ReportLater(null, callback, raiseError: false); // nothing of it is on its way (an empty write, a body HEAD does not carry)
        else
        {
            (_callbacks ??= []).Add((callback, write));
            Stream?.Owner.NoteWriteCallback();
        }
    }

    /// <summary>
    /// Keeps an End callback for Finish, as Node's end(cb) listens for 'finish'; once the response is written whole
    /// (<see cref="WritableFinished"/>, which Node checks), or the connection gave up, it gets its error instead.
    /// </summary>
    private void AddEndCallback(Action<NetException?> callback)
    {
        if (WritableFinished)
            ReportLater(new NetException("ERR_STREAM_ALREADY_FINISHED", "Cannot call end after a stream was finished"), callback, raiseError: false);
        else if (_abandoned)
            ReportLater(Destroyed(), callback, raiseError: false);
        else
            _endCallback += callback;
    }

    internal bool HasWriteCallbacks => _callbacks is { Count: > 0 };

    /// <summary>The response got its turn: the callbacks of what it buffered wait for the write that now carries it.</summary>
    private void AssignWriteCallbacks()
    {
        if (!HasWriteCallbacks)
            return;
        long write = Connection.LastWrite;
        for (int i = 0; i < _callbacks!.Count; i++)
        {
            if (_callbacks[i].Write < 0)
                _callbacks[i] = (_callbacks[i].Callback, write);
        }
        CompleteWriteCallbacks(Connection.WritesCompleted); // those of empty writes: no completion is to come for them
    }

    /// <summary>Runs, in order, the callbacks whose write is among the first <paramref name="completed"/> (all of them at Finish).</summary>
    internal void CompleteWriteCallbacks(long completed)
    {
        // By index from the front: a callback may write again, adding to the list as it runs.
        while (_callbacks is { Count: > 0 } list && list[0].Write >= 0 && list[0].Write <= completed)
        {
            Action<NetException?> callback = list[0].Callback;
            list.RemoveAt(0);
            try
            {
                callback(null);
            }
            catch (Exception e)
            {
                // As a throwing Drain handler: the response may be left half written, so the handler's failure rule applies.
                Connection.Server.ReportHandlerError(e, _request);
                HttpServer.FailHandler(this);
            }
        }
    }

    /// <summary>The connection gave the response up: every callback still waiting gets ERR_STREAM_DESTROYED, from the loop.</summary>
    private void FailCallbacks()
    {
        Action<NetException?>? end = _endCallback;
        _endCallback = null;
        if (HasWriteCallbacks)
        {
            foreach (var (callback, _) in _callbacks!)
                ReportLater(Destroyed(), callback, raiseError: false);
            _callbacks.Clear();
        }
        if (end is not null)
            ReportLater(Destroyed(), end, raiseError: false);
    }
}
