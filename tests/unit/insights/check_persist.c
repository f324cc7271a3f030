/*
 * Suite insights: the state in a store (src/insights/persist.c) — the items
 * a flush hands over, deletes, prunes that hand over only what they change,
 * flushes that fail and are repeated, corrupt values refused, and the
 * property the store exists for: a state restored from its items answers
 * every query, apply and prune as the state that was flushed, and the items
 * flushed bit by bit are those a full flush would give.
 *
 * The store is an in-test map keyed by (database, key), written in
 * transactions as LMDB would be: what a persist hands over is committed, or
 * dropped when the sink failed.
 */
#include "../test_util.h"
#include "check_insights.h"

#include "c360/money.h"
#include "c360/persist.h"
#include "c360/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T TODAY
#define DAY C360_MS_PER_DAY
/* ck_assert_msg without Check's bookkeeping on success (a write per call in
 * fork mode): for the millions of comparisons of the random sequences. */
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

/* --- The store. */

struct item {
    int db;
    char *key;
    size_t key_len;
    uint8_t *val; /* NULL: a delete (pending only) */
    size_t val_len;
};

struct store {
    struct item *items; /* committed */
    size_t n, cap;
    struct item *pending; /* the open transaction */
    size_t n_pending, cap_pending;
    long fail_after; /* puts the sink takes before it fails; < 0: never */
};

static void store_init(struct store *s)
{
    memset(s, 0, sizeof(*s));
    s->fail_after = -1;
}

static void item_free(struct item *it)
{
    free(it->key);
    free(it->val);
}

static struct item item_make(int db, const void *key, size_t key_len, const void *val,
                             size_t val_len)
{
    struct item it = {.db = db, .key = malloc(key_len + 1), .key_len = key_len};
    EXPECT(it.key, "out of memory");
    memcpy(it.key, key, key_len);
    it.key[key_len] = '\0';
    if (val) {
        it.val = malloc(val_len ? val_len : 1);
        EXPECT(it.val, "out of memory");
        memcpy(it.val, val, val_len);
        it.val_len = val_len;
    }
    return it;
}

static void push(struct item **items, size_t *n, size_t *cap, struct item it)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *items = realloc(*items, *cap * sizeof(**items));
        EXPECT(*items, "out of memory");
    }
    (*items)[(*n)++] = it;
}

static long find(const struct item *items, size_t n, int db, const void *key, size_t key_len)
{
    for (size_t k = 0; k < n; k++) {
        if (items[k].db == db && items[k].key_len == key_len &&
            memcmp(items[k].key, key, key_len) == 0)
            return (long)k;
    }
    return -1;
}

static enum c360_err sink_put(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                              const void *val, size_t val_len)
{
    struct store *s = arg;
    if (s->fail_after == 0)
        return C360_ERR_IO;
    if (s->fail_after > 0)
        s->fail_after--;
    /* One persist hands an item once. */
    EXPECT(find(s->pending, s->n_pending, (int)db, key, key_len) < 0, "%.*s handed twice",
           (int)key_len, (const char *)key);
    push(&s->pending, &s->n_pending, &s->cap_pending,
         item_make((int)db, key, key_len, val, val_len));
    return C360_OK;
}

static void store_abort(struct store *s)
{
    for (size_t k = 0; k < s->n_pending; k++)
        item_free(&s->pending[k]);
    s->n_pending = 0;
}

static void store_commit(struct store *s)
{
    for (size_t k = 0; k < s->n_pending; k++) {
        struct item *it = &s->pending[k];
        long at = find(s->items, s->n, it->db, it->key, it->key_len);
        if (!it->val) {
            /* The store is only asked to delete what it holds. */
            EXPECT(at >= 0, "delete of %s, which the store does not hold", it->key);
            item_free(&s->items[at]);
            s->items[at] = s->items[--s->n];
            item_free(it);
        } else if (at >= 0) {
            item_free(&s->items[at]);
            s->items[at] = *it;
        } else {
            push(&s->items, &s->n, &s->cap, *it);
        }
    }
    s->n_pending = 0;
}

static void store_free(struct store *s)
{
    store_abort(s);
    for (size_t k = 0; k < s->n; k++)
        item_free(&s->items[k]);
    free(s->items);
    free(s->pending);
    store_init(s);
}

static void store_copy(struct store *dst, const struct store *src)
{
    store_free(dst);
    for (size_t k = 0; k < src->n; k++) {
        const struct item *it = &src->items[k];
        push(&dst->items, &dst->n, &dst->cap,
             item_make(it->db, it->key, it->key_len, it->val, it->val_len));
    }
}

static const struct item *store_get(const struct store *s, int db, const char *key)
{
    long at = find(s->items, s->n, db, key, strlen(key));
    return at < 0 ? NULL : &s->items[at];
}

static void store_same(const struct store *a, const struct store *b, const char *what)
{
    for (size_t k = 0; k < a->n; k++) {
        const struct item *it = &a->items[k];
        long at = find(b->items, b->n, it->db, it->key, it->key_len);
        EXPECT(at >= 0, "%s: %s only on one side", what, it->key);
        EXPECT(b->items[at].val_len == it->val_len &&
                   memcmp(b->items[at].val, it->val, it->val_len) == 0,
               "%s: %s differs", what, it->key);
    }
    EXPECT(a->n == b->n, "%s: %zu items against %zu", what, a->n, b->n);
}

static struct c360_persist_sink sink_of(struct store *s)
{
    return (struct c360_persist_sink){sink_put, s};
}

/* Persists into s and commits; persisted unless keep (a state never stored). */
static void flush(struct c360_insights *ins, struct store *s, bool keep)
{
    struct c360_persist_sink sink = sink_of(s);
    EXPECT(c360_insights_persist(ins, &sink) == C360_OK, "persist failed");
    store_commit(s);
    if (!keep)
        c360_insights_persisted(ins);
}

/* What one persist hands over, uncommitted, then dropped. */
static size_t handed(const struct c360_insights *ins, struct store *s)
{
    struct c360_persist_sink sink = sink_of(s);
    EXPECT(c360_insights_persist(ins, &sink) == C360_OK, "persist failed");
    size_t n = s->n_pending;
    return n;
}

