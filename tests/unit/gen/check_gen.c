/*
 * Suite gen: the synthetic bank (src/gen). Every line must decode through the
 * codec of its topic as declared in topics/, the same seed must give the same
 * bytes, and the threshold customers must carry the figures their truth says.
 * The figures are recomputed here from the decoded records by the rules of
 * DESIGN.md §5, as a check on the construction: an independent reading of
 * the bytes, not the engine.
 */
#include "c360/codec.h"
#include "c360/gen.h"
#include "c360/time.h"
#include "c360/topic.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- A sink that keeps every line, per stream. */

struct bank {
    char *text[C360_GEN_STREAMS];
    size_t len[C360_GEN_STREAMS], cap[C360_GEN_STREAMS];
    size_t lines[C360_GEN_STREAMS];
    uint64_t hash[C360_GEN_STREAMS];
    size_t fail_after; /* 0: never fail */
    size_t seen;
};

static enum c360_err collect(const struct c360_gen_line *line, void *arg)
{
    struct bank *bank = arg;
    int s = line->stream;
    if (bank->fail_after && ++bank->seen > bank->fail_after)
        return C360_ERR_IO;
    ck_assert_uint_eq(line->len, strlen(line->value));
    ck_assert_ptr_null(memchr(line->value, '\n', line->len));
    ck_assert_uint_lt(line->len, C360_GEN_LINE_MAX);
    if (s == C360_GEN_TRUTH)
        ck_assert_ptr_null(line->key);
    else
        ck_assert(line->key && line->key[0]);
    if (bank->len[s] + line->len + 2 > bank->cap[s]) {
        bank->cap[s] = (bank->cap[s] + line->len + 2) * 2;
        bank->text[s] = realloc(bank->text[s], bank->cap[s]);
        ck_assert_ptr_nonnull(bank->text[s]);
    }
    memcpy(bank->text[s] + bank->len[s], line->value, line->len);
    bank->len[s] += line->len;
    bank->text[s][bank->len[s]++] = '\n';
    bank->text[s][bank->len[s]] = '\0';
    bank->lines[s]++;
    uint64_t h = bank->hash[s] ? bank->hash[s] : UINT64_C(14695981039346656037);
    for (size_t i = 0; i < line->len; i++)
        h = (h ^ (unsigned char)line->value[i]) * UINT64_C(1099511628211);
    bank->hash[s] = h;
    return C360_OK;
}

static void bank_free(struct bank *bank)
{
    for (int s = 0; s < C360_GEN_STREAMS; s++)
        free(bank->text[s]);
}

static int32_t day_of(const char *text)
{
    int32_t day;
    ck_assert_int_eq(c360_date_parse(text, &day, NULL), C360_OK);
    return day;
}

static void generate(struct bank *bank, uint32_t customers, uint64_t seed, const char *today)
{
    struct c360_gen_conf conf = {.customers = customers, .seed = seed, .today = day_of(today)};
    struct c360_gen_sink sink = {collect, bank};
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_gen_run(&conf, &sink, &diag);
    ck_assert_msg(err == C360_OK, "gen: %s", diag.text);
}

/* --- Decoding, as replay and explain do: one codec per topic. */

struct topics {
    struct c360_topic_set *set;
    struct c360_codec *codec[C360_GEN_STREAMS];
    struct c360_codec_rows *rows;
};

static void topics_open(struct topics *t)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &t->set, &diag), C360_OK);
    ck_assert_int_eq(c360_codec_rows_new(100000, &t->rows), C360_OK);
    for (int s = 0; s < C360_GEN_TRUTH; s++) {
        const struct c360_topic *topic =
            c360_topic_set_find(t->set, c360_gen_stream_topic((enum c360_gen_stream)s));
        ck_assert_ptr_nonnull(topic);
        ck_assert_msg(c360_codec_new(topic, c360_gen_stream_format((enum c360_gen_stream)s),
                                     &t->codec[s], &diag) == C360_OK,
                      "%s", diag.text);
        c360_codec_set_rows(t->codec[s], t->rows);
    }
}

static void topics_close(struct topics *t)
{
    for (int s = 0; s < C360_GEN_STREAMS; s++)
        c360_codec_destroy(t->codec[s]);
    c360_codec_rows_destroy(t->rows);
    c360_topic_set_destroy(t->set);
}

