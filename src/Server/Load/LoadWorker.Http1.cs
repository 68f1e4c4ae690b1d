namespace Uvnet.Server.Load;

/// <summary><c>uvnet load</c> over HTTP/1.1: the worker's connections, each carrying <see cref="LoadOptions.Pipeline"/> slots' requests.</summary>
public sealed partial class LoadWorker
{
    private readonly Http1LoadConnection?[]? _http1; // by index: the connection its slots use now (null: none yet, or gone)
    private readonly List<Http1LoadConnection> _http1Open = []; // every connection not closed yet, gone ones included
    private readonly Http1LoadRequestTemplate? _http1Template;

    private void CheckHttp1Timeouts(long now)
    {
        for (int i = _http1Open.Count - 1; i >= 0; i--)
        {
            if (i < _http1Open.Count)
                _http1Open[i].CheckTimeouts(now, _options.TimeoutMs);
        }
    }

    /// <summary>The connection at <paramref name="index"/> that takes requests, made when there is none (or it went away).</summary>
    private Http1LoadConnection Http1ConnectionFor(int index) => _http1![index] is { IsUsable: true } open ? open : ConnectHttp1(index);

    // Apart from Http1ConnectionFor: the closure below captures the index, and C# makes its object at the entry of the
    // method that declares it, which would be on every request.
    private Http1LoadConnection ConnectHttp1(int index)
    {
        var connection = new Http1LoadConnection(_loop, _options, _http1Template!);
        connection.Gone += gone =>
        {
            if (_http1![index] == gone)
                _http1[index] = null;
        };
        connection.Socket.Closed += (_, _) => _http1Open.Remove(connection);
        Track(connection.Socket);
        _http1Open.Add(connection);
        _http1![index] = connection;
        return connection;
    }

    /// <summary>The run is over, every request closed: the connections go.</summary>
    private void FinishHttp1()
    {
        foreach (Http1LoadConnection connection in _http1Open.ToArray())
            connection.Destroy();
    }

    /// <summary>An HTTP/1.1 slot: one of connection <c>index</c>'s pipelined requests, answered in the order sent.</summary>
    private sealed class Http1Slot(LoadWorker worker, int connection) : Slot(worker), ILoadRequest
    {
        private Http1LoadConnection? _carrier; // from the send to the request's end

        private protected override void SendRequest() => OnUnsent();

        public void OnStatus(int status) => Status = status;

        public void OnBody(int length) => CountBody(length);

        public void OnEnd()
        {
            Complete();
            Close();
        }

        public void OnFailed(LoadError kind)
        {
            Fail(kind);
            Close();
        }

        public void OnUnsent()
        {
            _carrier = Worker.Http1ConnectionFor(connection);
            _carrier.Start(this);
        }

        // HTTP/1.1 cannot drop one request of a connection: the connection goes, its other requests abandoned by their own slots.
        internal override void Abandon()
        {
            if (_carrier is not { } carrier)
                return;
            Fail(LoadError.Timeout);
            carrier.Destroy();
            Close();
        }

        private void Close()
        {
            _carrier = null;
            Closed();
        }
    }
}