static bool handed_key(const struct store *s, int db, const char *key, bool deleted)
{
    long at = find(s->pending, s->n_pending, db, key, strlen(key));
    return at >= 0 && (s->pending[at].val == NULL) == deleted;
}

static const struct c360_insights_config config = {.currency = "USD",
                                                   .parties_max = 1000000,
                                                   .accounts_max = 1000000,
                                                   .externals_max = 1000000,
                                                   .visit_days_max = 30};

/* A new state restored from s's items in an order the seed shuffles. */
static struct c360_insights *restored(const struct store *s, const struct c360_insights_config *cfg,
                                      unsigned seed)
{
    struct c360_insights *ins = NULL;
    struct c360_diag diag;
    size_t *order = malloc((s->n + 1) * sizeof(*order));
    EXPECT(order, "out of memory");
    for (size_t k = 0; k < s->n; k++)
        order[k] = k;
    for (size_t k = s->n; k > 1; k--) {
        size_t j = (size_t)rand_r(&seed) % k, t = order[k - 1];
        order[k - 1] = order[j];
        order[j] = t;
    }
    EXPECT(c360_insights_new(cfg, &ins, &diag) == C360_OK, "new");
    for (size_t k = 0; k < s->n; k++) {
        const struct item *it = &s->items[order[k]];
        c360_diag_clear(&diag);
        enum c360_err err = c360_insights_restore(ins, (enum c360_persist_db)it->db, it->key,
                                                  it->key_len, it->val, it->val_len, &diag);
        EXPECT(err == C360_OK, "restore of %s: %s: %s", it->key, diag.where, diag.text);
    }
    c360_diag_clear(&diag);
    EXPECT(c360_insights_restore_end(ins, &diag) == C360_OK, "restore_end: %s", diag.text);
    free(order);
    return ins;
}

/* --- Answers compared. */

static const char *const owners[] = {"P0", "P1", "P2", "P3", "P4"};
static const char *const set_0[] = {"P0", NULL}, *const set_1[] = {"P1", NULL},
                         *const set_2[] = {"P2", NULL}, *const set_3[] = {"P3", NULL},
                         *const set_4[] = {"P4", NULL}, *const set_01[] = {"P0", "P1", NULL},
                         *const set_101[] = {"P1", "P0", "P1", NULL},
                         *const set_all[] = {"P2", "P3", "P4", "P0", "P1", NULL};
static const char *const *const keysets[] = {set_0, set_1,  set_2,   set_3,
                                             set_4, set_01, set_101, set_all};

