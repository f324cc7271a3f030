/*
 * Suite insights: the state object (src/insights/insights.c) — its
 * configuration, which records it takes, the owners it reports as touched,
 * errors that leave it unchanged, caps, pruning, and the bytes it holds for
 * a bank customer.
 */
#include "check_insights.h"

#include "c360/record.h"

#include <stdio.h>
#include <string.h>

#define T TODAY

static const char *const p1[] = {"P1", NULL};

static const struct {
    const char *currency;
    int32_t days;
    enum c360_err err;
} configs[] = {
    {"USD", 30, C360_OK},          {"EUR", 0, C360_OK},
    {"CHF", 3660, C360_OK},        {"usd", 30, C360_ERR_INVALID},
    {"", 30, C360_ERR_INVALID},    {"US", 30, C360_ERR_INVALID},
    {"USD", -1, C360_ERR_INVALID}, {"USD", 3661, C360_ERR_INVALID},
};

START_TEST(test_c360_insights_new_checks_its_config)
{
    struct c360_insights_config cfg = {.parties_max = 10, .accounts_max = 10, .externals_max = 10};
    memcpy(cfg.currency, configs[_i].currency, strlen(configs[_i].currency) + 1);
    cfg.visit_days_max = configs[_i].days;
    struct c360_insights *ins = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_insights_new(&cfg, &ins, &diag), configs[_i].err);
    if (configs[_i].err)
        ck_assert_msg(diag.text[0], "no diagnostic");
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_destroy_takes_null)
{
    c360_insights_destroy(NULL);
}
END_TEST

static struct c360_record *record(enum c360_entity entity)
{
    struct c360_record *rec;
    ck_assert_int_eq(c360_record_new(entity, &rec), C360_OK);
    rec->change = C360_CHANGE_UPSERT;
    rec->occurred_at = START(T);
    return rec;
}

START_TEST(test_c360_insights_apply_takes_insight_inputs_only)
{
    struct c360_insights *ins = fx_new();
    struct c360_diag diag;
    struct c360_record *rec = record(C360_ENTITY_INDIVIDUAL);
    ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, T, NULL, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "not an insights input"));
    c360_record_destroy(rec);
    /* A transaction is taken and changes nothing (see insights.h). */
    size_t before = c360_insights_bytes(ins);
    rec = record(C360_ENTITY_FINANCIAL_TRANSACTION);
    rec->as.transaction.global_account_id = "A1";
    ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, T, NULL, &diag), C360_OK);
    ck_assert_uint_eq(c360_insights_bytes(ins), before);
    c360_record_destroy(rec);
    /* today must be a date, a web engagement needs its owner key. */
    rec = record(C360_ENTITY_WEB_ENGAGEMENT);
    rec->as.web.engagement_id = "E1";
    rec->as.web.session_id = "S1";
    ck_assert_int_eq(c360_insights_apply(ins, rec, "P1", INT32_MAX, NULL, &diag), C360_ERR_INVALID);
    ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, T, NULL, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "globalPartyId");
    rec->as.web.duration_seconds = 7 * 24 * 3600 + 1; /* more than validation allows */
    ck_assert_int_eq(c360_insights_apply(ins, rec, "P1", T, NULL, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "durationSeconds");
    rec->occurred_at = C360_TIME_NONE;
    ck_assert_int_eq(c360_insights_apply(ins, rec, "P1", T, NULL, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "occurredAt");
    c360_record_destroy(rec);
    c360_insights_destroy(ins);
}
END_TEST

static bool has_key(const struct c360_insights_touched *t, const char *key)
{
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->keys[i], key) == 0)
            return true;
    }
    return false;
}

