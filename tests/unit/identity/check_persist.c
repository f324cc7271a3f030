/*
 * Suite identity: the persistence of the identity graph
 * (src/identity/persist.c) — what a persist hands on and when, restores that
 * round-trip, corrupt or partial stores refused, and the property: a graph
 * restored from what it flushed into a store (at random points, through
 * transactions that sometimes fail) does exactly what the graph that never
 * stopped does, and the store holds what a persist from nothing would write.
 */
#include "../test_util.h"
#include "c360/identity.h"
#include "c360/persist.h"

#include "check_identity.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- An in-memory store: items by (database, key), as LMDB holds them. */

struct item {
    enum c360_persist_db db;
    char *key;
    size_t key_len;
    unsigned char *val; /* NULL: a delete (in a transaction's list) */
    size_t val_len;
};

struct store {
    struct item *v;
    size_t n, cap;
};

static void *copy_of(const void *p, size_t n)
{
    void *c = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

static void store_append(struct store *st, enum c360_persist_db db, const void *key, size_t key_len,
                         const void *val, size_t val_len)
{
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 32;
        st->v = realloc(st->v, st->cap * sizeof(*st->v));
        ck_assert_ptr_nonnull(st->v);
    }
    st->v[st->n++] = (struct item){db, copy_of(key, key_len), key_len,
                                   val ? copy_of(val, val_len) : NULL, val_len};
}

static struct item *store_find(struct store *st, enum c360_persist_db db, const void *key,
                               size_t key_len)
{
    for (size_t i = 0; i < st->n; i++) {
        struct item *it = &st->v[i];
        if (it->db == db && it->key_len == key_len && memcmp(it->key, key, key_len) == 0)
            return it;
    }
    return NULL;
}

/* Puts (val non-NULL) or deletes an item. */
static void store_set(struct store *st, enum c360_persist_db db, const void *key, size_t key_len,
                      const void *val, size_t val_len)
{
    struct item *it = store_find(st, db, key, key_len);
    if (it) {
        free(it->key);
        free(it->val);
        *it = st->v[--st->n];
    }
    if (val)
        store_append(st, db, key, key_len, val, val_len);
}

static void store_clear(struct store *st)
{
    for (size_t i = 0; i < st->n; i++) {
        free(st->v[i].key);
        free(st->v[i].val);
    }
    st->n = 0;
}

static void store_free(struct store *st)
{
    store_clear(st);
    free(st->v);
    memset(st, 0, sizeof(*st));
}

static void store_copy(const struct store *from, struct store *to)
{
    store_clear(to);
    for (size_t i = 0; i < from->n; i++) {
        const struct item *it = &from->v[i];
        store_append(to, it->db, it->key, it->key_len, it->val, it->val_len);
    }
}

/* Whether a and b hold the same items, byte for byte; why (else) names one. */
static bool store_equal(struct store *a, struct store *b, char *why, size_t size)
{
    struct store *sides[2][2] = {{a, b}, {b, a}};
    for (int s = 0; s < 2; s++) {
        struct store *x = sides[s][0], *y = sides[s][1];
        for (size_t i = 0; i < x->n; i++) {
            const struct item *it = &x->v[i];
            const struct item *other = store_find(y, it->db, it->key, it->key_len);
            if (!other || other->val_len != it->val_len ||
                memcmp(other->val, it->val, it->val_len) != 0) {
                snprintf(why, size, "%s item %.*s: %s", c360_persist_db_name(it->db),
                         (int)it->key_len, it->key,
                         !other ? (s ? "only in the second" : "only in the first")
                                : "values differ");
                return false;
            }
        }
    }
    return true;
}

/* A store transaction: puts are listed, and kept only on commit. The put
 * numbered fail_at (from 1; 0: none) fails, as a full map or a lost disk. */
struct txn {
    struct store ops;
    size_t puts, fail_at;
};

static enum c360_err txn_put(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                             const void *val, size_t val_len)
{
    struct txn *t = arg;
    if (++t->puts == t->fail_at)
        return C360_ERR_IO;
    ck_assert(key_len > 0);
    store_append(&t->ops, db, key, key_len, val, val_len);
    return C360_OK;
}

static void txn_commit(struct txn *t, struct store *st)
{
    for (size_t i = 0; i < t->ops.n; i++) {
        const struct item *it = &t->ops.v[i];
        store_set(st, it->db, it->key, it->key_len, it->val, it->val_len);
    }
    store_free(&t->ops);
}

/* Flushes g into st as the engine would: a transaction that may fail (and
 * is then tried again, nothing of it kept), then persisted. */
