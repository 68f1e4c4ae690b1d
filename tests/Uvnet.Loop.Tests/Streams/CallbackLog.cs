namespace Uvnet.Tests.Streams;

/// <summary>
/// What a stream's request and close callbacks reported, in order ("write OK", "connect ECONNREFUSED", "close"):
/// callbacks that record, or record and then throw.
/// </summary>
internal sealed class CallbackLog
{
    private readonly List<string> _events = [];

    public IReadOnlyList<string> Events => _events;

    public void Add(string what) => _events.Add(what);

    public Action<WriteRequest, int> Write(string name = "write", bool thenThrow = false) => Record<WriteRequest>(name, thenThrow);

    public Action<ShutdownRequest, int> Shutdown(bool thenThrow = false) => Record<ShutdownRequest>("shutdown", thenThrow);

    public Action<ConnectRequest, int> Connect(bool thenThrow = false) => Record<ConnectRequest>("connect", thenThrow);

    public Action<Handle> Closed => _ => _events.Add("close");

    private Action<T, int> Record<T>(string name, bool thenThrow) => (_, status) =>
    {
        _events.Add($"{name} {UvError.Name(status)}");
        if (thenThrow)
            throw new CallbackException();
    };
}
