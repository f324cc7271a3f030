/*
 * c360 engine — private parts shared by its files: the state, the output
 * buffer and the renderers of each output topic (render.c).
 */
#ifndef C360_ENGINE_INT_H
#define C360_ENGINE_INT_H

#include "c360/engine.h"
#include "c360/insights.h"
#include "c360/jsonw.h"
#include "c360/strmap.h"

#define ENGINE_SEGMENTS_MAX 64 /* memberships are a 64-bit set */
#define ENGINE_VALUE_MAX 65536 /* bytes of one output value */
#define ENGINE_KEYS_MAX 1024   /* records of one profile read for an evaluation */
#define ENGINE_VISIT_RULES_MAX 16
#define ENGINE_TENURE_DAYS_MAX 64 /* distinct tenure thresholds timed one by one */

/* One profile's segment state. */
struct eprofile {
    uint64_t id;
    uint64_t members;      /* bit s: member of segment s */
    uint64_t told;         /* bit s: the CSR message of that membership was sent */
    uint64_t profile_hash; /* of the last unified profile sent, eventId and time left out */
    int32_t due;           /* the pending timer's day, or C360_INSIGHTS_NEVER */
    /* The day profile_hash was last made from its inputs (an input's
     * evaluation), or INT32_MIN; not stored. An input that changes none of
     * them later that day cannot change what it outputs. */
    int32_t checked;
    /* The fingerprint's hash of the profile's records, party ids and golden
     * attributes, made at its last evaluation when ident_known; not stored.
     * Every change of them evaluates the profile at once (engine.c), so a
     * profile evaluated for its insights only reuses it. */
    uint64_t ident_hash;
    bool ident_known;
    bool live;
};

struct timer {
    int32_t day;
    uint64_t id;
};

/* A change of the timer index since the last persist: (day, id) added or
 * removed. Applied in order, they bring the stored index up to date. */
struct timer_op {
    int32_t day;
    bool put;
    uint64_t id;
};

/* An individual record, copied flat into one allocation (free()). */
struct stored {
    struct c360_record rec;
};

struct c360_engine {
    struct c360_engine_config cfg;
    const struct c360_identity_config *idcfg;
    struct c360_identity *graph;
    struct c360_insights *ins;
    struct c360_insights_visit_rule visit_rules[ENGINE_VISIT_RULES_MAX];
    size_t n_visit_rules;
    size_t n_segments;
    int64_t tenure_days[ENGINE_TENURE_DAYS_MAX]; /* whole days segments compare tenure with */
    size_t n_tenure_days;
    bool tenure_daily; /* tenureDays is used otherwise too: re-evaluate daily */
    size_t n_timers;   /* profiles with a pending timer */

    struct c360_strmap *stored_by_key; /* record key -> slot in stored */
    struct stored **stored;
    size_t n_stored, cap_stored;
    uint32_t *free_stored;
    size_t n_free_stored;

    struct prof_ix {
        uint32_t *slots;         /* slot in profs + 1, by id (engine.c); 0: empty */
        size_t size, count, max; /* size: 0 or a power of two */
    } prof_ix;
    struct eprofile *profs;
    size_t n_profs, cap_profs;
    uint32_t *free_profs;
    size_t n_free_profs;

    struct timer *heap;
    size_t n_heap, cap_heap;

    int32_t today;
    int64_t now_ms; /* the time outputs are stamped with */
    /* What follows an amount in rendered money, `","currency":"USD"}`; empty
     * when the currency setting is no ISO 4217 code, which is escaped. */
    char money_tail[24];
    size_t money_tail_len;

    /* Outputs of the current call. */
    struct c360_engine_output *outs;
    size_t n_outs, cap_outs;
    char *text; /* keys and values of the outputs, back to back */
    size_t text_len, text_cap;
    struct c360_jsonw w;
    char position[512];     /* the input position eventIds derive from */
    uint64_t position_hash; /* FNV-1a 64 of position, the start of each eventId's */
    size_t out_index;
    /* The position of the current input or timer, written out (position)
     * and hashed only for its first output: most inputs have none. */
    struct c360_engine_position pending_input;
    int32_t pending_day; /* a timer's */
    uint64_t pending_id;
    enum { POSITION_READY, POSITION_INPUT, POSITION_TIMER } pending;

