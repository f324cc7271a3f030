/*
 * c360 insights — answers for one profile (DESIGN.md §5): the summary of its
 * accounts, qualifying visits, and the next day on which time alone changes
 * an answer.
 *
 * A profile is a list of owner keys. An account reached through several of
 * them counts once: through the first key in the list that owns it.
 */
#include "insights_int.h"

#include "c360/time.h"

#include <string.h>

#define MS C360_MS_PER_DAY
#define WINDOW C360_INSIGHTS_WINDOW_DAYS

/* Sums are taken exact (128 bits hold 2^32 accounts × 30 days of any
 * int64) and saturated once: saturating each step would make the result
 * depend on the order of the terms once a sum overflows. */
int64_t c360_insights_sat(c360_insights_wide v)
{
    if (v > INT64_MAX)
        return INT64_MAX;
    if (v < INT64_MIN)
        return INT64_MIN;
    return (int64_t)v;
}

static bool listed_before(const char *const *keys, size_t i, const char *key)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(keys[j], key) == 0)
            return true;
    }
    return false;
}

/* The party of keys[i], or NULL when it holds nothing or repeats a key. */
static const struct c360_insights_party *party_of(const struct c360_insights *ins,
                                                  const char *const *keys, size_t i)
{
    uint32_t p = c360_insights_party_find(ins, keys[i]);
    if (p == C360_INSIGHTS_NONE || listed_before(keys, i, keys[i]))
        return NULL;
    return c360_insights_party_at(ins, p);
}

/* Whether an owner of acct other than the party of keys[i] is the party of
 * an earlier key: then the account was counted there. */
static bool counted_before(const struct c360_insights *ins,
                           const struct c360_insights_account *acct, const char *const *keys,
                           size_t i)
{
    if (listed_before(keys, i, c360_insights_party_at(ins, acct->owner)->key))
        return true;
    const uint32_t *joint = c360_insights_account_joint(acct);
    for (uint8_t k = 0; k < acct->n_joint; k++) {
        if (listed_before(keys, i, c360_insights_party_at(ins, joint[k])->key))
            return true;
    }
    return false;
}

/* Calls fn once for each internal account of the profile keys name. */
static void walk_accounts(const struct c360_insights *ins, const char *const *keys, size_t n_keys,
                          void (*fn)(const struct c360_insights_account *acct, void *arg),
                          void *arg)
{
    for (size_t i = 0; i < n_keys; i++) {
        const struct c360_insights_party *party = party_of(ins, keys, i);
        if (!party)
            continue;
        const uint32_t *refs = c360_insights_party_refs(party);
        for (uint16_t r = 0; r < party->n_refs; r++) {
            if (refs[r] & C360_INSIGHTS_EXT_BIT)
                continue;
            const struct c360_insights_account *acct = c360_insights_account_at(ins, refs[r]);
            if (!counted_before(ins, acct, keys, i))
                fn(acct, arg);
        }
    }
}

static bool holds_u32(const uint32_t *v, uint32_t n, uint32_t x)
{
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] == x)
            return true;
    }
    return false;
}

void c360_insights_resolve(const struct c360_insights *ins, const char *const *keys, size_t n_keys,
                           struct c360_insights_owners *out)
{
    out->ins = ins;
    out->keys = keys;
    out->n_keys = n_keys;
    out->listed = false;
    out->n_parties = out->n_accounts = 0;
    for (size_t i = 0; i < n_keys; i++) {
        uint32_t p = c360_insights_party_find(ins, keys[i]);
        if (p == C360_INSIGHTS_NONE || holds_u32(out->parties, out->n_parties, p))
            continue;
        if (out->n_parties == C360_INSIGHTS_OWNERS_MAX)
            return;
        out->parties[out->n_parties++] = p;
    }
    for (uint32_t i = 0; i < out->n_parties; i++) {
        const struct c360_insights_party *party = c360_insights_party_at(ins, out->parties[i]);
        const uint32_t *refs = c360_insights_party_refs(party);
        for (uint16_t r = 0; r < party->n_refs; r++) {
            if (refs[r] & C360_INSIGHTS_EXT_BIT)
                continue;
            /* Only an account with joint owners is reached through two
             * parties: its primary owner's alone is listed once. */
            if (c360_insights_account_at(ins, refs[r])->n_joint &&
                holds_u32(out->accounts, out->n_accounts, refs[r]))
                continue;
            if (out->n_accounts == C360_INSIGHTS_OWNERS_MAX)
                return;
            out->accounts[out->n_accounts++] = refs[r];
        }
    }
    out->listed = true;
}

