using System.Buffers.Binary;
using Uvnet.Net;

namespace Uvnet.Server.Tests.Load;

/// <summary>
/// A scripted HTTP/2 server on the test's loop, written frame by frame, for what Uvnet's own server never does:
/// a low stream limit, late answers, GOAWAY, RST_STREAM or flow-control frames at chosen moments. It reads the
/// client's preface, sends its SETTINGS and acknowledges the client's, and hands each request's HEADERS to the test.
/// </summary>
internal sealed class RawHttp2Server
{
    private const int FrameHeaderSize = 9;
    private const byte Headers = 1, Settings = 4;
    private const byte EndStream = 0x1, EndHeaders = 0x4, Ack = 0x1;

    private static readonly int s_prefaceLength = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".Length;

    private readonly Uvnet.Net.Server _server;

    /// <summary>
    /// Listens on 127.0.0.1; each connection gets SETTINGS with <paramref name="settings"/> (id, value) and
    /// <paramref name="onRequest"/> is called with the connection's socket and each new stream's id.
    /// </summary>
    internal RawHttp2Server(Loop loop, (ushort Id, uint Value)[] settings, Action<Socket, int> onRequest)
    {
        _server = new Uvnet.Net.Server(loop, socket =>
        {
            Sockets.Add(socket);
            byte[] input = [];
            bool prefaceRead = false;
            socket.Write(Frame(Settings, 0, 0, SettingsPayload(settings)));
            socket.Data += (_, data) =>
            {
                input = [.. input, .. data];
                if (!prefaceRead)
                {
                    if (input.Length < s_prefaceLength)
                        return;
                    input = input[s_prefaceLength..];
                    prefaceRead = true;
                }
                while (input.Length >= FrameHeaderSize)
                {
                    int length = (input[0] << 16) | (input[1] << 8) | input[2];
                    if (input.Length < FrameHeaderSize + length)
                        return;
                    byte type = input[3], flags = input[4];
                    int streamId = BinaryPrimitives.ReadInt32BigEndian(input.AsSpan(5)) & int.MaxValue;
                    input = input[(FrameHeaderSize + length)..];
                    if (type == Settings && (flags & Ack) == 0)
                        socket.Write(Frame(Settings, Ack, 0, []));
                    else if (type == Headers)
                        onRequest(socket, streamId);
                }
            };
        });
        bool listening = false;
        _server.Listen(0, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
    }

    internal int Port => _server.Port;

    /// <summary>The connections accepted, in order.</summary>
    internal List<Socket> Sockets { get; } = [];

    /// <summary>A 200 response without a body: HEADERS (<c>:status 200</c>, static index 8) with END_STREAM.</summary>
    internal static byte[] Ok(int streamId) => Frame(Headers, EndHeaders | EndStream, streamId, [0x88]);

    /// <summary>GOAWAY naming <paramref name="lastStreamId"/> as the last stream processed, NO_ERROR.</summary>
    internal static byte[] GoAway(int lastStreamId) => Frame(7, 0, 0, [.. U32((uint)lastStreamId), .. U32(0)]);

    /// <summary>RST_STREAM with <paramref name="code"/>.</summary>
    internal static byte[] Reset(int streamId, uint code) => Frame(3, 0, streamId, U32(code));

    /// <summary>WINDOW_UPDATE of <paramref name="increment"/> on <paramref name="streamId"/> (0: the connection).</summary>
    internal static byte[] WindowUpdate(int streamId, uint increment) => Frame(8, 0, streamId, U32(increment));

    /// <summary>A PING to be acknowledged.</summary>
    internal static byte[] Ping() => Frame(6, 0, 0, new byte[8]);

    /// <summary>A 200 response whose field block is split: HEADERS with END_STREAM but not END_HEADERS, then CONTINUATION.</summary>
    internal static byte[] OkInTwoFrames(int streamId) =>
        [.. Frame(Headers, EndStream, streamId, []), .. Frame(9, EndHeaders, streamId, [0x88])];

    private static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>One frame: its 9-octet header and payload.</summary>
    internal static byte[] Frame(byte type, byte flags, int streamId, byte[] payload)
    {
        var frame = new byte[FrameHeaderSize + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, FrameHeaderSize);
        return frame;
    }

    private static byte[] SettingsPayload((ushort Id, uint Value)[] settings)
    {
        var payload = new byte[6 * settings.Length];
        for (int i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(6 * i), settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan((6 * i) + 2), settings[i].Value);
        }
        return payload;
    }

    /// <summary>Stops listening and destroys the connections still open.</summary>
    internal void Close()
    {
        foreach (Socket socket in Sockets)
            socket.Destroy();
        _server.Close();
    }
}
