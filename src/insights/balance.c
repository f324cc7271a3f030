/*
 * c360 insights — one account's balance history (DESIGN.md §5: "the last
 * balance with balanceAsOf ≤ end of that day; unknown ⇒ 0").
 *
 * Only end-of-day balances are ever read, so a day keeps one observation: the
 * one with the greatest balanceAsOf (the later arrival at equal ones). Days
 * before base_day (today−30, the first day of the window) fold into the
 * latest observation before it, which is all a window from today on needs.
 */
#include "insights_int.h"

#include "c360/time.h"

#include <stdlib.h>
#include <string.h>

#define MS C360_MS_PER_DAY

/* A block grows by two days at a time: with 4-byte amounts, an odd number
 * of days fills the allocator's 16-byte granules, and a day a day costs a
 * copy every other day only. */
#define BLOCK_STEP 2

static size_t amount_size(const struct c360_insights_account *acct)
{
    return acct->flags & C360_INSIGHTS_WIDE ? sizeof(int64_t) : sizeof(int32_t);
}

static uint32_t *offs(const struct c360_insights_account *acct)
{
    return acct->bal ? (uint32_t *)(void *)((char *)acct->bal + acct->cap_bal * amount_size(acct))
                     : NULL;
}

static int64_t amount(const struct c360_insights_account *acct, uint8_t i)
{
    if (acct->flags & C360_INSIGHTS_WIDE)
        return ((const int64_t *)acct->bal)[i];
    return ((const int32_t *)acct->bal)[i];
}

/* minor fits the block (a narrow block holds int32_t amounts only). */
static void amount_set(struct c360_insights_account *acct, uint8_t i, int64_t minor)
{
    if (acct->flags & C360_INSIGHTS_WIDE)
        ((int64_t *)acct->bal)[i] = minor;
    else
        ((int32_t *)acct->bal)[i] = (int32_t)minor;
}

static bool fits_narrow(int64_t minor)
{
    return minor >= INT32_MIN && minor <= INT32_MAX;
}

/* Whether an amount held needs the wide block. */
static bool needs_wide(const struct c360_insights_account *acct)
{
    for (uint8_t i = 0; i < acct->n_bal; i++) {
        if (!fits_narrow(amount(acct, i)))
            return true;
    }
    return false;
}

static size_t block_size(unsigned cap, bool wide, uint8_t n_joint)
{
    return cap * ((wide ? sizeof(int64_t) : sizeof(int32_t)) + sizeof(uint32_t)) +
           n_joint * sizeof(uint32_t);
}

/* Copies acct's days into block, of cap days (≥ n_bal) with int64_t
 * amounts when wide (else every amount held fits int32_t), and its joint
 * owners when block has room for as many. */
static void block_fill(const struct c360_insights_account *acct, char *block, unsigned cap,
                       bool wide, uint8_t n_joint)
{
    if (!block)
        return;
    for (uint8_t i = 0; i < acct->n_bal; i++) {
        if (wide)
            ((int64_t *)(void *)block)[i] = amount(acct, i);
        else
            ((int32_t *)(void *)block)[i] = (int32_t)amount(acct, i);
    }
    uint32_t *o = (uint32_t *)(void *)(block + cap * (wide ? sizeof(int64_t) : sizeof(int32_t)));
    if (acct->n_bal)
        memcpy(o, offs(acct), acct->n_bal * sizeof(*o));
    if (n_joint && n_joint == acct->n_joint)
        memcpy(o + cap, c360_insights_account_joint(acct), n_joint * sizeof(*o));
}

/* Puts block (filled) in place of acct's. */
static void block_set(struct c360_insights_account *acct, void *block, unsigned cap, bool wide,
                      uint8_t n_joint)
{
    free(acct->bal);
    acct->bal = block;
    acct->cap_bal = (uint8_t)cap;
    acct->n_joint = n_joint;
    acct->flags =
        (uint8_t)(wide ? acct->flags | C360_INSIGHTS_WIDE : acct->flags & ~C360_INSIGHTS_WIDE);
}

/* Moves the days held and the joint owners to a block of cap days. */
static enum c360_err block_move(struct c360_insights_account *acct, unsigned cap, bool wide)
{
    char *block = NULL;
    size_t size = block_size(cap, wide, acct->n_joint);
    if (size && !(block = malloc(size)))
        return C360_ERR_NOMEM;
    block_fill(acct, block, cap, wide, acct->n_joint);
    block_set(acct, block, cap, wide, acct->n_joint);
    return C360_OK;
}

