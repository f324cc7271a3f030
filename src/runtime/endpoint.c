/*
 * c360 runtime — the processor's HTTP endpoint: /metrics, /healthz and
 * /readyz (see metrics.c) served by the http module on http.bind and
 * http.port. Each request reads a copy of the stats the processor's loop
 * publishes (c360_runtime_stats, under its lock) and nothing else: the
 * server's thread never touches the Kafka clients or the engine, which
 * belong to the loop's thread.
 */
#include "c360/http.h"
#include "c360/log.h"
#include "c360/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct c360_runtime_endpoint {
    struct c360_runtime *rt; /* borrowed; outlives the endpoint */
    int64_t live_ms;
    struct c360_http *srv;
};

static int64_t endpoint_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the server's thread. The stats are large; a copy on the heap keeps the
 * thread's stack small. */
static enum c360_err endpoint_handle(void *ctx, const char *path, struct c360_http_reply *reply)
{
    struct c360_runtime_endpoint *ep = ctx;
    struct c360_runtime_stats *s = malloc(sizeof(*s));
    if (!s)
        return C360_ERR_NOMEM;
    c360_runtime_stats(ep->rt, s);
    enum c360_err err = c360_runtime_answer_http(s, endpoint_now_ms(), ep->live_ms, path, reply);
    free(s);
    return err;
}

enum c360_err c360_runtime_endpoint_new(struct c360_runtime *rt, const struct c360_config *cfg,
                                        struct c360_runtime_endpoint **out)
{
    struct c360_diag diag;
    char text[1024];
    enum c360_err err;
    *out = NULL;
    if (c360_config_int(cfg, "http.port") == 0)
        return C360_OK;
    struct c360_runtime_endpoint *ep = calloc(1, sizeof(*ep));
    if (!ep)
        return C360_ERR_NOMEM;
    ep->rt = rt;
    ep->live_ms = c360_config_int(cfg, "http.liveness.timeout.ms");
    struct c360_http_opts opts = {
        .bind = c360_config_str(cfg, "http.bind"),
        .port = (int)c360_config_int(cfg, "http.port"),
        .handle = endpoint_handle,
        .ctx = ep,
    };
    c360_diag_clear(&diag);
    if ((err = c360_http_new(&opts, &ep->srv, &diag))) {
        /* The diagnostic names the http module's option; say the setting. */
        snprintf(diag.field, sizeof(diag.field), "%s",
                 strcmp(diag.field, "port") == 0 ? "http.port" : "http.bind");
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot serve metrics and health: %s", text);
        goto fail;
    }
    c360_log(C360_LOG_INFO, "runtime", "serving metrics and health bind=%s port=%d", opts.bind,
             c360_http_port(ep->srv));
    *out = ep;
    return C360_OK;
fail:
    c360_runtime_endpoint_destroy(ep);
    return err;
}

int c360_runtime_endpoint_port(const struct c360_runtime_endpoint *ep)
{
    return c360_http_port(ep->srv);
}

void c360_runtime_endpoint_destroy(struct c360_runtime_endpoint *ep)
{
    if (!ep)
        return;
    c360_http_destroy(ep->srv); /* waits for the requests under way */
    free(ep);
}
