/*
 * c360 runtime — the dead-letter producer. Until the engine's output producer
 * exists (issue 5), it also carries the re-sync requests the Salesforce CDC
 * decoder makes and the identity stage's changes (c360_dlq_send_output), with
 * delivery counted apart.
 */
#include "runtime_int.h"

#include "c360/kafka.h"
#include "c360/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct c360_dlq {
    rd_kafka_t *rk;
    char *topic;
    long long delivered, failed;
    long long out_delivered, out_failed; /* other topics */
};

/* Delivery reports: the only proof a dead letter is stored (an enqueue is not). */
static void delivery_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    struct c360_dlq *dlq = opaque;
    if (strcmp(rd_kafka_topic_name(msg->rkt), dlq->topic) != 0) {
        if (msg->err) {
            dlq->out_failed++;
            c360_log(C360_LOG_ERROR, "runtime", "output not delivered topic=%s error=%s",
                     rd_kafka_topic_name(msg->rkt), rd_kafka_err2name(msg->err));
        } else {
            dlq->out_delivered++;
        }
        return;
    }
    if (msg->err) {
        dlq->failed++;
        c360_log(C360_LOG_ERROR, "runtime", "dead letter not delivered topic=%s error=%s",
                 dlq->topic, rd_kafka_err2name(msg->err));
    } else {
        dlq->delivered++;
    }
}

enum c360_err c360_dlq_new(const struct c360_config *cfg, const char *topic, struct c360_dlq **out)
{
    struct c360_diag diag;
    rd_kafka_conf_t *conf;
    char errstr[512], text[1024];
    /* Keys are partitioned as Java clients do (DESIGN.md §6). */
    static const struct c360_kafka_default defaults[] = {
        {"client.id", "c360-dlq"},
        {"enable.idempotence", "true"},
        {"partitioner", "murmur2_random"},
        {"linger.ms", "5"},
        {NULL, NULL},
    };
    struct c360_dlq *dlq = calloc(1, sizeof(*dlq));
    if (!dlq || !(dlq->topic = strdup(topic))) {
        free(dlq);
        return C360_ERR_NOMEM;
    }
    c360_diag_clear(&diag);
    if (c360_kafka_conf_new(cfg, defaults, &conf, &diag)) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot configure the dead-letter producer: %s", text);
        c360_dlq_destroy(dlq);
        return C360_ERR_INVALID;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, delivery_cb);
    rd_kafka_conf_set_opaque(conf, dlq);
    if (!(dlq->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        c360_log(C360_LOG_ERROR, "runtime", "cannot create the dead-letter producer error=%s",
                 errstr);
        c360_dlq_destroy(dlq);
        return C360_ERR_KAFKA;
    }
    *out = dlq;
    return C360_OK;
}

/* The exception class a Connect-minded reader of the DLQ sees. */
static const char *error_class(enum c360_err err)
{
    switch (err) {
    case C360_ERR_INVALID:
        return "c360.InvalidRecord";
    case C360_ERR_LIMIT:
        return "c360.RecordTooLarge";
    case C360_ERR_UNSUPPORTED:
        return "c360.UnsupportedRecord";
    default:
        return "c360.DecodeError";
    }
}

static void header_add(rd_kafka_headers_t *hdrs, const char *name, const char *value)
{
    rd_kafka_header_add(hdrs, name, -1, value, -1);
}

enum c360_err c360_dlq_send(struct c360_dlq *dlq, const rd_kafka_message_t *msg, enum c360_err err,
                            const struct c360_diag *diag)
{
    rd_kafka_headers_t *orig = NULL, *hdrs;
    char number[32], message[1024];
    if (rd_kafka_message_headers(msg, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR)
        hdrs = rd_kafka_headers_copy(orig); /* new */
    else
        hdrs = rd_kafka_headers_new(8); /* new */
    header_add(hdrs, "__connect.errors.topic", rd_kafka_topic_name(msg->rkt));
    snprintf(number, sizeof(number), "%d", (int)msg->partition);
    header_add(hdrs, "__connect.errors.partition", number);
    snprintf(number, sizeof(number), "%lld", (long long)msg->offset);
    header_add(hdrs, "__connect.errors.offset", number);
    header_add(hdrs, "__connect.errors.exception.class.name", error_class(err));
    snprintf(message, sizeof(message), "%s%s%s", diag->field, diag->field[0] ? ": " : "",
             diag->text);
    header_add(hdrs, "__connect.errors.exception.message", message);
    header_add(hdrs, "c360.errors.field", diag->field);
    header_add(hdrs, "c360.errors.code", c360_err_str(err));

    for (;;) {
        rd_kafka_resp_err_t kerr = rd_kafka_producev(
            dlq->rk, RD_KAFKA_V_TOPIC(dlq->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(msg->key, msg->key_len), RD_KAFKA_V_VALUE(msg->payload, msg->len),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (kerr == RD_KAFKA_RESP_ERR_NO_ERROR)
            return C360_OK; /* the producer owns hdrs now */
        if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_headers_destroy(hdrs);
            c360_log(C360_LOG_ERROR, "runtime", "cannot queue a dead letter topic=%s error=%s",
                     dlq->topic, rd_kafka_err2name(kerr));
            return C360_ERR_KAFKA;
        }
        rd_kafka_poll(dlq->rk, 100); /* room comes as deliveries complete */
    }
}

enum c360_err c360_dlq_send_output(struct c360_dlq *dlq, const char *topic, const char *key,
                                   const char *value)
{
    for (;;) {
        rd_kafka_resp_err_t kerr = rd_kafka_producev(
            dlq->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
            RD_KAFKA_V_VALUE((void *)value, value ? strlen(value) : 0), RD_KAFKA_V_END);
        if (!kerr)
            return C360_OK;
        if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            c360_log(C360_LOG_ERROR, "runtime", "cannot queue an output topic=%s error=%s", topic,
                     rd_kafka_err2name(kerr));
            return C360_ERR_KAFKA;
        }
        rd_kafka_poll(dlq->rk, 100);
    }
}

long long c360_dlq_outputs_delivered(const struct c360_dlq *dlq)
{
    return dlq->out_delivered;
}

void c360_dlq_poll(struct c360_dlq *dlq)
{
    rd_kafka_poll(dlq->rk, 0);
}

long long c360_dlq_delivered(const struct c360_dlq *dlq)
{
    return dlq->delivered;
}

long long c360_dlq_failed(const struct c360_dlq *dlq)
{
    return dlq->failed;
}

int c360_dlq_flush(struct c360_dlq *dlq, int timeout_ms)
{
    rd_kafka_flush(dlq->rk, timeout_ms);
    return rd_kafka_outq_len(dlq->rk);
}

void c360_dlq_destroy(struct c360_dlq *dlq)
{
    if (!dlq)
        return;
    if (dlq->rk)
        rd_kafka_destroy(dlq->rk);
    free(dlq->topic);
    free(dlq);
}
