/* The HTTP ceiling: a libuv server that answers each read with as many canned plaintext responses as
 * the read holds requests, found by counting "\r\n\r\n" (no parsing). It bounds what any real server
 * can reach on this machine; with --body N each response carries N bytes of 'x' in place of
 * "Hello, World!" (the proxy suite's 1 KiB and 100 KiB workloads).   usage: http-ceiling --port P [--body N] */
#include "peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* wrk's pipelining script sends 16 requests at once: one write covers a whole batch in one buffer. */
#define RESPONSES_PER_BLOCK 16
#define READ_BUFFER_SIZE 65536
#define LISTEN_BACKLOG 4096

#define MAX_BODY (16 * 1024 * 1024)

/* "Date: " + an IMF-fixdate is always 29 characters; the value is refreshed once a second, as Kestrel does. */
#define HEAD_FORMAT                                                                             \
  "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nContent-Type: text/plain\r\nServer: libuv\r\n" \
  "Date: %s\r\n\r\n"

typedef struct {
  uv_tcp_t tcp;
  int matched; /* bytes of "\r\n\r\n" matched at the end of the previous read */
} conn_t;

static uv_tcp_t server;
static uv_timer_t date_timer;
static const char* body = "Hello, World!";
static size_t body_len = 13;
static char* block; /* RESPONSES_PER_BLOCK responses back to back */
static size_t response_len;
static char read_buffer[READ_BUFFER_SIZE];

static void refresh_block(uv_timer_t* timer) {
  char date[64];
  char head[256];
  size_t head_len;
  time_t now = time(NULL);
  struct tm tm;
  int i;

  (void) timer;
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  head_len = (size_t) snprintf(head, sizeof head, HEAD_FORMAT, body_len, date);
  response_len = head_len + body_len;
  if (block == NULL)
    block = malloc(RESPONSES_PER_BLOCK * response_len);
  for (i = 0; i < RESPONSES_PER_BLOCK; i++) {
    memcpy(block + i * response_len, head, head_len);
    memcpy(block + i * response_len + head_len, body, body_len);
  }
}

/* Counts request ends in data, carrying a partial "\r\n\r\n" over from the previous read. */
static int count_requests(conn_t* conn, const char* data, ssize_t len) {
  static const char END[] = "\r\n\r\n";
  int count = 0;
  ssize_t i;

  for (i = 0; i < len; i++) {
    if (data[i] == END[conn->matched])
      conn->matched++;
    else
      conn->matched = data[i] == '\r' ? 1 : 0;
    if (conn->matched == 4) {
      count++;
      conn->matched = 0;
    }
  }
  return count;
}

static void write_done(uv_write_t* req, int status) {
  (void) status;
  free(req);
}

static void respond(conn_t* conn, int count) {
  uv_buf_t bufs[64];

  /* The block is static and only rewritten by the date timer with bytes of the same length. */
  while (count > 0) {
    int nbufs = 0;
    while (count > 0 && nbufs < (int) (sizeof bufs / sizeof bufs[0])) {
      int n = count < RESPONSES_PER_BLOCK ? count : RESPONSES_PER_BLOCK;
      bufs[nbufs++] = uv_buf_init(block, (unsigned) (n * response_len));
      count -= n;
    }
    peer_check(uv_write(malloc(sizeof(uv_write_t)), (uv_stream_t*) &conn->tcp, bufs, nbufs, write_done),
               "uv_write");
  }
}

static void alloc_shared(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  (void) handle;
  (void) size;
  /* One buffer for all connections: an idle connection holds no read buffer. */
  *buf = uv_buf_init(read_buffer, sizeof read_buffer);
}

static void close_free(uv_handle_t* handle) {
  free(handle);
}

static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  conn_t* conn = (conn_t*) stream;
  int count;

  if (nread < 0) {
    uv_close((uv_handle_t*) stream, close_free);
    return;
  }
  count = count_requests(conn, buf->base, nread);
  if (count > 0)
    respond(conn, count);
}

static void on_connection(uv_stream_t* listener, int status) {
  conn_t* conn;

  if (status < 0)
    return;
  conn = calloc(1, sizeof *conn);
  peer_check(uv_tcp_init(listener->loop, &conn->tcp), "uv_tcp_init");
  if (uv_accept(listener, (uv_stream_t*) &conn->tcp) < 0) {
    uv_close((uv_handle_t*) &conn->tcp, close_free);
    return;
  }
  uv_tcp_nodelay(&conn->tcp, 1);
  peer_check(uv_read_start((uv_stream_t*) &conn->tcp, alloc_shared, on_read), "uv_read_start");
}

int main(int argc, char** argv) {
  uv_loop_t* loop = uv_default_loop();
  struct sockaddr_in addr;
  int port = 0;
  long body_arg = -1;
  char* filled;

  if ((argc == 3 || argc == 5) && strcmp(argv[1], "--port") == 0)
    port = atoi(argv[2]);
  if (argc == 5 && strcmp(argv[3], "--body") == 0)
    body_arg = atol(argv[4]);
  if (port <= 0 || (argc == 5 && (body_arg < 0 || body_arg > MAX_BODY))) {
    fprintf(stderr, "usage: %s --port P [--body BYTES]\n", argv[0]);
    return 2;
  }
  if (body_arg >= 0) {
    body_len = (size_t) body_arg;
    filled = malloc(body_len + 1);
    memset(filled, 'x', body_len);
    body = filled;
  }
  refresh_block(NULL);
  peer_check(uv_timer_init(loop, &date_timer), "uv_timer_init");
  peer_check(uv_timer_start(&date_timer, refresh_block, 1000, 1000), "uv_timer_start");
  peer_check(uv_ip4_addr("127.0.0.1", port, &addr), "uv_ip4_addr");
  peer_check(uv_tcp_init(loop, &server), "uv_tcp_init");
  peer_check(uv_tcp_bind(&server, (const struct sockaddr*) &addr, 0), "uv_tcp_bind");
  peer_check(uv_listen((uv_stream_t*) &server, LISTEN_BACKLOG, on_connection), "uv_listen");
  peer_progress("http-ceiling: listening on 127.0.0.1:%d", port);
  return uv_run(loop, UV_RUN_DEFAULT);
}
