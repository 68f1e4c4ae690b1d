using Uvnet.Proxy.Hooks;
using Uvnet.Http;
using Uvnet.Http.Client;
using Uvnet.Http.Server;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// A steady proxied load on one loop, for the per-request cost tests: Uvnet's server as the upstream, the proxy, and a
/// client that sends small GETs one after another on each of <paramref name="connections"/> kept-alive connections
/// (<paramref name="pipelined"/> at once on each), without the kit's recorders (they allocate per request). Disposing
/// stops the client and checks that every request went through the connections it opened first, each side.
/// </summary>
internal sealed class ProxiedLoad : IDisposable
{
    private readonly HttpServer _upstream;
    private readonly ProxyServer _proxy;
    private readonly Agent _client;
    private readonly Driver _driver;
    private readonly int _connections;

    internal ProxiedLoad(ProxyFilter[] filters, int pipelined, int connections = 1)
    {
        _connections = connections;
        Loop = new Loop();
        // The upstream sends no Date: its value changes once a second, and each pooled upstream response makes that new
        // value's string once (per second, not per request), which a window of these would count.
        _upstream = Http.Http.CreateServer(Loop, static (_, res) =>
        {
            res.SendDate = false;
            res.End("Hello, World!"u8);
        });
        int listening = 0;
        _upstream.Listen(0, "127.0.0.1", () => listening++);
        LoopDriver.RunUntil(Loop, () => listening == 1);
        // Every connection kept idle between its requests, each side (256 by default).
        _proxy = new ProxyServer(Loop, ProxyKit.Simple(filters, null, _upstream.Port) with
        {
            Agent = new AgentOptions { Timeout = 0, MaxFreeSockets = connections },
        });
        _proxy.Listen(0, "127.0.0.1", () => listening++);
        LoopDriver.RunUntil(Loop, () => listening == 2);
        _client = new Agent(Loop, new AgentOptions
        {
            RecycleRequests = true, Pipelining = pipelined, MaxSockets = connections, MaxFreeSockets = connections,
        });
        var options = new RequestOptions { Host = "127.0.0.1", Port = _proxy.Port, Path = "/plaintext", Agent = _client, Headers = [new("Accept", "text/plain")] };
        _driver = new Driver(Loop, options);
        for (int i = 0; i < pipelined * connections; i++)
            _driver.Next();
    }

    internal Loop Loop { get; }

    /// <summary>Requests answered so far.</summary>
    internal int Completed => _driver.Completed;

    /// <summary>Runs the loop until <paramref name="count"/> more requests were answered.</summary>
    internal void Run(int count)
    {
        int target = _driver.Completed + count;
        LoopDriver.RunUntil(Loop, () => _driver.Completed >= target);
    }

    public void Dispose()
    {
        try
        {
            Assert.Equal(0, _driver.Failed);
            Assert.Equal(_connections, _client.GetStats("127.0.0.1", _proxy.Port).Created);
            // The proxy forwards a connection's pipelined requests one at a time, over an upstream connection kept alive
            // (one per client connection at most: a request's is free again before the client sends the next).
            Assert.InRange(_proxy.Clusters[0].Agent.GetStats("127.0.0.1", _upstream.Port).Created, 1, _connections);
        }
        finally
        {
            _driver.Stop();
            LoopDriver.RunUntil(Loop, () => _driver.InFlight == 0);
            _client.Destroy();
            _proxy.Dispose();
            _upstream.CloseAllConnections();
            _upstream.Close();
            LoopDriver.CloseLoop(Loop);
        }
    }

    /// <summary>One GET after another: the next is made in the previous one's Close, its body taken by Data/End.</summary>
    private sealed class Driver(Loop loop, RequestOptions options)
    {
        private static readonly Action<ClientRequest, ClientResponse> s_onResponse = static (_, res) =>
        {
            res.Data += s_onData;
            res.End += s_onEnd;
        };
        private static readonly ResponseDataHandler s_onData = static (_, _) => { };
        private static readonly Action<ClientResponse> s_onEnd = static _ => { };

        private Action<ClientRequest>? _onClose;
        private Action<ClientRequest, Exception>? _onError;
        private bool _stopped;

        internal int Completed { get; private set; }

        internal int Failed { get; private set; }

        internal int InFlight { get; private set; }

        internal void Next()
        {
            InFlight++;
            ClientRequest request = Http.Http.Request(loop, options);
            request.Response += s_onResponse;
            request.Error += _onError ??= (_, _) => Failed++;
            request.Close += _onClose ??= OnClose;
            request.End();
        }

        private void OnClose(ClientRequest request)
        {
            InFlight--;
            Completed++;
            if (!_stopped)
                Next();
        }

        internal void Stop() => _stopped = true;
    }
}
