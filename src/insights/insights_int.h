/*
 * c360 insights — the state layout the files of the module share. Entities
 * live in arrays indexed by uint32_t (freed slots are chained for reuse), so
 * accounts and owners refer to each other by index, not pointer, and a
 * profile's state costs few allocations (DESIGN.md §6 sizes: ≤ 2 KiB each).
 */
#ifndef C360_INSIGHTS_INT_H
#define C360_INSIGHTS_INT_H

#include "c360/insights.h"
#include "c360/persist.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C360_INSIGHTS_NONE UINT32_MAX     /* no entity */
#define C360_INSIGHTS_EXT_BIT 0x80000000u /* a party ref naming an external account */
#define C360_INSIGHTS_NO_SUBJECT 0xFFFu   /* an engagement without a subject (12 bits) */
/* durationSeconds kept: a week, as c360_record_validate allows (20 bits). */
#define C360_INSIGHTS_SECONDS_MAX (7 * 24 * 3600)

/* Sums of amounts are taken exact and saturated once, so that they do not
 * depend on the order accounts are met in (owner refs are in no canonical
 * order: a restored state rebuilds them in the order of its items). */
__extension__ typedef __int128 c360_insights_wide;

/* Account flags. */
#define C360_INSIGHTS_HAS_BEFORE 1u /* before_at/before_minor hold an observation */
#define C360_INSIGHTS_FOREIGN 2u    /* a balance came in another currency */
#define C360_INSIGHTS_WIDE 4u       /* the balance block's amounts are int64_t, not int32_t */

/*
 * Key index: open addressing over entity indexes. A slot keeps the key's
 * hash and the entity's index + 1 (0: empty, UINT32_MAX: deleted); the key
 * itself is the entity's first member (char *key), so it is stored once.
 */
struct c360_insights_slot {
    uint32_t hash, ref;
};

struct c360_insights_index {
    struct c360_insights_slot *slots;
    uint32_t size, count, used; /* size is a power of two; used counts tombstones too */
};

/*
 * An internal account. Balance observations from base_day on are kept one
 * per UTC day (the last of the day: only end-of-day balances are ever read)
 * in one block: amounts[cap_bal] in minor units, then uint32_t off[cap_bal],
 * ms since base_day 00:00 UTC, ascending. Amounts are int32_t (±21 million
 * in a currency of cents: nearly every balance) until one does not fit, then
 * int64_t (flag WIDE): 8 bytes a day, exact either way. The block ends
 * with the joint owners' parties, uint32_t joint[n_joint] (primary
 * excluded, no repeats): few accounts have any, and none then pays a
 * pointer for them. The latest observation before base_day is
 * before_at/before_minor. 64 bytes.
 */
struct c360_insights_account {
    char *key;           /* globalAccountId; NULL: a free slot */
    void *bal;           /* the block of days and joint owners, NULL when it holds none */
    int64_t occurred_at; /* of the latest event, which gave the fields below */
    int64_t before_at, before_minor;
    int32_t opened, closed; /* days, or C360_DATE_NONE */
    int32_t base_day;
    uint32_t owner; /* primary owner's party; the next free slot when key is NULL */
    uint8_t type, status, n_joint, n_bal, cap_bal, flags;
};

struct c360_insights_external {
    char *key; /* externalAccountId; NULL: a free slot */
    int64_t as_of, occurred_at, adb;
    uint32_t owner; /* party; the next free slot when key is NULL */
    uint8_t type, status;
    bool foreign; /* averageDailyBalance in another currency */
};

/* 16 bytes, not 24: occurredAt counts in ms from its visit's base (a visit
 * spans at most 49 days), and durationSeconds shares a word with the
 * subject. A bank customer's dozen page views a month are 96 bytes less. */
struct c360_insights_engagement {
    uint64_t id;   /* hash of engagementId */
    uint32_t at;   /* occurredAt − the visit's base */
    uint32_t meta; /* durationSeconds << 12 | interned subject (or C360_INSIGHTS_NO_SUBJECT) */
};

struct c360_insights_visit {
    uint64_t session; /* hash of sessionId */
    int64_t base;     /* epoch ms: its earliest occurredAt */
    struct c360_insights_engagement *ev;
    uint8_t n_ev, cap_ev;
    uint16_t main; /* main subject, kept current, or C360_INSIGHTS_NO_SUBJECT */
};

