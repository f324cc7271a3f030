/*
 * c360 insights — the calculated insights of DESIGN.md §5 (tenureDays,
 * holds, adb, externalAdb, qualifyingVisit, account counts and balances),
 * kept current one canonical record at a time.
 *
 * One struct c360_insights holds the insight state of many profiles: internal
 * accounts by globalAccountId, external accounts by externalAccountId, and web
 * visits by owner key. Accounts are shared: an account belongs to its primary
 * owner (globalPartyId) and to each jointOwnerId, so state is kept per owner
 * key ("party") and a query names the keys of one unified profile — the
 * globalPartyIds the identity stage gave it, plus whatever keys the engine
 * attributed web engagements to. An account owned by two keys of one profile
 * counts once.
 *
 * Rules the engine can rely on (each is tested to the day and the cent):
 * - Account events: the one with the greatest occurredAt gives type, status,
 *   openedDate, closedDate and owners; at equal occurredAt the later arrival
 *   wins, so a replay of the same input gives the same state. A DELETE
 *   removes the account (balances, tenure, everything) whatever its
 *   occurredAt; no tombstone is kept, so an upsert arriving after it creates
 *   the account anew.
 * - Balance observations are (balanceAsOf, balance) of account events, from
 *   older events too, placed by balanceAsOf; at equal balanceAsOf the later
 *   arrival wins. Only the institution's currency (config) is summed: there
 *   are no exchange rates in a pure engine. Transactions' runningBalance is
 *   not used: it has a date but no instant, so it cannot be ordered against
 *   the account feed's observations of the same day; the account feed is the
 *   authority on balances.
 * - History is pruned to what can still matter: per account, every
 *   observation from today−30 on and the latest one before. "today" passed
 *   to apply and prune only moves the pruning forward (a smaller one is taken
 *   as the largest seen); queries are exact for any today at or after it.
 * - An external account's latest record is the one with the greatest asOf,
 *   then occurredAt, then arrival.
 * - A visit is the engagements sharing a sessionId under one owner key (the
 *   engine should attribute a session's engagements to one key). An
 *   engagement is known by engagementId within its owner: an upsert of the
 *   same id replaces it, a DELETE removes it. Ids of sessions and
 *   engagements are kept as 64-bit FNV-1a hashes, not strings; two ids of one
 *   owner would have to collide (odds 2^-64 per pair) to be confused. A
 *   session spans at most 49 days (C360_ERR_LIMIT past that); a visit
 *   without a subject has no main subject.
 * - adb reads dates, not status: an account is open on day d when openedDate
 *   ≤ d (or it has none) and closedDate is absent or after d. tenureDays and
 *   holds read the latest event only; an account without openedDate gives
 *   tenure nothing.
 *
 * Money: every query works in exact integer minor units. adb is an average
 * over 30 days and rarely a whole number of cents, so it is returned as the
 * exact sum of its 30 daily totals, and c360_insights_cmp_avg compares
 * sum/30 (+ other whole amounts) with a threshold by integer arithmetic:
 * adb ≥ 3000.00 ⇔ sum ≥ 30 × 300000. Rounding would let 2999.995 pass as
 * 3000.00. (floor(sum/30), c360_insights_adb_floor, is for display; it happens
 * to compare exactly with whole-cent thresholds too, but sums of two floored
 * averages do not, so segments compare through cmp_avg.)
 *
 * Persistence (DESIGN.md §6, persist.h): the state flushes the items it
 * changed to a store and is restored from them. A restored state answers
 * every query, and every further apply and prune (touched lists and errors
 * included), exactly as the state that was flushed; only the bytes it holds
 * may differ a little (arrays are sized to what they hold, not to how they
 * grew). So nothing is decided by the order things are held in, which a
 * restore does not keep: amounts are summed exactly and saturated once, and
 * an evicted visit is the one with the oldest last event, then the smallest
 * session hash.
 *
 * Owns copies of every key it keeps. Pure: no I/O, no logging, no clock —
 * "today" is always a parameter (days since 1970-01-01, as c360_date_parse
 * gives). Not thread-safe; one instance per partition.
 */
#ifndef C360_INSIGHTS_H
#define C360_INSIGHTS_H