START_TEST(test_c360_insights_apply_reports_touched_owners)
{
    struct c360_insights *ins = fx_new();
    struct c360_insights_touched t;
    struct c360_record *rec = record(C360_ENTITY_FINANCIAL_ACCOUNT);
    struct c360_financial_account *fa = &rec->as.account;
    fa->global_account_id = "A1";
    rec->global_party_id = "P1";
    ck_assert_int_eq(c360_record_strs_add(rec, &fa->joint_owner_ids, "P2", 2, NULL), C360_OK);
    fa->account_type = C360_ACCOUNT_SAVINGS;
    fa->status = C360_STATUS_OPEN;
    fa->opened_date = fa->closed_date = C360_DATE_NONE;
    ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, T, &t, NULL), C360_OK);
    ck_assert_uint_eq(t.count, 2);
    ck_assert(has_key(&t, "P1") && has_key(&t, "P2"));
    /* New owners: the old ones are told too (the account left them). */
    rec->global_party_id = "P3";
    fa->joint_owner_ids.count = 0;
    rec->occurred_at++;
    ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, T, &t, NULL), C360_OK);
    ck_assert_uint_eq(t.count, 3);
    ck_assert(has_key(&t, "P1") && has_key(&t, "P2") && has_key(&t, "P3"));
    struct c360_insights_stats st;
    c360_insights_stats(ins, &st);
    /* P1 and P2 hold nothing: not counted, though their keys (reported
     * above) are freed only at the next change. */
    ck_assert_uint_eq(st.parties, 1);
    /* A DELETE names only the account: its owners come from the state. */
    rec->change = C360_CHANGE_DELETE;
    ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, T, &t, NULL), C360_OK);
    ck_assert_uint_eq(t.count, 1);
    ck_assert_str_eq(t.keys[0], "P3");
    c360_record_destroy(rec);
    /* A web engagement touches its owner key. */
    rec = record(C360_ENTITY_WEB_ENGAGEMENT);
    rec->as.web.engagement_id = "E1";
    rec->as.web.session_id = "S1";
    rec->as.web.duration_seconds = 60;
    ck_assert_int_eq(c360_insights_apply(ins, rec, "email:jo@example.org", T, &t, NULL), C360_OK);
    ck_assert_uint_eq(t.count, 1);
    ck_assert_str_eq(t.keys[0], "email:jo@example.org");
    c360_insights_stats(ins, &st);
    ck_assert_uint_eq(st.parties, 1);
    ck_assert_uint_eq(st.accounts, 0);
    c360_record_destroy(rec);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_apply_leaves_the_state_unchanged_on_error)
{
    struct c360_insights_config cfg = {.currency = "USD",
                                       .parties_max = 2,
                                       .accounts_max = 1,
                                       .externals_max = 1,
                                       .visit_days_max = 30};
    struct c360_insights *ins;
    ck_assert_int_eq(c360_insights_new(&cfg, &ins, NULL), C360_OK);
    fx_account(ins,
               &(struct fx_account){.id = "A1", .party = "P1", .minor = 100, .as_of = START(T - 1)},
               T);
    size_t bytes = c360_insights_bytes(ins);
    /* The account cap. */
    ck_assert_int_eq(fx_account_try(ins, &(struct fx_account){.id = "A2", .party = "P2"}, T),
                     C360_ERR_LIMIT);
    /* The owner cap, on the third owner key. */
    ck_assert_int_eq(
        fx_account_try(ins, &(struct fx_account){.id = "A1", .party = "P1", .joint = {"P2", "P3"}},
                       T),
        C360_ERR_LIMIT);
    /* A newer event whose balance is dated too far ahead changes nothing,
     * not even its status. */
    ck_assert_int_eq(fx_account_try(ins,
                                    &(struct fx_account){.id = "A1",
                                                         .party = "P1",
                                                         .status = C360_STATUS_CLOSED,
                                                         .minor = 5,
                                                         .as_of = START(T + 20)},
                                    T),
                     C360_ERR_LIMIT);
    struct c360_insights_summary sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(sum.open, 1);
    ck_assert_int_eq(sum.balance, 100);
    ck_assert_int_eq(sum.adb_sum[C360_ACCOUNT_SAVINGS], 100);
    /* Owner keys made for the failed changes go at the next change. */
    fx_account(ins,
               &(struct fx_account){.id = "A1", .party = "P1", .minor = 100, .as_of = START(T - 1)},
               T);
    struct c360_insights_stats st;
    c360_insights_stats(ins, &st);
    ck_assert_uint_eq(st.parties, 1);
    ck_assert_uint_eq(st.accounts, 1);
    ck_assert_uint_eq(c360_insights_bytes(ins), bytes);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_apply_caps_balance_days)
{
    /* From today−30: 31 days to today and 17 ahead fit; an 18th day ahead
     * does not, nor anything past 49 days from today−30. */
    struct c360_insights *ins = fx_new();
    for (int32_t day = T - 30; day <= T + 17; day++)
        fx_account(
            ins, &(struct fx_account){.id = "A1", .party = "P1", .minor = day, .as_of = START(day)},
            T);
    struct fx_account a = {.id = "A1", .party = "P1", .minor = 1, .as_of = START(T + 18)};
    ck_assert_int_eq(fx_account_try(ins, &a, T), C360_ERR_LIMIT);
    a.as_of = START(T + 17) + 1; /* a day it has: replaces that day's */
    fx_account(ins, &a, T);
    a.as_of = START(T + 20);
    ck_assert_int_eq(fx_account_try(ins, &a, T), C360_ERR_LIMIT);
    a.as_of = START(T - 400); /* long past: folds into the one before the window */
    fx_account(ins, &a, T);
    struct c360_insights_stats st;
    c360_insights_stats(ins, &st);
    ck_assert_uint_eq(st.balances, C360_INSIGHTS_BALANCES_MAX);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_prune_leaves_apply_its_days_ahead)
{
    /* A prune that folds nothing may leave an account's days where they
     * are; apply still counts the 49 days it takes from today−30. */
    struct c360_insights *ins = fx_new();
    fx_account(ins,
               &(struct fx_account){.id = "A1", .party = "P1", .minor = 5, .as_of = START(T + 10)},
               T);
    c360_insights_prune(ins, T + 5);
    int64_t first = START(T + 5 - 30);
    struct fx_account a = {
        .id = "A1", .party = "P1", .minor = 6, .as_of = first + (int64_t)UINT32_MAX + 1};
    ck_assert_int_eq(fx_account_try(ins, &a, T + 5), C360_ERR_LIMIT);
    a.as_of = first + (int64_t)UINT32_MAX;
    fx_account(ins, &a, T + 5);
    struct c360_insights_summary sum = fx_summary(ins, T + 11, p1);
    ck_assert_int_eq(sum.balance, 6);
    ck_assert_int_eq(sum.adb_sum[C360_ACCOUNT_SAVINGS], 5);
    c360_insights_destroy(ins);
}
END_TEST