uint32_t *c360_insights_account_joint(const struct c360_insights_account *acct)
{
    return acct->n_joint
               ? (uint32_t *)(void *)((char *)acct->bal + acct->cap_bal * amount_size(acct)) +
                     acct->cap_bal
               : NULL;
}

enum c360_err c360_insights_joint_reserve(const struct c360_insights_account *acct, uint8_t n,
                                          void **out)
{
    *out = NULL;
    size_t size = block_size(acct->cap_bal, acct->flags & C360_INSIGHTS_WIDE, n);
    if (n == acct->n_joint || size == 0)
        return C360_OK;
    return (*out = malloc(size)) ? C360_OK : C360_ERR_NOMEM;
}

void c360_insights_joint_set(struct c360_insights_account *acct, const uint32_t *joint, uint8_t n,
                             void *block)
{
    if (n != acct->n_joint) {
        bool wide = acct->flags & C360_INSIGHTS_WIDE;
        block_fill(acct, block, acct->cap_bal, wide, n);
        block_set(acct, block, acct->cap_bal, wide, n);
    }
    if (n)
        memcpy(c360_insights_account_joint(acct), joint, n * sizeof(*joint));
}

static int64_t base_ms(const struct c360_insights_account *acct)
{
    return (int64_t)acct->base_day * MS;
}

/* The number of stored observations before off (ms from base). */
static uint8_t count_before(const struct c360_insights_account *acct, int64_t off)
{
    if (acct->n_bal == 0)
        return 0;
    const uint32_t *o = offs(acct);
    uint8_t lo = 0, hi = acct->n_bal;
    while (lo < hi) {
        uint8_t mid = (uint8_t)((lo + hi) / 2);
        if ((int64_t)o[mid] < off)
            lo = (uint8_t)(mid + 1);
        else
            hi = mid;
    }
    return lo;
}

bool c360_insights_balance_rebase(struct c360_insights_account *acct, int32_t day)
{
    if (day <= acct->base_day)
        return false;
    if (acct->n_bal == 0) {
        acct->base_day = day;
        return false;
    }
    int64_t cut = (int64_t)(day - acct->base_day) * MS;
    uint32_t *o = offs(acct);
    uint8_t k = (int64_t)o[0] >= cut ? 0 : count_before(acct, cut);
    if (k > 0) {
        /* Every stored day is after the old "before", so the last one folded
         * becomes it. */
        acct->before_at = base_ms(acct) + o[k - 1];
        acct->before_minor = amount(acct, (uint8_t)(k - 1));
        acct->flags |= C360_INSIGHTS_HAS_BEFORE;
    }
    uint8_t n = (uint8_t)(acct->n_bal - k);
    size_t size = amount_size(acct);
    memmove(acct->bal, (char *)acct->bal + k * size, n * size);
    for (uint8_t i = 0; i < n; i++)
        o[i] = (uint32_t)(o[i + k] - cut);
    acct->n_bal = n;
    acct->base_day = day;
    if (n == 0) {
        /* An account that stopped reporting keeps no days at all. */
        (void)block_move(acct, 0, false);
    } else if (acct->cap_bal - n > BLOCK_STEP) {
        /* One that reports less often gives room back; kept as it is when
         * there is no memory for the smaller copy. */
        (void)block_move(acct, n | 1u, needs_wide(acct));
    }
    return k > 0;
}

bool c360_insights_balance_prune(struct c360_insights_account *acct, int32_t day)
{
    /* Most days, most accounts hold nothing before the new base: then
     * rebase would only shift every offset, for a base no answer and no
     * stored byte depends on. Left where it is, it is moved by apply's own
     * rebase before an observation is placed, and by the first prune that
     * folds. A block holding more room than rebase leaves goes to rebase. */
    if (day > acct->base_day && acct->n_bal && acct->cap_bal - acct->n_bal <= BLOCK_STEP &&
        (int64_t)offs(acct)[0] >= (int64_t)(day - acct->base_day) * MS)
        return false;
    return c360_insights_balance_rebase(acct, day);
}

/* Where an observation at at goes: -1 before base; else its index, and
 * whether that day already has one. */
