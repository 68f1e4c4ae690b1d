namespace Uvnet.Bench.Dotnet;

/// <summary>Set once when a workload's time is up; the connection loops check it between operations.</summary>
internal sealed class StopSignal
{
    private volatile bool _isSet;

    public bool IsSet => _isSet;

    public void Set() => _isSet = true;
}