/* Ids of every length from 1 to 40 bytes, each also with one byte changed
 * at its start, middle and end: the keys the index hashes a word at a time
 * and in pieces. */
#define ID_LENGTHS 40
#define IDS (ID_LENGTHS * 4)

static void make_id(char *id, int k)
{
    int len = k / 4 + 1, at[] = {-1, 0, len / 2, len - 1};
    memset(id, 'a', (size_t)len);
    id[len] = '\0';
    if (at[k % 4] >= 0)
        id[at[k % 4]] = (char)('b' + k % 4);
}

/* Each owner key holds its own account with its own balance, or nothing. */
static void check_ids(const struct c360_insights *ins, char (*ids)[ID_LENGTHS + 2],
                      const int64_t *minor, const char *when)
{
    for (int k = 0; k < IDS; k++) {
        char party[ID_LENGTHS + 3];
        snprintf(party, sizeof(party), "P%s", ids[k]);
        const char *keys[] = {party, NULL};
        struct c360_insights_summary sum = fx_summary(ins, T, keys);
        ck_assert_msg(sum.accounts == (minor[k] ? 1u : 0u) && sum.balance == minor[k],
                      "%s: %s holds %u accounts, %lld", when, ids[k], sum.accounts,
                      (long long)sum.balance);
    }
}

