using System.Diagnostics;
using Uvnet.Net;

namespace Uvnet.Server.Load;

/// <summary>
/// One loop's share of <c>uvnet load</c>: its connections, each carrying one request at a time per pipeline slot
/// (<see cref="Http1LoadConnection"/>: pre-built requests, responses parsed without request or response objects, so
/// nothing is allocated per request), with its own histogram and counters.
/// Closed loop: a slot sends its next request when the previous one closes, latency from the send. Open loop
/// (<see cref="LoadOptions.Rate"/>): request k is due at start + k × interval and goes out on the first free slot at
/// or after that time; its latency is measured from that intended time, so a stalled server's backlog shows in the
/// percentiles (wrk2's coordinated-omission correction). At the end of the duration no request is started; those in
/// flight are waited for, for up to the timeout more (then abandoned as timeouts), so the count is what the server answered.
/// A warm-up (<see cref="LoadOptions.Warmup"/>) runs first as the rest does; at its end the counters and the histogram
/// start again from zero (<see cref="WarmupResponses"/> keeps its count, <see cref="MeasuredFromTicks"/> its end).
/// Over HTTP/2 (<see cref="LoadOptions.Http2"/>) a slot is a stream of one of the worker's connections instead.
/// </summary>
public sealed partial class LoadWorker
{
    private readonly Loop _loop;
    private readonly LoadOptions _options;
    private readonly Slot[] _slots;
    private readonly Slot[] _free;
    private readonly LoadConnections<Http1LoadConnection>? _http1; // HTTP/1.1: each carries LoadOptions.Pipeline slots' requests
    private readonly LoadConnections<Http2LoadConnection>? _http2; // --h2: each carries LoadOptions.Streams slots' requests
    private readonly HashSet<Socket> _sockets = []; // the open connections; a closed one's bytes go to _closedBytesRead
    private readonly Action<Socket, bool> _onSocketClosed;
    private readonly long[] _errors = new long[LoadErrors.KindCount];
    private readonly long _planned; // open loop: requests this worker sends in all
    private readonly double _ticksPerRequest; // open loop: Stopwatch ticks between intended sends
    private TimerHandle? _pacer, _deadline, _warmup, _timeouts;
    private int _freeCount, _inFlight;
    private long _startTicks, _scheduled, _responses, _bodyBytes, _closedBytesRead, _warmupBytesRead;
    private bool _started, _stopping, _overtime;

