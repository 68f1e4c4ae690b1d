using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

public class ValidatorTests
{
    private static readonly DateTimeOffset s_written = new DateTimeOffset(2024, 3, 1, 12, 30, 45, TimeSpan.Zero).AddTicks(1234567);
    private static readonly DateTimeOffset s_now = s_written.AddHours(1);
    private static readonly FileValidators s_file = FileValidators.For(1000, s_written, s_now);
    private const string LastModified = "Fri, 01 Mar 2024 12:30:45 GMT";

    [Fact]
    public void Http_dates_format_as_imf_fixdate_in_utc()
    {
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.Format(new DateTimeOffset(1994, 11, 6, 9, 49, 37, TimeSpan.FromHours(1))));
        Assert.Equal(LastModified, s_file.LastModifiedText);
    }

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    [InlineData("  Sun, 06 Nov 1994 08:49:37 GMT ")]
    public void All_three_http_date_forms_parse(string text)
    {
        Assert.True(HttpDate.TryParse(text, out var date));
        Assert.Equal(new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero), date);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 PST")]
    [InlineData("1994-11-06T08:49:37Z")]
    public void Other_dates_do_not_parse(string? text) => Assert.False(HttpDate.TryParse(text, out _));

    [Fact]
    public void A_settled_file_has_a_strong_etag_of_its_length_and_write_time()
    {
        Assert.Equal($"\"3e8-{s_written.UtcTicks:x}\"", s_file.ETag.ToString());
        Assert.True(s_file.IsStrong);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 12, 30, 45, TimeSpan.Zero), s_file.LastModified);
    }

    [Fact]
    public void A_file_written_within_the_last_second_has_a_weak_etag()
    {
        var fresh = FileValidators.For(1000, s_written, s_written.AddMilliseconds(300));
        Assert.True(fresh.ETag.IsWeak);
        Assert.StartsWith("W/\"", fresh.ETag.ToString());
    }

    [Fact]
    public void A_write_time_in_the_future_is_reported_as_now()
    {
        var future = FileValidators.For(1, s_now.AddDays(1), s_now);
        Assert.Equal(HttpDate.TruncateToSeconds(s_now), future.LastModified);
        Assert.False(future.IsStrong);
    }

    [Fact]
    public void Changing_length_or_write_time_changes_the_etag()
    {
        Assert.NotEqual(s_file.ETag, FileValidators.For(1001, s_written, s_now).ETag);
        Assert.NotEqual(s_file.ETag, FileValidators.For(1000, s_written.AddTicks(1), s_now).ETag);
    }

    [Fact]
    public void Entity_tags_compare_strongly_and_weakly()
    {
        var strong = new EntityTag("\"a\"", false);
        var weak = new EntityTag("\"a\"", true);
        Assert.True(EntityTag.StrongEquals(strong, strong));
        Assert.False(EntityTag.StrongEquals(strong, weak));
        Assert.True(EntityTag.WeakEquals(strong, weak));
        Assert.False(EntityTag.WeakEquals(strong, new EntityTag("\"b\"", false)));
    }

    [Theory]
    [InlineData("\"x\"", "\"x\"", false)]
    [InlineData(" W/\"x\" ", "\"x\"", true)]
    [InlineData("\"\"", "\"\"", false)]
    public void Entity_tags_parse(string text, string opaque, bool weak)
    {
        Assert.True(EntityTag.TryParse(text, out var tag));
        Assert.Equal(new EntityTag(opaque, weak), tag);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("\"x")]
    [InlineData("w/\"x\"")]
    [InlineData("\"x\" junk")]
    public void Malformed_entity_tags_do_not_parse(string text) => Assert.False(EntityTag.TryParse(text, out _));

    private static PreconditionResult Evaluate(string method = "GET", string? ifMatch = null, string? ifUnmodifiedSince = null,
        string? ifNoneMatch = null, string? ifModifiedSince = null) =>
        ConditionalRequest.Evaluate(method, new ConditionalHeaders
        {
            IfMatch = ifMatch,
            IfUnmodifiedSince = ifUnmodifiedSince,
            IfNoneMatch = ifNoneMatch,
            IfModifiedSince = ifModifiedSince,
        }, s_file);

    private static string ETag => s_file.ETag.ToString();

    [Fact]
    public void No_conditions_proceed() => Assert.Equal(PreconditionResult.Proceed, Evaluate());

    [Fact]
    public void If_none_match_with_the_current_etag_is_not_modified_for_get_and_head()
    {
        Assert.Equal(PreconditionResult.NotModified, Evaluate(ifNoneMatch: ETag));
        Assert.Equal(PreconditionResult.NotModified, Evaluate("HEAD", ifNoneMatch: ETag));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("\"other\", {0}")]
    [InlineData("\"other\",{0} , \"more\"")]
    [InlineData("W/{0}")]
    public void If_none_match_takes_a_star_lists_and_weak_comparison(string field) =>
        Assert.Equal(PreconditionResult.NotModified, Evaluate(ifNoneMatch: string.Format(field, ETag)));

    [Fact]
    public void If_none_match_with_other_tags_proceeds_and_overrides_if_modified_since() =>
        Assert.Equal(PreconditionResult.Proceed, Evaluate(ifNoneMatch: "\"other\", garbage", ifModifiedSince: LastModified));

    [Fact]
    public void If_none_match_matching_on_another_method_fails_the_precondition() =>
        Assert.Equal(PreconditionResult.PreconditionFailed, Evaluate("PUT", ifNoneMatch: "*"));

    [Theory]
    [InlineData(LastModified, PreconditionResult.NotModified)]
    [InlineData("Fri, 01 Mar 2024 13:00:00 GMT", PreconditionResult.NotModified)]
    [InlineData("Fri, 01 Mar 2024 12:30:44 GMT", PreconditionResult.Proceed)]
    [InlineData("not a date", PreconditionResult.Proceed)]
    public void If_modified_since_compares_to_the_second(string date, PreconditionResult expected) =>
        Assert.Equal(expected, Evaluate(ifModifiedSince: date));

    [Fact]
    public void If_modified_since_is_for_get_and_head_only() =>
        Assert.Equal(PreconditionResult.Proceed, Evaluate("POST", ifModifiedSince: LastModified));

    [Fact]
    public void If_match_compares_strongly_and_fails_first()
    {
        Assert.Equal(PreconditionResult.Proceed, Evaluate(ifMatch: ETag));
        Assert.Equal(PreconditionResult.Proceed, Evaluate(ifMatch: "*"));
        Assert.Equal(PreconditionResult.PreconditionFailed, Evaluate(ifMatch: "\"other\"", ifNoneMatch: ETag));
        Assert.Equal(PreconditionResult.PreconditionFailed, Evaluate(ifMatch: "W/" + ETag));
    }

    [Fact]
    public void If_unmodified_since_fails_when_the_file_is_newer_and_yields_to_if_match()
    {
        Assert.Equal(PreconditionResult.PreconditionFailed, Evaluate(ifUnmodifiedSince: "Fri, 01 Mar 2024 12:00:00 GMT"));
        Assert.Equal(PreconditionResult.Proceed, Evaluate(ifUnmodifiedSince: LastModified));
        Assert.Equal(PreconditionResult.Proceed, Evaluate(ifMatch: ETag, ifUnmodifiedSince: "Fri, 01 Mar 2024 12:00:00 GMT"));
    }
}