/* Refs an owner keeps in itself, in the room of the pointer to more: most
 * owners hold one or two accounts, which then cost no allocation. */
#define C360_INSIGHTS_REFS_INLINE 2

/* An owner key: what it owns (refs: account indexes, and external indexes |
 * C360_INSIGHTS_EXT_BIT) and the visits attributed to it. 32 bytes. */
struct c360_insights_party {
    char *key; /* NULL: a free slot */
    union {
        uint32_t *out;                          /* cap_refs > C360_INSIGHTS_REFS_INLINE */
        uint32_t in[C360_INSIGHTS_REFS_INLINE]; /* else; a free slot: in[0] chains it */
    } refs;
    struct c360_insights_visit *visits;
    uint16_t n_refs, cap_refs;
    uint8_t n_visits, cap_visits;
};

/* The refs of party (n_refs of them). */
static inline uint32_t *c360_insights_party_refs(const struct c360_insights_party *party)
{
    return party->cap_refs > C360_INSIGHTS_REFS_INLINE ? party->refs.out
                                                       : (uint32_t *)party->refs.in;
}

/*
 * Entities of one kind, in chunks of C360_INSIGHTS_CHUNK that never move:
 * growth costs one chunk, not a copy of everything with up to half of it
 * unused, and pointers to an entity stay valid while it lives. Freed slots
 * are chained (the chain index kept at byte next_at of the free item).
 *
 * Each slot also has a byte of marks (after the chunk's items) for the
 * store (persist.c): DIRTY while its item awaits a flush, STORED while the
 * store holds the item under its key, GONE for a tombstone. An item the
 * store holds is not freed when it goes: its slot keeps the key (and
 * nothing else) until the flush that deletes it, so that nothing needs
 * allocating on the way out. A tombstone is not live: it is in no index and
 * no cap counts it, so when the store is flushed changes no answer.
 */
#define C360_INSIGHTS_CHUNK 256
#define C360_INSIGHTS_MARK_DIRTY 1u  /* changed since the last flush */
#define C360_INSIGHTS_MARK_STORED 2u /* the store holds this slot's item */
#define C360_INSIGHTS_MARK_GONE 4u   /* a tombstone: its key is to be deleted */
/* Dirty slots listed per pool; past this a flush scans every slot's marks. */
#define C360_INSIGHTS_DIRTY_MAX 65536u

struct c360_insights_pool {
    char **chunks;
    uint32_t size, next_at; /* bytes per item; where a free item keeps the chain */
    uint32_t n, n_chunks, cap_chunks, free_head, live;
    uint32_t *dirty; /* the slots marked DIRTY, unless dirty_all */
    uint32_t n_dirty, cap_dirty;
    bool dirty_all; /* no list kept (never flushed, or it overflowed): scan the marks */
};

struct c360_insights {
    struct c360_insights_config cfg;
    int32_t watermark; /* the largest today seen by apply or prune */
    struct c360_insights_pool parties, accounts, externals;
    struct c360_insights_index by_party, by_account, by_external, by_subject;
    struct c360_insights_pool subjects; /* interned subject names (char *), never freed */
    uint64_t visits_evicted;
    bool meta_dirty;    /* watermark or visits_evicted changed since the last flush */
    bool meta_restored; /* restore met the C360_DB_META item */
    /* Parties the last change touched: reported, then freed if left empty. */
    uint32_t touched[2 * (1 + C360_INSIGHTS_JOINT_MAX) + 2];
    const char *touched_keys[2 * (1 + C360_INSIGHTS_JOINT_MAX) + 2];
    uint32_t n_touched;
    bool changed; /* the last change may have changed an answer for them */
};

/* pool.c */
void c360_insights_pool_init(struct c360_insights_pool *pool, size_t size, size_t next_at);
/* The accessors are inline: every query and apply goes through them many
 * times per record. */
