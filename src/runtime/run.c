/*
 * c360 runtime — the processor loop on Kafka.
 *
 * One consumer in group `group.id` subscribes to every declared input topic
 * whose format has a decoder. Each record is decoded into a canonical record;
 * one that cannot be goes to the dead-letter topic and its partition keeps
 * flowing. Offsets are never auto-committed: a record counts as consumed only
 * once the outputs it caused are delivered and its state is stored (DESIGN.md
 * §6), and until the engine and state store are wired in nothing is
 * committed.
 */
#include "c360/codec.h"
#include "c360/kafka.h"
#include "c360/log.h"
#include "c360/registry.h"
#include "c360/runtime.h"
#include "c360/schema.h"
#include "runtime_int.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A rebalance changes what this instance owns; log it once, here. With the
 * cooperative protocol assignments are incremental, with eager ones whole. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    (void)opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
    char *member = rd_kafka_memberid(rk); /* new */

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        c360_log(C360_LOG_INFO, "runtime", "partitions assigned count=%d member=%s protocol=%s",
                 parts->cnt, member ? member : "-", rd_kafka_rebalance_protocol(rk));
        if (cooperative)
            error = rd_kafka_incremental_assign(rk, parts);
        else
            aerr = rd_kafka_assign(rk, parts);
    } else {
        c360_log(C360_LOG_INFO, "runtime", "partitions revoked count=%d reason=%s", parts->cnt,
                 rd_kafka_err2name(err));
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

/* What one run holds: a codec per decodable input topic (indexed like the
 * topic set), the record reused for every message, the dead-letter path. */
struct run {
    const struct c360_topic_set *topics;
    struct c360_schema_set *schemas;
    struct c360_registry *reg; /* NULL without schema.registry.url */
    struct c360_codec *codecs[C360_TOPIC_SET_MAX];
    struct c360_codec_rows *rows; /* Salesforce rows, for CDC updates */
    const char *resync_topic;     /* NULL: re-sync requests are dead-lettered */
    struct c360_record *rec;
    struct c360_dlq *dlq;
    struct c360_idstage *identity; /* NULL when no identity outputs are declared */
    long long received, decoded, dead_lettered, resyncs;
};

static enum c360_err subscribe_inputs(rd_kafka_t *rk, const struct run *run)
{
    size_t n = c360_topic_set_count(run->topics);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++) {
        if (run->codecs[i])
            rd_kafka_topic_partition_list_add(subs, c360_topic_set_at(run->topics, i)->name,
                                              RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t kerr = rd_kafka_subscribe(rk, subs);
    int cnt = subs->cnt;
    rd_kafka_topic_partition_list_destroy(subs);
    if (kerr) {
        c360_log(C360_LOG_ERROR, "runtime", "subscribe failed error=%s", rd_kafka_err2str(kerr));
        return C360_ERR_KAFKA;
    }
    c360_log(C360_LOG_INFO, "runtime", "subscribed topics=%d", cnt);
    return C360_OK;
}

/* A re-sync request goes to its topic keyed by org (source system). */
static enum c360_err send_resync(struct run *run, const char *name, const rd_kafka_message_t *msg,
                                 struct c360_diag *diag)
{
    char *json;
    if (!run->resync_topic)
        return c360_diag_fail(diag, C360_ERR_UNSUPPORTED, NULL,
                              "a re-sync request, and no topic declared for them");
    if (c360_codec_json_encode(run->rec, C360_CODEC_COMPACT, &json))
        return C360_ERR_NOMEM;
    enum c360_err err =
        c360_dlq_send_output(run->dlq, run->resync_topic, run->rec->source_system, json);
    free(json);
    if (!err) {
        run->resyncs++;
        c360_log(C360_LOG_INFO, "runtime",
                 "re-sync requested topic=%s partition=%d offset=%lld change=%s records=%u", name,
                 (int)msg->partition, (long long)msg->offset, run->rec->as.resync.change_type,
                 (unsigned)run->rec->as.resync.record_ids.count);
    }
    return err;
}

/* Decodes one record; what cannot be decoded goes to the dead-letter topic.
 * Logs name the field and position only: diagnostics may quote customer data. */
static enum c360_err process(struct run *run, const rd_kafka_message_t *msg)
{
    const char *name = rd_kafka_topic_name(msg->rkt);
    const struct c360_codec *codec = NULL;
    for (size_t i = 0; i < c360_topic_set_count(run->topics) && !codec; i++) {
        if (strcmp(c360_topic_set_at(run->topics, i)->name, name) == 0)
            codec = run->codecs[i];
    }
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

    struct c360_diag diag;
    enum c360_err err = C360_OK;
    size_t parts = 1;
    for (size_t part = 0; part < parts && !err; part++) {
        c360_diag_clear(&diag);
        err = codec
                  ? c360_codec_decode_part(codec, &cmsg, part, run->rec, &parts, &diag)
                  : c360_diag_fail(&diag, C360_ERR_UNSUPPORTED, NULL, "no decoder for this topic");
        if (!err && run->rec->change == C360_CHANGE_RESYNC)
            err = send_resync(run, name, msg, &diag);
        else if (!err && (err = c360_idstage_apply(run->identity, run->rec, name, msg->partition,
                                                   msg->offset, part)))
            c360_diag_fail(&diag, err, NULL, "identity resolution refused the record");
    }
    if (err == C360_OK) {
        run->decoded++;
        c360_log(C360_LOG_DEBUG, "runtime", "record decoded topic=%s partition=%d offset=%lld",
                 name, (int)msg->partition, (long long)msg->offset);
        return C360_OK;
    }
    /* A failed part sends the whole message: the DLQ keeps original bytes. */
    run->dead_lettered++;
    c360_log(C360_LOG_WARN, "runtime",
             "record sent to the dead-letter topic topic=%s partition=%d offset=%lld field=%s "
             "error=%s",
             name, (int)msg->partition, (long long)msg->offset, diag.field[0] ? diag.field : "-",
             c360_err_str(err));
    return c360_dlq_send(run->dlq, msg, err, &diag);
}

/* One poll's worth of work. Returns false when the loop must stop on a fatal
 * client error. */
static bool poll_once(rd_kafka_t *rk, int timeout_ms, struct run *run)
{
    c360_dlq_poll(run->dlq);
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, timeout_ms); /* new */
    if (!msg)
        return true;
    bool keep_going = true;
    if (msg->err == RD_KAFKA_RESP_ERR__FATAL) {
        char reason[512];
        rd_kafka_resp_err_t ferr = rd_kafka_fatal_error(rk, reason, sizeof(reason));
        c360_log(C360_LOG_ERROR, "runtime", "fatal consumer error error=%s reason=%s",
                 rd_kafka_err2name(ferr), reason);
        keep_going = false;
    } else if (msg->err) {
        c360_log(C360_LOG_WARN, "runtime", "consume error error=%s topic=%s",
                 rd_kafka_err2name(msg->err), msg->rkt ? rd_kafka_topic_name(msg->rkt) : "-");
    } else {
        run->received++;
        c360_log(C360_LOG_DEBUG, "runtime", "record received topic=%s partition=%d offset=%lld",
                 rd_kafka_topic_name(msg->rkt), (int)msg->partition, (long long)msg->offset);
        /* A dead letter that cannot even be queued stops the loop: going on
         * would lose the record. */
        keep_going = process(run, msg) == C360_OK;
    }
    rd_kafka_message_destroy(msg);
    return keep_going;
}

/* A subscribed consumer in group `group`; failures are logged here. */
static enum c360_err consumer_new(const struct c360_config *cfg, const char *group,
                                  const struct run *run, rd_kafka_t **out)
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
        {"group.id", group},
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
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        c360_log(C360_LOG_ERROR, "runtime", "cannot create consumer error=%s", errstr);
        return C360_ERR_KAFKA;
    }
    rd_kafka_poll_set_consumer(rk); /* rebalances and errors come through consumer_poll */
    if ((err = subscribe_inputs(rk, run))) {
        rd_kafka_destroy(rk);
        return err;
    }
    *out = rk;
    return C360_OK;
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
static enum c360_err codec_prepare(const struct run *run, const struct c360_topic *t,
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
    if (!err && strcmp(t->format, "avro") == 0 && !run->reg) {
        c360_log(C360_LOG_WARN, "runtime",
                 "topic not consumed: Avro needs schema.registry.url topic=%s format=avro",
                 t->name);
        c360_codec_destroy(*out);
        *out = NULL;
        return C360_OK;
    }
    if (!err) {
        c360_codec_set_rows(*out, run->rows);
        err = c360_codec_set_avro(*out, run->reg, run->schemas, &diag);
    }
    if (err) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot build the codec of %s: %s", t->name, text);
    }
    return err;
}