#include "c360/err.h"
#include "c360/persist.h"
#include "c360/record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The ADB window: the 30 complete UTC days before today. */
#define C360_INSIGHTS_WINDOW_DAYS 30
/* Account types as bit sets: C360_INSIGHTS_TYPE(C360_ACCOUNT_SAVINGS) | … */
#define C360_INSIGHTS_TYPE(type) (UINT32_C(1) << (type))
#define C360_INSIGHTS_TYPES (C360_ACCOUNT_OTHER + 1) /* enum c360_account_type, NONE included */
/* next_change's answer when time alone changes nothing. */
#define C360_INSIGHTS_NEVER INT32_MAX

/* Caps on what input can make one owner or account hold. */
#define C360_INSIGHTS_OWNER_REFS_MAX 4096 /* accounts and external accounts of one owner key */
#define C360_INSIGHTS_JOINT_MAX C360_RECORD_LIST_MAX /* joint owners of one account */
/* Stored balance days of one account from today−30 on: 31 days up to today
 * leave 17 for observations dated in the future; more is refused. */
#define C360_INSIGHTS_BALANCES_MAX 48
#define C360_INSIGHTS_VISITS_MAX 64        /* per owner key; the stalest visit is evicted */
#define C360_INSIGHTS_VISIT_EVENTS_MAX 128 /* engagements of one visit; more are refused */
#define C360_INSIGHTS_SUBJECTS_MAX 4095    /* distinct web subjects, interned for good */
#define C360_INSIGHTS_VISIT_DAYS_MAX 3660  /* the largest retention a config may ask */
/* Visits are kept this many days past the retention, so the pages of one
 * session that arrive out of order (Kafka delivers by partition, not by
 * time) still make one visit when the first to arrive is already too old. */
#define C360_INSIGHTS_VISIT_SLACK_DAYS 1

struct c360_insights_config {
    char currency[4];       /* the institution's currency, e.g. "USD": amounts are summed in it */
    size_t parties_max;     /* owner keys held at most */
    size_t accounts_max;    /* internal accounts held at most */
    size_t externals_max;   /* external accounts held at most */
    int32_t visit_days_max; /* visit retention: the largest `days` of any visit rule, 0–3660 */
};

/* Owner keys whose insights the last apply may have changed: the old and
 * new owners of an account, the owner of an external account or engagement.
 * Keys are borrowed from ins until the next call that changes it. */
struct c360_insights_touched {
    const char *const *keys;
    size_t count;
    /* false when the apply changed no answer for them on any day: a newer
     * account event that restates its fields and owners and a balance that
     * already held from its time on (most accounts report the same balance
     * day after day), or an older event that decides nothing. */
    bool changed;
};

/* What one profile's accounts say on a given day. Amounts are minor units of
 * the configured currency; arrays are indexed by enum c360_account_type. */
struct c360_insights_summary {
    int32_t earliest_opened; /* earliest openedDate of its internal accounts, or C360_DATE_NONE */
    int32_t tenure_days;     /* today − earliest_opened; 0 without one (so ≥ 365 is false) */
    uint32_t accounts;       /* internal accounts, any status */
    uint32_t open;           /* of which status OPEN */
    uint32_t open_by_type[C360_INSIGHTS_TYPES]; /* holds(type) ⇔ open_by_type[type] > 0 */
    /* Σ over the window's 30 days of the end-of-day balances of the accounts
     * of each type open that day: adb(types) = Σ_types adb_sum / 30.
     * Saturates at ±INT64_MAX, beyond any threshold a Money can write. */
    int64_t adb_sum[C360_INSIGHTS_TYPES];
    /* Σ averageDailyBalance of the OPEN external accounts of each type. */
    int64_t external_adb[C360_INSIGHTS_TYPES];
    int64_t balance;  /* Σ latest balance (greatest balanceAsOf) of OPEN internal accounts */
    uint32_t foreign; /* OPEN accounts and external accounts left out for their currency */
};

/* A qualifyingVisit(subject, minMinutes, days) of a segment. */
struct c360_insights_visit_rule {
    const char *subject; /* borrowed */
    int32_t min_minutes; /* the visit must last strictly longer */
    int32_t days;        /* its last event no earlier than start of today − days */
};

struct c360_insights_stats {
    size_t parties; /* owner keys holding an account or a visit */
    size_t accounts, externals, visits, engagements, balances;
    uint64_t visits_evicted; /* visits dropped at C360_INSIGHTS_VISITS_MAX */
};

struct c360_insights;

/* An empty state; *out is new (c360_insights_destroy). C360_ERR_INVALID for a
 * bad currency or retention, with diag saying which. */
