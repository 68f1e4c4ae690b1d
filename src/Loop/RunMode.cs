namespace Uvnet;

/// <summary>How long <see cref="Loop.Run(RunMode)"/> runs, as libuv's <c>uv_run_mode</c>.</summary>
public enum RunMode
{
    /// <summary>Run until nothing keeps the loop alive, or <see cref="Loop.Stop"/> is called.</summary>
    Default,

    /// <summary>
    /// One iteration; waits for I/O (or the next timer) if the iteration found nothing to do before the poll: no
    /// pending callback or deferred work, no active idle handle, no timer that fired. A timer fires at most once per call.
    /// </summary>
    Once,

    /// <summary>One iteration that never blocks.</summary>
    NoWait,
}
