/*
 * c360 state — the processor's durable state store (DESIGN.md §6): one LMDB
 * environment in a directory, with a named database per kind of item
 * (persist.h lists them) and the input offsets the state was built from.
 *
 * A write is one LMDB transaction: the engine's changed items and the input
 * offsets of the batch that changed them go in together or not at all, so
 * after a crash the state and the offsets always agree. The memory map
 * starts at a configured size and doubles, up to a cap, whenever a write
 * finds it full; the write is then done again from the start, so writers
 * must be repeatable (persist.h's are). A directory is written by one
 * process at a time (a lock file says which); any number may read it.
 *
 * Owns the environment and its lock. Never interprets values: the modules
 * that wrote them read them back.
 */
#ifndef C360_STATE_H
#define C360_STATE_H

#include "c360/err.h"
#include "c360/persist.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct c360_state_opts {
    const char *dir;   /* created when missing (not its parents) */
    uint64_t map_size; /* bytes mapped at first */
    uint64_t map_max;  /* bytes the map may grow to */
    bool read_only;    /* for a reader beside a live processor (`c360 explain`) */
    bool sync;         /* false: no fsync per write (survives a crash of c360, not of the OS) */
};

struct c360_state;

/* Opens (creating when missing) the store; *out is new (c360_state_close).
 * C360_ERR_MISMATCH when the store holds values of another
 * C360_PERSIST_VERSION; C360_ERR_IO when the directory cannot be used or
 * another process writes it; diag says which. */
enum c360_err c360_state_open(const struct c360_state_opts *opts, struct c360_state **out,
                              struct c360_diag *diag) C360_MUST_USE;
void c360_state_close(struct c360_state *st);

/* Receives one stored item; the bytes are borrowed for the call. */
typedef enum c360_err (*c360_state_item_fn)(void *arg, enum c360_persist_db db, const void *key,
                                            size_t key_len, const void *val, size_t val_len);

/* Calls fn with every stored item, one database after another in the order
 * of enum c360_persist_db (keys ascending within one), in one read
 * transaction: a consistent snapshot. Stops at fn's first error. */
enum c360_err c360_state_load(struct c360_state *st, c360_state_item_fn fn, void *arg,
                              struct c360_diag *diag) C360_MUST_USE;

/* One write transaction: write puts its items through the sink it is given,
 * then everything is committed, durably unless opts.sync was false, or
 * nothing is. When the map is full it grows and write runs again. Errors:
 * write's own, C360_ERR_LIMIT when the map is at map_max, C360_ERR_IO. */
enum c360_err c360_state_write(struct c360_state *st,
                               enum c360_err (*write)(void *arg,
                                                      const struct c360_persist_sink *sink),
                               void *arg, struct c360_diag *diag) C360_MUST_USE;

/* Bytes the store uses (pages in use × page size) and the map's size now. */
void c360_state_size(struct c360_state *st, uint64_t *used, uint64_t *mapped);

#endif
