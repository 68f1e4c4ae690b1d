namespace Uvnet.Proxy.Hooks;

/// <summary>
/// What a paused filter keeps to go on later (envoy's <c>continueDecoding</c>): a value, so a pause allocates nothing.
/// It serves once; a handle whose exchange has ended (the client went away) or that was used already does nothing.
/// </summary>
public readonly struct ResumeHandle
{
    private readonly ProxyExchange? _exchange;
    private readonly int _token;

    internal ResumeHandle(ProxyExchange exchange, int token)
    {
        _exchange = exchange;
        _token = token;
    }

    /// <summary>The point the chain paused at.</summary>
    public HookPoint Point => (_exchange ?? throw Default()).PausedPoint;

    /// <summary>
    /// Resumes the chain with <paramref name="result"/> as the paused filter's verdict: Continue runs the next filter,
    /// any other ends the chain as if the filter had returned it. Call it on the exchange's loop thread. Returns false
    /// when the exchange ended meanwhile or the handle was used already.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="result"/> is Pause.</exception>
    /// <exception cref="InvalidOperationException">The handle is default, or the call is off the loop's thread.</exception>
    public bool Resume(HookResult result)
    {
        ProxyExchange exchange = _exchange ?? throw Default();
        if (result.Action == HookAction.Pause)
            throw new ArgumentException("A handle resumes with a verdict other than Pause; take a new handle to pause again.", nameof(result));
        return exchange.Resume(_token, result);
    }

    /// <summary>Resumes with Continue (see <see cref="Resume(HookResult)"/>).</summary>
    public bool Resume() => Resume(HookResult.Continue);

    private static InvalidOperationException Default() => new("This ResumeHandle was not given by ProxyExchange.Pause.");
}