static void flush(struct c360_identity *g, struct store *st, unsigned *seed)
{
    for (;;) {
        struct txn t = {.fail_at = rand_r(seed) % 3 == 0 ? 1 + (size_t)rand_r(seed) % 6 : 0};
        struct c360_persist_sink sink = {txn_put, &t};
        enum c360_err err = c360_identity_persist(g, &sink);
        if (err == C360_OK) {
            txn_commit(&t, st);
            break;
        }
        ck_assert_int_eq(err, C360_ERR_IO);
        store_free(&t.ops);
    }
    c360_identity_persisted(g);
}

/* Everything a graph that was never persisted hands on: its whole state. */
static void persist_all(const struct c360_identity *g, struct store *st)
{
    struct txn t = {0};
    struct c360_persist_sink sink = {txn_put, &t};
    store_clear(st);
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_OK);
    txn_commit(&t, st);
}

/* A graph restored from st, its items handed over in a random order. */
static enum c360_err restore(const struct c360_identity_config *cfg, struct store *st,
                             unsigned *seed, struct c360_identity **out, struct c360_diag *diag)
{
    struct c360_identity *g;
    enum c360_err err = C360_OK;
    size_t *order = malloc((st->n ? st->n : 1) * sizeof(*order));
    ck_assert_ptr_nonnull(order);
    ck_assert_int_eq(c360_identity_new(cfg, &g), C360_OK);
    for (size_t i = 0; i < st->n; i++)
        order[i] = i;
    for (size_t i = st->n; i > 1; i--) {
        size_t j = (size_t)rand_r(seed) % i, t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    c360_diag_clear(diag);
    for (size_t i = 0; i < st->n && !err; i++) {
        const struct item *it = &st->v[order[i]];
        err = c360_identity_restore(g, it->db, it->key, it->key_len, it->val, it->val_len, diag);
    }
    if (!err)
        err = c360_identity_restore_end(g, diag);
    free(order);
    if (err) {
        c360_identity_destroy(g);
        g = NULL;
    }
    *out = g;
    return err;
}

/* --- What a graph says, as text, to compare two graphs. */

struct text {
    char s[262144];
    size_t n;
};

static void text_add(struct text *t, const char *fmt, ...) C360_PRINTF(2, 3);
static void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < sizeof(t->s) - t->n);
    t->n += (size_t)n;
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

static void events_text(const struct c360_identity_changes *ch, struct text *t)
{
    static const char *const kinds[] = {"LINK", "MERGE", "SPLIT", "UNLINK"};
    for (size_t i = 0; i < ch->count; i++) {
        const struct c360_identity_event *ev = &ch->events[i];
        text_add(t, "%s key=%s into=%llu from=%llu rule=%s ids=", kinds[ev->kind],
                 or_dash(ev->record_key), (unsigned long long)ev->into,
                 (unsigned long long)ev->from, or_dash(ev->rule));
        for (size_t k = 0; k < ev->n_ids; k++)
            text_add(t, "%llu,", (unsigned long long)ev->ids[k]);
        text_add(t, "\n");
    }
}

static void on_record_text(const char *key, void *arg)
{
    text_add(arg, " r:%s", key);
}

static void on_edge_text(const struct c360_identity_edge *e, void *arg)
{
    text_add(arg, " e:%s-%s/%s/%s", e->a, e->b, e->rule, e->matched);
}

/* Everything the graph answers about every key: profile, link, explain,
 * the profile's records in order, and the counts. */
static void graph_text(const struct c360_identity *g, struct text *t)
{
    t->n = 0;
    t->s[0] = '\0';
    for (int k = 0; k < C360_CHECK_KEYS; k++) {
        const char *key = c360_check_graph_key(k);
        uint64_t id;
        struct c360_identity_link link;
        if (!c360_identity_profile_of(g, key, &id)) {
            ck_assert(!c360_identity_link_of(g, key, &link));
            continue;
        }
        text_add(t, "%s id=%llu first=%s records:", key, (unsigned long long)id,
                 c360_identity_record_of_profile(g, id));
        c360_identity_profile_records(g, id, on_record_text, t);
        ck_assert(c360_identity_link_of(g, key, &link));
        text_add(t, "\n link=%s with=%s", or_dash(link.rule), or_dash(link.matched_with));
        for (size_t i = 0; i < link.n_parts; i++)
            text_add(t, " [%s %s %s %.6f]", link.parts[i].field, link.parts[i].value,
                     or_dash(link.parts[i].other_value), link.parts[i].score);
        if (strcmp(c360_identity_record_of_profile(g, id), key) == 0) {
            text_add(t, "\n explain:"); /* once per profile */
            ck_assert(c360_identity_explain(g, key, on_record_text, on_edge_text, t));
        }
        text_add(t, "\n");
    }
    text_add(t, "count=%zu capped=%zu\n", c360_identity_count(g), c360_identity_capped_keys(g));
}

