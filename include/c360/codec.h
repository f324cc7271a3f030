/*
 * c360 codec — turns the bytes of one Kafka message into a canonical record
 * (DESIGN.md §1, §3), or into a precise diagnostic (field and reason) that the
 * dead-letter path carries. Also writes records back as canonical JSON, the
 * form `c360 decode` prints and golden tests compare.
 *
 * Owns nothing between calls; does no Kafka I/O and no logging. JSON and Avro
 * library types stay inside this module.
 */
#ifndef C360_CODEC_H
#define C360_CODEC_H

#include "c360/err.h"
#include "c360/persist.h"
#include "c360/record.h"
#include "c360/topic.h"

#include <stddef.h>
#include <stdint.h>

/* A message value larger than this is refused before it is parsed. */
#define C360_CODEC_VALUE_MAX (1024 * 1024)

/*
 * Canonical JSON: one object with the field names of DESIGN.md §3 and
 * schemas/. Times are RFC 3339 strings or epoch-millisecond integers, dates
 * YYYY-MM-DD, money {"amount": "4210.17" | 4210.17, "currency": "USD"} (a
 * transaction may also give "amount" and "currency" side by side). null means
 * absent; unknown fields are ignored so producers can add fields first.
 * rec is reset to its entity first; it is validated before C360_OK.
 */
enum c360_err c360_codec_json_decode(const char *bytes, size_t len, struct c360_record *rec,
                                     struct c360_diag *diag) C360_MUST_USE;

/* A Kafka message as the codec sees it (all borrowed). */
struct c360_codec_msg {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const char *key; /* NULL when the message has no key */
    size_t key_len;
    int64_t timestamp; /* epoch ms, or C360_TIME_NONE */
    const char *value; /* NULL for a tombstone */
    size_t len;
};

/*
 * How one input topic's messages become records: its wire format and its
 * mapping (see src/codec/mapping.c for the mapping language). Formats so far:
 *   canonical     canonical JSON (c360_codec_json_decode); the mapping is not used
 *   json          plain JSON through the topic's mapping (canonical without one)
 *   connect-json  Kafka Connect JsonConverter {schema, payload}, with the
 *                 logical types Decimal (base64 or numeric), Timestamp, Date
 *   debezium      Debezium envelopes {before, after, op, ts_ms, source}, bare
 *                 or inside {schema, payload} (then also io.debezium.time.Date,
 *                 MicroTimestamp, NanoTimestamp); a tombstone is a DELETE by key.
 *                 Bare envelopes carry no types: use decimal.handling.mode=string
 *                 and time.precision.mode=connect there.
 *   salesforce-cdc  Salesforce Change Data Capture events as the Salesforce CDC
 *                 source connector writes them (bare or inside {schema,
 *                 payload}): a flat record with a ChangeEventHeader. See
 *                 src/codec/sfcdc.c for how each changeType becomes records.
 *   avro          Avro binary in the Schema Registry wire format (magic byte 0,
 *                 4-byte big-endian schema id), resolved against the topic's
 *                 schema in schemas/; needs c360_codec_set_avro. The mapping is
 *                 not used: the reader schema is canonical.
 */
struct c360_codec;
struct c360_registry;
struct c360_schema_set;

/* Most writer schemas (ids) one avro codec resolves; more is C360_ERR_LIMIT. */
#define C360_CODEC_AVRO_WRITERS_MAX 64

/* A codec for topic, with `format` or (NULL) the topic's declared format.
 * *out is new (c360_codec_destroy), untouched on failure. */
enum c360_err c360_codec_new(const struct c360_topic *topic, const char *format,
                             struct c360_codec **out, struct c360_diag *diag) C360_MUST_USE;
void c360_codec_destroy(struct c360_codec *codec);

/*
 * Gives an avro codec what it reads with: reg, the registry client that
 * fetches writer schemas by id, and schemas, where it finds the topic's reader
 * schema (it keeps a reference to that schema, nothing else of the set). reg
 * is borrowed and must outlive the codec; NULL makes every schema id fail
 * with a diagnostic naming schema.registry.url. Call once, before decoding;
 * other formats ignore it. An avro codec and its registry are not
 * thread-safe: one of each per thread.
 */
enum c360_err c360_codec_set_avro(struct c360_codec *codec, struct c360_registry *reg,
                                  const struct c360_schema_set *schemas,
                                  struct c360_diag *diag) C360_MUST_USE;

