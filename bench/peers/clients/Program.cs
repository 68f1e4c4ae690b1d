using System.Diagnostics;
using System.Globalization;
using Uvnet;
using Uvnet.Bench;
using Uvnet.Http.Client;
using UvnetHttp = Uvnet.Http.Http;

// <uvnet|httpclient> <keepalive|pipelined> --port P [--conns N] [--seconds S] [--warmup W]: GET /plaintext from the
// server on 127.0.0.1:P as fast as the client allows, N connections (16 requests deep on each for "pipelined",
// which HttpClient cannot do: it answers UNSUPPORTED); prints
// "RESULT requests_per_sec=<n> cpu_pct=<client CPU, 100 = one core>" for the measured seconds after the warm-up.
string client = args[0];
string workload = args[1];
int port = 0, conns = 64, seconds = 10, warmup = 5;
for (int i = 2; i + 1 < args.Length; i += 2)
{
    int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--port": port = value; break;
        case "--conns": conns = value; break;
        case "--seconds": seconds = value; break;
        case "--warmup": warmup = value; break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }
}
if (workload is not ("keepalive" or "pipelined"))
    throw new ArgumentException($"unknown workload {workload}");
int depth = workload == "pipelined" ? 16 : 1;

long completed = 0, errors = 0;
long measuredFrom = 0, countFrom = 0;
double cpuFrom = 0;
void MarkStart()
{
    measuredFrom = Stopwatch.GetTimestamp();
    countFrom = completed;
    cpuFrom = ProcessStats.CpuMs();
}

if (client == "uvnet")
{
    // Recycled requests (the allocation-free keep-alive path) and, for "pipelined", undici's pipelining 16 deep.
    var loop = new Loop();
    var agent = new Agent(loop, new AgentOptions { MaxSockets = conns, Timeout = 0, RecycleRequests = true, Pipelining = depth });
    var options = new RequestOptions { Host = "127.0.0.1", Port = port, Path = "/plaintext", Agent = agent };
    bool stopping = false;
    // The handlers are made once: a request pays for no delegate.
    Action<ClientResponse> onResponse = null!;
    Action<ClientResponse> onEnd = null!;
    Action<ClientRequest, Exception> onError = (_, _) => errors++;
    void Next()
    {
        if (!stopping)
            UvnetHttp.Get(loop, options, onResponse).Error += onError;
    }
    onEnd = _ =>
    {
        completed++;
        Next();
    };
    onResponse = res =>
    {
        res.End += onEnd;
        res.Resume();
    };
var phase = new TimerHandle(loop);
    phase.Start(_ =>
    {
        MarkStart();
        phase.Start(_ => { stopping = true; Report(); agent.Destroy(); }, seconds * 1000L);
    }, warmup * 1000L);
    for (int i = 0; i < conns * depth; i++)
        Next();
    loop.Run();
    return 0;
}

if (client == "httpclient")
{
    if (depth > 1)
        return PeerOutput.Unsupported(); // HttpClient never pipelines
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = conns, UseProxy = false });
    var uri = new Uri($"http://127.0.0.1:{port}/plaintext");
    var stop = new CancellationTokenSource();
    async Task Worker()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using HttpResponseMessage res = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead);
                Interlocked.Increment(ref completed);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }
        }
    }
    var workers = Enumerable.Range(0, conns).Select(_ => Task.Run(Worker)).ToArray();
    await Task.Delay(warmup * 1000);
    MarkStart();
    await Task.Delay(seconds * 1000);
    Report();
    stop.Cancel();
    await Task.WhenAll(workers);
    return 0;
}

throw new ArgumentException($"unknown client {client}");

void Report()
{
    double elapsed = Stopwatch.GetElapsedTime(measuredFrom).TotalSeconds;
    long count = Interlocked.Read(ref completed) - countFrom;
    PeerOutput.Result(
        ("requests_per_sec", Math.Round(count / elapsed)),
        ("cpu_pct", Math.Round(100 * (ProcessStats.CpuMs() - cpuFrom) / 1000 / elapsed)),
        ("errors", Interlocked.Read(ref errors)));
}