static void assert_same_graph(const struct c360_identity *a, const struct c360_identity *b,
                              const char *when)
{
    static struct text ta, tb;
    graph_text(a, &ta);
    graph_text(b, &tb);
    ck_assert_msg(strcmp(ta.s, tb.s) == 0, "%s: the graphs differ:\n%s\n--- restored:\n%s", when,
                  ta.s, tb.s);
}

/* --- Small graphs by hand. */

static struct c360_identity *graph(size_t postings_max, size_t cluster_max)
{
    struct c360_identity *g;
    struct c360_identity_config cfg = c360_check_graph_config(postings_max, cluster_max);
    ck_assert_int_eq(c360_identity_new(&cfg, &g), C360_OK);
    return g;
}

static void upsert(struct c360_identity *g, const char *key, const char *first, const char *email,
                   const char *gp)
{
    struct c360_identity_input in = {
        .key = key, .first_name = first, .global_party_id = gp, .birth_date = C360_DATE_NONE};
    struct c360_identity_changes ch;
    if (email)
        in.emails[in.n_emails++] = email;
    ck_assert_int_eq(c360_identity_upsert(g, &in, &ch), C360_OK);
}

static void delete (struct c360_identity *g, const char *key)
{
    struct c360_identity_changes ch;
    ck_assert_int_eq(c360_identity_delete(g, key, &ch), C360_OK);
}

/* A graph with a bit of everything: merges, a split, a capped key, a
 * nameless record attached by email, a cluster held by exact rules. */
static struct c360_identity *sample(void)
{
    struct c360_identity *g = graph(3, 4);
    upsert(g, "fsc:1", "ana", "ana@x.org", "GP-1");
    upsert(g, "web:1", NULL, "ana@x.org", NULL);
    upsert(g, "edw:1", "ana", NULL, "GP-1");
    upsert(g, "m:1", "bo", "bo@x.org", NULL);
    upsert(g, "m:2", "bob", "bo@x.org", NULL);
    upsert(g, "m:3", "robert", "bo@x.org", NULL);
    for (int i = 0; i < 4; i++) { /* four share a junk email: capped */
        char key[8];
        snprintf(key, sizeof(key), "j:%d", i);
        upsert(g, key, "al", "none@x.org", NULL);
    }
    upsert(g, "s:1", "cy", "cy@x.org", NULL);
    upsert(g, "s:2", "cy", "cy@x.org", NULL);
    upsert(g, "s:2", "cy", "other@x.org", NULL); /* split */
    delete (g, "m:3");
    upsert(g, "lone:1", "zed", NULL, NULL); /* in no blocking key */
    return g;
}

static size_t count_db(const struct store *st, enum c360_persist_db db)
{
    size_t n = 0;
    for (size_t i = 0; i < st->n; i++)
        n += st->v[i].db == db;
    return n;
}

