namespace Uvnet;

/// <summary>
/// Asked for a buffer before each read, as libuv's <c>uv_alloc_cb</c>. Return an empty buffer when the data
/// cannot be taken now: the read callback then gets <see cref="UvError.ENOBUFS"/>. If the callback closes the stream
/// or stops reading, no read is made and the read callback does not run for that buffer.
/// </summary>
public delegate Memory<byte> AllocCallback(StreamHandle stream, int suggestedSize);

/// <summary>
/// Called after each read, as libuv's <c>uv_read_cb</c>: <paramref name="nread"/> &gt; 0 bytes are at the
/// start of <paramref name="buffer"/>; 0 means nothing this time (the buffer can be reused); a negative
/// value is <see cref="UvError.EOF"/> or an error, after which reading has stopped.
/// </summary>
/// <remarks>With the loop's default buffer, the bytes are valid only until the callback returns.</remarks>
public delegate void ReadCallback(StreamHandle stream, int nread, Memory<byte> buffer);

/// <summary>Called on a listening stream for each incoming connection (status 0: call <see cref="StreamHandle.Accept"/>) or accept error.</summary>
public delegate void ConnectionCallback(StreamHandle server, int status);