/* A codec for every input topic that can be decoded. */
static enum c360_err run_prepare(const struct c360_config *cfg, struct run *run)
{
    enum c360_err err;
    const struct c360_topic *dlq_topic = NULL;
    if ((err = c360_codec_rows_new((size_t)c360_config_int(cfg, "cdc.rows.max"), &run->rows)))
        return err;
    struct c360_diag diag;
    char text[1024];
    c360_diag_clear(&diag);
    if ((err =
             c360_schema_set_load_dir(c360_config_str(cfg, "schemas.dir"), &run->schemas, &diag)) ||
        (err = c360_runtime_registry_new(cfg, &run->reg, &diag))) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot start: %s", text);
        return err;
    }
    for (size_t i = 0; i < c360_topic_set_count(run->topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(run->topics, i);
        if (t->role == C360_TOPIC_DLQ)
            dlq_topic = t;
        if (strcmp(t->id, "resync-requests") == 0)
            run->resync_topic = t->name;
        if (t->role == C360_TOPIC_INPUT && (err = codec_prepare(run, t, &run->codecs[i])))
            return err;
    }
    if ((err = c360_record_new(C360_ENTITY_INDIVIDUAL, &run->rec)))
        return err;
    if ((err = c360_dlq_new(cfg, dlq_topic->name, &run->dlq)))
        return err;
    return c360_idstage_new(cfg, run->topics, run->dlq, &run->identity);
}

