namespace Uvnet.Tests;

/// <summary>The connections of the allocation tests that load many at once.</summary>
internal static class ManyConnections
{
    /// <summary>
    /// More connections than <c>ArrayPool.Shared</c> keeps arrays of a size for (32 a core, one a thread): a connection
    /// that holds a buffer from the turn that wrote it until the next turn makes the rest be allocated anew every turn.
    /// </summary>
    internal static int MoreThanPooled => Math.Max(256, 32 * Environment.ProcessorCount + 64);
}