/* Decodes one message into rec (reset first) and validates it. When the
 * mapping gives no eventId, the message position stands in
 * (topic:partition:offset), so reprocessing yields the same id. An avro codec
 * may fetch a writer schema from the registry here (bounded waits; failures
 * are decode errors naming the schema id), and a connect-json or debezium
 * codec keeps the last few Connect schemas it saw, compiled (at most 8 of at
 * most 64 KB each), so both change state behind the const: one codec per
 * thread. */
enum c360_err c360_codec_decode(const struct c360_codec *codec, const struct c360_codec_msg *msg,
                                struct c360_record *rec, struct c360_diag *diag) C360_MUST_USE;

/*
 * Most messages hold one record; a Salesforce CDC event that lists several
 * recordIds (changes Salesforce merged) holds one record per id. This decodes
 * part `part` of msg into rec and sets *parts to how many the message holds
 * (also on failure, when it is known; else 1). Decode the parts in order, each
 * once: a CDC part updates the codec's row store. c360_codec_decode is part 0.
 */
enum c360_err c360_codec_decode_part(const struct c360_codec *codec,
                                     const struct c360_codec_msg *msg, size_t part,
                                     struct c360_record *rec, size_t *parts,
                                     struct c360_diag *diag) C360_MUST_USE;

/*
 * The last full source row of each Salesforce record a CDC codec has seen.
 * A CDC UPDATE carries only the changed fields (ChangeEventHeader
 * changedFields); merged onto the stored row it becomes a complete record.
 * Without a stored row an UPDATE becomes a re-sync request, never a guess.
 * Holds at most max_rows rows: a new record beyond that is a decode error
 * (C360_ERR_LIMIT), so memory stays bounded. `c360 run` keeps the rows in
 * its state store with the rest of the state.
 */
struct c360_codec_rows;

/* *out is new (c360_codec_rows_destroy). */
enum c360_err c360_codec_rows_new(size_t max_rows, struct c360_codec_rows **out) C360_MUST_USE;
void c360_codec_rows_destroy(struct c360_codec_rows *rows);
/* Rows held now. */
size_t c360_codec_rows_count(const struct c360_codec_rows *rows);
/* The store's bytes of one row at most. */
#define C360_CODEC_ROW_MAX (1024 * 1024)

/* Turns the rows changed since the last stage into the bytes the store
 * keeps, ahead of c360_codec_rows_persist: the processor's decode thread
 * does it at the end of a batch, so the thread that commits only copies.
 * On failure nothing is lost: what was not staged is written as it is. */
enum c360_err c360_codec_rows_stage(struct c360_codec_rows *rows) C360_MUST_USE;
/* State store (persist.h): hands every row changed since the last
 * c360_codec_rows_persisted to sink as a C360_DB_CODEC item keyed by the
 * record id (NULL value: forgotten), as staged or else as it is now.
 * Changes nothing, so it may run again. */
enum c360_err c360_codec_rows_persist(const struct c360_codec_rows *rows,
                                      const struct c360_persist_sink *sink) C360_MUST_USE;
/* Moves what rows has staged into into (a store of staged rows only, which
 * c360_codec_rows_persist writes), so that rows may change again while
 * into is being written. */
enum c360_err c360_codec_rows_take_staged(struct c360_codec_rows *rows,
                                          struct c360_codec_rows *into) C360_MUST_USE;
/* The items of the last persist are stored: forget them. */
void c360_codec_rows_persisted(struct c360_codec_rows *rows);
/* Takes back one stored C360_DB_CODEC item into a new row store. */
enum c360_err c360_codec_rows_restore(struct c360_codec_rows *rows, const void *key, size_t key_len,
                                      const void *val, size_t val_len,
                                      struct c360_diag *diag) C360_MUST_USE;

/* Gives a salesforce-cdc codec its row store (borrowed: it must outlive the
 * codec). Without one, every CDC UPDATE becomes a re-sync request. */
void c360_codec_set_rows(struct c360_codec *codec, struct c360_codec_rows *rows);

/* Output layouts of c360_codec_json_encode. */
enum c360_codec_layout {
    C360_CODEC_COMPACT, /* one line */
    C360_CODEC_PRETTY,  /* two-space indent, for golden files */
};

/* Canonical JSON of rec, keys in schema order, absent fields left out (a
 * RESYNC record as schemas/resync_request.avsc); *out is new (free()) and
 * NUL-terminated. */
enum c360_err c360_codec_json_encode(const struct c360_record *rec, enum c360_codec_layout layout,
                                     char **out) C360_MUST_USE;

#endif
