namespace Uvnet.Server.Load;

/// <summary><c>uvnet load</c> over HTTP/1.1: its slots, each a request of a pipelining connection.</summary>
public sealed partial class LoadWorker
{
    /// <summary>An HTTP/1.1 slot: one of connection <c>index</c>'s pipelined requests, answered in the order sent.</summary>
    private sealed class Http1Slot(LoadWorker worker, int connection) : Slot(worker)
    {
        private Http1LoadConnection? _carrier; // from the send to the request's end

        private protected override void SendRequest() => OnUnsent();

        public override void OnUnsent()
        {
            _carrier = Worker._http1!.For(connection);
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

        private protected override void Close()
        {
            _carrier = null;
            base.Close();
        }
    }
}
