namespace Uvnet.Bench.UvnetPeer;

/// <summary>The end of every workload, as the libuv peers' loopback_close_all: close what is still open.</summary>
internal static class Handles
{
    private static readonly Action<Handle> s_closeWalked = CloseIfOpen;

    /// <summary>Closes every handle on the loop that is not closing yet (uv_walk + uv_close); the next Run finishes them.</summary>
    public static void CloseAll(Loop loop) => loop.Walk(s_closeWalked);

    private static void CloseIfOpen(Handle handle)
    {
        if (!handle.IsClosing)
            handle.Close();
    }
}
