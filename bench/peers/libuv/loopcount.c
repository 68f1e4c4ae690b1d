/* Loop count, after libuv's test/benchmark-loop-count.c (loop_count_timed): an idle handle counts
 * iterations until a timer stops it after --seconds. */
#include "workloads.h"

#include "peer.h"

static uv_idle_t idle;
static uv_timer_t stop_timer;
static long ticks;

static void count_tick(uv_idle_t* handle) {
  (void) handle;
  ticks++;
}

static void stop(uv_timer_t* timer) {
  (void) timer;
  uv_close((uv_handle_t*) &idle, NULL);
  uv_close((uv_handle_t*) &stop_timer, NULL);
}

int run_loopcount(const peer_args_t* args) {
  uv_loop_t* loop = uv_default_loop();
  uint64_t start;

  peer_progress("loopcount: %d s", args->seconds);
  peer_check(uv_idle_init(loop, &idle), "uv_idle_init");
  peer_check(uv_idle_start(&idle, count_tick), "uv_idle_start");
  peer_check(uv_timer_init(loop, &stop_timer), "uv_timer_init");
  peer_check(uv_timer_start(&stop_timer, stop, (uint64_t) args->seconds * 1000, 0), "uv_timer_start");
  start = uv_hrtime();
  uv_run(loop, UV_RUN_DEFAULT);
  peer_result("iterations_per_sec=%.0f", ticks / ((uv_hrtime() - start) / 1e9));
  return 0;
}
