// A line protocol: the client sends lines, the server answers each with its length and text upper-cased.
// TCP is a byte stream, so a line may arrive in pieces or several in one read: the server keeps what
// follows the last '\n' until the rest comes. And it stops reading while a client does not take its
// answers (Write returns false), resuming at Drain, so a fast sender cannot make it buffer without bound.
using System.Text;
using Uvnet;
using Uvnet.Net;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 7000;

const int MaxLine = 64 * 1024;
var loop = new Loop();
var server = Net.CreateServer(loop, socket =>
{
    var pending = new List<byte>();   // the start of a line whose '\n' has not arrived yet
    socket.Data += (s, data) =>
    {
        int newline;
        while ((newline = data.IndexOf((byte)'\n')) >= 0)
        {
            pending.AddRange(data[..newline]);
            data = data[(newline + 1)..];
            string line = Encoding.UTF8.GetString([.. pending]).TrimEnd('\r');
            pending.Clear();
            // False: the answer is queued past the high-water mark (16 KiB). Keep what this read holds,
            // but read no more until the client has taken it.
            if (!s.Write($"{line.Length} {line.ToUpperInvariant()}\n"))
                s.Pause();
        }
        pending.AddRange(data);
        // A peer that never sends '\n' must not grow the buffer without bound.
        if (pending.Count > MaxLine)
            s.Destroy();
    };
    socket.Drain += s => s.Resume();
    socket.Error += (_, e) => Console.Error.WriteLine($"{socket.RemoteAddress}: {e.Code}");
});
// A port in use, say: the server stays closed, and with nothing left to do Run returns.
server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 1;
};
server.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {server.Port}"));
loop.Run();
