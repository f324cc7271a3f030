/*
 * Suite engine: the state handed to the store and taken back
 * (src/engine/persist.c, with the identity graph's and the insights' items).
 *
 * The property: for random streams of people, accounts with balances,
 * external accounts and web visits, an engine that persists after random
 * batches into a store (an in-test map that applies puts and deletes as the
 * LMDB store would), and is replaced at a random point by an engine
 * restored from that store, emits exactly the bytes — eventIds included —
 * that an engine never interrupted emits. The store after the incremental
 * writes also holds exactly what one engine persisting everything from the
 * start would write, so no change goes unnoted.
 */
#include "../test_util.h"
#include "c360/codec.h"
#include "c360/engine.h"
#include "c360/segment.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_MAX 400
#define STORE_MAX 20000

Suite *c360_test_suite(void);

/* --- The store: sorted (db, key) → value. */

struct item {
    int db;
    char *key, *val;
    size_t key_len, val_len;
};

struct store {
    struct item *items;
    size_t n;
};

static int item_cmp(int db, const void *key, size_t key_len, const struct item *it)
{
    if (db != it->db)
        return db < it->db ? -1 : 1;
    size_t n = key_len < it->key_len ? key_len : it->key_len;
    int c = memcmp(key, it->key, n);
    return c ? c : key_len < it->key_len ? -1 : key_len > it->key_len;
}

