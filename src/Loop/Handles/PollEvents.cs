namespace Uvnet;

/// <summary>What a <see cref="PollHandle"/> watches for and reports, as libuv's <c>uv_poll_event</c>.</summary>
[Flags]
public enum PollEvents
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>The descriptor can be read without blocking.</summary>
    Readable = 1,

    /// <summary>The descriptor can be written without blocking.</summary>
    Writable = 2,

    /// <summary>The peer closed its writing side (Linux EPOLLRDHUP; kqueue EV_EOF).</summary>
    Disconnect = 4,

    /// <summary>Urgent (out-of-band) data can be read.</summary>
    Prioritized = 8,
}
