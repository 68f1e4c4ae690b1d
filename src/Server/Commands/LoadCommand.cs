using System.Diagnostics;
using System.Globalization;
using Uvnet.Server.Load;

namespace Uvnet.Server.Commands;

/// <summary><c>uvnet load URL</c>: a load generator on Uvnet's HTTP client, one loop per thread.</summary>
public static class LoadCommand
{
    // How often the progress line is redrawn on a terminal.
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(1);

    /// <summary>Runs the load; the report goes to stdout, a live progress line to stderr when stdout is a terminal.</summary>
    public static int Run(LoadOptions options) =>
        Run(options, Console.Out, Console.Error, progress: !Console.IsOutputRedirected && !Console.IsErrorRedirected);

    /// <summary>
    /// Runs the load, writing the report to <paramref name="output"/> and, with <paramref name="progress"/>, a progress
    /// line redrawn on <paramref name="error"/> each second. Returns 0, or 1 when the latency CSV cannot be written.
    /// </summary>
    public static int Run(LoadOptions options, TextWriter output, TextWriter error, bool progress)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        LoadResult result = Measure(options, progress ? error : null);
        output.Write(options.Json ? result.ToJson() : result.ToText());
        output.Flush();
        if (options.LatencyCsv is { } csv)
        {
            try
            {
                File.WriteAllText(csv, result.ToLatencyCsv());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"uvnet: cannot write '{csv}': {e.Message}");
                return 1;
            }
        }
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="options"/>'s workers, each on its own thread and loop, until each has finished; draws a
    /// progress line on <paramref name="progress"/> meanwhile if given. Ctrl+C stops them early (their requests in
    /// flight are still waited for).
    /// </summary>
    public static LoadResult Measure(LoadOptions options, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        int threads = options.Threads;
        long planned = options.Rate is { } rate ? (long)Math.Round(rate * (options.Warmup + options.Duration).TotalSeconds) : 0;
        var workers = new LoadWorker[threads];
        var loops = new Loop[threads];
        using var ready = new CountdownEvent(threads);
        long startTicks = Stopwatch.GetTimestamp();
        var running = new Thread[threads];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        for (int i = 0; i < threads; i++)
        {
            int index = i;
            running[i] = new Thread(() =>
            {
                try
                {
                    var loop = new Loop();
                    var worker = new LoadWorker(loop, options, Share(options.Connections, threads, index), Share(planned, threads, index));
                    loops[index] = loop;
                    workers[index] = worker;
                    ready.Signal();
                    worker.Start();
                    loop.Run();
                    loop.Close();
                }
                catch (Exception e)
                {
                    // Told to the caller once every thread has ended, instead of ending the process from a thread.
                    failures.Enqueue(e);
                    if (workers[index] is null)
                        ready.Signal();
                }
            })
            { Name = $"uvnet load {index}", IsBackground = true };
            running[i].Start();
        }
        ready.Wait();
        ConsoleCancelEventHandler cancel = (_, e) =>
        {
            e.Cancel = true;
            for (int i = 0; i < threads; i++)
            {
                LoadWorker worker = workers[i];
                try
                {
                    loops[i]?.Post(() => worker.Stop());
                }
                catch (ObjectDisposedException)
                {
                    // That loop has ended already.
                }
            }
        };
        Console.CancelKeyPress += cancel;
        try
        {
            foreach (Thread thread in running)
            {
                while (!thread.Join(s_progressInterval))
                    progress?.Write(ProgressLine(workers, startTicks));
            }
        }
        finally
        {
            Console.CancelKeyPress -= cancel;
        }
        if (progress is not null)
            progress.Write("\r\x1b[K"); // the progress line is erased: the report follows on stdout
        if (!failures.IsEmpty)
            throw new AggregateException("a load thread failed", failures);
        return new LoadResult(options, workers);
    }

    /// <summary>Worker <paramref name="index"/>'s part of <paramref name="total"/> split over <paramref name="parts"/>, the first ones taking the remainder.</summary>
    internal static int Share(int total, int parts, int index) => (int)Share((long)total, parts, index);

    private static long Share(long total, int parts, int index) => total / parts + (index < total % parts ? 1 : 0);

    private static string ProgressLine(LoadWorker[] workers, long startTicks)
    {
        long responses = workers.Sum(w => w.Responses);
        double seconds = Stopwatch.GetElapsedTime(startTicks).TotalSeconds;
        double measured = Stopwatch.GetElapsedTime(workers.Min(w => w.MeasuredFromTicks)).TotalSeconds; // the warm-up's counts were dropped
        return string.Create(CultureInfo.InvariantCulture, $"\r\x1b[K{seconds:0} s: {responses} responses, {responses / measured:0} requests/s");
    }
}
