# The UDP suite: an echo of datagrams (after libuv's benchmark-ping-udp), each peer one process pinned to one core,
# run as the reactor suite runs its workloads (run_reactor_once), with the peers that have UDP.

# Workload name in the report -> the peer's arguments: 16 clients, one datagram in flight each (loopback never
# drops one), 64 B (a DNS query, a StatsD line) or 1,200 B (a QUIC packet under the common 1,280 B path MTU).
UDP_WORKLOADS=(udp-echo-64 udp-echo-1200)

udp_arguments() {
  case $1 in
    udp-echo-64) echo "udp-echo --conns 16 --size 64 --seconds $REACTOR_SECONDS" ;;
    udp-echo-1200) echo "udp-echo --conns 16 --size 1200 --seconds $REACTOR_SECONDS" ;;
  esac
}

run_udp_suite() {
  begin_suite udp
  say "== udp: ${UDP_WORKLOADS[*]} (one process per run, pinned to CPU $SERVER_CPU)"
  interleave run_reactor_once "${UDP_WORKLOADS[@]}" -- "${UDP_PEERS[@]}"
}
