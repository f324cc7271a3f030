/*
 * c360 runtime — private pieces of the processor: the offsets it may commit,
 * the producer of its outputs and dead letters, the dead-letter headers.
 */
#ifndef C360_RUNTIME_INT_H
#define C360_RUNTIME_INT_H

#include "c360/config.h"
#include "c360/err.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Input offsets and the outputs in flight (at-least-once, DESIGN.md §6).
 * Per input partition this instance owns: the consumed records whose
 * outputs (dead letters included) are not all confirmed delivered yet. A
 * partition's committable offset is the offset of its oldest such record,
 * or the offset after the last one consumed when there is none: every
 * record before it has all its outputs delivered. A record one of whose
 * outputs failed holds its partition there for good. No Kafka I/O, no
 * logging: it only does the bookkeeping.
 */
struct c360_offsets;
/* One consumed record and what it still waits for. */
struct c360_offsets_mark;

/* Partitions tracked at most: every input partition a large cluster has. */
#define C360_OFFSETS_PARTITIONS_MAX 100000

/* *out is new (c360_offsets_destroy, which frees the marks still in flight:
 * destroy the producer that refers to them first). */
enum c360_err c360_offsets_new(struct c360_offsets **out) C360_MUST_USE;
void c360_offsets_destroy(struct c360_offsets *offs);

/* The partition is now owned; nothing is committed for it until a record of
 * it is consumed. */
enum c360_err c360_offsets_assign(struct c360_offsets *offs, const char *topic,
                                  int32_t partition) C360_MUST_USE;
/* The partition is no longer owned: its marks still in flight gate nothing
 * more and are freed when their last report comes. */
void c360_offsets_revoke(struct c360_offsets *offs, const char *topic, int32_t partition);
/* Whether the partition is owned: c360_offsets_consume will take its records. */
bool c360_offsets_owned(struct c360_offsets *offs, const char *topic, int32_t partition);

/* Sorts a batch's records into the one order they are applied in, whatever
 * order Kafka delivered them (a batch re-run after a crash is applied as it
 * was): topic by name, partition, offset; records without a topic (consumer
 * errors) first, as they came. C360_ERR_LIMIT beyond C360_TOPIC_SET_MAX
 * topics (run.c). */
enum c360_err c360_runtime_sort(rd_kafka_message_t **v, size_t n) C360_MUST_USE;

/* Record topic:partition:offset was consumed. *out (borrowed; valid until
 * its last c360_offsets_done) holds the partition at the record until
 * c360_offsets_done releases its processing hold. C360_ERR_NOT_FOUND when
 * the partition is not owned. */
enum c360_err c360_offsets_consume(struct c360_offsets *offs, const char *topic, int32_t partition,
                                   int64_t offset, struct c360_offsets_mark **out) C360_MUST_USE;
/* One more message now waits for delivery on behalf of mark. */
void c360_offsets_hold(struct c360_offsets_mark *mark);
/* One hold of mark ends: the record was processed, or a message delivered
 * (ok) or failed (!ok, which pins the partition at the record). */
void c360_offsets_done(struct c360_offsets *offs, struct c360_offsets_mark *mark, bool ok);
/* Where mark's record came from ("-" and -1 once its partition is revoked). */
void c360_offsets_position(const struct c360_offsets_mark *mark, const char **topic,
                           int32_t *partition, int64_t *offset);
/* Records still waiting (or failed) in every partition. */
size_t c360_offsets_in_flight(const struct c360_offsets *offs);

/* A new list (NULL when there is nothing to commit) of the owned partitions
 * whose committable offset is past what the coordinator accepted, and — when
 * again is false — past what was last asked for. */
enum c360_err c360_offsets_commit_list(struct c360_offsets *offs, bool again,
                                       rd_kafka_topic_partition_list_t **out) C360_MUST_USE;
/* The coordinator's answer to a commit of list (NULL: unknown), refused
 * as a whole or not; returns how many partitions it refused (those are
 * asked for again next time). */
size_t c360_offsets_committed(struct c360_offsets *offs,
                              const rd_kafka_topic_partition_list_t *list, bool refused);
/* Owned partitions whose committable offset the coordinator has not
 * accepted yet. */
size_t c360_offsets_uncommitted(const struct c360_offsets *offs);

/*
 * The producer of every output topic and of the dead-letter topic: one
 * idempotent producer, keys partitioned as Java clients do (DESIGN.md §6).
 * Each message may name the consumed record that caused it; its delivery
 * report (the only proof it is stored: an enqueue is not) then releases that
 * record's hold in offsets. Counts per topic what is queued, delivered and
 * failed; a failure is logged here, once, with the input that caused it.
 */
