/* The CLI contract every reactor peer follows (see bench/README.md):
 *   <peer> <workload> [--conns N] [--seconds S] [--count N] [--size B]
 * progress on stderr, exactly one "RESULT key=value ..." line on stdout. */
#ifndef BENCH_PEER_H
#define BENCH_PEER_H

#include <uv.h>

typedef struct {
  const char* workload;
  int conns;
  int seconds;
  long count;
  int size; /* bytes per datagram (udp-echo) */
} peer_args_t;

/* Fills args from argv; on a usage error prints it and exits with status 2. */
void peer_parse_args(int argc, char** argv, peer_args_t* args);

/* Prints "RESULT <fields>" on stdout: the one line the harness reads. */
void peer_result(const char* format, ...) __attribute__((format(printf, 1, 2)));

/* Prints the line the harness takes as "this peer does not do this workload". */
void peer_unsupported(void);

/* Progress for the human watching the run; stderr only. */
void peer_progress(const char* format, ...) __attribute__((format(printf, 1, 2)));

/* Peak resident set size (VmHWM), in KiB. */
long peer_peak_rss_kb(void);

/* User + system CPU time of this process so far, in milliseconds. */
double peer_cpu_ms(void);

/* Aborts with a message when a libuv call fails: a benchmark that hit an error measures nothing. */
void peer_check(int status, const char* what);

#endif
