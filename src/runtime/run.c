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
 * State (DESIGN.md §6): records are processed in batches. A batch ends when
 * no more records wait or batch.records were taken; its outputs are then
 * awaited, and the state they came from (the engine's changed items, the
 * Salesforce CDC rows) and the input offsets after the batch are committed
 * in one transaction of the state store (state.h). A processor starts by
 * loading the store and reads each partition it is assigned from the offset
 * stored with the state, or from the beginning when the store has none: a
 * crash loses nothing and applies nothing twice, and outputs re-emitted for
 * a batch that was not committed carry the same eventIds. Kafka offsets are
 * committed as well, for lag tools only.
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
#include "c360/state.h"
#include "c360/strmap.h"
#include "runtime_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Input partitions whose position the store keeps. */
#define POSITIONS_MAX 100000
/* How often the wall clock fires the engine's timers (clock=wall). */
#define TICK_INTERVAL_MS 1000
/* How often the counters others read are refreshed; consumer lag and the
 * state's size, which cost more to take, less often. */
#define STATS_INTERVAL_MS 50
#define LAG_INTERVAL_MS 1000
#define STATE_BYTES_INTERVAL_MS 10000
/* Longest wait for the outputs in flight when partitions are revoked or the
 * processor stops. */
#define FLUSH_TIMEOUT_MS 30000

/* Consumed records, owned (rd_kafka_message_destroy). */
struct msgs {
    rd_kafka_message_t **v;
    size_t n, cap;
};

/*
 * A batch as it is about to be applied (DESIGN.md §6): the wall clock it is
 * applied at, whether the timers are ticked, and per partition the offset it
 * ends before. Stored (C360_DB_META "batch") before the batch's first output
 * is produced and deleted with the batch's commit, so a processor that dies
 * in between re-runs exactly that batch, in the same order and at the same
 * time, and sends the same outputs again: a compacted topic is never left
 * with an output the state no longer knows of.
 */
struct intent {
    bool active;
    int64_t now_ms;
    bool tick;
    size_t n;
    struct intent_end {
        char key[300]; /* "topic:partition" */
        int64_t end;
    } * ends;
};

/* Where the state stands in one input partition: the next offset to read.
 * dirty: moved since the last state commit. */
struct position {
    char *key; /* "topic:partition", new */
    int64_t next;
    bool dirty;
};

struct c360_runtime {
    const struct c360_topic_set *topics;
    struct c360_schema_set *schemas;
    struct c360_registry *reg; /* NULL without schema.registry.url */
    struct c360_codec *codecs[C360_TOPIC_SET_MAX];
    struct c360_codec_rows *rows;       /* Salesforce rows, for CDC updates */
    struct c360_codec_rows *rows_batch; /* the rows the open batch changed, staged */
    struct c360_decode *decode;         /* decodes a batch ahead of its application */
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
    struct c360_state *state;
    struct c360_strmap *pos_by_key; /* "topic:partition" -> index into pos */
    struct position *pos;
    size_t n_pos, cap_pos;
    /* The position a record last moved: records come in runs of one
     * partition. pos_last >= n_pos: none. */
    size_t pos_last;
    int32_t pos_last_partition;
    char pos_last_topic[256];
    int batch_max;       /* records in one batch at most */
    bool batch_open;     /* state changed since the last commit */
    bool batch_failed;   /* a commit failed in a callback: the next step stops */
    int64_t batch_ms;    /* monotonic: when the open batch took its first change */
    int64_t batch_now;   /* the wall clock the batch is applied at (clock=wall) */
    struct msgs batch;   /* the records of the batch being taken */
    bool prefetched;     /* batch was taken and is being decoded: apply it next */
    int64_t prefetch_us; /* monotonic: when it was taken */
    struct msgs held;    /* records polled past a batch being re-run */
    struct intent redo;  /* a batch to re-run exactly, from the store */
    int64_t redo_deadline_ms;
    bool closed;
    struct c360_runtime_stats stats; /* the processor's thread only */
    pthread_mutex_t lock;            /* guards shared */
    struct c360_runtime_stats shared;

    int64_t next_lag_ms, next_bytes_ms;
    int prod_ids[C360_TOPIC_SET_MAX]; /* producer topic of each declared topic; -1: none */
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

/* --- Positions, batches and the state store. */

static void position_key(const char *topic, int32_t partition, char *buf, size_t size);

#define INTENT_KEY "batch"
/* How long a batch to re-run may wait for its partitions. */
#define REDO_TIMEOUT_MS 60000

static enum c360_err msgs_push(struct msgs *m, rd_kafka_message_t *msg)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        rd_kafka_message_t **v = realloc(m->v, cap * sizeof(*v));
        if (!v)
            return C360_ERR_NOMEM;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = msg;
    return C360_OK;
}

