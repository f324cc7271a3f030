/*
 * c360 http — a small HTTP/1.1 server for what operators poll: metrics and
 * health probes. Built on libmicrohttpd, which answers in a thread of its
 * own (its internal polling thread), so the caller's loop never waits for a
 * client and a slow client never holds up the loop.
 *
 * The caller's handler runs in that thread: it must read only what is safe
 * to read from another thread (the processor's published stats, under
 * their lock), never a Kafka handle or the engine. The server answers GET
 * and HEAD (the body left out); any other method gets 405 without reaching
 * the handler. Owns the daemon and the listening socket; interprets no path
 * itself. Logs only what libmicrohttpd reports going wrong while it serves.
 */
#ifndef C360_HTTP_H
#define C360_HTTP_H

#include "c360/err.h"

#include <stddef.h>

/* Clients served at once, at most; more wait in the listen queue. */
#define C360_HTTP_CONNECTIONS_MAX 16
/* An idle or slow connection is closed after this many seconds. */
#define C360_HTTP_IDLE_TIMEOUT_S 10

/* What the handler answers. */
struct c360_http_reply {
    int status;               /* HTTP status code; the server presets 200 */
    const char *content_type; /* static; NULL: text/plain; charset=utf-8 */
    char *body;               /* new (malloc), stolen by the server; NULL: empty */
    size_t len;
};

struct c360_http_opts {
    const char *bind; /* a numeric IPv4 or IPv6 address ("127.0.0.1", "::") */
    int port;         /* 0: any free port (c360_http_port says which) */
    /* Answers a GET of path (the query string removed) in the server's
     * thread. C360_OK sends *reply; an error sends 500 (reply->body, if
     * set, is freed all the same). */
    enum c360_err (*handle)(void *ctx, const char *path, struct c360_http_reply *reply);
    void *ctx; /* borrowed; must outlive the server */
};

struct c360_http;

/* Binds and starts serving. *out is new (c360_http_destroy). Fails with
 * C360_ERR_INVALID when bind is no numeric address or port is out of range,
 * C360_ERR_IO when the address cannot be bound (in use, not local); diag
 * says which (field "bind" or "port"). */
enum c360_err c360_http_new(const struct c360_http_opts *opts, struct c360_http **out,
                            struct c360_diag *diag) C360_MUST_USE;
/* The port the server listens on. */
int c360_http_port(const struct c360_http *srv);
/* Stops serving (waits for the handler calls under way) and closes the
 * socket. NULL is a no-op. */
void c360_http_destroy(struct c360_http *srv);

#endif