enum c360_err c360_insights_new(const struct c360_insights_config *cfg, struct c360_insights **out,
                                struct c360_diag *diag) C360_MUST_USE;
void c360_insights_destroy(struct c360_insights *ins);

/*
 * Applies one validated record (c360_record_validate): a financial-account,
 * external-financial-account or web-engagement; a financial-transaction is
 * accepted and changes nothing (see above); other entities are
 * C360_ERR_INVALID. owner_key is the key a web engagement is attributed to
 * (required for those, DELETEs included; ignored for accounts, whose owners
 * are in the record). today prunes what can no longer matter. On an error
 * no answer changes (room may have grown, a subject may stay interned) and
 * touched is empty: C360_ERR_LIMIT at a cap, C360_ERR_INVALID for a record
 * missing what it needs. touched may be NULL.
 */
enum c360_err c360_insights_apply(struct c360_insights *ins, const struct c360_record *rec,
                                  const char *owner_key, int32_t today,
                                  struct c360_insights_touched *touched,
                                  struct c360_diag *diag) C360_MUST_USE;

/* Prunes every account and visit as apply would for today, so owners who
 * send nothing stop holding stale history. Never changes a query's answer
 * for today or later. */
void c360_insights_prune(struct c360_insights *ins, int32_t today);

/*
 * Queries. keys are a profile's owner keys (borrowed; unknown keys hold
 * nothing; a key listed twice counts once); today is the engine's date (a
 * day outside time.h's range gets an empty answer).
 *
 * A profile asked several questions in a row is resolved once: its keys
 * looked up, its accounts listed (each once, however many of its keys own
 * it). The c360_insights_owners_* queries read that list and answer as
 * their keyed forms below, which resolve on each call. A resolution holds
 * indexes into ins, so it is valid until the next apply, prune or restore.
 * A profile beyond C360_INSIGHTS_OWNERS_MAX parties or accounts is not
 * listed: its queries walk its keys each time, in time growing with the
 * square of n_keys, which the identity stage caps.
 */
#define C360_INSIGHTS_OWNERS_MAX 256

struct c360_insights_owners {
    const struct c360_insights *ins;
    const char *const *keys; /* borrowed, for a profile not listed */
    size_t n_keys;
    bool listed; /* parties and accounts hold all of the profile's */
    uint32_t n_parties, n_accounts;
    uint32_t parties[C360_INSIGHTS_OWNERS_MAX];  /* of the keys holding anything, distinct */
    uint32_t accounts[C360_INSIGHTS_OWNERS_MAX]; /* internal accounts of those, distinct */
};

void c360_insights_resolve(const struct c360_insights *ins, const char *const *keys, size_t n_keys,
                           struct c360_insights_owners *out);
void c360_insights_owners_summarize(const struct c360_insights_owners *owners, int32_t today,
                                    struct c360_insights_summary *out);
bool c360_insights_owners_visit(const struct c360_insights_owners *owners, int32_t today,
                                const struct c360_insights_visit_rule *rule);
int32_t c360_insights_owners_next_change(const struct c360_insights_owners *owners, int32_t today,
                                         const struct c360_insights_visit_rule *rules,
                                         size_t n_rules);
bool c360_insights_owners_adb_bounds(const struct c360_insights_owners *owners, int32_t today,
                                     uint32_t types, int64_t *lo, int64_t *hi);

void c360_insights_summarize(const struct c360_insights *ins, const char *const *keys,
                             size_t n_keys, int32_t today, struct c360_insights_summary *out);
/* adb(types) × 30: the exact Σ of the 30 daily totals (saturating). */
int64_t c360_insights_adb_sum(const struct c360_insights_summary *sum, uint32_t types);
/* externalAdb(types), minor units (saturating). */
int64_t c360_insights_external_adb(const struct c360_insights_summary *sum, uint32_t types);
/* Compares window_sum / 30 + minor with threshold (all minor units) exactly:
 * < 0, 0 or > 0. adb ≥ t is cmp_avg(adb_sum, 0, t) >= 0; adb + externalAdb
 * ≥ t is cmp_avg(adb_sum, external_adb, t) >= 0. */
int c360_insights_cmp_avg(int64_t window_sum, int64_t minor, int64_t threshold);
/* floor(window_sum / 30): the average to show, never to compare. */
int64_t c360_insights_adb_floor(int64_t window_sum);

