namespace Uvnet.Server.Load;

/// <summary><c>uvnet load --h2</c>: the worker's HTTP/2 connections, each carrying <see cref="LoadOptions.Streams"/> slots' requests.</summary>
public sealed partial class LoadWorker
{
    private readonly Http2LoadConnection?[]? _http2; // by index: the connection its slots use now (null: none yet, or gone)
    private readonly List<Http2LoadConnection> _http2Open = []; // every connection not closed yet, gone ones included
    private readonly Http2LoadRequestTemplate? _template;

    private void CheckHttp2Timeouts(long now)
    {
        for (int i = _http2Open.Count - 1; i >= 0; i--)
        {
            if (i < _http2Open.Count)
                _http2Open[i].CheckTimeouts(now, _options.TimeoutMs);
        }
    }

    /// <summary>The connection at <paramref name="index"/> that takes requests, made when there is none (or it went away).</summary>
    private Http2LoadConnection ConnectionFor(int index) => _http2![index] is { IsUsable: true } open ? open : Connect(index);

    // Apart from ConnectionFor: the closure below captures the index, and C# makes its object at the entry of the
    // method that declares it, which would be on every request.
    private Http2LoadConnection Connect(int index)
    {
        var connection = new Http2LoadConnection(_loop, _options, _template!);
        connection.Gone += gone =>
        {
            if (_http2![index] == gone)
                _http2[index] = null;
        };
        connection.Socket.Closed += (_, _) => _http2Open.Remove(connection);
        Track(connection.Socket);
        _http2Open.Add(connection);
        _http2![index] = connection;
        return connection;
    }

    /// <summary>The run is over, every request closed: the connections go.</summary>
    private void FinishHttp2()
    {
        foreach (Http2LoadConnection connection in _http2Open.ToArray())
            connection.Destroy();
    }

    /// <summary>An HTTP/2 slot: a stream of connection <c>index</c>, made once and reused for each of its requests.</summary>
    private sealed class Http2Slot : Slot, ILoadRequest
    {
        private readonly int _connection;
        private readonly Http2LoadStream _stream;
        private bool _open; // from the send to the request's end

        internal Http2Slot(LoadWorker worker, int connection)
            : base(worker)
        {
            _connection = connection;
            _stream = new Http2LoadStream(this);
        }

        private protected override void SendRequest()
        {
            _open = true;
            Worker.ConnectionFor(_connection).Start(_stream);
        }

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

        public void OnUnsent() => Worker.ConnectionFor(_connection).Start(_stream);

        internal override void Abandon()
        {
            if (!_open)
                return;
            Fail(LoadError.Timeout);
            _stream.Connection?.Cancel(_stream);
            Close();
        }

        private void Close()
        {
            _open = false;
            Closed();
        }
    }
}