static enum c360_err store_put(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                               const void *val, size_t val_len)
{
    struct store *st = arg;
    size_t lo = 0, hi = st->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (item_cmp((int)db, key, key_len, &st->items[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool found = lo < st->n && item_cmp((int)db, key, key_len, &st->items[lo]) == 0;
    if (!val) {
        if (found) {
            free(st->items[lo].key);
            free(st->items[lo].val);
            memmove(&st->items[lo], &st->items[lo + 1], (st->n - lo - 1) * sizeof(*st->items));
            st->n--;
        }
        return C360_OK;
    }
    if (!found) {
        ck_assert_uint_lt(st->n, STORE_MAX);
        memmove(&st->items[lo + 1], &st->items[lo], (st->n - lo) * sizeof(*st->items));
        st->n++;
        st->items[lo] = (struct item){(int)db, malloc(key_len), NULL, key_len, 0};
        memcpy(st->items[lo].key, key, key_len);
    }
    free(st->items[lo].val);
    st->items[lo].val = malloc(val_len);
    memcpy(st->items[lo].val, val, val_len);
    st->items[lo].val_len = val_len;
    return C360_OK;
}

static void store_init(struct store *st)
{
    st->items = calloc(STORE_MAX, sizeof(*st->items));
    st->n = 0;
}

static void store_free(struct store *st)
{
    for (size_t i = 0; i < st->n; i++) {
        free(st->items[i].key);
        free(st->items[i].val);
    }
    free(st->items);
}

static bool store_equal(const struct store *a, const struct store *b, char *why, size_t size)
{
    for (size_t i = 0, j = 0; i < a->n || j < b->n;) {
        const struct item *x = i < a->n ? &a->items[i] : NULL, *y = j < b->n ? &b->items[j] : NULL;
        int c = !x ? 1 : !y ? -1 : item_cmp(x->db, x->key, x->key_len, y);
        if (c || x->val_len != y->val_len || memcmp(x->val, y->val, x->val_len) != 0) {
            const struct item *it = c > 0 ? y : x;
            snprintf(why, size, "%s %s:%.*s",
                     c < 0   ? "only incremental has"
                     : c > 0 ? "only full has"
                             : "values differ at",
                     c360_persist_db_name(it->db), (int)it->key_len, it->key);
            return false;
        }
        i++, j++;
    }
    return true;
}

/* --- Engines. */

struct world {
    struct c360_identity_rules *rules;
    struct c360_segment_set *segments;
    struct c360_record *rec;
    char *stream[STREAM_MAX];
    enum c360_entity entity[STREAM_MAX];
    size_t n;
};

static struct c360_engine *engine_new(const struct world *w)
{
    struct c360_engine_config cfg = {
        .rules = w->rules, .segments = w->segments, .clock = C360_CLOCK_EVENT, .currency = "USD"};
    struct c360_engine *eng;
    ck_assert_int_eq(c360_engine_new(&cfg, &eng), C360_OK);
    return eng;
}

/* A growing text: doubling, as realloc by small steps copies the whole text
 * every time under AddressSanitizer. */
struct text {
    char *p;
    size_t len, cap;
};

/* Applies record i; appends its outputs to out (one "topic key value" line each). */
static void apply(struct world *w, struct c360_engine *eng, size_t i, struct text *out)
{
    struct c360_diag diag;
    struct c360_engine_outputs outs;
    c360_diag_clear(&diag);
    c360_record_reset(w->rec, w->entity[i]);
    ck_assert_msg(c360_codec_json_decode(w->stream[i], strlen(w->stream[i]), w->rec, &diag) ==
                      C360_OK,
                  "%s: %s: %s", w->stream[i], diag.field, diag.text);
    struct c360_engine_position pos = {"test", 0, (int64_t)i, 0};
    (void)!c360_engine_apply(eng, w->rec, &pos, 0, &outs, &diag); /* refusals emit too */
    for (size_t k = 0; k < outs.count; k++) {
        const struct c360_engine_output *o = &outs.items[k];
        size_t need = o->key_len + o->value_len + 64;
        if (out->len + need > out->cap) {
            out->cap = out->cap ? out->cap : 4096;
            while (out->len + need > out->cap)
                out->cap *= 2;
            ck_assert_ptr_nonnull(out->p = realloc(out->p, out->cap));
        }
        out->len +=
            (size_t)snprintf(out->p + out->len, need, "%s %.*s %.*s\n",
                             c360_engine_topic_id(o->topic), (int)o->key_len, o->key,
                             (int)(o->value ? o->value_len : 4), o->value ? o->value : "null");
    }
}

static enum c360_err restore_one(struct c360_engine *eng, const struct item *it)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_engine_restore(eng, (enum c360_persist_db)it->db, it->key, it->key_len,
                                            it->val, it->val_len, &diag);
    ck_assert_msg(err == C360_OK, "restore %s: %s", c360_persist_db_name(it->db), diag.text);
    return err;
}

/* --- Random streams. */

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static const char *const firsts[] = {"Jane", "Janie", "John", "Ana", "Ann", "Robert", "Bob"};
static const char *const types[] = {"SAVINGS", "CHECKING", "MONEY_MARKET"};
static const char *const subjects[] = {"real_estate", "credit_cards", "savings"};

/* Day d of November 2026 onwards, as an ISO date (d may pass the month). */
static void day_text(int d, char *buf, size_t size)
{
    int month = 11, year = 2026;
    if (d > 30) {
        d -= 30, month = 12;
        if (d > 31)
            d -= 31, month = 1, year = 2027;
    }
    snprintf(buf, size, "%04d-%02d-%02d", year, month, d);
}

static void world_make(struct world *w, unsigned seed)
{
    char json[2048], day[16], day2[16];
    w->n = 0;
    for (size_t i = 0; i < STREAM_MAX; i++) {
        unsigned r = rnd(&seed) % 100, p = rnd(&seed) % 12, gp = p % 8;
        int d = 1 + (int)(i * 45 / STREAM_MAX) + (int)(rnd(&seed) % 3);
        day_text(d, day, sizeof(day));
        if (r < 25) { /* a person, maybe edited or deleted */
            bool del = rnd(&seed) % 10 == 0;
            snprintf(json, sizeof(json),
                     "{\"eventId\":\"e%zu\",\"changeType\":\"%s\",\"occurredAt\":\"%sT09:00:00Z\","
                     "\"source\":{\"system\":\"%s\",\"recordId\":\"p%u\"},"
                     "\"globalPartyId\":\"GP-%u\",\"firstName\":\"%s\",\"lastName\":\"Doe%u\","
                     "\"emails\":[\"%s%u@example.com\"],\"phones\":[\"+1415555%04u\"],"
                     "\"fscAccountId\":\"001%u\"}",
                     i, del ? "DELETE" : "UPSERT", day, p % 2 ? "fsc" : "edw", p, gp,
                     firsts[rnd(&seed) % 7], gp % 5, "x", gp % 6, gp % 7, p);
            w->entity[w->n] = C360_ENTITY_INDIVIDUAL;
        } else if (r < 75) { /* a balance, sometimes late, sometimes closing */
            unsigned acct = rnd(&seed) % 10;
            int as_of = d - (int)(rnd(&seed) % 5);
            day_text(as_of < 1 ? 1 : as_of, day2, sizeof(day2));
            snprintf(json, sizeof(json),
                     "{\"eventId\":\"e%zu\",\"changeType\":\"%s\",\"occurredAt\":\"%sT10:00:00Z\","
                     "\"source\":{\"system\":\"snowflake\",\"recordId\":\"A%u\"},"
                     "\"globalPartyId\":\"GP-%u\",\"globalAccountId\":\"A%u\","
                     "\"jointOwnerIds\":[%s],\"accountType\":\"%s\",\"status\":\"%s\","
                     "\"balance\":{\"amount\":\"%u.%02u\",\"currency\":\"USD\"},"
                     "\"balanceAsOf\":\"%sT12:00:00Z\",\"openedDate\":\"%s\"}",
                     i, rnd(&seed) % 40 == 0 ? "DELETE" : "UPSERT", day, acct, acct % 8, acct,
                     acct == 3 ? "\"GP-5\"" : "", types[acct % 3],
                     rnd(&seed) % 15 == 0 ? "CLOSED" : "OPEN", 2000 + rnd(&seed) % 12000,
                     rnd(&seed) % 100, day2, acct % 2 ? "2020-01-01" : "2025-11-20");
            w->entity[w->n] = C360_ENTITY_FINANCIAL_ACCOUNT;
        } else if (r < 85) { /* an external account */
            snprintf(
                json, sizeof(json),
                "{\"eventId\":\"e%zu\",\"changeType\":\"UPSERT\",\"occurredAt\":\"%sT11:00:00Z\","
                "\"source\":{\"system\":\"s3\",\"recordId\":\"X%u\"},"
                "\"globalPartyId\":\"GP-%u\",\"externalAccountId\":\"X%u\","
                "\"accountType\":\"%s\",\"status\":\"OPEN\",\"averageDailyBalance\":"
                "{\"amount\":\"%u.00\",\"currency\":\"USD\"},\"asOf\":\"%sT00:00:00Z\"}",
                i, day, gp, gp, gp, types[gp % 3], 1000 + rnd(&seed) % 20000, day);
            w->entity[w->n] = C360_ENTITY_EXTERNAL_ACCOUNT;
        } else { /* a page of a visit, known by party id or email */
            unsigned s = rnd(&seed) % 6;
            snprintf(json, sizeof(json),
                     "{\"eventId\":\"e%zu\",\"changeType\":\"UPSERT\","
                     "\"occurredAt\":\"%sT13:%02u:00Z\",\"source\":{\"system\":\"databricks\","
                     "\"recordId\":\"W%zu\"},%s\"engagementId\":\"W%zu\",\"sessionId\":\"S%u-%d\","
                     "\"pageUrl\":\"https://bank.example/x\",\"subject\":\"%s\","
                     "\"durationSeconds\":%u}",
                     i, day, rnd(&seed) % 60, i,
                     s % 2 ? "\"globalPartyId\":\"GP-1\"," : "\"email\":\"x1@example.com\",", i, s,
                     d / 3, subjects[rnd(&seed) % 3], 60 + rnd(&seed) % 900);
            w->entity[w->n] = C360_ENTITY_WEB_ENGAGEMENT;
        }
        w->stream[w->n++] = strdup(json);
    }
}

START_TEST(test_c360_engine_restore_continues_byte_for_byte)
{
    struct world w;
    struct c360_diag diag;
    size_t n_insights;
    const struct c360_segment_insight *insights = c360_engine_insights(&n_insights);
    c360_diag_clear(&diag);
    ck_assert_int_eq(
        c360_identity_rules_load(C360_SOURCE_DIR "/config/identity.json", &w.rules, &diag),
        C360_OK);
    ck_assert_int_eq(c360_segment_set_load(C360_SOURCE_DIR "/config/segments.json", insights,
                                           n_insights, &w.segments, &diag),
                     C360_OK);
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &w.rec), C360_OK);
    size_t outputs = 0, restored_items = 0;
    for (unsigned seed = 1; seed <= TEST_CASES(150); seed++) {
        world_make(&w, seed);
        unsigned r = seed * 7919u;
        size_t cut = 1 + rnd(&r) % (w.n - 1);

        /* The uninterrupted engine. */
        struct c360_engine *ref = engine_new(&w);
        struct text ref_out = {0}, got_out = {0}, scratch = {0};
        size_t ref_at_cut = 0;
        for (size_t i = 0; i < w.n; i++) {
            if (i == cut)
                ref_at_cut = ref_out.len;
            apply(&w, ref, i, &ref_out);
        }

        /* The interrupted one: persisted after random batches, then, at the
         * cut, persisted once more and replaced by a restored engine. */
        struct store inc, full;
        struct c360_persist_sink inc_sink = {store_put, &inc}, full_sink = {store_put, &full};
        store_init(&inc);
        store_init(&full);
        struct c360_engine *eng = engine_new(&w), *whole = engine_new(&w);
        for (size_t i = 0; i < cut; i++) {
            apply(&w, eng, i, &got_out);
            apply(&w, whole, i, &scratch);
            if (rnd(&r) % 8 == 0 || i + 1 == cut) {
                ck_assert_int_eq(c360_engine_persist(eng, &inc_sink), C360_OK);
                if (rnd(&r) % 3 == 0) /* a write that failed and is done again */
                    ck_assert_int_eq(c360_engine_persist(eng, &inc_sink), C360_OK);
                c360_engine_persisted(eng);
            }
        }
        ck_assert_int_eq(c360_engine_persist(whole, &full_sink), C360_OK);
        char why[600];
        ck_assert_msg(store_equal(&inc, &full, why, sizeof(why)), "seed %u cut %zu: %s", seed, cut,
                      why);
        c360_engine_destroy(eng);
        c360_engine_destroy(whole);

        /* Restored in store order, and in the reverse order (any order must do). */
        eng = engine_new(&w);
        for (size_t k = 0; k < inc.n; k++)
            (void)restore_one(eng, &inc.items[seed % 2 ? k : inc.n - 1 - k]);
        ck_assert_int_eq(c360_engine_restore_end(eng, &diag), C360_OK);
        restored_items += inc.n;
        got_out.len = 0;
        for (size_t i = cut; i < w.n; i++)
            apply(&w, eng, i, &got_out);
        size_t tail = ref_out.len - ref_at_cut;
        if (got_out.len != tail || memcmp(got_out.p, ref_out.p + ref_at_cut, tail) != 0) {
            size_t at = 0;
            while (at < got_out.len && at < tail && got_out.p[at] == ref_out.p[ref_at_cut + at])
                at++;
            size_t from = at > 200 ? at - 200 : 0;
            ck_abort_msg("seed %u cut %zu: outputs differ at byte %zu:\n restored: %.400s\n "
                         "uninterrupted: %.400s",
                         seed, cut, at, got_out.p + from, ref_out.p + ref_at_cut + from);
        }
        outputs += ref_out.len;
        c360_engine_destroy(eng);
        c360_engine_destroy(ref);
        store_free(&inc);
        store_free(&full);
        free(ref_out.p);
        free(got_out.p);
        free(scratch.p);
        for (size_t i = 0; i < w.n; i++)
            free(w.stream[i]);
    }
    ck_assert_uint_gt(outputs, 100000); /* the streams did make outputs */
    ck_assert_uint_gt(restored_items, 1000);
    c360_record_destroy(w.rec);
    c360_segment_set_free(w.segments);
    c360_identity_rules_free(w.rules);
}
END_TEST