/* Calls fn with each decoded record of stream s; fails on any line that does
 * not decode. Returns the number of records. */
static size_t decode_all(struct topics *t, const struct bank *bank, int s,
                         void (*fn)(const struct c360_record *rec, size_t line, void *arg),
                         void *arg)
{
    struct c360_record *rec;
    struct c360_diag diag;
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    size_t n = 0, records = 0;
    const char *p = bank->text[s];
    while (p && *p) {
        const char *end = strchr(p, '\n');
        struct c360_codec_msg msg = {.topic = c360_gen_stream_topic((enum c360_gen_stream)s),
                                     .offset = (int64_t)n,
                                     .timestamp = C360_TIME_NONE,
                                     .value = p,
                                     .len = (size_t)(end - p)};
        size_t parts = 1;
        c360_diag_clear(&diag);
        enum c360_err err = c360_codec_decode_part(t->codec[s], &msg, 0, rec, &parts, &diag);
        ck_assert_msg(err == C360_OK, "%s line %zu: %s: %s (%.200s)", msg.topic, n + 1, diag.field,
                      diag.text, p);
        ck_assert_uint_eq(parts, 1);
        ck_assert_int_ne(rec->change, C360_CHANGE_RESYNC);
        if (fn)
            fn(rec, n, arg);
        records++;
        n++;
        p = end + 1;
    }
    c360_record_destroy(rec);
    return records;
}

/* --- The figures of DESIGN.md §5, read back from the records. */

#define MAX_ACCOUNTS 4096
#define MAX_OBS 64
#define MAX_EXTERNALS 1024
#define MAX_SESSIONS 2048
#define MAX_SUBJECTS 8

struct obs {
    int64_t as_of, minor;
};

struct acc {
    char id[40], owner[16], joint[16];
    enum c360_account_type type;
    enum c360_account_status status;
    int32_t opened, closed;
    int n_obs;
    struct obs obs[MAX_OBS];
};

struct ext {
    char id[40], owner[16];
    enum c360_account_type type;
    enum c360_account_status status;
    int64_t adb;
};

struct session {
    char id[40], owner[16];
    int64_t first, end, last;
    int n_subjects;
    const char *subject[MAX_SUBJECTS];
    int64_t seconds[MAX_SUBJECTS];
};

struct world {
    int n_acc, n_ext, n_sess;
    struct acc acc[MAX_ACCOUNTS];
    struct ext ext[MAX_EXTERNALS];
    struct session sess[MAX_SESSIONS];
    int64_t max_occurred;
    bool person[4096]; /* by customer number: a person account with that id */
};

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static void track_time(struct world *w, const struct c360_record *rec)
{
    if (rec->occurred_at > w->max_occurred)
        w->max_occurred = rec->occurred_at;
}

static void on_individual(const struct c360_record *rec, size_t line, void *arg)
{
    (void)line;
    struct world *w = arg;
    track_time(w, rec);
    unsigned n;
    if (rec->change == C360_CHANGE_UPSERT && rec->global_party_id &&
        sscanf(rec->global_party_id, "GP-%u", &n) == 1 && n < 4096)
        w->person[n] = true;
}

static void on_account(const struct c360_record *rec, size_t line, void *arg)
{
    (void)line;
    struct world *w = arg;
    const struct c360_financial_account *a = &rec->as.account;
    track_time(w, rec);
    struct acc *x = NULL;
    for (int i = 0; i < w->n_acc && !x; i++) {
        if (strcmp(w->acc[i].id, a->global_account_id) == 0)
            x = &w->acc[i];
    }
    if (!x) {
        ck_assert_int_lt(w->n_acc, MAX_ACCOUNTS);
        x = &w->acc[w->n_acc++];
        memset(x, 0, sizeof(*x));
        copy(x->id, sizeof(x->id), a->global_account_id);
    }
    /* The latest event gives type, status, dates and owners. */
    copy(x->owner, sizeof(x->owner), rec->global_party_id);
    copy(x->joint, sizeof(x->joint), a->joint_owner_ids.count ? a->joint_owner_ids.items[0] : "");
    x->type = a->account_type;
    x->status = a->status;
    x->opened = a->opened_date;
    x->closed = a->closed_date;
    ck_assert_int_lt(x->n_obs, MAX_OBS);
    ck_assert_str_eq(a->balance.currency, "USD");
    x->obs[x->n_obs++] = (struct obs){a->balance_as_of, a->balance.minor};
}

