/*
 * The engine on a generated bank, one core (issue 5, item 11: ≥ 300k
 * events/s/core and ≤ 2 KiB of state per profile).
 *
 * `c360 gen`'s generator makes N customers in each input topic's wire
 * format; every line is decoded by its topic's codec, as `c360 replay` does.
 * The generator writes customer after customer, so the lines are taken in
 * chunks of about CHUNK records, each sorted by occurredAt (stable) and
 * applied to one engine with the event clock: the clock, the timers and
 * late observations behave as in a replay of a bank that grows customer by
 * customer. Timed separately, in CPU time: the decode (wire format to a
 * canonical record) and the engine's apply (identity, insights, segments,
 * timers and rendering every output).
 *
 *   build/release/bench/bench_engine [N]
 *
 * N is customers (default 100,000). Prints events/s/core of the engine and of
 * decode + engine, outputs per topic, state bytes per profile (counted by
 * c360_engine_bytes) and peak RSS per profile.
 */
#include "c360/codec.h"
#include "c360/engine.h"
#include "c360/gen.h"
#include "c360/identity.h"
#include "c360/segment.h"
#include "c360/time.h"
#include "c360/topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define CHUNK 50000
/* Records applied between two readings of the CPU clock: that clock is a
 * system call (a microsecond or more in a VM), and read around every record
 * it was half of what the bench reported. Decoding is timed per record with
 * the monotonic clock instead, which the vDSO reads in nanoseconds: a record
 * borrows from its decoder until the next decode, so decodes cannot be
 * grouped. */
#define STEP 1000

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

struct item {
    int64_t occurred_at;
    size_t seq;
    enum c360_entity entity;
    uint32_t stream, part;
    char *json; /* canonical JSON of the decoded record */
};

struct bench {
    struct c360_topic_set *topics;
    struct c360_codec *codecs[C360_GEN_STREAMS];
    const char *names[C360_GEN_STREAMS];
    struct c360_codec_rows *rows;
    struct c360_engine *eng;
    struct c360_record *recs[STEP];
    struct item *items;
    size_t n_items, seq;
    double t_decode, t_engine;
    size_t records, refused, failed, outputs[C360_OUT_COUNT];
};

static int item_cmp(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->occurred_at != y->occurred_at)
        return x->occurred_at < y->occurred_at ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Applies the chunk in time order, STEP records per timed run. */
static void flush(struct bench *b)
{
    struct c360_diag diag;
    qsort(b->items, b->n_items, sizeof(*b->items), item_cmp);
    for (size_t from = 0; from < b->n_items; from += STEP) {
        size_t n = b->n_items - from < STEP ? b->n_items - from : STEP, ready = 0;
        struct item *ok[STEP];
        for (size_t i = from; i < from + n; i++) {
            struct item *it = &b->items[i];
            struct c360_record *rec = b->recs[ready];
            c360_record_reset(rec, it->entity);
            c360_diag_clear(&diag);
            if (c360_codec_json_decode(it->json, strlen(it->json), rec, &diag) == C360_OK)
                ok[ready++] = it;
            else if (b->failed++ < 5)
                fprintf(stderr,
                        "bench_engine: canonical JSON of a %s record does not read back: %s %s\n",
                        b->names[it->stream], diag.field, diag.text);
        }
        double t0 = cpu_now();
        for (size_t j = 0; j < ready; j++) {
            struct c360_engine_outputs outs;
            struct c360_engine_position pos = {b->names[ok[j]->stream], 0, (int64_t)ok[j]->seq,
                                               ok[j]->part};
            c360_diag_clear(&diag);
            enum c360_err err = c360_engine_apply(b->eng, b->recs[j], &pos, 0, &outs, &diag);
            if (err && b->failed++ < 5)
                fprintf(stderr, "bench_engine: %s refused: %s: %s %s\n", b->names[ok[j]->stream],
                        c360_err_str(err), diag.field, diag.text);
            for (size_t k = 0; k < outs.count; k++)
                b->outputs[outs.items[k].topic]++;
        }
        b->t_engine += cpu_now() - t0;
        b->records += ready;
        for (size_t i = from; i < from + n; i++)
            free(b->items[i].json);
    }
    b->n_items = 0;
}

static enum c360_err on_line(const struct c360_gen_line *line, void *arg)
{
    struct bench *b = arg;
    struct c360_diag diag;
    if (line->stream == C360_GEN_TRUTH || !b->codecs[line->stream])
        return C360_OK;
    struct c360_codec_msg msg = {.topic = b->names[line->stream],
                                 .offset = (int64_t)b->seq,
                                 .timestamp = C360_TIME_NONE,
                                 .key = line->key,
                                 .key_len = line->key ? strlen(line->key) : 0,
                                 .value = line->value,
                                 .len = line->len};
    size_t parts = 1;
    for (size_t part = 0; part < parts; part++) {
        c360_diag_clear(&diag);
        /* A record borrows from its decoder until the next decode, so each
         * is turned into JSON at once, off the clock. */
        double t0 = wall_now();
        enum c360_err err =
            c360_codec_decode_part(b->codecs[line->stream], &msg, part, b->recs[0], &parts, &diag);
        b->t_decode += wall_now() - t0;
        char *json = NULL;
        if (!err)
            err = c360_codec_json_encode(b->recs[0], C360_CODEC_COMPACT, &json);
        if (err) {
            b->refused++;
            break;
        }
        struct item it = {b->recs[0]->occurred_at, b->seq++,       b->recs[0]->entity,
                          (uint32_t)line->stream,  (uint32_t)part, json};
        if (b->n_items == CHUNK)
            flush(b);
        b->items[b->n_items++] = it;
    }
    return C360_OK;
}