START_TEST(test_c360_engine_restore_refuses_a_corrupt_store)
{
    struct c360_identity_rules *rules;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(
        c360_identity_rules_load(C360_SOURCE_DIR "/config/identity.json", &rules, &diag), C360_OK);
    struct c360_engine_config cfg = {.rules = rules, .clock = C360_CLOCK_EVENT, .currency = "USD"};
    struct c360_engine *eng;
    ck_assert_int_eq(c360_engine_new(&cfg, &eng), C360_OK);
    static const uint8_t bad_version[] = {99, 1};
    static const uint8_t cut[] = {C360_PERSIST_VERSION, 0x80};
    ck_assert_int_eq(c360_engine_restore(eng, C360_DB_PROFILES, "7", 1, bad_version, 2, &diag),
                     C360_ERR_INVALID);
    ck_assert_int_eq(c360_engine_restore(eng, C360_DB_PROFILES, "7", 1, cut, 2, &diag),
                     C360_ERR_INVALID);
    ck_assert_int_eq(c360_engine_restore(eng, C360_DB_RECORDS, "fsc:1", 5, cut, 2, &diag),
                     C360_ERR_INVALID);
    ck_assert_int_eq(c360_engine_restore(eng, C360_DB_TIMERS, "short", 5, cut, 1, &diag),
                     C360_ERR_INVALID);
    /* A timer of a profile that is not due then. */
    static const uint8_t key[12] = {0x80, 0, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    static const uint8_t empty[] = {C360_PERSIST_VERSION};
    ck_assert_int_eq(c360_engine_restore(eng, C360_DB_TIMERS, key, 12, empty, 1, &diag), C360_OK);
    ck_assert_int_eq(c360_engine_restore_end(eng, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "timer"));
    c360_engine_destroy(eng);
    c360_identity_rules_free(rules);
}
END_TEST

Suite *c360_test_suite(void)
{
    Suite *s = suite_create("engine_persist");
    TCase *tc = tcase_create("c360_engine_restore");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_c360_engine_restore_continues_byte_for_byte);
    tcase_add_test(tc, test_c360_engine_restore_refuses_a_corrupt_store);
    suite_add_tcase(s, tc);
    return s;
}
