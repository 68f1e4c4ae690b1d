using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

public class RangeRequestTests
{
    private static readonly DateTimeOffset s_written = new(2024, 3, 1, 12, 30, 45, TimeSpan.Zero);
    private static readonly FileValidators s_file = FileValidators.For(1000, s_written, s_written.AddHours(1));

    private static RangeResult Partial(long offset, long length) => new(RangeOutcome.Partial, new ByteRange(offset, length));

    [Theory]
    [InlineData("bytes=0-99", 0, 100)]
    [InlineData("bytes=100-199", 100, 100)]
    [InlineData("bytes=999-999", 999, 1)]
    [InlineData("bytes=900-5000", 900, 100)]
    [InlineData("bytes=500-", 500, 500)]
    [InlineData("bytes=0-", 0, 1000)]
    [InlineData("bytes=-100", 900, 100)]
    [InlineData("bytes=-5000", 0, 1000)]
    [InlineData("Bytes = 10-19 ", 10, 10)]
    [InlineData("bytes=10-19,", 10, 10)]
    [InlineData("bytes=10-99999999999999999999999", 10, 990)]
    public void A_single_range_is_partial_with_its_end_clamped(string range, long offset, long length) =>
        Assert.Equal(Partial(offset, length), RangeRequest.Parse(range, 1000));

    [Theory]
    [InlineData("bytes=1000-")]
    [InlineData("bytes=1000-1001")]
    [InlineData("bytes=-0")]
    [InlineData("bytes=99999999999999999999999-")]
    public void A_range_past_the_end_is_not_satisfiable(string range) =>
        Assert.Equal(RangeOutcome.NotSatisfiable, RangeRequest.Parse(range, 1000).Outcome);

    [Theory]
    [InlineData("bytes=5-1")]
    [InlineData("bytes=0-1,5-1")] // one invalid member: the whole field is ignored
    [InlineData("bytes=0-1,x")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=-")]
    [InlineData("bytes=")]
    [InlineData("bytes 0-1")]
    [InlineData("bytes=0x1-2")]
    [InlineData("bytes=+1-2")]
    [InlineData("items=0-1")]
    [InlineData("")]
    public void Invalid_ranges_are_ignored_for_the_whole_file(string range) =>
        Assert.Equal(RangeOutcome.Full, RangeRequest.Parse(range, 1000).Outcome);

    [Theory]
    [InlineData("bytes=0-1,5-6", "0+2 5+2")]
    [InlineData("bytes=-1, 0-0", "999+1 0+1")] // in the order asked
    [InlineData("bytes=0-9,,2000-3000, 990-", "0+10 990+10")] // the unsatisfiable one dropped
    public void Several_ranges_are_multipart_in_the_order_asked_without_the_unsatisfiable(string range, string expected)
    {
        RangeResult result = RangeRequest.Parse(range, 1000);
        Assert.Equal(RangeOutcome.Multipart, result.Outcome);
        Assert.Equal(expected, string.Join(' ', result.Ranges.Select(r => $"{r.Offset}+{r.Length}")));
    }

    [Fact]
    public void Several_ranges_of_which_one_is_satisfiable_are_a_single_range() =>
        Assert.Equal(Partial(10, 5), RangeRequest.Parse("bytes=10-14, 2000-", 1000));

    [Fact]
    public void Several_ranges_none_satisfiable_are_not_satisfiable() =>
        Assert.Equal(RangeOutcome.NotSatisfiable, RangeRequest.Parse("bytes=1000-, 2000-3000", 1000).Outcome);

    [Theory]
    [InlineData("bytes=0-999,0-999")] // overlaps asking for more than the file: an amplification
    [InlineData("bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11,12-12,13-13,14-14,15-15,16-16,17-17,18-18,19-19,20-20,21-21,22-22,23-23,24-24,25-25,26-26,27-27,28-28,29-29,30-30,31-31,32-32")]
    public void Too_many_ranges_or_more_bytes_than_the_file_get_the_whole_file(string range) =>
        Assert.Equal(RangeOutcome.Full, RangeRequest.Parse(range, 1000).Outcome);

    [Fact]
    public void Thirty_two_ranges_are_still_multipart() =>
        Assert.Equal(32, RangeRequest.Parse("bytes=" + string.Join(',', Enumerable.Range(0, 32).Select(i => $"{i}-{i}")), 1000).Ranges.Count);

    [Fact]
    public void An_empty_file_has_no_satisfiable_position_and_sends_a_suffix_whole()
    {
        Assert.Equal(RangeOutcome.NotSatisfiable, RangeRequest.Parse("bytes=0-", 0).Outcome);
        Assert.Equal(RangeOutcome.Full, RangeRequest.Parse("bytes=-10", 0).Outcome);
    }

    [Fact]
    public void Content_range_values()
    {
        Assert.Equal("bytes 100-199/1000", new ByteRange(100, 100).ContentRange(1000));
        Assert.Equal("bytes */1000", RangeRequest.UnsatisfiedContentRange(1000));
    }

    [Fact]
    public void Only_get_has_ranges()
    {
        Assert.Equal(Partial(0, 10), RangeRequest.Evaluate("GET", "bytes=0-9", null, s_file));
        Assert.Equal(RangeOutcome.Full, RangeRequest.Evaluate("HEAD", "bytes=0-9", null, s_file).Outcome);
        Assert.Equal(RangeOutcome.Full, RangeRequest.Evaluate("GET", null, null, s_file).Outcome);
    }

    [Fact]
    public void If_range_with_the_current_strong_etag_applies_the_range() =>
        Assert.Equal(Partial(0, 10), RangeRequest.Evaluate("GET", "bytes=0-9", s_file.ETag.ToString(), s_file));

    [Theory]
    [InlineData("\"stale\"")]
    [InlineData("W/{0}")]
    [InlineData("Fri, 01 Mar 2024 12:30:44 GMT")]
    [InlineData("Fri, 01 Mar 2024 12:30:46 GMT")]
    [InlineData("garbage")]
    public void If_range_that_does_not_match_sends_the_whole_file(string ifRange) =>
        Assert.Equal(RangeOutcome.Full, RangeRequest.Evaluate("GET", "bytes=0-9", string.Format(ifRange, s_file.ETag), s_file).Outcome);

    [Fact]
    public void If_range_with_the_exact_last_modified_date_applies_the_range() =>
        Assert.Equal(Partial(0, 10), RangeRequest.Evaluate("GET", "bytes=0-9", "Fri, 01 Mar 2024 12:30:45 GMT", s_file));

    [Fact]
    public void If_range_does_not_trust_the_date_of_a_file_still_being_written()
    {
        var fresh = FileValidators.For(1000, s_written, s_written.AddMilliseconds(500));
        Assert.Equal(RangeOutcome.Full, RangeRequest.Evaluate("GET", "bytes=0-9", "Fri, 01 Mar 2024 12:30:45 GMT", fresh).Outcome);
        Assert.Equal(RangeOutcome.Full, RangeRequest.Evaluate("GET", "bytes=0-9", fresh.ETag.ToString(), fresh).Outcome);
    }

    [Fact]
    public void If_range_is_checked_before_an_unsatisfiable_range() =>
        Assert.Equal(RangeOutcome.Full, RangeRequest.Evaluate("GET", "bytes=5000-", "\"stale\"", s_file).Outcome);
}
