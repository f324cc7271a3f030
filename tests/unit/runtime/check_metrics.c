/*
 * Suite runtime: the processor's metrics and probes (src/runtime/metrics.c)
 * — the Prometheus text of a given stats struct, to the byte, and the
 * answers of /healthz and /readyz, with no broker.
 */
#include "c360/file.h"
#include "c360/runtime.h"

#include "check_runtime.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define DATA C360_TEST_DATA "/metrics"

/* Stats with a bit of everything: an input, an output, the dead-letter
 * topic and an input the processor writes nothing to; batches of several
 * durations; two partitions with a known lag. */
static void stats_fill(struct c360_runtime_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->received = 12;
    s->applied = 10;
    s->dead_lettered = 2;
    s->resyncs = 1;
    s->outputs[C360_OUT_UNIFIED_PROFILE] = 7;
    s->outputs[C360_OUT_SEGMENT_CHANGES] = 3;
    s->queued = 13;
    s->delivered = 12;
    s->failed = 0;
    s->dlq_delivered = 2;
    s->commits = 4;
    s->in_flight = 1;
    s->uncommitted = 2;
    s->identity_records = 9;
    s->identity_capped_keys = 1;
    s->timers = 5;
    s->profiles = 8;
    s->state_bytes = 123456;
    s->topics[0] =
        (struct c360_runtime_topic_stats){"c360.in.individual", C360_TOPIC_INPUT, 12, -1};
    s->topics[1] =
        (struct c360_runtime_topic_stats){"c360.out.unified-profile", C360_TOPIC_OUTPUT, 0, 7};
    s->topics[2] = (struct c360_runtime_topic_stats){"c360.dlq", C360_TOPIC_DLQ, 0, 2};
    s->topics[3] =
        (struct c360_runtime_topic_stats){"c360.in.org-account", C360_TOPIC_INPUT, 0, -1};
    s->n_topics = 4;
    c360_runtime_observe_latency(s, 80);       /* 0.0001 */
    c360_runtime_observe_latency(s, 100);      /* 0.0001: bounds are inclusive */
    c360_runtime_observe_latency(s, 3000);     /* 0.005 */
    c360_runtime_observe_latency(s, 1200000);  /* 2.5 */
    c360_runtime_observe_latency(s, 20000000); /* +Inf */
    s->assigned = 3;
    s->lag[0] = (struct c360_runtime_lag){"c360.in.individual", 0, 0};
    s->lag[1] = (struct c360_runtime_lag){"c360.in.individual", 5, 42};
    s->n_lag = 2;
    s->published_ms = 1000;
}

START_TEST(test_c360_runtime_render_metrics_writes_the_exposition_format)
{
    struct c360_runtime_stats *s = malloc(sizeof(*s));
    char *text, *want;
    size_t len, want_len;
    ck_assert_ptr_nonnull(s);
    stats_fill(s);
    ck_assert_int_eq(c360_runtime_render_metrics(s, &text, &len), C360_OK);
    ck_assert_int_eq(c360_file_read(DATA "/stats.prom", 1 << 20, &want, &want_len, NULL), C360_OK);
    ck_assert_uint_eq(len, strlen(text));
    size_t at = 0;
    while (text[at] && text[at] == want[at])
        at++;
    ck_assert_msg(text[at] == want[at], "byte %zu differs: got \"%.80s\", want \"%.80s\"", at,
                  text + at, want + at);
    free(want);
    free(text);
    free(s);
}
END_TEST

/* Every line is a comment, or a metric name with labels and a value. */
START_TEST(test_c360_runtime_render_metrics_every_sample_has_help_and_type)
{
    struct c360_runtime_stats *s = malloc(sizeof(*s));
    char *text;
    size_t len;
    ck_assert_ptr_nonnull(s);
    stats_fill(s);
    ck_assert_int_eq(c360_runtime_render_metrics(s, &text, &len), C360_OK);
    ck_assert_int_eq(text[len - 1], '\n');
    char family[128] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "# HELP ", 7) == 0) {
            ck_assert_int_eq(sscanf(line + 7, "%127s", family), 1);
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0) {
            ck_assert_int_eq(strncmp(line + 7, family, strlen(family)), 0);
            continue;
        }
        /* A sample of the family just described (histograms add suffixes). */
        ck_assert_msg(strncmp(line, family, strlen(family)) == 0, "%s outside %s", line, family);
        ck_assert_msg(strncmp(line, "c360_", 5) == 0, "%s", line);
    }
    free(text);
    free(s);
}
END_TEST

/* Label values are escaped as the format asks; topic names are declared
 * by people, so one might hold anything. */
static const struct {
    const char *name, *label;
} escapes[] = {
    {"plain.topic", "plain.topic"}, {"quo\"te", "quo\\\"te"},  {"back\\slash", "back\\\\slash"},
    {"line\nfeed", "line\\nfeed"},  {"\\\"\n", "\\\\\\\"\\n"},
};

START_TEST(test_c360_runtime_render_metrics_escapes_label_values)
{
    struct c360_runtime_stats *s = calloc(1, sizeof(*s));
    char *text, want[256];
    size_t len;
    ck_assert_ptr_nonnull(s);
    s->topics[0] = (struct c360_runtime_topic_stats){escapes[_i].name, C360_TOPIC_INPUT, 3, -1};
    s->n_topics = 1;
    s->lag[0] = (struct c360_runtime_lag){escapes[_i].name, 4, 9};
    s->n_lag = 1;
    ck_assert_int_eq(c360_runtime_render_metrics(s, &text, &len), C360_OK);
    snprintf(want, sizeof(want), "\nc360_events_in_total{topic=\"%s\"} 3\n", escapes[_i].label);
    ck_assert_msg(strstr(text, want), "no %s in\n%s", want, text);
    snprintf(want, sizeof(want), "\nc360_consumer_lag{topic=\"%s\",partition=\"4\"} 9\n",
             escapes[_i].label);
    ck_assert_msg(strstr(text, want), "no %s in\n%s", want, text);
    free(text);
    free(s);
}
END_TEST