static inline void *c360_insights_pool_at(const struct c360_insights_pool *pool, uint32_t i)
{
    return pool->chunks[i / C360_INSIGHTS_CHUNK] + (size_t)(i % C360_INSIGHTS_CHUNK) * pool->size;
}
static inline uint8_t *c360_insights_pool_marks(const struct c360_insights_pool *pool, uint32_t i)
{
    return (uint8_t *)pool->chunks[i / C360_INSIGHTS_CHUNK] +
           (size_t)C360_INSIGHTS_CHUNK * pool->size + i % C360_INSIGHTS_CHUNK;
}
/* Whether slot i holds a live item (not free, not a tombstone): every item
 * begins with its char *key, NULL in a free slot. */
static inline bool c360_insights_pool_live(const struct c360_insights_pool *pool, uint32_t i)
{
    return *(char *const *)c360_insights_pool_at(pool, i) &&
           !(*c360_insights_pool_marks(pool, i) & C360_INSIGHTS_MARK_GONE);
}
/* A zeroed slot, reusing freed ones first; at most max live (C360_ERR_LIMIT). */
enum c360_err c360_insights_pool_take(struct c360_insights_pool *pool, size_t max,
                                      uint32_t *out) C360_MUST_USE;
/* Returns slot i, whose item the caller freed (key included), to the free
 * chain: for an item just taken, never flushed. */
void c360_insights_pool_give(struct c360_insights_pool *pool, uint32_t i);
/* Ends the item in slot i, whose members other than its key the caller
 * freed: a tombstone when the store holds it, else freed (key too). */
void c360_insights_pool_drop(struct c360_insights_pool *pool, uint32_t i);
/* Marks slot i DIRTY. Never fails: a list that cannot grow is given up for
 * a scan. */
void c360_insights_pool_mark(struct c360_insights_pool *pool, uint32_t i);
/* Calls fn with each DIRTY slot, until it fails. */
enum c360_err c360_insights_pool_each_dirty(const struct c360_insights_pool *pool,
                                            enum c360_err (*fn)(uint32_t i, void *arg),
                                            void *arg) C360_MUST_USE;
/* The store now holds what the last flush handed it: tombstones are freed,
 * live DIRTY items become STORED when written(item) says the flush put them
 * (NULL: every live item is put). */
void c360_insights_pool_flushed(struct c360_insights_pool *pool, bool (*written)(const void *item));
size_t c360_insights_pool_bytes(const struct c360_insights_pool *pool);
void c360_insights_pool_free(struct c360_insights_pool *pool);

/* index.c: keys of the items of a pool (each item begins with its char *key). */
uint32_t c360_insights_hash32(const char *key);
uint64_t c360_insights_hash64(const char *key);
/* The index of key's item, or C360_INSIGHTS_NONE. */
uint32_t c360_insights_index_get(const struct c360_insights_index *ix, const char *key,
                                 const struct c360_insights_pool *pool);
/* Adds key → index (key absent; the caller checked its cap). */
enum c360_err c360_insights_index_put(struct c360_insights_index *ix, const char *key,
                                      uint32_t index,
                                      const struct c360_insights_pool *pool) C360_MUST_USE;
void c360_insights_index_del(struct c360_insights_index *ix, const char *key,
                             const struct c360_insights_pool *pool);
void c360_insights_index_free(struct c360_insights_index *ix);

/* insights.c: parties. */
static inline struct c360_insights_party *c360_insights_party_at(const struct c360_insights *ins,
                                                                 uint32_t i)
{
    return (struct c360_insights_party *)c360_insights_pool_at(&ins->parties, i);
}
uint32_t c360_insights_party_find(const struct c360_insights *ins, const char *key);
/* The party of key, made if absent (C360_ERR_LIMIT past parties_max). */
enum c360_err c360_insights_party_get(struct c360_insights *ins, const char *key, uint32_t *out,
                                      struct c360_diag *diag) C360_MUST_USE;
/* Makes room for one more ref in party (C360_ERR_LIMIT past
 * C360_INSIGHTS_OWNER_REFS_MAX), so that ref_add cannot fail. */
enum c360_err c360_insights_party_reserve(struct c360_insights *ins, uint32_t party,
                                          struct c360_diag *diag) C360_MUST_USE;
void c360_insights_party_ref_add(struct c360_insights *ins, uint32_t party, uint32_t ref);
void c360_insights_party_ref_del(struct c360_insights *ins, uint32_t party, uint32_t ref);
/* Whether day is one c360 holds (time.h's range): queries answer nothing
 * for others rather than overflow. */
