using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Uvnet.Server.Hosting;

/// <summary>
/// Runs a server on several loops, each on its own thread with its own <see cref="ILoopService"/>, all listening
/// on one port through one shared socket (<see cref="TcpBindFlags.SharePort"/>: each connection goes to a loop that
/// is waiting, and no other process can take the port), and stops them gracefully within a
/// bound: <see cref="Shutdown"/> asks every loop to <see cref="ILoopService.Stop"/>, and a loop timer calls
/// <see cref="ILoopService.Abort"/> when the grace period is over.
/// </summary>
public sealed class ServerHost
{
    // After Abort closed every connection, the loops end within a few iterations; this is only the bound on a
    // loop that is stuck, so that the process still exits.
    private static readonly TimeSpan s_abortBound = TimeSpan.FromSeconds(2);

    private readonly ServerHostOptions _options;
    private readonly Func<Loop, ILoopService> _createService;
    private readonly List<LoopWorker> _workers = [];
    private readonly TaskCompletionSource _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Every loop writes its stats lines here: one lock keeps lines whole (Console.Error is already synchronized).
    private readonly TextWriter _statsOutput;

    private ServerHost(ServerHostOptions options, Func<Loop, ILoopService> createService)
    {
        _options = options;
        _createService = createService;
        _statsOutput = TextWriter.Synchronized(options.StatsOutput ?? Console.Error);
    }

    /// <summary>The port every loop listens on.</summary>
    public int Port { get; private set; }

    /// <summary>How many loops run.</summary>
    public int LoopCount => _workers.Count;

    /// <summary>The I/O backend the loops wait with (the first loop's: all are made alike, see <see cref="Loop.Backend"/>).</summary>
    public LoopBackend Backend { get; private set; }

    /// <summary>Why the loops run on epoll though io_uring was asked for (see <see cref="Loop.BackendFallbackReason"/>); null otherwise.</summary>
    public string? BackendFallbackReason { get; private set; }

    /// <summary>Whether <see cref="Shutdown"/> was called.</summary>
    public bool IsShuttingDown => _shutdownRequested.Task.IsCompleted;

    /// <summary>
    /// The connections each loop accepted, in loop order: how the kernel spread them over the loops. Exact once
    /// <see cref="WaitForExit"/> has returned true; a snapshot before.
    /// </summary>
    public IReadOnlyList<long> ConnectionsPerLoop => _workers.Select(w => w.ConnectionsAccepted).ToList();

    /// <summary>Completes once every loop has ended and closed.</summary>
    public Task Completion => Task.WhenAll(_workers.Select(w => w.Exited.Task));

