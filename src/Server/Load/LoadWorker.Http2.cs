namespace Uvnet.Server.Load;

/// <summary><c>uvnet load --h2</c>: its slots, each a stream of an HTTP/2 connection.</summary>
public sealed partial class LoadWorker
{
    /// <summary>An HTTP/2 slot: a stream of connection <c>index</c>, made once and reused for each of its requests.</summary>
    private sealed class Http2Slot : Slot
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
            Worker._http2!.For(_connection).Start(_stream);
        }

        public override void OnUnsent() => Worker._http2!.For(_connection).Start(_stream);

        internal override void Abandon()
        {
            if (!_open)
                return;
            Fail(LoadError.Timeout);
            _stream.Connection?.Cancel(_stream);
            Close();
        }

        private protected override void Close()
        {
            _open = false;
            base.Close();
        }
    }
}
