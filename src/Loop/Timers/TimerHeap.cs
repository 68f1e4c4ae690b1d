namespace Uvnet.Timers;

/// <summary>
/// A binary min-heap of started timers, ordered by due time and then by start order, so equal due times fire
/// in the order they were started. Each timer knows its index: stop is O(log n). The array is paged: growing
/// adds a page instead of copying the whole heap, so a million timers leave no abandoned arrays behind.
/// </summary>
internal sealed class TimerHeap
{
    private const int PageShift = 12, PageSize = 1 << PageShift, PageMask = PageSize - 1;

    private TimerHandle[][] _pages = [new TimerHandle[PageSize]];
    private int _count;

    internal int Count => _count;

    internal TimerHandle? Min => _count > 0 ? _pages[0][0] : null;

    private ref TimerHandle Slot(int index) => ref _pages[index >> PageShift][index & PageMask];

    internal void Insert(TimerHandle timer)
    {
        int i = _count++;
        int page = i >> PageShift;
        if (page == _pages.Length)
            Array.Resize(ref _pages, _pages.Length * 2);
        _pages[page] ??= new TimerHandle[PageSize];
        Slot(i) = timer;
        timer.QueueIndex = i;
        SiftUp(i);
    }

    internal void Remove(TimerHandle timer)
    {
        int i = timer.QueueIndex;
        timer.QueueIndex = -1;
        int last = --_count;
        if (i != last)
        {
            TimerHandle moved = Slot(last);
            Slot(i) = moved;
            moved.QueueIndex = i;
            if (i > 0 && Less(moved, Slot((i - 1) / 2)))
                SiftUp(i);
            else
                SiftDown(i);
        }
        Slot(last) = null!;
    }

    private static bool Less(TimerHandle a, TimerHandle b) =>
        a.Due < b.Due || (a.Due == b.Due && StartedBefore(a.StartId, b.StartId));

    /// <summary>
    /// Whether start id <paramref name="a"/> was given out before <paramref name="b"/>. The counter wraps, so
    /// the ids are compared by their difference (which wraps too and stays small) rather than by value.
    /// </summary>
    internal static bool StartedBefore(long a, long b) => unchecked(a - b) < 0;

    private void SiftUp(int i)
    {
        TimerHandle item = Slot(i);
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            TimerHandle p = Slot(parent);
            if (!Less(item, p))
                break;
            Slot(i) = p;
            p.QueueIndex = i;
            i = parent;
        }
        Slot(i) = item;
        item.QueueIndex = i;
    }

    private void SiftDown(int i)
    {
        TimerHandle item = Slot(i);
        int half = _count / 2;
        while (i < half)
        {
            int child = 2 * i + 1;
            TimerHandle c = Slot(child);
            int right = child + 1;
            if (right < _count && Less(Slot(right), c))
            {
                child = right;
                c = Slot(right);
            }
            if (!Less(c, item))
                break;
            Slot(i) = c;
            c.QueueIndex = i;
            i = child;
        }
        Slot(i) = item;
        item.QueueIndex = i;
    }
}