static void on_external(const struct c360_record *rec, size_t line, void *arg)
{
    (void)line;
    struct world *w = arg;
    const struct c360_external_account *e = &rec->as.external;
    track_time(w, rec);
    struct ext *x = NULL;
    for (int i = 0; i < w->n_ext && !x; i++) {
        if (strcmp(w->ext[i].id, e->external_account_id) == 0)
            x = &w->ext[i];
    }
    if (!x) {
        ck_assert_int_lt(w->n_ext, MAX_EXTERNALS);
        x = &w->ext[w->n_ext++];
        copy(x->id, sizeof(x->id), e->external_account_id);
    }
    copy(x->owner, sizeof(x->owner), rec->global_party_id);
    x->type = e->account_type;
    x->status = e->status;
    x->adb = e->average_daily_balance.minor;
}

static void on_web(const struct c360_record *rec, size_t line, void *arg)
{
    (void)line;
    struct world *w = arg;
    const struct c360_web_engagement *e = &rec->as.web;
    track_time(w, rec);
    struct session *s = NULL;
    for (int i = 0; i < w->n_sess && !s; i++) {
        if (strcmp(w->sess[i].id, e->session_id) == 0)
            s = &w->sess[i];
    }
    if (!s) {
        ck_assert_int_lt(w->n_sess, MAX_SESSIONS);
        s = &w->sess[w->n_sess++];
        memset(s, 0, sizeof(*s));
        copy(s->id, sizeof(s->id), e->session_id);
        copy(s->owner, sizeof(s->owner), rec->global_party_id);
        s->first = rec->occurred_at;
    }
    int64_t end = rec->occurred_at + e->duration_seconds * 1000;
    if (rec->occurred_at < s->first)
        s->first = rec->occurred_at;
    if (end > s->end)
        s->end = end;
    if (rec->occurred_at > s->last)
        s->last = rec->occurred_at;
    int k = 0;
    while (k < s->n_subjects && strcmp(s->subject[k], e->subject) != 0)
        k++;
    if (k == s->n_subjects) {
        ck_assert_int_lt(k, MAX_SUBJECTS);
        /* The subjects are the generator's table strings: keep our own copy. */
        static const char *const known[] = {"real_estate", "credit_cards", "retirement", "savings",
                                            "investing",   "auto_loans",   "checking"};
        s->subject[k] = NULL;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            if (strcmp(known[i], e->subject) == 0)
                s->subject[k] = known[i];
        }
        ck_assert_ptr_nonnull(s->subject[k]);
        s->n_subjects++;
    }
    s->seconds[k] += e->duration_seconds;
}

static void on_any(const struct c360_record *rec, size_t line, void *arg)
{
    (void)line;
    track_time(arg, rec);
}

static void world_read(struct world *w, const struct bank *bank)
{
    struct topics t = {0};
    topics_open(&t);
    w->max_occurred = INT64_MIN;
    decode_all(&t, bank, C360_GEN_INDIVIDUAL, on_individual, w);
    decode_all(&t, bank, C360_GEN_FINANCIAL_ACCOUNT, on_account, w);
    decode_all(&t, bank, C360_GEN_FINANCIAL_TRANSACTION, on_any, w);
    decode_all(&t, bank, C360_GEN_EXTERNAL_ACCOUNT, on_external, w);
    decode_all(&t, bank, C360_GEN_WEB_ENGAGEMENT, on_web, w);
    topics_close(&t);
}

static bool owns(const struct acc *a, const char *gp)
{
    return strcmp(a->owner, gp) == 0 || strcmp(a->joint, gp) == 0;
}

static int tenure(const struct world *w, const char *gp, int32_t today)
{
    int32_t first = INT32_MAX;
    for (int i = 0; i < w->n_acc; i++) {
        if (owns(&w->acc[i], gp) && w->acc[i].opened < first)
            first = w->acc[i].opened;
    }
    return first == INT32_MAX ? -1 : today - first;
}

static bool holds(const struct world *w, const char *gp, enum c360_account_type type)
{
    for (int i = 0; i < w->n_acc; i++) {
        if (owns(&w->acc[i], gp) && w->acc[i].type == type && w->acc[i].status == C360_STATUS_OPEN)
            return true;
    }
    return false;
}

