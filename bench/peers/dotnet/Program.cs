// The .NET reactor peer. Usage: <variant> <workload> [--conns N] [--seconds S] [--count N]
//   async  pingpong, pump-up, pump-down with async/await on Socket and Memory<byte>
//   saea   the same with SocketAsyncEventArgs callbacks
//   timer  timers with a million System.Threading.Timer
// Anything else prints UNSUPPORTED. The harness names these peers dotnet-async, dotnet-saea, dotnet-timer.
using Uvnet.Bench;
using Uvnet.Bench.Dotnet;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Uvnet.Bench.DotnetPeer <async|saea|timer> <workload> [--conns N] [--seconds S] [--count N]");
    return 2;
}

PeerArgs peerArgs = PeerArgs.Parse(args.AsSpan(1));
ISocketVariant? sockets = args[0] switch
{
    "async" => new AsyncVariant(),
    "saea" => new SaeaVariant(),
    _ => null,
};

return (sockets, args[0], peerArgs.Workload) switch
{
    ({ } variant, _, "pingpong") => await PingPongRun.RunAsync(peerArgs, variant),
    ({ } variant, _, "pump-up") => await PumpRun.RunAsync(peerArgs, variant, clientsWrite: true),
    ({ } variant, _, "pump-down") => await PumpRun.RunAsync(peerArgs, variant, clientsWrite: false),
    (null, "timer", "timers") => ThreadingTimers.Run(peerArgs),
    _ => PeerOutput.Unsupported(),
};
