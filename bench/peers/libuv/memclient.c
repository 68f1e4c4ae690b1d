/* The memory-at-scale client: opens --conns keep-alive connections to 127.0.0.1:--port, sends one
 * plaintext request on each, reads the response, prints "READY connected=N failed=M" on stdout, then
 * holds every connection open for --hold seconds (the harness reads the server's RSS meanwhile).
 *   usage: memclient --port P [--conns N] [--hold S] */
#include "peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Connects in flight at once: stays under the servers' listen backlogs (511 for Node and Kestrel). */
#define MAX_PENDING_CONNECTS 256
#define PLAINTEXT_BODY_LEN 13 /* "Hello, World!" */

static const char REQUEST[] = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  uv_write_t write_req;
  int header_matched; /* bytes of "\r\n\r\n" matched so far */
  int body_left;      /* body bytes still expected once the header ended; -1 before */
} client_t;

static uv_loop_t* loop;
static struct sockaddr_in target;
static client_t* clients;
static int conns, started, pending, connected, failed;
static uv_timer_t hold_timer;
static int hold_seconds = 30;
static char read_buffer[65536];

static void connect_more(void);

static void close_all(uv_timer_t* timer) {
  int i;

  (void) timer;
  peer_progress("memclient: closing %d connection(s)", connected);
  for (i = 0; i < started; i++)
    if (!uv_is_closing((uv_handle_t*) &clients[i].tcp))
      uv_close((uv_handle_t*) &clients[i].tcp, NULL);
  uv_close((uv_handle_t*) &hold_timer, NULL);
}

static void settle(int ok) {
  if (ok)
    connected++;
  else
    failed++;
  if ((connected + failed) % 1000 == 0)
    peer_progress("memclient: %d connected, %d failed", connected, failed);
  if (connected + failed == conns) {
    printf("READY connected=%d failed=%d\n", connected, failed);
    fflush(stdout);
    peer_check(uv_timer_start(&hold_timer, close_all, (uint64_t) hold_seconds * 1000, 0), "uv_timer_start");
  }
}

static void alloc_shared(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  (void) handle;
  (void) size;
  *buf = uv_buf_init(read_buffer, sizeof read_buffer);
}

/* Returns 1 once the whole response (header and 13-byte body) has arrived. */
static int consume_response(client_t* c, const char* data, ssize_t len) {
  static const char END[] = "\r\n\r\n";
  ssize_t i;

  for (i = 0; i < len && c->body_left < 0; i++) {
    if (data[i] == END[c->header_matched])
      c->header_matched++;
    else
      c->header_matched = data[i] == '\r' ? 1 : 0;
    if (c->header_matched == 4)
      c->body_left = PLAINTEXT_BODY_LEN;
  }
  if (c->body_left > 0)
    c->body_left -= (int) (len - i < c->body_left ? len - i : c->body_left);
  return c->body_left == 0;
}

static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  client_t* c = stream->data;

  if (nread < 0) {
    if (c->body_left != 0)
      settle(0); /* closed before its response: counts as failed */
    uv_close((uv_handle_t*) stream, NULL);
    return;
  }
  if (c->body_left != 0 && consume_response(c, buf->base, nread)) {
    c->body_left = 0;
    settle(1);
  }
}

static void on_written(uv_write_t* req, int status) {
  (void) req;
  (void) status; /* a failed write shows up as a read error */
}

static void on_connect(uv_connect_t* req, int status) {
  client_t* c = req->handle->data;
  uv_buf_t buf = uv_buf_init((char*) REQUEST, sizeof REQUEST - 1);

  pending--;
  connect_more();
  if (status < 0) {
    c->body_left = 0;
    settle(0);
    uv_close((uv_handle_t*) &c->tcp, NULL);
    return;
  }
  peer_check(uv_write(&c->write_req, (uv_stream_t*) &c->tcp, &buf, 1, on_written), "uv_write");
  peer_check(uv_read_start((uv_stream_t*) &c->tcp, alloc_shared, on_read), "uv_read_start");
}

static void connect_more(void) {
  while (started < conns && pending < MAX_PENDING_CONNECTS) {
    client_t* c = &clients[started++];

    c->body_left = -1;
    c->tcp.data = c;
    peer_check(uv_tcp_init(loop, &c->tcp), "uv_tcp_init");
    peer_check(uv_tcp_connect(&c->connect_req, &c->tcp, (const struct sockaddr*) &target, on_connect),
               "uv_tcp_connect");
    pending++;
  }
}

int main(int argc, char** argv) {
  int port = 0, i;

  conns = 10000;
  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--port") == 0)
      port = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--conns") == 0)
      conns = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--hold") == 0)
      hold_seconds = atoi(argv[i + 1]);
  }
  if (port <= 0 || conns < 1 || hold_seconds < 1 || i != argc) {
    fprintf(stderr, "usage: %s --port P [--conns N] [--hold S]\n", argv[0]);
    return 2;
  }
  loop = uv_default_loop();
  clients = calloc(conns, sizeof *clients);
  peer_check(uv_ip4_addr("127.0.0.1", port, &target), "uv_ip4_addr");
  peer_check(uv_timer_init(loop, &hold_timer), "uv_timer_init");
  peer_progress("memclient: opening %d connection(s) to 127.0.0.1:%d", conns, port);
  connect_more();
  uv_run(loop, UV_RUN_DEFAULT);
  free(clients);
  return 0;
}
