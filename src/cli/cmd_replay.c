/*
 * c360 replay — the engine fed from files (DESIGN.md §2).
 *
 * --in DIR holds replay input: <topic name>.jsonl per input topic, one
 * message value per line in the topic's wire format (an Avro topic's lines
 * are JSON objects its mapping reads). Every line is decoded in file order
 * (a CDC topic's rows need that), then the records run through the engine
 * in occurredAt order, stable: ties keep topic declaration order, then line
 * order. --out DIR gets <topic name>.jsonl per output topic, one
 * {"key": …, "value": … | null} per line, and the dead-letter file for
 * lines that cannot be decoded or applied. Same inputs ⇒ byte-identical
 * outputs: the clock is the event clock unless -X clock=wall.
 */
#include "cli.h"

#include "c360/codec.h"
#include "c360/config.h"
#include "c360/engine.h"
#include "c360/file.h"
#include "c360/jsonw.h"
#include "c360/record.h"
#include "c360/segment.h"
#include "c360/time.h"
#include "c360/topic.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define REPLAY_LINE_MAX (C360_CODEC_VALUE_MAX + 2)
#define REPLAY_RECORDS_MAX 100000000 /* records of one replay */

static void usage(FILE *out)
{
    fputs("usage: c360 replay --in DIR --out DIR [-c FILE] [-X key=value]...\n"
          "\n"
          "Runs the engine on replay input and writes what it would publish. DIR holds\n"
          "<topic name>.jsonl per input topic, one message value per line in the topic's\n"
          "wire format (an Avro topic's lines are JSON objects its mapping reads). The\n"
          "records run in occurredAt order (stable: topic declaration order, then line\n"
          "order). The output folder gets <topic name>.jsonl per output topic, one\n"
          "{\"key\": ..., \"value\": ... | null} per line, and the dead-letter topic's file\n"
          "for lines that cannot be decoded or applied. Same inputs give byte-identical\n"
          "outputs: the clock is the event clock unless -X clock=wall.\n"
          "\n"
          "      --in DIR         folder of replay input\n"
          "      --out DIR        folder for the outputs (created; files replaced)\n"
          "  -c, --config FILE    properties file (key=value, # comments)\n"
          "  -X key=value         override one setting (repeatable)\n"
          "  -h, --help           this text\n",
          out);
}

/* One decoded record, kept as canonical JSON until its turn. */
struct item {
    int64_t occurred_at;
    size_t seq; /* decoding order: the tie-break */
    size_t topic;
    int64_t line;
    uint32_t part;
    enum c360_entity entity;
    char *json;
};

struct replay {
    struct item *items;
    size_t n, cap;
    struct c360_record *rec;
    size_t topic_index; /* of the topic being read */
    FILE *dlq;
    const char *dlq_name;
    long refused;
};