/* Σ over the 30 days before today of the end-of-day balances of gp's
 * accounts of the `types` open that day. */
static int64_t sum30(const struct world *w, const char *gp, unsigned types, int32_t today)
{
    int64_t sum = 0;
    for (int32_t d = today - 30; d < today; d++) {
        int64_t end = (int64_t)(d + 1) * C360_MS_PER_DAY - 1;
        for (int i = 0; i < w->n_acc; i++) {
            const struct acc *a = &w->acc[i];
            if (!owns(a, gp) || !(types & (1u << a->type)) || a->opened > d ||
                (a->closed != C360_DATE_NONE && d >= a->closed))
                continue;
            int64_t best = INT64_MIN, minor = 0;
            for (int k = 0; k < a->n_obs; k++) {
                if (a->obs[k].as_of <= end && a->obs[k].as_of >= best) {
                    best = a->obs[k].as_of;
                    minor = a->obs[k].minor;
                }
            }
            sum += minor;
        }
    }
    return sum;
}

static int64_t external(const struct world *w, const char *gp, unsigned types)
{
    int64_t sum = 0;
    for (int i = 0; i < w->n_ext; i++) {
        const struct ext *x = &w->ext[i];
        if (strcmp(x->owner, gp) == 0 && x->status == C360_STATUS_OPEN && (types & (1u << x->type)))
            sum += x->adb;
    }
    return sum;
}

static const char *main_subject(const struct session *s)
{
    int best = 0;
    for (int k = 1; k < s->n_subjects; k++) {
        if (s->seconds[k] > s->seconds[best] ||
            (s->seconds[k] == s->seconds[best] && strcmp(s->subject[k], s->subject[best]) < 0))
            best = k;
    }
    return s->subject[best];
}

static bool visit(const struct world *w, const char *gp, int32_t today)
{
    for (int i = 0; i < w->n_sess; i++) {
        const struct session *s = &w->sess[i];
        if (strcmp(s->owner, gp) == 0 && s->last >= (int64_t)(today - 30) * C360_MS_PER_DAY &&
            s->end - s->first > 20 * 60 * 1000 && strcmp(main_subject(s), "real_estate") == 0)
            return true;
    }
    return false;
}

#define TYPE(t) (1u << (t))
#define CS_TYPES (TYPE(C360_ACCOUNT_SAVINGS) | TYPE(C360_ACCOUNT_CHECKING))
#define MU_TYPES (CS_TYPES | TYPE(C360_ACCOUNT_MONEY_MARKET))

static bool member(const struct world *w, const char *gp, const char *segment, int32_t today)
{
    if (strcmp(segment, "cross_sell_money_market") == 0)
        return tenure(w, gp, today) >= 365 && holds(w, gp, C360_ACCOUNT_SAVINGS) &&
               sum30(w, gp, CS_TYPES, today) >= 30 * 300000 &&
               !holds(w, gp, C360_ACCOUNT_MONEY_MARKET);
    ck_assert_str_eq(segment, "upsell_mortgage");
    return tenure(w, gp, today) >= 1095 && holds(w, gp, C360_ACCOUNT_MONEY_MARKET) &&
           sum30(w, gp, MU_TYPES, today) + 30 * external(w, gp, MU_TYPES) >= 30 * 1000000 &&
           visit(w, gp, today);
}

/* The truth lines as objects (new array). */
static json_t *truth_read(const struct bank *bank)
{
    json_t *all = json_array();
    const char *p = bank->text[C360_GEN_TRUTH];
    while (p && *p) {
        const char *end = strchr(p, '\n');
        json_error_t jerr;
        json_t *t = json_loadb(p, (size_t)(end - p), JSON_REJECT_DUPLICATES, &jerr);
        ck_assert_msg(t != NULL, "truth: %s", jerr.text);
        json_array_append_new(all, t);
        p = end + 1;
    }
    return all;
}

static const char *truth_gp(json_t *all, const char *name)
{
    json_t *t;
    size_t i;
    json_array_foreach(all, i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "case")), name) == 0)
            return json_string_value(json_object_get(t, "globalPartyId"));
    }
    ck_abort_msg("no truth line for case %s", name);
    return NULL;
}

/* --- Tests. */

