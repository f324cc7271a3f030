/*
 * c360 gen — a synthetic bank, the same bytes for the same seed (DESIGN.md
 * §9 `gen`): FSC person accounts, Snowflake accounts with their balance
 * history, transactions, S3 external accounts and web sessions, each line a
 * message value in the wire format of its input topic and with the field
 * names that topic's shipped mapping reads (topics/<id>.json). Customers are
 * generated one household at a time, so memory does not grow with their
 * number. The first customers are built at the thresholds of the default
 * segments (DESIGN.md §5) and come with ground truth: whether each is a
 * member on `today`, known by construction.
 *
 * Owns nothing between calls; does no I/O and never reads the clock: lines go
 * to the caller's sink (the CLI writes files, a benchmark may feed them on).
 */
#ifndef C360_GEN_H
#define C360_GEN_H

#include "c360/err.h"

#include <stddef.h>
#include <stdint.h>

/* Global party ids are GP-%08u: eight digits. */
#define C360_GEN_CUSTOMERS_MAX 99999999u
/* No generated line is longer than this (a CDC event is about 1.2 KiB). */
#define C360_GEN_LINE_MAX 4096
/* The default "today" of the generated bank, so output never depends on the
 * wall clock. */
#define C360_GEN_TODAY_DEFAULT "2026-11-20"

/* What a line is. Each stream but the truth is one input topic. */
enum c360_gen_stream {
    C360_GEN_INDIVIDUAL,            /* Salesforce CDC events of person accounts */
    C360_GEN_FINANCIAL_ACCOUNT,     /* Kafka Connect JsonConverter rows of the EDW view */
    C360_GEN_FINANCIAL_TRANSACTION, /* EDW rows as plain JSON (see c360_gen_stream_format) */
    C360_GEN_EXTERNAL_ACCOUNT,      /* aggregator rows as plain JSON */
    C360_GEN_WEB_ENGAGEMENT,        /* Databricks rows as plain JSON */
    C360_GEN_TRUTH,                 /* one JSON object per threshold customer */
};
#define C360_GEN_STREAMS 6

struct c360_gen_conf {
    uint32_t customers; /* 1..C360_GEN_CUSTOMERS_MAX */
    uint64_t seed;
    int32_t today; /* days since 1970-01-01; the latest events fall on its morning */
};

/* One generated line, all borrowed until the sink returns. */
struct c360_gen_line {
    enum c360_gen_stream stream;
    const char *key;   /* the message key the topic declares: the global party id, or
                          the email of a web visitor who is not logged in; NULL for truth */
    const char *value; /* NUL-terminated, no newline */
    size_t len;
};

/* Where lines go. A sink that fails stops the run with its error. */
struct c360_gen_sink {
    enum c360_err (*emit)(const struct c360_gen_line *line, void *arg);
    void *arg;
};

/* The topic id (topics/<id>.json "id") of a stream; NULL for the truth. */
const char *c360_gen_stream_topic(enum c360_gen_stream stream);

/* The wire format a stream's lines are in: the topic's declared format,
 * except financial-transaction (declared avro), written as "json" rows with
 * the mapped column names, the way replay input gives an Avro topic. "" for
 * the truth. */
const char *c360_gen_stream_format(enum c360_gen_stream stream);

/*
 * Generates the bank of conf into sink, in customer order: within a stream a
 * household's lines are in the order their source would send them (balance
 * rows by load time, so a late row comes after newer ones). Events never lie
 * after `today` 08:00 UTC. Checks conf first (C360_ERR_INVALID with diag).
 */
enum c360_err c360_gen_run(const struct c360_gen_conf *conf, const struct c360_gen_sink *sink,
                           struct c360_diag *diag) C360_MUST_USE;

#endif