static void run_release(struct run *run)
{
    for (size_t i = 0; i < C360_TOPIC_SET_MAX; i++)
        c360_codec_destroy(run->codecs[i]);
    c360_registry_destroy(run->reg); /* after the codecs that borrow it */
    c360_schema_set_destroy(run->schemas);
    c360_record_destroy(run->rec);
    c360_idstage_destroy(run->identity); /* before the producer it borrows */
    c360_dlq_destroy(run->dlq);
    c360_codec_rows_destroy(run->rows);
}

enum c360_err c360_runtime_run(const struct c360_config *cfg, const struct c360_topic_set *topics)
{
    char group[256];
    rd_kafka_t *rk;
    struct run run = {.topics = topics};

    snprintf(group, sizeof(group), "%s", c360_config_str(cfg, "group.id"));
    enum c360_err err = run_prepare(cfg, &run);
    if (!err)
        err = consumer_new(cfg, group, &run, &rk);
    if (err) {
        run_release(&run);
        return err;
    }
    c360_log(C360_LOG_INFO, "runtime", "joining group group=%s", group);

    int timeout_ms = (int)c360_config_int(cfg, "poll.timeout.ms");
    int sig = 0;
    while (!sig) {
        if (!poll_once(rk, timeout_ms, &run)) {
            err = C360_ERR_KAFKA;
            break;
        }
        sig = c360_runtime_signal_take(0);
    }
    if (sig)
        c360_log(C360_LOG_INFO, "runtime", "stopping signal=%s",
                 sig == SIGINT ? "SIGINT" : "SIGTERM");

    /* Dead letters first: they must be stored before anything is let go. */
    int undelivered = c360_dlq_flush(run.dlq, 10000);
    c360_log(undelivered || c360_dlq_failed(run.dlq) ? C360_LOG_ERROR : C360_LOG_INFO, "runtime",
             "records received=%lld decoded=%lld dead_lettered=%lld dlq_delivered=%lld "
             "dlq_failed=%lld dlq_undelivered=%d resyncs=%lld identity_records=%zu "
             "identity_capped_keys=%zu identity_outputs=%lld outputs_delivered=%lld",
             run.received, run.decoded, run.dead_lettered, c360_dlq_delivered(run.dlq),
             c360_dlq_failed(run.dlq), undelivered, run.resyncs, c360_idstage_records(run.identity),
             c360_idstage_capped_keys(run.identity), c360_idstage_outputs(run.identity),
             c360_dlq_outputs_delivered(run.dlq));

    /* Revokes the assignment through rebalance_cb and sends LeaveGroup. */
    rd_kafka_resp_err_t kerr = rd_kafka_consumer_close(rk);
    if (kerr)
        c360_log(C360_LOG_WARN, "runtime", "consumer close error=%s", rd_kafka_err2str(kerr));
    else
        c360_log(C360_LOG_INFO, "runtime", "left group group=%s", group);
    rd_kafka_destroy(rk);
    run_release(&run);
    return err;
}