struct c360_producer;

/* *out is new (c360_producer_destroy). offsets is borrowed for the
 * producer's life. Failures are logged here. */
enum c360_err c360_producer_new(const struct c360_config *cfg, struct c360_offsets *offsets,
                                struct c360_producer **out) C360_MUST_USE;
/* Destroys the client without waiting: flush first to keep what is queued. */
void c360_producer_destroy(struct c360_producer *prod);

/* Adds topic name (copied); *id names it to c360_producer_send. */
enum c360_err c360_producer_topic(struct c360_producer *prod, const char *name,
                                  int *id) C360_MUST_USE;

/* What to send: value NULL is a tombstone; headers (may be NULL) are stolen
 * whether or not the message is queued; cause (may be NULL: a timer's
 * output) is held until the delivery report. */
struct c360_producer_msg {
    const void *key, *value;
    size_t key_len, value_len;
    rd_kafka_headers_t *headers;
    struct c360_offsets_mark *cause;
};

/* Queues one message (copied) for topic id, serving delivery reports and
 * waiting while the producer's queue is full. A message that cannot be
 * queued is logged here and marks its cause failed. */
enum c360_err c360_producer_send(struct c360_producer *prod, int id,
                                 const struct c360_producer_msg *msg) C360_MUST_USE;

/* Serves delivery reports, waiting up to timeout_ms for the first one. */
void c360_producer_poll(struct c360_producer *prod, int timeout_ms);
/* Waits up to timeout_ms for everything queued to be delivered; returns how
 * many messages were still undelivered. */
int c360_producer_flush(struct c360_producer *prod, int timeout_ms);

/* Counters of topic id (-1: every topic). */
struct c360_producer_counts {
    long long queued, delivered, failed;
};
void c360_producer_counts(const struct c360_producer *prod, int id,
                          struct c360_producer_counts *out);

/*
 * The decode stage: a thread that decodes a batch's messages, in order,
 * while the processor's thread applies the ones before them. Between
 * c360_decode_start and c360_decode_finish the thread owns the codecs the
 * messages were added with (and the registry and CDC row store behind
 * them): the processor must not decode meanwhile. No Kafka I/O, no logging.
 */
struct c360_decode;
struct c360_codec;
struct c360_codec_msg;
struct c360_codec_rows;
struct c360_record;

/* What decoding one message gave: parts [first, first + n) of the batch
 * (c360_decode_part), and err with diag for the part that failed, if one
 * did (the parts after it are not decoded). skip: not decoded at all. */
struct c360_decoded {
    bool skip;
    enum c360_err err;
    struct c360_diag diag;
    size_t first, n;
};

/* *out is new (c360_decode_destroy), with its thread started. rows (borrowed,
 * may be NULL) is the CDC row store the codecs write: staged at the end of
 * each batch decoded whole. */
enum c360_err c360_decode_new(struct c360_codec_rows *rows, struct c360_decode **out) C360_MUST_USE;
void c360_decode_destroy(struct c360_decode *d);
/* Adds msg (copied; the bytes it points to are borrowed until
 * c360_decode_finish) to the next batch, to be decoded by codec (borrowed; NULL: no decoder for its
 * topic, an error) or, with skip, not at all. Only between c360_decode_finish and start. */
enum c360_err c360_decode_add(struct c360_decode *d, const struct c360_codec_msg *msg,
                              const struct c360_codec *codec, bool skip) C360_MUST_USE;
/* The thread starts decoding the messages added. */
void c360_decode_start(struct c360_decode *d);
/* Waits until message i (in the order added) is decoded, and gives back
 * the records of message i - 1: call with i = 0, 1, 2, … The result and its
 * records (c360_decode_part) are borrowed until the next call. */
const struct c360_decoded *c360_decode_wait(struct c360_decode *d, size_t i);
struct c360_record *c360_decode_part(const struct c360_decode *d, const struct c360_decoded *out,
                                     size_t part);
/* Stops the batch where it is and waits for the thread; the codecs are the
 * caller's again and the batch is emptied. C360_ERR_NOMEM: the batch was
 * decoded whole but its rows could not be staged. */
enum c360_err c360_decode_finish(struct c360_decode *d) C360_MUST_USE;

/*
 * The dead-letter headers (DESIGN.md §1): the original message's headers
 * plus the Kafka Connect error headers (__connect.errors.topic, .partition,
 * .offset, .exception.class.name, .exception.message) and c360's diagnostic
 * (c360.errors.field, c360.errors.code). New (the producer steals them).
 */
rd_kafka_headers_t *c360_dlq_headers_new(const rd_kafka_message_t *msg, enum c360_err err,
                                         const struct c360_diag *diag);

#endif