START_TEST(test_c360_gen_run_same_seed_same_bytes)
{
    struct bank a = {0}, b = {0}, c = {0};
    generate(&a, 150, 42, "2026-11-20");
    generate(&b, 150, 42, "2026-11-20");
    generate(&c, 150, 43, "2026-11-20");
    int differ = 0;
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        ck_assert_uint_eq(a.len[s], b.len[s]);
        ck_assert_int_eq(memcmp(a.text[s], b.text[s], a.len[s]), 0);
        differ += a.hash[s] != c.hash[s];
    }
    /* Names, balances and visits are drawn from the seed; the cases' figures
     * are not, so the truth is the same bar nothing. */
    ck_assert_int_ge(differ, 5);
    bank_free(&a);
    bank_free(&b);
    bank_free(&c);
}
END_TEST

START_TEST(test_c360_gen_run_is_prefix_stable)
{
    /* A household's bytes come from its own seed: a bigger bank starts with
     * the smaller one (households are never split at the end here). */
    struct bank small = {0}, big = {0};
    generate(&small, 40, 7, "2026-11-20");
    generate(&big, 400, 7, "2026-11-20");
    const char *gp = "\"Global_Party_Id__c\":\"GP-00000031\"";
    ck_assert_ptr_nonnull(strstr(small.text[C360_GEN_INDIVIDUAL], gp));
    const char *in_small = strstr(small.text[C360_GEN_INDIVIDUAL], gp);
    const char *in_big = strstr(big.text[C360_GEN_INDIVIDUAL], gp);
    ck_assert_ptr_nonnull(in_big);
    ck_assert_int_eq(strncmp(in_small, in_big, 400), 0);
    bank_free(&small);
    bank_free(&big);
}
END_TEST

START_TEST(test_c360_gen_run_counts)
{
    struct bank bank = {0};
    struct world *w = calloc(1, sizeof(*w));
    generate(&bank, 200, 1, "2026-11-20");
    world_read(w, &bank);
    /* One person account with a global party id per customer, numbered 1-N. */
    int people = 0;
    for (int n = 0; n < 4096; n++)
        people += w->person[n];
    ck_assert_int_eq(people, 200);
    ck_assert(w->person[1] && w->person[200] && !w->person[201]);
    /* Every constructed case fits: 28 households, 30 customers, 29 truths. */
    ck_assert_uint_eq(bank.lines[C360_GEN_TRUTH], 29);
    /* 1-4 accounts per customer, plus joint ones. */
    ck_assert_int_ge(w->n_acc, 200);
    ck_assert_int_le(w->n_acc, 200 * 4 + 100);
    for (int s = 0; s < C360_GEN_TRUTH; s++)
        ck_assert_uint_gt(bank.lines[s], 0);
    /* A few transactions per account at most. */
    ck_assert_uint_lt(bank.lines[C360_GEN_FINANCIAL_TRANSACTION], (size_t)w->n_acc * 8);
    /* Few customers: the cases that fit whole. */
    struct bank few = {0};
    generate(&few, 15, 1, "2026-11-20");
    ck_assert_uint_eq(few.lines[C360_GEN_TRUTH], 14); /* the 15th would need a spouse */
    bank_free(&few);
    bank_free(&bank);
    free(w);
}
END_TEST

START_TEST(test_c360_gen_run_lines_decode)
{
    struct bank bank = {0};
    struct world *w = calloc(1, sizeof(*w));
    generate(&bank, 600, 99, "2026-03-01");
    world_read(w, &bank); /* fails on any line that does not decode */
    /* The engine's event clock is the latest occurredAt: today's morning. */
    int64_t today = (int64_t)day_of("2026-03-01") * C360_MS_PER_DAY;
    ck_assert(w->max_occurred >= today);
    ck_assert(w->max_occurred < today + 8 * 3600 * 1000);
    bank_free(&bank);
    free(w);
}
END_TEST

/* A figure of a case, recomputed from the records. */
enum figure {
    TENURE,
    SUM_CS,
    SUM_MU_PLUS_EXTERNAL,
    HOLDS_MM,
    HOLDS_SAVINGS,
    VISIT_MS,
    LAST_EVENT,
    LATE_ROWS, /* rows that came after a row of a later balanceAsOf */
};

