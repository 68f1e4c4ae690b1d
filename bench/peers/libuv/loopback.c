#include "loopback.h"

#include "peer.h"

#include <stdlib.h>

/* The data of a handle loopback_accept allocated: closing it frees it. */
static char accepted_tag;

/* Enough for every connection a peer opens at once; the kernel caps it at somaxconn. */
#define LISTEN_BACKLOG 1024

int loopback_listen(uv_loop_t* loop, uv_tcp_t* server, uv_connection_cb on_connection) {
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int namelen = sizeof bound;

  peer_check(uv_ip4_addr("127.0.0.1", 0, &addr), "uv_ip4_addr");
  peer_check(uv_tcp_init(loop, server), "uv_tcp_init");
  peer_check(uv_tcp_bind(server, (const struct sockaddr*) &addr, 0), "uv_tcp_bind");
  peer_check(uv_listen((uv_stream_t*) server, LISTEN_BACKLOG, on_connection), "uv_listen");
  peer_check(uv_tcp_getsockname(server, (struct sockaddr*) &bound, &namelen), "uv_tcp_getsockname");
  return ntohs(((struct sockaddr_in*) &bound)->sin_port);
}

uv_tcp_t* loopback_accept(uv_stream_t* server) {
  uv_tcp_t* conn = malloc(sizeof *conn);

  peer_check(uv_tcp_init(server->loop, conn), "uv_tcp_init");
  peer_check(uv_accept(server, (uv_stream_t*) conn), "uv_accept");
  conn->data = &accepted_tag;
  return conn;
}

void loopback_connect(uv_loop_t* loop, uv_tcp_t* client, uv_connect_t* req, int port,
                      uv_connect_cb on_connect) {
  struct sockaddr_in addr;

  peer_check(uv_ip4_addr("127.0.0.1", port, &addr), "uv_ip4_addr");
  peer_check(uv_tcp_init(loop, client), "uv_tcp_init");
  peer_check(uv_tcp_connect(req, client, (const struct sockaddr*) &addr, on_connect), "uv_tcp_connect");
}

static void free_on_close(uv_handle_t* handle) {
  free(handle);
}

void loopback_close(uv_handle_t* handle) {
  if (!uv_is_closing(handle))
    uv_close(handle, handle->data == &accepted_tag ? free_on_close : NULL);
}

static void close_walked(uv_handle_t* handle, void* arg) {
  (void) arg;
  loopback_close(handle);
}

void loopback_close_all(uv_loop_t* loop) {
  uv_walk(loop, close_walked, NULL);
}
