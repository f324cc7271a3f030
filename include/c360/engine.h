/*
 * c360 engine — the functional core (DESIGN.md §2): one canonical record, or
 * the passing of time, applied to the state, and the output records it
 * causes.
 *
 * The state is the identity graph (profiles), the individual records the
 * golden profiles are reconciled from, the insight inputs (accounts,
 * external accounts, web sessions), each profile's segment memberships and
 * a timer index of when a profile's membership could next change with no
 * input. Outputs are JSON text shaped like the schemas of their topics
 * (schemas/<name>.avsc), keyed as topics/ declares, each with a deterministic
 * eventId: a hash of the input position and the output's index, so a replay
 * or a reprocessing after a crash re-emits identical events.
 *
 * Pure: no I/O, no logging, no clock — "now" is always a parameter. Owns its
 * state; borrows the rules and segments it is given for its whole life.
 */
#ifndef C360_ENGINE_H
#define C360_ENGINE_H

#include "c360/err.h"
#include "c360/identity.h"
#include "c360/persist.h"
#include "c360/record.h"
#include "c360/segment.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the engine knows "today" (DESIGN.md §5). */
enum c360_clock {
    C360_CLOCK_WALL,  /* the UTC date of the now the shell passes */
    C360_CLOCK_EVENT, /* the UTC date of the largest occurredAt seen */
};

/* The output topics, by their declaration ids in topics/. */
enum c360_engine_topic {
    C360_OUT_IDENTITY_CHANGES,
    C360_OUT_IDENTITY_LINKS,
    C360_OUT_UNIFIED_PROFILE,
    C360_OUT_SEGMENT_CHANGES,
    C360_OUT_SEGMENT_MEMBERSHIP,
    C360_OUT_ACTIVATION_MARKETING,
    C360_OUT_ACTIVATION_CSR,
};
#define C360_OUT_COUNT 7

/* The declaration id of an output topic ("segment-changes"…). */
const char *c360_engine_topic_id(enum c360_engine_topic topic);

/* The insights segment expressions may call (tenureDays, holds, adb,
 * externalAdb, qualifyingVisit, accountCount, totalBalance), for
 * c360_segment_set_load. */
const struct c360_segment_insight *c360_engine_insights(size_t *count);

struct c360_engine_config {
    const struct c360_identity_rules *rules; /* borrowed */
    const struct c360_segment_set *segments; /* borrowed; may be NULL (no segments) */
    enum c360_clock clock;
    const char *currency; /* the institution's ISO 4217 code, e.g. "USD"; borrowed */
    size_t profiles_max;  /* profiles and stored records held at most */
};

/* One output record. value NULL is a tombstone (compacted topics). */
struct c360_engine_output {
    enum c360_engine_topic topic;
    const char *key, *value;
    size_t key_len, value_len;
};

/* The outputs of the last call; valid until the next call on the engine. */
struct c360_engine_outputs {
    const struct c360_engine_output *items;
    size_t count;
};

/* Where an input came from: the eventIds of its outputs derive from it. */
struct c360_engine_position {
    const char *topic;
    int32_t partition;
    int64_t offset;
    uint32_t part; /* the record's index among the parts of one message */
};

struct c360_engine;

/* *out is new (c360_engine_destroy). */
enum c360_err c360_engine_new(const struct c360_engine_config *cfg,
                              struct c360_engine **out) C360_MUST_USE;
void c360_engine_destroy(struct c360_engine *eng);

/*
 * Applies one decoded record. now_ms is the wall clock for clock=wall (the
 * engine advances its today to it first, firing due timers) and ignored for
 * clock=event, where the record's occurredAt moves today. RESYNC records
 * and entities the engine does not use change nothing. A record the engine
 * cannot use (an account without the fields insights need, a cap reached)
 * fails with diag saying why, for the dead-letter topic; the outputs made
 * before the failure are in outs all the same.
 */
enum c360_err c360_engine_apply(struct c360_engine *eng, const struct c360_record *rec,
                                const struct c360_engine_position *pos, int64_t now_ms,
                                struct c360_engine_outputs *outs,
                                struct c360_diag *diag) C360_MUST_USE;

/* Fires the timers due by now_ms (clock=wall; a no-op for clock=event). */
enum c360_err c360_engine_tick(struct c360_engine *eng, int64_t now_ms,
                               struct c360_engine_outputs *outs) C360_MUST_USE;

/* The engine's today (days since 1970-01-01; INT32_MIN before any). */
int32_t c360_engine_today(const struct c360_engine *eng);
/* Unified profiles held. */
size_t c360_engine_profiles(const struct c360_engine *eng);
/* Profiles with a pending timer, for metrics. */
size_t c360_engine_timers(const struct c360_engine *eng);
/* The day (since 1970-01-01) profile id (u<id>) is next evaluated by timer,
 * or C360_INSIGHTS_NEVER: none is set, for explanations and tests. */
int32_t c360_engine_due(const struct c360_engine *eng, uint64_t id);
/* Bytes of state held (approximate, counted), for metrics and bench/. */
size_t c360_engine_bytes(const struct c360_engine *eng);
/* The identity graph (borrowed), for explanations. */
const struct c360_identity *c360_engine_identity(const struct c360_engine *eng);

/*
 * The state store (persist.h, DESIGN.md §6). persist hands the sink every
 * item changed since the last c360_engine_persisted — the identity graph's,
 * the insights', and the engine's own records, profiles, timers and clock —
 * and changes nothing, so a failed store transaction can be written again.
 * persisted forgets them once the store has committed them.
 */
enum c360_err c360_engine_persist(struct c360_engine *eng,
                                  const struct c360_persist_sink *sink) C360_MUST_USE;
void c360_engine_persisted(struct c360_engine *eng);

/* Takes back one stored item of the engine's databases (every database but
 * C360_DB_CODEC and C360_DB_OFFSETS), in any order, into an engine just
 * created with the same configuration; then restore_end rebuilds what is
 * derived and checks the items agree. An engine restored from what another
 * persisted behaves exactly as that one: the same inputs give byte-identical
 * outputs. C360_ERR_INVALID + diag for a corrupt or inconsistent store. */
enum c360_err c360_engine_restore(struct c360_engine *eng, enum c360_persist_db db, const void *key,
                                  size_t key_len, const void *val, size_t val_len,
                                  struct c360_diag *diag) C360_MUST_USE;
enum c360_err c360_engine_restore_end(struct c360_engine *eng,
                                      struct c360_diag *diag) C360_MUST_USE;

#endif