bool c360_insights_day_ok(int32_t day);
/* Reports party as touched by the change under way. */
void c360_insights_touch(struct c360_insights *ins, uint32_t party);

/* account.c */
static inline struct c360_insights_account *
c360_insights_account_at(const struct c360_insights *ins, uint32_t i)
{
    return (struct c360_insights_account *)c360_insights_pool_at(&ins->accounts, i);
}
static inline struct c360_insights_external *
c360_insights_external_at(const struct c360_insights *ins, uint32_t i)
{
    return (struct c360_insights_external *)c360_insights_pool_at(&ins->externals, i);
}
enum c360_err c360_insights_apply_account(struct c360_insights *ins, const struct c360_record *rec,
                                          struct c360_diag *diag) C360_MUST_USE;
enum c360_err c360_insights_apply_external(struct c360_insights *ins, const struct c360_record *rec,
                                           struct c360_diag *diag) C360_MUST_USE;
void c360_insights_account_free(struct c360_insights_account *acct);
/* Item values of an account and an external account (persist.c frames them). */
void c360_insights_account_encode(const struct c360_insights *ins,
                                  const struct c360_insights_account *acct,
                                  struct c360_persist_writer *w);
void c360_insights_external_encode(const struct c360_insights *ins,
                                   const struct c360_insights_external *ext,
                                   struct c360_persist_writer *w);
/* Restores the item of account id (a NUL-terminated copy) from r: the
 * account, STORED, and its owners' refs. */
enum c360_err c360_insights_account_restore(struct c360_insights *ins, const char *id,
                                            struct c360_persist_reader *r,
                                            struct c360_diag *diag) C360_MUST_USE;
enum c360_err c360_insights_external_restore(struct c360_insights *ins, const char *id,
                                             struct c360_persist_reader *r,
                                             struct c360_diag *diag) C360_MUST_USE;

/* balance.c: one account's observations. */
/* Moves base_day up to day (never down), folding older days into "before".
 * True when observations were folded: what the account answers for a day
 * before the new base changed, so it must be stored again. Moving the base
 * alone changes no answer (queries read observations, not the base). */
bool c360_insights_balance_rebase(struct c360_insights_account *acct, int32_t day);
/* The same for prune: true and done as rebase when observations fold; else
 * the base may stay behind day (until apply's rebase or a prune that
 * folds), which changes nothing a query reads or the store holds. */
bool c360_insights_balance_prune(struct c360_insights_account *acct, int32_t day);
/* Makes room for an observation of minor at at, so that adding it cannot
 * fail (C360_ERR_LIMIT at the cap or too far ahead). */
enum c360_err c360_insights_balance_reserve(struct c360_insights_account *acct, int64_t at,
                                            int64_t minor, struct c360_diag *diag) C360_MUST_USE;
/* Adds an observation reserved for; false when it decides nothing (an
 * earlier one of a day already held, or older than "before"). */
bool c360_insights_balance_add(struct c360_insights_account *acct, int64_t at, int64_t minor);
/* Whether adding that observation would change an end-of-day balance of a
 * day from base_day on, the latest balance included: false when it decides
 * nothing, or restates the balance that already held from its time on
 * (an account reporting the same balance every day). */
bool c360_insights_balance_moves(const struct c360_insights_account *acct, int64_t at,
                                 int64_t minor);
/* The end-of-day balance of day (0 when none is known). */
int64_t c360_insights_balance_eod(const struct c360_insights_account *acct, int32_t day);
/* The contribution of the account to its type's daily total on day. */
int64_t c360_insights_balance_day(const struct c360_insights_account *acct, int32_t day);
/* Adds balance_day(acct, d) to days[d − from] for from ≤ d < to, modulo
 * 2^64 (a caller that bounds the totals reads them exact); returns the
 * largest magnitude it added (INT64_MAX for INT64_MIN). */
int64_t c360_insights_balance_days(const struct c360_insights_account *acct, int32_t from,
                                   int32_t to, uint64_t *days);
/* Σ balance_day(acct, d) over from ≤ d < to, exact. */
c360_insights_wide c360_insights_balance_sum(const struct c360_insights_account *acct, int32_t from,
                                             int32_t to);
