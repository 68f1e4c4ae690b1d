using Uvnet.Http.Http2;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// The start of a response head copied from the last one on the connection (<see cref="Http2HeadCache"/>): only when
/// it would encode to the same octets, so that every head still decodes to its own fields.
/// </summary>
public class Http2HeadCacheTests
{
    private static readonly byte[] Start = [0x88, 0xbf, 0xbe];

    private static (Http2HeadCache Cache, List<KeyValuePair<string, string>> Fields) Kept()
    {
        var cache = new Http2HeadCache();
        List<KeyValuePair<string, string>> fields = [new("Content-Type", "text/plain")];
        cache.Keep(200, fields, variant: 1, dateSecond: 7, tableVersion: 3, Start);
        return (cache, fields);
    }

    [Fact]
    public void The_same_status_strings_date_second_and_table_version_copy_the_kept_start()
    {
        var (cache, fields) = Kept();
        var destination = new byte[16];
        Assert.Equal(Start.Length, cache.TryCopy(200, fields, 1, 7, 3, destination));
        Assert.Equal(Start, destination[..Start.Length]);
    }

    [Fact]
    public void Any_other_input_or_table_state_copies_nothing()
    {
        var (cache, fields) = Kept();
        var destination = new byte[16];
        Assert.Equal(-1, cache.TryCopy(404, fields, 1, 7, 3, destination));
        Assert.Equal(-1, cache.TryCopy(200, fields, 3, 7, 3, destination)); // another field skipped or added
        Assert.Equal(-1, cache.TryCopy(200, fields, 1, 8, 3, destination)); // the next second's Date
        Assert.Equal(-1, cache.TryCopy(200, fields, 1, 7, 4, destination)); // the table changed since
        // Equal text in another string object: not known to be the same field without comparing it.
        Assert.Equal(-1, cache.TryCopy(200, [new("Content-Type", new string("text/plain".AsSpan()))], 1, 7, 3, destination));
        Assert.Equal(-1, cache.TryCopy(200, [.. fields, new("X-More", "1")], 1, 7, 3, destination));
    }

    [Fact]
    public void Heads_that_change_from_response_to_response_on_one_connection_each_decode_to_their_own_fields()
    {
        string[] kinds = ["text/plain", "application/json"];
        int served = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            int n = served++;
            // Two alike, then another value, status or field: each change must be encoded, not copied.
            res.SetHeader("Content-Type", kinds[n / 2 % 2]);
            if (n % 5 == 4)
                res.SetHeader("X-Extra", "yes");
            res.StatusCode = n % 7 == 6 ? 201 : 200;
            res.End("ok");
        });
        var responses = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            var responses = new List<Http2Response>();
            for (int i = 0; i < 20; i++)
            {
                await wire.SendAsync(Headers(1 + (2 * i), true, Get()));
                responses.Add(await wire.ReadResponseAsync(1 + (2 * i)));
            }
            return responses;
        });
        for (int n = 0; n < responses.Count; n++)
        {
            Http2Response response = responses[n];
            Assert.Equal(n % 7 == 6 ? "201" : "200", response.Status);
            Assert.Equal(kinds[n / 2 % 2], response.Field("content-type"));
            Assert.Equal(n % 5 == 4 ? "yes" : null, response.Field("x-extra"));
            Assert.Equal("2", response.Field("content-length"));
            Assert.NotNull(response.Field("date"));
        }
    }

    [Fact]
    public void The_kept_Content_Length_is_copied_only_for_the_same_length()
    {
        var cache = new Http2HeadCache();
        var destination = new byte[32];
        Assert.Equal(-1, cache.TryCopyContentLength(13, destination)); // nothing kept yet
        cache.KeepContentLength(13, [0x0f, 0x0d, 0x82, 0x08, 0x7f]);
        Assert.Equal(5, cache.TryCopyContentLength(13, destination));
        Assert.Equal([0x0f, 0x0d, 0x82, 0x08, 0x7f], destination[..5]);
        Assert.Equal(-1, cache.TryCopyContentLength(14, destination));
        Assert.Equal(-1, cache.TryCopyContentLength(13, new byte[4])); // no room
    }

    [Fact]
    public void Bodies_of_changing_lengths_on_one_connection_each_get_their_own_Content_Length()
    {
        string[] bodies = ["ok", "ok", "hello, world", "hello, world", "ok", "", "ok"];
        int served = 0;
        using var fixture = ServerFixture.Start((req, res) => res.End(bodies[served++]));
        var responses = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            var responses = new List<Http2Response>();
            for (int i = 0; i < bodies.Length; i++)
            {
                await wire.SendAsync(Headers(1 + (2 * i), true, Get()));
                responses.Add(await wire.ReadResponseAsync(1 + (2 * i)));
            }
            return responses;
        });
        Assert.Equal(bodies.Select(b => b.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), responses.Select(r => r.Field("content-length")));
        Assert.Equal(bodies, responses.Select(r => r.Text));
    }

    [Fact]
    public void A_head_after_the_peer_shrinks_or_grows_its_header_table_decodes_to_its_own_fields()
    {
        // The same strings at every response, so only the table's state tells a kept start from a stale one: after
        // SETTINGS_HEADER_TABLE_SIZE 0 the entries the kept start names are gone (and the next block begins with the
        // size update); after 4096 again they are inserted anew.
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.SetHeader("Content-Type", "text/plain");
            res.SetHeader("X-Served-By", "review");
            res.End("ok");
        });
        uint[] sizes = [4096, 4096, 0, 0, 4096, 4096, 128, 128];
        var responses = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            var responses = new List<Http2Response>();
            for (int i = 0; i < sizes.Length; i++)
            {
                if (i > 0 && sizes[i] != sizes[i - 1])
                    await wire.SendAsync(Setting(Http2SettingId.HeaderTableSize, sizes[i]));
                await wire.SendAsync(Headers(1 + (2 * i), true, Get()));
                responses.Add(await wire.ReadResponseAsync(1 + (2 * i)));
            }
            return responses;
        });
        foreach (Http2Response response in responses)
        {
            Assert.Equal("200", response.Status);
            Assert.Equal("text/plain", response.Field("content-type"));
            Assert.Equal("review", response.Field("x-served-by"));
            Assert.Equal("2", response.Field("content-length"));
            Assert.Equal("ok", response.Text);
        }
    }
}