/* Calls fn once for each internal account of the profile. */
static void each_account(const struct c360_insights_owners *o,
                         void (*fn)(const struct c360_insights_account *acct, void *arg), void *arg)
{
    if (!o->listed) {
        walk_accounts(o->ins, o->keys, o->n_keys, fn, arg);
        return;
    }
    for (uint32_t i = 0; i < o->n_accounts; i++)
        fn(c360_insights_account_at(o->ins, o->accounts[i]), arg);
}

/* The number of parties of the profile to walk with party_at. */
static size_t parties_count(const struct c360_insights_owners *o)
{
    return o->listed ? o->n_parties : o->n_keys;
}

/* Party i of the profile, or NULL (a key holding nothing, or a repeat). */
static const struct c360_insights_party *party_at(const struct c360_insights_owners *o, size_t i)
{
    return o->listed ? c360_insights_party_at(o->ins, o->parties[i]) : party_of(o->ins, o->keys, i);
}

/* Sums by type, each set (held) only once an account adds to it: most
 * profiles hold one or two types, so the rest is neither zeroed nor
 * saturated. */
struct summing {
    struct c360_insights_summary *out;
    int32_t today;
    uint32_t adb_set, external_set; /* C360_INSIGHTS_TYPE bits of the sums held */
    c360_insights_wide adb[C360_INSIGHTS_TYPES], external[C360_INSIGHTS_TYPES], balance;
};

static void sum_add(c360_insights_wide *sums, uint32_t *set, uint8_t type, c360_insights_wide v)
{
    if (*set & C360_INSIGHTS_TYPE(type)) {
        sums[type] += v;
    } else {
        sums[type] = v;
        *set |= C360_INSIGHTS_TYPE(type);
    }
}

/* Saturates the sums held into out[] (the others stay 0). */
static void sums_put(const c360_insights_wide *sums, uint32_t set, int64_t *out)
{
    for (; set; set &= set - 1) {
        int t = __builtin_ctz(set);
        out[t] = c360_insights_sat(sums[t]);
    }
}

static void sum_account(const struct c360_insights_account *acct, void *arg)
{
    struct summing *s = arg;
    struct c360_insights_summary *out = s->out;
    out->accounts++;
    if (acct->opened != C360_DATE_NONE &&
        (out->earliest_opened == C360_DATE_NONE || acct->opened < out->earliest_opened))
        out->earliest_opened = acct->opened;
    if (acct->status == C360_STATUS_OPEN) {
        int64_t minor;
        out->open++;
        out->open_by_type[acct->type]++;
        if (c360_insights_balance_latest(acct, &minor))
            s->balance += minor;
        if (acct->flags & C360_INSIGHTS_FOREIGN)
            out->foreign++;
    }
    /* Open that day by its dates, whatever its status (DESIGN.md §5). */
    sum_add(s->adb, &s->adb_set, acct->type,
            c360_insights_balance_sum(acct, s->today - WINDOW, s->today));
}