START_TEST(test_c360_insights_apply_finds_ids_of_every_length)
{
    static char ids[IDS][ID_LENGTHS + 2];
    static int64_t minor[IDS];
    struct c360_insights *ins = fx_new();
    struct c360_insights_stats st;
    for (int k = 0; k < IDS; k++)
        make_id(ids[k], k);
    /* Distinct ids: one account each. */
    for (int k = 0; k < IDS; k++) {
        char party[ID_LENGTHS + 3];
        snprintf(party, sizeof(party), "P%s", ids[k]);
        for (int pass = 0; pass < 2; pass++) /* the second finds what the first made */
            fx_account(ins,
                       &(struct fx_account){
                           .id = ids[k], .party = party, .minor = 100 + k, .as_of = START(T - 1)},
                       T);
        minor[k] = 100 + k;
    }
    c360_insights_stats(ins, &st);
    ck_assert_uint_eq(st.accounts, IDS);
    check_ids(ins, ids, minor, "added");
    /* Deleted ones leave tombstones that others' lookups walk past. */
    for (int k = 0; k < IDS; k += 2) {
        fx_account(ins, &(struct fx_account){.id = ids[k], .party = "X", .delete = true}, T);
        minor[k] = 0;
    }
    check_ids(ins, ids, minor, "half deleted");
    for (int k = 0; k < IDS; k += 4) {
        char party[ID_LENGTHS + 3];
        snprintf(party, sizeof(party), "P%s", ids[k]);
        fx_account(
            ins,
            &(struct fx_account){.id = ids[k], .party = party, .minor = 7, .as_of = START(T - 1)},
            T);
        minor[k] = 7;
    }
    check_ids(ins, ids, minor, "some added again");
    c360_insights_stats(ins, &st);
    ck_assert_uint_eq(st.accounts, IDS / 2 + IDS / 4);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_prune_drops_history_not_answers)
{
    struct c360_insights *ins = fx_new();
    for (int32_t day = T - 60; day <= T; day++)
        fx_account(ins,
                   &(struct fx_account){
                       .id = "A1", .party = "P1", .minor = 1000 + day % 7, .as_of = START(day) + 1},
                   day);
    for (int32_t later = T; later <= T + 40; later += 4) {
        struct c360_insights_summary before = fx_summary(ins, later, p1);
        c360_insights_prune(ins, later);
        struct c360_insights_summary after = fx_summary(ins, later, p1);
        ck_assert_int_eq(after.adb_sum[C360_ACCOUNT_SAVINGS], before.adb_sum[C360_ACCOUNT_SAVINGS]);
        ck_assert_int_eq(after.balance, before.balance);
        struct c360_insights_stats st;
        c360_insights_stats(ins, &st);
        /* Days from later−30 to today, the one before folded away. */
        ck_assert_uint_eq(st.balances, later - 30 <= T ? (size_t)(T - (later - 30) + 1) : 0);
    }
    /* A today behind the one seen prunes nothing more. */
    size_t bytes = c360_insights_bytes(ins);
    c360_insights_prune(ins, T);
    ck_assert_uint_eq(c360_insights_bytes(ins), bytes);
    c360_insights_destroy(ins);
}
END_TEST

/*
 * A bank customer (DESIGN.md §6 budget: ≤ 2 KiB of state): a checking, a
 * savings and a credit-card account, each with a balance every day for 45
 * days, one external savings account, and 3 web sessions of 4 page views in
 * the last 30 days. Applied day by day as the engine would, so pruning
 * keeps its steady state.
 */
#define CUSTOMERS 1000