    uint64_t eval_errors; /* segment evaluations that failed (counted as not a member) */

    /* Changed since the last persist (persist.c); repeats are allowed. */
    uint64_t *dirty_profs;
    size_t n_dirty_profs, cap_dirty_profs;
    char **dirty_keys; /* stored record keys, new */
    size_t n_dirty_keys, cap_dirty_keys;
    struct timer_op *timer_ops;
    size_t n_timer_ops, cap_timer_ops;

    /* Scratch of one call. */
    void *view;                  /* struct view of engine.c: a profile as one evaluation reads it */
    struct c360_record *scratch; /* identity inputs the engine makes up (party, session) */
    struct affected {
        uint64_t id;
        bool identity; /* its records may have changed, not only its insights */
    } * affected;
    size_t n_affected, cap_affected;
};

/* What an insight call of one evaluation reads. */
struct engine_eval {
    const struct c360_insights_summary *sum;
    const struct c360_insights_owners *owners; /* the profile's, resolved */
    int32_t today;
    char currency[4];
    /* engine_bound: the last day its bounds cover, from today + 1; or
     * C360_INSIGHTS_NEVER, every later day. */
    int32_t until;
    bool coarse; /* engine_bound: leave adb unbounded, sparing its walk */
    /* engine_bound: this evaluation's result of each segment, and the one
     * bounded, whose trace holds the values of the calls it made now. */
    const struct c360_segment_result *results;
    size_t segment;
};

/* The c360_segment_eval callback (calls.c); ctx is a struct engine_eval. */
enum c360_err engine_call(void *ctx, const struct c360_segment_call *c,
                          struct c360_segment_value *out, struct c360_diag *diag);
/* The c360_segment_bound callback (calls.c): what each insight of the
 * profile ev describes may be on the days after ev->today up to ev->until
 * while no input arrives. */
bool engine_bound(void *ctx, const struct c360_segment_call *c, struct c360_segment_bounds *out);
/* The visit rule of a qualifyingVisit call; false for another call. */
bool engine_visit_rule(const struct c360_segment_call *c, struct c360_insights_visit_rule *rule);

/* Appends an output; key and value are copied. value NULL: tombstone. */
enum c360_err engine_emit(struct c360_engine *eng, enum c360_engine_topic topic, const char *key,
                          const char *value, size_t value_len);
/* The next eventId of the current input ("%016x" of FNV-1a), into buf[17]. */
void engine_event_id(struct c360_engine *eng, char buf[17]);

/* Grows *p (of *cap items of size bytes) to hold need items. */
enum c360_err engine_grow(void **p, size_t *cap, size_t need, size_t size) C360_MUST_USE;

/* engine.c: the state's parts, for persist.c. */
const struct c360_record *engine_stored_get(const struct c360_engine *eng, const char *key);
enum c360_err engine_stored_put(struct c360_engine *eng, const char *key,
                                const struct c360_record *rec) C360_MUST_USE;
enum c360_err engine_stored_del(struct c360_engine *eng, const char *key) C360_MUST_USE;
struct eprofile *engine_prof_get(struct c360_engine *eng, uint64_t id);
enum c360_err engine_prof_add(struct c360_engine *eng, uint64_t id,
                              struct eprofile **out) C360_MUST_USE;
enum c360_err engine_prof_set_due(struct c360_engine *eng, struct eprofile *prof,
                                  int32_t due) C360_MUST_USE;
enum c360_err engine_prof_drop(struct c360_engine *eng, uint64_t id) C360_MUST_USE;
enum c360_err engine_timer_push(struct c360_engine *eng, int32_t day, uint64_t id) C360_MUST_USE;

/* persist.c: what changed since the last persist. */
enum c360_err engine_dirty_prof(struct c360_engine *eng, uint64_t id) C360_MUST_USE;
enum c360_err engine_dirty_key(struct c360_engine *eng, const char *key) C360_MUST_USE;
enum c360_err engine_dirty_timer(struct c360_engine *eng, int32_t day, uint64_t id,
                                 bool put) C360_MUST_USE;
void engine_dirty_free(struct c360_engine *eng);

/* The insight table the segment language compiles against. */
extern const struct c360_segment_insight c360_engine_insight_table[];
extern const size_t c360_engine_insight_count;

#endif
