/* Ping-pong, after libuv's test/benchmark-ping-pongs.c, with the echo server on the same loop:
 * each of --conns clients writes "PING\n", waits for the echo, and writes again, for --seconds. */
#include "workloads.h"

#include "loopback.h"
#include "peer.h"

#include <stdlib.h>

static const char PING[] = "PING\n";
#define PING_LEN (sizeof PING - 1)

/* libuv suggests 64 KiB per read; echo buffers are recycled through a free list, as libuv's benchmark does. */
#define ECHO_BUFFER_SIZE 65536

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  size_t state; /* bytes of "PING\n" matched so far */
  long pongs;
} pinger_t;

typedef struct echo_buf_s {
  uv_write_t req;
  struct echo_buf_s* next;
  char data[ECHO_BUFFER_SIZE];
} echo_buf_t;

static uv_tcp_t server;
static uv_timer_t stop_timer;
static pinger_t* pingers;
static int conns;
static int stopping;
static uint64_t start_ns, stop_ns;
static echo_buf_t* echo_free;
static char pinger_read_buffer[ECHO_BUFFER_SIZE];

static void echo_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  echo_buf_t* b = echo_free;

  (void) handle;
  (void) size;
  if (b != NULL)
    echo_free = b->next;
  else
    b = malloc(sizeof *b);
  *buf = uv_buf_init(b->data, sizeof b->data);
}

static echo_buf_t* echo_buf_of(char* data) {
  return (echo_buf_t*) (data - offsetof(echo_buf_t, data));
}

static void echo_release(echo_buf_t* b) {
  b->next = echo_free;
  echo_free = b;
}

static void echo_written(uv_write_t* req, int status) {
  (void) status; /* ECANCELED when the stop closed the connection first */
  echo_release((echo_buf_t*) req);
}

static void echo_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  echo_buf_t* b = buf->base ? echo_buf_of(buf->base) : NULL;
  uv_buf_t out;

  if (nread <= 0) {
    if (b != NULL)
      echo_release(b);
    if (nread < 0)
      loopback_close((uv_handle_t*) stream);
    return;
  }
  out = uv_buf_init(b->data, (unsigned) nread);
  peer_check(uv_write(&b->req, stream, &out, 1, echo_written), "uv_write (echo)");
}

static void on_connection(uv_stream_t* listener, int status) {
  uv_tcp_t* conn;

  peer_check(status, "connection");
  conn = loopback_accept(listener);
  peer_check(uv_read_start((uv_stream_t*) conn, echo_alloc, echo_read), "uv_read_start (echo)");
}

static void ping_written(uv_write_t* req, int status) {
  (void) status;
  free(req);
}

static void write_ping(pinger_t* p) {
  uv_write_t* req = malloc(sizeof *req);
  uv_buf_t buf = uv_buf_init((char*) PING, PING_LEN);

  peer_check(uv_write(req, (uv_stream_t*) &p->tcp, &buf, 1, ping_written), "uv_write (ping)");
}

static void pinger_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  (void) handle;
  (void) size;
  /* Safe to share: a read callback consumes its bytes before returning. */
  *buf = uv_buf_init(pinger_read_buffer, sizeof pinger_read_buffer);
}

static void pinger_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  pinger_t* p = stream->data;
  ssize_t i;

  if (nread < 0) {
    loopback_close((uv_handle_t*) stream);
    return;
  }
  for (i = 0; i < nread; i++) {
    if (buf->base[i] != PING[p->state]) {
      peer_progress("pingpong: unexpected byte in the echo");
      exit(1);
    }
    p->state = (p->state + 1) % PING_LEN;
    if (p->state == 0) {
      p->pongs++;
      if (!stopping)
        write_ping(p);
    }
  }
}

static void pinger_connected(uv_connect_t* req, int status) {
  pinger_t* p = req->handle->data;

  peer_check(status, "connect");
  write_ping(p);
  peer_check(uv_read_start((uv_stream_t*) &p->tcp, pinger_alloc, pinger_read), "uv_read_start (ping)");
}

static void stop(uv_timer_t* timer) {
  stopping = 1;
  stop_ns = uv_hrtime();
  loopback_close_all(timer->loop);
}

int run_pingpong(const peer_args_t* args) {
  uv_loop_t* loop = uv_default_loop();
  long pongs = 0;
  int port, i;

  conns = args->conns;
  pingers = calloc(conns, sizeof *pingers);
  port = loopback_listen(loop, &server, on_connection);
  peer_progress("pingpong: %d connection(s) for %d s on one loop", conns, args->seconds);

  start_ns = uv_hrtime();
  for (i = 0; i < conns; i++) {
    pingers[i].tcp.data = &pingers[i];
    loopback_connect(loop, &pingers[i].tcp, &pingers[i].connect_req, port, pinger_connected);
  }
  peer_check(uv_timer_init(loop, &stop_timer), "uv_timer_init");
  peer_check(uv_timer_start(&stop_timer, stop, (uint64_t) args->seconds * 1000, 0), "uv_timer_start");
  uv_run(loop, UV_RUN_DEFAULT);

  /* The stop timer ends the measurement; what ran after it (closing) is not counted. */
  for (i = 0; i < conns; i++)
    pongs += pingers[i].pongs;
  peer_result("roundtrips_per_sec=%.0f conns=%d", pongs / ((stop_ns - start_ns) / 1e9), conns);
  free(pingers);
  return 0;
}
