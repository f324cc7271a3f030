/*
 * c360 runtime — the processor on Kafka.
 *
 * One consumer in group `group.id` subscribes to every declared input topic
 * whose format has a decoder. Each record is decoded into canonical records
 * (a Salesforce CDC event may hold several, its parts), each part is applied
 * to the engine, and every output the engine returns goes to its topic
 * through one idempotent producer. A record that cannot be decoded or that
 * the engine refuses goes to the dead-letter topic, and its partition keeps
 * flowing; the outputs of the parts applied before the refusal are produced
 * all the same, because the engine's state already holds them.
 *
 * At-least-once (DESIGN.md §6): offsets are never auto-committed. Each
 * message produced carries the consumed record that caused it; offsets.c
 * keeps, per partition, the oldest record whose messages are not all
 * confirmed delivered, and only offsets before it are committed —
 * asynchronously every commit.interval.ms, synchronously when partitions are
 * revoked and when the processor stops (both after flushing the producer).
 * Outputs of timers fired by the wall clock have no input record and hold
 * no offset back. A message that cannot be delivered stops the processor:
 * its partition's offset stays before the record that caused it.
 *
 * The engine's state lives in memory until the state store exists (issue 6):
 * a restarted processor resumes from the committed offsets with an empty
 * state.
 */
#include "c360/codec.h"
#include "c360/engine.h"
#include "c360/identity.h"
#include "c360/kafka.h"
#include "c360/log.h"
#include "c360/registry.h"
#include "c360/runtime.h"
#include "c360/schema.h"
#include "c360/segment.h"
#include "runtime_int.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Records one step processes at most, so commits, timers and the counters
 * others read stay current under a steady flow. */
#define STEP_RECORDS_MAX 1000
/* How often the wall clock fires the engine's timers (clock=wall). */
#define TICK_INTERVAL_MS 1000
/* How often the counters others read are refreshed. */
#define STATS_INTERVAL_MS 50
/* Longest wait for the outputs in flight when partitions are revoked or the
 * processor stops. */
#define FLUSH_TIMEOUT_MS 30000

struct c360_runtime {
    const struct c360_topic_set *topics;
    struct c360_schema_set *schemas;
    struct c360_registry *reg; /* NULL without schema.registry.url */
    struct c360_codec *codecs[C360_TOPIC_SET_MAX];
    struct c360_codec_rows *rows; /* Salesforce rows, for CDC updates */
    struct c360_record *rec;      /* reused for every part */
    struct c360_identity_rules *rules;
    struct c360_segment_set *segments;
    struct c360_engine *eng;
    bool wall; /* clock=wall: the engine is given the time, and ticked */
    struct c360_offsets *offsets;
    struct c360_producer *prod;
    int out_ids[C360_OUT_COUNT]; /* producer topic of each engine output; -1: undeclared */
    int dlq_id, resync_id;       /* resync_id -1: re-sync requests are dead-lettered */
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue; /* the consumer's queue: async commit results come there */
    char group[256];
    int64_t commit_interval_ms, next_commit_ms, next_tick_ms, stats_ms;
    bool untracked; /* an assigned partition could not be tracked: stop */
    bool closed;
    struct c360_runtime_stats stats; /* the processor's thread only */
    pthread_mutex_t lock;            /* guards shared */
    struct c360_runtime_stats shared;
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- Offsets and commits. */

static void commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    struct c360_runtime *rt = opaque;
    /* _NO_OFFSET: nothing needed committing. */
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
        return;
    size_t refused =
        c360_offsets_committed(rt->offsets, offsets, err != RD_KAFKA_RESP_ERR_NO_ERROR);
    if (err || refused) {
        c360_log(C360_LOG_WARN, "runtime", "offset commit failed error=%s partitions=%zu",
                 rd_kafka_err2name(err), refused);
        return;
    }
    rt->stats.commits++;
    c360_log(C360_LOG_DEBUG, "runtime", "offsets committed partitions=%d",
             offsets ? offsets->cnt : 0);
}

/* Commits what the delivered outputs allow: asynchronously (the answer comes
 * through the consumer's queue), or waiting for the coordinator. */