static void msgs_free(struct msgs *m)
{
    for (size_t i = 0; i < m->n; i++)
        rd_kafka_message_destroy(m->v[i]);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

/* A batch record's place in the order it is applied in, whatever order Kafka
 * delivered it: topic (by name), partition, offset; errors (no topic) first,
 * as they came. The topic's rank among the batch's topics stands for its
 * name, so sorting compares numbers only. */
struct placed {
    uint32_t topic; /* 0: no topic; else 1 + the name's rank */
    int32_t partition;
    int64_t offset;
    size_t at;      /* its index before sorting */
    uint32_t group; /* its group's index in the batch's groups */
    rd_kafka_message_t *msg;
};

/* The records of one topic and partition in a batch, or all its errors
 * (topic 0). Kafka hands a partition's records over in offset order, in
 * runs between other partitions' runs, so sorting a batch is mostly
 * gathering each group's records in the order they came. */
struct group {
    uint32_t topic;
    int32_t partition;  /* 0 for the errors */
    size_t count, next; /* its records; where its next one goes */
};

/* Groups of one batch at most; a batch with more is sorted by comparisons. */
#define SORT_GROUPS_MAX 512

static int placed_cmp(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    if (x->topic != y->topic)
        return x->topic < y->topic ? -1 : 1;
    if (!x->topic || x->partition == y->partition) {
        int64_t l = x->topic ? x->offset : (int64_t)x->at,
                r = y->topic ? y->offset : (int64_t)y->at;
        if (l != r)
            return l < r ? -1 : 1;
        /* One offset twice (fetched again after a re-assignment): as they came. */
        return x->at < y->at ? -1 : x->at > y->at;
    }
    return x->partition < y->partition ? -1 : 1;
}

static int group_cmp(const void *a, const void *b)
{
    const struct group *x = *(const struct group *const *)a, *y = *(const struct group *const *)b;
    if (x->topic != y->topic)
        return x->topic < y->topic ? -1 : 1;
    return x->partition < y->partition ? -1 : x->partition > y->partition;
}

/* order sorted as placed_cmp sorts it, in time linear in n when the batch
 * holds at most SORT_GROUPS_MAX groups: each record goes to its group's
 * place, in the order it came, and a group that came out of offset order is
 * sorted on its own. NULL (order untouched but for its groups) when there
 * are more groups or memory is short. */
static struct placed *gather(struct placed *order, size_t n)
{
    struct group groups[SORT_GROUPS_MAX], *ranked[SORT_GROUPS_MAX];
    size_t n_groups = 0, g = 0;
    for (size_t i = 0; i < n; i++) {
        struct placed *p = &order[i];
        int32_t partition = p->topic ? p->partition : 0;
        /* Records come in runs: the last group is most often the one. */
        if (!n_groups || groups[g].topic != p->topic || groups[g].partition != partition) {
            for (g = 0; g < n_groups; g++)
                if (groups[g].topic == p->topic && groups[g].partition == partition)
                    break;
            if (g == n_groups) {
                if (n_groups == SORT_GROUPS_MAX)
                    return NULL;
                groups[n_groups++] = (struct group){p->topic, partition, 0, 0};
            }
        }
        groups[g].count++;
        p->group = (uint32_t)g;
    }
    struct placed *sorted = malloc(n * sizeof(*sorted));
    if (!sorted)
        return NULL;
    for (g = 0; g < n_groups; g++)
        ranked[g] = &groups[g];
    qsort(ranked, n_groups, sizeof(ranked[0]), group_cmp);
    size_t at = 0;
    for (g = 0; g < n_groups; g++) {
        ranked[g]->next = at;
        at += ranked[g]->count;
    }
    for (size_t i = 0; i < n; i++)
        sorted[groups[order[i].group].next++] = order[i];
    /* Each group now ends where the next begins. */
    for (g = 0, at = 0; g < n_groups; at += ranked[g]->count, g++) {
        struct placed *run = sorted + at;
        for (size_t i = 1; i < ranked[g]->count; i++) {
            if (placed_cmp(&run[i - 1], &run[i]) > 0) {
                qsort(run, ranked[g]->count, sizeof(*run), placed_cmp);
                break;
            }
        }
    }
    return sorted;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum c360_err c360_runtime_sort(rd_kafka_message_t **v, size_t n)
{
    const char *names[C360_TOPIC_SET_MAX];
    const rd_kafka_topic_t *handles[C360_TOPIC_SET_MAX];
    size_t n_names = 0;
    struct placed *order = malloc(n * sizeof(*order));
    if (!order)
        return C360_ERR_NOMEM;
    /* The batch's topics, each once: records of a topic share its handle. */
    for (size_t i = 0; i < n; i++) {
        const rd_kafka_topic_t *rkt = v[i]->rkt;
        size_t k = 0;
        while (rkt && k < n_names && handles[k] != rkt)
            k++;
        if (rkt && k == n_names) {
            const char *name = rd_kafka_topic_name(rkt);
            for (k = 0; k < n_names && strcmp(names[k], name) != 0; k++)
                ;
            if (k == n_names) {
                if (n_names == C360_TOPIC_SET_MAX) { /* only subscribed topics come */
                    free(order);
                    return C360_ERR_LIMIT;
                }
                handles[n_names] = rkt;
                names[n_names++] = name;
            }
        }
    }
    qsort(names, n_names, sizeof(names[0]), name_cmp);
    const rd_kafka_topic_t *last = NULL; /* records come in runs of one topic */
    uint32_t topic = 0;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_message_t *msg = v[i];
        if (!msg->rkt) {
            topic = 0;
        } else if (msg->rkt != last || !topic) {
            const char *name = rd_kafka_topic_name(msg->rkt);
            for (topic = 0; strcmp(names[topic], name) != 0; topic++)
                ;
            topic++;
        }
        last = msg->rkt;
        order[i] = (struct placed){topic, msg->partition, msg->offset, i, 0, msg};
    }
    struct placed *sorted = gather(order, n);
    if (!sorted)
        qsort(order, n, sizeof(*order), placed_cmp);
    for (size_t i = 0; i < n; i++)
        v[i] = sorted ? sorted[i].msg : order[i].msg;
    free(sorted);
    free(order);
    return C360_OK;
}

static void intent_clear(struct intent *in)
{
    free(in->ends);
    memset(in, 0, sizeof(*in));
}

/* Where in->ends has key, or in->n. */
static size_t intent_find(const struct intent *in, const char *key)
{
    size_t i = 0;
    while (i < in->n && strcmp(in->ends[i].key, key) != 0)
        i++;
    return i;
}

/* The intent of the batch in rt->batch, applied at now_ms. */
static enum c360_err intent_of_batch(struct c360_runtime *rt, int64_t now_ms, bool tick,
                                     struct intent *in)
{
    intent_clear(in);
    in->now_ms = now_ms;
    in->tick = tick;
    /* A partition's records come in runs (as fetched, and as
     * c360_runtime_sort orders them): its key is looked up once per run. */
    const rd_kafka_topic_t *run_rkt = NULL;
    int32_t run_partition = -1;
    size_t at = 0;
    char key[300]; /* the run's */
    for (size_t i = 0; i < rt->batch.n; i++) {
        const rd_kafka_message_t *msg = rt->batch.v[i];
        if (msg->err || !msg->rkt)
            continue;
        if (msg->rkt != run_rkt || msg->partition != run_partition) {
            run_rkt = msg->rkt;
            run_partition = msg->partition;
            position_key(rd_kafka_topic_name(msg->rkt), msg->partition, key, sizeof(key));
            at = intent_find(in, key);
        }
        if (at == in->n) {
            struct intent_end *e = realloc(in->ends, (in->n + 1) * sizeof(*e));
            if (!e)
                return C360_ERR_NOMEM;
            in->ends = e;
            snprintf(e[at].key, sizeof(e[at].key), "%s", key);
            e[at].end = 0;
            in->n++;
        }
        if (msg->offset + 1 > in->ends[at].end)
            in->ends[at].end = msg->offset + 1;
    }
    return C360_OK;
}

static enum c360_err intent_put(void *arg, const struct c360_persist_sink *sink)
{
    const struct intent *in = arg;
    struct c360_persist_writer w;
    const void *val;
    size_t len;
    c360_persist_writer_init(&w, 64 + in->n * 320);
    c360_persist_i64(&w, in->now_ms);
    c360_persist_bool(&w, in->tick);
    c360_persist_u64(&w, in->n);
    for (size_t i = 0; i < in->n; i++) {
        c360_persist_str(&w, in->ends[i].key);
        c360_persist_i64(&w, in->ends[i].end);
    }
    enum c360_err err = c360_persist_value(&w, &val, &len);
    if (!err)
        err = c360_persist_put(sink, C360_DB_META, INTENT_KEY, strlen(INTENT_KEY), val, len);
    c360_persist_writer_free(&w);
    return err;
}

static enum c360_err intent_restore(struct intent *in, const void *val, size_t len,
                                    struct c360_diag *diag)
{
    struct c360_persist_reader r;
    enum c360_err err;
    intent_clear(in);
    if ((err = c360_persist_reader_init(&r, val, len, diag)))
        return err;
    in->now_ms = c360_persist_get_i64(&r);
    in->tick = c360_persist_get_bool(&r);
    uint64_t n = c360_persist_get_u64(&r);
    if (n > POSITIONS_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a batch of %llu partitions",
                              (unsigned long long)n);
    if (n && !(in->ends = calloc((size_t)n, sizeof(*in->ends))))
        return C360_ERR_NOMEM;
    for (uint64_t i = 0; i < n && !r.failed; i++) {
        if (!c360_persist_get_str(&r, in->ends[i].key, sizeof(in->ends[i].key)))
            r.failed = true;
        in->ends[i].end = c360_persist_get_i64(&r);
    }
    in->n = (size_t)n;
    if ((err = c360_persist_reader_end(&r, "batch", diag))) {
        intent_clear(in);
        return err;
    }
    in->active = true;
    return C360_OK;
}

static void position_key(const char *topic, int32_t partition, char *buf, size_t size)
{
    snprintf(buf, size, "%s:%" PRId32, topic, partition);
}

/* The position of key, added (at next -1: none yet) when missing. */
static enum c360_err position_of(struct c360_runtime *rt, const char *key, struct position **out)
{
    uint32_t i;
    enum c360_err err;
    if (c360_strmap_get(rt->pos_by_key, key, &i)) {
        *out = &rt->pos[i];
        return C360_OK;
    }
    if (rt->n_pos == rt->cap_pos) {
        size_t cap = rt->cap_pos ? 2 * rt->cap_pos : 64;
        struct position *p = realloc(rt->pos, cap * sizeof(*p));
        if (!p)
            return C360_ERR_NOMEM;
        rt->pos = p;
        rt->cap_pos = cap;
    }
    char *copy = strdup(key);
    if (!copy)
        return C360_ERR_NOMEM;
    if ((err = c360_strmap_put(rt->pos_by_key, key, (uint32_t)rt->n_pos))) {
        free(copy);
        return err;
    }
    rt->pos[rt->n_pos] = (struct position){copy, -1, false};
    *out = &rt->pos[rt->n_pos++];
    return C360_OK;
}

/* The record at offset of topic:partition is done with: the state now
 * reflects it. */
static enum c360_err position_advance(struct c360_runtime *rt, const char *topic, int32_t partition,
                                      int64_t offset)
{
    char key[300];
    struct position *p;
    enum c360_err err;
    if (rt->pos_last < rt->n_pos && rt->pos_last_partition == partition &&
        strcmp(rt->pos_last_topic, topic) == 0) {
        p = &rt->pos[rt->pos_last];
    } else {
        position_key(topic, partition, key, sizeof(key));
        if ((err = position_of(rt, key, &p)))
            return err;
        size_t len = strlen(topic);
        rt->pos_last = len < sizeof(rt->pos_last_topic) ? (size_t)(p - rt->pos) : SIZE_MAX;
        rt->pos_last_partition = partition;
        memcpy(rt->pos_last_topic, topic, len < sizeof(rt->pos_last_topic) ? len + 1 : 0);
    }
    p->next = offset + 1;
    p->dirty = true;
    return C360_OK;
}

/* The state store's side of a batch commit (c360_state_write runs it again
 * when the store had to grow): every changed item and the positions. */
static enum c360_err batch_write(void *arg, const struct c360_persist_sink *sink)
{
    struct c360_runtime *rt = arg;
    enum c360_err err;
    struct c360_persist_writer w;
    const void *val;
    size_t len;
    if ((err = c360_engine_persist(rt->eng, sink)) ||
        (err = c360_codec_rows_persist(rt->rows_batch, sink)) ||
        (err = c360_persist_put(sink, C360_DB_META, INTENT_KEY, strlen(INTENT_KEY), NULL, 0)))
        return err;
    c360_persist_writer_init(&w, 64);
    for (size_t i = 0; i < rt->n_pos && !err; i++) {
        if (!rt->pos[i].dirty)
            continue;
        c360_persist_writer_reset(&w);
        c360_persist_i64(&w, rt->pos[i].next);
        if (!(err = c360_persist_value(&w, &val, &len)))
            err = c360_persist_put(sink, C360_DB_OFFSETS, rt->pos[i].key, strlen(rt->pos[i].key),
                                   val, len);
    }
    c360_persist_writer_free(&w);
    return err;
}

/* Ends the open batch: waits until every output and dead letter of it is
 * delivered, then commits its state and positions in one transaction. An
 * error means the processor must stop (logged here): nothing of the batch
 * is committed, so a restart does it again. */
static enum c360_err batch_commit(struct c360_runtime *rt)
{
    struct c360_diag diag;
    char text[1024];
    struct c360_producer_counts counts;
    if (!rt->batch_open)
        return C360_OK;
    int undelivered = c360_producer_flush(rt->prod, FLUSH_TIMEOUT_MS);
    c360_producer_counts(rt->prod, -1, &counts);
    if (undelivered || counts.failed) {
        c360_log(C360_LOG_ERROR, "runtime",
                 "batch not committed: outputs undelivered=%d failed=%lld; its input will be "
                 "processed again after a restart",
                 undelivered, counts.failed);
        return C360_ERR_KAFKA;
    }
    c360_diag_clear(&diag);
    enum c360_err err = c360_state_write(rt->state, batch_write, rt, &diag);
    if (err) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "batch not committed: state store error=%s %s",
                 c360_err_str(err), text);
        return err;
    }
    c360_engine_persisted(rt->eng);
    c360_codec_rows_persisted(rt->rows_batch);
    for (size_t i = 0; i < rt->n_pos; i++)
        rt->pos[i].dirty = false;
    rt->batch_open = false;
    rt->stats.batches++;
    rt->stats.batch_ms_last = mono_ms() - rt->batch_ms;
    return C360_OK;
}

