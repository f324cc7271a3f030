/*
 * c360 gen — private interface: the household being generated (a unit of one
 * or two customers with their accounts, external accounts and web sessions),
 * the builders the random bank and the threshold cases share, and the writers
 * of each topic's wire format.
 */
#ifndef C360_GEN_INT_H
#define C360_GEN_INT_H

#include "c360/gen.h"
#include "c360/time.h"

#include <stdbool.h>
#include <stdint.h>

/* Days of balance history before today: the 30-day window of the segments
 * and ten days before it, so every day of the window has a known balance. */
#define GEN_HIST 40
#define GEN_WINDOW 30

/* Caps of one household; builders never exceed them (gen_*_add fail loudly
 * through gen_unit's `over` flag instead of writing past an array). */
#define GEN_UNIT_PEOPLE 2
#define GEN_UNIT_ACCOUNTS 12
#define GEN_UNIT_EXTERNALS 6
#define GEN_UNIT_SESSIONS 8
#define GEN_SESSION_ENGAGEMENTS 6
#define GEN_UNIT_TRUTHS 2
#define GEN_UNIT_ROWS 2048

/* An account's closing date while it is open. */
#define GEN_NO_DATE INT32_MIN

#define GEN_MS_PER_HOUR INT64_C(3600000)
#define GEN_MS_PER_MIN INT64_C(60000)

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, fast, and good
 * enough that a seed per household gives independent households. */
struct gen_rng {
    uint64_t state;
};

uint64_t gen_rng_next(struct gen_rng *rng);
/* Uniform in [lo, hi] (inclusive); lo when hi < lo. */
int64_t gen_rng_range(struct gen_rng *rng, int64_t lo, int64_t hi);
/* True with probability percent/100. */
bool gen_rng_chance(struct gen_rng *rng, int percent);

enum gen_kind {
    GEN_CHECKING,
    GEN_SAVINGS,
    GEN_MONEY_MARKET,
    GEN_CD,
    GEN_CREDIT_CARD,
    GEN_MORTGAGE,
    GEN_LOAN,
    GEN_INVESTMENT,
};

/* How the EDW spells a kind in ACCOUNT_TYPE (the mapping's value table). */
const char *gen_kind_source(enum gen_kind kind);
/* Whether money flowing in raises the balance (deposits) or lowers it (debts). */
bool gen_kind_is_debt(enum gen_kind kind);

struct gen_person {
    uint32_t index; /* customer number, from 1 */
    char gp[16];    /* Global_Party_Id__c */
    char sfid[20];  /* the person account's 18-character Salesforce Id */
    char dup_sfid[20];
    const char *salutation, *first, *last; /* first and last may hold UTF-8 */
    char email[96], new_email[96];
    char mobile[24], phone[24], home[24]; /* "" when none */
    int32_t birth;
    char street[64];
    const char *city, *state;
    char zip[8];
    char tin[16]; /* "" when none */
    const char *channel;
    char household[20];                              /* FSC household Account Id, "" when none */
    int64_t created;                                 /* CDC CREATE commit time */
    int64_t email_changed, dup_created, dup_deleted; /* 0 when none */
};

struct gen_account {
    char id[32];
    enum gen_kind kind;
    int owner;              /* index in the unit's people */
    int joint;              /* joint owner, or -1 */
    int32_t opened, closed; /* closed: GEN_NO_DATE while open */
    const char *status;     /* STATUS text while not closed: "Open", "Active", "On Hold" */
    int64_t eod[GEN_HIST];  /* end-of-day balance (minor units) of today-40 .. today-1 */
    int step;               /* a snapshot row every `step` days besides changes */
    int late;               /* history day whose row arrives late, or -1 */
    int64_t late_at;        /* when that row arrives */
};

struct gen_external {
    char id[32];
    int owner;
    const char *type;        /* aggregator's Account Type text */
    const char *institution; /* Institution Name */
    bool closed;
    int records; /* 1 or 2: the aggregator files of last month and this month */
    int64_t adb[2], as_of[2];
};

struct gen_engagement {
    const char *subject;
    int64_t at; /* epoch ms */
    int64_t seconds;
};