START_TEST(test_c360_identity_persist_hands_everything_then_only_changes)
{
    struct c360_identity *g = sample();
    struct store st = {0};
    struct txn t = {0};
    struct c360_persist_sink sink = {txn_put, &t};
    /* Never persisted: every item. */
    persist_all(g, &st);
    ck_assert_uint_eq(count_db(&st, C360_DB_IDENTITY), c360_identity_count(g));
    ck_assert_uint_eq(count_db(&st, C360_DB_META), 1);
    ck_assert_ptr_nonnull(store_find(&st, C360_DB_META, "identity", 8));
    ck_assert_ptr_nonnull(store_find(&st, C360_DB_BLOCKING, "2|none@x.org", 12));
    ck_assert_ptr_null(store_find(&st, C360_DB_IDENTITY, "m:3", 3)); /* deleted */
    c360_identity_persisted(g);
    /* Nothing changed: nothing to hand on. */
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_OK);
    ck_assert_uint_eq(t.ops.n, 0);
    /* A new record joining one: the two records, the email's key, the counters. */
    upsert(g, "s:3", "cy", "other@x.org", NULL);
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_OK);
    ck_assert_uint_eq(t.ops.n, 4);
    ck_assert_ptr_nonnull(store_find(&t.ops, C360_DB_IDENTITY, "s:3", 3));
    ck_assert_ptr_nonnull(store_find(&t.ops, C360_DB_IDENTITY, "s:2", 3));
    ck_assert_ptr_nonnull(store_find(&t.ops, C360_DB_BLOCKING, "2|other@x.org", 13));
    ck_assert_ptr_nonnull(store_find(&t.ops, C360_DB_META, "identity", 8));
    /* Not persisted yet: a second persist hands the same again. */
    store_free(&t.ops);
    t.puts = 0;
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_OK);
    ck_assert_uint_eq(t.ops.n, 4);
    txn_commit(&t, &st);
    c360_identity_persisted(g);
    /* A delete: the record's item and its key's (its last record) go. */
    t.puts = 0;
    delete (g, "s:1");
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_OK);
    const struct item *gone = store_find(&t.ops, C360_DB_IDENTITY, "s:1", 3);
    ck_assert_ptr_nonnull(gone);
    ck_assert_ptr_null(gone->val);
    gone = store_find(&t.ops, C360_DB_BLOCKING, "2|cy@x.org", 10);
    ck_assert_ptr_nonnull(gone);
    ck_assert_ptr_null(gone->val);
    txn_commit(&t, &st);
    c360_identity_persisted(g);
    /* What the store holds now is the whole graph. */
    struct store all = {0};
    struct c360_identity *r;
    struct c360_diag diag;
    char why[256];
    unsigned seed = 7;
    struct c360_identity_config cfg = c360_check_graph_config(3, 4);
    ck_assert_int_eq(restore(&cfg, &st, &seed, &r, &diag), C360_OK);
    persist_all(r, &all); /* restored graphs track: nothing */
    ck_assert_uint_eq(all.n, 0);
    struct c360_identity *fresh = sample();
    upsert(fresh, "s:3", "cy", "other@x.org", NULL);
    delete (fresh, "s:1");
    persist_all(fresh, &all);
    ck_assert_msg(store_equal(&st, &all, why, sizeof(why)), "%s", why);
    assert_same_graph(g, r, "restored");
    c360_identity_destroy(fresh);
    c360_identity_destroy(r);
    c360_identity_destroy(g);
    store_free(&st);
    store_free(&all);
}
END_TEST

START_TEST(test_c360_identity_persist_marks_only_what_a_change_touches)
{
    struct c360_identity *g = graph(50, 100);
    char key[16], email[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "a:%d", i);
        snprintf(email, sizeof(email), "p%d@x.org", i / 2); /* pairs */
        upsert(g, key, "kim", email, NULL);
    }
    c360_identity_persisted(g); /* as if stored */
    struct txn t = {0};
    struct c360_persist_sink sink = {txn_put, &t};
    upsert(g, "b:1", "kim", "p7@x.org", NULL); /* joins a:14 and a:15 */
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_OK);
    ck_assert_uint_eq(count_db(&t.ops, C360_DB_IDENTITY), 3);
    ck_assert_uint_eq(count_db(&t.ops, C360_DB_BLOCKING), 1);
    ck_assert_uint_eq(count_db(&t.ops, C360_DB_META), 1);
    store_free(&t.ops);
    c360_identity_persisted(g);
    /* A merge rewrites the absorbed profile's records: their id changed. */
    upsert(g, "b:2", "kim", "p8@x.org", NULL);
    upsert(g, "b:2", "kim", "p8@x.org", NULL); /* the same again: the record only */
    c360_identity_persisted(g);
    struct c360_identity_input in = {
        .key = "b:3", .first_name = "kim", .birth_date = C360_DATE_NONE, .n_emails = 2};
    in.emails[0] = "p7@x.org";
    in.emails[1] = "p8@x.org";
    struct c360_identity_changes ch;
    ck_assert_int_eq(c360_identity_upsert(g, &in, &ch), C360_OK);
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_OK);
    ck_assert_uint_eq(count_db(&t.ops, C360_DB_IDENTITY), 7); /* b:3 and both profiles */
    ck_assert_uint_eq(count_db(&t.ops, C360_DB_BLOCKING), 2);
    store_free(&t.ops);
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_persist_caps_the_deletes_it_keeps)
{
    struct c360_identity_config cfg = c360_check_graph_config(50, 100);
    struct c360_identity *g;
    cfg.records_max = 2;
    ck_assert_int_eq(c360_identity_new(&cfg, &g), C360_OK);
    c360_identity_persisted(g);
    upsert(g, "a:1", "x", NULL, NULL);
    upsert(g, "a:2", "x", NULL, NULL);
    delete (g, "a:1");
    delete (g, "a:2");
    upsert(g, "a:3", "x", NULL, NULL);
    delete (g, "a:3"); /* a third deleted key between two persisted */
    struct txn t = {0};
    struct c360_persist_sink sink = {txn_put, &t};
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_ERR_LIMIT);
    store_free(&t.ops);
    c360_identity_destroy(g);
    /* Never persisted, the graph keeps nothing, and never fails so. */
    ck_assert_int_eq(c360_identity_new(&cfg, &g), C360_OK);
    for (int i = 0; i < 10; i++) {
        upsert(g, "a:1", "x", NULL, NULL);
        delete (g, "a:1");
    }
    ck_assert_int_eq(c360_identity_persist(g, &sink), C360_OK);
    ck_assert_uint_eq(t.ops.n, 1); /* the counters */
    store_free(&t.ops);
    c360_identity_destroy(g);
}
END_TEST

