/* Pump, after libuv's test/benchmark-pump.c, with both ends on one loop: one side writes 64 KiB chunks
 * (one write in flight per connection, the next started from the write callback, as libuv's benchmark
 * does), the other side reads and counts. pump-up: the clients write; pump-down: the server writes. */
#include "workloads.h"

#include "loopback.h"
#include "peer.h"

#include <stdlib.h>
#include <string.h>

/* The chunk size; also libuv's suggested read size, so one read can take one chunk. */
#define CHUNK_SIZE 65536

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
} client_t;

static uv_tcp_t server;
static uv_timer_t stop_timer;
static client_t* clients;
static uv_tcp_t** accepted;
static int conns, accepted_count, connected_count;
static int clients_write; /* 1 for pump-up, 0 for pump-down */
static int stopping;
static char chunk[CHUNK_SIZE];
static char sink_buffer[CHUNK_SIZE];
static int64_t received;
static uint64_t first_byte_ns, stop_ns;

static void write_chunk(uv_stream_t* stream);

static void chunk_written(uv_write_t* req, int status) {
  uv_stream_t* stream = req->handle;

  free(req);
  if (status == 0 && !stopping)
    write_chunk(stream);
}

static void write_chunk(uv_stream_t* stream) {
  uv_write_t* req = malloc(sizeof *req);
  uv_buf_t buf = uv_buf_init(chunk, sizeof chunk);

  peer_check(uv_write(req, stream, &buf, 1, chunk_written), "uv_write");
}

static void sink_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  (void) handle;
  (void) size;
  /* Safe to share: the bytes are only counted. */
  *buf = uv_buf_init(sink_buffer, sizeof sink_buffer);
}

static void sink_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  (void) buf;
  if (nread < 0) {
    loopback_close((uv_handle_t*) stream);
    return;
  }
  if (received == 0 && nread > 0)
    first_byte_ns = uv_hrtime();
  received += nread;
}

/* Both ends exist once every client connected and every connection was accepted. */
static void start_when_all_connected(void) {
  int i;

  if (connected_count < conns || accepted_count < conns)
    return;
  peer_progress("pump: %d connection(s), %s", conns, clients_write ? "clients write" : "server writes");
  for (i = 0; i < conns; i++) {
    uv_stream_t* client = (uv_stream_t*) &clients[i].tcp;
    uv_stream_t* conn = (uv_stream_t*) accepted[i];
    uv_stream_t* writer = clients_write ? client : conn;
    uv_stream_t* sink = clients_write ? conn : client;

    peer_check(uv_read_start(sink, sink_alloc, sink_read), "uv_read_start");
    write_chunk(writer);
  }
}

static void on_connection(uv_stream_t* listener, int status) {
  peer_check(status, "connection");
  accepted[accepted_count++] = loopback_accept(listener);
  start_when_all_connected();
}

static void client_connected(uv_connect_t* req, int status) {
  (void) req;
  peer_check(status, "connect");
  connected_count++;
  start_when_all_connected();
}

static void stop(uv_timer_t* timer) {
  stopping = 1;
  stop_ns = uv_hrtime();
  loopback_close_all(timer->loop);
}

int run_pump(const peer_args_t* args, int up) {
  uv_loop_t* loop = uv_default_loop();
  int port, i;

  conns = args->conns;
  clients_write = up;
  memset(chunk, 'x', sizeof chunk);
  clients = calloc(conns, sizeof *clients);
  accepted = calloc(conns, sizeof *accepted);
  port = loopback_listen(loop, &server, on_connection);
  for (i = 0; i < conns; i++)
    loopback_connect(loop, &clients[i].tcp, &clients[i].connect_req, port, client_connected);
  peer_check(uv_timer_init(loop, &stop_timer), "uv_timer_init");
  peer_check(uv_timer_start(&stop_timer, stop, (uint64_t) args->seconds * 1000, 0), "uv_timer_start");
  uv_run(loop, UV_RUN_DEFAULT);

  /* Measured from the first byte the sink saw to the stop timer. */
  peer_result("bytes_per_sec=%.0f conns=%d",
              received > 0 ? received / ((stop_ns - first_byte_ns) / 1e9) : 0.0, conns);
  free(clients);
  free(accepted);
  return 0;
}