static void commit(struct c360_runtime *rt, bool sync)
{
    rd_kafka_topic_partition_list_t *list;
    if (c360_offsets_commit_list(rt->offsets, sync, &list) || !list)
        return; /* out of memory: the next round asks again */
    /* Without a queue the call waits and serves commit_cb itself; with one,
     * an error it returns at once never reaches commit_cb otherwise. */
    rd_kafka_resp_err_t kerr =
        rd_kafka_commit_queue(rt->rk, list, sync ? NULL : rt->queue, commit_cb, rt);
    if (kerr && !sync)
        commit_cb(rt->rk, kerr, list, rt);
    rd_kafka_topic_partition_list_destroy(list);
}

/* A rebalance changes what this instance owns; log it once, here. Before
 * partitions go, the outputs in flight are waited for and what they allow is
 * committed, so the next owner starts right after them. With the cooperative
 * protocol assignments are incremental, with eager ones whole. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct c360_runtime *rt = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
    char *member = rd_kafka_memberid(rk); /* new */

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        c360_log(C360_LOG_INFO, "runtime", "partitions assigned count=%d member=%s protocol=%s",
                 parts->cnt, member ? member : "-", rd_kafka_rebalance_protocol(rk));
        for (int i = 0; i < parts->cnt && !rt->untracked; i++) {
            if (c360_offsets_assign(rt->offsets, parts->elems[i].topic, parts->elems[i].partition))
                rt->untracked = true; /* the next step stops the processor */
        }
        if (cooperative)
            error = rd_kafka_incremental_assign(rk, parts);
        else
            aerr = rd_kafka_assign(rk, parts);
    } else {
        int undelivered = c360_producer_flush(rt->prod, FLUSH_TIMEOUT_MS);
        commit(rt, true);
        c360_log(undelivered ? C360_LOG_ERROR : C360_LOG_INFO, "runtime",
                 "partitions revoked count=%d reason=%s undelivered=%d uncommitted=%zu", parts->cnt,
                 rd_kafka_err2name(err), undelivered, c360_offsets_uncommitted(rt->offsets));
        for (int i = 0; i < parts->cnt; i++)
            c360_offsets_revoke(rt->offsets, parts->elems[i].topic, parts->elems[i].partition);
        if (cooperative)
            error = rd_kafka_incremental_unassign(rk, parts);
        else
            aerr = rd_kafka_assign(rk, NULL);
    }
    if (error) {
        c360_log(C360_LOG_ERROR, "runtime", "assignment change failed error=%s",
                 rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    } else if (aerr) {
        c360_log(C360_LOG_ERROR, "runtime", "assignment change failed error=%s",
                 rd_kafka_err2str(aerr));
    }
    rd_kafka_mem_free(rk, member);
}

/* --- One record. */

/* Produces the outputs of one engine call, each held against cause (NULL:
 * a timer's). An output topic the declarations leave out is not published
 * (said once at start-up). */
static enum c360_err send_outputs(struct c360_runtime *rt, const struct c360_engine_outputs *outs,
                                  struct c360_offsets_mark *cause)
{
    for (size_t i = 0; i < outs->count; i++) {
        const struct c360_engine_output *o = &outs->items[i];
        int id = rt->out_ids[o->topic];
        if (id < 0)
            continue;
        struct c360_producer_msg msg = {
            .key = o->key,
            .key_len = o->key_len,
            .value = o->value,
            .value_len = o->value_len,
            .cause = cause,
        };
        enum c360_err err = c360_producer_send(rt->prod, id, &msg);
        if (err)
            return err;
        rt->stats.outputs[o->topic]++;
    }
    return C360_OK;
}

/* A re-sync request goes to its topic keyed by org (source system). */
static enum c360_err send_resync(struct c360_runtime *rt, const rd_kafka_message_t *msg,
                                 struct c360_offsets_mark *cause, struct c360_diag *diag)
{
    char *json;
    if (rt->resync_id < 0)
        return c360_diag_fail(diag, C360_ERR_UNSUPPORTED, NULL,
                              "a re-sync request, and no topic declared for them");
    if (c360_codec_json_encode(rt->rec, C360_CODEC_COMPACT, &json))
        return C360_ERR_NOMEM;
    const char *org = rt->rec->source_system ? rt->rec->source_system : "";
    struct c360_producer_msg out = {
        .key = org,
        .key_len = strlen(org),
        .value = json,
        .value_len = strlen(json),
        .cause = cause,
    };
    enum c360_err err = c360_producer_send(rt->prod, rt->resync_id, &out);
    free(json);
    if (!err) {
        rt->stats.resyncs++;
        c360_log(C360_LOG_INFO, "runtime",
                 "re-sync requested topic=%s partition=%d offset=%lld change=%s records=%u",
                 rd_kafka_topic_name(msg->rkt), (int)msg->partition, (long long)msg->offset,
                 rt->rec->as.resync.change_type, (unsigned)rt->rec->as.resync.record_ids.count);
    }
    return err;
}