static int item_cmp(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int64_t ox = x->occurred_at == C360_TIME_NONE ? INT64_MIN : x->occurred_at;
    int64_t oy = y->occurred_at == C360_TIME_NONE ? INT64_MIN : y->occurred_at;
    if (ox != oy)
        return ox < oy ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A dead-letter line: the original value and why. */
static void dead_letter(struct replay *r, const char *topic, int64_t line, const char *value,
                        size_t len, const struct c360_diag *diag)
{
    struct c360_jsonw w;
    const char *text;
    size_t n;
    r->refused++;
    fprintf(stderr, "c360 replay: %s line %lld: %s%s%s\n", topic, (long long)line + 1, diag->field,
            diag->field[0] ? ": " : "", diag->text);
    c360_jsonw_init(&w, 2 * REPLAY_LINE_MAX + 4096);
    c360_jsonw_object(&w);
    c360_jsonw_key(&w, "key");
    c360_jsonw_null(&w);
    c360_jsonw_key(&w, "value");
    c360_jsonw_strn(&w, value, len);
    c360_jsonw_key(&w, "headers");
    c360_jsonw_object(&w);
    c360_jsonw_key(&w, "__connect.errors.topic");
    c360_jsonw_str(&w, topic);
    c360_jsonw_key(&w, "__connect.errors.offset");
    c360_jsonw_int(&w, line);
    c360_jsonw_key(&w, "__connect.errors.exception.message");
    char msg[sizeof(diag->field) + sizeof(diag->text) + 4];
    snprintf(msg, sizeof(msg), "%s%s%s", diag->field, diag->field[0] ? ": " : "", diag->text);
    c360_jsonw_str(&w, msg);
    c360_jsonw_object_end(&w);
    c360_jsonw_object_end(&w);
    if (c360_jsonw_text(&w, &text, &n) == C360_OK)
        fprintf(r->dlq, "%s\n", text);
    c360_jsonw_free(&w);
}

static void on_refused(void *arg, const struct c360_topic *t, int64_t line, const char *value,
                       size_t len, const struct c360_diag *diag)
{
    dead_letter(arg, t->name, line, value, len, diag);
}

/* Keeps a decoded record as canonical JSON until its turn. */
static enum c360_err on_record(void *arg, const struct c360_topic *t, int64_t line, size_t part,
                               struct c360_record *rec)
{
    struct replay *r = arg;
    if (r->n == REPLAY_RECORDS_MAX)
        return C360_ERR_LIMIT;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        struct item *items = realloc(r->items, cap * sizeof(*items));
        if (!items)
            return C360_ERR_NOMEM;
        r->items = items;
        r->cap = cap;
    }
    struct item *it = &r->items[r->n];
    *it = (struct item){.occurred_at = rec->occurred_at,
                        .seq = r->n,
                        .topic = r->topic_index,
                        .line = line,
                        .part = (uint32_t)part,
                        .entity = rec->entity};
    (void)t;
    enum c360_err err = c360_codec_json_encode(rec, C360_CODEC_COMPACT, &it->json);
    if (!err)
        r->n++;
    return err;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One output line: {"key": "...", "value": <json> | null}. */
static void write_output(FILE *out, const struct c360_engine_output *o)
{
    struct c360_jsonw w;
    const char *text;
    size_t n;
    c360_jsonw_init(&w, o->key_len * 6 + 64);
    c360_jsonw_strn(&w, o->key, o->key_len);
    if (c360_jsonw_text(&w, &text, &n) == C360_OK) {
        fputs("{\"key\":", out);
        fwrite(text, 1, n, out);
        fputs(",\"value\":", out);
        if (o->value)
            fwrite(o->value, 1, o->value_len, out);
        else
            fputs("null", out);
        fputs("}\n", out);
    }
    c360_jsonw_free(&w);
}

static enum c360_err run(const struct c360_config *cfg, const struct c360_topic_set *topics,
                         const char *in_dir, const char *out_dir, struct replay *r)
{
    struct c360_identity_rules *rules = NULL;
    struct c360_segment_set *segments = NULL;
    struct c360_engine *eng = NULL;
    FILE *files[C360_OUT_COUNT] = {NULL};
    struct c360_diag diag;
    char path[4096];
    enum c360_err err;
    size_t n_insights;
    const struct c360_segment_insight *insights = c360_engine_insights(&n_insights);
    c360_diag_clear(&diag);
    if ((err = c360_identity_rules_load(c360_config_str(cfg, "identity.rules"), &rules, &diag)) ||
        (err = c360_segment_set_load(c360_config_str(cfg, "segments"), insights, n_insights,
                                     &segments, &diag))) {
        c360_cli_report("replay", err, &diag);
        goto done;
    }
    struct c360_engine_config ecfg = {
        .rules = rules,
        .segments = segments,
        .clock = strcmp(c360_config_str(cfg, "clock"), "event") == 0 ? C360_CLOCK_EVENT
                                                                     : C360_CLOCK_WALL,
        .currency = c360_config_str(cfg, "currency"),
    };
    bool wall = ecfg.clock == C360_CLOCK_WALL;
    if ((err = c360_engine_new(&ecfg, &eng)))
        goto done;
    if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "c360 replay: cannot create %s: %s\n", out_dir, strerror(errno));
        err = C360_ERR_IO;
        goto done;
    }
    for (int t = 0; t < C360_OUT_COUNT; t++) {
        const struct c360_topic *topic =
            c360_topic_set_find(topics, c360_engine_topic_id((enum c360_engine_topic)t));
        if (!topic)
            continue;
        snprintf(path, sizeof(path), "%s/%s.jsonl", out_dir, topic->name);
        if (!(files[t] = fopen(path, "w"))) {
            fprintf(stderr, "c360 replay: cannot write %s: %s\n", path, strerror(errno));
            err = C360_ERR_IO;
            goto done;
        }
    }
    snprintf(path, sizeof(path), "%s/%s.jsonl", out_dir, r->dlq_name);
    if (!(r->dlq = fopen(path, "w"))) {
        err = C360_ERR_IO;
        goto done;
    }
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        struct c360_cli_replay_sink sink = {on_record, on_refused, r};
        r->topic_index = i;
        if (t->role == C360_TOPIC_INPUT && (err = c360_cli_replay_read(in_dir, t, r->rec, &sink))) {
            fprintf(stderr, "c360 replay: cannot read %s/%s.jsonl: %s\n", in_dir, t->name,
                    c360_err_str(err));
            goto done;
        }
    }
    qsort(r->items, r->n, sizeof(*r->items), item_cmp);
    size_t outputs = 0;
    for (size_t i = 0; i < r->n; i++) {
        struct item *it = &r->items[i];
        const struct c360_topic *t = c360_topic_set_at(topics, it->topic);
        struct c360_engine_outputs outs;
        c360_record_reset(r->rec, it->entity);
        c360_diag_clear(&diag);
        struct c360_engine_position pos = {t->name, 0, it->line, it->part};
        if ((err = c360_codec_json_decode(it->json, strlen(it->json), r->rec, &diag)) == C360_OK)
            err = c360_engine_apply(eng, r->rec, &pos, wall ? wall_ms() : it->occurred_at, &outs,
                                    &diag);
        else
            outs.count = 0;
        for (size_t k = 0; k < outs.count; k++)
            if (files[outs.items[k].topic])
                write_output(files[outs.items[k].topic], &outs.items[k]), outputs++;
        if (err == C360_ERR_NOMEM)
            goto done;
        if (err)
            dead_letter(r, t->name, it->line, it->json, strlen(it->json), &diag);
        free(it->json);
        it->json = NULL;
    }
    fprintf(stderr,
            "c360 replay: %zu records applied, %ld refused, %zu outputs; %zu profiles with "
            "timers pending; state %zu bytes\n",
            r->n, r->refused, outputs, c360_engine_timers(eng), c360_engine_bytes(eng));
    err = C360_OK;
