using System.Buffers;
using System.Text.Json;

namespace Uvnet.Server.Hello;

/// <summary>What a <c>uvnet hello</c> request asks for.</summary>
public enum HelloEndpoint
{
    /// <summary>Any other path: 404.</summary>
    NotFound,

    /// <summary><c>/plaintext</c>: <see cref="HelloEndpoints.PlaintextBody"/> as text/plain.</summary>
    Plaintext,

    /// <summary><c>/json</c>: <see cref="HelloEndpoints.WriteJson"/>'s body as application/json.</summary>
    Json,
}

/// <summary>
/// TechEmpower's plaintext and json tests, per their rules: every response carries <c>Server</c> and
/// <c>Date</c> (the Date may be cached for up to a second); the plaintext body is a constant; the json body is
/// serialised anew for each request (a cached one breaks the rules), here with source-generated code into a
/// buffer the caller reuses, so serialising allocates nothing.
/// </summary>
public static class HelloEndpoints
{
    /// <summary>The Content-Type of <c>/plaintext</c>.</summary>
    public const string PlaintextContentType = "text/plain";

    /// <summary>The Content-Type of <c>/json</c>.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>The message of both tests.</summary>
    public const string Message = "Hello, World!";

    private static readonly HelloMessage s_message = new(Message);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The <c>/plaintext</c> body: <c>Hello, World!</c>, static bytes.</summary>
    public static ReadOnlySpan<byte> PlaintextBody => "Hello, World!"u8;

    /// <summary>
    /// Which endpoint <paramref name="path"/> names: a request's <c>PathBytes</c>, so that the origin-form
    /// (<c>/plaintext?x</c>) and the absolute-form (<c>http://host/plaintext</c>, RFC 9112 §3.2.2) route alike.
    /// </summary>
    public static HelloEndpoint Route(ReadOnlySpan<byte> path) =>
        path.SequenceEqual("/plaintext"u8) ? HelloEndpoint.Plaintext
        : path.SequenceEqual("/json"u8) ? HelloEndpoint.Json
        : HelloEndpoint.NotFound;

    /// <summary>
    /// Serialises <c>{"message":"Hello, World!"}</c> into <paramref name="output"/> and returns the byte count.
    /// Reuses one writer per thread (per loop), so a reused <paramref name="output"/> makes it allocation-free.
    /// </summary>
    public static int WriteJson(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = t_writer;
        if (writer is null)
            t_writer = writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        else
            writer.Reset(output);
        JsonSerializer.Serialize(writer, s_message, HelloJsonContext.Default.HelloMessage);
        int written = (int)writer.BytesCommitted;
        writer.Reset(NullBufferWriter.Instance);
        return written;
    }

    /// <summary>Serialises the json body into a new array (one small allocation; see <see cref="WriteJson"/> for none).</summary>
    public static byte[] SerializeJson() => JsonSerializer.SerializeToUtf8Bytes(s_message, HelloJsonContext.Default.HelloMessage);

    /// <summary>Where the per-thread writer points between calls, so it does not keep the last caller's buffer alive.</summary>
    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Memory<byte>.Empty;

        public Span<byte> GetSpan(int sizeHint = 0) => Span<byte>.Empty;
    }
}