static const struct c360_codec *codec_of(const struct c360_runtime *rt, const char *name)
{
    for (size_t i = 0; i < c360_topic_set_count(rt->topics); i++) {
        if (strcmp(c360_topic_set_at(rt->topics, i)->name, name) == 0)
            return rt->codecs[i];
    }
    return NULL;
}

/* Whether err stops the processor rather than the record: the record is
 * not at fault when memory runs out or Kafka cannot take an output. */
static bool fatal(enum c360_err err)
{
    return err == C360_ERR_NOMEM || err == C360_ERR_KAFKA;
}

/* Decodes one message part by part and applies each part; diag says why a
 * part was refused. */
static enum c360_err apply_parts(struct c360_runtime *rt, const rd_kafka_message_t *msg,
                                 struct c360_offsets_mark *cause, struct c360_diag *diag)
{
    const char *name = rd_kafka_topic_name(msg->rkt);
    const struct c360_codec *codec = codec_of(rt, name);
    struct c360_codec_msg cmsg = {
        .topic = name,
        .partition = msg->partition,
        .offset = msg->offset,
        .key = msg->key,
        .key_len = msg->key_len,
        .value = msg->payload,
        .len = msg->len,
    };
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(msg, &tstype);
    cmsg.timestamp = tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? C360_TIME_NONE : ts;
    if (!codec)
        return c360_diag_fail(diag, C360_ERR_UNSUPPORTED, NULL, "no decoder for this topic");

    enum c360_err err = C360_OK;
    size_t parts = 1;
    for (size_t part = 0; part < parts && !err; part++) {
        c360_diag_clear(diag);
        if ((err = c360_codec_decode_part(codec, &cmsg, part, rt->rec, &parts, diag)))
            break;
        if (rt->rec->change == C360_CHANGE_RESYNC) {
            err = send_resync(rt, msg, cause, diag);
            continue;
        }
        struct c360_engine_outputs outs = {0};
        struct c360_engine_position pos = {name, msg->partition, msg->offset, (uint32_t)part};
        err = c360_engine_apply(rt->eng, rt->rec, &pos, rt->wall ? wall_ms() : 0, &outs, diag);
        /* Outputs made before a refusal are state the engine now holds. */
        enum c360_err serr = send_outputs(rt, &outs, cause);
        if (serr)
            return serr;
    }
    return err;
}

/* Processes one consumed record. Returns an error only when the processor
 * must stop. Logs name the field and position only: diagnostics may quote
 * customer data. */
static enum c360_err process(struct c360_runtime *rt, const rd_kafka_message_t *msg)
{
    const char *name = rd_kafka_topic_name(msg->rkt);
    struct c360_offsets_mark *cause;
    struct c360_diag diag;
    enum c360_err err =
        c360_offsets_consume(rt->offsets, name, msg->partition, msg->offset, &cause);
    if (err == C360_ERR_NOT_FOUND) {
        /* Fetched before a revocation took effect: the next owner has it. */
        c360_log(C360_LOG_DEBUG, "runtime", "record of a partition not owned topic=%s partition=%d",
                 name, (int)msg->partition);
        return C360_OK;
    }
    if (err)
        return err;
    c360_diag_clear(&diag);
    err = apply_parts(rt, msg, cause, &diag);
    if (err == C360_OK) {
        rt->stats.applied++;
        c360_log(C360_LOG_DEBUG, "runtime", "record applied topic=%s partition=%d offset=%lld",
                 name, (int)msg->partition, (long long)msg->offset);
    } else if (!fatal(err)) {
        /* A failed part sends the whole message: the DLQ keeps original bytes. */
        rt->stats.dead_lettered++;
        c360_log(C360_LOG_WARN, "runtime",
                 "record sent to the dead-letter topic topic=%s partition=%d offset=%lld "
                 "field=%s error=%s",
                 name, (int)msg->partition, (long long)msg->offset,
                 diag.field[0] ? diag.field : "-", c360_err_str(err));
        struct c360_producer_msg dead = {
            .key = msg->key,
            .key_len = msg->key_len,
            .value = msg->payload ? msg->payload : "",
            .value_len = msg->len,
            .headers = c360_dlq_headers_new(msg, err, &diag),
            .cause = cause,
        };
        err = c360_producer_send(rt->prod, rt->dlq_id, &dead);
    } else if (err == C360_ERR_NOMEM) {
        c360_log(C360_LOG_ERROR, "runtime", "out of memory topic=%s partition=%d offset=%lld", name,
                 (int)msg->partition, (long long)msg->offset);
    }
    /* The record itself is done; its messages hold it until delivered. A
     * fatal error leaves it pinned, so nothing after it is committed. */
    c360_offsets_done(rt->offsets, cause, err == C360_OK);
    return err;
}

