using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Http2;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// An h2spec-style client over a raw socket: sends frames as built (malformed ones too), reads the server's frames
/// back, and tells which error ended a stream or the connection. Runs on the thread pool while the test drives the
/// server's loop (see <see cref="ServerFixture.Run{T}"/>).
/// </summary>
internal sealed class Http2Wire : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly HpackDecoder _decoder = new();
    private readonly List<byte> _block = [];
    private List<(string Name, string Value, bool NeverIndexed)>? _lastBlock;
    private byte[] _buffer = new byte[1 << 20];
    private int _length;

    private Http2Wire(Socket socket) => _socket = socket;

    /// <summary>The server's SETTINGS as received.</summary>
    public Http2Settings ServerSettings { get; private set; } = new();

    /// <summary>
    /// Connects, sends the preface and <paramref name="settings"/> (empty SETTINGS by default), and with
    /// <paramref name="handshake"/> reads the server's SETTINGS and its ACK of ours, acknowledging the server's.
    /// </summary>
    public static async Task<Http2Wire> OpenAsync(int port, bool handshake = true, byte[]? settings = null)
    {
        var wire = new Http2Wire(await RawClient.ConnectAsync(port));
        await wire.SendAsync([.. Http2Preface.Bytes, .. settings ?? Frame(Http2FrameType.Settings, 0, 0, [])]);
        if (handshake)
            await wire.HandshakeAsync();
        return wire;
    }

    /// <summary>Connects without sending anything (the test sends its own first bytes).</summary>
    public static async Task<Http2Wire> ConnectAsync(int port) => new(await RawClient.ConnectAsync(port));

    /// <summary>Reads the server's SETTINGS and its ACK of ours, acknowledging the server's (h2spec's handshake).</summary>
    public async Task HandshakeAsync()
    {
        bool settingsSeen = false, ackSeen = false;
        while (!settingsSeen || !ackSeen)
        {
            var frame = await ReadFrameAsync() ?? throw new InvalidOperationException("closed during the handshake");
            if (frame.Header.Type != Http2FrameType.Settings)
                continue;
            if (frame.Header.Has(Http2FrameFlags.Ack))
            {
                ackSeen = true;
                continue;
            }
            settingsSeen = true;
            var applied = new Http2Settings();
            applied.TryApply(frame.Payload);
            ServerSettings = applied;
            await SendAsync(Frame(Http2FrameType.Settings, Http2FrameFlags.Ack, 0, []));
        }
    }

    public Task SendAsync(byte[] bytes) => _socket.SendAsync(bytes).WaitAsync(Bound);

    /// <summary>Drops the connection with a TCP reset (not a FIN, which the server takes as a client done sending).</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Dispose();
    }

    /// <summary>Ends our sending side (a FIN); the server's frames can still be read.</summary>
    public void EndSending() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Any frame, as given.</summary>
    public static byte[] Frame(Http2FrameType type, Http2FrameFlags flags, int streamId, byte[] payload)
    {
        var bytes = new byte[Http2FrameHeader.Size + payload.Length];
        bytes[0] = (byte)(payload.Length >> 16);
        bytes[1] = (byte)(payload.Length >> 8);
        bytes[2] = (byte)payload.Length;
        bytes[3] = (byte)type;
        bytes[4] = (byte)flags;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), (uint)streamId);
        payload.CopyTo(bytes, Http2FrameHeader.Size);
        return bytes;
    }

    /// <summary>A field block of literal fields (names as given: uppercase ones too).</summary>
    public static byte[] Block(params (string Name, string Value)[] fields)
    {
        var block = new byte[64 * 1024];
        int length = 0;
        foreach (var (name, value) in fields)
        {
            Assert.True(HpackEncoder.TryEncodeField(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value), false, block.AsSpan(length), out int written));
            length += written;
        }
        return block[..length];
    }

    /// <summary>The pseudo-headers of a GET, then <paramref name="extra"/>.</summary>
    public static (string, string)[] Get(string path = "/", params (string, string)[] extra) =>
        [(":method", "GET"), (":scheme", "http"), (":path", path), (":authority", "localhost"), .. extra];

    /// <summary>The pseudo-headers of a POST, then <paramref name="extra"/>.</summary>
    public static (string, string)[] Post(string path, params (string, string)[] extra) =>
        [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"), .. extra];

    public static byte[] Headers(int streamId, bool endStream, params (string, string)[] fields) =>
        Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | (endStream ? Http2FrameFlags.EndStream : 0), streamId, Block(fields));

    public static byte[] Data(int streamId, byte[] data, bool endStream) =>
        Frame(Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : 0, streamId, data);

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] WindowUpdate(int streamId, uint increment) => Frame(Http2FrameType.WindowUpdate, 0, streamId, U32(increment));

    public static byte[] RstStream(int streamId, Http2ErrorCode code) => Frame(Http2FrameType.RstStream, 0, streamId, U32((uint)code));

    public static byte[] Setting(Http2SettingId id, uint value, Http2FrameFlags flags = 0)
    {
        var payload = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)id);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(2), value);
        return Frame(Http2FrameType.Settings, flags, 0, payload);
    }

    /// <summary>
    /// The first frame that <paramref name="match"/> accepts, skipping the others; null once the server closed. A
    /// GOAWAY with an error code before it throws (the server gave up on the connection).
    /// </summary>
    public async Task<(Http2FrameHeader Header, byte[] Payload)?> WaitForAsync(Func<Http2FrameHeader, byte[], bool> match)
    {
        while (await ReadFrameAsync() is { } frame)
        {
            if (match(frame.Header, frame.Payload))
                return frame;
            if (frame.Header.Type == Http2FrameType.GoAway && BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4)) != 0)
                throw new InvalidOperationException($"GOAWAY {(Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4))}");
        }
        return null;
    }

    /// <summary>An HTTP/1.1 head (through its blank line), read before the connection switches to HTTP/2; the rest stays buffered.</summary>
    public async Task<string> ReadHttp1HeadAsync()
    {
        while (true)
        {
            int end = _buffer.AsSpan(0, _length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                string head = Encoding.Latin1.GetString(_buffer, 0, end + 4);
                _buffer.AsSpan(end + 4, _length - end - 4).CopyTo(_buffer);
                _length -= end + 4;
                return head;
            }
            int n = await _socket.ReceiveAsync(_buffer.AsMemory(_length)).AsTask().WaitAsync(Bound);
            if (n == 0)
                throw new InvalidOperationException("closed before the head ended");
            _length += n;
        }
    }

    /// <summary>The next frame, or null once the server closed.</summary>
    public async Task<(Http2FrameHeader Header, byte[] Payload)?> ReadFrameAsync()
    {
        while (true)
        {
            if (Http2FrameHeader.TryRead(_buffer.AsSpan(0, _length), out Http2FrameHeader header)
                && _length - Http2FrameHeader.Size >= header.Length)
            {
                byte[] payload = _buffer.AsSpan(Http2FrameHeader.Size, header.Length).ToArray();
                int used = Http2FrameHeader.Size + header.Length;
                _buffer.AsSpan(used, _length - used).CopyTo(_buffer);
                _length -= used;
                TrackFieldBlock(header, payload);
                return (header, payload);
            }
            if (_length == _buffer.Length)
                Array.Resize(ref _buffer, _buffer.Length * 2);
            int n;
            try
            {
                n = await _socket.ReceiveAsync(_buffer.AsMemory(_length)).AsTask().WaitAsync(Bound);
            }
            catch (SocketException)
            {
                n = 0;
            }
            if (n == 0)
                return null;
            _length += n;
        }
    }

    /// <summary>
    /// Reads until the server answers with an error: GOAWAY (a connection error: its code), RST_STREAM on
    /// <paramref name="streamId"/> (a stream error: its code), or the close (null code). What comes before is skipped.
    /// </summary>
    public async Task<(Http2ErrorCode? Code, bool Connection)> ReadErrorAsync(int streamId = 0)
    {
        while (await ReadFrameAsync() is { } frame)
        {
            if (frame.Header.Type == Http2FrameType.GoAway)
            {
                var code = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4));
                if (code != Http2ErrorCode.NoError)
                    return (code, true);
            }
            if (frame.Header.Type == Http2FrameType.RstStream && frame.Header.StreamId == streamId)
                return ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload), false);
        }
        return (null, true);
    }

    /// <summary>
    /// Decodes every field block the server sends as it passes, whichever reader skips it: the server's HPACK dynamic
    /// table changes with each, so a block left undecoded would make the later ones name entries this side lacks.
    /// </summary>
    private void TrackFieldBlock(Http2FrameHeader header, byte[] payload)
    {
        if (header.Type is not (Http2FrameType.Headers or Http2FrameType.Continuation))
            return;
        _block.AddRange(payload);
        if (!header.Has(Http2FrameFlags.EndHeaders))
            return;
        var fields = HpackFields.Create();
        Assert.Equal(HpackError.None, _decoder.Decode(_block.ToArray(), ref fields));
        _block.Clear();
        _lastBlock = fields.Fields;
    }

    /// <summary>A response on <paramref name="streamId"/>: its fields (interim ones skipped) and body, read to END_STREAM.</summary>
    public async Task<Http2Response> ReadResponseAsync(int streamId)
    {
        var response = new Http2Response();
        while (await ReadFrameAsync() is { } frame)
        {
            var (header, payload) = frame;
            if (header.Type == Http2FrameType.GoAway && BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)) != 0)
                throw new InvalidOperationException($"GOAWAY {(Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4))}");
            if (header.StreamId != streamId)
                continue;
            if (header.Type == Http2FrameType.RstStream)
                throw new InvalidOperationException($"RST_STREAM {(Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload)}");
            if (header.Type is Http2FrameType.Headers or Http2FrameType.Continuation)
            {
                if (header.Has(Http2FrameFlags.EndHeaders))
                    response.Blocks.Add(_lastBlock!.Select(f => (f.Name, f.Value)).ToList());
            }
            else if (header.Type == Http2FrameType.Data)
            {
                response.Body.AddRange(payload);
                response.DataFrames++;
            }
            if (header.Has(Http2FrameFlags.EndStream) && header.Type is Http2FrameType.Data or Http2FrameType.Headers)
                return response;
        }
        throw new InvalidOperationException("closed before the response ended");
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>A response as read off the wire: each field block (interim, final, trailers) and the body.</summary>
internal sealed class Http2Response
{
    public List<List<(string Name, string Value)>> Blocks { get; } = [];

    public List<byte> Body { get; } = [];

    public int DataFrames { get; set; }

    public List<(string Name, string Value)> Head => Blocks.First(b => !b.Any(f => f.Name == ":status" && f.Value.StartsWith('1')));

    public string Status => Head.First(f => f.Name == ":status").Value;

    public string? Field(string name) => Head.FirstOrDefault(f => f.Name == name).Value;

    public string Text => Encoding.UTF8.GetString(Body.ToArray());
}