done:
    for (int t = 0; t < C360_OUT_COUNT; t++)
        if (files[t] && fclose(files[t]) != 0 && !err)
            err = C360_ERR_IO;
    if (r->dlq && fclose(r->dlq) != 0 && !err)
        err = C360_ERR_IO;
    r->dlq = NULL;
    c360_engine_destroy(eng);
    c360_segment_set_free(segments);
    c360_identity_rules_free(rules);
    return err;
}

int c360_cli_replay(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    const char *in_dir = NULL, *out_dir = NULL;
    enum { OPT_IN = C360_OPT_FIRST_COMMAND, OPT_OUT };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"in", required_argument, NULL, OPT_IN},
        {"out", required_argument, NULL, OPT_OUT},
        {NULL, 0, NULL, 0},
    };
    /* The event clock unless an override says otherwise: -X is applied in
     * order, so this first one yields to the user's. */
    cc.overrides[cc.n_overrides++] = "clock=event";
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        } else if (opt == OPT_IN) {
            in_dir = optarg;
        } else if (opt == OPT_OUT) {
            out_dir = optarg;
        } else if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (!in_dir || !out_dir || optind != argc) {
        usage(stderr);
        return C360_EXIT_USAGE;
    }
    struct c360_config *cfg = NULL;
    struct c360_topic_set *topics = NULL;
    struct replay r = {0};
    int rc = C360_EXIT_USAGE;
    if (c360_cli_conf_load(&cc, &cfg) || c360_cli_topics_load(cfg, &topics))
        goto done;
    rc = C360_EXIT_FAIL;
    const struct c360_topic *dlq = c360_topic_set_find(topics, "dlq");
    r.dlq_name = dlq ? dlq->name : "c360.dlq";
    if (c360_record_new(C360_ENTITY_INDIVIDUAL, &r.rec))
        goto done;
    if (run(cfg, topics, in_dir, out_dir, &r) == C360_OK)
        rc = C360_EXIT_OK;
done:
    for (size_t i = 0; i < r.n; i++)
        free(r.items[i].json);
    free(r.items);
    c360_record_destroy(r.rec);
    c360_topic_set_destroy(topics);
    c360_config_destroy(cfg);
    return rc;
}