struct gen_session {
    char id[32];
    int owner;
    bool logged_in; /* else the visitor is known by email only */
    int count;
    struct gen_engagement e[GEN_SESSION_ENGAGEMENTS];
};

struct gen_truth {
    int person;
    const char *name, *segment, *detail;
    bool member;
    int next_days; /* days after today when time alone flips membership; 0 = never */
};

/* A line to write: sorted by stream, then time, then creation order. */
struct gen_row {
    int64_t at;
    uint32_t seq;
    uint8_t stream, kind;
    uint16_t ref; /* person, account, external, session or truth */
    int16_t sub;  /* history day, record, engagement */
};

enum gen_row_kind {
    GEN_ROW_CREATE,
    GEN_ROW_EMAIL_UPDATE,
    GEN_ROW_DUP_CREATE,
    GEN_ROW_DUP_DELETE,
    GEN_ROW_BALANCE,
    GEN_ROW_TRANSACTION,
    GEN_ROW_EXTERNAL,
    GEN_ROW_ENGAGEMENT,
    GEN_ROW_TRUTH,
};

struct gen_unit {
    int32_t today;
    uint64_t seed;
    struct gen_rng rng;
    int n_people, n_accounts, n_externals, n_sessions, n_truths;
    struct gen_person people[GEN_UNIT_PEOPLE];
    struct gen_account accounts[GEN_UNIT_ACCOUNTS];
    struct gen_external externals[GEN_UNIT_EXTERNALS];
    struct gen_session sessions[GEN_UNIT_SESSIONS];
    struct gen_truth truths[GEN_UNIT_TRUTHS];
    int n_rows;
    struct gen_row rows[GEN_UNIT_ROWS];
    bool over; /* a cap was hit: the unit is refused (a bug, not input) */
};

/* Start of a day in epoch ms. */
static inline int64_t gen_day_ms(int32_t day)
{
    return (int64_t)day * C360_MS_PER_DAY;
}

/* --- Builders (gen.c). */

/* A person with a random identity; n_people grows. */
struct gen_person *gen_person_add(struct gen_unit *u, uint32_t index);
/* Makes b a's spouse: one household, address and home phone. */
void gen_household(struct gen_unit *u, struct gen_person *a, struct gen_person *b);
/* An account with balance 0 throughout; NULL (and u->over) past the cap. */
struct gen_account *gen_account_add(struct gen_unit *u, int owner, enum gen_kind kind,
                                    int32_t opened);
/* Sets the end-of-day balance from history day `from` on (0 = today-40). */
void gen_account_balance(struct gen_account *a, int from, int64_t minor);
/* Closes on `day`: the balance is 0 from then on. */
void gen_account_close(struct gen_unit *u, struct gen_account *a, int32_t day);
struct gen_external *gen_external_add(struct gen_unit *u, int owner, const char *type, bool closed);
/* Aggregator files land monthly: one record as of the first of this month
 * (second < 0), or two, of last month and this month. */
void gen_external_records(struct gen_unit *u, struct gen_external *x, int64_t first,
                          int64_t second);
/* A web session; its engagements are added with gen_session_page. */
struct gen_session *gen_session_add(struct gen_unit *u, int owner, bool logged_in);
void gen_session_page(struct gen_session *s, const char *subject, int64_t at, int64_t seconds);
/* Derives people's creation times from their accounts; call once built. */
void gen_people_finish(struct gen_unit *u);

/* History index of a day (0 = today-40), for days within the history. */
static inline int gen_hist(const struct gen_unit *u, int32_t day)
{
    return (int)(day - (u->today - GEN_HIST));
}

/* --- Threshold cases (cases.c). */

/* Number of constructed cases. */
int gen_case_count(void);
/* People case i needs. */
int gen_case_people(int i);
/* Builds case i into u, whose people are still to be added from `index`. */
void gen_case_build(struct gen_unit *u, int i, uint32_t index);

/* --- Wire formats (wire.c). */

struct gen_buf {
    char text[C360_GEN_LINE_MAX];
    size_t len;
    bool over;
};

/* Writes row r of u into b and its message key into key. */
void gen_wire_row(const struct gen_unit *u, const struct gen_row *r, struct gen_buf *b, char *key,
                  size_t key_size);

#endif
