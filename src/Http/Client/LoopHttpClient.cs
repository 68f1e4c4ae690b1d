using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Client;

/// <summary>
/// The awaitable face of the client (named apart from <see cref="System.Net.Http.HttpClient"/>): <see cref="SendAsync"/>
/// sends a request through an <see cref="Agent"/> and completes with the response once its head arrives; read the
/// body with <see cref="ClientResponse.ReadAsync"/> (streamed into a buffer of the caller's) or
/// <see cref="ClientResponse.ReadBodyAsync"/> (whole). Awaited on the loop's thread (in a handler, or code started by
/// <see cref="Loop.RunUntil(Func{Task})"/>), every continuation runs on the loop, with no thread-pool hop.
/// </summary>
public sealed class LoopHttpClient
{
    private SocketOperation? _slot;

    /// <summary>A client on <paramref name="loop"/> using <paramref name="agent"/> (null: the loop's global agent).</summary>
    public LoopHttpClient(Loop loop, Agent? agent = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        if (agent is not null && agent.Loop != loop)
            throw new ArgumentException("The agent belongs to another loop.", nameof(agent));
        Loop = loop;
        Agent = agent ?? Agent.GetGlobal(loop);
    }

    /// <summary>The loop the requests run on.</summary>
    public Loop Loop { get; }

    /// <summary>The pool the requests use.</summary>
    public Agent Agent { get; }

    /// <summary>
    /// Sends a request with <paramref name="body"/> (sent with Content-Length when not empty) and completes with the
    /// response once its head arrives. Fails with what <see cref="ClientRequest.Error"/> reports (connect errors,
    /// ECONNRESET "socket hang up", <see cref="HttpResponseError"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="Http.Request(Loop, RequestOptions, Action{ClientResponse}?)"/>).</exception>
    /// <exception cref="InvalidOperationException">Called off the loop's thread, or <paramref name="body"/> does not match a Content-Length set in the options (ERR_HTTP_CONTENT_LENGTH_MISMATCH).</exception>
    public async ValueTask<ClientResponse> SendAsync(RequestOptions options, ReadOnlyMemory<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        LoopThread.Verify(Loop, nameof(LoopHttpClient), unstarted: true);
        // Never recycled: the caller reads the response it is given after the request closed.
        ClientRequest request = Http.Request(Loop, options.NoAgent || options.Agent is not null ? options : options with { Agent = Agent }, null, null, recyclable: false);
        try
        {
            request.End(body.Span);
        }
        catch
        {
            request.Destroy(); // a body its own Content-Length refuses: the request must not go on to connect
            throw;
        }
        // Subscribed after End: the request's events come on later turns, once it has a connection.
        var exchange = new Exchange(SocketOperation.Claim(ref _slot, Loop));
        request.Response += exchange.OnResponse;
        request.Error += exchange.OnError;
        request.Close += exchange.OnClose;
        await exchange.Operation.Task;
        return exchange.Response!;
    }

    /// <summary>A GET of an absolute <c>http:</c> URL (see <see cref="SendAsync"/>).</summary>
    public ValueTask<ClientResponse> GetAsync(string url) => SendAsync(RequestOptions.FromUrl(url));

    /// <summary>One request's completion: the first of its response, error or close settles it.</summary>
    private sealed class Exchange(SocketOperation operation)
    {
        private bool _settled;

        internal SocketOperation Operation { get; } = operation;

        internal ClientResponse? Response { get; private set; }

        internal void OnResponse(ClientRequest request, ClientResponse response)
        {
            Response = response;
            Settle(null);
        }

        internal void OnError(ClientRequest request, Exception error) => Settle(error);

        internal void OnClose(ClientRequest request) => Settle(new NetException("ECONNRESET", "socket hang up"));

        private void Settle(Exception? error)
        {
            if (_settled)
                return;
            _settled = true;
            Operation.Complete(error);
        }
    }
}
