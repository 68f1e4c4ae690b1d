/* UDP echo, after libuv's test/benchmark-ping-udp.c and benchmark-udp-pummel.c, with the echo server on the same
 * loop: each of --conns client sockets sends one --size byte datagram to the server, which sends it back; the client
 * sends the next when the echo arrives. One datagram in flight per client, so loopback never drops one. Sends are
 * tried at once (uv_udp_try_send), as libuv's own uv_udp_send does when nothing is queued. */
#include "workloads.h"

#include "peer.h"

#include <stdlib.h>
#include <string.h>

/* The largest datagram: libuv suggests 64 KiB to a UDP alloc callback. */
#define RECV_BUFFER_SIZE 65536

typedef struct {
  uv_udp_t udp;
  long echoes;
} client_t;

static uv_udp_t server;
static uv_timer_t stop_timer;
static client_t* clients;
static int conns;
static int stopping;
static uint64_t start_ns, stop_ns;
static double start_cpu_ms, stop_cpu_ms;
static char recv_buffer[RECV_BUFFER_SIZE];
static char* payload;
static size_t payload_size;
static struct sockaddr_in server_addr;

static void alloc_cb(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  (void) handle;
  (void) size;
  /* Safe to share: a receive callback sends its bytes (or copies them) before returning. */
  *buf = uv_buf_init(recv_buffer, sizeof recv_buffer);
}

static void sent_copy(uv_udp_send_t* req, int status) {
  (void) status; /* ECANCELED when the stop closed the socket first */
  free(req);
}

/* Sends one datagram now, or queues a copy when the socket is full. */
static void send_datagram(uv_udp_t* udp, const char* data, size_t len, const struct sockaddr* to) {
  uv_buf_t buf = uv_buf_init((char*) data, (unsigned) len);
  uv_udp_send_t* req;
  int r = uv_udp_try_send(udp, &buf, 1, to);

  if (r >= 0)
    return;
  if (r != UV_EAGAIN)
    peer_check(r, "uv_udp_try_send");
  req = malloc(sizeof *req + len);
  memcpy(req + 1, data, len);
  buf = uv_buf_init((char*) (req + 1), (unsigned) len);
  peer_check(uv_udp_send(req, udp, &buf, 1, to, sent_copy), "uv_udp_send");
}

static void server_recv(uv_udp_t* udp, ssize_t nread, const uv_buf_t* buf, const struct sockaddr* addr, unsigned flags) {
  (void) flags;
  if (nread < 0)
    peer_check((int) nread, "recv (server)");
  if (addr == NULL)
    return; /* nothing more to read now */
  send_datagram(udp, buf->base, (size_t) nread, addr);
}

static void client_recv(uv_udp_t* udp, ssize_t nread, const uv_buf_t* buf, const struct sockaddr* addr, unsigned flags) {
  client_t* c = udp->data;

  (void) buf;
  (void) flags;
  if (nread < 0)
    peer_check((int) nread, "recv (client)");
  if (addr == NULL)
    return;
  c->echoes++;
  if (!stopping)
    send_datagram(udp, payload, payload_size, (const struct sockaddr*) &server_addr);
}

static void close_walk(uv_handle_t* handle, void* arg) {
  (void) arg;
  if (!uv_is_closing(handle))
    uv_close(handle, NULL);
}

static void stop(uv_timer_t* timer) {
  stopping = 1;
  stop_ns = uv_hrtime();
  stop_cpu_ms = peer_cpu_ms();
  uv_walk(timer->loop, close_walk, NULL);
}

static void bind_loopback(uv_loop_t* loop, uv_udp_t* udp, uv_udp_recv_cb recv) {
  struct sockaddr_in addr;

  peer_check(uv_udp_init(loop, udp), "uv_udp_init");
  peer_check(uv_ip4_addr("127.0.0.1", 0, &addr), "uv_ip4_addr");
  peer_check(uv_udp_bind(udp, (const struct sockaddr*) &addr, 0), "uv_udp_bind");
  peer_check(uv_udp_recv_start(udp, alloc_cb, recv), "uv_udp_recv_start");
}

int run_udp_echo(const peer_args_t* args) {
  uv_loop_t* loop = uv_default_loop();
  long echoes = 0;
  int namelen = sizeof server_addr, i;

  conns = args->conns;
  payload_size = (size_t) args->size;
  payload = calloc(1, payload_size);
  clients = calloc(conns, sizeof *clients);
  bind_loopback(loop, &server, server_recv);
  peer_check(uv_udp_getsockname(&server, (struct sockaddr*) &server_addr, &namelen), "uv_udp_getsockname");
  peer_progress("udp-echo: %d client(s), %zu B datagrams, for %d s on one loop", conns, payload_size, args->seconds);

  start_ns = uv_hrtime();
  start_cpu_ms = peer_cpu_ms();
  for (i = 0; i < conns; i++) {
    clients[i].udp.data = &clients[i];
    bind_loopback(loop, &clients[i].udp, client_recv);
    send_datagram(&clients[i].udp, payload, payload_size, (const struct sockaddr*) &server_addr);
  }
  peer_check(uv_timer_init(loop, &stop_timer), "uv_timer_init");
  peer_check(uv_timer_start(&stop_timer, stop, (uint64_t) args->seconds * 1000, 0), "uv_timer_start");
  uv_run(loop, UV_RUN_DEFAULT);

  /* The stop timer ends the measurement; what ran after it (closing) is not counted, nor what ran before the start
   * (cpu_ms: the process's CPU time over the same window). */
  for (i = 0; i < conns; i++)
    echoes += clients[i].echoes;
  peer_result("datagrams_per_sec=%.0f conns=%d size=%zu cpu_ms=%.1f", echoes / ((stop_ns - start_ns) / 1e9), conns, payload_size,
              stop_cpu_ms - start_cpu_ms);
  free(clients);
  free(payload);
  return 0;
}