/* --- Set-up. */

static enum c360_err subscribe_inputs(struct c360_runtime *rt)
{
    size_t n = c360_topic_set_count(rt->topics);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++) {
        if (rt->codecs[i])
            rd_kafka_topic_partition_list_add(subs, c360_topic_set_at(rt->topics, i)->name,
                                              RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t kerr = rd_kafka_subscribe(rt->rk, subs);
    int cnt = subs->cnt;
    rd_kafka_topic_partition_list_destroy(subs);
    if (kerr) {
        c360_log(C360_LOG_ERROR, "runtime", "subscribe failed error=%s", rd_kafka_err2str(kerr));
        return C360_ERR_KAFKA;
    }
    c360_log(C360_LOG_INFO, "runtime", "subscribed topics=%d", cnt);
    return C360_OK;
}

/* A subscribed consumer in group rt->group; failures are logged here. */
static enum c360_err consumer_new(const struct c360_config *cfg, struct c360_runtime *rt)
{
    enum c360_err err;
    struct c360_diag diag;
    rd_kafka_conf_t *conf;
    char errstr[512], text[1024];

    c360_diag_clear(&diag);
    /* c360's consumer settings; kafka.* settings may override all but group.id
     * (c360's own setting: a kafka.group.id would be a second truth) and
     * enable.auto.commit (committing is c360's job, DESIGN.md §6).
     * The range assignor gives one instance the same partition numbers of every
     * input topic, which co-partitioned state needs (DESIGN.md §6); the sticky
     * assignors do not promise that, and cooperative-sticky also aborts on a
     * close before the first assignment in librdkafka < 2.3 (issue #4312). */
    const struct c360_kafka_default defaults[] = {
        {"group.id", rt->group},
        {"client.id", "c360"},
        {"enable.auto.commit", "false"},
        {"auto.offset.reset", "earliest"},
        {"partition.assignment.strategy", "range"},
        {NULL, NULL},
    };
    if (c360_config_kafka_get(cfg, "group.id"))
        err = c360_diag_fail(&diag, C360_ERR_INVALID, "kafka.group.id",
                             "set the consumer group with group.id, not kafka.group.id");
    else if (c360_config_kafka_get(cfg, "enable.auto.commit"))
        err = c360_diag_fail(&diag, C360_ERR_INVALID, "kafka.enable.auto.commit",
                             "c360 commits offsets itself, after the outputs they caused are "
                             "delivered; this cannot be overridden");
    else
        err = c360_kafka_conf_new(cfg, defaults, &conf, &diag);
    if (err) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot configure consumer: %s", text);
        return err;
    }
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, rt);
    if (!(rt->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        c360_log(C360_LOG_ERROR, "runtime", "cannot create consumer error=%s", errstr);
        return C360_ERR_KAFKA;
    }
    rd_kafka_poll_set_consumer(rt->rk); /* rebalances, errors, commits: through consumer_poll */
    if (!(rt->queue = rd_kafka_queue_get_consumer(rt->rk))) {
        c360_log(C360_LOG_ERROR, "runtime", "the consumer has no queue for commit results");
        return C360_ERR_KAFKA;
    }
    return subscribe_inputs(rt);
}

