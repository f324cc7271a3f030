/*
 * A stub of the Schema Registry for the codec tests: an HTTP/1.1 server on
 * loopback (ephemeral port, one thread, one connection at a time, each closed
 * after its answer) that answers GETs from a table of canned replies by path
 * and counts the requests it gets. Not a general HTTP server: it reads the
 * request head only and ignores methods.
 */
#ifndef C360_TEST_HTTP_STUB_H
#define C360_TEST_HTTP_STUB_H

#include <stdbool.h>
#include <stddef.h>

struct http_stub_reply {
    int status;
    const char *body; /* NULL: empty */
    bool no_length;   /* no Content-Length: the body ends when the stub closes */
    long delay_ms;    /* answer this late, or never if the client leaves first */
    size_t announce;  /* Content-Length to claim instead of the body's; 0: the body's */
};

/* The n-th request (from 0) for path gets replies[n]; later ones get the last
 * reply again. Paths not in the table get a registry-style 404. */
struct http_stub_route {
    const char *path;
    const struct http_stub_reply *replies;
    size_t count;
};

struct http_stub;

/* Starts a stub serving routes (borrowed: they must outlive the stub).
 * Aborts if it cannot. */
struct http_stub *http_stub_start(const struct http_stub_route *routes, size_t count);
/* Stops the thread and frees the stub; NULL is a no-op. */
void http_stub_stop(struct http_stub *stub);

/* "http://127.0.0.1:<port>"; borrowed. */
const char *http_stub_url(const struct http_stub *stub);
/* Requests received for path so far; NULL counts all, unknown paths included. */
int http_stub_requests(struct http_stub *stub, const char *path);
/* Copies the head (request line and headers) of the last request, "" if none. */
void http_stub_last_head(struct http_stub *stub, char *buf, size_t size);

/* Writes into buf a loopback URL where nothing listens (a port bound and
 * released), for "registry down" tests. */
void http_stub_unused_url(char *buf, size_t size);

#endif
