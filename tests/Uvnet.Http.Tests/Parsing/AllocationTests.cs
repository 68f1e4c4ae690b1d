using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>The steady state allocates nothing: per request, per header, per body piece.</summary>
public class AllocationTests
{
    public static TheoryData<string, byte[]> Requests() => new()
    {
        { "TechEmpower plaintext", SampleRequests.Plaintext },
        { "browser, twelve fields", SampleRequests.Browser },
        { "chunked upload", SampleRequests.Chunked },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void ParsingPipelinedRequestsAllocatesNothing(string name, byte[] request)
    {
        Assert.NotEmpty(name);
        var parser = new HttpRequestParser();
        var handler = new HeadAccumulatingHandler(new HttpRequestHead());
        byte[] pipeline = [.. Enumerable.Repeat(request, 16).SelectMany(bytes => bytes)];
        Parse(parser, ref handler, pipeline, 100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Parse(parser, ref handler, pipeline, 1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Asserted after the measurement: xunit's assertions allocate.
        Assert.Equal(0, allocated);
        Assert.Equal(HttpParserError.None, parser.Error);
        Assert.Equal(16 * 1100, handler.Messages);
    }

    private static void Parse(HttpRequestParser parser, ref HeadAccumulatingHandler handler, byte[] pipeline, int times)
    {
        for (int i = 0; i < times; i++)
        {
            // Half whole, half in two reads, so the split paths are measured as well.
            if (i % 2 == 0)
            {
                parser.Execute(ref handler, pipeline, out _);
            }
            else
            {
                int half = pipeline.Length / 2;
                parser.Execute(ref handler, pipeline.AsSpan(0, half), out _);
                parser.Execute(ref handler, pipeline.AsSpan(half), out _);
            }
        }
    }
}
