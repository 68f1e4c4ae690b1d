namespace Uvnet.Tests;

/// <summary>
/// Tests that measure process-wide state (allocations through shared pools, open descriptors) run alone,
/// after the parallel ones: another test's traffic must not show up in their counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Sequential
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Sequential";
}