static const struct c360_insights_visit_rule rules[] = {
    {"real_estate", 20, 30},
    {"real_estate", 0, 0},
    {"savings", 5, 7},
    {"savings", 0, 1},
    {"a", 0, 30},
    {"b", 0, 30},
    {"a", 10, 2},
    {"unknown", 0, 30},
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

static void same_summary(const struct c360_insights_summary *x,
                         const struct c360_insights_summary *y, const char *ctx)
{
    bool same = x->earliest_opened == y->earliest_opened && x->tenure_days == y->tenure_days &&
                x->accounts == y->accounts && x->open == y->open && x->balance == y->balance &&
                x->foreign == y->foreign;
    for (int t = 0; t < C360_INSIGHTS_TYPES; t++)
        same = same && x->open_by_type[t] == y->open_by_type[t] && x->adb_sum[t] == y->adb_sum[t] &&
               x->external_adb[t] == y->external_adb[t];
    EXPECT(same, "%s: summaries differ", ctx);
}

static void same_answers(const struct c360_insights *a, const struct c360_insights *b,
                         int32_t today, const char *ctx)
{
    static const int32_t shifts[] = {-2, 0, 1, 31};
    for (size_t s = 0; s < sizeof(keysets) / sizeof(keysets[0]); s++) {
        const char *const *keys = keysets[s];
        size_t n = fx_count(keys);
        for (size_t d = 0; d < sizeof(shifts) / sizeof(shifts[0]); d++) {
            int32_t day = today + shifts[d];
            struct c360_insights_summary x, y;
            c360_insights_summarize(a, keys, n, day, &x);
            c360_insights_summarize(b, keys, n, day, &y);
            same_summary(&x, &y, ctx);
            uint32_t mm = C360_INSIGHTS_TYPE(C360_ACCOUNT_SAVINGS) |
                          C360_INSIGHTS_TYPE(C360_ACCOUNT_CHECKING) |
                          C360_INSIGHTS_TYPE(C360_ACCOUNT_MONEY_MARKET);
            EXPECT(c360_insights_adb_sum(&x, mm) == c360_insights_adb_sum(&y, mm) &&
                       c360_insights_external_adb(&x, mm) == c360_insights_external_adb(&y, mm),
                   "%s: adb differs", ctx);
            for (size_t r = 0; r < N_RULES; r++)
                EXPECT(c360_insights_qualifying_visit(a, keys, n, day, &rules[r]) ==
                           c360_insights_qualifying_visit(b, keys, n, day, &rules[r]),
                       "%s: qualifying_visit %zu differs on keys %zu, day %+d", ctx, r, s,
                       (int)shifts[d]);
            EXPECT(c360_insights_next_change(a, keys, n, day, rules, N_RULES) ==
                           c360_insights_next_change(b, keys, n, day, rules, N_RULES) &&
                       c360_insights_next_change(a, keys, n, day, NULL, 0) ==
                           c360_insights_next_change(b, keys, n, day, NULL, 0),
                   "%s: next_change differs on keys %zu, day %+d", ctx, s, (int)shifts[d]);
        }
    }
    struct c360_insights_stats x, y;
    c360_insights_stats(a, &x);
    c360_insights_stats(b, &y);
    EXPECT(x.parties == y.parties && x.accounts == y.accounts && x.externals == y.externals &&
               x.visits == y.visits && x.engagements == y.engagements && x.balances == y.balances &&
               x.visits_evicted == y.visits_evicted,
           "%s: stats differ", ctx);
}

/* --- Random sequences. */

struct gen {
    unsigned seed;
    int32_t today;
    struct c360_insights_config cfg;
};

static int rnd(struct gen *g, int n)
{
    return (int)((unsigned)rand_r(&g->seed) % (unsigned)n);
}

static const char *const account_ids[] = {"A0", "A1", "A2", "A3", "A4", "A5"};
static const char *const external_ids[] = {"X0", "X1", "X2", "X3"};
static const char *const session_ids[] = {"S0", "S1", "S2", "S3", "S4", "S5"};
static const char *const engagement_ids[] = {"E0", "E1", "E2", "E3", "E4",  "E5",
                                             "E6", "E7", "E8", "E9", "E10", "E11"};
static const char *const subjects[] = {"real_estate", "savings", "a", "b", NULL};
static const enum c360_account_type types[] = {C360_ACCOUNT_SAVINGS, C360_ACCOUNT_CHECKING,
                                               C360_ACCOUNT_MONEY_MARKET, C360_ACCOUNT_CREDIT_CARD};

/* A random step: a record (*rec, *owner), or a prune (*rec NULL); or false
 * when the step only moved today. */
static bool gen_step(struct gen *g, struct c360_record **rec, const char **owner, bool *prune)
{
    int32_t today = g->today;
    int r = rnd(g, 100);
    *rec = NULL;
    *owner = NULL;
    *prune = false;
    if (r < 8) {
        int k = rnd(g, 15);
        g->today += k == 0 ? 35 : k == 1 ? -1 - rnd(g, 3) : rnd(g, 3);
        return false;
    }
    if (r < 14) {
        *prune = true;
        return true;
    }
    if (r < 48) {
        struct fx_account a = {.id = account_ids[rnd(g, 6)]};
        if (rnd(g, 12) == 0) {
            a.delete = true;
        } else {
            a.party = owners[rnd(g, 5)];
            for (int k = rnd(g, 3); k-- > 0;)
                a.joint[k] = owners[rnd(g, 5)];
            a.type = types[rnd(g, 4)];
            a.status = rnd(g, 5) ? C360_STATUS_OPEN : C360_STATUS_CLOSED;
            if (rnd(g, 10) < 7)
                a.opened = today - rnd(g, 400);
            if (a.opened && rnd(g, 5) == 0)
                a.closed = a.opened + rnd(g, 60);
            if (rnd(g, 4)) {
                a.as_of = START(today - rnd(g, 45) + rnd(g, 4)) + rnd(g, (int)DAY);
                /* Ahead by about the 49 days the block holds from the
                 * window's first day: refused or not by a day. */
                if (rnd(g, 12) == 0)
                    a.as_of = START(today + 12 + rnd(g, 12)) + rnd(g, (int)DAY);
                a.minor = rnd(g, 20) == 0
                              ? (rnd(g, 2) ? C360_MONEY_MAX_MINOR : -C360_MONEY_MAX_MINOR)
                              : rnd(g, 4000000) - 1000000;
                if (rnd(g, 10) == 0)
                    a.currency = "EUR";
            }
        }
        a.at = START(today) + rnd(g, (int)DAY) - rnd(g, 4) * DAY;
        *rec = fx_account_record(&a, today);
        return true;
    }
    if (r < 62) {
        struct fx_external x = {.id = external_ids[rnd(g, 4)]};
        if (rnd(g, 8) == 0) {
            x.delete = true;
        } else {
            x.party = owners[rnd(g, 5)];
            x.type = types[rnd(g, 4)];
            x.status = rnd(g, 5) ? C360_STATUS_OPEN : C360_STATUS_CLOSED;
            x.minor = rnd(g, 20) == 0 ? C360_MONEY_MAX_MINOR : rnd(g, 3000000);
            if (rnd(g, 10) == 0)
                x.currency = "EUR";
            if (rnd(g, 4))
                x.as_of = START(today - rnd(g, 40));
        }
        x.at = START(today) + rnd(g, (int)DAY) - rnd(g, 3) * DAY;
        *rec = fx_external_record(&x, today);
        return true;
    }
    struct fx_web w = {.id = engagement_ids[rnd(g, 12)], .owner = owners[rnd(g, 5)]};
    if (rnd(g, 10) == 0) {
        w.delete = true;
    } else {
        w.session = session_ids[rnd(g, 6)];
        w.subject = subjects[rnd(g, 5)];
        /* Mostly recent; often at the edge of the retention. */
        int back = rnd(g, 4)   ? rnd(g, 3)
                   : rnd(g, 2) ? g->cfg.visit_days_max + rnd(g, 3) - 1
                               : rnd(g, 40);
        w.at = START(today - back) + rnd(g, (int)DAY);
        if (rnd(g, 40) == 0)
            w.at = START(today - 70); /* too old, or a session too long */
        w.seconds = rnd(g, 5) == 0 ? 0 : rnd(g, 1800);
        if (rnd(g, 30) == 0)
            w.seconds = 7 * 24 * 3600;
    }
    *rec = fx_web_record(&w, today);
    *owner = w.owner;
    return true;
}

/* Applies rec to every state: the same error, diagnostic and touched keys. */
static void apply_all(struct c360_insights **states, int n, const struct c360_record *rec,
                      const char *owner, int32_t today, const char *ctx)
{
    struct c360_insights_touched t0, t;
    struct c360_diag d0, d;
    c360_diag_clear(&d0);
    enum c360_err e0 = c360_insights_apply(states[0], rec, owner, today, &t0, &d0);
    for (int k = 1; k < n; k++) {
        c360_diag_clear(&d);
        enum c360_err e = c360_insights_apply(states[k], rec, owner, today, &t, &d);
        EXPECT(e == e0 && strcmp(d.field, d0.field) == 0 && strcmp(d.text, d0.text) == 0,
               "%s: state %d: %s (%s) against %s (%s)", ctx, k, c360_err_str(e), d.text,
               c360_err_str(e0), d0.text);
        EXPECT(t.count == t0.count, "%s: state %d touched %zu keys against %zu", ctx, k, t.count,
               t0.count);
        for (size_t i = 0; i < t.count; i++)
            EXPECT(strcmp(t.keys[i], t0.keys[i]) == 0, "%s: touched %zu: %s against %s", ctx, i,
                   t.keys[i], t0.keys[i]);
    }
}

/* What a flush from nothing gives: every item of a state never stored. */
static void same_as_full(struct c360_insights *never, const struct store *s, const char *ctx)
{
    struct store full;
    store_init(&full);
    flush(never, &full, true);
    store_same(s, &full, ctx);
    store_free(&full);
}

/* A flush that may fail part way (the transaction is then dropped, and the
 * changes wait for the next one); whether it was stored. */
static bool flush_maybe_failing(struct gen *g, struct c360_insights *ins, struct store *s)
{
    struct c360_persist_sink sink = sink_of(s);
    s->fail_after = rnd(g, 4) == 0 ? rnd(g, 6) : -1;
    enum c360_err err = c360_insights_persist(ins, &sink);
    s->fail_after = -1;
    if (err) {
        EXPECT(err == C360_ERR_IO, "persist: %s", c360_err_str(err));
        store_abort(s);
        return false;
    }
    store_commit(s);
    c360_insights_persisted(ins);
    return true;
}

static void run_sequence(unsigned seed)
{
    struct gen g = {.seed = seed};
    char ctx[64];
    memcpy(g.cfg.currency, "USD", 4);
    bool small = rnd(&g, 2);
    g.cfg.parties_max = small ? 4 : 1000000;
    g.cfg.accounts_max = small ? 4 : 1000000;
    g.cfg.externals_max = small ? 2 : 1000000;
    static const int32_t retention[] = {0, 1, 7, 30};
    g.cfg.visit_days_max = retention[rnd(&g, 4)];
    g.today = T - rnd(&g, 40);
    int len = 20 + rnd(&g, 40), restore_at = rnd(&g, len + 1);

    /* a: flushed now and then; never: the same steps, never flushed;
     * back: restored from a's store at restore_at, flushed to its own. */
    struct c360_insights *a, *never, *back = NULL;
    struct store sa, sb;
    store_init(&sa);
    store_init(&sb);
    EXPECT(c360_insights_new(&g.cfg, &a, NULL) == C360_OK, "new");
    EXPECT(c360_insights_new(&g.cfg, &never, NULL) == C360_OK, "new");
    for (int step = 0; step <= len; step++) {
        snprintf(ctx, sizeof(ctx), "seed %u step %d", seed, step);
        if (step == restore_at) {
            flush(a, &sa, false);
            same_as_full(never, &sa, ctx);
            back = restored(&sa, &g.cfg, seed);
            EXPECT(handed(back, &sb) == 0, "%s: a restored state has items to flush", ctx);
            store_abort(&sb);
            store_copy(&sb, &sa);
            same_answers(a, back, g.today, ctx);
        }
        if (step == len)
            break;
        struct c360_insights *states[3] = {a, never, back};
        int n = back ? 3 : 2;
        struct c360_record *rec;
        const char *owner;
        bool prune;
        if (!gen_step(&g, &rec, &owner, &prune))
            continue;
        if (prune) {
            for (int k = 0; k < n; k++)
                c360_insights_prune(states[k], g.today);
        } else {
            apply_all(states, n, rec, owner, g.today, ctx);
            c360_record_destroy(rec);
        }
        if (back)
            same_answers(a, back, g.today, ctx);
        if (rnd(&g, 5) == 0 && flush_maybe_failing(&g, a, &sa))
            same_as_full(never, &sa, ctx);
        if (back && rnd(&g, 5) == 0)
            flush(back, &sb, false);
    }
    snprintf(ctx, sizeof(ctx), "seed %u end", seed);
    flush(a, &sa, false);
    same_as_full(never, &sa, ctx);
    same_answers(a, never, g.today, ctx);
    flush(back, &sb, false);
    same_as_full(never, &sb, ctx);
    c360_insights_destroy(a);
    c360_insights_destroy(never);
    c360_insights_destroy(back);
    store_free(&sa);
    store_free(&sb);
}

#define SEQUENCES_PER_RUN 20
#define RUNS 100 /* 2,000 sequences */

START_TEST(test_c360_insights_restore_answers_as_the_state_it_came_from)
{
    for (int k = 0; k < TEST_CASES(SEQUENCES_PER_RUN); k++)
        run_sequence((unsigned)(_i * SEQUENCES_PER_RUN + k) * 2654435761u + 1u);
}
END_TEST

/* --- A state with something of everything, for the unit cases. */

static struct c360_insights *sample(void)
{
    struct c360_insights *ins = fx_new();
    for (int d = 40; d >= 0; d -= 3)
        fx_account(ins,
                   &(struct fx_account){.id = "A1",
                                        .party = "P1",
                                        .joint = {"P2"},
                                        .type = C360_ACCOUNT_SAVINGS,
                                        .opened = T - 900,
                                        .minor = USD(3100, d),
                                        .as_of = START(T - d) + 3600000},
                   T);
    fx_account(ins,
               &(struct fx_account){.id = "A2",
                                    .party = "P2",
                                    .type = C360_ACCOUNT_CHECKING,
                                    .opened = T - 100,
                                    .closed = T - 5,
                                    .status = C360_STATUS_CLOSED,
                                    .minor = USD(12, 0),
                                    .as_of = START(T - 7)},
               T);
    /* An older event: its balance in euros marks the account, nothing else. */
    fx_account(ins,
               &(struct fx_account){.id = "A2",
                                    .party = "P2",
                                    .minor = 1200,
                                    .currency = "EUR",
                                    .as_of = START(T - 6),
                                    .at = START(T - 10)},
               T);
    fx_external(ins,
                &(struct fx_external){.id = "X1",
                                      .party = "P1",
                                      .type = C360_ACCOUNT_MONEY_MARKET,
                                      .minor = USD(7000, 0),
                                      .as_of = START(T - 2)},
                T);
    for (int k = 0; k < 4; k++) {
        char id[8];
        snprintf(id, sizeof(id), "E%d", k);
        fx_web(ins,
               &(struct fx_web){.id = id,
                                .owner = "P1",
                                .session = k < 3 ? "S1" : "S2",
                                .subject = k % 2 ? "real_estate" : "savings",
                                .at = START(T - 2) + k * 5 * MIN_MS,
                                .seconds = 600},
               T);
    }
    return ins;
}

START_TEST(test_c360_insights_persist_hands_every_item)
{
    struct c360_insights *ins = sample();
    struct store s;
    store_init(&s);
    flush(ins, &s, false);
    ck_assert_ptr_nonnull(store_get(&s, C360_DB_INSIGHTS, "a:A1"));
    ck_assert_ptr_nonnull(store_get(&s, C360_DB_INSIGHTS, "a:A2"));
    ck_assert_ptr_nonnull(store_get(&s, C360_DB_INSIGHTS, "x:X1"));
    ck_assert_ptr_nonnull(store_get(&s, C360_DB_INSIGHTS, "p:P1"));
    ck_assert_ptr_nonnull(store_get(&s, C360_DB_INSIGHTS, "s:savings"));
    ck_assert_ptr_nonnull(store_get(&s, C360_DB_INSIGHTS, "s:real_estate"));
    ck_assert_ptr_nonnull(store_get(&s, C360_DB_META, "insights"));
    /* P2 only owns accounts: rebuilt from them, no item of its own. */
    ck_assert_ptr_null(store_get(&s, C360_DB_INSIGHTS, "p:P2"));
    ck_assert_uint_eq(s.n, 7);
    /* Values open with the format version. */
    for (size_t k = 0; k < s.n; k++)
        ck_assert_uint_eq(s.items[k].val[0], C360_PERSIST_VERSION);
    /* Forgotten once stored. */
    ck_assert_uint_eq(handed(ins, &s), 0);
    store_free(&s);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_persist_may_be_called_again)
{
    struct c360_insights *ins = sample();
    struct c360_persist_sink sink;
    struct store s, full;
    store_init(&s);
    store_init(&full);
    flush(ins, &full, true); /* not forgotten: persist changes nothing */
    for (long k = 0; k < 7; k++) {
        s.fail_after = k;
        sink = sink_of(&s);
        ck_assert_int_eq(c360_insights_persist(ins, &sink), C360_ERR_IO);
        ck_assert_uint_eq(s.n_pending, (size_t)k);
        store_abort(&s);
    }
    s.fail_after = -1;
    flush(ins, &s, false);
    store_same(&s, &full, "after failed flushes");
    /* A NULL sink stores nothing and takes everything. */
    ck_assert_int_eq(c360_insights_persist(ins, NULL), C360_OK);
    store_free(&s);
    store_free(&full);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_persisted_deletes_only_what_was_stored)
{
    struct c360_insights *ins = sample();
    struct store s;
    store_init(&s);
    flush(ins, &s, false);
    /* Stored, then deleted: deleted. */
    fx_account(ins, &(struct fx_account){.id = "A2", .delete = true}, T);
    ck_assert_uint_eq(handed(ins, &s), 1);
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "a:A2", true));
    store_abort(&s);
    /* Made and deleted between two flushes: nothing about it. */
    fx_account(ins, &(struct fx_account){.id = "A9", .party = "P9"}, T);
    fx_account(ins, &(struct fx_account){.id = "A9", .delete = true}, T);
    fx_account(ins, &(struct fx_account){.id = "A1", .party = "P1", .delete = true}, T);
    fx_account(ins, &(struct fx_account){.id = "A1", .party = "P3", .minor = 5, .as_of = START(T)},
               T);
    /* Deleted and made again: one put. */
    ck_assert_uint_eq(handed(ins, &s), 2);
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "a:A2", true));
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "a:A1", false));
    store_commit(&s);
    c360_insights_persisted(ins);
    /* Visits gone: the owner key's item goes, its account stays. */
    fx_web(ins, &(struct fx_web){.id = "E3", .owner = "P1", .delete = true}, T);
    ck_assert_uint_eq(handed(ins, &s), 1);
    store_commit(&s);
    c360_insights_persisted(ins);
    for (int k = 0; k < 3; k++) {
        char id[8];
        snprintf(id, sizeof(id), "E%d", k);
        fx_web(ins, &(struct fx_web){.id = id, .owner = "P1", .delete = true}, T);
    }
    fx_external(ins, &(struct fx_external){.id = "X1", .delete = true}, T);
    ck_assert_uint_eq(handed(ins, &s), 2);
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "p:P1", true));
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "x:X1", true));
    store_commit(&s);
    c360_insights_persisted(ins);
    struct c360_insights *back = restored(&s, &config, 1);
    same_answers(ins, back, T, "deleted");
    store_free(&s);
    c360_insights_destroy(back);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_prune_marks_only_what_it_changes)
{
    struct c360_insights *ins = sample();
    fx_account(ins, &(struct fx_account){.id = "A3", .party = "P3", .opened = T - 10}, T);
    struct store s;
    store_init(&s);
    flush(ins, &s, false);
    /* The same day: nothing changes. */
    c360_insights_prune(ins, T);
    ck_assert_uint_eq(handed(ins, &s), 0);
    /* A1 holds T−28, T−25 … T−1 (every third day), A2 T−7, A3 nothing. A
     * day on, the window starts at T−29: nothing folds, only bases move,
     * which no answer reads. The watermark moved. */
    c360_insights_prune(ins, T + 1);
    ck_assert_uint_eq(handed(ins, &s), 1);
    ck_assert(handed_key(&s, C360_DB_META, "insights", false));
    store_commit(&s);
    c360_insights_persisted(ins);
    /* At T+3 the window starts at T−27: A1's T−28 folds into "before". */
    c360_insights_prune(ins, T + 3);
    ck_assert_uint_eq(handed(ins, &s), 2);
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "a:A1", false));
    store_commit(&s);
    c360_insights_persisted(ins);
    /* Past the retention: the visits go, and with them P1's item; A2's day
     * folds; A3 still has nothing to fold. */
    c360_insights_prune(ins, T + 40);
    ck_assert_uint_eq(handed(ins, &s), 4);
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "p:P1", true));
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "a:A1", false));
    ck_assert(handed_key(&s, C360_DB_INSIGHTS, "a:A2", false));
    store_commit(&s);
    c360_insights_persisted(ins);
    struct c360_insights *back = restored(&s, &config, 2);
    same_answers(ins, back, T + 40, "pruned");
    same_answers(ins, back, T + 10, "pruned, asked of an earlier day");
    store_free(&s);
    c360_insights_destroy(back);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_restore_round_trips)
{
    struct c360_insights *ins = sample();
    struct store s, sb;
    store_init(&s);
    store_init(&sb);
    flush(ins, &s, false);
    for (unsigned seed = 1; seed <= 5; seed++) {
        struct c360_insights *back = restored(&s, &config, seed);
        same_answers(ins, back, T, "restored");
        ck_assert_uint_eq(handed(back, &sb), 0); /* nothing left to flush */
        store_abort(&sb);
        c360_insights_destroy(back);
    }
    /* And on from there alike: the same answers, the same items. */
    struct c360_insights *back = restored(&s, &config, 6);
    store_copy(&sb, &s);
    struct fx_account more = {.id = "A1",
                              .party = "P2",
                              .joint = {"P1", "P3"},
                              .minor = USD(5, 0),
                              .as_of = START(T + 1) + 5,
                              .at = START(T + 1)};
    struct fx_web page = {.id = "E9",
                          .owner = "P1",
                          .session = "S1",
                          .subject = "real_estate",
                          .at = START(T - 2) + 20 * MIN_MS,
                          .seconds = 3000};
    fx_account(ins, &more, T + 1);
    fx_account(back, &more, T + 1);
    fx_web(ins, &page, T + 1);
    fx_web(back, &page, T + 1);
    c360_insights_prune(ins, T + 2);
    c360_insights_prune(back, T + 2);
    same_answers(ins, back, T + 2, "restored, then on");
    flush(ins, &s, false);
    flush(back, &sb, false);
    store_same(&s, &sb, "restored, then on");
    store_free(&s);
    store_free(&sb);
    c360_insights_destroy(back);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_restore_end_settles_the_window)
{
    /* A1 holds T−5 and T−2, the window starts at T−30. Restored, the days
     * between must still be days of the window, not "before" it: T−10 and
     * then T−8 each decide their own end of day, and a balance 49 days past
     * the window's start is refused as before. */
    struct c360_insights *ins = fx_new();
    for (int d = 5; d >= 2; d -= 3)
        fx_account(ins,
                   &(struct fx_account){
                       .id = "A1", .party = "P1", .minor = USD(d, 0), .as_of = START(T - d)},
                   T);
    struct store s;
    store_init(&s);
    flush(ins, &s, false);
    struct c360_insights *back = restored(&s, &config, 5);
    struct c360_insights *both[2] = {ins, back};
    for (int k = 0; k < 2; k++) {
        fx_account(both[k],
                   &(struct fx_account){
                       .id = "A1", .party = "P1", .minor = USD(10, 0), .as_of = START(T - 10)},
                   T);
        fx_account(both[k],
                   &(struct fx_account){
                       .id = "A1", .party = "P1", .minor = USD(8, 0), .as_of = START(T - 8)},
                   T);
    }
    same_answers(ins, back, T, "window settled");
    struct fx_account ahead = {
        .id = "A1", .party = "P1", .minor = 1, .as_of = START(T + 20) + 5 * 3600000};
    ck_assert_int_eq(fx_account_try(ins, &ahead, T), C360_ERR_LIMIT);
    ck_assert_int_eq(fx_account_try(back, &ahead, T), C360_ERR_LIMIT);
    store_free(&s);
    c360_insights_destroy(back);
    c360_insights_destroy(ins);
}
END_TEST