/* Each duration falls in the first bucket whose bound it does not exceed. */
static const struct {
    int64_t us;
    size_t bucket;
} durations[] = {
    {-5, 0},   {0, 0},         {100, 0},
    {101, 1},  {250, 1},       {999, 3},
    {1000, 3}, {10000000, 15}, {10000001, C360_RUNTIME_LATENCY_BUCKETS},
};

START_TEST(test_c360_runtime_observe_latency_picks_the_bucket)
{
    struct c360_runtime_stats *s = calloc(1, sizeof(*s));
    ck_assert_ptr_nonnull(s);
    c360_runtime_observe_latency(s, durations[_i].us);
    for (size_t b = 0; b <= C360_RUNTIME_LATENCY_BUCKETS; b++)
        ck_assert_int_eq(s->latency[b], b == durations[_i].bucket);
    ck_assert_int_eq(s->latency_count, 1);
    ck_assert_int_eq(s->latency_sum_us, durations[_i].us < 0 ? 0 : durations[_i].us);
    free(s);
}
END_TEST

/* The probes: path, stats and time, and what they answer. */
struct probe {
    const char *path;
    int64_t published_ms, now_ms;
    size_t assigned;
    bool closing;
    int status;
    const char *body;
};

static const struct probe probes[] = {
    {"/healthz", 0, 5000, 0, false, 503, "not started\n"},
    {"/healthz", 1000, 5000, 0, false, 200, "ok\n"},
    {"/healthz", 1000, 61000, 3, false, 200, "ok\n"}, /* exactly at the limit */
    {"/healthz", 1000, 61001, 3, false, 503, "stalled: no step for 60001 ms\n"},
    {"/healthz", 1000, 2000, 3, true, 200, "ok\n"}, /* stopping is still alive */
    {"/readyz", 0, 5000, 0, false, 503, "not ready: not started\n"},
    {"/readyz", 1000, 2000, 0, false, 503, "not ready: no partitions assigned\n"},
    {"/readyz", 1000, 2000, 3, false, 200, "ready: 3 partitions\n"},
    {"/readyz", 1000, 61001, 3, false, 503, "not ready: stalled\n"},
    {"/readyz", 1000, 2000, 3, true, 503, "not ready: stopping\n"},
    {"/", 1000, 2000, 3, false, 404, "not found\n"},
    {"/metrics/", 1000, 2000, 3, false, 404, "not found\n"},
    {"/healthz/x", 1000, 2000, 3, false, 404, "not found\n"},
};

START_TEST(test_c360_runtime_answer_http_probes)
{
    const struct probe *p = &probes[_i];
    struct c360_runtime_stats *s = calloc(1, sizeof(*s));
    struct c360_http_reply reply = {.status = 200};
    ck_assert_ptr_nonnull(s);
    s->published_ms = p->published_ms;
    s->assigned = p->assigned;
    s->closing = p->closing;
    ck_assert_int_eq(c360_runtime_answer_http(s, p->now_ms, 60000, p->path, &reply), C360_OK);
    ck_assert_int_eq(reply.status, p->status);
    ck_assert_ptr_null(reply.content_type);
    ck_assert_uint_eq(reply.len, strlen(p->body));
    ck_assert_str_eq(reply.body, p->body);
    free(reply.body);
    free(s);
}
END_TEST

/* /metrics answers whatever the probes say, with the format's content type. */
START_TEST(test_c360_runtime_answer_http_metrics)
{
    struct c360_runtime_stats *s = calloc(1, sizeof(*s));
    struct c360_http_reply reply = {.status = 200};
    char *text;
    size_t len;
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(c360_runtime_answer_http(s, 99999, 1000, "/metrics", &reply), C360_OK);
    ck_assert_int_eq(reply.status, 200);
    ck_assert_str_eq(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
    ck_assert_int_eq(c360_runtime_render_metrics(s, &text, &len), C360_OK);
    ck_assert_uint_eq(reply.len, len);
    ck_assert_str_eq(reply.body, text);
    free(text);
    free(reply.body);
    free(s);
}
END_TEST

void c360_check_metrics_add(Suite *s)
{
    TCase *tc = tcase_create("c360_runtime_render_metrics");
    tcase_add_test(tc, test_c360_runtime_render_metrics_writes_the_exposition_format);
    tcase_add_test(tc, test_c360_runtime_render_metrics_every_sample_has_help_and_type);
    tcase_add_loop_test(tc, test_c360_runtime_render_metrics_escapes_label_values, 0,
                        sizeof(escapes) / sizeof(escapes[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_runtime_observe_latency");
    tcase_add_loop_test(tc, test_c360_runtime_observe_latency_picks_the_bucket, 0,
                        sizeof(durations) / sizeof(durations[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_runtime_answer_http");
    tcase_add_loop_test(tc, test_c360_runtime_answer_http_probes, 0,
                        sizeof(probes) / sizeof(probes[0]));
    tcase_add_test(tc, test_c360_runtime_answer_http_metrics);
    suite_add_tcase(s, tc);
}
