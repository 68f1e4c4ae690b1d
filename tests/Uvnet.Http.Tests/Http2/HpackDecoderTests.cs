using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// Header block decoding (RFC 7541): every example of Appendix C with the dynamic table after each block, the
/// representations h2spec's generic/5 group sends, and its hpack group's decoding errors.
/// </summary>
public class HpackDecoderTests
{
    private static readonly (string, string)[] C3Request1 =
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")];

    private static readonly (string, string)[] C3Request2 = [.. C3Request1, ("cache-control", "no-cache")];

    private static readonly (string, string)[] C3Request3 =
        [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")];

    private static readonly (string, string)[] C5Response1 =
        [(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")];

    private static readonly (string, string)[] C5Response2 =
        [(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")];

    private static readonly (string, string)[] C5Response3 =
        [(":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"),
         ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")];

    // C.2.1: literal field with indexing.
    [Fact]
    public void C21LiteralWithIndexingEntersTheTable()
    {
        var decoder = new HpackDecoder();
        var (error, fields) = HpackFields.Decode(decoder, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
        Assert.Equal(HpackError.None, error);
        Assert.Equal([("custom-key", "custom-header", false)], fields);
        Assert.Equal([("custom-key", "custom-header")], HpackFields.Table(decoder));
        Assert.Equal(55, decoder.Table.Size);
    }

    // C.2.2: literal field without indexing.
    [Fact]
    public void C22LiteralWithoutIndexingLeavesTheTableEmpty()
    {
        var decoder = new HpackDecoder();
        var (error, fields) = HpackFields.Decode(decoder, "040c 2f73 616d 706c 652f 7061 7468");
        Assert.Equal(HpackError.None, error);
        Assert.Equal([(":path", "/sample/path", false)], fields);
        Assert.Equal(0, decoder.Table.Count);
    }

    // C.2.3: literal field never indexed.
    [Fact]
    public void C23NeverIndexedIsReportedAsSuch()
    {
        var decoder = new HpackDecoder();
        var (error, fields) = HpackFields.Decode(decoder, "1008 7061 7373 776f 7264 0673 6563 7265 74");
        Assert.Equal(HpackError.None, error);
        Assert.Equal([("password", "secret", true)], fields);
        Assert.Equal(0, decoder.Table.Count);
    }

    // C.2.4: indexed field.
    [Fact]
    public void C24IndexedField()
    {
        var decoder = new HpackDecoder();
        var (error, fields) = HpackFields.Decode(decoder, "82");
        Assert.Equal(HpackError.None, error);
        Assert.Equal([(":method", "GET", false)], fields);
        Assert.Equal(0, decoder.Table.Count);
    }

    // C.3: requests without Huffman coding.
    [Fact]
    public void C3RequestsWithoutHuffman() => AssertSequence(
        4096,
        ("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", C3Request1, 57, [(":authority", "www.example.com")]),
        ("8286 84be 5808 6e6f 2d63 6163 6865", C3Request2, 110, [("cache-control", "no-cache"), (":authority", "www.example.com")]),
        ("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65", C3Request3, 164,
            [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")]));

    // C.4: the same requests with Huffman coding.
    [Fact]
    public void C4RequestsWithHuffman() => AssertSequence(
        4096,
        ("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", C3Request1, 57, [(":authority", "www.example.com")]),
        ("8286 84be 5886 a8eb 1064 9cbf", C3Request2, 110, [("cache-control", "no-cache"), (":authority", "www.example.com")]),
        ("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf", C3Request3, 164,
            [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")]));

    // C.5: responses without Huffman coding, a 256-octet table, so entries are evicted.
    [Fact]
    public void C5ResponsesWithoutHuffmanEvict() => AssertSequence(
        256,
        ("4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            C5Response1, 222,
            [("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"), (":status", "302")]),
        ("4803 3330 37c1 c0bf", C5Response2, 222,
            [(":status", "307"), ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private")]),
        ("88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
            C5Response3, 215,
            [("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"), ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT")]));

    // C.6: the same responses with Huffman coding.
    [Fact]
    public void C6ResponsesWithHuffmanEvict() => AssertSequence(
        256,
        ("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
            C5Response1, 222,
            [("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"), (":status", "302")]),
        ("4883 640e ffc1 c0bf", C5Response2, 222,
            [(":status", "307"), ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private")]),
        ("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
            C5Response3, 215,
            [("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"), ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT")]));

    // h2spec generic/5: each representation, with and without Huffman coding, is accepted.
    [Theory]
    [InlineData("82", ":method", "GET", false)] // generic/5/1 indexed
    [InlineData("4403 2f61 62", ":path", "/ab", false)] // generic/5/2 incremental, indexed name
    [InlineData("4483 6071 ff", ":path", "/ab", false)] // generic/5/3 incremental, indexed name, Huffman ("/ab" = 011000 00011 100011)
    [InlineData("4001 6101 62", "a", "b", false)] // generic/5/4 incremental, new name
    [InlineData("4081 1f81 8f", "a", "b", false)] // generic/5/5 incremental, new name, Huffman
    [InlineData("0403 2f61 62", ":path", "/ab", false)] // generic/5/6 without indexing, indexed name
    [InlineData("0483 6071 ff", ":path", "/ab", false)] // generic/5/7 without indexing, Huffman
    [InlineData("0001 6101 62", "a", "b", false)] // generic/5/8 without indexing, new name
    [InlineData("0081 1f81 8f", "a", "b", false)] // generic/5/9 without indexing, new name, Huffman
    [InlineData("1403 2f61 62", ":path", "/ab", true)] // generic/5/10 never indexed, indexed name
    [InlineData("1483 6071 ff", ":path", "/ab", true)] // generic/5/11 never indexed, Huffman
    [InlineData("1001 6101 62", "a", "b", true)] // generic/5/12 never indexed, new name
    [InlineData("1081 1f81 8f", "a", "b", true)] // generic/5/13 never indexed, new name, Huffman
    [InlineData("3f e1 1f 82", ":method", "GET", false)] // generic/5/14 a size update (4096) first
    [InlineData("20 3f e1 1f 82", ":method", "GET", false)] // generic/5/15 two size updates first
    public void EveryRepresentationIsAccepted(string hex, string name, string value, bool neverIndexed)
    {
        var (error, fields) = HpackFields.Decode(new HpackDecoder(), hex);
        Assert.Equal(HpackError.None, error);
        Assert.Equal([(name, value, neverIndexed)], fields);
    }

    [Fact]
    public void ASizeUpdateToZeroEmptiesTheTableAndALaterOneRestoresRoom()
    {
        var decoder = new HpackDecoder();
        HpackFields.Decode(decoder, "4001 6101 62");
        Assert.Equal(1, decoder.Table.Count);
        var (error, _) = HpackFields.Decode(decoder, "20 3f e1 1f 4001 6301 64");
        Assert.Equal(HpackError.None, error);
        Assert.Equal([("c", "d")], HpackFields.Table(decoder));
        Assert.Equal(4096, decoder.Table.MaxSize);
    }

    // h2spec hpack/2.3.3/1: an indexed field beyond both tables.
    [Fact]
    public void AnIndexBeyondTheTablesIsRefused() => AssertError("be", HpackError.IndexOutOfRange);

    // h2spec hpack/2.3.3/2: a literal whose indexed name is beyond both tables.
    [Fact]
    public void ALiteralNameIndexBeyondTheTablesIsRefused() => AssertError("7e 01 61", HpackError.IndexOutOfRange);

    [Fact]
    public void AnIndexJustPastTheDynamicTableIsRefused()
    {
        var decoder = new HpackDecoder();
        HpackFields.Decode(decoder, "4001 6101 62");
        Assert.Equal(HpackError.None, HpackFields.Decode(decoder, "be").Error);
        Assert.Equal(HpackError.IndexOutOfRange, HpackFields.Decode(decoder, "bf").Error);
    }

    // h2spec hpack/6.1/1: index 0.
    [Fact]
    public void IndexZeroIsRefused() => AssertError("80", HpackError.IndexZero);

    // h2spec hpack/4.2/1: a size update at the end of a block.
    [Fact]
    public void ASizeUpdateAfterAFieldIsRefused() => AssertError("82 3f e1 1f", HpackError.TableSizeUpdateNotFirst);

    // h2spec hpack/6.3/1: a size update above SETTINGS_HEADER_TABLE_SIZE.
    [Fact]
    public void ASizeUpdateAboveTheSettingIsRefused() => AssertError("3f e2 1f", HpackError.TableSizeUpdateTooLarge);

    [Fact]
    public void AfterTheSettingIsLoweredTheNextBlockMustBeginWithAnUpdate()
    {
        var decoder = new HpackDecoder();
        decoder.SetHeaderTableSize(100);
        Assert.Equal(HpackError.TableSizeUpdateMissing, HpackFields.Decode(decoder, "82").Error);

        decoder = new HpackDecoder();
        decoder.SetHeaderTableSize(100);
        Assert.Equal(HpackError.TableSizeUpdateTooLarge, HpackFields.Decode(decoder, "3f 46 82").Error);

        decoder = new HpackDecoder();
        decoder.SetHeaderTableSize(100);
        Assert.Equal(HpackError.None, HpackFields.Decode(decoder, "3f 45 82").Error);
        Assert.Equal(100, decoder.Table.MaxSize);
        Assert.Equal(HpackError.None, HpackFields.Decode(decoder, "82").Error);
    }

    [Fact]
    public void RaisingTheSettingNeedsNoUpdateAndAllowsLargerOnes()
    {
        var decoder = new HpackDecoder(headerTableSize: 0);
        Assert.Equal(HpackError.None, HpackFields.Decode(decoder, "4001 6101 62").Error);
        Assert.Equal(0, decoder.Table.Count);
        decoder.SetHeaderTableSize(8192);
        Assert.Equal(HpackError.None, HpackFields.Decode(decoder, "82").Error);
        Assert.Equal(HpackError.None, HpackFields.Decode(decoder, "3f e1 3f 4001 6101 62").Error);
        Assert.Equal(8192, decoder.Table.MaxSize);
        Assert.Equal(1, decoder.Table.Count);
    }

    [Theory]
    [InlineData("40")] // literal, no name length
    [InlineData("4005 6162")] // name shorter than its length
    [InlineData("4001 61")] // no value
    [InlineData("4001 6105 6162")] // value shorter than its length
    [InlineData("ff")] // indexed, integer cut short
    [InlineData("04")] // literal without indexing, no value
    public void ATruncatedBlockIsRefused(string hex) => AssertError(hex, HpackError.Truncated);

    [Fact]
    public void AnOverflowingIndexIsRefused() => AssertError("ff ffffffff0f", HpackError.IntegerOverflow);

    [Fact]
    public void AnOverflowingStringLengthIsRefused() => AssertError("40 7f ffffffff0f", HpackError.IntegerOverflow);

    [Fact]
    public void BadHuffmanInAValueIsRefused() => AssertError("4001 6181 ff", HpackError.HuffmanPadding);

    [Fact]
    public void EosInANameIsRefused() => AssertError("4084 ffff ffff 0162", HpackError.HuffmanEos);

    [Fact]
    public void AnEmptyBlockHasNoFields()
    {
        var (error, fields) = HpackFields.Decode(new HpackDecoder(), "");
        Assert.Equal(HpackError.None, error);
        Assert.Empty(fields);
    }

    [Fact]
    public void AnEmptyNameAndValueAreDelivered()
    {
        var (error, fields) = HpackFields.Decode(new HpackDecoder(), "0000 00");
        Assert.Equal(HpackError.None, error);
        Assert.Equal([("", "", false)], fields);
    }

    // RFC 7541 §4.4: a literal with indexing may name an entry that its own insertion evicts.
    [Fact]
    public void ANameFromAnEntryEvictedByItsOwnInsertionSurvives()
    {
        var decoder = new HpackDecoder(headerTableSize: 64);
        HpackFields.Decode(decoder, "4004 6e61 6d65 0476 616c 75");
        Assert.Equal([("name", "valu")], HpackFields.Table(decoder));

        // Name index 62 (the entry), a value long enough that the entry must go first.
        var (error, fields) = HpackFields.Decode(decoder, "7e 1c " + string.Concat(Enumerable.Repeat("78", 28)));
        Assert.Equal(HpackError.None, error);
        Assert.Equal("name", fields[0].Name);
        Assert.Equal([("name", new string('x', 28))], HpackFields.Table(decoder));
    }

    // Review: a static name longer than MaxFieldSize ("access-control-allow-origin", 27 octets) enters the dynamic
    // table through a literal with indexing; taking it again as the name of another literal with indexing copies it
    // into the name scratch, which must hold it (it threw ArgumentException when the scratch was MaxFieldSize long).
    [Fact]
    public void AStaticNameLongerThanTheFieldLimitCanBeReindexedFromTheDynamicTable()
    {
        var decoder = new HpackDecoder(maxFieldSize: 8);
        var (error, fields) = HpackFields.Decode(decoder, "54 0178 7e 0179");
        Assert.Equal(HpackError.None, error);
        Assert.Equal(
            [("access-control-allow-origin", "x", false), ("access-control-allow-origin", "y", false)],
            fields);
        Assert.Equal([("access-control-allow-origin", "y"), ("access-control-allow-origin", "x")], HpackFields.Table(decoder));
    }

    [Fact]
    public void AFieldLargerThanTheTableEmptiesIt()
    {
        var decoder = new HpackDecoder(headerTableSize: 64);
        HpackFields.Decode(decoder, "4001 6101 62");
        var (error, fields) = HpackFields.Decode(decoder, "4001 6120 " + new string('7', 64));
        Assert.Equal(HpackError.None, error);
        Assert.Single(fields);
        Assert.Equal(0, decoder.Table.Count);
        Assert.Equal(0, decoder.Table.Size);
    }

    // RFC 9113 §6.5.2: the header list size counts name + value + 32 per field.
    [Fact]
    public void TheHeaderListLimitCountsThirtyTwoOctetsPerField()
    {
        // Three fields of 1 + 1 + 32 = 34: 102 fits a limit of 102, not of 101.
        Assert.Equal(HpackError.None, HpackFields.Decode(new HpackDecoder(maxHeaderListSize: 102), "0001 6101 62 0001 6101 62 0001 6101 62").Error);
        var (error, fields) = HpackFields.Decode(new HpackDecoder(maxHeaderListSize: 101), "0001 6101 62 0001 6101 62 0001 6101 62");
        Assert.Equal(HpackError.HeaderListTooLarge, error);
        Assert.Equal(2, fields.Count);
    }

    [Fact]
    public void PastTheHeaderListLimitTheTableStillFollowsTheEncoder()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 40);
        var (error, fields) = HpackFields.Decode(decoder, "4001 6101 62 4001 6301 64");
        Assert.Equal(HpackError.HeaderListTooLarge, error);
        Assert.Single(fields);
        Assert.Equal([("c", "d"), ("a", "b")], HpackFields.Table(decoder));

        // The next block may refer to both entries: the decoder stayed in step.
        (error, fields) = HpackFields.Decode(decoder, "be");
        Assert.Equal(HpackError.None, error);
        Assert.Equal([("c", "d", false)], fields);
    }

    [Fact]
    public void AHuffmanBombIsStoppedAtTheFieldLimit()
    {
        // 100 octets of '0' (5 bits each) decode to 160 octets: over a 128-octet limit.
        var decoder = new HpackDecoder(maxFieldSize: 128);
        string block = "0001 61 e4" + string.Concat(Enumerable.Repeat("00", 100));
        Assert.Equal(HpackError.FieldTooLarge, HpackFields.Decode(decoder, block).Error);
    }

    [Fact]
    public void ARawFieldOverTheLimitIsRefused()
    {
        var decoder = new HpackDecoder(maxFieldSize: 4);
        Assert.Equal(HpackError.None, HpackFields.Decode(decoder, "0004 61616161 00").Error);
        Assert.Equal(HpackError.FieldTooLarge, HpackFields.Decode(decoder, "0005 6161616161 00").Error);
    }

    [Fact]
    public void TheDecoderValidatesItsLimits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HpackDecoder(headerTableSize: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HpackDecoder(maxFieldSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HpackDecoder(maxHeaderListSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HpackDecoder().SetHeaderTableSize(-1));
    }

    // Review: sizes whose byte stores (two of them each) cannot exist were an OverflowException from a negative
    // array length, or a table set to a capacity it could not hold; they are refused as out of range, changing nothing.
    [Fact]
    public void SizesTooLargeToStoreAreRefusedAsOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HpackDecoder(headerTableSize: int.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HpackDecoder(maxFieldSize: int.MaxValue));
        var table = new HpackDynamicTable(64);
        table.Insert("a"u8, "b"u8);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.SetCapacity(int.MaxValue));
        Assert.Equal(64, table.Capacity);
        Assert.Equal(1, table.Count);
    }

    private static void AssertError(string hex, HpackError expected) =>
        Assert.Equal(expected, HpackFields.Decode(new HpackDecoder(), hex).Error);

    private static void AssertSequence(int tableSize, params (string Hex, (string, string)[] Fields, int Size, (string, string)[] Table)[] blocks)
    {
        var decoder = new HpackDecoder(headerTableSize: tableSize);
        foreach (var block in blocks)
        {
            var (error, fields) = HpackFields.Decode(decoder, block.Hex);
            Assert.Equal(HpackError.None, error);
            Assert.Equal(block.Fields, fields.Select(f => (f.Name, f.Value)));
            Assert.Equal(block.Table, HpackFields.Table(decoder));
            Assert.Equal(block.Size, decoder.Table.Size);
        }
    }
}