    /// <summary>
    /// A worker on <paramref name="loop"/> with <paramref name="connections"/> of <paramref name="options"/>'s
    /// connections and, in the open loop, <paramref name="planned"/> requests spread evenly over the warm-up and the duration.
    /// </summary>
    public LoadWorker(Loop loop, LoadOptions options, int connections, long planned)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(planned);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)connections * options.PerConnection, LoadOptions.MaxInFlight, nameof(connections));
        _loop = loop;
        _options = options;
        _slots = new Slot[connections * options.PerConnection];
        _free = new Slot[_slots.Length];
        _onSocketClosed = (socket, _) =>
        {
            _sockets.Remove(socket);
            _closedBytesRead += socket.BytesRead;
        };
        _planned = planned;
        if (options.Rate is not null && planned > 0)
            _ticksPerRequest = (options.Warmup + options.Duration).TotalSeconds * Stopwatch.Frequency / planned;
        if (options.Http2)
        {
            var template = new Http2LoadRequestTemplate(options);
            _http2 = new(connections, () => new Http2LoadConnection(loop, options, template), Track);
            for (int i = 0; i < _slots.Length; i++)
                _slots[i] = new Http2Slot(this, i / options.Streams);
            return;
        }
        var http1Template = new Http1LoadRequestTemplate(loop, options);
        _http1 = new(connections, () => new Http1LoadConnection(loop, options, http1Template), Track);
        for (int i = 0; i < _slots.Length; i++)
            _slots[i] = new Http1Slot(this, i / options.Pipeline);
    }

    /// <summary>Complete responses so far, errors by status included (read from any thread, for progress).</summary>
    public long Responses => Volatile.Read(ref _responses);

    /// <summary>Body bytes received so far (read from any thread, for progress).</summary>
    public long BodyBytes => Volatile.Read(ref _bodyBytes);

    /// <summary>Latencies of the complete responses, in microseconds.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Errors by kind (see <see cref="LoadErrors"/>).</summary>
    public ReadOnlySpan<long> Errors => _errors;

    /// <summary>Bytes read from every connection the worker used after the warm-up, heads included (complete once it has finished).</summary>
    public long SocketBytesRead => AllBytesRead - _warmupBytesRead;

    private long AllBytesRead => _closedBytesRead + _sockets.Sum(s => s.BytesRead);

    /// <summary>Complete responses of the warm-up, not counted in <see cref="Responses"/> (0 until the warm-up has ended).</summary>
    public long WarmupResponses { get; private set; }

    /// <summary>When the measurement started, in <see cref="Stopwatch"/> ticks: the end of the warm-up, else the start.</summary>
    public long MeasuredFromTicks { get; private set; }

    /// <summary>Whether every request has closed after the duration ended (or <see cref="Stop"/>).</summary>
    public bool Finished { get; private set; }

    /// <summary>When the last request closed, in <see cref="Stopwatch"/> ticks.</summary>
    public long FinishedTicks { get; private set; }

    /// <summary>Starts sending: every slot at once in the closed loop, on schedule in the open loop. Call on the loop's thread, once.</summary>
    public void Start()
    {
        if (_started)
            throw new InvalidOperationException("the worker has started already");
        _started = true;
        // The loop's clock was read when the loop was made, maybe long ago (JIT, other threads): the connections' idle
        // times count from it, and would time out early.
        _loop.UpdateTime();
        _startTicks = MeasuredFromTicks = Stopwatch.GetTimestamp();
        long warmupMs = (long)Math.Ceiling(_options.Warmup.TotalMilliseconds);
        _deadline = new TimerHandle(_loop);
        _deadline.Data = this;
        _deadline.Start(static t => ((LoadWorker)t.Data!).DeadlinePassed(), warmupMs + (long)Math.Ceiling(_options.Duration.TotalMilliseconds));
        if (warmupMs > 0)
        {
            _warmup = new TimerHandle(_loop) { Data = this };
            _warmup.Start(static t => ((LoadWorker)t.Data!).EndWarmup(), warmupMs);
        }
        StartTimeouts();
        if (_options.Rate is null)
        {
            foreach (Slot slot in _slots)
                slot.Send(Stopwatch.GetTimestamp());
            return;
        }
        foreach (Slot slot in _slots)
            _free[_freeCount++] = slot;
        _pacer = new TimerHandle(_loop) { Data = this };
        // Loop timers tick in milliseconds: the pacer sends what has come due since its last turn, each timed from
        // its own intended instant, so the lateness of a tick is in the latencies (as it is in wrk2's).
        _pacer.Start(static t => ((LoadWorker)t.Data!).SendDue(), 0, 1);
    }

    /// <summary>
    /// The idle timeout is checked four times per <see cref="LoadOptions.TimeoutMs"/> (a quarter late at most), by one
    /// timer for every connection: no timer is restarted per request or per read.
    /// </summary>
    private void StartTimeouts()
    {
        long interval = Math.Max(1, _options.TimeoutMs / 4);
        _timeouts = new TimerHandle(_loop) { Data = this };
        _timeouts.Start(static t =>
        {
            var worker = (LoadWorker)t.Data!;
            worker._http1?.CheckTimeouts(worker._loop.Now, worker._options.TimeoutMs);
            worker._http2?.CheckTimeouts(worker._loop.Now, worker._options.TimeoutMs);
        }, interval, interval);
    }

    /// <summary>
    /// The warm-up is over: what it counted is dropped (its responses kept apart), and the measurement starts now. The
    /// requests in flight go on, and count when they complete.
    /// </summary>
    private void EndWarmup()
    {
        _warmup!.Close();
        _warmup = null;
        WarmupResponses = _responses;
        Volatile.Write(ref _responses, 0);
        Volatile.Write(ref _bodyBytes, 0);
        Array.Clear(_errors);
        Latency.Clear();
        _warmupBytesRead = AllBytesRead;
        MeasuredFromTicks = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts no more requests; the worker finishes once those in flight have closed (stopped in the warm-up, what it counted is reported).</summary>
    public void Stop()
    {
        if (_stopping || !_started)
            return;
        _stopping = true;
        _pacer?.Close();
        _warmup?.Close();
        if (_inFlight == 0)
        {
            Finish();
            return;
        }
        // The request timeout is an idle timeout: a server trickling a byte now and then would hold the run open
        // for ever. The requests in flight get one timeout more, then are abandoned and counted as timeouts.
        _deadline!.Start(static t => ((LoadWorker)t.Data!).Abandon(), _options.TimeoutMs);
    }

    private void Abandon()
    {
        foreach (Slot slot in _slots)
            slot.Abandon();
    }

    /// <summary>Requests of the open loop's schedule never sent: still waiting for a free connection when the run ended.</summary>
    public long Unsent => _planned - _scheduled;

    // The open loop's last requests are due just before the deadline, and may wait behind a slow server: they are
    // sent for up to the timeout more (the backlog is the measurement), then the rest counts as unsent.
    private void DeadlinePassed()
    {
        if (_options.Rate is null || _scheduled == _planned)
        {
            Stop();
            return;
        }
        _overtime = true;
        _deadline!.Start(static t => ((LoadWorker)t.Data!).Stop(), _options.TimeoutMs);
    }

    private void SendDue()
    {
        long due = Math.Min(_planned, (long)((Stopwatch.GetTimestamp() - _startTicks) / _ticksPerRequest) + 1);
        while (_scheduled < due && _freeCount > 0)
            _free[--_freeCount].Send(IntendedTicks(_scheduled++));
        if (_scheduled == _planned)
        {
            _pacer!.Stop(); // the rest is waiting for the requests in flight, or the deadline
            if (_overtime)
                Stop();
        }
    }

    private long IntendedTicks(long index) => _startTicks + (long)(index * _ticksPerRequest);

    /// <summary>A slot's request has closed: send its next, or park it, or finish.</summary>
    private void Closed(Slot slot)
    {
        _inFlight--;
        if (_stopping)
        {
            if (_inFlight == 0)
                Finish();
            return;
        }
        if (_options.Rate is null)
        {
            slot.Send(Stopwatch.GetTimestamp());
            return;
        }
        long now = Stopwatch.GetTimestamp();
        if (_scheduled < _planned && IntendedTicks(_scheduled) <= now)
        {
            slot.Send(IntendedTicks(_scheduled++));
            if (_overtime && _scheduled == _planned)
                Stop();
        }
        else
            _free[_freeCount++] = slot;
    }

    private void Finish()
    {
        Finished = true;
        FinishedTicks = Stopwatch.GetTimestamp();
        _deadline!.Close();
        _timeouts?.Close();
        _http1?.DestroyAll();
        _http2?.DestroyAll();
    }

    private void Completed(Slot slot, long endTicks)
    {
        Latency.Record(Microseconds(slot.StartTicks, endTicks));
        Volatile.Write(ref _responses, _responses + 1);
        LoadError? error = null;
        if (_options.ExpectStatus is { } status)
        {
            if (slot.Status != status)
                error = LoadError.ExpectStatus;
        }
        else if (slot.Status >= 500)
            error = LoadError.Status5xx;
        else if (slot.Status >= 400)
            error = LoadError.Status4xx;
        if (error is null && _options.ExpectBodyBytes is { } bytes && slot.BodyBytes != bytes)
            error = LoadError.ExpectBodyBytes;
        if (error is { } kind)
            _errors[(int)kind]++;
    }

    /// <summary>
    /// The microseconds from <paramref name="startTicks"/> to <paramref name="endTicks"/> (<see cref="Stopwatch"/>
    /// ticks), through a double: ticks times 1 000 000 pass a long after 2.5 hours at 1 GHz, and an open loop's
    /// latency from the intended time can be that long behind a slow server.
    /// </summary>
    internal static long Microseconds(long startTicks, long endTicks) =>
        Stopwatch.GetElapsedTime(startTicks, endTicks).Ticks / TimeSpan.TicksPerMicrosecond;

    private void Failed(LoadError kind) => _errors[(int)kind]++;

    /// <summary>
    /// Counts <paramref name="socket"/>'s bytes. Once per connection (a connection serves many requests): a closed one
    /// is counted and dropped, so a run against a dead port does not keep every attempt.
    /// </summary>
    private void Track(Socket socket)
    {
        if (_sockets.Add(socket))
            socket.Closed += _onSocketClosed;
    }

    /// <summary>
    /// One request at a time: its outcome counted once (a timeout's destroy, or an aborted response, raises more), then
    /// its close sends the next.
    /// </summary>
    private abstract class Slot(LoadWorker worker) : ILoadRequest
    {
        private bool _settled;

        protected LoadWorker Worker { get; } = worker;

        internal long StartTicks { get; private set; }

        internal int Status { get; private set; }

        internal long BodyBytes { get; private set; }

        internal void Send(long startTicks)
        {
            StartTicks = startTicks;
            Status = 0;
            BodyBytes = 0;
            _settled = false;
            Worker._inFlight++;
            SendRequest();
        }

        /// <summary>Sends the request, the slot's state reset.</summary>
        private protected abstract void SendRequest();

        /// <summary>The run is over: a request still in flight counts as a timeout and is dropped.</summary>
        internal abstract void Abandon();

        private void CountBody(int length)
        {
            BodyBytes += length;
            Volatile.Write(ref Worker._bodyBytes, Worker._bodyBytes + length);
        }

        /// <summary>The response ended: timed and checked, unless the request was counted already.</summary>
        private protected void Complete()
        {
            if (_settled)
                return;
            _settled = true; // an error raised after the end (the connection failing as it closes) is not this request's
            Worker.Completed(this, Stopwatch.GetTimestamp());
        }

        /// <summary>Counts the first outcome of a request only.</summary>
        private protected void Fail(LoadError kind)
        {
            if (_settled)
                return;
            _settled = true;
            Worker.Failed(kind);
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

        public abstract void OnUnsent();

        /// <summary>The request is over: the next is sent (or the slot parked). Nothing of the request is kept.</summary>
        private protected virtual void Close() => Worker.Closed(this);
    }
}