enum c360_err c360_runtime_registry_new(const struct c360_config *cfg, struct c360_registry **out,
                                        struct c360_diag *diag)
{
    /* The registry client's option names, as the settings spell them. */
    static const char *const keys[][2] = {
        {"url", "schema.registry.url"},
        {"timeout_ms", "schema.registry.timeout.ms"},
        {"max_attempts", "schema.registry.retries"},
        {"backoff_ms", "schema.registry.backoff.ms"},
        {"backoff_max_ms", "schema.registry.backoff.max.ms"},
        {"basic_auth", "schema.registry.basic.auth.user.info"},
    };
    const char *auth = c360_config_str(cfg, "schema.registry.basic.auth.user.info");
    struct c360_registry_opts opts = {
        .url = c360_config_str(cfg, "schema.registry.url"),
        .timeout_ms = (long)c360_config_int(cfg, "schema.registry.timeout.ms"),
        .max_attempts = (int)c360_config_int(cfg, "schema.registry.retries") + 1,
        .backoff_ms = (long)c360_config_int(cfg, "schema.registry.backoff.ms"),
        .backoff_max_ms = (long)c360_config_int(cfg, "schema.registry.backoff.max.ms"),
        .basic_auth = *auth ? auth : NULL,
    };
    *out = NULL;
    if (!*opts.url)
        return C360_OK;
    enum c360_err err = c360_registry_new(&opts, out, diag);
    for (size_t i = 0; err && diag && i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(diag->field, keys[i][0]) == 0) {
            snprintf(diag->field, sizeof(diag->field), "%s", keys[i][1]);
            break;
        }
    }
    return err;
}

/* The codec of input topic t, or NULL when its format has no decoder or is
 * Avro without a registry: those are named once, loudly, and not consumed
 * (their records stay in Kafka until c360 can decode them). */
static enum c360_err codec_prepare(const struct c360_runtime *rt, const struct c360_topic *t,
                                   struct c360_codec **out)
{
    struct c360_diag diag;
    char text[1024];
    c360_diag_clear(&diag);
    enum c360_err err = c360_codec_new(t, NULL, out, &diag);
    if (err == C360_ERR_UNSUPPORTED) {
        c360_log(C360_LOG_WARN, "runtime", "topic not consumed: no decoder yet topic=%s format=%s",
                 t->name, t->format);
        return C360_OK;
    }
    if (!err && strcmp(t->format, "avro") == 0 && !rt->reg) {
        c360_log(C360_LOG_WARN, "runtime",
                 "topic not consumed: Avro needs schema.registry.url topic=%s format=avro",
                 t->name);
        c360_codec_destroy(*out);
        *out = NULL;
        return C360_OK;
    }
    if (!err) {
        c360_codec_set_rows(*out, rt->rows);
        err = c360_codec_set_avro(*out, rt->reg, rt->schemas, &diag);
    }
    if (err) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot build the codec of %s: %s", t->name, text);
    }
    return err;
}

/* The engine as replay builds it: identity rules, segments, clock, currency. */
static enum c360_err engine_prepare(const struct c360_config *cfg, struct c360_runtime *rt)
{
    struct c360_diag diag;
    char text[1024];
    size_t n_insights;
    const struct c360_segment_insight *insights = c360_engine_insights(&n_insights);
    enum c360_err err;
    c360_diag_clear(&diag);
    if ((err =
             c360_identity_rules_load(c360_config_str(cfg, "identity.rules"), &rt->rules, &diag)) ||
        (err = c360_segment_set_load(c360_config_str(cfg, "segments"), insights, n_insights,
                                     &rt->segments, &diag))) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot set up the engine: %s", text);
        return err;
    }
    rt->wall = strcmp(c360_config_str(cfg, "clock"), "wall") == 0;
    struct c360_engine_config ecfg = {
        .rules = rt->rules,
        .segments = rt->segments,
        .clock = rt->wall ? C360_CLOCK_WALL : C360_CLOCK_EVENT,
        .currency = c360_config_str(cfg, "currency"),
    };
    if ((err = c360_engine_new(&ecfg, &rt->eng)))
        c360_log(C360_LOG_ERROR, "runtime", "cannot set up the engine error=%s", c360_err_str(err));
    return err;
}