/* One stored item back where it belongs. */
static enum c360_err restore_item(void *arg, enum c360_persist_db db, const void *key,
                                  size_t key_len, const void *val, size_t val_len)
{
    struct c360_runtime *rt = arg;
    struct c360_diag diag;
    char text[1024];
    enum c360_err err;
    c360_diag_clear(&diag);
    if (db == C360_DB_META && key_len == strlen(INTENT_KEY) &&
        memcmp(key, INTENT_KEY, key_len) == 0) {
        err = intent_restore(&rt->redo, val, val_len, &diag);
    } else if (db == C360_DB_CODEC) {
        err = c360_codec_rows_restore(rt->rows, key, key_len, val, val_len, &diag);
    } else if (db == C360_DB_OFFSETS) {
        struct c360_persist_reader r;
        struct position *p;
        char name[300];
        if (key_len >= sizeof(name) || memchr(key, '\0', key_len))
            err = c360_diag_fail(&diag, C360_ERR_INVALID, NULL, "an offset key of %zu bytes",
                                 key_len);
        else if (!(err = c360_persist_reader_init(&r, val, val_len, &diag))) {
            memcpy(name, key, key_len);
            name[key_len] = '\0';
            int64_t next = c360_persist_get_i64(&r);
            if (!(err = c360_persist_reader_end(&r, "offset", &diag)) &&
                !(err = position_of(rt, name, &p)))
                p->next = next;
        }
    } else {
        err = c360_engine_restore(rt->eng, db, key, key_len, val, val_len, &diag);
    }
    if (err) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot load the state store db=%s error=%s %s",
                 c360_persist_db_name(db), c360_err_str(err), text);
    }
    return err;
}

