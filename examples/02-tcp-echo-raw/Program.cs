// A TCP echo server on the loop API alone: what Node's net is built from. Each read gets its own buffer
// (the alloc callback), and that buffer goes back to the pool only when the write that echoes it completes.
using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using Uvnet;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 7000;

var loop = new Loop();
var server = new TcpHandle(loop);
// Statuses are libuv's: 0 or a negative errno. Exceptions are kept for programmer errors.
int status = server.Bind(new IPEndPoint(IPAddress.Loopback, port));
if (status == 0)
    status = server.Listen(511, OnConnection);
if (status < 0)
{
    Console.Error.WriteLine($"listen: {UvError.Name(status)}");
    return 1;
}
Console.WriteLine($"listening on {server.LocalEndPoint!.Port}");
loop.Run();
return 0;

void OnConnection(StreamHandle listener, int status)
{
    if (status < 0)
        return;
    var client = new TcpHandle(loop);
    if (listener.Accept(client) < 0)
    {
        client.Close();
        return;
    }
    // Without an alloc callback reads land in the loop's shared buffer, which the next read overwrites:
    // fine for bytes consumed at once, not for bytes handed to a write that completes later.
    client.ReadStart((_, suggested) => ArrayPool<byte>.Shared.Rent(suggested), OnRead);
}

void OnRead(StreamHandle stream, int nread, Memory<byte> buffer)
{
    if (nread > 0)
    {
        // The write request carries the rented array so its callback can return it. It is set only once
        // the write has started: a refused request is back in its pool at once.
        var request = WriteRequest.Rent();
        if (stream.Write(request, [buffer[..nread]], OnWritten) == 0)
        {
            request.Data = buffer;
            return;
        }
        stream.Close();
    }
    else if (nread == UvError.EOF)
    {
        // The peer has sent everything. Shutdown sends our FIN after the echoes still queued (Close alone
        // would cancel them), and the connection is closed once that is done.
        if (stream.Shutdown((request, _) => CloseOnce(request.Stream!)) < 0)
            stream.Close();
    }
    else if (nread < 0)
    {
        stream.Close();   // a reset or another error: nothing more can be sent
    }
    // nread == 0 (nothing to read after all) and failed writes: the buffer was not handed on.
    ReturnBuffer(buffer);
}

void OnWritten(WriteRequest request, int status)
{
    ReturnBuffer((Memory<byte>)request.Data!);
    request.Data = null;
    if (status < 0)
        CloseOnce(request.Stream!);
}

// A failed write and the shutdown behind it both end the connection: closing twice is a programmer error.
static void CloseOnce(StreamHandle stream)
{
    if (!stream.IsClosing)
        stream.Close();
}

static void ReturnBuffer(Memory<byte> buffer)
{
    if (MemoryMarshal.TryGetArray<byte>(buffer, out var segment) && segment.Array is { Length: > 0 } array)
        ArrayPool<byte>.Shared.Return(array);
}