/* The producer's topics: every engine output the declarations name, the
 * re-sync requests and the dead-letter topic. */
static enum c360_err outputs_prepare(struct c360_runtime *rt)
{
    enum c360_err err;
    rt->dlq_id = rt->resync_id = -1;
    for (int t = 0; t < C360_OUT_COUNT; t++) {
        const char *id = c360_engine_topic_id((enum c360_engine_topic)t);
        const struct c360_topic *topic = c360_topic_set_find(rt->topics, id);
        rt->out_ids[t] = -1;
        if (!topic) {
            c360_log(C360_LOG_WARN, "runtime", "outputs not published: topic not declared id=%s",
                     id);
            continue;
        }
        if ((err = c360_producer_topic(rt->prod, topic->name, &rt->out_ids[t])))
            return err;
    }
    for (size_t i = 0; i < c360_topic_set_count(rt->topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(rt->topics, i);
        if (t->role == C360_TOPIC_DLQ &&
            (err = c360_producer_topic(rt->prod, t->name, &rt->dlq_id)))
            return err;
        if (strcmp(t->id, "resync-requests") == 0 &&
            (err = c360_producer_topic(rt->prod, t->name, &rt->resync_id)))
            return err;
    }
    return C360_OK;
}

/* Everything but the consumer. */
static enum c360_err prepare(const struct c360_config *cfg, struct c360_runtime *rt)
{
    enum c360_err err;
    struct c360_diag diag;
    char text[1024];
    if ((err = c360_codec_rows_new((size_t)c360_config_int(cfg, "cdc.rows.max"), &rt->rows)))
        return err;
    c360_diag_clear(&diag);
    if ((err =
             c360_schema_set_load_dir(c360_config_str(cfg, "schemas.dir"), &rt->schemas, &diag)) ||
        (err = c360_runtime_registry_new(cfg, &rt->reg, &diag))) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot start: %s", text);
        return err;
    }
    for (size_t i = 0; i < c360_topic_set_count(rt->topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(rt->topics, i);
        if (t->role == C360_TOPIC_INPUT && (err = codec_prepare(rt, t, &rt->codecs[i])))
            return err;
    }
    if ((err = c360_record_new(C360_ENTITY_INDIVIDUAL, &rt->rec)) ||
        (err = engine_prepare(cfg, rt)) || (err = c360_offsets_new(&rt->offsets)) ||
        (err = c360_producer_new(cfg, rt->offsets, &rt->prod)))
        return err;
    return outputs_prepare(rt);
}

enum c360_err c360_runtime_new(const struct c360_config *cfg, const struct c360_topic_set *topics,
                               struct c360_runtime **out)
{
    enum c360_err err;
    struct c360_runtime *rt = calloc(1, sizeof(*rt));
    if (!rt)
        return C360_ERR_NOMEM;
    pthread_mutex_init(&rt->lock, NULL);
    rt->topics = topics;
    snprintf(rt->group, sizeof(rt->group), "%s", c360_config_str(cfg, "group.id"));
    rt->commit_interval_ms = c360_config_int(cfg, "commit.interval.ms");
    rt->next_commit_ms = mono_ms() + rt->commit_interval_ms;
    rt->next_tick_ms = mono_ms() + TICK_INTERVAL_MS;
    if ((err = prepare(cfg, rt)) || (err = consumer_new(cfg, rt)))
        goto fail;
    c360_log(C360_LOG_INFO, "runtime", "joining group group=%s clock=%s", rt->group,
             rt->wall ? "wall" : "event");
    *out = rt;
    return C360_OK;
fail:
    rt->closed = true; /* nothing joined: nothing to leave */
    c360_runtime_destroy(rt);
    return err;
}

/* --- The loop. */

static void stats_publish(struct c360_runtime *rt)
{
    struct c360_producer_counts all, dlq;
    struct c360_runtime_stats *s = &rt->stats;
    c360_producer_counts(rt->prod, -1, &all);
    c360_producer_counts(rt->prod, rt->dlq_id, &dlq);
    s->queued = all.queued;
    s->delivered = all.delivered;
    s->failed = all.failed;
    s->dlq_delivered = dlq.delivered;
    s->in_flight = c360_offsets_in_flight(rt->offsets);
    s->uncommitted = c360_offsets_uncommitted(rt->offsets);
    const struct c360_identity *graph = c360_engine_identity(rt->eng);
    s->identity_records = c360_identity_count(graph);
    s->identity_capped_keys = c360_identity_capped_keys(graph);
    s->timers = c360_engine_timers(rt->eng);
    pthread_mutex_lock(&rt->lock);
    rt->shared = *s;
    pthread_mutex_unlock(&rt->lock);
}

void c360_runtime_stats(struct c360_runtime *rt, struct c360_runtime_stats *out)
{
    pthread_mutex_lock(&rt->lock);
    *out = rt->shared;
    pthread_mutex_unlock(&rt->lock);
}

/* Takes one message from the consumer's poll; false with *err set when the
 * processor must stop. */
static bool consume(struct c360_runtime *rt, rd_kafka_message_t *msg, enum c360_err *err)
{
    if (msg->err == RD_KAFKA_RESP_ERR__FATAL) {
        char reason[512];
        rd_kafka_resp_err_t ferr = rd_kafka_fatal_error(rt->rk, reason, sizeof(reason));
        c360_log(C360_LOG_ERROR, "runtime", "fatal consumer error error=%s reason=%s",
                 rd_kafka_err2name(ferr), reason);
        *err = C360_ERR_KAFKA;
        return false;
    }
    if (msg->err) {
        c360_log(C360_LOG_WARN, "runtime", "consume error error=%s topic=%s",
                 rd_kafka_err2name(msg->err), msg->rkt ? rd_kafka_topic_name(msg->rkt) : "-");
        return true;
    }
    rt->stats.received++;
    c360_log(C360_LOG_DEBUG, "runtime", "record received topic=%s partition=%d offset=%lld",
             rd_kafka_topic_name(msg->rkt), (int)msg->partition, (long long)msg->offset);
    *err = process(rt, msg);
    return *err == C360_OK;
}

enum c360_err c360_runtime_step(struct c360_runtime *rt, int timeout_ms)
{
    enum c360_err err = C360_OK;
    int64_t now = mono_ms();
    c360_producer_poll(rt->prod, 0);
    for (int n = 0; n < STEP_RECORDS_MAX; n++) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rt->rk, n ? 0 : timeout_ms); /* new */
        if (!msg)
            break;
        bool go_on = consume(rt, msg, &err);
        rd_kafka_message_destroy(msg);
        if (!go_on)
            goto done;
    }
    c360_producer_poll(rt->prod, 0);
    now = mono_ms();
    if (rt->wall && now >= rt->next_tick_ms) {
        struct c360_engine_outputs outs = {0};
        rt->next_tick_ms = now + TICK_INTERVAL_MS;
        err = c360_engine_tick(rt->eng, wall_ms(), &outs);
        enum c360_err serr = send_outputs(rt, &outs, NULL);
        if (err || serr) {
            err = err ? err : serr;
            c360_log(C360_LOG_ERROR, "runtime", "timers failed error=%s", c360_err_str(err));
            goto done;
        }
    }
    if (now >= rt->next_commit_ms) {
        rt->next_commit_ms = now + rt->commit_interval_ms;
        commit(rt, false);
    }
    struct c360_producer_counts counts;
    c360_producer_counts(rt->prod, -1, &counts);
    if (rt->untracked) {
        c360_log(C360_LOG_ERROR, "runtime",
                 "stopping: an assigned partition cannot be tracked (out of memory or more "
                 "than %d partitions)",
                 C360_OFFSETS_PARTITIONS_MAX);
        err = C360_ERR_LIMIT;
    } else if (counts.failed) {
        /* Going on would hold the failed record's partition forever while
         * applying what comes after it; a restart reprocesses from there. */
        c360_log(C360_LOG_ERROR, "runtime",
                 "stopping: %lld outputs were not delivered; offsets stay before the records "
                 "that caused them",
                 counts.failed);
        err = C360_ERR_KAFKA;
    }
