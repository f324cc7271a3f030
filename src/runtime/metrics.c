/*
 * c360 runtime — the processor's metrics and health, from its stats alone:
 * the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) and the
 * answers of the liveness and readiness probes. Pure: no clock (now is a
 * parameter), no I/O, no lock; the caller hands in a copy of the stats.
 */
#include "c360/runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The exposition is bounded by its shape (topics, listed partitions), far
 * below this; the cap only guards against a mistake. */
#define METRICS_TEXT_MAX (4 * 1024 * 1024)

/* From a tenth of a millisecond (a batch of one record) to ten seconds (a
 * batch waiting on a full producer queue). */
const int64_t c360_runtime_latency_bounds_us[C360_RUNTIME_LATENCY_BUCKETS] = {
    100,   250,    500,    1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

void c360_runtime_observe_latency(struct c360_runtime_stats *s, int64_t us)
{
    if (us < 0)
        us = 0;
    size_t b = 0;
    while (b < C360_RUNTIME_LATENCY_BUCKETS && us > c360_runtime_latency_bounds_us[b])
        b++;
    s->latency[b]++;
    s->latency_count++;
    s->latency_sum_us += us;
}

/* --- The text. */

struct text {
    char *buf;
    size_t len, cap;
    enum c360_err err; /* the first failure; every later call does nothing */
};

static void text_add(struct text *t, const char *fmt, ...) C360_PRINTF(2, 3);
static void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    if (t->err)
        return;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->err = C360_ERR_INVALID;
            return;
        }
        if (t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap <= t->len + (size_t)n)
            cap *= 2;
        if (cap > METRICS_TEXT_MAX) {
            t->err = C360_ERR_LIMIT;
            return;
        }
        char *buf = realloc(t->buf, cap);
        if (!buf) {
            t->err = C360_ERR_NOMEM;
            return;
        }
        t->buf = buf;
        t->cap = cap;
    }
}

/* A label value, escaped as the format asks: backslash, double quote and
 * line feed. */
static void text_label(struct text *t, const char *value)
{
    for (const char *c = value; *c; c++) {
        if (*c == '\\')
            text_add(t, "\\\\");
        else if (*c == '"')
            text_add(t, "\\\"");
        else if (*c == '\n')
            text_add(t, "\\n");
        else
            text_add(t, "%c", *c);
    }
}

/* The HELP and TYPE lines of a metric (HELP texts here hold no backslash or
 * line feed, which the format would have escaped). */