static int place(const struct c360_insights_account *acct, int64_t at, bool *same_day)
{
    int64_t off = at - base_ms(acct);
    if (off < 0)
        return -1;
    int64_t day_start = off - off % MS;
    uint8_t n = acct->n_bal;
    /* Most observations are of a day after every day held: no search. */
    uint8_t i = n && (int64_t)offs(acct)[n - 1] < day_start ? n : count_before(acct, day_start);
    *same_day = i < n && (int64_t)offs(acct)[i] < day_start + MS;
    return i;
}

enum c360_err c360_insights_balance_reserve(struct c360_insights_account *acct, int64_t at,
                                            int64_t minor, struct c360_diag *diag)
{
    if (at - base_ms(acct) > (int64_t)UINT32_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "balanceAsOf",
                              "is more than 49 days after the window's first day");
    bool same_day = false;
    if (place(acct, at, &same_day) < 0)
        return C360_OK;
    bool wide = (acct->flags & C360_INSIGHTS_WIDE) || !fits_narrow(minor);
    if (same_day || acct->n_bal < acct->cap_bal)
        return wide == !!(acct->flags & C360_INSIGHTS_WIDE) ? C360_OK
                                                            : block_move(acct, acct->cap_bal, wide);
    if (acct->n_bal >= C360_INSIGHTS_BALANCES_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "balanceAsOf",
                              "the account already holds %d days of balances from the window on",
                              C360_INSIGHTS_BALANCES_MAX);
    unsigned cap = acct->cap_bal + (acct->cap_bal ? BLOCK_STEP : 1u);
    return block_move(acct, cap < C360_INSIGHTS_BALANCES_MAX ? cap : C360_INSIGHTS_BALANCES_MAX,
                      wide);
}

bool c360_insights_balance_add(struct c360_insights_account *acct, int64_t at, int64_t minor)
{
    bool same_day = false;
    int i = place(acct, at, &same_day);
    if (i < 0) {
        if ((acct->flags & C360_INSIGHTS_HAS_BEFORE) && at < acct->before_at)
            return false;
        acct->before_at = at;
        acct->before_minor = minor;
        acct->flags |= C360_INSIGHTS_HAS_BEFORE;
        return true;
    }
    uint32_t off = (uint32_t)(at - base_ms(acct));
    uint32_t *o = offs(acct);
    if (same_day) {
        /* An earlier observation of a day never decides an end of day. */
        if (off < o[i])
            return false;
        o[i] = off;
        amount_set(acct, (uint8_t)i, minor);
        return true;
    }
    uint8_t n = acct->n_bal; /* below cap_bal: reserved */
    if (i < n) {
        size_t size = amount_size(acct);
        char *amounts = acct->bal;
        memmove(amounts + (i + 1) * size, amounts + i * size, (size_t)(n - i) * size);
        memmove(o + i + 1, o + i, (size_t)(n - i) * sizeof(*o));
    }
    amount_set(acct, (uint8_t)i, minor);
    o[i] = off;
    acct->n_bal = (uint8_t)(n + 1);
    return true;
}

bool c360_insights_balance_moves(const struct c360_insights_account *acct, int64_t at,
                                 int64_t minor)
{
    bool same_day = false, before = acct->flags & C360_INSIGHTS_HAS_BEFORE;
    int i = place(acct, at, &same_day);
    if (i < 0) /* it would be "before", unless older than it */
        return before ? at >= acct->before_at && minor != acct->before_minor : true;
    if (same_day) /* it would replace the day's observation, unless earlier */
        return (uint32_t)(at - base_ms(acct)) >= offs(acct)[i] && minor != amount(acct, (uint8_t)i);
    /* A day of its own: from it on, until the next observation, the end of
     * day was the one before it. */
    if (i > 0)
        return minor != amount(acct, (uint8_t)(i - 1));
    return !before || minor != acct->before_minor;
}

int64_t c360_insights_balance_eod(const struct c360_insights_account *acct, int32_t day)
{
    /* End of day is 23:59:59.999: observations strictly before the next day. */
    int64_t next = ((int64_t)day + 1) * MS;
    uint8_t i = count_before(acct, next - base_ms(acct));
    if (i > 0)
        return amount(acct, (uint8_t)(i - 1));
    if ((acct->flags & C360_INSIGHTS_HAS_BEFORE) && acct->before_at < next)
        return acct->before_minor;
    return 0;
}

