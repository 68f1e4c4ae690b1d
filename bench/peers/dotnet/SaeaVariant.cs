using System.Net.Sockets;

namespace Uvnet.Bench.Dotnet;

/// <summary>
/// <see cref="SocketAsyncEventArgs"/> callbacks, .NET's lowest-level async socket API: one reused
/// args object per connection, completions handled on the thread that reports them.
/// </summary>
internal sealed class SaeaVariant : ISocketVariant
{
    // libuv's suggested read size.
    private const int ReadBufferSize = 65536;

    public void StartEcho(Socket socket) => new Echo(socket).Start();

    public void StartPinger(Socket socket, Pinger pinger, StopSignal stop) => new PingClient(socket, pinger, stop).Start();

    public void StartWriter(Socket socket, StopSignal stop) => new Writer(socket, stop).Start();

    public void StartSink(Socket socket, ByteCounter counter) => new Sink(socket, counter).Start();

    /// <summary>Receive, send back what arrived, receive again.</summary>
    private sealed class Echo(Socket socket) : SaeaConnection(socket)
    {
        private readonly byte[] _buffer = new byte[ReadBufferSize];
        private int _toSend;

        protected override bool Issue()
        {
            if (_toSend > 0)
            {
                Args.SetBuffer(_buffer.AsMemory(0, _toSend));
                return Socket.SendAsync(Args);
            }
            Args.SetBuffer(_buffer.AsMemory());
            return Socket.ReceiveAsync(Args);
        }

        protected override bool Handle()
        {
            if (_toSend > 0)
            {
                _toSend = 0; // the echo went out: receive again
                return true;
            }
            _toSend = Args.BytesTransferred; // 0: the peer closed
            return _toSend > 0;
        }
    }

    /// <summary>Send "PING\n", receive until the echo is whole, send again.</summary>
    private sealed class PingClient(Socket socket, Pinger pinger, StopSignal stop) : SaeaConnection(socket)
    {
        private readonly byte[] _buffer = new byte[ReadBufferSize];
        private bool _sendPing = true;

        protected override bool Issue()
        {
            if (_sendPing)
            {
                Args.SetBuffer(Writable(Pinger.Ping));
                return Socket.SendAsync(Args);
            }
            Args.SetBuffer(_buffer.AsMemory());
            return Socket.ReceiveAsync(Args);
        }

        protected override bool Handle()
        {
            if (_sendPing)
            {
                _sendPing = false;
                return true;
            }
            if (Args.BytesTransferred == 0)
                return false;
            _sendPing = pinger.Consume(_buffer.AsSpan(0, Args.BytesTransferred)) > 0;
            return !(_sendPing && stop.IsSet);
        }
    }

    /// <summary>Send the chunk, and again once it completed, until the stop.</summary>
    private sealed class Writer : SaeaConnection
    {
        private readonly StopSignal _stop;

        public Writer(Socket socket, StopSignal stop) : base(socket)
        {
            _stop = stop;
            Args.SetBuffer(Writable(PumpRun.Chunk));
        }

        protected override bool Issue() => Socket.SendAsync(Args);

        protected override bool Handle() => !_stop.IsSet;
    }

    /// <summary>Receive and count until the socket closes.</summary>
    private sealed class Sink : SaeaConnection
    {
        private readonly ByteCounter _counter;

        public Sink(Socket socket, ByteCounter counter) : base(socket)
        {
            _counter = counter;
            Args.SetBuffer(new byte[ReadBufferSize]);
        }

        protected override bool Issue() => Socket.ReceiveAsync(Args);

        protected override bool Handle()
        {
            if (Args.BytesTransferred == 0)
                return false;
            _counter.Add(Args.BytesTransferred);
            return true;
        }
    }
}