/* Opens the store of state.dir and loads it into the engine, the CDC rows
 * and the positions. */
static enum c360_err state_prepare(const struct c360_config *cfg, struct c360_runtime *rt)
{
    struct c360_diag diag;
    char text[1024];
    enum c360_err err;
    struct c360_state_opts opts = {
        .dir = c360_config_str(cfg, "state.dir"),
        .map_size = (uint64_t)c360_config_int(cfg, "state.map.size"),
        .map_max = (uint64_t)c360_config_int(cfg, "state.map.max"),
        .sync = c360_config_bool(cfg, "state.sync"),
    };
    int64_t start = mono_ms();
    c360_diag_clear(&diag);
    if ((err = c360_strmap_new(POSITIONS_MAX, &rt->pos_by_key)))
        return err;
    if ((err = c360_state_open(&opts, &rt->state, &diag))) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot open the state store dir=%s: %s", opts.dir,
                 text);
        return err;
    }
    if ((err = c360_state_load(rt->state, restore_item, rt, &diag)))
        return err; /* logged by restore_item, or: */
    if ((err = c360_engine_restore_end(rt->eng, &diag))) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "the state store is inconsistent dir=%s: %s", opts.dir,
                 text);
        return err;
    }
    uint64_t used, mapped;
    c360_state_size(rt->state, &used, &mapped);
    c360_log(C360_LOG_INFO, "runtime",
             "state loaded dir=%s profiles=%zu identity_records=%zu cdc_rows=%zu partitions=%zu "
             "bytes=%" PRIu64 " ms=%lld",
             opts.dir, c360_engine_profiles(rt->eng),
             c360_identity_count(c360_engine_identity(rt->eng)), c360_codec_rows_count(rt->rows),
             rt->n_pos, used, (long long)(mono_ms() - start));
    if (rt->redo.active)
        c360_log(C360_LOG_INFO, "runtime",
                 "a batch was in flight when the processor stopped: re-running it exactly "
                 "partitions=%zu",
                 rt->redo.n);
    rt->redo_deadline_ms = mono_ms() + REDO_TIMEOUT_MS;
    return C360_OK;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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
            rd_kafka_topic_partition_t *tp = &parts->elems[i];
            char key[300];
            uint32_t at;
            if (c360_offsets_assign(rt->offsets, tp->topic, tp->partition))
                rt->untracked = true; /* the next step stops the processor */
            /* Read on from where the state stands, whatever the group
             * committed; with no state for it, rebuild from the start. */
            position_key(tp->topic, tp->partition, key, sizeof(key));
            if (c360_strmap_get(rt->pos_by_key, key, &at) && rt->pos[at].next >= 0) {
                tp->offset = rt->pos[at].next;
            } else {
                tp->offset = RD_KAFKA_OFFSET_BEGINNING;
                rt->stats.partitions_rebuilt++;
                c360_log(C360_LOG_INFO, "runtime",
                         "partition has no local state: reading it from the beginning topic=%s "
                         "partition=%d",
                         tp->topic, (int)tp->partition);
            }
        }
        if (cooperative)
            error = rd_kafka_incremental_assign(rk, parts);
        else
            aerr = rd_kafka_assign(rk, parts);
    } else {
        /* The batch in flight is committed before the partitions go. */
        if (batch_commit(rt))
            rt->batch_failed = true; /* the next step stops the processor */
        /* Records taken but not applied are read again from the positions
         * stored with the state once partitions come back (the range
         * assignor revokes them all). */
        msgs_free(&rt->batch);
        msgs_free(&rt->held);
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
                                 const struct c360_record *rec, struct c360_offsets_mark *cause,
                                 struct c360_diag *diag)
{
    char *json;
    if (rt->resync_id < 0)
        return c360_diag_fail(diag, C360_ERR_UNSUPPORTED, NULL,
                              "a re-sync request, and no topic declared for them");
    if (c360_codec_json_encode(rec, C360_CODEC_COMPACT, &json))
        return C360_ERR_NOMEM;
    const char *org = rec->source_system ? rec->source_system : "";
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
                 rec->as.resync.change_type, (unsigned)rec->as.resync.record_ids.count);
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

