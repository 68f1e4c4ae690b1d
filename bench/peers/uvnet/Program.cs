// The Uvnet reactor peer: <workload> [--conns N] [--seconds S] [--count N], as every reactor peer.
// pingpong, pump-up and pump-down print UNSUPPORTED until Uvnet has TCP streams (src/Net): write them
// after bench/peers/libuv/pingpong.c and pump.c, client and server on one Loop (see bench/README.md).
using Uvnet.Bench;
using Uvnet.Bench.UvnetPeer;

PeerArgs peerArgs = PeerArgs.Parse(args);
return peerArgs.Workload switch
{
    "timers" => UvnetTimers.Run(peerArgs),
    "loopcount" => LoopCount.Run(peerArgs),
    _ => PeerOutput.Unsupported(),
};
