/*
 * c360 http — the server (see include/c360/http.h) on libmicrohttpd: one
 * internal polling thread that accepts, reads each request and calls the
 * handler, with poll or epoll rather than select (librdkafka's sockets may
 * push ours past FD_SETSIZE).
 */
#include "c360/http.h"

#include "c360/log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HTTP_TEXT "text/plain; charset=utf-8"

struct c360_http {
    struct MHD_Daemon *daemon;
    enum c360_err (*handle)(void *ctx, const char *path, struct c360_http_reply *reply);
    void *ctx;
    int port;
    /* While MHD_start_daemon runs, libmicrohttpd's complaint is kept here for
     * the diagnostic rather than logged: the caller logs the failure once. */
    atomic_bool starting;
    char start_text[256];
};

/* libmicrohttpd's error log. */
C360_PRINTF(2, 0)
static void http_log(void *cls, const char *fmt, va_list ap)
{
    struct c360_http *srv = cls;
    char text[256];
    vsnprintf(text, sizeof(text), fmt, ap);
    text[strcspn(text, "\r\n")] = '\0';
    if (atomic_load(&srv->starting))
        snprintf(srv->start_text, sizeof(srv->start_text), "%s", text);
    else
        c360_log(C360_LOG_WARN, "http", "server error: %s", text);
}

static enum MHD_Result http_send(struct MHD_Connection *conn, int status, const char *type,
                                 char *body, size_t len, bool allow)
{
    struct MHD_Response *res =
        body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!res) {
        free(body);
        return MHD_NO; /* out of memory: libmicrohttpd drops the connection */
    }
    enum MHD_Result ok = MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (ok == MHD_YES && allow)
        ok = MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (ok == MHD_YES)
        ok = MHD_queue_response(conn, (unsigned)status, res);
    MHD_destroy_response(res);
    return ok;
}

static char *http_text(const char *text, size_t *len)
{
    *len = strlen(text);
    char *body = malloc(*len + 1);
    if (body)
        memcpy(body, text, *len + 1);
    return body;
}

/* libmicrohttpd calls this once with the headers, then once per piece of
 * body, then once more with none. Another method is refused at once (the
 * connection is then closed rather than its body read); a GET is answered
 * at its last call, once the request is read whole, so the connection can
 * be kept alive for the next scrape. */
static enum MHD_Result http_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **req_cls)
{
    (void)version;
    (void)upload_data;
    struct c360_http *srv = cls;
    size_t len;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        char *body = http_text("method not allowed\n", &len);
        return http_send(conn, MHD_HTTP_METHOD_NOT_ALLOWED, HTTP_TEXT, body, len, true);
    }
    if (!*req_cls) {
        *req_cls = srv; /* headers read */
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* a GET's body means nothing here */
        return MHD_YES;
    }
    struct c360_http_reply reply = {.status = MHD_HTTP_OK};
    if (srv->handle(srv->ctx, url, &reply)) {
        free(reply.body);
        char *body = http_text("internal error\n", &len);
        return http_send(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, HTTP_TEXT, body, len, false);
    }
    return http_send(conn, reply.status, reply.content_type ? reply.content_type : HTTP_TEXT,
                     reply.body, reply.len, false);
}

/* The socket address of a numeric host and a port; no name lookup. */
static enum c360_err http_addr(const char *host, int port, struct sockaddr_storage *out,
                               struct c360_diag *diag)
{
    struct addrinfo hints = {
        .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
    };
    struct addrinfo *ai;
    if (port < 0 || port > 65535)
        return c360_diag_fail(diag, C360_ERR_INVALID, "port", "%d is no TCP port (0 to 65535)",
                              port);
    if (getaddrinfo(host, NULL, &hints, &ai) != 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "bind",
                              "'%s' is no numeric IPv4 or IPv6 address", host);
    memset(out, 0, sizeof(*out));
    memcpy(out, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    if (out->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
    return C360_OK;
}

enum c360_err c360_http_new(const struct c360_http_opts *opts, struct c360_http **out,
                            struct c360_diag *diag)
{
    struct sockaddr_storage addr;
    enum c360_err err;
    struct c360_http *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return C360_ERR_NOMEM;
    srv->handle = opts->handle;
    srv->ctx = opts->ctx;
    if ((err = http_addr(opts->bind, opts->port, &addr, diag)))
        goto fail;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    atomic_store(&srv->starting, true);
    srv->daemon =
        MHD_start_daemon(flags, (uint16_t)opts->port, NULL, NULL, http_request, srv,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned int)C360_HTTP_CONNECTIONS_MAX,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)C360_HTTP_IDLE_TIMEOUT_S,
                         MHD_OPTION_EXTERNAL_LOGGER, http_log, srv, MHD_OPTION_END);
    atomic_store(&srv->starting, false);
    if (!srv->daemon) {
        err = c360_diag_fail(diag, C360_ERR_IO, "port", "cannot listen on %s port %d: %s",
                             opts->bind, opts->port,
                             srv->start_text[0] ? srv->start_text : "libmicrohttpd refused");
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opts->port;
    *out = srv;
    return C360_OK;
fail:
    c360_http_destroy(srv);
    return err;
}

int c360_http_port(const struct c360_http *srv)
{
    return srv->port;
}

void c360_http_destroy(struct c360_http *srv)
{
    if (!srv)
        return;
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    free(srv);
}