/* Applies the parts of one message the decode stage gave; diag says why a
 * part was refused, by its decoder or by the engine. */
static enum c360_err apply_parts(struct c360_runtime *rt, const rd_kafka_message_t *msg,
                                 const struct c360_decoded *dec, struct c360_offsets_mark *cause,
                                 struct c360_diag *diag)
{
    const char *name = rd_kafka_topic_name(msg->rkt);
    enum c360_err err = C360_OK;
    for (size_t part = 0; part < dec->n && !err; part++) {
        const struct c360_record *rec = c360_decode_part(rt->decode, dec, part);
        c360_diag_clear(diag);
        if (rec->change == C360_CHANGE_RESYNC) {
            err = send_resync(rt, msg, rec, cause, diag);
            continue;
        }
        struct c360_engine_outputs outs = {0};
        struct c360_engine_position pos = {name, msg->partition, msg->offset, (uint32_t)part};
        err = c360_engine_apply(rt->eng, rec, &pos, rt->wall ? rt->batch_now : 0, &outs, diag);
        /* Outputs made before a refusal are state the engine now holds. */
        enum c360_err serr = send_outputs(rt, &outs, cause);
        if (serr)
            return serr;
    }
    /* The parts after a refused one were decoded, not applied: as inline,
     * a CDC part's row is stored by its decoder whatever the engine says. */
    if (!err && dec->err) {
        *diag = dec->diag;
        err = dec->err;
    }
    return err;
}

/* Processes one consumed record. Returns an error only when the processor
 * must stop. Logs name the field and position only: diagnostics may quote
 * customer data. */
