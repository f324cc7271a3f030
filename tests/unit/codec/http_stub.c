/*
 * The Schema Registry stub of http_stub.h: a poll loop on the listening
 * socket and a stop pipe, one connection served at a time.
 */
#include "http_stub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Setup failures abort: the stub serves Check tests (whose fork mode reports
 * the abort) and the e2e registry stand-in, which runs outside Check. */
#define STUB_NEED(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "http_stub: %s failed at %s:%d\n", #cond, __FILE__, __LINE__);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define STUB_HEAD_MAX 8192
/* How long the stub waits for a request head, or for the client to hang up
 * after the answer, before giving up on the connection. */
#define STUB_IO_TIMEOUT_MS 5000
#define STUB_ROUTES_MAX 16

struct http_stub {
    const struct http_stub_route *routes;
    size_t route_count;
    int listen_fd;
    int stop_pipe[2];
    pthread_t thread;
    char url[64];
    pthread_mutex_t lock; /* guards the counters and last_head */
    int counts[STUB_ROUTES_MAX];
    int total;
    char last_head[STUB_HEAD_MAX + 1];
};

static const struct http_stub_reply unknown_path = {
    .status = 404, .body = "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}"};

/* Waits until fd has input or the stub is stopped; false on stop or timeout. */
static bool wait_input(struct http_stub *stub, int fd, long timeout_ms)
{
    struct pollfd fds[2] = {{fd, POLLIN, 0}, {stub->stop_pipe[0], POLLIN, 0}};
    for (;;) {
        int n = poll(fds, 2, (int)timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        return n > 0 && !fds[1].revents;
    }
}

/* Reads up to the blank line that ends a request head; false if the client
 * sent none. */
static bool read_head(struct http_stub *stub, int fd, char *head, size_t size)
{
    size_t len = 0;
    head[0] = '\0';
    while (!strstr(head, "\r\n\r\n")) {
        if (len + 1 >= size || !wait_input(stub, fd, STUB_IO_TIMEOUT_MS))
            return false;
        ssize_t n = recv(fd, head + len, size - 1 - len, 0);
        if (n <= 0)
            return false;
        len += (size_t)n;
        head[len] = '\0';
    }
    return true;
}

/* Picks the reply for the path of the request line and counts the request. */
static const struct http_stub_reply *route(struct http_stub *stub, const char *head)
{
    const struct http_stub_reply *reply = &unknown_path;
    const char *path = strchr(head, ' ');
    const char *end = path ? strchr(path + 1, ' ') : NULL;
    pthread_mutex_lock(&stub->lock);
    stub->total++;
    snprintf(stub->last_head, sizeof(stub->last_head), "%s", head);
    for (size_t i = 0; end && i < stub->route_count; i++) {
        const struct http_stub_route *r = &stub->routes[i];
        size_t len = (size_t)(end - path - 1);
        if (strlen(r->path) == len && strncmp(r->path, path + 1, len) == 0) {
            size_t n = (size_t)stub->counts[i]++;
            reply = &r->replies[n < r->count ? n : r->count - 1];
            break;
        }
    }
    pthread_mutex_unlock(&stub->lock);
    return reply;
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        /* The client may have hung up (a body over its cap): no SIGPIPE. */
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

static void serve_one(struct http_stub *stub, int fd)
{
    char head[STUB_HEAD_MAX + 1];
    char out[256];
    if (!read_head(stub, fd, head, sizeof(head)))
        return;
    const struct http_stub_reply *reply = route(stub, head);
    /* Input before the delay ends can only be the client's hang-up. */
    if (reply->delay_ms > 0 && wait_input(stub, fd, reply->delay_ms))
        return;
    const char *body = reply->body ? reply->body : "";
    size_t len = strlen(body);
    int n = snprintf(out, sizeof(out), "HTTP/1.1 %d Stub\r\nContent-Type: application/json\r\n",
                     reply->status);
    if (!reply->no_length)
        n += snprintf(out + n, sizeof(out) - (size_t)n, "Content-Length: %zu\r\n",
                      reply->announce ? reply->announce : len);
    snprintf(out + n, sizeof(out) - (size_t)n, "Connection: close\r\n\r\n");
    send_all(fd, out, strlen(out));
    send_all(fd, body, len);
    /* Half-close, then wait for the client to hang up, so the answer is not
     * cut short by a reset. */
    shutdown(fd, SHUT_WR);
    while (wait_input(stub, fd, STUB_IO_TIMEOUT_MS) && recv(fd, head, sizeof(head), 0) > 0)
        continue;
}

static void *serve(void *arg)
{
    struct http_stub *stub = arg;
    while (wait_input(stub, stub->listen_fd, -1)) {
        int fd = accept(stub->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        serve_one(stub, fd);
        close(fd);
    }
    return NULL;
}

/* A socket bound to an ephemeral loopback port; *port receives the port. */
static int bind_loopback(unsigned short *port)
{
    struct sockaddr_in addr = {0};
    socklen_t len = sizeof(addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    STUB_NEED(fd >= 0);
    STUB_NEED(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    STUB_NEED(getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

struct http_stub *http_stub_start(const struct http_stub_route *routes, size_t count)
{
    unsigned short port;
    STUB_NEED(count <= STUB_ROUTES_MAX);
    for (size_t i = 0; i < count; i++)
        STUB_NEED(routes[i].count >= 1);
    struct http_stub *stub = calloc(1, sizeof(*stub));
    STUB_NEED(stub != NULL);
    stub->routes = routes;
    stub->route_count = count;
    stub->listen_fd = bind_loopback(&port);
    STUB_NEED(listen(stub->listen_fd, 16) == 0);
    snprintf(stub->url, sizeof(stub->url), "http://127.0.0.1:%u", port);
    STUB_NEED(pipe(stub->stop_pipe) == 0);
    STUB_NEED(pthread_mutex_init(&stub->lock, NULL) == 0);
    STUB_NEED(pthread_create(&stub->thread, NULL, serve, stub) == 0);
    return stub;
}

void http_stub_stop(struct http_stub *stub)
{
    if (!stub)
        return;
    STUB_NEED(write(stub->stop_pipe[1], "x", 1) == 1);
    pthread_join(stub->thread, NULL);
    close(stub->listen_fd);
    close(stub->stop_pipe[0]);
    close(stub->stop_pipe[1]);
    pthread_mutex_destroy(&stub->lock);
    free(stub);
}

const char *http_stub_url(const struct http_stub *stub)
{
    return stub->url;
}

int http_stub_requests(struct http_stub *stub, const char *path)
{
    int n = 0;
    pthread_mutex_lock(&stub->lock);
    if (!path)
        n = stub->total;
    for (size_t i = 0; path && i < stub->route_count; i++) {
        if (strcmp(stub->routes[i].path, path) == 0)
            n = stub->counts[i];
    }
    pthread_mutex_unlock(&stub->lock);
    return n;
}

void http_stub_last_head(struct http_stub *stub, char *buf, size_t size)
{
    pthread_mutex_lock(&stub->lock);
    snprintf(buf, size, "%s", stub->last_head);
    pthread_mutex_unlock(&stub->lock);
}

void http_stub_unused_url(char *buf, size_t size)
{
    unsigned short port;
    int fd = bind_loopback(&port);
    /* Bound but not listening, then closed: connecting is refused at once. */
    close(fd);
    snprintf(buf, size, "http://127.0.0.1:%u", port);
}