/* The graph's store, and a graph restored from it, for the checks below. */
static void sample_store(struct store *st)
{
    struct c360_identity *g = sample();
    persist_all(g, st);
    c360_identity_destroy(g);
}

START_TEST(test_c360_identity_restore_round_trips)
{
    struct store st = {0}, again = {0};
    struct c360_identity *g = sample(), *r;
    struct c360_identity_config cfg = c360_check_graph_config(3, 4);
    struct c360_diag diag;
    unsigned seed = 3;
    char why[256];
    persist_all(g, &st);
    ck_assert_int_eq(restore(&cfg, &st, &seed, &r, &diag), C360_OK);
    assert_same_graph(g, r, "restored");
    ck_assert_uint_eq(c360_identity_capped_keys(r), 1);
    /* The same changes on both: the same events, the same items. */
    const char *steps[][4] = {{"m:3", "robert", "bo@x.org", NULL},
                              {"j:9", "al", "none@x.org", NULL},
                              {"web:2", NULL, "ana@x.org", "GP-2"},
                              {"fsc:1", NULL, NULL, NULL},
                              {"n:1", "cy", "cy@x.org", "GP-1"}};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct c360_identity_input in = {.key = steps[i][0],
                                         .first_name = steps[i][1],
                                         .global_party_id = steps[i][3],
                                         .birth_date = C360_DATE_NONE};
        if (steps[i][2])
            in.emails[in.n_emails++] = steps[i][2];
        static struct text ta, tb;
        struct c360_identity_changes ca, cb;
        ta.n = tb.n = 0;
        ta.s[0] = tb.s[0] = '\0';
        ck_assert_int_eq(c360_identity_upsert(g, &in, &ca), C360_OK);
        events_text(&ca, &ta);
        ck_assert_int_eq(c360_identity_upsert(r, &in, &cb), C360_OK);
        events_text(&cb, &tb);
        ck_assert_str_eq(ta.s, tb.s);
    }
    assert_same_graph(g, r, "after the same changes");
    c360_identity_persisted(g);
    c360_identity_persisted(r);
    delete (g, "m:1");
    delete (r, "m:1");
    assert_same_graph(g, r, "after a delete");
    persist_all(g, &st); /* tracked now: only the changes */
    persist_all(r, &again);
    ck_assert_msg(store_equal(&st, &again, why, sizeof(why)), "%s", why);
    ck_assert_uint_gt(st.n, 0);
    c360_identity_destroy(g);
    c360_identity_destroy(r);
    /* An empty store gives an empty graph. */
    store_clear(&st);
    ck_assert_int_eq(restore(&cfg, &st, &seed, &r, &diag), C360_OK);
    ck_assert_uint_eq(c360_identity_count(r), 0);
    c360_identity_destroy(r);
    store_free(&st);
    store_free(&again);
}
END_TEST

/* Restores st with item i's value replaced by val (NULL: item i left out). */
static enum c360_err restore_with(struct store *st, size_t i, const void *val, size_t len,
                                  struct c360_diag *diag)
{
    struct store copy = {0};
    struct c360_identity_config cfg = c360_check_graph_config(3, 4);
    struct c360_identity *r;
    unsigned seed = (unsigned)i + 1;
    store_copy(st, &copy);
    if (val) {
        free(copy.v[i].val);
        copy.v[i].val = copy_of(val, len);
        copy.v[i].val_len = len;
    } else {
        store_set(&copy, copy.v[i].db, st->v[i].key, st->v[i].key_len, NULL, 0);
    }
    enum c360_err err = restore(&cfg, &copy, &seed, &r, diag);
    if (!err) {
        /* Accepted: it must still work. */
        upsert(r, "m:3", "robert", "bo@x.org", NULL);
        upsert(r, "j:9", "al", "none@x.org", NULL);
        delete (r, "fsc:1");
        c360_identity_destroy(r);
    }
    store_free(&copy);
    return err;
}