    /// <summary>
    /// Starts <see cref="ServerHostOptions.Loops"/> loops, each with a service from <paramref name="createService"/>
    /// (called on that loop's thread), and waits until all listen. On failure (a listen error, a timeout), the
    /// loops already started are shut down, and <paramref name="error"/> says why.
    /// </summary>
    public static bool TryStart(ServerHostOptions options, Func<Loop, ILoopService> createService,
        [NotNullWhen(true)] out ServerHost? host, [NotNullWhen(false)] out Exception? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createService);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Loops, 1);
        var starting = new ServerHost(options, createService);
        // The first loop listens alone, so that with port 0 the others join the port it was given.
        error = starting.StartLoops(1, options.Port);
        if (error is null && options.Loops > 1)
            error = starting.StartLoops(options.Loops - 1, starting.Port);
        if (error is not null)
        {
            // Not Shutdown: a server that never started is not "shutting down" (ShutdownStarted stays untold).
            starting.Stop(announce: false);
            starting.WaitForExit();
            host = null;
            return false;
        }
        host = starting;
        return true;
    }

    /// <summary>
    /// Stops gracefully: every loop stops accepting and closes idle connections; connections still busy after
    /// <see cref="ServerHostOptions.GracePeriod"/> are closed. Any thread; later calls do nothing.
    /// </summary>
    public void Shutdown() => Stop(announce: true);

    private void Stop(bool announce)
    {
        if (!_shutdownRequested.TrySetResult())
            return;
        if (announce)
            _options.ShutdownStarted?.Invoke();
        foreach (var worker in _workers)
            worker.RequestStop();
    }

    /// <summary>
    /// Waits until every loop has ended: without a bound while the server runs, and once <see cref="Shutdown"/> was
    /// called, for the grace period and a little more at most. Returns whether the loops ended.
    /// </summary>
    public bool WaitForExit()
    {
        Task completion = Completion;
        Task.WaitAny(completion, _shutdownRequested.Task);
        return completion.Wait(_options.GracePeriod + s_abortBound);
    }

    private Exception? StartLoops(int count, int port)
    {
        var started = new List<LoopWorker>(count);
        for (int i = 0; i < count; i++)
        {
            var worker = new LoopWorker(_workers.Count, port, this);
            _workers.Add(worker);
            started.Add(worker);
            worker.Start();
        }
        var listening = Task.WhenAll(started.Select(w => w.Listening.Task));
        try
        {
            if (!listening.Wait(_options.StartTimeout))
                return new TimeoutException($"the loops did not start listening within {_options.StartTimeout.TotalSeconds:0} s");
        }
        catch (AggregateException e)
        {
            return e.InnerExceptions[0];
        }
        Port = listening.Result[0];
        return null;
    }

    /// <summary>One loop on its own thread, with its service.</summary>
    private sealed class LoopWorker(int index, int port, ServerHost host)
    {
        private readonly Lock _gate = new();
        private Loop? _loop;
        private ILoopService? _service;
        private readonly List<SignalHandle> _signals = [];
        private bool _finished;
        private bool _stopping;

        public TaskCompletionSource<int> Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long ConnectionsAccepted => Volatile.Read(ref _service)?.ConnectionsAccepted ?? 0;

        public void Start()
        {
            // Background: a loop stuck past every bound must not keep the process alive.
            var thread = new Thread(Run) { IsBackground = true, Name = $"uvnet loop {index}" };
            thread.Start();
        }

        /// <summary>Any thread: asks the loop to stop, unless it has already ended.</summary>
        public void RequestStop()
        {
            lock (_gate)
            {
                if (_loop is not null && !_finished)
                    _loop.Post(static w => w.StopUnlessEnded(), this);
            }
        }

        private void Run()
        {
            Loop loop;
            try
            {
                loop = new Loop();
            }
            catch (Exception e)
            {
                // UVNET_BACKEND names no backend, or one this system lacks (kqueue on Linux), or the poller could not
                // be created: the start fails and says why, rather than the thread dying with it.
                Listening.TrySetException(e);
                Exited.TrySetResult();
                return;
            }
            try
            {
                lock (_gate)
                    _loop = loop;
                // Before it listens: TryStart reads these once the first loop is listening.
                if (index == 0)
                    (host.Backend, host.BackendFallbackReason) = (loop.Backend, loop.BackendFallbackReason);
                _service = new LoopServices(loop, host._createService, host._options.Host);
                _service.Listen(port, host._options.Host, p => Listening.TrySetResult(p), OnError);
                WatchShutdownSignals(loop);
                if (host._options.StatsInterval is { } interval)
                    LoopStats.Start(loop, index, _service, interval, host._statsOutput, host._options.StatsCountSsl);
                // A shutdown asked for before this loop existed did not reach it.
                if (host.IsShuttingDown)
                    Stop();
                RunUntilEnded(loop);
            }
            catch (Exception e)
            {
                Listening.TrySetException(e);
                Report(e);
            }
            finally
            {
                lock (_gate)
                    _finished = true;
                Listening.TrySetException(new InvalidOperationException("the loop ended before it listened"));
                CloseLoop(loop);
                Exited.TrySetResult();
            }
        }

        /// <summary>Before listening, an error fails the start; after, it is an accept error, which the service weathers.</summary>
        private void OnError(Exception e)
        {
            if (!Listening.TrySetException(e))
                host._options.AcceptError?.Invoke(e);
        }

        private void RunUntilEnded(Loop loop)
        {
            while (true)
            {
                try
                {
                    loop.Run(RunMode.Default);
                    return;
                }
                catch (Exception e)
                {
                    // The loop stays consistent after a callback threw (see Loop's remarks): report it and go on.
                    Report(e);
                }
            }
        }

        /// <summary>
        /// SIGINT and SIGTERM, watched by each loop (libuv's signal handle): the first starts the graceful shutdown.
        /// The SIGINT watcher then stops, so a second Ctrl+C takes the default action and quits at once; SIGTERM stays
        /// watched, as a repeat of the same request: timeout(1) signals both the process and its group, so one stop
        /// often arrives twice, and must not cut the graceful stop short.
        /// </summary>
        private void WatchShutdownSignals(Loop loop)
        {
            if (!host._options.HandleSignals || OperatingSystem.IsWindows())
                return;
            foreach (PosixSignal signal in (ReadOnlySpan<PosixSignal>)[PosixSignal.SIGINT, PosixSignal.SIGTERM])
            {
                var watcher = new SignalHandle(loop);
                watcher.Start(signal, (_, _) => host.Shutdown());
                watcher.Unref(); // the server's listener keeps the loop alive, not the signal watchers
                _signals.Add(watcher);
            }
        }

        /// <summary>
        /// A stop posted just before the loop ended runs while its handles are being closed (CloseLoop): there is
        /// nothing left to stop, and its signal watchers are closing already.
        /// </summary>
        private void StopUnlessEnded()
        {
            bool ended;
            lock (_gate)
                ended = _finished;
            if (!ended)
                Stop();
        }

        private void Stop()
        {
            foreach (var watcher in _signals)
            {
                if (watcher.Signal == PosixSignal.SIGINT)
                    watcher.Close();
            }
            _signals.RemoveAll(watcher => watcher.IsClosing);
            if (_stopping || _service is not { } service)
                return;
            _stopping = true;
            service.Stop();
            var grace = new TimerHandle(_loop!);
            grace.Start(_ => service.Abort(), (long)host._options.GracePeriod.TotalMilliseconds);
            // The grace timer alone does not keep the loop alive: a loop whose connections all closed ends at once.
            grace.Unref();
        }

        private void Report(Exception e)
        {
            if (host._options.LoopException is { } report)
                report(index, e);
            else
                Console.Error.WriteLine($"uvnet: loop {index}: {e}");
        }

        private static void CloseLoop(Loop loop)
        {
            loop.Walk(static h =>
            {
                if (!h.IsClosing)
                    h.Close();
            });
            loop.Run(RunMode.Default);
            loop.Close();
        }
    }
}