/* The store of sample(), and a copy of one of its items to spoil. */
static void spoil_setup(struct store *s, struct c360_insights **ins)
{
    *ins = sample();
    store_init(s);
    flush(*ins, s, false);
}

/* Restores every item of s into a new state, item k from val instead. */
static enum c360_err restore_with(const struct store *s, size_t k, const void *val, size_t len,
                                  struct c360_diag *diag, const struct c360_insights_config *cfg)
{
    struct c360_insights *ins = NULL;
    enum c360_err err = C360_OK;
    ck_assert_int_eq(c360_insights_new(cfg, &ins, NULL), C360_OK);
    for (size_t j = 0; j < s->n && !err; j++) {
        const struct item *it = &s->items[j];
        c360_diag_clear(diag);
        err = c360_insights_restore(ins, (enum c360_persist_db)it->db, it->key, it->key_len,
                                    j == k ? val : it->val, j == k ? len : it->val_len, diag);
    }
    if (!err)
        err = c360_insights_restore_end(ins, diag);
    c360_insights_destroy(ins);
    return err;
}

START_TEST(test_c360_insights_restore_refuses_truncated_and_other_versions)
{
    struct c360_insights *ins;
    struct store s;
    struct c360_diag diag;
    spoil_setup(&s, &ins);
    for (size_t k = 0; k < s.n; k++) {
        const struct item *it = &s.items[k];
        uint8_t *val = malloc(it->val_len + 1);
        ck_assert_ptr_nonnull(val);
        memcpy(val, it->val, it->val_len);
        ck_assert_int_eq(restore_with(&s, k, val, it->val_len, &diag, &config), C360_OK);
        /* Every prefix lacks something. */
        for (size_t len = 0; len < it->val_len; len++) {
            ck_assert_msg(restore_with(&s, k, val, len, &diag, &config) == C360_ERR_INVALID,
                          "%s cut to %zu bytes", it->key, len);
            ck_assert_msg(diag.text[0], "no diagnostic");
        }
        /* A byte too many. */
        val[it->val_len] = 0;
        ck_assert_int_eq(restore_with(&s, k, val, it->val_len + 1, &diag, &config),
                         C360_ERR_INVALID);
        ck_assert_str_eq(diag.where, it->key);
        /* Another format version. */
        val[0] = C360_PERSIST_VERSION + 1;
        ck_assert_int_eq(restore_with(&s, k, val, it->val_len, &diag, &config), C360_ERR_INVALID);
        ck_assert_ptr_nonnull(strstr(diag.text, "version"));
        free(val);
    }
    store_free(&s);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_restore_survives_spoilt_bytes)
{
    /* Whatever a spoilt value says, restoring it fails cleanly or gives a
     * state that answers (sanitizers watch the reads). */
    struct c360_insights *ins;
    struct store s;
    struct c360_diag diag;
    unsigned seed = 99;
    spoil_setup(&s, &ins);
    for (size_t k = 0; k < s.n; k++) {
        const struct item *it = &s.items[k];
        uint8_t *val = malloc(it->val_len);
        ck_assert_ptr_nonnull(val);
        for (int round = 0; round < 300; round++) {
            memcpy(val, it->val, it->val_len);
            for (int f = 1 + rand_r(&seed) % 3; f-- > 0;) {
                size_t at = 1 + (size_t)rand_r(&seed) % (it->val_len > 1 ? it->val_len - 1 : 1);
                if (at < it->val_len)
                    val[at] = (uint8_t)rand_r(&seed);
            }
            enum c360_err err = restore_with(&s, k, val, it->val_len, &diag, &config);
            ck_assert_msg(err == C360_OK || err == C360_ERR_INVALID || err == C360_ERR_LIMIT,
                          "%s: %s", it->key, c360_err_str(err));
        }
        free(val);
    }
    store_free(&s);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_restore_refuses_what_is_not_its_own)
{
    struct c360_insights *ins = NULL;
    struct c360_diag diag;
    static const uint8_t empty[] = {C360_PERSIST_VERSION};
    ck_assert_int_eq(c360_insights_new(&config, &ins, NULL), C360_OK);
    static const char *const bad[] = {"q:x", "a:", "a", "", "ax1", "s:"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        ck_assert_int_eq(c360_insights_restore(ins, C360_DB_INSIGHTS, bad[k], strlen(bad[k]), empty,
                                               sizeof(empty), &diag),
                         C360_ERR_INVALID);
    ck_assert_int_eq(
        c360_insights_restore(ins, C360_DB_INSIGHTS, "s:a\0b", 5, empty, sizeof(empty), &diag),
        C360_ERR_INVALID);
    ck_assert_int_eq(
        c360_insights_restore(ins, C360_DB_IDENTITY, "s:a", 3, empty, sizeof(empty), &diag),
        C360_ERR_INVALID);
    /* Another module's meta item is not read. */
    ck_assert_int_eq(
        c360_insights_restore(ins, C360_DB_META, "identity", 8, empty, sizeof(empty), &diag),
        C360_OK);
    ck_assert_int_eq(c360_insights_restore_end(ins, &diag), C360_OK);
    c360_insights_destroy(ins);

    /* Another currency or retention. */
    struct store s;
    spoil_setup(&s, &ins);
    struct c360_insights_config eur = config;
    memcpy(eur.currency, "EUR", 4);
    const struct item *meta = store_get(&s, C360_DB_META, "insights");
    size_t k = (size_t)(meta - s.items);
    ck_assert_int_eq(restore_with(&s, k, meta->val, meta->val_len, &diag, &eur), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "currency");
    struct c360_insights_config week = config;
    week.visit_days_max = 7;
    ck_assert_int_eq(restore_with(&s, k, meta->val, meta->val_len, &diag, &week), C360_ERR_INVALID);
    /* Caps smaller than what was stored. */
    struct c360_insights_config few = config;
    few.accounts_max = 1;
    ck_assert_int_eq(restore_with(&s, k, meta->val, meta->val_len, &diag, &few), C360_ERR_LIMIT);
    /* An item twice. */
    c360_insights_destroy(ins);
    ck_assert_int_eq(c360_insights_new(&config, &ins, NULL), C360_OK);
    const struct item *a1 = store_get(&s, C360_DB_INSIGHTS, "a:A1");
    ck_assert_int_eq(c360_insights_restore(ins, C360_DB_INSIGHTS, a1->key, a1->key_len, a1->val,
                                           a1->val_len, &diag),
                     C360_OK);
    ck_assert_int_eq(c360_insights_restore(ins, C360_DB_INSIGHTS, a1->key, a1->key_len, a1->val,
                                           a1->val_len, &diag),
                     C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "twice"));
    c360_insights_destroy(ins);
    store_free(&s);
}
END_TEST