static enum c360_err process(struct c360_runtime *rt, const rd_kafka_message_t *msg,
                             const struct c360_decoded *dec)
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
    err = apply_parts(rt, msg, dec, cause, &diag);
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
    if (!rt->batch_open)
        rt->batch_ms = mono_ms();
    rt->batch_open = true; /* even when it failed: part of it may be applied */
    if (err == C360_OK)
        err = position_advance(rt, name, msg->partition, msg->offset);
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
     * close before the first assignment in librdkafka < 2.3 (issue #4312).
     * While the consumer's queue holds queued.max.messages.kbytes or
     * queued.min.messages (with a group consumer both count the one queue),
     * librdkafka fetches nothing and looks again up to a second later; at the
     * default 64 MiB (about 40,000 Kafka Connect JSON records) a processor
     * catching up drained it first and sat idle each second (bench/RESULTS.md).
     * 256 MiB, and a count that does not bind before it, hold a second's work
     * and more. */
    const struct c360_kafka_default defaults[] = {
        {"group.id", rt->group},
        {"client.id", "c360"},
        {"enable.auto.commit", "false"},
        {"auto.offset.reset", "earliest"},
        {"partition.assignment.strategy", "range"},
        {"queued.max.messages.kbytes", "262144"},
        {"queued.min.messages", "1000000"},
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

/* The per-topic counters: each declared topic and the producer topic that
 * writes it, if any. */
static void stats_prepare(struct c360_runtime *rt)
{
    struct c360_runtime_stats *s = &rt->stats;
    s->n_topics = c360_topic_set_count(rt->topics);
    for (size_t i = 0; i < s->n_topics; i++) {
        const struct c360_topic *t = c360_topic_set_at(rt->topics, i);
        s->topics[i].name = t->name;
        s->topics[i].role = t->role;
        rt->prod_ids[i] = t->role == C360_TOPIC_DLQ               ? rt->dlq_id
                          : strcmp(t->id, "resync-requests") == 0 ? rt->resync_id
                                                                  : -1;
        for (int o = 0; o < C360_OUT_COUNT; o++) {
            if (strcmp(t->id, c360_engine_topic_id((enum c360_engine_topic)o)) == 0)
                rt->prod_ids[i] = rt->out_ids[o];
        }
        s->topics[i].delivered = rt->prod_ids[i] < 0 ? -1 : 0;
    }
}

/* Everything but the consumer. */
static enum c360_err prepare(const struct c360_config *cfg, struct c360_runtime *rt)
{
    enum c360_err err;
    struct c360_diag diag;
    char text[1024];
    if ((err = c360_codec_rows_new((size_t)c360_config_int(cfg, "cdc.rows.max"), &rt->rows)) ||
        (err = c360_codec_rows_new(0, &rt->rows_batch)))
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
    if ((err = c360_decode_new(rt->rows, &rt->decode)) || (err = engine_prepare(cfg, rt)) ||
        (err = state_prepare(cfg, rt)) || (err = c360_offsets_new(&rt->offsets)) ||
        (err = c360_producer_new(cfg, rt->offsets, &rt->prod)) || (err = outputs_prepare(rt)))
        return err;
    stats_prepare(rt);
    return C360_OK;
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
    rt->batch_max = (int)c360_config_int(cfg, "batch.records");
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

/* The consumer's lag on each owned partition whose position and high
 * watermark are both known: both are librdkafka's cached values (the
 * position of the last record polled, the watermark of the last fetch
 * response), so no request goes to a broker. */
static void lag_sample(struct c360_runtime *rt)
{
    struct c360_runtime_stats *s = &rt->stats;
    rd_kafka_topic_partition_list_t *parts;
    s->n_lag = 0;
    if (rd_kafka_assignment(rt->rk, &parts))
        return;
    s->assigned = (size_t)parts->cnt;
    bool known = !rd_kafka_position(rt->rk, parts);
    for (int i = 0; known && i < parts->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &parts->elems[i];
        int64_t low, high;
        size_t t = 0;
        while (t < s->n_topics && strcmp(s->topics[t].name, p->topic) != 0)
            t++;
        if (s->n_lag == C360_RUNTIME_LAG_MAX || t == s->n_topics || p->offset < 0 ||
            rd_kafka_get_watermark_offsets(rt->rk, p->topic, p->partition, &low, &high) || high < 0)
            continue;
        s->lag[s->n_lag++] = (struct c360_runtime_lag){
            .topic = s->topics[t].name,
            .partition = p->partition,
            .lag = high > p->offset ? high - p->offset : 0,
        };
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

static void stats_publish(struct c360_runtime *rt)
{
    struct c360_producer_counts all, dlq, one;
    struct c360_runtime_stats *s = &rt->stats;
    int64_t now = mono_ms();
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
    s->profiles = c360_engine_profiles(rt->eng);
    for (size_t i = 0; i < s->n_topics; i++) {
        if (rt->prod_ids[i] >= 0) {
            c360_producer_counts(rt->prod, rt->prod_ids[i], &one);
            s->topics[i].delivered = one.delivered;
        }
    }
    if (now >= rt->next_lag_ms && !rt->closed) {
        rt->next_lag_ms = now + LAG_INTERVAL_MS;
        lag_sample(rt);
    }
    if (now >= rt->next_bytes_ms) {
        rt->next_bytes_ms = now + STATE_BYTES_INTERVAL_MS;
        s->state_bytes = c360_engine_bytes(rt->eng);
    }
    uint64_t used, mapped;
    c360_state_size(rt->state, &used, &mapped);
    s->store_bytes = (size_t)used;
    s->published_ms = now;
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
static bool consume(struct c360_runtime *rt, rd_kafka_message_t *msg,
                    const struct c360_decoded *dec, enum c360_err *err)
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
    const char *name = rd_kafka_topic_name(msg->rkt);
    for (size_t i = 0; i < rt->stats.n_topics; i++) {
        if (strcmp(rt->stats.topics[i].name, name) == 0) {
            rt->stats.topics[i].received++;
            break;
        }
    }
    c360_log(C360_LOG_DEBUG, "runtime", "record received topic=%s partition=%d offset=%lld", name,
             (int)msg->partition, (long long)msg->offset);
    *err = process(rt, msg, dec);
    return *err == C360_OK;
}

/* Takes a polled record into the batch being re-run when it belongs to it,
 * else holds it for the batches after. */
static enum c360_err redo_take(struct c360_runtime *rt, rd_kafka_message_t *msg)
{
    char key[300];
    if (!msg->err && msg->rkt) {
        position_key(rd_kafka_topic_name(msg->rkt), msg->partition, key, sizeof(key));
        size_t at = intent_find(&rt->redo, key);
        if (at < rt->redo.n && msg->offset < rt->redo.ends[at].end)
            return msgs_push(&rt->batch, msg);
    }
    return msgs_push(&rt->held, msg);
}

/* Whether the batch being re-run holds every record of it: each partition's
 * last one taken, or stored with the state already. */
static bool redo_complete(struct c360_runtime *rt)
{
    for (size_t i = 0; i < rt->redo.n; i++) {
        uint32_t at;
        int64_t reached =
            c360_strmap_get(rt->pos_by_key, rt->redo.ends[i].key, &at) ? rt->pos[at].next : -1;
        for (size_t k = 0; k < rt->batch.n; k++) {
            const rd_kafka_message_t *msg = rt->batch.v[k];
            char key[300];
            if (msg->err || !msg->rkt)
                continue;
            position_key(rd_kafka_topic_name(msg->rkt), msg->partition, key, sizeof(key));
            if (strcmp(key, rt->redo.ends[i].key) == 0 && msg->offset + 1 > reached)
                reached = msg->offset + 1;
        }
        if (reached < rt->redo.ends[i].end)
            return false;
    }
    return true;
}

/* Fills rt->batch: the records held from before, then what the consumer has,
 * up to batch.records; or, while a batch is being re-run, its records only.
 * *ready: the batch is whole and may be applied. */
static enum c360_err batch_take(struct c360_runtime *rt, int timeout_ms, bool *ready)
{
    enum c360_err err;
    *ready = false;
    if (rt->redo.active) {
        for (int n = 0; n < rt->batch_max; n++) {
            rd_kafka_message_t *msg = rd_kafka_consumer_poll(rt->rk, n ? 0 : timeout_ms);
            if (!msg)
                break;
            if ((err = redo_take(rt, msg))) {
                rd_kafka_message_destroy(msg);
                return err;
            }
        }
        if (redo_complete(rt)) {
            *ready = true;
        } else if (mono_ms() > rt->redo_deadline_ms) {
            c360_log(C360_LOG_WARN, "runtime",
                     "the batch in flight at the last stop cannot be re-run exactly: its "
                     "partitions are not all assigned here; its outputs are sent as they come");
            rt->redo.active = false;
        }
        return C360_OK;
    }
    size_t from_held = 0;
    while (from_held < rt->held.n && rt->batch.n < (size_t)rt->batch_max) {
        if ((err = msgs_push(&rt->batch, rt->held.v[from_held])))
            return err;
        from_held++;
    }
    if (from_held) {
        memmove(rt->held.v, rt->held.v + from_held, (rt->held.n - from_held) * sizeof(*rt->held.v));
        rt->held.n -= from_held;
    }
    while (rt->batch.n < (size_t)rt->batch_max) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rt->rk, rt->batch.n ? 0 : timeout_ms);
        if (!msg)
            break;
        if ((err = msgs_push(&rt->batch, msg))) {
            rd_kafka_message_destroy(msg);
            return err;
        }
    }
    *ready = true;
    return C360_OK;
}

/* Stops the decode stage where it is. Only on the way out: a CDC row the
 * stage changed for records never applied is not staged, and no later batch
 * is committed. */
static enum c360_err batch_stop(struct c360_runtime *rt)
{
    rt->prefetched = false;
    return rt->decode ? c360_decode_finish(rt->decode) : C360_OK;
}

/* Hands the batch to the decode stage, which decodes it while it is
 * applied. A record of a partition no longer owned (fetched before a
 * revocation took effect) is not decoded: its CDC row must not change. */
static enum c360_err batch_decode(struct c360_runtime *rt)
{
    enum c360_err err;
    /* A topic's records come in runs: its codec is looked up once per run. */
    const rd_kafka_topic_t *run_rkt = NULL;
    const struct c360_codec *run_codec = NULL;
    for (size_t i = 0; i < rt->batch.n; i++) {
        const rd_kafka_message_t *msg = rt->batch.v[i];
        bool skip = msg->err || !msg->rkt;
        struct c360_codec_msg cmsg = {
            .topic = skip ? NULL : rd_kafka_topic_name(msg->rkt),
            .partition = msg->partition,
            .offset = msg->offset,
            .key = msg->key,
            .key_len = msg->key_len,
            .value = msg->payload,
            .len = msg->len,
        };
        skip = skip || !c360_offsets_owned(rt->offsets, cmsg.topic, msg->partition);
        if (!skip) {
            rd_kafka_timestamp_type_t tstype;
            int64_t ts = rd_kafka_message_timestamp(msg, &tstype);
            cmsg.timestamp = tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? C360_TIME_NONE : ts;
        }
        if (!skip && msg->rkt != run_rkt) {
            run_rkt = msg->rkt;
            run_codec = codec_of(rt, cmsg.topic);
        }
        const struct c360_codec *codec = skip ? NULL : run_codec;
        if ((err = c360_decode_add(rt->decode, &cmsg, codec, skip))) {
            (void)batch_stop(rt);
            return err;
        }
    }
    c360_decode_start(rt->decode);
    return C360_OK;
}

/* Sorts the batch taken into its one order (a batch re-run after a crash is
 * applied as it was) and starts decoding it. */
static enum c360_err batch_ready(struct c360_runtime *rt)
{
    enum c360_err err;
    if (rt->batch.n > 1 && (err = c360_runtime_sort(rt->batch.v, rt->batch.n)))
        return err;
    return batch_decode(rt);
}

/* Takes the next batch, when records wait, and starts decoding it while this
 * one is committed: the processor then finds it decoded. A revocation here
 * commits this batch (rebalance_cb), as one in batch_take would. */
static enum c360_err batch_prefetch(struct c360_runtime *rt)
{
    bool ready;
    enum c360_err err;
    if (rt->redo.active) /* a re-run waits for its own records */
        return C360_OK;
    if ((err = batch_take(rt, 0, &ready)) || !rt->batch.n)
        return err;
    rt->prefetch_us = mono_us();
    if ((err = batch_ready(rt)))
        return err;
    rt->prefetched = true;
    return C360_OK;
}

enum c360_err c360_runtime_step(struct c360_runtime *rt, int timeout_ms)
{
    enum c360_err err = C360_OK;
    int64_t now = mono_ms(), batch_us = 0;
    bool ready, tick;
    struct c360_diag diag;
    char text[1024];
    c360_producer_poll(rt->prod, 0);
    ready = rt->prefetched;
    if (!ready && (err = batch_take(rt, timeout_ms, &ready)))
        goto done;
    now = mono_ms();
    if (!ready)
        goto done;
    if (rt->redo.active) {
        rt->batch_now = rt->redo.now_ms;
        tick = rt->redo.tick;
        c360_log(C360_LOG_INFO, "runtime",
                 "re-running the batch in flight at the last stop "
                 "records=%zu",
                 rt->batch.n);
    } else {
        rt->batch_now = wall_ms();
        tick = rt->wall && now >= rt->next_tick_ms;
        if (!rt->batch.n && !tick)
            goto done;
        /* Stored before any output of the batch is produced. */
        c360_diag_clear(&diag);
        if ((err = intent_of_batch(rt, rt->batch_now, tick, &rt->redo)) ||
            (err = c360_state_write(rt->state, intent_put, &rt->redo, &diag))) {
            c360_diag_format(&diag, text, sizeof(text));
            c360_log(C360_LOG_ERROR, "runtime", "cannot store the batch error=%s %s",
                     c360_err_str(err), text);
            goto done;
        }
    }
    rt->redo.active = false;
    if (rt->batch.n)
        batch_us = rt->prefetched ? rt->prefetch_us : mono_us();
    bool go_on = true;
    if (!rt->prefetched && (err = batch_ready(rt)))
        goto done;
    rt->prefetched = false;
    for (size_t i = 0; i < rt->batch.n && go_on; i++)
        go_on = consume(rt, rt->batch.v[i], c360_decode_wait(rt->decode, i), &err);
    enum c360_err derr = c360_decode_finish(rt->decode);
    for (size_t i = 0; i < rt->batch.n; i++)
        rd_kafka_message_destroy(rt->batch.v[i]);
    rt->batch.n = 0;
    if (!go_on)
        goto done;
    /* The rows the batch changed leave the store the decode stage writes,
     * so that the next batch may be decoded while this one is committed. */
    if (derr || (derr = c360_codec_rows_take_staged(rt->rows, rt->rows_batch))) {
        err = derr;
        c360_log(C360_LOG_ERROR, "runtime", "cannot keep the CDC rows of the batch error=%s",
                 c360_err_str(err));
        goto done;
    }
    c360_producer_poll(rt->prod, 0);
    if (tick) {
        struct c360_engine_outputs outs = {0};
        rt->next_tick_ms = now + TICK_INTERVAL_MS;
        err = c360_engine_tick(rt->eng, rt->batch_now, &outs);
        if (!rt->batch_open)
            rt->batch_ms = now;
        rt->batch_open = true; /* the clock moved, timers may have fired */
        enum c360_err serr = send_outputs(rt, &outs, NULL);
        if (err || serr) {
            err = err ? err : serr;
            c360_log(C360_LOG_ERROR, "runtime", "timers failed error=%s", c360_err_str(err));
            goto done;
        }
    }
    if ((err = batch_prefetch(rt)) || (err = batch_commit(rt)))
        goto done;
    if (batch_us) /* the batch: from its first record polled to its state committed */
        c360_runtime_observe_latency(&rt->stats, mono_us() - batch_us);
    if (now >= rt->next_commit_ms) {
        rt->next_commit_ms = now + rt->commit_interval_ms;
        commit(rt, false);
    }
    struct c360_producer_counts counts;
    c360_producer_counts(rt->prod, -1, &counts);
    if (rt->batch_failed) {
        err = C360_ERR_KAFKA; /* logged by batch_commit */
    } else if (rt->untracked) {
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
    /* A batch taken ahead is not applied: it is read again after a restart. */
    (void)batch_stop(rt);
    rt->stats.closing = true; /* not ready any more */
    stats_publish(rt);
    /* Outputs first: they must be stored before their offsets are committed
     * and the partitions let go (the revocation commits). */
    int undelivered = c360_producer_flush(rt->prod, FLUSH_TIMEOUT_MS);
    enum c360_err berr = rt->batch_failed ? C360_ERR_KAFKA : batch_commit(rt);
    /* Serves the last commit answers, revokes the assignment through
     * rebalance_cb (which commits) and sends LeaveGroup. */
    rd_kafka_resp_err_t kerr = rd_kafka_consumer_close(rt->rk);
    rt->closed = true;
    stats_publish(rt);
    const struct c360_runtime_stats *s = &rt->stats;
    long long outputs = 0;
    for (int t = 0; t < C360_OUT_COUNT; t++)
        outputs += s->outputs[t];
    bool lost = undelivered || s->failed || berr;
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
    (void)batch_stop(rt); /* before a consumer close frees the batch it decodes */
    if (rt->queue)
        rd_kafka_queue_destroy(rt->queue);
    if (rt->rk) {
        if (!rt->closed)
            (void)rd_kafka_consumer_close(rt->rk);
        rd_kafka_destroy(rt->rk);
    }
    c360_decode_destroy(rt->decode); /* its thread borrows the codecs and the batch */
    for (size_t i = 0; i < C360_TOPIC_SET_MAX; i++)
        c360_codec_destroy(rt->codecs[i]);
    c360_registry_destroy(rt->reg); /* after the codecs that borrow it */
    c360_schema_set_destroy(rt->schemas);
    c360_producer_destroy(rt->prod); /* before the offsets its messages refer to */
    c360_offsets_destroy(rt->offsets);
    c360_engine_destroy(rt->eng);
    c360_segment_set_free(rt->segments);
    c360_identity_rules_free(rt->rules);
    c360_codec_rows_destroy(rt->rows);
    c360_codec_rows_destroy(rt->rows_batch);
    c360_state_close(rt->state);
    msgs_free(&rt->batch);
    msgs_free(&rt->held);
    intent_clear(&rt->redo);
    for (size_t i = 0; i < rt->n_pos; i++)
        free(rt->pos[i].key);
    free(rt->pos);
    c360_strmap_destroy(rt->pos_by_key);
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

enum c360_err c360_runtime_run(const struct c360_config *cfg, const struct c360_topic_set *topics)
{
    struct c360_runtime *rt;
    struct c360_runtime_endpoint *ep;
    enum c360_err err = c360_runtime_new(cfg, topics, &rt);
    if (err)
        return err;
    if ((err = c360_runtime_endpoint_new(rt, cfg, &ep))) {
        c360_runtime_destroy(rt); /* nothing consumed: nothing to commit */
        return err;
    }
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
    c360_runtime_endpoint_destroy(ep); /* before the processor whose stats it reads */
    c360_runtime_destroy(rt);
    return err ? err : cerr;
}
