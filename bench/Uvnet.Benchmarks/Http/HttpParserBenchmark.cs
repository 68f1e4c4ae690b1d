using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http;
using Uvnet.Http.Parsing;
using Uvnet.Http.Tests.Parsing;

namespace Uvnet.Benchmarks.Http;

/// <summary>
/// Uvnet's request parser against Kestrel's <c>HttpParser&lt;T&gt;</c> on the same bytes, in one run: each
/// request is parsed by both, one after the other (grouped by request, Kestrel the baseline). Both handlers
/// ignore what they are given, so only parsing is measured. Kestrel's parser reads the head only: for the
/// chunked request it stops at the body, which Uvnet's parser also decodes. Uvnet's response parser on the
/// sample responses, alone (Kestrel has no response parser; the responses' rows compare with the requests').
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HttpParserBenchmark
{
    // As Kestrel's own parser benchmark: many requests per invocation, so the loop costs nothing per request.
    private const int RequestsPerInvoke = 512;

    private readonly HttpRequestParser _uvnet = new();
    private readonly HttpResponseParser _uvnetResponses = new();
    private readonly HttpParser<KestrelHandler> _kestrel = new();

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Plaintext")]
    public void UvnetPlaintext() => ParseWithUvnet(SampleRequests.Plaintext);

    [Benchmark(Baseline = true, OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Plaintext")]
    public void KestrelPlaintext() => ParseWithKestrel(SampleRequests.Plaintext);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Browser")]
    public void UvnetBrowser() => ParseWithUvnet(SampleRequests.Browser);

    [Benchmark(Baseline = true, OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Browser")]
    public void KestrelBrowser() => ParseWithKestrel(SampleRequests.Browser);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Chunked")]
    public void UvnetChunked() => ParseWithUvnet(SampleRequests.Chunked);

    [Benchmark(Baseline = true, OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Chunked")]
    public void KestrelChunkedHeadOnly() => ParseWithKestrel(SampleRequests.Chunked);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Response plaintext")]
    public void UvnetResponsePlaintext() => ParseResponsesWithUvnet(SampleResponses.Plaintext);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Response API")]
    public void UvnetResponseApi() => ParseResponsesWithUvnet(SampleResponses.Api);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    [BenchmarkCategory("Response chunked")]
    public void UvnetResponseChunked() => ParseResponsesWithUvnet(SampleResponses.Chunked);

    private void ParseWithUvnet(byte[] request)
    {
        var handler = default(UvnetHandler);
        for (int i = 0; i < RequestsPerInvoke; i++)
        {
            if (_uvnet.Execute(ref handler, request, out _) != HttpParserError.None)
            {
                throw new InvalidOperationException(_uvnet.ErrorReason);
            }
        }
    }

    private void ParseResponsesWithUvnet(byte[] response)
    {
        var handler = default(UvnetHandler);
        for (int i = 0; i < RequestsPerInvoke; i++)
        {
            if (_uvnetResponses.Execute(ref handler, response, out _) != HttpParserError.None)
            {
                throw new InvalidOperationException(_uvnetResponses.ErrorReason);
            }
        }
    }

    private void ParseWithKestrel(byte[] request)
    {
        var buffer = new ReadOnlySequence<byte>(request);
        for (int i = 0; i < RequestsPerInvoke; i++)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!_kestrel.ParseRequestLine(default, ref reader) || !_kestrel.ParseHeaders(default, ref reader))
            {
                throw new InvalidOperationException("Kestrel did not parse the request");
            }
        }
    }

    private struct UvnetHandler : IHttpParserHandler, IHttpResponseParserHandler
    {
        public readonly void OnMessageBegin()
        {
        }

        public readonly void OnMethod(ReadOnlySpan<byte> method)
        {
        }

        public readonly void OnUrl(ReadOnlySpan<byte> url)
        {
        }

        public readonly void OnHeaderField(ReadOnlySpan<byte> name)
        {
        }

        public readonly void OnHeaderValue(ReadOnlySpan<byte> value)
        {
        }

        public readonly void OnStatus(ReadOnlySpan<byte> reason)
        {
        }

        public readonly HeadersCompleteAction OnHeadersComplete(HttpRequestParser parser) => HeadersCompleteAction.Continue;

        public readonly HeadersCompleteAction OnHeadersComplete(HttpResponseParser parser) => HeadersCompleteAction.Continue;

        public readonly void OnBody(ReadOnlySpan<byte> data)
        {
        }

        public readonly void OnChunkHeader(long size)
        {
        }

        public readonly void OnChunkComplete()
        {
        }

        public readonly void OnMessageComplete()
        {
        }
    }

    private struct KestrelHandler : IHttpRequestLineHandler, IHttpHeadersHandler
    {
        public readonly void OnStartLine(HttpVersionAndMethod versionAndMethod, TargetOffsetPathLength targetPath, Span<byte> startLine)
        {
        }

        public readonly void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
        }

        public readonly void OnHeadersComplete(bool endStream)
        {
        }

        public readonly void OnStaticIndexedHeader(int index)
        {
        }

        public readonly void OnStaticIndexedHeader(int index, ReadOnlySpan<byte> value)
        {
        }
    }
}
