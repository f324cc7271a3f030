/*
 * c360 runtime — private pieces of the processor loop.
 */
#ifndef C360_RUNTIME_INT_H
#define C360_RUNTIME_INT_H

#include "c360/config.h"
#include "c360/err.h"
#include "c360/record.h"
#include "c360/topic.h"

#include <librdkafka/rdkafka.h>

/*
 * The dead-letter path (DESIGN.md §1): a record that cannot be decoded or
 * mapped goes to the dead-letter topic with its original key, value and
 * headers plus the Kafka Connect error headers (__connect.errors.topic,
 * .partition, .offset, .exception.class.name, .exception.message) and c360's
 * diagnostic (c360.errors.field, c360.errors.code). Owns an idempotent
 * producer; never logs record contents.
 */
struct c360_dlq;

/* *out is new (c360_dlq_destroy). Failures are logged here. */
enum c360_err c360_dlq_new(const struct c360_config *cfg, const char *topic,
                           struct c360_dlq **out) C360_MUST_USE;

/* Queues msg (borrowed) for the dead-letter topic, waiting for queue room
 * while the producer is full. Delivery is confirmed later (c360_dlq_poll). */
enum c360_err c360_dlq_send(struct c360_dlq *dlq, const rd_kafka_message_t *msg, enum c360_err err,
                            const struct c360_diag *diag) C360_MUST_USE;

/* Queues value (copied; NULL: a tombstone) with key (NUL-terminated, or
 * NULL) for another output topic on the same idempotent producer; waits
 * while it is full. */
enum c360_err c360_dlq_send_output(struct c360_dlq *dlq, const char *topic, const char *key,
                                   const char *value) C360_MUST_USE;
/* Outputs of c360_dlq_send_output confirmed delivered. */
long long c360_dlq_outputs_delivered(const struct c360_dlq *dlq);

/* Serves delivery reports without waiting. */
void c360_dlq_poll(struct c360_dlq *dlq);

/* Records confirmed delivered, and records whose delivery failed. */
long long c360_dlq_delivered(const struct c360_dlq *dlq);
long long c360_dlq_failed(const struct c360_dlq *dlq);

/* Waits up to timeout_ms for everything queued to be delivered; returns how
 * many were still undelivered. */
int c360_dlq_flush(struct c360_dlq *dlq, int timeout_ms);
void c360_dlq_destroy(struct c360_dlq *dlq);

/*
 * The identity stage of `c360 run` until the engine exists (issue 5): every
 * decoded record of an identity-bearing topic (individual, external account,
 * web engagement) updates an in-memory identity graph, and what changed goes
 * to the identity-changes topic (LINK, MERGE, SPLIT) and the compacted
 * identity-links topic (one value per source record, a tombstone when it is
 * deleted). Output event ids hash the input position and the output's index.
 */
struct c360_idstage;

/* *out is new; NULL (and C360_OK) when the topics set declares no identity
 * outputs. Failures are logged here. */
enum c360_err c360_idstage_new(const struct c360_config *cfg, const struct c360_topic_set *topics,
                               struct c360_dlq *producer, struct c360_idstage **out) C360_MUST_USE;
void c360_idstage_destroy(struct c360_idstage *st);

/* Applies one decoded record (part `part` of the message at topic:partition:
 * offset); records of other topics and re-sync requests are ignored. */
enum c360_err c360_idstage_apply(struct c360_idstage *st, const struct c360_record *rec,
                                 const char *topic, int32_t partition, int64_t offset,
                                 size_t part) C360_MUST_USE;
/* Records the graph holds, and outputs queued so far. */
size_t c360_idstage_records(const struct c360_idstage *st);
long long c360_idstage_outputs(const struct c360_idstage *st);
/* Blocking keys shared by too many records to join anyone (junk values the
 * blocklist does not know yet). Counted, never printed: they are customer data. */
size_t c360_idstage_capped_keys(const struct c360_idstage *st);

#endif