static bool open_on(const struct c360_insights_account *acct, int32_t day)
{
    return (acct->opened == C360_DATE_NONE || acct->opened <= day) &&
           (acct->closed == C360_DATE_NONE || day < acct->closed);
}

int64_t c360_insights_balance_day(const struct c360_insights_account *acct, int32_t day)
{
    return open_on(acct, day) ? c360_insights_balance_eod(acct, day) : 0;
}

/* The day of observation i (one a day, ascending). */
static inline int32_t obs_day(const struct c360_insights_account *acct, const uint32_t *o,
                              uint8_t i)
{
    return acct->base_day + (int32_t)(o[i] / (uint32_t)MS);
}

/* Clips [*from, *to) to the days the account is open, [opened, closed):
 * false when nothing is left. */
static bool open_days(const struct c360_insights_account *acct, int32_t *from, int32_t *to)
{
    if (acct->opened != C360_DATE_NONE && acct->opened > *from)
        *from = acct->opened;
    if (acct->closed != C360_DATE_NONE && acct->closed < *to)
        *to = acct->closed;
    return *from < *to;
}

/*
 * The end-of-day balance is a step function of the day: 0 (or "before",
 * from its day on) until the first observation's day, then each
 * observation's amount until the next one's day. A walk over [from, to)
 * visits its steps in order: segments [day, end) of equal balance.
 */
struct steps {
    const struct c360_insights_account *acct;
    const uint32_t *o;
    uint8_t i; /* observations on days before `day`, all but the current one */
    int32_t day, to;
};

/* Starts a walk over [from, to) (from < to); true when the first segment
 * lies before the first observation (steps_before answers it). */
static inline bool steps_start(struct steps *w, const struct c360_insights_account *acct,
                               int32_t from, int32_t to)
{
    w->acct = acct;
    w->o = offs(acct);
    w->day = from;
    w->to = to;
    /* Skip the observations on days up to from: the last of them holds on
     * from. Few: from is about base_day in every query. */
    int64_t lim = ((int64_t)from - acct->base_day + 1) * MS;
    uint8_t i = 0;
    while (i < acct->n_bal && (int64_t)w->o[i] < lim)
        i++;
    w->i = i;
    return i == 0;
}

/* The segment before the first observation, from w->day: its end and the
 * part of it "before" covers, [*b, *end) (empty when none). */
static inline void steps_before(struct steps *w, int32_t *b, int32_t *end)
{
    const struct c360_insights_account *acct = w->acct;
    *end = acct->n_bal && obs_day(acct, w->o, 0) < w->to ? obs_day(acct, w->o, 0) : w->to;
    *b = *end;
    if (acct->flags & C360_INSIGHTS_HAS_BEFORE) {
        /* Usually dated before the walk: no date to work out then. */
        int32_t day =
            acct->before_at < (int64_t)w->day * MS ? w->day : c360_date_of(acct->before_at);
        *b = day < *end ? day : *end;
    }
    w->day = *end;
    w->i = 1;
}

c360_insights_wide c360_insights_balance_sum(const struct c360_insights_account *acct, int32_t from,
                                             int32_t to)
{
    if (!open_days(acct, &from, &to))
        return 0;
    c360_insights_wide sum = 0;
    struct steps w;
    if (steps_start(&w, acct, from, to)) {
        int32_t b, end;
        steps_before(&w, &b, &end);
        sum += (c360_insights_wide)acct->before_minor * (end - b);
        if (end == to)
            return sum;
    }
    /* Observation i − 1 holds from w.day until the day of observation i:
     * at most 49 days between two, so a narrow block's terms sum in 64
     * bits; the last one, up to to, is taken wide. */
    uint8_t i = w.i, n = acct->n_bal;
    int32_t day = w.day;
    if (acct->flags & C360_INSIGHTS_WIDE) {
        const int64_t *a = acct->bal;
        for (int32_t end; i < n && (end = obs_day(acct, w.o, i)) < to; i++, day = end)
            sum += (c360_insights_wide)a[i - 1] * (end - day);
        return sum + (c360_insights_wide)a[i - 1] * (to - day);
    }
    const int32_t *a = acct->bal;
    int64_t part = 0;
    for (int32_t end; i < n && (end = obs_day(acct, w.o, i)) < to; i++, day = end)
        part += (int64_t)a[i - 1] * (end - day);
    return sum + part + (c360_insights_wide)a[i - 1] * (to - day);
}