done:
    if (err || now - rt->stats_ms >= STATS_INTERVAL_MS) {
        rt->stats_ms = now;
        stats_publish(rt);
    }
    return err;
}

enum c360_err c360_runtime_close(struct c360_runtime *rt)
{
    /* Outputs first: they must be stored before their offsets are committed
     * and the partitions let go (the revocation commits). */
    int undelivered = c360_producer_flush(rt->prod, FLUSH_TIMEOUT_MS);
    /* Serves the last commit answers, revokes the assignment through
     * rebalance_cb (which commits) and sends LeaveGroup. */
    rd_kafka_resp_err_t kerr = rd_kafka_consumer_close(rt->rk);
    rt->closed = true;
    stats_publish(rt);
    const struct c360_runtime_stats *s = &rt->stats;
    long long outputs = 0;
    for (int t = 0; t < C360_OUT_COUNT; t++)
        outputs += s->outputs[t];
    bool lost = undelivered || s->failed;
    c360_log(lost ? C360_LOG_ERROR : C360_LOG_INFO, "runtime",
             "records received=%lld applied=%lld dead_lettered=%lld resyncs=%lld outputs=%lld "
             "messages_delivered=%lld messages_failed=%lld messages_undelivered=%d "
             "dlq_delivered=%lld commits=%lld identity_records=%zu identity_capped_keys=%zu "
             "profiles_with_timers=%zu",
             s->received, s->applied, s->dead_lettered, s->resyncs, outputs, s->delivered,
             s->failed, undelivered, s->dlq_delivered, s->commits, s->identity_records,
             s->identity_capped_keys, s->timers);
    c360_log(C360_LOG_INFO, "runtime",
             "outputs by topic identity-changes=%lld identity-links=%lld unified-profile=%lld "
             "segment-changes=%lld segment-membership=%lld activation-marketing=%lld "
             "activation-csr-insight=%lld",
             s->outputs[C360_OUT_IDENTITY_CHANGES], s->outputs[C360_OUT_IDENTITY_LINKS],
             s->outputs[C360_OUT_UNIFIED_PROFILE], s->outputs[C360_OUT_SEGMENT_CHANGES],
             s->outputs[C360_OUT_SEGMENT_MEMBERSHIP], s->outputs[C360_OUT_ACTIVATION_MARKETING],
             s->outputs[C360_OUT_ACTIVATION_CSR]);
    if (kerr)
        c360_log(C360_LOG_WARN, "runtime", "consumer close error=%s", rd_kafka_err2str(kerr));
    else
        c360_log(C360_LOG_INFO, "runtime", "left group group=%s", rt->group);
    return lost ? C360_ERR_KAFKA : kerr ? C360_ERR_KAFKA : C360_OK;
}

