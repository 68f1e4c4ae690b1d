namespace Uvnet.Timers;

/// <summary>
/// A binary min-heap of started timers in an array, ordered by due time and then by start order, so
/// equal due times fire in the order they were started. Each timer knows its index: stop is O(log n).
/// </summary>
internal sealed class TimerHeap
{
    private TimerHandle[] _items = new TimerHandle[16];
    private int _count;

    internal int Count => _count;

    internal TimerHandle? Min => _count > 0 ? _items[0] : null;

    internal void Insert(TimerHandle timer)
    {
        if (_count == _items.Length)
            Array.Resize(ref _items, _count * 2);
        int i = _count++;
        _items[i] = timer;
        timer.HeapIndex = i;
        SiftUp(i);
    }

    internal void Remove(TimerHandle timer)
    {
        int i = timer.HeapIndex;
        timer.HeapIndex = -1;
        int last = --_count;
        if (i != last)
        {
            TimerHandle moved = _items[last];
            _items[i] = moved;
            moved.HeapIndex = i;
            if (i > 0 && Less(moved, _items[(i - 1) / 2]))
                SiftUp(i);
            else
                SiftDown(i);
        }
        _items[last] = null!;
    }

    private static bool Less(TimerHandle a, TimerHandle b) =>
        a.Due < b.Due || (a.Due == b.Due && a.StartId - b.StartId < 0); // start ids wrap: compare the difference

    private void SiftUp(int i)
    {
        TimerHandle item = _items[i];
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            TimerHandle p = _items[parent];
            if (!Less(item, p))
                break;
            _items[i] = p;
            p.HeapIndex = i;
            i = parent;
        }
        _items[i] = item;
        item.HeapIndex = i;
    }

    private void SiftDown(int i)
    {
        TimerHandle item = _items[i];
        int half = _count / 2;
        while (i < half)
        {
            int child = 2 * i + 1;
            TimerHandle c = _items[child];
            int right = child + 1;
            if (right < _count && Less(_items[right], c))
            {
                child = right;
                c = _items[right];
            }
            if (!Less(c, item))
                break;
            _items[i] = c;
            c.HeapIndex = i;
            i = child;
        }
        _items[i] = item;
        item.HeapIndex = i;
    }
}
