#include "peer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Defaults shared by every peer: libuv's ping-pong runs 5 s, and the issue asks for a million timers. */
#define DEFAULT_CONNS 1
#define DEFAULT_SECONDS 5
#define DEFAULT_COUNT 1000000L
/* udp-echo's datagram: 64 B, a small message (DNS, StatsD); --size up to a full 64 KiB datagram. */
#define DEFAULT_SIZE 64
#define MAX_SIZE 65507

static void usage(const char* program) {
  fprintf(stderr,
          "usage: %s <pingpong|pump-up|pump-down|timers|loopcount|udp-echo> "
          "[--conns N] [--seconds S] [--count N] [--size B]\n",
          program);
  exit(2);
}

void peer_parse_args(int argc, char** argv, peer_args_t* args) {
  int i;

  args->workload = NULL;
  args->conns = DEFAULT_CONNS;
  args->seconds = DEFAULT_SECONDS;
  args->count = DEFAULT_COUNT;
  args->size = DEFAULT_SIZE;
  for (i = 1; i < argc; i++) {
    if (argv[i][0] != '-' && args->workload == NULL)
      args->workload = argv[i];
    else if (i + 1 < argc && strcmp(argv[i], "--conns") == 0)
      args->conns = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0)
      args->seconds = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--count") == 0)
      args->count = atol(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--size") == 0)
      args->size = atoi(argv[++i]);
    else
      usage(argv[0]);
  }
  if (args->workload == NULL || args->conns < 1 || args->seconds < 1 || args->count < 1 ||
      args->size < 1 || args->size > MAX_SIZE)
    usage(argv[0]);
}

void peer_result(const char* format, ...) {
  va_list ap;

  fputs("RESULT ", stdout);
  va_start(ap, format);
  vfprintf(stdout, format, ap);
  va_end(ap);
  fputc('\n', stdout);
  fflush(stdout);
}

void peer_unsupported(void) {
  puts("UNSUPPORTED");
  fflush(stdout);
}

void peer_progress(const char* format, ...) {
  va_list ap;

  va_start(ap, format);
  vfprintf(stderr, format, ap);
  va_end(ap);
  fputc('\n', stderr);
}

long peer_peak_rss_kb(void) {
  struct rusage usage;

  /* On Linux ru_maxrss is VmHWM, already in KiB. */
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double peer_cpu_ms(void) {
  struct rusage usage;

  getrusage(RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

void peer_check(int status, const char* what) {
  if (status < 0) {
    fprintf(stderr, "%s: %s\n", what, uv_strerror(status));
    exit(1);
  }
}