static void text_head(struct text *t, const char *name, const char *type, const char *help)
{
    text_add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void text_one(struct text *t, const char *name, const char *type, const char *help,
                     long long value)
{
    text_head(t, name, type, help);
    text_add(t, "%s %lld\n", name, value);
}

/* Seconds from microseconds, exactly: Prometheus parses decimal text. */
static void text_seconds(struct text *t, int64_t us)
{
    text_add(t, "%lld.%06lld", (long long)(us / 1000000), (long long)(us % 1000000));
}

/* A bucket bound as the shortest decimal: "0.0001", "2.5", "10". */
static void text_bound(struct text *t, int64_t us)
{
    char digits[32];
    snprintf(digits, sizeof(digits), "%lld.%06lld", (long long)(us / 1000000),
             (long long)(us % 1000000));
    size_t n = strlen(digits);
    while (digits[n - 1] == '0')
        n--;
    if (digits[n - 1] == '.')
        n--;
    text_add(t, "%.*s", (int)n, digits);
}

static void text_topics(struct text *t, const struct c360_runtime_stats *s)
{
    text_head(t, "c360_events_in_total", "counter", "Records consumed, per input topic.");
    for (size_t i = 0; i < s->n_topics; i++) {
        if (s->topics[i].role != C360_TOPIC_INPUT)
            continue;
        text_add(t, "c360_events_in_total{topic=\"");
        text_label(t, s->topics[i].name);
        text_add(t, "\"} %lld\n", s->topics[i].received);
    }
    text_head(t, "c360_events_out_total", "counter",
              "Messages the broker confirmed, per topic the processor writes (outputs, "
              "re-sync requests, dead letters).");
    for (size_t i = 0; i < s->n_topics; i++) {
        if (s->topics[i].delivered < 0)
            continue;
        text_add(t, "c360_events_out_total{topic=\"");
        text_label(t, s->topics[i].name);
        text_add(t, "\"} %lld\n", s->topics[i].delivered);
    }
}

static void text_latency(struct text *t, const struct c360_runtime_stats *s)
{
    const char *name = "c360_batch_latency_seconds";
    text_head(t, name, "histogram",
              "Time one batch took, from its first record polled to its state and input "
              "offsets committed to the state store, its outputs delivered.");
    long long cumulative = 0;
    for (size_t b = 0; b < C360_RUNTIME_LATENCY_BUCKETS; b++) {
        cumulative += s->latency[b];
        text_add(t, "%s_bucket{le=\"", name);
        text_bound(t, c360_runtime_latency_bounds_us[b]);
        text_add(t, "\"} %lld\n", cumulative);
    }
    text_add(t, "%s_bucket{le=\"+Inf\"} %lld\n", name, s->latency_count);
    text_add(t, "%s_sum ", name);
    text_seconds(t, s->latency_sum_us);
    text_add(t, "\n%s_count %lld\n", name, s->latency_count);
}

static void text_lag(struct text *t, const struct c360_runtime_stats *s)
{
    text_one(t, "c360_assigned_partitions", "gauge",
             "Input partitions this instance owns in its consumer group.", (long long)s->assigned);
    text_head(t, "c360_consumer_lag", "gauge",
              "Messages between the consumer's position and the partition's high watermark, "
              "per owned partition where both are known.");
    for (size_t i = 0; i < s->n_lag; i++) {
        text_add(t, "c360_consumer_lag{topic=\"");
        text_label(t, s->lag[i].topic);
        text_add(t, "\",partition=\"%d\"} %lld\n", (int)s->lag[i].partition,
                 (long long)s->lag[i].lag);
    }
}

enum c360_err c360_runtime_render_metrics(const struct c360_runtime_stats *s, char **out,
                                          size_t *len)
{
    struct text t = {0};
    long long outputs = 0;
    for (int o = 0; o < C360_OUT_COUNT; o++)
        outputs += s->outputs[o];
    text_topics(&t, s);
    text_one(&t, "c360_records_applied_total", "counter",
             "Records decoded and applied to the engine (re-sync requests included).", s->applied);
    text_one(&t, "c360_dlq_total", "counter", "Records sent to the dead-letter topic.",
             s->dead_lettered);
    text_one(&t, "c360_dlq_delivered_total", "counter", "Dead letters the broker confirmed.",
             s->dlq_delivered);
    text_one(&t, "c360_resyncs_total", "counter", "Salesforce CDC re-sync requests sent.",
             s->resyncs);
    text_one(&t, "c360_outputs_total", "counter", "Engine outputs queued for their topics.",
             outputs);
    text_one(&t, "c360_messages_queued_total", "counter",
             "Messages queued to the producer: outputs, re-sync requests, dead letters.",
             s->queued);
    text_one(&t, "c360_messages_delivered_total", "counter", "Messages the broker confirmed.",
             s->delivered);
    text_one(&t, "c360_messages_failed_total", "counter",
             "Messages that could not be delivered (each stops the processor).", s->failed);
    text_one(&t, "c360_commits_total", "counter", "Offset commits the group coordinator accepted.",
             s->commits);
    text_one(&t, "c360_records_in_flight", "gauge",
             "Consumed records whose outputs are not all delivered yet.", (long long)s->in_flight);
    text_one(&t, "c360_uncommitted_partitions", "gauge",
             "Owned partitions with a committable offset not committed yet.",
             (long long)s->uncommitted);
    text_latency(&t, s);
    text_lag(&t, s);
    text_one(&t, "c360_profiles", "gauge", "Unified profiles held.", (long long)s->profiles);
    text_one(&t, "c360_identity_records", "gauge", "Source records in the identity graph.",
             (long long)s->identity_records);
    text_one(&t, "c360_identity_capped_keys", "gauge",
             "Blocking keys too many records share (postingsMax) to make edges.",
             (long long)s->identity_capped_keys);
    text_one(&t, "c360_timers_pending", "gauge",
             "Profiles with a pending timer (a membership that time alone may change).",
             (long long)s->timers);
    text_one(&t, "c360_state_bytes", "gauge",
             "Bytes of state the engine holds in memory (counted every 10 s).",
             (long long)s->state_bytes);
    text_one(&t, "c360_state_store_bytes", "gauge", "Bytes of the LMDB state store's pages in use.",
             (long long)s->store_bytes);
    text_one(&t, "c360_batches_total", "counter",
             "Batches whose state and input offsets were committed to the state store.",
             s->batches);
    text_one(&t, "c360_partitions_rebuilt_total", "counter",
             "Partitions assigned without local state, read from their beginning to rebuild it.",
             s->partitions_rebuilt);
    if (t.err) {
        free(t.buf);
        return t.err;
    }
    *out = t.buf;
    *len = t.len;
    return C360_OK;
}

/* --- The probes. */

static enum c360_err answer(struct c360_http_reply *reply, int status, const char *fmt, ...)
    C360_PRINTF(3, 4);
static enum c360_err answer(struct c360_http_reply *reply, int status, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    reply->status = status;
    reply->content_type = NULL;
    reply->len = strlen(text);
    if (!(reply->body = malloc(reply->len + 1)))
        return C360_ERR_NOMEM;
    memcpy(reply->body, text, reply->len + 1);
    return C360_OK;
}

/* Live: the loop published its stats within live_ms. The loop publishes
 * at least once per step, and a step ends within poll.timeout.ms plus what
 * its records, a rebalance or a full producer queue take. */
static const char *not_live(const struct c360_runtime_stats *s, int64_t now_ms, int64_t live_ms)
{
    if (!s->published_ms)
        return "not started";
    if (now_ms - s->published_ms > live_ms)
        return "stalled";
    return NULL;
}

enum c360_err c360_runtime_answer_http(const struct c360_runtime_stats *s, int64_t now_ms,
                                       int64_t live_ms, const char *path,
                                       struct c360_http_reply *reply)
{
    const char *why = not_live(s, now_ms, live_ms);
    if (strcmp(path, "/metrics") == 0) {
        reply->status = 200;
        reply->content_type = C360_RUNTIME_METRICS_CONTENT_TYPE;
        return c360_runtime_render_metrics(s, &reply->body, &reply->len);
    }
    if (strcmp(path, "/healthz") == 0) {
        if (why && s->published_ms)
            return answer(reply, 503, "%s: no step for %lld ms\n", why,
                          (long long)(now_ms - s->published_ms));
        if (why)
            return answer(reply, 503, "%s\n", why);
        return answer(reply, 200, "ok\n");
    }
    if (strcmp(path, "/readyz") == 0) {
        if (why)
            return answer(reply, 503, "not ready: %s\n", why);
        if (s->closing)
            return answer(reply, 503, "not ready: stopping\n");
        if (!s->assigned)
            return answer(reply, 503, "not ready: no partitions assigned\n");
        return answer(reply, 200, "ready: %zu partitions\n", s->assigned);
    }
    return answer(reply, 404, "not found\n");
}
