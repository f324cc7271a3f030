/*
 * c360 runtime — the producer of outputs and dead letters (see
 * runtime_int.h). Each topic is a librdkafka topic handle whose opaque is its
 * counters, so a delivery report finds them without a lookup; each message's
 * opaque is the consumed record that caused it.
 */
#include "runtime_int.h"

#include "c360/kafka.h"
#include "c360/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Topics one producer writes at most: the outputs, re-syncs and the DLQ. */
#define PRODUCER_TOPICS_MAX 64

struct producer_topic {
    rd_kafka_topic_t *rkt;
    struct c360_producer_counts counts;
};

struct c360_producer {
    rd_kafka_t *rk;
    struct c360_offsets *offsets; /* borrowed */
    struct producer_topic topics[PRODUCER_TOPICS_MAX];
    int n_topics;
};

/* Delivery reports: the only proof a message is stored (an enqueue is not). */
static void delivery_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    struct c360_producer *prod = opaque;
    struct producer_topic *t = rd_kafka_topic_opaque(msg->rkt);
    struct c360_offsets_mark *cause = msg->_private;
    if (msg->err) {
        const char *in_topic = "-";
        int32_t in_partition = -1;
        int64_t in_offset = -1;
        if (cause)
            c360_offsets_position(cause, &in_topic, &in_partition, &in_offset);
        t->counts.failed++;
        c360_log(C360_LOG_ERROR, "runtime",
                 "output not delivered topic=%s error=%s input_topic=%s input_partition=%d "
                 "input_offset=%lld",
                 rd_kafka_topic_name(msg->rkt), rd_kafka_err2name(msg->err), in_topic,
                 (int)in_partition, (long long)in_offset);
    } else {
        t->counts.delivered++;
    }
    if (cause)
        c360_offsets_done(prod->offsets, cause, msg->err == RD_KAFKA_RESP_ERR_NO_ERROR);
}

enum c360_err c360_producer_new(const struct c360_config *cfg, struct c360_offsets *offsets,
                                struct c360_producer **out)
{
    struct c360_diag diag;
    rd_kafka_conf_t *conf;
    char errstr[512], text[1024];
    enum c360_err err;
    /* Keys are partitioned as Java clients do (DESIGN.md §6). The outputs are
     * JSON, which lz4 shrinks several times for little CPU. */
    static const struct c360_kafka_default defaults[] = {
        {"client.id", "c360-producer"},
        {"enable.idempotence", "true"},
        {"partitioner", "murmur2_random"},
        {"compression.codec", "lz4"},
        {"linger.ms", "5"},
        {NULL, NULL},
    };
    struct c360_producer *prod = calloc(1, sizeof(*prod));
    if (!prod)
        return C360_ERR_NOMEM;
    prod->offsets = offsets;
    c360_diag_clear(&diag);
    if ((err = c360_kafka_conf_new(cfg, defaults, &conf, &diag))) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot configure the producer: %s", text);
        goto fail;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, delivery_cb);
    rd_kafka_conf_set_opaque(conf, prod);
    if (!(prod->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        c360_log(C360_LOG_ERROR, "runtime", "cannot create the producer error=%s", errstr);
        err = C360_ERR_KAFKA;
        goto fail;
    }
    *out = prod;
    return C360_OK;
fail:
    c360_producer_destroy(prod);
    return err;
}

void c360_producer_destroy(struct c360_producer *prod)
{
    if (!prod)
        return;
    for (int i = 0; i < prod->n_topics; i++)
        rd_kafka_topic_destroy(prod->topics[i].rkt);
    if (prod->rk)
        rd_kafka_destroy(prod->rk);
    free(prod);
}

enum c360_err c360_producer_topic(struct c360_producer *prod, const char *name, int *id)
{
    if (prod->n_topics == PRODUCER_TOPICS_MAX)
        return C360_ERR_LIMIT;
    struct producer_topic *t = &prod->topics[prod->n_topics];
    /* A copy of the default topic configuration keeps the kafka.* topic
     * settings (acks, …) the user gave. */
    rd_kafka_topic_conf_t *tconf = rd_kafka_default_topic_conf_dup(prod->rk);
    if (!tconf)
        return C360_ERR_NOMEM;
    rd_kafka_topic_conf_set_opaque(tconf, t);
    if (!(t->rkt = rd_kafka_topic_new(prod->rk, name, tconf))) { /* takes tconf */
        c360_log(C360_LOG_ERROR, "runtime", "cannot add an output topic topic=%s error=%s", name,
                 rd_kafka_err2name(rd_kafka_last_error()));
        return C360_ERR_KAFKA;
    }
    *id = prod->n_topics++;
    return C360_OK;
}

enum c360_err c360_producer_send(struct c360_producer *prod, int id,
                                 const struct c360_producer_msg *msg)
{
    struct producer_topic *t = &prod->topics[id];
    if (msg->cause)
        c360_offsets_hold(msg->cause);
    for (;;) {
        rd_kafka_resp_err_t kerr = rd_kafka_producev(
            prod->rk, RD_KAFKA_V_RKT(t->rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(msg->key, msg->key_len),
            RD_KAFKA_V_VALUE((void *)msg->value, msg->value ? msg->value_len : 0),
            RD_KAFKA_V_HEADERS(msg->headers), RD_KAFKA_V_OPAQUE(msg->cause), RD_KAFKA_V_END);
        if (kerr == RD_KAFKA_RESP_ERR_NO_ERROR) {
            t->counts.queued++; /* the producer owns the headers now */
            return C360_OK;
        }
        if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_headers_destroy(msg->headers);
            t->counts.failed++;
            if (msg->cause)
                c360_offsets_done(prod->offsets, msg->cause, false);
            c360_log(C360_LOG_ERROR, "runtime", "cannot queue an output topic=%s error=%s",
                     rd_kafka_topic_name(t->rkt), rd_kafka_err2name(kerr));
            return C360_ERR_KAFKA;
        }
        rd_kafka_poll(prod->rk, 100); /* room comes as deliveries complete */
    }
}

void c360_producer_poll(struct c360_producer *prod, int timeout_ms)
{
    rd_kafka_poll(prod->rk, timeout_ms);
}

int c360_producer_flush(struct c360_producer *prod, int timeout_ms)
{
    rd_kafka_flush(prod->rk, timeout_ms);
    return rd_kafka_outq_len(prod->rk);
}

void c360_producer_counts(const struct c360_producer *prod, int id,
                          struct c360_producer_counts *out)
{
    *out = (struct c360_producer_counts){0};
    for (int i = 0; i < prod->n_topics; i++) {
        if (id >= 0 && i != id)
            continue;
        out->queued += prod->topics[i].counts.queued;
        out->delivered += prod->topics[i].counts.delivered;
        out->failed += prod->topics[i].counts.failed;
    }
}
