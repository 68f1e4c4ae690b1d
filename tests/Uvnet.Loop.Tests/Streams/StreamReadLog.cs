namespace Uvnet.Tests.Streams;

/// <summary>Reads a stream until it ends: the bytes it got, and the status that ended it (EOF, or an error).</summary>
internal sealed class StreamReadLog
{
    /// <summary>Starts reading <paramref name="stream"/> (connected, or still connecting).</summary>
    public StreamReadLog(StreamHandle stream) =>
        Assert.Equal(0, stream.ReadStart((_, n, buffer) =>
        {
            if (n > 0)
                Bytes.AddRange(buffer.Span[..n].ToArray());
            else if (n < 0)
                End = n;
        }));

    public List<byte> Bytes { get; } = [];

    /// <summary>0 while the stream has not ended.</summary>
    public int End { get; private set; }

    public string Text => System.Text.Encoding.ASCII.GetString(Bytes.ToArray());
}