void c360_runtime_destroy(struct c360_runtime *rt)
{
    if (!rt)
        return;
    if (rt->queue)
        rd_kafka_queue_destroy(rt->queue);
    if (rt->rk) {
        if (!rt->closed)
            (void)rd_kafka_consumer_close(rt->rk);
        rd_kafka_destroy(rt->rk);
    }
    for (size_t i = 0; i < C360_TOPIC_SET_MAX; i++)
        c360_codec_destroy(rt->codecs[i]);
    c360_registry_destroy(rt->reg); /* after the codecs that borrow it */
    c360_schema_set_destroy(rt->schemas);
    c360_record_destroy(rt->rec);
    c360_producer_destroy(rt->prod); /* before the offsets its messages refer to */
    c360_offsets_destroy(rt->offsets);
    c360_engine_destroy(rt->eng);
    c360_segment_set_free(rt->segments);
    c360_identity_rules_free(rt->rules);
    c360_codec_rows_destroy(rt->rows);
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

enum c360_err c360_runtime_run(const struct c360_config *cfg, const struct c360_topic_set *topics)
{
    struct c360_runtime *rt;
    enum c360_err err = c360_runtime_new(cfg, topics, &rt);
    if (err)
        return err;
    int timeout_ms = (int)c360_config_int(cfg, "poll.timeout.ms");
    int sig = 0;
    while (!(sig = c360_runtime_signal_take(0))) {
        if ((err = c360_runtime_step(rt, timeout_ms)))
            break;
    }
    if (sig)
        c360_log(C360_LOG_INFO, "runtime", "stopping signal=%s",
                 sig == SIGINT ? "SIGINT" : "SIGTERM");
    enum c360_err cerr = c360_runtime_close(rt);
    c360_runtime_destroy(rt);
    return err ? err : cerr;
}