/* Restores s without the item of key into a new state: restore_end's answer. */
static enum c360_err restore_without(const struct store *s, const char *key, struct c360_diag *diag)
{
    struct c360_insights *ins = NULL;
    ck_assert_int_eq(c360_insights_new(&config, &ins, NULL), C360_OK);
    for (size_t j = 0; j < s->n; j++) {
        const struct item *it = &s->items[j];
        if (strcmp(it->key, key) != 0)
            ck_assert_int_eq(c360_insights_restore(ins, (enum c360_persist_db)it->db, it->key,
                                                   it->key_len, it->val, it->val_len, diag),
                             C360_OK);
    }
    enum c360_err err = c360_insights_restore_end(ins, diag);
    c360_insights_destroy(ins);
    return err;
}

START_TEST(test_c360_insights_restore_end_checks_the_items_agree)
{
    struct c360_insights *ins;
    struct store s;
    struct c360_diag diag;
    spoil_setup(&s, &ins);
    ck_assert_int_eq(restore_without(&s, "nothing", &diag), C360_OK);
    ck_assert_int_eq(restore_without(&s, "insights", &diag), C360_ERR_INVALID);
    ck_assert_int_eq(restore_without(&s, "s:real_estate", &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "real_estate"));
    ck_assert_int_eq(restore_without(&s, "a:A1", &diag), C360_OK);

    /* An account whose observation "before" the days it holds is inside
     * the window: no state stores that. */
    struct c360_persist_writer w;
    const void *val;
    size_t len;
    c360_persist_writer_init(&w, 1 << 16);
    c360_persist_str(&w, "P1");
    c360_persist_u64(&w, 0);                    /* joint owners */
    c360_persist_i64(&w, START(T));             /* occurredAt */
    c360_persist_u64(&w, C360_ACCOUNT_SAVINGS); /* type */
    c360_persist_u64(&w, C360_STATUS_OPEN);     /* status */
    c360_persist_i64(&w, C360_DATE_NONE);       /* opened */
    c360_persist_i64(&w, C360_DATE_NONE);       /* closed */
    c360_persist_bool(&w, false);               /* foreign */
    c360_persist_bool(&w, true);                /* before: */
    c360_persist_i64(&w, START(T - 3));         /*   at */
    c360_persist_i64(&w, 100);                  /*   minor */
    c360_persist_u64(&w, 0);                    /* days */
    ck_assert_int_eq(c360_persist_value(&w, &val, &len), C360_OK);
    const struct item *a1 = store_get(&s, C360_DB_INSIGHTS, "a:A1");
    ck_assert_int_eq(restore_with(&s, (size_t)(a1 - s.items), val, len, &diag, &config),
                     C360_ERR_INVALID);
    ck_assert_str_eq(diag.where, "a:A1");
    c360_persist_writer_free(&w);
    store_free(&s);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_restore_keeps_the_subject_cap)
{
    /* Every subject ever interned counts against the cap, those of
     * engagements long gone too: a restored state must refuse the next new
     * subject exactly when the flushed one does. */
    struct c360_insights *ins = fx_new();
    for (int k = 0; k < C360_INSIGHTS_SUBJECTS_MAX; k++) {
        char subject[16];
        snprintf(subject, sizeof(subject), "subject-%d", k);
        fx_web(ins,
               &(struct fx_web){.id = "E1",
                                .owner = "P1",
                                .session = "S1",
                                .subject = subject,
                                .at = START(T),
                                .seconds = 60},
               T);
    }
    fx_web(ins, &(struct fx_web){.id = "E1", .owner = "P1", .delete = true}, T);
    struct store s;
    store_init(&s);
    flush(ins, &s, false);
    ck_assert_uint_eq(s.n, C360_INSIGHTS_SUBJECTS_MAX + 1); /* and the meta item */
    struct c360_insights *back = restored(&s, &config, 3);
    struct fx_web fresh = {
        .id = "E2", .owner = "P1", .session = "S2", .subject = "new", .at = START(T)};
    struct fx_web known = {
        .id = "E2", .owner = "P1", .session = "S2", .subject = "subject-7", .at = START(T)};
    ck_assert_int_eq(fx_web_try(ins, &fresh, T), C360_ERR_LIMIT);
    ck_assert_int_eq(fx_web_try(back, &fresh, T), C360_ERR_LIMIT);
    ck_assert_int_eq(fx_web_try(ins, &known, T), C360_OK);
    ck_assert_int_eq(fx_web_try(back, &known, T), C360_OK);
    same_answers(ins, back, T, "subjects");
    store_free(&s);
    c360_insights_destroy(back);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_restore_evicts_the_same_visit)
{
    /* 64 visits, two of them stalest at the same instant, held in either
     * order: the 65th evicts the same one, in a restored state too. */
    struct c360_insights *one = fx_new(), *two = fx_new();
    for (int k = 0; k < C360_INSIGHTS_VISITS_MAX - 2; k++) {
        char id[16];
        snprintf(id, sizeof(id), "S%d", k);
        struct fx_web w = {.id = id,
                           .owner = "P1",
                           .session = id,
                           .subject = "savings",
                           .at = START(T - 2) + k * MIN_MS,
                           .seconds = 60};
        fx_web(one, &w, T);
        fx_web(two, &w, T);
    }
    struct fx_web x = {
        .id = "X", .owner = "P1", .session = "SX", .subject = "a", .at = START(T - 3)};
    struct fx_web y = {
        .id = "Y", .owner = "P1", .session = "SY", .subject = "b", .at = START(T - 3)};
    fx_web(one, &x, T);
    fx_web(one, &y, T);
    fx_web(two, &y, T);
    fx_web(two, &x, T);
    struct store s;
    store_init(&s);
    flush(two, &s, false);
    struct c360_insights *back = restored(&s, &config, 4);
    struct fx_web z = {.id = "Z", .owner = "P1", .session = "SZ", .at = START(T)};
    fx_web(one, &z, T);
    fx_web(two, &z, T);
    fx_web(back, &z, T);
    static const char *const p1[] = {"P1", NULL};
    struct c360_insights_visit_rule ra = {"a", -1, 30}, rb = {"b", -1, 30};
    bool a_left = c360_insights_qualifying_visit(one, p1, 1, T, &ra);
    ck_assert(a_left != c360_insights_qualifying_visit(one, p1, 1, T, &rb));
    ck_assert(c360_insights_qualifying_visit(two, p1, 1, T, &ra) == a_left);
    ck_assert(c360_insights_qualifying_visit(back, p1, 1, T, &ra) == a_left);
    same_answers(one, two, T, "evicted");
    same_answers(one, back, T, "evicted");
    /* The count of evictions is kept too. */
    flush(two, &s, false);
    struct c360_insights *later = restored(&s, &config, 5);
    struct c360_insights_stats st;
    c360_insights_stats(later, &st);
    ck_assert_uint_eq(st.visits_evicted, 1);
    same_answers(two, later, T, "evicted, restored");
    c360_insights_destroy(later);
    store_free(&s);
    c360_insights_destroy(one);
    c360_insights_destroy(two);
    c360_insights_destroy(back);
}
END_TEST

