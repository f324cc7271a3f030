/*
 * c360 core — how the pure modules hand their state to a store and take it
 * back (DESIGN.md §6).
 *
 * A module that holds state keeps track of the items it changed since it was
 * last flushed. Flushing calls a sink once per changed item, with the named
 * database the item belongs in, its key and its encoded value (NULL when the
 * item is gone); the caller writes them in one transaction with the input
 * offsets that produced them. Restoring hands every stored item back, in any
 * order within a database, to a module that was just created, then tells it
 * to rebuild what it derives. A module restored from what it flushed behaves
 * exactly as the module that flushed it: the same inputs then give
 * byte-identical outputs.
 *
 * Values are a version byte (C360_PERSIST_VERSION) followed by fields in the
 * compact binary form of the writer below: unsigned and zigzag varints,
 * length-prefixed strings. The writer owns a buffer that grows up to a cap;
 * the reader borrows the bytes and never reads past them, so a corrupt value
 * fails with C360_ERR_INVALID instead of crashing. Does no I/O.
 */
#ifndef C360_PERSIST_H
#define C360_PERSIST_H

#include "c360/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The encoding of every value; bumped when any value's layout changes, so a
 * store written by another layout is refused, never misread. */
#define C360_PERSIST_VERSION 1

/* The named databases of the state store. */
enum c360_persist_db {
    C360_DB_META,     /* counters and clocks of each module, one item per module */
    C360_DB_IDENTITY, /* the identity graph: one item per record (node) */
    C360_DB_BLOCKING, /* the blocking index: one item per blocking key */
    C360_DB_INSIGHTS, /* insight inputs: one item per owner key */
    C360_DB_RECORDS,  /* the individual records golden profiles are built from */
    C360_DB_PROFILES, /* per unified profile: segment memberships and what was sent */
    C360_DB_TIMERS,   /* the timer index: one item per pending timer */
    C360_DB_CODEC,    /* decoders' state (Salesforce CDC rows) */
    C360_DB_OFFSETS,  /* input offsets: one item per topic partition */
};
#define C360_DB_COUNT 9

/* The database's name in the store ("identity"…). */
const char *c360_persist_db_name(enum c360_persist_db db);

/* Receives one changed item. val NULL: the item is deleted. The bytes are
 * borrowed for the call. */
struct c360_persist_sink {
    enum c360_err (*put)(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                         const void *val, size_t val_len);
    void *arg;
};

/* Calls sink->put; a NULL sink (nothing stored) accepts everything. */
enum c360_err c360_persist_put(const struct c360_persist_sink *sink, enum c360_persist_db db,
                               const void *key, size_t key_len, const void *val,
                               size_t val_len) C360_MUST_USE;

/* --- Writing a value. */

struct c360_persist_writer {
    uint8_t *buf;
    size_t len, cap, max;
    enum c360_err err; /* the first failure, sticky until reset */
};

/* An empty writer whose value may grow to max bytes. */
void c360_persist_writer_init(struct c360_persist_writer *w, size_t max);
/* Empties the value (writing the version byte again) and clears a failure. */
void c360_persist_writer_reset(struct c360_persist_writer *w);
void c360_persist_writer_free(struct c360_persist_writer *w);

void c360_persist_u64(struct c360_persist_writer *w, uint64_t v); /* unsigned varint */
void c360_persist_i64(struct c360_persist_writer *w, int64_t v);  /* zigzag varint */
void c360_persist_bool(struct c360_persist_writer *w, bool v);
/* A string, or NULL (told apart from ""). */
void c360_persist_str(struct c360_persist_writer *w, const char *s);
void c360_persist_bytes(struct c360_persist_writer *w, const void *p, size_t n);

/* The value (borrowed until the next call), or the first failure. */
enum c360_err c360_persist_value(const struct c360_persist_writer *w, const void **val,
                                 size_t *len) C360_MUST_USE;

/* --- Reading a value. Every getter on a failed or exhausted reader returns
 * 0, false or NULL and leaves the reader failed; check once at the end. */

struct c360_persist_reader {
    const uint8_t *p, *end;
    bool failed;
};

/* Starts reading val; C360_ERR_INVALID (with diag) when it is empty or of
 * another C360_PERSIST_VERSION. */
enum c360_err c360_persist_reader_init(struct c360_persist_reader *r, const void *val, size_t len,
                                       struct c360_diag *diag) C360_MUST_USE;

uint64_t c360_persist_get_u64(struct c360_persist_reader *r);
int64_t c360_persist_get_i64(struct c360_persist_reader *r);
bool c360_persist_get_bool(struct c360_persist_reader *r);
/* A string into buf (NUL-terminated, size bytes); NULL for a stored NULL.
 * A string longer than size - 1 fails the reader. */
const char *c360_persist_get_str(struct c360_persist_reader *r, char *buf, size_t size);
/* A string borrowed from the value (not NUL-terminated) and its length in
 * *len; NULL for a stored NULL or a failure. */
const char *c360_persist_get_strn(struct c360_persist_reader *r, size_t *len);
/* n bytes, borrowed from the value, or NULL (failing the reader) when fewer
 * are left. */
const void *c360_persist_get_bytes(struct c360_persist_reader *r, size_t n);

/* C360_OK when everything read was there and nothing is left over; else
 * C360_ERR_INVALID with diag naming what. */
enum c360_err c360_persist_reader_end(const struct c360_persist_reader *r, const char *what,
                                      struct c360_diag *diag) C360_MUST_USE;

#endif
