/* Million timers, after libuv's test/benchmark-million-timers.c: --count timers, the timeout growing by
 * 1 ms every 1000 timers (so a million span one second); insert time, fire time, CPU and peak RSS. */
#include "workloads.h"

#include "peer.h"

#include <stdlib.h>

/* libuv's benchmark: the timeout grows by 1 ms every this many timers. */
#define TIMERS_PER_MS 1000

static long fired;

static void timer_fired(uv_timer_t* handle) {
  (void) handle;
  fired++;
}

int run_timers(const peer_args_t* args) {
  uv_loop_t* loop = uv_default_loop();
  uv_timer_t* timers = malloc(args->count * sizeof *timers);
  uint64_t before_insert, before_run, after_run;
  double cpu_before, cpu_after;
  uint64_t timeout = 0;
  long i;

  peer_progress("timers: %ld timers", args->count);
  cpu_before = peer_cpu_ms();
  before_insert = uv_hrtime();
  for (i = 0; i < args->count; i++) {
    if (i % TIMERS_PER_MS == 0)
      timeout++;
    peer_check(uv_timer_init(loop, timers + i), "uv_timer_init");
    peer_check(uv_timer_start(timers + i, timer_fired, timeout, 0), "uv_timer_start");
  }
  before_run = uv_hrtime();
  uv_run(loop, UV_RUN_DEFAULT);
  after_run = uv_hrtime();
  cpu_after = peer_cpu_ms();

  if (fired != args->count) {
    peer_progress("timers: %ld of %ld fired", fired, args->count);
    return 1;
  }
  for (i = 0; i < args->count; i++)
    uv_close((uv_handle_t*) (timers + i), NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  free(timers);
  peer_result("insert_ms=%.1f fire_ms=%.1f cpu_ms=%.1f peak_rss_kb=%ld",
              (before_run - before_insert) / 1e6, (after_run - before_run) / 1e6,
              cpu_after - cpu_before, peer_peak_rss_kb());
  return 0;
}
