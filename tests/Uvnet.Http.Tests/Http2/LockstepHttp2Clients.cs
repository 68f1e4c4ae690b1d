using System.Buffers.Binary;
using System.Net.Sockets;
using Uvnet.Http.Http2;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// h2c GETs of /plaintext with prior knowledge, one stream at a time per connection (see <see cref="LockstepClients"/>):
/// each request also gives the connection's window back for the DATA of the response before it.
/// </summary>
internal sealed class LockstepHttp2Clients : LockstepClients
{
    private static readonly byte[] s_block = Block(Get("/plaintext"));
    private static readonly byte[] s_settingsAck = Frame(Http2FrameType.Settings, Http2FrameFlags.Ack, 0, []);
    private static readonly byte[] s_preface = [.. Http2Preface.Bytes, .. Frame(Http2FrameType.Settings, 0, 0, [])];

    // HEADERS of the next stream, then a WINDOW_UPDATE of the connection; stream and increment written in per send.
    private readonly byte[] _request = [.. Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 1, s_block), .. WindowUpdate(0, 1)];
    private readonly int[] _nextStream;
    private readonly int[] _unacknowledgedData;

    internal LockstepHttp2Clients(ServerFixture fixture, int count)
        : base(fixture, count)
    {
        _nextStream = new int[count];
        _unacknowledgedData = new int[count];
        Array.Fill(_nextStream, 1);
    }

    protected override void SendFirst(int index, Socket socket)
    {
        socket.Send(s_preface); // a client may send requests before it has the server's SETTINGS
        SendNext(index, socket);
    }

    protected override bool TakeResponse(int index, Socket socket, ReadOnlySpan<byte> received)
    {
        bool ended = false;
        while (!received.IsEmpty)
        {
            Assert.True(received.Length >= Http2FrameHeader.Size, "a frame header came cut");
            int length = received[0] << 16 | received[1] << 8 | received[2];
            var type = (Http2FrameType)received[3];
            var flags = (Http2FrameFlags)received[4];
            Assert.True(received.Length >= Http2FrameHeader.Size + length, "a frame came cut");
            if (type == Http2FrameType.Settings && (flags & Http2FrameFlags.Ack) == 0)
                socket.Send(s_settingsAck);
            if (type == Http2FrameType.Data)
                _unacknowledgedData[index] += length;
            if (type is Http2FrameType.Headers or Http2FrameType.Data && (flags & Http2FrameFlags.EndStream) != 0)
                ended = true;
            received = received[(Http2FrameHeader.Size + length)..];
        }
        return ended;
    }

    protected override void SendNext(int index, Socket socket)
    {
        int headers = Http2FrameHeader.Size + s_block.Length;
        BinaryPrimitives.WriteUInt32BigEndian(_request.AsSpan(5), (uint)_nextStream[index]);
        _nextStream[index] += 2;
        int increment = _unacknowledgedData[index];
        _unacknowledgedData[index] = 0;
        if (increment == 0)
        {
            socket.Send(_request.AsSpan(0, headers));
            return;
        }
        BinaryPrimitives.WriteUInt32BigEndian(_request.AsSpan(headers + Http2FrameHeader.Size), (uint)increment);
        socket.Send(_request);
    }
}
