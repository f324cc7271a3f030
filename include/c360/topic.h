/*
 * c360 topic — the topic declarations in `topics/`: one JSON file per topic
 * with its name, role, partitions, cleanup policy, key and (inputs) default
 * wire format. Loading validates every file and the set as a whole (unique
 * names, co-partitioned inputs, exactly one dead-letter topic), so a bad
 * declaration fails at start-up rather than in production.
 *
 * Owns the loaded descriptors; does no Kafka I/O and no logging.
 */
#ifndef C360_TOPIC_H
#define C360_TOPIC_H

#include "c360/err.h"

#include <stddef.h>

/* Caps on what a topics folder may hold. */
#define C360_TOPIC_FILE_MAX (64 * 1024)
#define C360_TOPIC_SET_MAX 64
#define C360_TOPIC_PARTITIONS_MAX 10000

enum c360_topic_role {
    C360_TOPIC_INPUT,
    C360_TOPIC_OUTPUT,
    C360_TOPIC_DLQ,
};

enum c360_topic_cleanup {
    C360_TOPIC_CLEANUP_DELETE,
    C360_TOPIC_CLEANUP_COMPACT,
    C360_TOPIC_CLEANUP_COMPACT_DELETE,
};

/* One declared topic. Fields are public: callers read them; only the set
 * creates and frees them. Strings are never NULL; absent ones are "". */
struct c360_topic {
    char *id;   /* logical id, e.g. "individual", "segment-membership" */
    char *name; /* Kafka topic name, e.g. "c360.in.individual" */
    enum c360_topic_role role;
    int partitions;
    enum c360_topic_cleanup cleanup;
    char *key;    /* what the message key is, e.g. "globalPartyId" */
    char *format; /* inputs: default wire format; "" otherwise */
    char *schema; /* value schema file under schemas/, "" for the DLQ */
    char *doc;
    char *mapping; /* inputs: the "mapping" object as compact JSON text, "" if none;
                      the codec module interprets it */
};

struct c360_topic_set;

/* *out is new (c360_topic_set_destroy). On failure of any function here that
 * fills *out, *out is left untouched. */
enum c360_err c360_topic_set_new(struct c360_topic_set **out) C360_MUST_USE;
void c360_topic_set_destroy(struct c360_topic_set *set);

/* Parses one declaration and adds it. `where` names it in diagnostics. */
enum c360_err c360_topic_set_add_json(struct c360_topic_set *set, const char *json, size_t len,
                                      const char *where, struct c360_diag *diag) C360_MUST_USE;

/* Whole-set rules: unique ids and names, one DLQ, at least one input, every
 * input with the same partition count (co-partitioned by key, DESIGN.md §6). */
enum c360_err c360_topic_set_check(const struct c360_topic_set *set,
                                   struct c360_diag *diag) C360_MUST_USE;

/* Loads every *.json in dir (in name order) and checks the set; *out is new. */
enum c360_err c360_topic_set_load_dir(const char *dir, struct c360_topic_set **out,
                                      struct c360_diag *diag) C360_MUST_USE;

size_t c360_topic_set_count(const struct c360_topic_set *set);
/* Borrowed; valid until the set is destroyed. */
const struct c360_topic *c360_topic_set_at(const struct c360_topic_set *set, size_t i);
const struct c360_topic *c360_topic_set_find(const struct c360_topic_set *set, const char *id);

/* Replaces the wire format input topic id declares with format (one of
 * c360_topic_formats): how a producer that is not the declared source, such
 * as `c360 demo` publishing an Avro topic's rows as the JSON its mapping
 * reads, says what it wrote. C360_ERR_NOT_FOUND when id is no input topic,
 * C360_ERR_INVALID for an unknown format; diag says which. */
enum c360_err c360_topic_set_format(struct c360_topic_set *set, const char *id, const char *format,
                                    struct c360_diag *diag) C360_MUST_USE;

const char *c360_topic_role_str(enum c360_topic_role role);
/* Kafka's spelling: "delete", "compact", "compact,delete". */
const char *c360_topic_cleanup_str(enum c360_topic_cleanup cleanup);

/* The wire formats an input may declare; NULL-terminated. */
extern const char *const c360_topic_formats[];

#endif