START_TEST(test_c360_identity_restore_refuses_truncated_values)
{
    struct store st = {0};
    struct c360_diag diag;
    sample_store(&st);
    for (size_t i = 0; i < st.n; i++) {
        for (size_t len = 0; len < st.v[i].val_len; len++) {
            ck_assert_msg(restore_with(&st, i, st.v[i].val, len, &diag) == C360_ERR_INVALID,
                          "%.*s cut to %zu bytes was taken", (int)st.v[i].key_len, st.v[i].key,
                          len);
            ck_assert(diag.text[0]);
        }
        /* A byte too many. */
        unsigned char *longer = malloc(st.v[i].val_len + 1);
        ck_assert_ptr_nonnull(longer);
        memcpy(longer, st.v[i].val, st.v[i].val_len);
        longer[st.v[i].val_len] = 0;
        ck_assert_int_eq(restore_with(&st, i, longer, st.v[i].val_len + 1, &diag),
                         C360_ERR_INVALID);
        ck_assert_ptr_nonnull(strstr(diag.text, "left over"));
        free(longer);
    }
    store_free(&st);
}
END_TEST

START_TEST(test_c360_identity_restore_refuses_another_version)
{
    struct store st = {0};
    struct c360_diag diag;
    sample_store(&st);
    for (size_t i = 0; i < st.n; i++) {
        unsigned char *val = copy_of(st.v[i].val, st.v[i].val_len);
        val[0] = C360_PERSIST_VERSION + 1;
        ck_assert_int_eq(restore_with(&st, i, val, st.v[i].val_len, &diag), C360_ERR_INVALID);
        ck_assert_ptr_nonnull(strstr(diag.text, "format version"));
        free(val);
    }
    store_free(&st);
}
END_TEST

START_TEST(test_c360_identity_restore_refuses_random_damage)
{
    /* Any byte of any item changed: refused, or taken and still working
     * (a name can change into another), never a crash (run under asan). */
    struct store st = {0};
    struct c360_diag diag;
    unsigned seed = 11;
    size_t refused = 0;
    sample_store(&st);
    for (int round = 0; round < 3000; round++) {
        size_t i = (size_t)rand_r(&seed) % st.n;
        unsigned char *val = copy_of(st.v[i].val, st.v[i].val_len);
        int flips = 1 + rand_r(&seed) % 3;
        for (int f = 0; f < flips; f++)
            val[1 + (size_t)rand_r(&seed) % (st.v[i].val_len - 1)] ^=
                (unsigned char)(1 + rand_r(&seed) % 255);
        enum c360_err err = restore_with(&st, i, val, st.v[i].val_len, &diag);
        ck_assert(err == C360_OK || err == C360_ERR_INVALID || err == C360_ERR_LIMIT);
        refused += err != C360_OK;
        free(val);
    }
    ck_assert_uint_gt(refused, 1500);
    store_free(&st);
}
END_TEST

START_TEST(test_c360_identity_restore_refuses_another_configuration)
{
    struct store st = {0};
    struct c360_identity_config cfg = c360_check_graph_config(3, 4);
    struct c360_identity *r;
    struct c360_diag diag;
    unsigned seed = 5;
    sample_store(&st);
    cfg.rules[2].threshold = 0.9;
    ck_assert_int_eq(restore(&cfg, &st, &seed, &r, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "another configuration"));
    cfg = c360_check_graph_config(4, 4);
    ck_assert_int_eq(restore(&cfg, &st, &seed, &r, &diag), C360_ERR_INVALID);
    store_free(&st);
}
END_TEST