static void bank_customer_day(struct c360_insights *ins, struct c360_record *rec, int c,
                              int32_t day)
{
    static const enum c360_account_type types[3] = {C360_ACCOUNT_CHECKING, C360_ACCOUNT_SAVINGS,
                                                    C360_ACCOUNT_CREDIT_CARD};
    char party[24], account[32];
    snprintf(party, sizeof(party), "GP-%08d", c);
    for (int k = 0; k < 3; k++) {
        snprintf(account, sizeof(account), "ACC-%08d-%d", c, k);
        c360_record_reset(rec, C360_ENTITY_FINANCIAL_ACCOUNT);
        rec->change = C360_CHANGE_UPSERT;
        rec->occurred_at = START(day) + 20 * 3600000;
        rec->global_party_id = party;
        struct c360_financial_account *fa = &rec->as.account;
        fa->global_account_id = account;
        fa->account_type = types[k];
        fa->status = C360_STATUS_OPEN;
        fa->opened_date = T - 1000 - c;
        fa->closed_date = C360_DATE_NONE;
        fa->balance.minor = 100000 * (k + 1) + day % 13;
        memcpy(fa->balance.currency, "USD", 4);
        fa->balance_as_of = START(day) + 18 * 3600000;
        ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, day, NULL, NULL), C360_OK);
    }
    if (day == T - 20) {
        char id[32];
        snprintf(id, sizeof(id), "EXT-%08d", c);
        c360_record_reset(rec, C360_ENTITY_EXTERNAL_ACCOUNT);
        rec->change = C360_CHANGE_UPSERT;
        rec->occurred_at = START(day);
        rec->global_party_id = party;
        rec->as.external.external_account_id = id;
        rec->as.external.account_type = C360_ACCOUNT_SAVINGS;
        rec->as.external.status = C360_STATUS_OPEN;
        rec->as.external.average_daily_balance.minor = 2500000;
        memcpy(rec->as.external.average_daily_balance.currency, "USD", 4);
        rec->as.external.as_of = START(day);
        ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, day, NULL, NULL), C360_OK);
    }
    if (day == T - 25 || day == T - 12 || day == T - 3) {
        for (int k = 0; k < 4; k++) {
            char session[48], id[64];
            snprintf(session, sizeof(session), "sess-%08d-%d", c, day);
            snprintf(id, sizeof(id), "%s-%d", session, k);
            c360_record_reset(rec, C360_ENTITY_WEB_ENGAGEMENT);
            rec->change = C360_CHANGE_UPSERT;
            rec->occurred_at = START(day) + 12 * 3600000 + k * 120000;
            rec->global_party_id = party;
            rec->as.web.engagement_id = id;
            rec->as.web.session_id = session;
            rec->as.web.subject = k % 2 ? "real_estate" : "savings";
            rec->as.web.duration_seconds = 90;
            ck_assert_int_eq(c360_insights_apply(ins, rec, party, day, NULL, NULL), C360_OK);
        }
    }
}

START_TEST(test_c360_insights_bytes_stays_within_2_kib_per_bank_customer)
{
    struct c360_insights *ins = fx_new();
    struct c360_record *rec;
    ck_assert_int_eq(c360_record_new(C360_ENTITY_FINANCIAL_ACCOUNT, &rec), C360_OK);
    for (int32_t day = T - 45; day <= T; day++) {
        for (int c = 0; c < CUSTOMERS; c++)
            bank_customer_day(ins, rec, c, day);
    }
    c360_record_destroy(rec);
    struct c360_insights_stats st;
    c360_insights_stats(ins, &st);
    ck_assert_uint_eq(st.parties, CUSTOMERS);
    ck_assert_uint_eq(st.accounts, 3 * CUSTOMERS);
    ck_assert_uint_eq(st.visits, 3 * CUSTOMERS);
    ck_assert_uint_eq(st.balances, 3 * 31 * CUSTOMERS); /* today−30 … today */
    size_t per = c360_insights_bytes(ins) / CUSTOMERS;
    ck_assert_msg(per <= 2048, "%zu bytes per customer", per);
    c360_insights_destroy(ins);
}
END_TEST

void c360_check_insights_add(Suite *s)
{
    TCase *tc = tcase_create("c360_insights_new");
    LOOP(tc, test_c360_insights_new_checks_its_config, configs);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_destroy");
    tcase_add_test(tc, test_c360_insights_destroy_takes_null);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_apply");
    tcase_add_test(tc, test_c360_insights_apply_takes_insight_inputs_only);
    tcase_add_test(tc, test_c360_insights_apply_reports_touched_owners);
    tcase_add_test(tc, test_c360_insights_apply_leaves_the_state_unchanged_on_error);
    tcase_add_test(tc, test_c360_insights_apply_caps_balance_days);
    tcase_add_test(tc, test_c360_insights_apply_finds_ids_of_every_length);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_prune");
    tcase_add_test(tc, test_c360_insights_prune_drops_history_not_answers);
    tcase_add_test(tc, test_c360_insights_prune_leaves_apply_its_days_ahead);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_bytes");
    tcase_add_test(tc, test_c360_insights_bytes_stays_within_2_kib_per_bank_customer);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
}

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("insights");
    c360_check_insights_add(s);
    c360_check_account_add(s);
    c360_check_balance_add(s);
    c360_check_visit_add(s);
    c360_check_query_add(s);
    c360_check_persist_add(s);
    return s;
}