void c360_insights_owners_summarize(const struct c360_insights_owners *owners, int32_t today,
                                    struct c360_insights_summary *out)
{
    memset(out, 0, sizeof(*out));
    out->earliest_opened = C360_DATE_NONE;
    if (!c360_insights_day_ok(today))
        return;
    struct summing s;
    s.out = out;
    s.today = today;
    s.adb_set = s.external_set = 0;
    s.balance = 0;
    each_account(owners, sum_account, &s);
    /* An external account has one owner, so no party repeats it. */
    for (size_t i = 0; i < parties_count(owners); i++) {
        const struct c360_insights_party *party = party_at(owners, i);
        if (!party)
            continue;
        const uint32_t *refs = c360_insights_party_refs(party);
        for (uint16_t r = 0; r < party->n_refs; r++) {
            if (!(refs[r] & C360_INSIGHTS_EXT_BIT))
                continue;
            const struct c360_insights_external *ext =
                c360_insights_external_at(owners->ins, refs[r] & ~C360_INSIGHTS_EXT_BIT);
            if (ext->status != C360_STATUS_OPEN)
                continue;
            if (ext->foreign)
                out->foreign++;
            else
                sum_add(s.external, &s.external_set, ext->type, ext->adb);
        }
    }
    sums_put(s.adb, s.adb_set, out->adb_sum);
    sums_put(s.external, s.external_set, out->external_adb);
    out->balance = c360_insights_sat(s.balance);
    if (out->earliest_opened != C360_DATE_NONE)
        out->tenure_days = today - out->earliest_opened;
}

void c360_insights_summarize(const struct c360_insights *ins, const char *const *keys,
                             size_t n_keys, int32_t today, struct c360_insights_summary *out)
{
    struct c360_insights_owners owners;
    c360_insights_resolve(ins, keys, n_keys, &owners);
    c360_insights_owners_summarize(&owners, today, out);
}

int64_t c360_insights_adb_sum(const struct c360_insights_summary *sum, uint32_t types)
{
    c360_insights_wide total = 0;
    for (int t = 0; t < C360_INSIGHTS_TYPES; t++) {
        if (types & C360_INSIGHTS_TYPE(t))
            total += sum->adb_sum[t];
    }
    return c360_insights_sat(total);
}

int64_t c360_insights_external_adb(const struct c360_insights_summary *sum, uint32_t types)
{
    c360_insights_wide total = 0;
    for (int t = 0; t < C360_INSIGHTS_TYPES; t++) {
        if (types & C360_INSIGHTS_TYPE(t))
            total += sum->external_adb[t];
    }
    return c360_insights_sat(total);
}

int c360_insights_cmp_avg(int64_t window_sum, int64_t minor, int64_t threshold)
{
    /* window_sum/30 + minor − threshold has the sign of window_sum +
     * 30·(minor − threshold); 128 bits hold it for any int64 inputs. */
    __extension__ __int128 v =
        (__int128)window_sum + (__int128)WINDOW * ((__int128)minor - threshold);
    return v < 0 ? -1 : v > 0;
}

int64_t c360_insights_adb_floor(int64_t window_sum)
{
    int64_t q = window_sum / WINDOW;
    return window_sum % WINDOW < 0 ? q - 1 : q;
}

/* Whether the visit satisfies rule (subject given as its interned id) today. */
static bool qualifies(const struct c360_insights_visit *visit, uint16_t subject, int32_t today,
                      const struct c360_insights_visit_rule *rule, int64_t *last)
{
    int64_t first, end;
    c360_insights_visit_span(visit, &first, last, &end);
    return visit->main == subject && *last >= ((int64_t)today - rule->days) * MS &&
           end - first > (int64_t)rule->min_minutes * 60000;
}

bool c360_insights_owners_visit(const struct c360_insights_owners *owners, int32_t today,
                                const struct c360_insights_visit_rule *rule)
{
    int64_t last;
    uint16_t subject = c360_insights_subject_find(owners->ins, rule->subject);
    if (subject == C360_INSIGHTS_NO_SUBJECT || !c360_insights_day_ok(today))
        return false;
    for (size_t i = 0; i < parties_count(owners); i++) {
        const struct c360_insights_party *party = party_at(owners, i);
        for (uint8_t v = 0; party && v < party->n_visits; v++) {
            if (qualifies(&party->visits[v], subject, today, rule, &last))
                return true;
        }
    }
    return false;
}