/* qualifyingVisit: a visit of the profile whose last event is no earlier
 * than start of today − rule->days, lasting strictly longer than
 * rule->min_minutes, whose main subject is rule->subject. Visits older than
 * the config's visit_days_max are pruned, so larger days see no further. */
bool c360_insights_qualifying_visit(const struct c360_insights *ins, const char *const *keys,
                                    size_t n_keys, int32_t today,
                                    const struct c360_insights_visit_rule *rule);

/*
 * The smallest day after today on which an adb of the profile (any set of
 * types) or one of its visit rules could change without new input:
 * C360_INSIGHTS_NEVER when none can. Exact, not a guess: a day on which an
 * account's end-of-day contribution changes (a balance observation, an
 * openedDate, a closedDate) changes the window total on each of the next 30
 * days, unless it is undone inside the window; a visit rule's answer changes
 * when its last qualifying visit ages out. Holds, counts, balances and
 * externalAdb never change by time (holds reads status, not closedDate).
 * tenureDays changes every day: the engine times its thresholds from
 * summary.earliest_opened.
 */
int32_t c360_insights_next_change(const struct c360_insights *ins, const char *const *keys,
                                  size_t n_keys, int32_t today,
                                  const struct c360_insights_visit_rule *rules, size_t n_rules);

/*
 * The least and greatest window sum of adb(types) (c360_insights_adb_sum)
 * on the days after today while no input arrives, exact. False when the
 * profile's balances change more than a year ahead or are too large to sum
 * within int64.
 */
bool c360_insights_adb_bounds(const struct c360_insights *ins, const char *const *keys,
                              size_t n_keys, int32_t today, uint32_t types, int64_t *lo,
                              int64_t *hi);

/*
 * The state in a store. Items of C360_DB_INSIGHTS, keyed by a letter, ':' and
 * the id (up to 2 + C360_RECORD_STRING_MAX bytes, no NUL):
 *   "a:<globalAccountId>"   an internal account: owner keys, the fields of
 *                           its latest event, its balance observations;
 *   "x:<externalAccountId>" an external account: owner key, latest record;
 *   "p:<owner key>"         the visits attributed to an owner key (a key
 *                           that only owns accounts has no item: its refs
 *                           are rebuilt from the accounts);
 *   "s:<subject>"           a web subject ever interned (empty value): the
 *                           cap on subjects counts them all.
 * and C360_DB_META "insights": the watermark, visits_evicted, and the
 * currency and visit_days_max the state was made with. Values are
 * persist.h's, under its version byte.
 */

/* Hands sink every item changed since the last c360_insights_persisted (all
 * of them before the first): values of the items that exist, NULL for those
 * gone (a deleted item always existed in the store). Changes nothing: may be
 * called again, e.g. after a failed transaction. Stops at the sink's first
 * failure and returns it; C360_ERR_NOMEM. */
enum c360_err c360_insights_persist(const struct c360_insights *ins,
                                    const struct c360_persist_sink *sink) C360_MUST_USE;
/* The items handed to the last persist are stored: forget them. Nothing may
 * change the state between that persist and this call. A state that is
 * never stored need not call it: it then keeps a byte of marks per item,
 * no list. */
void c360_insights_persisted(struct c360_insights *ins);
/* On a state just created (c360_insights_new) with the same config: one
 * stored item of C360_DB_INSIGHTS, or of C360_DB_META (items of other
 * modules there are ignored), in any order; key and val are borrowed.
 * C360_ERR_INVALID with diag (where = the key) for a corrupt item, a
 * database that is not the module's, or another currency or retention;
 * C360_ERR_LIMIT when the items exceed the config's caps. After an error the
 * state is fit only for c360_insights_destroy. */
enum c360_err c360_insights_restore(struct c360_insights *ins, enum c360_persist_db db,
                                    const void *key, size_t key_len, const void *val,
                                    size_t val_len, struct c360_diag *diag) C360_MUST_USE;
/* After the last restore: settles what depends on the watermark and checks
 * that the items agree (the meta item is there if anything is; every subject
 * an owner key names has its item). Nothing is then left to flush. */
enum c360_err c360_insights_restore_end(struct c360_insights *ins,
                                        struct c360_diag *diag) C360_MUST_USE;

/* Bytes held (structures, arrays at capacity, keys), for state-size reports;
 * the allocator's own overhead per block is not included. */
size_t c360_insights_bytes(const struct c360_insights *ins);
void c360_insights_stats(const struct c360_insights *ins, struct c360_insights_stats *out);

#endif