/* Adds v to days[day − from … end − from); returns |v|. */
static inline uint64_t days_add(uint64_t *days, int32_t from, int32_t day, int32_t end, int64_t v)
{
    for (int32_t d = day; d < end; d++)
        days[d - from] += (uint64_t)v;
    return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

int64_t c360_insights_balance_days(const struct c360_insights_account *acct, int32_t from,
                                   int32_t to, uint64_t *days)
{
    int32_t start = from;
    uint64_t most = 0, m;
    if (!open_days(acct, &from, &to))
        return 0;
    struct steps w;
    if (steps_start(&w, acct, from, to)) {
        int32_t b, end;
        steps_before(&w, &b, &end);
        /* 0 before "before": adds nothing, and is no magnitude. */
        if (b < end && (m = days_add(days, start, b, end, acct->before_minor)) > most)
            most = m;
        if (end == to)
            return most > INT64_MAX ? INT64_MAX : (int64_t)most;
    }
    uint8_t i = w.i, n = acct->n_bal;
    int32_t day = w.day, end;
    if (acct->flags & C360_INSIGHTS_WIDE) {
        const int64_t *a = acct->bal;
        for (; i < n && (end = obs_day(acct, w.o, i)) < to; i++, day = end) {
            if ((m = days_add(days, start, day, end, a[i - 1])) > most)
                most = m;
        }
        if ((m = days_add(days, start, day, to, a[i - 1])) > most)
            most = m;
        return most > INT64_MAX ? INT64_MAX : (int64_t)most;
    }
    const int32_t *a = acct->bal;
    for (; i < n && (end = obs_day(acct, w.o, i)) < to; i++, day = end) {
        if ((m = days_add(days, start, day, end, a[i - 1])) > most)
            most = m;
    }
    if ((m = days_add(days, start, day, to, a[i - 1])) > most)
        most = m;
    return most > INT64_MAX ? INT64_MAX : (int64_t)most; /* "before" may be any int64 */
}

bool c360_insights_balance_latest(const struct c360_insights_account *acct, int64_t *minor)
{
    if (acct->n_bal) {
        *minor = amount(acct, (uint8_t)(acct->n_bal - 1));
        return true;
    }
    if (acct->flags & C360_INSIGHTS_HAS_BEFORE) {
        *minor = acct->before_minor;
        return true;
    }
    return false;
}

/* The earlier of two days, where INT32_MAX is none. */
static int32_t day_min(int32_t a, int32_t b)
{
    return b < a ? b : a;
}

int32_t c360_insights_balance_first_change(const struct c360_insights_account *acct, int32_t from)
{
    int32_t first = INT32_MAX;
    if (acct->n_bal) {
        /* The first observation on a day ≥ from: past those before it. */
        uint8_t i =
            from > acct->base_day ? count_before(acct, ((int64_t)from - acct->base_day) * MS) : 0;
        if (i < acct->n_bal)
            first = obs_day(acct, offs(acct), i);
    }
    if (acct->flags & C360_INSIGHTS_HAS_BEFORE) {
        int32_t day = c360_date_of(acct->before_at);
        if (day >= from)
            first = day_min(first, day);
    }
    if (acct->opened != C360_DATE_NONE && acct->opened >= from)
        first = day_min(first, acct->opened);
    if (acct->closed != C360_DATE_NONE && acct->closed >= from)
        first = day_min(first, acct->closed);
    return first;
}

int32_t c360_insights_balance_last_change(const struct c360_insights_account *acct)
{
    /* C360_DATE_NONE is INT32_MIN: an absent date never wins. */
    int32_t last =
        acct->n_bal ? obs_day(acct, offs(acct), (uint8_t)(acct->n_bal - 1)) : C360_DATE_NONE;
    if ((acct->flags & C360_INSIGHTS_HAS_BEFORE) && c360_date_of(acct->before_at) > last)
        last = c360_date_of(acct->before_at);
    if (acct->opened > last)
        last = acct->opened;
    if (acct->closed > last)
        last = acct->closed;
    return last;
}

size_t c360_insights_balance_bytes(const struct c360_insights_account *acct)
{
    return acct->cap_bal * (amount_size(acct) + sizeof(uint32_t)) +
           acct->n_joint * sizeof(uint32_t);
}

/*
 * In a value: whether there is a "before" and it, then the days held as
 * (instant, minor): the first instant whole, the next ones as the ms since
 * the previous (ascending, one a day).
 */
void c360_insights_balance_encode(const struct c360_insights_account *acct,
                                  struct c360_persist_writer *w)
{
    bool before = acct->flags & C360_INSIGHTS_HAS_BEFORE;
    c360_persist_bool(w, before);
    if (before) {
        c360_persist_i64(w, acct->before_at);
        c360_persist_i64(w, acct->before_minor);
    }
    c360_persist_u64(w, acct->n_bal);
    const uint32_t *o = offs(acct);
    for (uint8_t i = 0; i < acct->n_bal; i++) {
        if (i == 0)
            c360_persist_i64(w, base_ms(acct) + o[0]);
        else
            c360_persist_u64(w, o[i] - o[i - 1]);
        c360_persist_i64(w, amount(acct, i));
    }
}

enum c360_err c360_insights_balance_decode(struct c360_insights_account *acct,
                                           struct c360_persist_reader *r, struct c360_diag *diag)
{
    if (c360_persist_get_bool(r)) {
        acct->before_at = c360_persist_get_i64(r);
        acct->before_minor = c360_persist_get_i64(r);
        acct->flags |= C360_INSIGHTS_HAS_BEFORE;
        if (c360_time_check(acct->before_at, NULL))
            return c360_diag_fail(diag, C360_ERR_INVALID, "balanceAsOf", "is corrupt");
    }
    uint64_t n = c360_persist_get_u64(r);
    if (r->failed || n == 0)
        return C360_OK; /* the reader's end says whether it failed */
    if (n > C360_INSIGHTS_BALANCES_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "balanceAsOf", "more than %d days",
                              C360_INSIGHTS_BALANCES_MAX);
    int64_t first = c360_persist_get_i64(r);
    if (c360_time_check(first, NULL))
        return c360_diag_fail(diag, C360_ERR_INVALID, "balanceAsOf", "is corrupt");
    /* The base is the first day held until balance_settle knows the
     * watermark. */
    acct->base_day = c360_date_of(first);
    enum c360_err err;
    if ((err = block_move(acct, (unsigned)n, false)))
        return err;
    int64_t off = first - base_ms(acct);
    for (uint64_t i = 0; i < n && !r->failed; i++) {
        if (i > 0) {
            uint64_t step = c360_persist_get_u64(r);
            /* One observation a day: the next is on a later day. */
            if (step > UINT32_MAX || (int64_t)(off + step) / MS <= off / MS)
                return c360_diag_fail(diag, C360_ERR_INVALID, "balanceAsOf", "days out of order");
            off += (int64_t)step;
        }
        if (off > (int64_t)UINT32_MAX)
            return c360_diag_fail(diag, C360_ERR_INVALID, "balanceAsOf",
                                  "days span more than 49 days");
        int64_t minor = c360_persist_get_i64(r);
        if (!fits_narrow(minor) && !(acct->flags & C360_INSIGHTS_WIDE) &&
            (err = block_move(acct, (unsigned)n, true)))
            return err;
        offs(acct)[i] = (uint32_t)off;
        amount_set(acct, (uint8_t)i, minor);
        acct->n_bal = (uint8_t)(i + 1);
    }
    return C360_OK;
}

enum c360_err c360_insights_balance_settle(struct c360_insights_account *acct, int32_t day,
                                           struct c360_diag *diag)
{
    /* The state that stored the account had its base at most at the
     * window's first day, and at most at the first day it held. */
    if (acct->n_bal && acct->base_day < day)
        day = acct->base_day;
    /* Offsets grow by the days the base moves back. */
    int64_t shift = (int64_t)(acct->base_day - day) * MS;
    if (acct->n_bal && (int64_t)offs(acct)[acct->n_bal - 1] + shift > (int64_t)UINT32_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "balanceAsOf",
                              "days more than 49 days after the window's first day");
    if ((acct->flags & C360_INSIGHTS_HAS_BEFORE) && acct->before_at >= (int64_t)day * MS)
        return c360_diag_fail(diag, C360_ERR_INVALID, "balanceAsOf",
                              "the observation before the days held is not before them");
    uint32_t *o = offs(acct);
    for (uint8_t i = 0; i < acct->n_bal; i++)
        o[i] = (uint32_t)(o[i] + shift);
    acct->base_day = day;
    return C360_OK;
}