START_TEST(test_c360_identity_restore_takes_only_identity_items)
{
    struct c360_identity *g = graph(3, 4);
    struct c360_diag diag;
    /* Another module's counters: not ours, ignored. */
    ck_assert_int_eq(c360_identity_restore(g, C360_DB_META, "insights", 8, "\1", 1, &diag),
                     C360_OK);
    ck_assert_int_eq(c360_identity_restore(g, C360_DB_TIMERS, "t", 1, "\1", 1, &diag),
                     C360_ERR_INVALID);
    ck_assert_int_eq(c360_identity_restore(g, C360_DB_IDENTITY, "a:1", 3, NULL, 0, &diag),
                     C360_ERR_INVALID);
    c360_identity_destroy(g);
    /* Not into a graph that holds records. */
    g = graph(3, 4);
    upsert(g, "a:1", "x", NULL, NULL);
    ck_assert_int_eq(c360_identity_restore(g, C360_DB_META, "identity", 8, "\1", 1, &diag),
                     C360_ERR_INVALID);
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_restore_end_refuses_missing_items)
{
    struct store st = {0};
    struct c360_diag diag;
    sample_store(&st);
    /* A record others have edges to, or list in a blocking key. */
    size_t i = (size_t)(store_find(&st, C360_DB_IDENTITY, "m:2", 3) - st.v);
    ck_assert_int_eq(restore_with(&st, i, NULL, 0, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "m:2");
    ck_assert_ptr_nonnull(strstr(diag.text, "not stored"));
    /* A record nothing names: the counters miss it. */
    i = (size_t)(store_find(&st, C360_DB_IDENTITY, "lone:1", 6) - st.v);
    ck_assert_int_eq(restore_with(&st, i, NULL, 0, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "missing"));
    /* A blocking key. */
    i = (size_t)(store_find(&st, C360_DB_BLOCKING, "2|bo@x.org", 10) - st.v);
    ck_assert_int_eq(restore_with(&st, i, NULL, 0, &diag), C360_ERR_INVALID);
    /* The counters. */
    i = (size_t)(store_find(&st, C360_DB_META, "identity", 8) - st.v);
    ck_assert_int_eq(restore_with(&st, i, NULL, 0, &diag), C360_ERR_INVALID);
    /* Every item alone, the others left out: refused unless it is all there is. */
    for (i = 0; i < st.n; i++) {
        struct store one = {0};
        struct c360_identity *r;
        struct c360_identity_config cfg = c360_check_graph_config(3, 4);
        unsigned seed = 1;
        store_append(&one, st.v[i].db, st.v[i].key, st.v[i].key_len, st.v[i].val, st.v[i].val_len);
        ck_assert_int_eq(restore(&cfg, &one, &seed, &r, &diag), C360_ERR_INVALID);
        store_free(&one);
    }
    store_free(&st);
}
END_TEST

/* --- The property: restored = never stopped. */

#define PERSIST_OPS 40

/* Values the rules would never see, or see twice: an empty one, one too
 * long for a blocking key, one with the key's separator, one of the pools
 * (a record's two values giving one key), and non-ASCII. */
static void add_junk(struct c360_identity_input *in, unsigned *seed)
{
    static char long_value[1200];
    static const char *junk[] = {"", long_value, "j|unk@x.org", "a@x.org", "ü@x.org", "null"};
    if (!long_value[0])
        memset(long_value, 'x', sizeof(long_value) - 1);
    int n = rand_r(seed) % 5 == 0 ? 1 + rand_r(seed) % 3 : 0;
    for (int i = 0; i < n && in->n_emails < C360_IDENTITY_VALUES_MAX; i++)
        in->emails[in->n_emails++] = junk[(size_t)rand_r(seed) % (sizeof(junk) / sizeof(*junk))];
    if (rand_r(seed) % 10 == 0 && in->n_phones < C360_IDENTITY_VALUES_MAX)
        in->phones[in->n_phones++] = long_value;
}

struct op {
    bool del;
    struct c360_identity_input in;
};

static void apply(struct c360_identity *g, const struct op *op, struct text *t)
{
    struct c360_identity_changes ch;
    t->n = 0;
    t->s[0] = '\0';
    if (op->del)
        ck_assert_int_eq(c360_identity_delete(g, op->in.key, &ch), C360_OK);
    else
        ck_assert_int_eq(c360_identity_upsert(g, &op->in, &ch), C360_OK);
    events_text(&ch, t);
}

/* The store holds exactly what a persist from nothing writes. */
static void assert_complete(const struct c360_identity *never_persisted, struct store *st,
                            unsigned seed_value, int op)
{
    static struct store all;
    char why[256];
    persist_all(never_persisted, &all);
    ck_assert_msg(store_equal(st, &all, why, sizeof(why)),
                  "seed %u, op %d: the flushed store misses a change: %s", seed_value, op, why);
}

START_TEST(test_c360_identity_restore_behaves_as_the_graph_never_stopped)
{
    static struct text logged[PERSIST_OPS], now;
    /* _i seeds one batch of sequences; the loop test runs 10 batches. */
    for (int sequence = 0; sequence < TEST_CASES(250); sequence++) {
        unsigned seed_value = (unsigned)(_i * 250 + sequence + 1), *seed = &seed_value;
        unsigned first_seed = seed_value;
        struct c360_identity_config cfg =
            c360_check_graph_config(2 + (size_t)rand_r(seed) % 4, 2 + (size_t)rand_r(seed) % 6);
        cfg.rules[2].attach_nameless = sequence % 2;
        struct c360_identity *g, *shadow, *r = NULL;
        struct store st = {0}, st_r = {0};
        struct op ops[PERSIST_OPS];
        bool present[C360_CHECK_KEYS] = {false};
        char why[256];
        ck_assert_int_eq(c360_identity_new(&cfg, &g), C360_OK);
        ck_assert_int_eq(c360_identity_new(&cfg, &shadow), C360_OK);
        for (int i = 0; i < PERSIST_OPS; i++) {
            int k = rand_r(seed) % C360_CHECK_KEYS;
            ops[i].del = present[k] && rand_r(seed) % 4 == 0;
            if (ops[i].del) {
                ops[i].in = (struct c360_identity_input){.key = c360_check_graph_key(k)};
            } else {
                c360_check_graph_random(k, seed, &ops[i].in);
                add_junk(&ops[i].in, seed);
            }
            present[k] = !ops[i].del;
        }
        int crash = rand_r(seed) % (PERSIST_OPS + 1), flushed = 0;
        for (int i = 0; i <= PERSIST_OPS; i++) {
            if (i == crash) {
                /* Restart from the store, and replay what came after it. */
                struct c360_diag diag;
                ck_assert_msg(restore(&cfg, &st, seed, &r, &diag) == C360_OK,
                              "seed %u: restore failed: %s", first_seed, diag.text);
                store_copy(&st, &st_r);
                for (int j = flushed; j < i; j++) {
                    apply(r, &ops[j], &now);
                    ck_assert_msg(strcmp(now.s, logged[j].s) == 0,
                                  "seed %u, replay of op %d: events differ:\n%s--- restored:\n%s",
                                  first_seed, j, logged[j].s, now.s);
                }
                assert_same_graph(g, r, "after the replay");
            }
            if (i == PERSIST_OPS)
                break;
            apply(g, &ops[i], &logged[i]);
            apply(shadow, &ops[i], &now);
            ck_assert_str_eq(now.s, logged[i].s); /* tracking changes nothing */
            if (r) {
                apply(r, &ops[i], &now);
                ck_assert_msg(strcmp(now.s, logged[i].s) == 0,
                              "seed %u, op %d: events differ:\n%s--- restored:\n%s", first_seed, i,
                              logged[i].s, now.s);
            }
            if (rand_r(seed) % 4 == 0) {
                flush(g, &st, seed);
                flushed = i + 1;
                assert_complete(shadow, &st, first_seed, i);
                if (r) {
                    flush(r, &st_r, seed);
                    ck_assert_msg(store_equal(&st, &st_r, why, sizeof(why)),
                                  "seed %u, op %d: the stores differ: %s", first_seed, i, why);
                }
            }
        }
        assert_same_graph(g, r, "at the end");
        flush(g, &st, seed);
        flush(r, &st_r, seed);
        assert_complete(shadow, &st, first_seed, PERSIST_OPS);
        ck_assert_msg(store_equal(&st, &st_r, why, sizeof(why)),
                      "seed %u: the stores differ at the end: %s", first_seed, why);
        c360_identity_destroy(g);
        c360_identity_destroy(shadow);
        c360_identity_destroy(r);
        store_free(&st);
        store_free(&st_r);
    }
}
END_TEST

void c360_check_persist_add(Suite *s)
{
    TCase *tc = tcase_create("c360_identity_persist");
    tcase_add_test(tc, test_c360_identity_persist_hands_everything_then_only_changes);
    tcase_add_test(tc, test_c360_identity_persist_marks_only_what_a_change_touches);
    tcase_add_test(tc, test_c360_identity_persist_caps_the_deletes_it_keeps);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_identity_restore");
    tcase_add_test(tc, test_c360_identity_restore_round_trips);
    tcase_add_test(tc, test_c360_identity_restore_refuses_truncated_values);
    tcase_add_test(tc, test_c360_identity_restore_refuses_another_version);
    tcase_add_test(tc, test_c360_identity_restore_refuses_random_damage);
    tcase_add_test(tc, test_c360_identity_restore_refuses_another_configuration);
    tcase_add_test(tc, test_c360_identity_restore_takes_only_identity_items);
    tcase_add_loop_test(tc, test_c360_identity_restore_behaves_as_the_graph_never_stopped, 0, 10);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_identity_restore_end");
    tcase_add_test(tc, test_c360_identity_restore_end_refuses_missing_items);
    suite_add_tcase(s, tc);
}
