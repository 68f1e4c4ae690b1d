using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>
/// The built <c>uvnet</c> running as a child process on a free loopback port, as a person runs it: its port read
/// from the start-up line, its stdout and stderr collected line by line, every wait bounded.
/// </summary>
internal sealed partial class RunningUvnet : IDisposable
{
    /// <summary>The bound on every wait for the process: start-up, a log line, the exit.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Lines _output = new();
    private readonly Lines _error = new();
    private readonly Task _pumps;
    private bool _disposed;

    private RunningUvnet(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(_output.PumpAsync(process.StandardOutput), _error.PumpAsync(process.StandardError));
    }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process is still running.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>The processor time the process has used so far, user and system (its utime and stime).</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The names of the process's threads (Linux: /proc), e.g. <c>.NET TP Worker</c> for the thread pool's.</summary>
    public IReadOnlyList<string> ThreadNames
    {
        get
        {
            var names = new List<string>();
            foreach (string task in Directory.GetDirectories($"/proc/{Id}/task"))
            {
                try
                {
                    names.Add(File.ReadAllText(Path.Join(task, "comm")).TrimEnd('\n'));
                }
                catch (IOException)
                {
                    // The thread ended since the listing.
                }
            }
            return names;
        }
    }

    /// <summary>The URL of <paramref name="path"/> on this server.</summary>
    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    /// <summary>Starts <c>uvnet</c> with <paramref name="args"/> on 127.0.0.1, port 0, and waits for its start-up line.</summary>
    public static Task<RunningUvnet> StartAsync(params string[] args) => StartAsync(descriptorLimit: null, args);

    /// <summary>
    /// <see cref="StartAsync(string[])"/> with at most <paramref name="descriptorLimit"/> open descriptors (null: the
    /// inherited limit; see <see cref="UvnetProcess.Start(int?, string[])"/>).
    /// </summary>
    public static Task<RunningUvnet> StartAsync(int? descriptorLimit, params string[] args) =>
        StartAsync(UvnetProcess.Start(descriptorLimit, [.. args, "--host", "127.0.0.1", "--port", "0"]));

    /// <summary>
    /// <see cref="StartAsync(string[])"/> with the <c>uvnet</c> at <paramref name="executable"/> (e.g. the one
    /// <c>dotnet tool install</c> put in a folder) rather than the one built beside the tests.
    /// </summary>
    public static Task<RunningUvnet> StartExecutableAsync(string executable, params string[] args) =>
        StartAsync(Process.Start(new ProcessStartInfo(executable, [.. args, "--host", "127.0.0.1", "--port", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!);

    private static Task<RunningUvnet> StartAsync(Process process) => StartAsync(process, StartupUrl());

    /// <summary>
    /// Watches <paramref name="process"/> (its output redirected), another program on the loop such as an example,
    /// until a stdout line matches <paramref name="startup"/>, whose first group is the port it listens on.
    /// </summary>
    public static async Task<RunningUvnet> StartAsync(Process process, Regex startup)
    {
        var running = new RunningUvnet(process);
        try
        {
            string first = await running.WaitForOutputAsync(startup.IsMatch);
            running.Port = int.Parse(startup.Match(first).Groups[1].Value, CultureInfo.InvariantCulture);
            return running;
        }
        catch
        {
            running.Dispose();
            throw;
        }
    }

    /// <summary>The stdout lines so far.</summary>
    public IReadOnlyList<string> Output => _output.Snapshot();

    /// <summary>The stderr lines so far.</summary>
    public IReadOnlyList<string> Error => _error.Snapshot();

    /// <summary>Waits (bounded) for a stdout line that <paramref name="match"/> accepts; returns it.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match) => _output.WaitForAsync(match, Bound, 0);

    /// <summary>Waits (bounded) for a stderr line from the <paramref name="from"/>th on that <paramref name="match"/> accepts; returns it.</summary>
    public Task<string> WaitForErrorAsync(Func<string, bool> match, int from = 0) => _error.WaitForAsync(match, Bound, from);

    /// <summary>Sends SIGTERM, as a service manager stopping the server does.</summary>
    public void Terminate() => UvnetProcess.Terminate(_process);

    /// <summary>Waits up to <paramref name="bound"/> for the process to exit and its streams to end; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan bound)
    {
        await _process.WaitForExitAsync().WaitAsync(bound);
        await _pumps.WaitAsync(bound);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM and returns the exit code (bounded).</summary>
    public Task<int> StopAsync()
    {
        Terminate();
        return WaitForExitAsync(Bound);
    }

    /// <summary>Sends SIGTERM, asserts a graceful exit (0) within the bound, and disposes, whatever the exit.</summary>
    public async Task StopGracefullyAsync()
    {
        try
        {
            Assert.Equal(0, await StopAsync());
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>Kills the process if it still runs; a second call (after <see cref="StopGracefullyAsync"/>) does nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }

    [GeneratedRegex(@"https?://127\.0\.0\.1:(\d+)/")]
    private static partial Regex StartupUrl();

    /// <summary>One stream's lines, with a wait for a line to arrive.</summary>
    private sealed class Lines
    {
        private readonly List<string> _lines = [];
        private readonly SemaphoreSlim _arrived = new(0);
        private bool _ended;

        /// <summary>
        /// Reads <paramref name="reader"/> to its end on a thread of its own: a pipe's "async" reads block a
        /// thread-pool thread, and two per process would starve the pool (the tests' own awaits then wait the
        /// half second or more the pool takes to add a thread).
        /// </summary>
        public Task PumpAsync(StreamReader reader) => Task.Factory.StartNew(() =>
        {
            while (reader.ReadLine() is { } line)
            {
                lock (_lines)
                    _lines.Add(line);
                _arrived.Release();
            }
            lock (_lines)
                _ended = true;
            _arrived.Release();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        public IReadOnlyList<string> Snapshot()
        {
            lock (_lines)
                return [.. _lines];
        }

        public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan bound, int from)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                lock (_lines)
                {
                    if (_lines.Skip(from).FirstOrDefault(match) is { } found)
                        return found;
                    if (_ended)
                        Assert.Fail($"the stream ended without the line; it had:\n{string.Join('\n', _lines)}");
                }
                TimeSpan left = bound - deadline.Elapsed;
                if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
                    Assert.Fail($"no such line within {bound.TotalSeconds:0} s; the stream had:\n{string.Join('\n', Snapshot())}");
            }
        }
    }
}
