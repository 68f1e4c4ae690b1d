using System.Text;
using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>The dynamic table (RFC 7541 §4): sizes, eviction order, and entries kept whole across its storage moves.</summary>
public class HpackDynamicTableTests
{
    [Fact]
    public void EntriesAreCountedWithThirtyTwoOctetsOverheadAndNewestFirst()
    {
        var table = new HpackDynamicTable(4096);
        table.Insert("a"u8, "bc"u8);
        table.Insert("de"u8, "f"u8);
        Assert.Equal(2, table.Count);
        Assert.Equal(70, table.Size);
        Assert.Equal("de", Encoding.ASCII.GetString(table.Name(1)));
        Assert.Equal("bc", Encoding.ASCII.GetString(table.Value(2)));
    }

    [Fact]
    public void TheOldestEntriesAreEvictedToMakeRoom()
    {
        var table = new HpackDynamicTable(100);
        table.Insert("a"u8, "1"u8);
        table.Insert("b"u8, "2"u8);
        table.Insert("c"u8, "3"u8);
        Assert.Equal(2, table.Count);
        Assert.Equal("c", Encoding.ASCII.GetString(table.Name(1)));
        Assert.Equal("b", Encoding.ASCII.GetString(table.Name(2)));
    }

    [Fact]
    public void LoweringTheMaximumSizeEvicts()
    {
        var table = new HpackDynamicTable(100);
        table.Insert("a"u8, "1"u8);
        table.Insert("b"u8, "2"u8);
        table.SetMaxSize(40);
        Assert.Equal(1, table.Count);
        Assert.Equal("b", Encoding.ASCII.GetString(table.Name(1)));
        table.SetMaxSize(0);
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.SetMaxSize(101));
    }

    [Fact]
    public void IndexesOutsideTheTableThrow()
    {
        var table = new HpackDynamicTable(100);
        table.Insert("a"u8, "1"u8);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Name(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Name(2));
    }

    [Fact]
    public void ManyInsertionsKeepEveryEntryIntactAcrossStorageMoves()
    {
        // Against a model: a list of the fields, trimmed as RFC 7541 §4.4 says.
        var table = new HpackDynamicTable(300);
        var model = new List<(string Name, string Value)>();
        var random = new Random(4);
        for (int i = 0; i < 5000; i++)
        {
            string name = "n" + new string((char)('a' + (i % 26)), random.Next(0, 40));
            string value = i.ToString(System.Globalization.CultureInfo.InvariantCulture) + new string('v', random.Next(0, 200));
            table.Insert(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
            model.Insert(0, (name, value));
            while (model.Sum(e => e.Name.Length + e.Value.Length + 32) > 300)
            {
                model.RemoveAt(model.Count - 1);
            }

            Assert.Equal(model.Count, table.Count);
            for (int j = 0; j < model.Count; j++)
            {
                Assert.Equal(model[j].Name, Encoding.ASCII.GetString(table.Name(j + 1)));
                Assert.Equal(model[j].Value, Encoding.ASCII.GetString(table.Value(j + 1)));
            }
        }
    }

    [Fact]
    public void GrowingTheCapacityKeepsTheEntries()
    {
        var table = new HpackDynamicTable(100);
        table.Insert("a"u8, "1"u8);
        table.Insert("b"u8, "2"u8);
        table.SetCapacity(4096);
        Assert.Equal(2, table.Count);
        Assert.Equal(100, table.MaxSize);
        table.SetMaxSize(4096);
        for (int i = 0; i < 100; i++)
        {
            table.Insert("c"u8, "3"u8);
        }

        Assert.Equal(100 + 2, table.Count);
        Assert.Equal("a", Encoding.ASCII.GetString(table.Name(102)));
    }

    [Fact]
    public void ShrinkingTheCapacityLowersTheMaximumSize()
    {
        var table = new HpackDynamicTable(100);
        table.Insert("a"u8, "1"u8);
        table.Insert("b"u8, "2"u8);
        table.SetCapacity(34);
        Assert.Equal(34, table.MaxSize);
        Assert.Equal(1, table.Count);
    }
}