/* The latest observation; false when there is none. */
bool c360_insights_balance_latest(const struct c360_insights_account *acct, int64_t *minor);
/* The days on which the account's daily contribution may change are its
 * observations' days, the day of "before", openedDate and closedDate. The
 * first of them ≥ from, or INT32_MAX when none is: */
int32_t c360_insights_balance_first_change(const struct c360_insights_account *acct, int32_t from);
/* and the last of them, or INT32_MIN when it has none. */
int32_t c360_insights_balance_last_change(const struct c360_insights_account *acct);
/* The block (days and joint owners). */
size_t c360_insights_balance_bytes(const struct c360_insights_account *acct);
/* The joint owners' parties, n_joint of them (NULL when none). */
uint32_t *c360_insights_account_joint(const struct c360_insights_account *acct);
/* *out is what c360_insights_joint_set needs to give acct n joint owners
 * without failing: new, NULL when n is n_joint (or nothing is to hold);
 * free() it if it is not given to joint_set. Prepare it after any
 * balance_reserve, which may move the block. */
enum c360_err c360_insights_joint_reserve(const struct c360_insights_account *acct, uint8_t n,
                                          void **out) C360_MUST_USE;
/* Sets the joint owners to joint[n], taking block from joint_reserve. */
void c360_insights_joint_set(struct c360_insights_account *acct, const uint32_t *joint, uint8_t n,
                             void *block);
/* The observations of an account value: "before" and the days held, as
 * instants (the base is not stored: it is the watermark's business). */
void c360_insights_balance_encode(const struct c360_insights_account *acct,
                                  struct c360_persist_writer *w);
/* Reads them into acct (restore: a new account, holding none). Its base is
 * the first day held until c360_insights_balance_settle. */
enum c360_err c360_insights_balance_decode(struct c360_insights_account *acct,
                                           struct c360_persist_reader *r,
                                           struct c360_diag *diag) C360_MUST_USE;
/* Sets a restored account's base to day, or its first day held when that is
 * earlier, as the state that stored it had it after an apply to the account
 * (a prune may have left it earlier, which nothing reads) (restore_end, once
 * the watermark is known). C360_ERR_INVALID when the observations disagree. */
enum c360_err c360_insights_balance_settle(struct c360_insights_account *acct, int32_t day,
                                           struct c360_diag *diag) C360_MUST_USE;

/* visit.c */
enum c360_err c360_insights_apply_web(struct c360_insights *ins, const struct c360_record *rec,
                                      const char *owner_key, struct c360_diag *diag) C360_MUST_USE;
/* Drops the visits of party p whose last event is before start of the
 * watermark − visit_days_max − the slack, marking it when any goes. */
void c360_insights_visits_prune(struct c360_insights *ins, uint32_t p);
/* A visit's first and last event and its end (max occurredAt + duration). */
void c360_insights_visit_span(const struct c360_insights_visit *visit, int64_t *first,
                              int64_t *last, int64_t *end);
/* The interned id of subject, or C360_INSIGHTS_NO_SUBJECT when never seen. */
uint16_t c360_insights_subject_find(const struct c360_insights *ins, const char *subject);
/* The id of subject (1 to C360_RECORD_STRING_MAX bytes), interned (and
 * marked) if new; C360_ERR_LIMIT past C360_INSIGHTS_SUBJECTS_MAX. */
enum c360_err c360_insights_subject_intern(struct c360_insights *ins, const char *subject,
                                           uint16_t *out, struct c360_diag *diag) C360_MUST_USE;
/* The visits of a party's item: the subjects they name (names, not ids:
 * ids depend on the order subjects were met in), then each visit and its
 * engagements. local is scratch of C360_INSIGHTS_SUBJECTS_MAX zeroes, left
 * zeroed. */
void c360_insights_visits_encode(const struct c360_insights *ins,
                                 const struct c360_insights_party *party, uint16_t *local,
                                 struct c360_persist_writer *w);
/* Reads them into party p, which holds no visit yet. */
enum c360_err c360_insights_visits_restore(struct c360_insights *ins, uint32_t p,
                                           struct c360_persist_reader *r,
                                           struct c360_diag *diag) C360_MUST_USE;
void c360_insights_party_visits_free(struct c360_insights_party *party);

/* An exact sum of amounts, saturated to int64 (query.c). */
int64_t c360_insights_sat(c360_insights_wide v);

#endif
