/* The reactor workloads of the libuv peer, one file each. */
#ifndef BENCH_WORKLOADS_H
#define BENCH_WORKLOADS_H

#include "peer.h"

int run_pingpong(const peer_args_t* args);
int run_pump(const peer_args_t* args, int up);
int run_timers(const peer_args_t* args);
int run_loopcount(const peer_args_t* args);
int run_udp_echo(const peer_args_t* args);

#endif
