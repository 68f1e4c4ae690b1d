// The echo server of 02, in Node's style: Net.CreateServer hands over each connection as a Socket with
// events, and the socket owns its buffers, so there is nothing to rent or return.
using Uvnet;
using Uvnet.Net;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 7000;

var loop = new Loop();
var server = Net.CreateServer(loop, socket =>
{
    // The span lives in the loop's read buffer only for this call: Write copies what it cannot send at once.
    socket.Data += (s, data) => s.Write(data.ToArray());
    // Without AllowHalfOpen the socket ends its side when the peer ends, as Node's does.
    socket.Error += (s, e) => Console.Error.WriteLine($"{s.RemoteAddress}: {e.Code}");
    // socket.Pipe(socket) would do all this and pause reading while the peer is slow to take the echo: see 05.
});
server.Error += (_, e) =>
{
    Console.Error.WriteLine($"listen: {e.Message}");
    server.Close();
};
server.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {server.Port}"));
loop.Run();
