// What a read's destination alignment costs: one loopback TCP connection in one thread, 64 KiB sends until the
// socket is full, then 64 KiB reads until it is empty, CPU seconds (user + system) per GB received.
//   gcc -O2 -o /tmp/read-alignment bench/read-alignment.c
//   for i in $(seq 12); do for o in "0 0" "8 0" "16 0" "32 0"; do taskset -c 1 /tmp/read-alignment $o 800; done; done
// Arguments: the read buffer's offset from a page, the send buffer's, MiB to move. Compare the median of the
// per-pair ratios to "0 0" (the machine is shared: single figures mean little). 2026-12-07, 2 vCPUs, kernel 6.18:
// read offset 8 1.86x, 16 1.20x, 32 1.00x; send offset 8 1.03x, 16 1.04x (noise). See Loop.SharedReadBuffer.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static double cpu_seconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s READ_OFFSET SEND_OFFSET MIB\n", argv[0]);
        return 2;
    }
    int read_offset = atoi(argv[1]), send_offset = atoi(argv[2]);
    long total = atol(argv[3]) << 20;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    if (bind(listener, (void *)&address, sizeof address) || listen(listener, 1) ||
        getsockname(listener, (void *)&address, &length)) {
        perror("listen");
        return 1;
    }
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, (void *)&address, sizeof address)) {
        perror("connect");
        return 1;
    }
    int server = accept(listener, NULL, NULL);
    fcntl(client, F_SETFL, O_NONBLOCK);
    fcntl(server, F_SETFL, O_NONBLOCK);
    char *read_buffer = aligned_alloc(4096, 65536 + 4096), *send_buffer = aligned_alloc(4096, 65536 + 4096);
    memset(read_buffer, 0, 65536 + 4096);
    memset(send_buffer, 'x', 65536 + 4096);
    long received = 0;
    double start = cpu_seconds();
    while (received < total) {
        for (;;) {
            ssize_t n = send(server, send_buffer + send_offset, 65536, MSG_NOSIGNAL);
            if (n < 65536)
                break;
        }
        for (;;) {
            ssize_t n = read(client, read_buffer + read_offset, 65536);
            if (n <= 0)
                break;
            received += n;
            if (n < 65536)
                break;
        }
    }
    printf("read_offset=%d send_offset=%d cpu_per_GB=%.4f\n", read_offset, send_offset,
           (cpu_seconds() - start) / (received / 1e9));
    return 0;
}
