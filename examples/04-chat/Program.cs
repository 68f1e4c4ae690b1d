// A chat server: every line a client sends goes to every other client. The step from 03 is state shared
// between connections, which needs no lock: every callback runs on the loop's one thread.
using Uvnet;
using Uvnet.Net;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 7000;

var loop = new Loop();
var clients = new HashSet<Socket>();
var server = Net.CreateServer(loop, socket =>
{
    string name = $"{socket.RemoteAddress}:{socket.RemotePort}";
    clients.Add(socket);
    // Text decodes as UTF-8 and keeps a character split across reads whole. A line split across reads is
    // 05's subject; here each chunk is passed on as it comes.
    socket.Text += (from, text) =>
    {
        foreach (Socket other in clients)
        {
            // Write's return is ignored: a client that never reads has its lines queued without bound.
            // 05 shows how to push back; a chat server would rather drop such a client.
            if (other != from)
                other.Write($"{name}> {text}");
        }
    };
    // Closed comes once per socket whatever ended it (the peer, an error, a destroy): the one place to forget it.
    socket.Closed += (s, _) => clients.Remove(s);
    socket.Error += (_, e) => Console.Error.WriteLine($"{name}: {e.Code}");
    socket.Write("welcome\n");
});
// A port in use, say: the server stays closed, and with nothing left to do Run returns.
server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 1;
};
server.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {server.Port}"));
loop.Run();