static const struct {
    const char *name;
    enum figure figure;
    int64_t want; /* for LAST_EVENT: ms after start of today - 30 days */
} figures[] = {
    {"tenure-364", TENURE, 364},
    {"tenure-365", TENURE, 365},
    {"tenure-366", TENURE, 366},
    {"tenure-365-closed-account", TENURE, 365},
    {"tenure-1094", TENURE, 1094},
    {"tenure-1095", TENURE, 1095},
    {"tenure-1096", TENURE, 1096},
    {"adb-2999.99", SUM_CS, 8999970},
    {"adb-3000.00", SUM_CS, 9000000},
    {"adb-2999.99-one-day-dip", SUM_CS, 8999970},
    {"adb-late-row", SUM_CS, 8999999},
    {"adb-late-row", LATE_ROWS, 1},
    {"adb-3000.00", LATE_ROWS, 0},
    {"adb-peak-leaves-window", SUM_CS, 9000000},
    {"adb-closed-account-leaves-window", SUM_CS, 9000000},
    {"adb-savings-opened-in-window", SUM_CS, 9000000},
    {"joint-owner", SUM_CS, 12000000},
    {"adb-plus-external-9999.99", SUM_MU_PLUS_EXTERNAL, 29999970},
    {"adb-plus-external-10000.00", SUM_MU_PLUS_EXTERNAL, 30000000},
    {"holds-money-market", HOLDS_MM, 1},
    {"money-market-closed", HOLDS_MM, 0},
    {"joint-owner-holds-money-market", HOLDS_MM, 1},
    {"mortgage-money-market-closed", HOLDS_MM, 0},
    {"savings-on-hold", HOLDS_SAVINGS, 0},
    {"visit-20:00", VISIT_MS, 1200000},
    {"visit-20:01", VISIT_MS, 1201000},
    {"visit-last-event-at-window-start", LAST_EVENT, 0},
    {"visit-last-event-1ms-before-window", LAST_EVENT, -1},
};

START_TEST(test_c360_gen_run_threshold_figures)
{
    struct bank bank = {0};
    struct world *w = calloc(1, sizeof(*w));
    const char *today_text = _i == 0 ? "2026-11-20" : "2028-02-29";
    int32_t today = day_of(today_text);
    generate(&bank, 120, (uint64_t)_i * 1000 + 5, today_text);
    world_read(w, &bank);
    json_t *truth = truth_read(&bank);
    for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
        const char *gp = truth_gp(truth, figures[i].name);
        int64_t got = 0;
        switch (figures[i].figure) {
        case TENURE:
            got = tenure(w, gp, today);
            break;
        case SUM_CS:
            got = sum30(w, gp, CS_TYPES, today);
            break;
        case SUM_MU_PLUS_EXTERNAL:
            got = sum30(w, gp, MU_TYPES, today) + 30 * external(w, gp, MU_TYPES);
            break;
        case HOLDS_MM:
            got = holds(w, gp, C360_ACCOUNT_MONEY_MARKET);
            break;
        case HOLDS_SAVINGS:
            got = holds(w, gp, C360_ACCOUNT_SAVINGS);
            break;
        case LATE_ROWS:
            for (int k = 0; k < w->n_acc; k++) {
                const struct acc *a = &w->acc[k];
                for (int o = 1; owns(a, gp) && o < a->n_obs; o++)
                    got += a->obs[o].as_of < a->obs[o - 1].as_of;
            }
            break;
        case VISIT_MS:
        case LAST_EVENT:
            for (int k = 0; k < w->n_sess; k++) {
                const struct session *s = &w->sess[k];
                if (strcmp(s->owner, gp) != 0 || strcmp(main_subject(s), "credit_cards") == 0)
                    continue;
                got = figures[i].figure == VISIT_MS
                          ? s->end - s->first
                          : s->last - (int64_t)(today - 30) * C360_MS_PER_DAY;
            }
            break;
        }
        ck_assert_msg(got == figures[i].want, "%s (%s): %lld, want %lld", figures[i].name, gp,
                      (long long)got, (long long)figures[i].want);
    }
    json_decref(truth);
    bank_free(&bank);
    free(w);
}
END_TEST