bool c360_insights_qualifying_visit(const struct c360_insights *ins, const char *const *keys,
                                    size_t n_keys, int32_t today,
                                    const struct c360_insights_visit_rule *rule)
{
    struct c360_insights_owners owners;
    c360_insights_resolve(ins, keys, n_keys, &owners);
    return c360_insights_owners_visit(&owners, today, rule);
}

/* The day a rule's answer turns false: when its last qualifying visit ages
 * out (a visit with last event L qualifies while start of today − days ≤ L,
 * so up to day date(L) + days). */
static int32_t visit_rule_change(const struct c360_insights_owners *owners, int32_t today,
                                 const struct c360_insights_visit_rule *rule)
{
    int64_t last, latest = INT64_MIN;
    uint16_t subject = c360_insights_subject_find(owners->ins, rule->subject);
    if (subject == C360_INSIGHTS_NO_SUBJECT)
        return C360_INSIGHTS_NEVER;
    for (size_t i = 0; i < parties_count(owners); i++) {
        const struct c360_insights_party *party = party_at(owners, i);
        for (uint8_t v = 0; party && v < party->n_visits; v++) {
            if (qualifies(&party->visits[v], subject, today, rule, &last) && last > latest)
                latest = last;
        }
    }
    if (latest == INT64_MIN)
        return C360_INSIGHTS_NEVER;
    int64_t day = (int64_t)c360_date_of(latest) + rule->days + 1;
    return day >= C360_INSIGHTS_NEVER ? C360_INSIGHTS_NEVER : (int32_t)day;
}

/* The earliest day ≥ from on which some account's contribution may change. */
struct earliest {
    int32_t from, day;
};

static void earliest_change(const struct c360_insights_account *acct, void *arg)
{
    struct earliest *e = arg;
    int32_t day = c360_insights_balance_first_change(acct, e->from);
    if (day < e->day)
        e->day = day;
}

/* Daily totals by type on two days. */
struct totals {
    int32_t a, b;
    c360_insights_wide on_a[C360_INSIGHTS_TYPES], on_b[C360_INSIGHTS_TYPES];
};

static void add_totals(const struct c360_insights_account *acct, void *arg)
{
    struct totals *t = arg;
    t->on_a[acct->type] += c360_insights_balance_day(acct, t->a);
    t->on_b[acct->type] += c360_insights_balance_day(acct, t->b);
}

/* Whether a type's daily total differs between the two days. */
static bool totals_differ(const struct totals *t)
{
    for (int k = 0; k < C360_INSIGHTS_TYPES; k++) {
        if (t->on_a[k] != t->on_b[k])
            return true;
    }
    return false;
}

/*
 * The window total of day d is S(d) = Σ f(today−30 … today−1) per type, so
 * S(d) − S(d−1) = f(d−1) − f(d−31): it can differ only when some account's
 * contribution changes on a day x in [d−30, d−1], i.e. on d in [x+1, x+30].
 * Walk those candidate days in order and return the first where a type's
 * f(d−1) ≠ f(d−31).
 */
static int32_t adb_change(const struct c360_insights_owners *owners, int32_t today)
{
    int64_t d = (int64_t)today + 1;
    for (;;) {
        struct earliest e = {(int32_t)(d - WINDOW), INT32_MAX};
        each_account(owners, earliest_change, &e);
        if (e.day == INT32_MAX)
            return C360_INSIGHTS_NEVER;
        if ((int64_t)e.day + 1 > d)
            d = (int64_t)e.day + 1; /* nothing changes before its effect begins */
        if (d >= C360_INSIGHTS_NEVER)
            return C360_INSIGHTS_NEVER;
        struct totals t = {.a = (int32_t)(d - 1), .b = (int32_t)(d - 1 - WINDOW)};
        each_account(owners, add_totals, &t);
        if (totals_differ(&t))
            return (int32_t)d;
        d++;
    }
}

/* The daily totals of a profile's accounts of some types from day from
 * to day last (at most ADB_DAYS), for adb_bounds. */
#define ADB_DAYS 400

