/* The libuv reference peer for the reactor workloads: picks the workload named on the command line. */
#include "workloads.h"

#include <string.h>

int main(int argc, char** argv) {
  peer_args_t args;

  peer_parse_args(argc, argv, &args);
  if (strcmp(args.workload, "pingpong") == 0)
    return run_pingpong(&args);
  if (strcmp(args.workload, "pump-up") == 0)
    return run_pump(&args, 1);
  if (strcmp(args.workload, "pump-down") == 0)
    return run_pump(&args, 0);
  if (strcmp(args.workload, "timers") == 0)
    return run_timers(&args);
  if (strcmp(args.workload, "loopcount") == 0)
    return run_loopcount(&args);
  if (strcmp(args.workload, "udp-echo") == 0)
    return run_udp_echo(&args);
  peer_unsupported();
  return 0;
}