START_TEST(test_c360_gen_run_truth_holds_over_time)
{
    /* Each truth line's membership today, and its "next" change, against the
     * segment rules applied to the decoded records on the days around it. */
    struct bank bank = {0};
    struct world *w = calloc(1, sizeof(*w));
    int32_t today = day_of("2026-11-20");
    generate(&bank, 60, 3, "2026-11-20");
    world_read(w, &bank);
    json_t *truth = truth_read(&bank), *t;
    size_t i;
    ck_assert_uint_eq(json_array_size(truth), 29);
    json_array_foreach(truth, i, t)
    {
        const char *gp = json_string_value(json_object_get(t, "globalPartyId"));
        const char *name = json_string_value(json_object_get(t, "case"));
        const char *segment = json_string_value(json_object_get(t, "segment"));
        bool is = json_is_true(json_object_get(t, "member"));
        json_t *next = json_object_get(t, "next");
        int32_t until = today + 60;
        if (next) {
            until = day_of(json_string_value(json_object_get(next, "date")));
            ck_assert_int_gt(until, today);
            ck_assert(json_is_true(json_object_get(next, "member")) == !is);
            ck_assert_msg(member(w, gp, segment, until) == !is, "%s on its next date", name);
        }
        for (int32_t d = today; d < until; d++)
            ck_assert_msg(member(w, gp, segment, d) == is, "%s (%s) on day %d", name, gp,
                          d - today);
    }
    json_decref(truth);
    bank_free(&bank);
    free(w);
}
END_TEST

START_TEST(test_c360_gen_run_refuses_bad_conf)
{
    struct bank bank = {0};
    struct c360_gen_sink sink = {collect, &bank};
    struct c360_diag diag;
    struct c360_gen_conf conf = {.customers = 0, .seed = 1, .today = day_of("2026-11-20")};
    ck_assert_int_eq(c360_gen_run(&conf, &sink, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "customers");
    conf.customers = C360_GEN_CUSTOMERS_MAX + 1;
    ck_assert_int_eq(c360_gen_run(&conf, &sink, &diag), C360_ERR_INVALID);
    conf.customers = 10;
    conf.today = day_of("1850-01-01");
    ck_assert_int_eq(c360_gen_run(&conf, &sink, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "today");
    for (int s = 0; s < C360_GEN_STREAMS; s++)
        ck_assert_uint_eq(bank.lines[s], 0);
}
END_TEST

START_TEST(test_c360_gen_run_stops_when_the_sink_fails)
{
    struct bank bank = {.fail_after = 25};
    struct c360_gen_conf conf = {.customers = 100, .seed = 1, .today = day_of("2026-11-20")};
    struct c360_gen_sink sink = {collect, &bank};
    ck_assert_int_eq(c360_gen_run(&conf, &sink, NULL), C360_ERR_IO);
    ck_assert_uint_eq(bank.seen, 26);
    bank_free(&bank);
}
END_TEST

START_TEST(test_c360_gen_stream_topic_names_declared_inputs)
{
    struct topics t = {0};
    topics_open(&t); /* a codec per stream, of the stream's format */
    for (int s = 0; s < C360_GEN_TRUTH; s++) {
        const struct c360_topic *topic =
            c360_topic_set_find(t.set, c360_gen_stream_topic((enum c360_gen_stream)s));
        const char *format = c360_gen_stream_format((enum c360_gen_stream)s);
        ck_assert_int_eq(topic->role, C360_TOPIC_INPUT);
        ck_assert(strcmp(topic->format, format) == 0 ||
                  (strcmp(topic->format, "avro") == 0 && strcmp(format, "json") == 0));
    }
    ck_assert_ptr_null(c360_gen_stream_topic(C360_GEN_TRUTH));
    ck_assert_str_eq(c360_gen_stream_format(C360_GEN_TRUTH), "");
    topics_close(&t);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("gen");
    TCase *tc = tcase_create("c360_gen_run");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_c360_gen_run_same_seed_same_bytes);
    tcase_add_test(tc, test_c360_gen_run_is_prefix_stable);
    tcase_add_test(tc, test_c360_gen_run_counts);
    tcase_add_test(tc, test_c360_gen_run_lines_decode);
    tcase_add_loop_test(tc, test_c360_gen_run_threshold_figures, 0, 2);
    tcase_add_test(tc, test_c360_gen_run_truth_holds_over_time);
    tcase_add_test(tc, test_c360_gen_run_refuses_bad_conf);
    tcase_add_test(tc, test_c360_gen_run_stops_when_the_sink_fails);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_gen_stream_topic");
    tcase_add_test(tc, test_c360_gen_stream_topic_names_declared_inputs);
    suite_add_tcase(s, tc);
    return s;
}
