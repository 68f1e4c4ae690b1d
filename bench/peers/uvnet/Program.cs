// The Uvnet reactor peer: <workload> [--conns N] [--seconds S] [--count N] [--size B], as every reactor peer (bench/README.md).
// Every workload runs on one Loop in one thread, written after the libuv peer's file of the same name.
using Uvnet.Bench;
using Uvnet.Bench.UvnetPeer;

PeerArgs peerArgs = PeerArgs.Parse(args);
return peerArgs.Workload switch
{
    "pingpong" => PingPong.Run(peerArgs),
    "pump-up" => Pump.Run(peerArgs, up: true),
    "pump-down" => Pump.Run(peerArgs, up: false),
    "timers" => UvnetTimers.Run(peerArgs),
    "loopcount" => LoopCount.Run(peerArgs),
    "udp-echo" => UdpEcho.Run(peerArgs),
    "udp-burst" => UdpBurst.Run(peerArgs),
    _ => PeerOutput.Unsupported(),
};
