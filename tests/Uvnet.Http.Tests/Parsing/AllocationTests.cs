using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>The steady state allocates nothing: per request or response, per header, per body piece.</summary>
public class AllocationTests
{
    public static TheoryData<string, byte[]> Requests() => new()
    {
        { "TechEmpower plaintext", SampleRequests.Plaintext },
        { "browser, twelve fields", SampleRequests.Browser },
        { "chunked upload", SampleRequests.Chunked },
    };

    public static TheoryData<string, byte[]> Responses() => new()
    {
        { "TechEmpower plaintext", SampleResponses.Plaintext },
        { "API answer, eleven fields", SampleResponses.Api },
        { "chunked with a trailer", SampleResponses.Chunked },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void ParsingPipelinedRequestsAllocatesNothing(string name, byte[] request) =>
        AssertAllocatesNothing(name, new HttpRequestParser(), request);

    [Theory]
    [MemberData(nameof(Responses))]
    public void ParsingPipelinedResponsesAllocatesNothing(string name, byte[] response) =>
        AssertAllocatesNothing(name, new HttpResponseParser(), response);

    private static void AssertAllocatesNothing(string name, HttpMessageParser parser, byte[] message)
    {
        Assert.NotEmpty(name);
        var handler = new HeadAccumulatingHandler(new HttpRequestHead());
        byte[] pipeline = [.. Enumerable.Repeat(message, 16).SelectMany(bytes => bytes)];
        Parse(parser, ref handler, pipeline, 100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Parse(parser, ref handler, pipeline, 1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Asserted after the measurement: xunit's assertions allocate.
        Assert.Equal(0, allocated);
        Assert.Equal(HttpParserError.None, parser.Error);
        Assert.Equal(16 * 1100, handler.Messages);
    }

    private static void Parse(HttpMessageParser parser, ref HeadAccumulatingHandler handler, byte[] pipeline, int times)
    {
        for (int i = 0; i < times; i++)
        {
            // Half whole, half in two reads, so the split paths are measured as well.
            if (i % 2 == 0)
            {
                Execute(parser, ref handler, pipeline);
            }
            else
            {
                int half = pipeline.Length / 2;
                Execute(parser, ref handler, pipeline.AsSpan(0, half));
                Execute(parser, ref handler, pipeline.AsSpan(half));
            }
        }
    }

    private static void Execute(HttpMessageParser parser, ref HeadAccumulatingHandler handler, ReadOnlySpan<byte> data)
    {
        if (parser is HttpRequestParser request)
        {
            request.Execute(ref handler, data, out _);
        }
        else
        {
            ((HttpResponseParser)parser).Execute(ref handler, data, out _);
        }
    }
}
