// The echo server of 02, in Node's style: Net.CreateServer hands over each connection as a Socket with
// events, and the socket owns its buffers, so there is nothing to rent or return.
using Uvnet;
using Uvnet.Net;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 7000;

var loop = new Loop();
var server = Net.CreateServer(loop, socket =>
{
    // The span is the loop's read buffer, valid only during this call, and Write keeps the memory it is given
    // until the kernel has taken it: hence the copy.
    socket.Data += (s, data) => s.Write(data.ToArray());
    // No Ended handler: without AllowHalfOpen the socket ends its side when the peer ends, as Node's does.
    socket.Error += (s, e) => Console.Error.WriteLine($"{s.RemoteAddress}: {e.Code}");
    // socket.Pipe(socket) would do all this and pause reading while the peer is slow to take the echo: see 05.
});
// A port in use, say: the server stays closed, and with nothing left to do Run returns.
server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 1;
};
server.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {server.Port}"));
loop.Run();