int main(int argc, char **argv)
{
    static struct bench b;
    struct c360_diag diag;
    struct c360_identity_rules *rules;
    struct c360_segment_set *segments;
    size_t n_insights;
    const struct c360_segment_insight *insights = c360_engine_insights(&n_insights);
    uint32_t customers = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
    c360_diag_clear(&diag);
    if (!customers || c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &b.topics, &diag) ||
        c360_identity_rules_load(C360_SOURCE_DIR "/config/identity.json", &rules, &diag) ||
        c360_segment_set_load(C360_SOURCE_DIR "/config/segments.json", insights, n_insights,
                              &segments, &diag)) {
        fprintf(stderr, "bench_engine: cannot set up: %s\n", diag.text);
        return 1;
    }
    struct c360_engine_config ecfg = {.rules = rules,
                                      .segments = segments,
                                      .clock = C360_CLOCK_EVENT,
                                      .currency = "USD",
                                      .profiles_max = (size_t)customers * 8 + 1024};
    bool recs_ok = true;
    for (size_t k = 0; k < STEP; k++)
        recs_ok = recs_ok && c360_record_new(C360_ENTITY_INDIVIDUAL, &b.recs[k]) == C360_OK;
    if (!recs_ok || c360_engine_new(&ecfg, &b.eng) ||
        c360_codec_rows_new((size_t)customers * 2 + 1024, &b.rows) ||
        !(b.items = malloc(CHUNK * sizeof(*b.items)))) {
        fprintf(stderr, "bench_engine: out of memory\n");
        return 1;
    }
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        if (s == C360_GEN_TRUTH)
            continue;
        const struct c360_topic *t = NULL;
        for (size_t i = 0; i < c360_topic_set_count(b.topics); i++)
            if (strcmp(c360_topic_set_at(b.topics, i)->id,
                       c360_gen_stream_topic((enum c360_gen_stream)s)) == 0)
                t = c360_topic_set_at(b.topics, i);
        if (!t || c360_codec_new(t, c360_gen_stream_format((enum c360_gen_stream)s), &b.codecs[s],
                                 &diag)) {
            fprintf(stderr, "bench_engine: no codec for %s: %s\n",
                    c360_gen_stream_topic((enum c360_gen_stream)s), diag.text);
            return 1;
        }
        c360_codec_set_rows(b.codecs[s], b.rows);
        b.names[s] = t->name;
    }
    double rss_before = peak_rss_mb();
    struct c360_gen_conf conf = {.customers = customers, .seed = 1};
    if (c360_date_parse(C360_GEN_TODAY_DEFAULT, &conf.today, &diag)) {
        fprintf(stderr, "bench_engine: bad date\n");
        return 1;
    }
    double t0 = cpu_now();
    struct c360_gen_sink sink = {on_line, &b};
    if (c360_gen_run(&conf, &sink, &diag)) {
        fprintf(stderr, "bench_engine: gen: %s\n", diag.text);
        return 1;
    }
    flush(&b);
    double t_all = cpu_now() - t0;
    size_t profiles = c360_engine_profiles(b.eng), bytes = c360_engine_bytes(b.eng);
    double rss = peak_rss_mb();

    printf("engine, one core: %u customers, %zu records (%zu refused by a decoder, %zu by the "
           "engine), event clock, today %s\n",
           customers, b.records, b.refused, b.failed, C360_GEN_TODAY_DEFAULT);
    printf("engine apply          %10.0f events/s  (%.2f s CPU)\n", (double)b.records / b.t_engine,
           b.t_engine);
    printf("decode + engine       %10.0f events/s  (decode %.2f s, monotonic clock)\n",
           (double)b.records / (b.t_engine + b.t_decode), b.t_decode);
    printf("whole run             %.2f s CPU (generating the bank included)\n", t_all);
    printf("outputs:");
    for (int t = 0; t < C360_OUT_COUNT; t++)
        printf(" %s=%zu", c360_engine_topic_id((enum c360_engine_topic)t), b.outputs[t]);
    printf("\nprofiles              %zu (%zu with a timer pending)\n", profiles,
           c360_engine_timers(b.eng));
    printf("state                 %zu bytes/profile counted (c360_engine_bytes %zu)\n",
           profiles ? bytes / profiles : 0, bytes);
    printf("peak RSS              %.0f MB, %.0f before the engine had state: %.0f bytes/profile "
           "(the CDC row store of the decoders included)\n",
           rss, rss_before, profiles ? (rss - rss_before) * 1048576.0 / (double)profiles : 0.0);

    for (int s = 0; s < C360_GEN_STREAMS; s++)
        c360_codec_destroy(b.codecs[s]);
    c360_codec_rows_destroy(b.rows);
    c360_engine_destroy(b.eng);
    for (size_t k = 0; k < STEP; k++)
        c360_record_destroy(b.recs[k]);
    c360_segment_set_free(segments);
    c360_identity_rules_free(rules);
    c360_topic_set_destroy(b.topics);
    free(b.items);
    return 0;
}
