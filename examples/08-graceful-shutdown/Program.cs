// Stopping a server without cutting anyone off: on SIGTERM (a service manager) or SIGINT (Ctrl+C) it stops
// accepting, closes idle keep-alive connections, answers every request already in flight, and exits with 0
// once the last connection has ended. A second signal gives up on the stragglers.
using System.Runtime.InteropServices;
using Uvnet;
using Uvnet.Http;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 8080;

var loop = new Loop();
var server = Http.CreateServer(loop, async (req, res) =>
{
    Console.WriteLine($"{req.Method} {req.Url}");
    // An upload is a request in flight for as long as its client takes to send the body; this one answers
    // with the body's size once it is all there, shutdown or not.
    byte[] body = await req.ReadBodyAsync();
    res.End($"received {body.Length} bytes\n");
});

// Signals are delivered on the loop like any other event: the callbacks run on its thread, so they may
// call the server directly. Both handles keep the loop alive, so they are closed once the server is.
var sigterm = new SignalHandle(loop);
var sigint = new SignalHandle(loop);
bool stopping = false;
void OnSignal(SignalHandle _, PosixSignal signal)
{
    if (stopping)
    {
        Console.WriteLine($"{signal} again: closing every connection");
        server.CloseAllConnections();
        return;
    }
    stopping = true;
    Console.WriteLine($"{signal}: closing");
    server.Close(() =>
    {
        sigterm.Close();
        sigint.Close();
        Console.WriteLine("closed");
    });
}
sigterm.Start(PosixSignal.SIGTERM, OnSignal);
sigint.Start(PosixSignal.SIGINT, OnSignal);

// A port in use, say: the signal handles are all that is left to keep the loop running.
server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    sigterm.Close();
    sigint.Close();
    Environment.ExitCode = 1;
};
server.Listen(port, "127.0.0.1", () => Console.WriteLine($"listening on {server.Port}"));
// Run returns once nothing is left: every response was sent and every handle closed.
loop.Run();