void c360_check_persist_add(Suite *s)
{
    TCase *tc = tcase_create("c360_insights_persist");
    tcase_add_test(tc, test_c360_insights_persist_hands_every_item);
    tcase_add_test(tc, test_c360_insights_persist_may_be_called_again);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_persisted");
    tcase_add_test(tc, test_c360_insights_persisted_deletes_only_what_was_stored);
    tcase_add_test(tc, test_c360_insights_prune_marks_only_what_it_changes);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_restore");
    tcase_add_test(tc, test_c360_insights_restore_round_trips);
    tcase_add_test(tc, test_c360_insights_restore_refuses_truncated_and_other_versions);
    tcase_add_test(tc, test_c360_insights_restore_survives_spoilt_bytes);
    tcase_add_test(tc, test_c360_insights_restore_refuses_what_is_not_its_own);
    tcase_add_test(tc, test_c360_insights_restore_keeps_the_subject_cap);
    tcase_add_test(tc, test_c360_insights_restore_evicts_the_same_visit);
    tcase_add_loop_test(tc, test_c360_insights_restore_answers_as_the_state_it_came_from, 0, RUNS);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_restore_end");
    tcase_add_test(tc, test_c360_insights_restore_end_checks_the_items_agree);
    tcase_add_test(tc, test_c360_insights_restore_end_settles_the_window);
    suite_add_tcase(s, tc);
}
