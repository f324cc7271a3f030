/*
 * c360 cli — the live view of `c360 demo` (see demo.h).
 */
#include "demo.h"

#include "cli.h"

#include "c360/kafka.h"
#include "c360/log.h"

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* CSR messages shown at most, and how far apart at least, so they can be read. */
#define VIEW_CSR_SHOWN_MAX 8
#define VIEW_CSR_GAP_MS 1500
/* Messages one poll reads at most, so drawing stays regular. */
#define VIEW_POLL_MAX 5000
/* Without a terminal, a status line this often. */
#define VIEW_STATUS_MS 5000
#define VIEW_BAR 30

struct view_csr {
    char subject[64];
    char text[512];
};

struct c360_cli_view {
    rd_kafka_t *rk;
    char *changes_topic, *csr_topic;
    struct c360_cli_view_counts counts;
    bool tty;
    int drawn; /* lines of the progress block on screen */
    int shown; /* CSR messages shown */
    long long last_shown_ms, last_status_ms;
    struct view_csr pending[VIEW_CSR_SHOWN_MAX];
    int n_pending;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *c360_cli_view_num(long long v, char *buf, size_t size)
{
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v), o = 0;
    if (v < 0 && o < (int)size - 1)
        buf[o++] = '-';
    for (int i = 0; i < n && o < (int)size - 1; i++) {
        if (i > 0 && (n - i) % 3 == 0 && o < (int)size - 2)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

enum c360_err c360_cli_view_new(const struct c360_config *cfg, const struct c360_topic_set *topics,
                                struct c360_cli_view **out)
{
    struct c360_diag diag;
    rd_kafka_conf_t *conf = NULL;
    char errstr[512];
    enum c360_err err;
    /* A reader outside the group: assigned every partition, never committing. */
    static const struct c360_kafka_default defaults[] = {
        {"client.id", "c360-demo-view"},
        {"group.id", "c360-demo-view"},
        {"enable.auto.commit", "false"},
        {NULL, NULL},
    };
    const struct c360_topic *changes = c360_topic_set_find(topics, "segment-changes"),
                            *csr = c360_topic_set_find(topics, "activation-csr-insight");
    c360_diag_clear(&diag);
    if (!changes || !csr) {
        fprintf(stderr, "c360 demo: the topics declare no segment-changes or "
                        "activation-csr-insight topic to show\n");
        return C360_ERR_NOT_FOUND;
    }
    struct c360_cli_view *view = calloc(1, sizeof(*view));
    if (!view || !(view->changes_topic = strdup(changes->name)) ||
        !(view->csr_topic = strdup(csr->name))) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    view->tty = isatty(STDOUT_FILENO);
    if ((err = c360_kafka_conf_new(cfg, defaults, &conf, &diag))) {
        c360_cli_report("demo", err, &diag);
        goto fail;
    }
    if (!(view->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "c360 demo: cannot create the view's consumer: %s\n", errstr);
        err = C360_ERR_KAFKA;
        goto fail;
    }
    conf = NULL; /* rd_kafka_new took it */
    rd_kafka_topic_partition_list_t *parts =
        rd_kafka_topic_partition_list_new(changes->partitions + csr->partitions);
    for (int p = 0; p < changes->partitions; p++)
        rd_kafka_topic_partition_list_add(parts, changes->name, p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    for (int p = 0; p < csr->partitions; p++)
        rd_kafka_topic_partition_list_add(parts, csr->name, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t kerr = rd_kafka_assign(view->rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (kerr) {
        fprintf(stderr, "c360 demo: the view cannot read its topics: %s\n", rd_kafka_err2str(kerr));
        err = C360_ERR_KAFKA;
        goto fail;
    }
    *out = view;
    return C360_OK;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    c360_cli_view_destroy(view);
    return err;
}

void c360_cli_view_destroy(struct c360_cli_view *view)
{
    if (!view)
        return;
    if (view->rk) {
        (void)rd_kafka_consumer_close(view->rk);
        rd_kafka_destroy(view->rk);
    }
    free(view->changes_topic);
    free(view->csr_topic);
    free(view);
}

/* A segment change: ENTER or EXIT of one segment. */
static void take_change(struct c360_cli_view *view, json_t *value)
{
    const char *segment = json_string_value(json_object_get(value, "segment"));
    const char *action = json_string_value(json_object_get(value, "action"));
    struct c360_cli_view_counts *c = &view->counts;
    if (!segment || !action)
        return;
    size_t i = 0;
    while (i < c->n_segments && strcmp(c->segments[i].name, segment) != 0)
        i++;
    if (i == c->n_segments) {
        if (c->n_segments == C360_CLI_VIEW_SEGMENTS)
            i = C360_CLI_VIEW_SEGMENTS - 1; /* folded into the last row */
        else
            snprintf(c->segments[c->n_segments++].name, sizeof(c->segments[0].name), "%s", segment);
    }
    if (strcmp(action, "ENTER") == 0)
        c->segments[i].enter++;
    else if (strcmp(action, "EXIT") == 0)
        c->segments[i].exit++;
}

/* A CSR message: the Chatter feed item's subject and first text segment. */
static void take_csr(struct c360_cli_view *view, json_t *value)
{
    long long now = mono_ms();
    if (view->shown + view->n_pending >= VIEW_CSR_SHOWN_MAX ||
        (view->shown + view->n_pending > 0 && now - view->last_shown_ms < VIEW_CSR_GAP_MS))
        return;
    const char *subject = json_string_value(json_object_get(value, "subjectId"));
    json_t *segments = json_object_get(json_object_get(value, "body"), "messageSegments");
    const char *text = json_string_value(json_object_get(json_array_get(segments, 0), "text"));
    if (!subject || !text)
        return;
    struct view_csr *p = &view->pending[view->n_pending++];
    snprintf(p->subject, sizeof(p->subject), "%s", subject);
    snprintf(p->text, sizeof(p->text), "%s", text);
    view->last_shown_ms = now;
}

void c360_cli_view_poll(struct c360_cli_view *view)
{
    for (int n = 0; n < VIEW_POLL_MAX; n++) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(view->rk, 0); /* new */
        if (!msg)
            return;
        if (!msg->err && msg->payload) {
            const char *topic = rd_kafka_topic_name(msg->rkt);
            bool csr = strcmp(topic, view->csr_topic) == 0;
            json_t *value = json_loadb(msg->payload, msg->len, 0, NULL); /* new */
            if (csr)
                view->counts.csr++;
            else
                view->counts.changes++;
            if (value && csr)
                take_csr(view, value);
            else if (value)
                take_change(view, value);
            json_decref(value);
        }
        rd_kafka_message_destroy(msg);
    }
}

static void bar(char *buf, size_t size, double done, bool tty)
{
    int full = (int)(done * VIEW_BAR + 0.5);
    size_t o = 0;
    for (int i = 0; i < VIEW_BAR && o + 4 < size; i++) {
        const char *cell = i < full ? (tty ? "\u2588" : "#") : (tty ? "\u2591" : ".");
        size_t len = strlen(cell);
        memcpy(buf + o, cell, len);
        o += len;
    }
    buf[o] = '\0';
}

void c360_cli_view_draw(struct c360_cli_view *view, const struct c360_cli_progress *pr)
{
    char a[32], b[32], c[32], cells[VIEW_BAR * 4 + 1];
    const struct c360_cli_view_counts *k = &view->counts;
    long long now = mono_ms();
    if (view->tty && view->drawn)
        printf("\033[%dA\033[J", view->drawn); /* back to the top of the block */
    view->drawn = 0;
    for (int i = 0; i < view->n_pending; i++)
        printf("  CSR insight for %s: %s\n", view->pending[i].subject, view->pending[i].text);
    view->shown += view->n_pending;
    view->n_pending = 0;
    double done = pr->published ? (double)pr->processed / (double)pr->published : 0;
    if (!view->tty) {
        if (view->last_status_ms && now - view->last_status_ms < VIEW_STATUS_MS)
            goto flush;
        view->last_status_ms = now;
        printf("  %5.1f s  %3.0f%%  %s of %s records processed%s  %s events/s", pr->elapsed,
               done * 100, c360_cli_view_num(pr->processed, a, sizeof(a)),
               c360_cli_view_num(pr->published, b, sizeof(b)),
               pr->publishing ? " (publishing)" : "",
               c360_cli_view_num((long long)pr->rate, c, sizeof(c)));
        for (size_t i = 0; i < k->n_segments; i++)
            printf("  %s +%lld -%lld", k->segments[i].name, k->segments[i].enter,
                   k->segments[i].exit);
        printf("\n");
        goto flush;
    }
    bar(cells, sizeof(cells), done > 1 ? 1 : done, true);
    /* Every line fits 80 columns: a wrapped one would throw the redraw off. */
    printf("  records   %s %3.0f%%  %s of %s\n", cells, done * 100,
           c360_cli_view_num(pr->processed, a, sizeof(a)),
           c360_cli_view_num(pr->published, b, sizeof(b)));
    printf("  rate      %s events/s  %s  %5.1f s\n",
           c360_cli_view_num((long long)pr->rate, a, sizeof(a)),
           pr->publishing ? "publishing the bank" : "the whole bank published", pr->elapsed);
    view->drawn = 2;
    for (size_t i = 0; i < k->n_segments; i++, view->drawn++)
        printf("  segment   %-28.28s ENTER %9s   EXIT %7s\n", k->segments[i].name,
               c360_cli_view_num(k->segments[i].enter, a, sizeof(a)),
               c360_cli_view_num(k->segments[i].exit, b, sizeof(b)));
    printf("  CSR       %s insights for the bank's advisors\n",
           c360_cli_view_num(k->csr, a, sizeof(a)));
    view->drawn++;
flush:
    fflush(stdout);
}

void c360_cli_view_end(struct c360_cli_view *view)
{
    view->drawn = 0;
}

void c360_cli_view_counts(const struct c360_cli_view *view, struct c360_cli_view_counts *out)
{
    *out = view->counts;
}
