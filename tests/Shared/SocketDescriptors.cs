namespace Uvnet.Tests;

/// <summary>
/// Whether a socket is still open anywhere in the process, told by its inode: /proc/self/fd links read
/// "socket:[N]". A descriptor's number may be reused at once by a test running in parallel; the inode names that
/// one socket, so a leak check by inode holds while other tests open and close sockets.
/// </summary>
internal static class SocketDescriptors
{
    /// <summary>The socket behind <paramref name="fd"/>, as its /proc link target ("socket:[N]").</summary>
    internal static string Identify(int fd)
    {
        string? target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        Assert.NotNull(target);
        Assert.StartsWith("socket:", target);
        return target;
    }

    /// <summary>Whether any descriptor of the process still refers to <paramref name="socket"/>.</summary>
    internal static bool IsOpen(string socket) => Directory.GetFiles("/proc/self/fd").Any(fd =>
    {
        try { return new FileInfo(fd).LinkTarget == socket; }
        catch (IOException) { return false; } // closed while we looked
    });
}
