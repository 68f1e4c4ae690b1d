namespace Uvnet;

/// <summary>
/// The started watchers of one phase, in start order. A pass runs those started before it began: one
/// started during the pass waits for the next iteration, one stopped during the pass does not run. Stops
/// leave a hole that is compacted after the pass, so nothing shifts under a running pass and the steady
/// state allocates nothing.
/// </summary>
internal sealed class WatcherQueue<T> where T : LoopWatcher<T>
{
    private T?[] _items = new T?[4];
    private int _count;
    private int _holes;
    private bool _running;

    /// <summary>Started watchers in the queue.</summary>
    internal int ActiveCount => _count - _holes;

    internal void Add(T watcher)
    {
        if (_count == _items.Length)
        {
            if (_holes > 0 && !_running)
                Compact();
            else
                Array.Resize(ref _items, _count * 2);
        }
        watcher.QueueIndex = _count;
        _items[_count++] = watcher;
    }

    internal void Remove(T watcher)
    {
        _items[watcher.QueueIndex] = null;
        watcher.QueueIndex = -1;
        _holes++;
    }

    internal void Run()
    {
        int end = _count;
        if (end == 0)
            return;
        _running = true;
        try
        {
            for (int i = 0; i < end; i++)
                _items[i]?.Invoke();
        }
        finally
        {
            _running = false;
            if (_holes > 0)
                Compact();
        }
    }

    private void Compact()
    {
        int j = 0;
        for (int i = 0; i < _count; i++)
        {
            T? w = _items[i];
            if (w is null)
                continue;
            w.QueueIndex = j;
            _items[j++] = w;
        }
        Array.Clear(_items, j, _count - j);
        _count = j;
        _holes = 0;
    }
}