struct daily {
    uint32_t types;
    int32_t from, last;
    size_t accounts;
    int64_t most; /* the largest magnitude of one account's day */
    /* Totals modulo 2^64: read only when no window sum can exceed int64,
     * so exact then. */
    uint64_t on[ADB_DAYS];
};

static void latest_change(const struct c360_insights_account *acct, void *arg)
{
    struct daily *d = arg;
    if (d->types & C360_INSIGHTS_TYPE(acct->type)) {
        int32_t day = c360_insights_balance_last_change(acct);
        if (day > d->last)
            d->last = day;
    }
}

static void add_days(const struct c360_insights_account *acct, void *arg)
{
    struct daily *d = arg;
    if (!(d->types & C360_INSIGHTS_TYPE(acct->type)))
        return;
    int64_t most = c360_insights_balance_days(acct, d->from, d->last + 1, d->on);
    if (most > d->most)
        d->most = most;
    d->accounts++;
}

bool c360_insights_owners_adb_bounds(const struct c360_insights_owners *owners, int32_t today,
                                     uint32_t types, int64_t *lo, int64_t *hi)
{
    /*
     * The window of day D is D − 30 … D − 1, so the windows after today
     * hold days from today − 29 on. The daily total is constant after the
     * last change day L: walk D from today + 1 to L + 30, sliding the sum.
     */
    if (!c360_insights_day_ok(today))
        return false;
    struct daily d;
    d.types = types;
    d.from = today - (WINDOW - 1);
    d.last = today;
    d.accounts = 0;
    d.most = 0;
    each_account(owners, latest_change, &d);
    size_t n = (size_t)(d.last - d.from) + 1;
    if (n > ADB_DAYS)
        return false;
    memset(d.on, 0, n * sizeof(d.on[0]));
    each_account(owners, add_days, &d);
    /* No per-type window sum saturates, as the evaluation's would; then no
     * window sum exceeds int64 either, and the sums modulo 2^64 below are
     * the exact ones. */
    if ((c360_insights_wide)d.most * (c360_insights_wide)d.accounts * WINDOW > INT64_MAX)
        return false;
    uint64_t sum = 0;
    for (size_t i = 0; i < WINDOW; i++)
        sum += d.on[i];
    int64_t least = (int64_t)sum, most = (int64_t)sum;
    /* Day i enters the window as day i − 30 leaves it; from day n on, every
     * day is day n − 1. */
    for (size_t i = WINDOW; i < n + WINDOW - 1; i++) {
        sum += d.on[i < n ? i : n - 1] - d.on[i - WINDOW];
        if ((int64_t)sum < least)
            least = (int64_t)sum;
        if ((int64_t)sum > most)
            most = (int64_t)sum;
    }
    *lo = least;
    *hi = most;
    return true;
}

bool c360_insights_adb_bounds(const struct c360_insights *ins, const char *const *keys,
                              size_t n_keys, int32_t today, uint32_t types, int64_t *lo,
                              int64_t *hi)
{
    struct c360_insights_owners owners;
    c360_insights_resolve(ins, keys, n_keys, &owners);
    return c360_insights_owners_adb_bounds(&owners, today, types, lo, hi);
}

int32_t c360_insights_owners_next_change(const struct c360_insights_owners *owners, int32_t today,
                                         const struct c360_insights_visit_rule *rules,
                                         size_t n_rules)
{
    if (!c360_insights_day_ok(today))
        return C360_INSIGHTS_NEVER;
    int32_t next = adb_change(owners, today);
    for (size_t r = 0; r < n_rules; r++) {
        int32_t day = visit_rule_change(owners, today, &rules[r]);
        if (day < next)
            next = day;
    }
    return next;
}

int32_t c360_insights_next_change(const struct c360_insights *ins, const char *const *keys,
                                  size_t n_keys, int32_t today,
                                  const struct c360_insights_visit_rule *rules, size_t n_rules)
{
    struct c360_insights_owners owners;
    c360_insights_resolve(ins, keys, n_keys, &owners);
    return c360_insights_owners_next_change(&owners, today, rules, n_rules);
}
