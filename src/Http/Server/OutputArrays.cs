using System.Buffers;

namespace Uvnet.Http.Server;

/// <summary>
/// Where output arrays (<see cref="OutputBuffer"/>'s, a client connection's batch) are rented and returned: the arrays
/// of the usual size go to a stash of the thread's own first, in front of the shared pool. A proxy holds one per
/// connection across a loop turn (a corked response, an upstream request's write and its replay copy): with 64
/// connections that is over a hundred arrays, more than the shared pool keeps of a size (32 a core, one a thread),
/// and the rest were allocated anew every turn (a tenth of a proxied request's CPU, in the collector and its memset).
/// </summary>
internal static class OutputArrays
{
    /// <summary>The size rented for any smaller need, and the one stashed.</summary>
    internal const int Size = 4096;

    // 1 MiB a thread at most: enough for a loop's connections in flight at once, beyond which the shared pool serves.
    private const int MaxStashed = 256;

    [ThreadStatic]
    private static Stack<byte[]>? t_stash;

    /// <summary>An array of at least <paramref name="minimum"/> bytes (<see cref="Size"/> at least).</summary>
    internal static byte[] Rent(int minimum)
    {
        if (minimum <= Size && t_stash is { Count: > 0 } stash)
            return stash.Pop();
        return ArrayPool<byte>.Shared.Rent(Math.Max(minimum, Size));
    }

    /// <summary>Gives back an array of <see cref="Rent"/>'s (or the shared pool's).</summary>
    internal static void Return(byte[] array)
    {
        if (array.Length == Size)
        {
            Stack<byte[]> stash = t_stash ??= new Stack<byte[]>(MaxStashed);
            if (stash.Count < MaxStashed)
            {
                stash.Push(array);
                return;
            }
        }
        ArrayPool<byte>.Shared.Return(array);
    }
}
