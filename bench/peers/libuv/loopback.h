/* Client and server on one loop over 127.0.0.1: how the ping-pong and pump peers stay in one process. */
#ifndef BENCH_LOOPBACK_H
#define BENCH_LOOPBACK_H

#include <uv.h>

/* Listens on 127.0.0.1 with a port the kernel picks; returns that port. */
int loopback_listen(uv_loop_t* loop, uv_tcp_t* server, uv_connection_cb on_connection);

/* Accepts the pending connection into a new heap-allocated handle (freed when loopback_close_all closes it). */
uv_tcp_t* loopback_accept(uv_stream_t* server);

/* Starts connecting client to 127.0.0.1:port; req must live until on_connect runs. */
void loopback_connect(uv_loop_t* loop, uv_tcp_t* client, uv_connect_t* req, int port,
                      uv_connect_cb on_connect);

/* Closes a handle unless it is already closing (a peer may have closed it on EOF already). */
void loopback_close(uv_handle_t* handle);

/* Closes every handle on the loop, as libuv's tests do at their end, freeing the accepted ones:
 * the workload's stop, after which uv_run returns. */
void loopback_close_all(uv_loop_t* loop);

#endif
