/*
 * Suite insights: accounts (src/insights/account.c) as the summary reads
 * them — tenure, holds, counts and balances of internal accounts; the latest
 * event winning; joint owners; closed and deleted accounts; external
 * accounts' types, statuses and latest record.
 */
#include "check_insights.h"

#include <string.h>

#define T TODAY
#define SAV C360_ACCOUNT_SAVINGS
#define CHK C360_ACCOUNT_CHECKING
#define MM C360_ACCOUNT_MONEY_MARKET
#define BANK_TYPES (C360_INSIGHTS_TYPE(CHK) | C360_INSIGHTS_TYPE(SAV) | C360_INSIGHTS_TYPE(MM))

static const char *const p1[] = {"P1", NULL};
static const char *const p2[] = {"P2", NULL};
static const char *const p3[] = {"P3", NULL};
static const char *const both[] = {"P1", "P2", NULL};

/* Up to two accounts of P1; tenure as the segments read it. */
static const struct {
    const char *name;
    struct {
        int32_t opened; /* 0: absent; -1: no account */
        enum c360_account_status status;
        bool deleted;
    } acct[2];
    int32_t earliest; /* C360_DATE_NONE when none */
    int32_t tenure;
} tenures[] = {
    {"opened 364 days ago", {{T - 364, 0, false}, {-1, 0, false}}, T - 364, 364},
    {"opened 365 days ago", {{T - 365, 0, false}, {-1, 0, false}}, T - 365, 365},
    {"opened 366 days ago", {{T - 366, 0, false}, {-1, 0, false}}, T - 366, 366},
    {"opened 1094 days ago", {{T - 1094, 0, false}, {-1, 0, false}}, T - 1094, 1094},
    {"opened 1095 days ago", {{T - 1095, 0, false}, {-1, 0, false}}, T - 1095, 1095},
    {"opened today", {{T, 0, false}, {-1, 0, false}}, T, 0},
    {"no account", {{-1, 0, false}, {-1, 0, false}}, C360_DATE_NONE, 0},
    {"earliest of two", {{T - 100, 0, false}, {T - 500, 0, false}}, T - 500, 500},
    {"closed account counts",
     {{T - 800, C360_STATUS_CLOSED, false}, {T - 10, 0, false}},
     T - 800,
     800},
    {"deleted account does not", {{T - 800, 0, true}, {T - 10, 0, false}}, T - 10, 10},
    {"only a deleted account", {{T - 800, 0, true}, {-1, 0, false}}, C360_DATE_NONE, 0},
    {"no openedDate is not a date", {{0, 0, false}, {T - 100, 0, false}}, T - 100, 100},
    {"opened in the future", {{T + 3, 0, false}, {-1, 0, false}}, T + 3, -3},
};

START_TEST(test_c360_insights_summarize_tenure_table)
{
    struct c360_insights *ins = fx_new();
    static const char *const ids[2] = {"A0", "A1"};
    for (int k = 0; k < 2; k++) {
        if (tenures[_i].acct[k].opened < 0)
            continue;
        struct fx_account a = {.id = ids[k],
                               .party = "P1",
                               .status = tenures[_i].acct[k].status,
                               .opened = tenures[_i].acct[k].opened};
        if (a.status == C360_STATUS_CLOSED)
            a.closed = T - 5;
        fx_account(ins, &a, T);
        if (tenures[_i].acct[k].deleted)
            fx_account(ins, &(struct fx_account){.id = ids[k], .delete = true}, T);
    }
    struct c360_insights_summary sum = fx_summary(ins, T, p1);
    ck_assert_msg(sum.earliest_opened == tenures[_i].earliest, "%s: earliest %d", tenures[_i].name,
                  sum.earliest_opened);
    ck_assert_msg(sum.tenure_days == tenures[_i].tenure, "%s: tenure %d", tenures[_i].name,
                  sum.tenure_days);
    /* The cross-sell segment's test must be false without an account. */
    ck_assert_int_eq(sum.tenure_days >= 365, tenures[_i].tenure >= 365);
    c360_insights_destroy(ins);
}
END_TEST

static const struct {
    enum c360_account_status status;
    bool holds;
} statuses[] = {
    {C360_STATUS_OPEN, true},
    {C360_STATUS_CLOSED, false},
    {C360_STATUS_ON_HOLD, false},
    {C360_STATUS_PENDING, false},
};

START_TEST(test_c360_insights_summarize_holds_open_accounts_only)
{
    struct c360_insights *ins = fx_new();
    fx_account(ins, &(struct fx_account){.id = "A1", .party = "P1", .status = statuses[_i].status},
               T);
    struct c360_insights_summary sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(sum.open_by_type[SAV] > 0, statuses[_i].holds);
    ck_assert_int_eq(sum.open_by_type[MM], 0);
    ck_assert_int_eq(sum.accounts, 1);
    ck_assert_int_eq(sum.open, statuses[_i].holds);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_summarize_takes_the_latest_event)
{
    struct c360_insights *ins = fx_new();
    int64_t noon = START(T) + C360_MS_PER_DAY / 2;
    fx_account(ins, &(struct fx_account){.id = "A1", .party = "P1", .at = noon}, T);
    /* An older event arriving late changes no field, but its balance counts. */
    fx_account(ins,
               &(struct fx_account){.id = "A1",
                                    .party = "P2",
                                    .status = C360_STATUS_CLOSED,
                                    .closed = T - 100,
                                    .minor = 700,
                                    .as_of = START(T - 40),
                                    .at = noon - 1},
               T);
    struct c360_insights_summary sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(sum.open_by_type[SAV], 1);
    ck_assert_int_eq(sum.adb_sum[SAV], 30 * 700);
    ck_assert_int_eq(fx_summary(ins, T, p2).accounts, 0);
    /* At equal occurredAt the later arrival wins. */
    fx_account(ins,
               &(struct fx_account){
                   .id = "A1", .party = "P1", .type = MM, .status = C360_STATUS_OPEN, .at = noon},
               T);
    sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(sum.open_by_type[SAV], 0);
    ck_assert_int_eq(sum.open_by_type[MM], 1);
    ck_assert_int_eq(sum.adb_sum[MM], 30 * 700); /* history stays with the account */
    fx_account(ins,
               &(struct fx_account){
                   .id = "A1", .party = "P1", .status = C360_STATUS_CLOSED, .at = noon + 1},
               T);
    sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(sum.open, 0);
    ck_assert_int_eq(sum.accounts, 1);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_summarize_counts_a_joint_account_for_each_owner)
{
    struct c360_insights *ins = fx_new();
    fx_account(ins,
               &(struct fx_account){.id = "J",
                                    .party = "P1",
                                    .joint = {"P2", "P1", "P2"}, /* repeats count once */
                                    .opened = T - 400,
                                    .minor = 500,
                                    .as_of = START(T - 1)},
               T);
    fx_account(ins, &(struct fx_account){.id = "S", .party = "P2", .opened = T - 30}, T);
    struct c360_insights_summary s1 = fx_summary(ins, T, p1), s2 = fx_summary(ins, T, p2),
                                 s12 = fx_summary(ins, T, both);
    ck_assert_int_eq(s1.accounts, 1);
    ck_assert_int_eq(s1.tenure_days, 400);
    ck_assert_int_eq(s1.balance, 500);
    ck_assert_int_eq(s2.accounts, 2);
    ck_assert_int_eq(s2.tenure_days, 400); /* the joint account's openedDate */
    ck_assert_int_eq(s12.accounts, 2);     /* J once, S once */
    ck_assert_int_eq(s12.open_by_type[SAV], 2);
    ck_assert_int_eq(s12.balance, 500);
    ck_assert_int_eq(s12.adb_sum[SAV], 500);
    /* A newer event with other owners moves the account. */
    fx_account(ins, &(struct fx_account){.id = "J", .party = "P3", .opened = T - 400}, T);
    ck_assert_int_eq(fx_summary(ins, T, p1).accounts, 0);
    ck_assert_int_eq(fx_summary(ins, T, p2).accounts, 1);
    ck_assert_int_eq(fx_summary(ins, T, p3).accounts, 1);
    ck_assert_int_eq(fx_summary(ins, T, p3).balance, 500);
    c360_insights_destroy(ins);
}
END_TEST

/* Joint owners share a block with the balance days: changing them, in the
 * event that brings a day (past int32_t) or after every day folded away,
 * keeps every day. */
START_TEST(test_c360_insights_summarize_keeps_balances_as_joint_owners_change)
{
    const int64_t big = INT64_C(3000000000);
    struct c360_insights *ins = fx_new();
    fx_account(
        ins,
        &(struct fx_account){
            .id = "J", .party = "P1", .opened = T - 400, .minor = 100, .as_of = START(T - 5)},
        T);
    fx_account(
        ins,
        &(struct fx_account){
            .id = "J", .party = "P1", .opened = T - 400, .minor = 300, .as_of = START(T - 3)},
        T);
    fx_account(ins,
               &(struct fx_account){.id = "J",
                                    .party = "P1",
                                    .joint = {"P2", "P3"},
                                    .opened = T - 400,
                                    .minor = big,
                                    .as_of = START(T - 1)},
               T);
    struct c360_insights_summary s2 = fx_summary(ins, T, p2);
    ck_assert_int_eq(s2.accounts, 1);
    ck_assert(s2.adb_sum[SAV] == 2 * 100 + 2 * 300 + big);
    ck_assert(s2.balance == big);
    fx_account(
        ins, &(struct fx_account){.id = "J", .party = "P1", .joint = {"P3"}, .opened = T - 400}, T);
    ck_assert_int_eq(fx_summary(ins, T, p2).accounts, 0);
    ck_assert(fx_summary(ins, T, p3).adb_sum[SAV] == 2 * 100 + 2 * 300 + big);
    /* Every day folds into the one before the window; the owners stay. */
    c360_insights_prune(ins, T + 60);
    struct c360_insights_summary s3 = fx_summary(ins, T + 60, p3);
    ck_assert_int_eq(s3.accounts, 1);
    ck_assert(s3.adb_sum[SAV] == 30 * big);
    fx_account(ins,
               &(struct fx_account){.id = "J",
                                    .party = "P1",
                                    .joint = {"P2"},
                                    .opened = T - 400,
                                    .minor = 5,
                                    .as_of = START(T + 59) + 1},
               T + 60);
    ck_assert_int_eq(fx_summary(ins, T + 60, p3).accounts, 0);
    s2 = fx_summary(ins, T + 60, p2);
    ck_assert_int_eq(s2.accounts, 1);
    ck_assert(s2.adb_sum[SAV] == 29 * big + 5);
    ck_assert(s2.balance == 5);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_summarize_forgets_a_deleted_account)
{
    struct c360_insights *ins = fx_new();
    struct fx_account a = {
        .id = "A1", .party = "P1", .opened = T - 900, .minor = 400000, .as_of = START(T - 40)};
    fx_account(ins, &a, T);
    fx_account(ins, &(struct fx_account){.id = "A1", .delete = true}, T);
    struct c360_insights_summary sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(sum.accounts, 0);
    ck_assert_int_eq(sum.earliest_opened, C360_DATE_NONE);
    ck_assert_int_eq(sum.adb_sum[SAV], 0);
    ck_assert_int_eq(sum.balance, 0);
    /* Deleting what is not there is no error. */
    fx_account(ins, &(struct fx_account){.id = "A1", .delete = true}, T);
    /* An upsert after the DELETE starts a new account: no old balances. */
    fx_account(ins, &(struct fx_account){.id = "A1", .party = "P1", .opened = T - 10}, T);
    sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(sum.accounts, 1);
    ck_assert_int_eq(sum.tenure_days, 10);
    ck_assert_int_eq(sum.adb_sum[SAV], 0);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_summarize_counts_and_balances)
{
    struct c360_insights *ins = fx_new();
    fx_account(ins,
               &(struct fx_account){
                   .id = "C", .party = "P1", .type = CHK, .minor = 10000, .as_of = START(T)},
               T);
    /* The latest balance is the greatest balanceAsOf, whatever the arrival. */
    fx_account(ins,
               &(struct fx_account){.id = "S", .party = "P1", .minor = 7000, .as_of = START(T - 1)},
               T);
    fx_account(ins,
               &(struct fx_account){.id = "S", .party = "P1", .minor = 5000, .as_of = START(T - 3)},
               T);
    fx_account(ins,
               &(struct fx_account){.id = "X",
                                    .party = "P1",
                                    .status = C360_STATUS_CLOSED,
                                    .minor = 100000,
                                    .as_of = START(T - 1)},
               T);
    fx_account(ins,
               &(struct fx_account){.id = "CC",
                                    .party = "P1",
                                    .type = C360_ACCOUNT_CREDIT_CARD,
                                    .minor = -25000,
                                    .as_of = START(T - 2)},
               T);
    fx_account(
        ins,
        &(struct fx_account){
            .id = "E", .party = "P1", .minor = 999999, .currency = "EUR", .as_of = START(T - 2)},
        T);
    struct c360_insights_summary sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(sum.accounts, 5);
    ck_assert_int_eq(sum.open, 4);
    ck_assert_int_eq(sum.open_by_type[SAV], 2);
    ck_assert_int_eq(sum.open_by_type[CHK], 1);
    ck_assert_int_eq(sum.open_by_type[C360_ACCOUNT_CREDIT_CARD], 1);
    ck_assert_int_eq(sum.balance, 10000 + 7000 - 25000);
    ck_assert_int_eq(sum.foreign, 1); /* the EUR account is left out, and said so */
    /* Savings: S holds 5000 on T−3 and T−2, 7000 on T−1; X 100000 on T−1. */
    ck_assert_int_eq(sum.adb_sum[SAV], 5000 * 2 + 7000 + 100000);
    c360_insights_destroy(ins);
}
END_TEST

/* One external account of P1, against externalAdb([CHECKING, SAVINGS, MONEY_MARKET]). */
static const struct {
    enum c360_account_type type;
    enum c360_account_status status;
    const char *currency;
    int64_t bank; /* externalAdb of the three types */
    uint32_t foreign;
} externals[] = {
    {SAV, C360_STATUS_OPEN, NULL, 500000, 0},
    {CHK, C360_STATUS_OPEN, NULL, 500000, 0},
    {MM, C360_STATUS_OPEN, NULL, 500000, 0},
    {C360_ACCOUNT_CD, C360_STATUS_OPEN, NULL, 0, 0},
    {C360_ACCOUNT_INVESTMENT, C360_STATUS_OPEN, NULL, 0, 0},
    {SAV, C360_STATUS_CLOSED, NULL, 0, 0},
    {SAV, C360_STATUS_ON_HOLD, NULL, 0, 0},
    {SAV, C360_STATUS_PENDING, NULL, 0, 0},
    {SAV, C360_STATUS_OPEN, "EUR", 0, 1},
};

START_TEST(test_c360_insights_summarize_external_types_and_statuses)
{
    struct c360_insights *ins = fx_new();
    fx_external(ins,
                &(struct fx_external){.id = "X1",
                                      .party = "P1",
                                      .type = externals[_i].type,
                                      .status = externals[_i].status,
                                      .currency = externals[_i].currency,
                                      .minor = 500000,
                                      .as_of = START(T - 1)},
                T);
    struct c360_insights_summary sum = fx_summary(ins, T, p1);
    ck_assert_int_eq(c360_insights_external_adb(&sum, BANK_TYPES), externals[_i].bank);
    ck_assert_int_eq(sum.foreign, externals[_i].foreign);
    ck_assert_int_eq(sum.accounts, 0); /* external accounts are not internal ones */
    c360_insights_destroy(ins);
}
END_TEST

static int64_t external_adb(const struct c360_insights *ins, const char *const *keys)
{
    struct c360_insights_summary sum = fx_summary(ins, T, keys);
    return c360_insights_external_adb(&sum, BANK_TYPES);
}

START_TEST(test_c360_insights_summarize_takes_the_latest_external_record)
{
    struct c360_insights *ins = fx_new();
    int64_t noon = START(T) + C360_MS_PER_DAY / 2;
    struct fx_external x = {
        .id = "X1", .party = "P1", .minor = 100, .as_of = START(T - 2), .at = noon};
    fx_external(ins, &x, T);
    /* An older asOf loses even with a later occurredAt. */
    fx_external(ins,
                &(struct fx_external){.id = "X1",
                                      .party = "P1",
                                      .status = C360_STATUS_CLOSED,
                                      .minor = 999,
                                      .as_of = START(T - 3),
                                      .at = noon + 1000},
                T);
    ck_assert_int_eq(external_adb(ins, p1), 100);
    /* At equal asOf, an older occurredAt loses … */
    x.minor = 200, x.at = noon - 1;
    fx_external(ins, &x, T);
    ck_assert_int_eq(external_adb(ins, p1), 100);
    /* … and at equal both, the later arrival wins. */
    x.minor = 300, x.at = noon;
    fx_external(ins, &x, T);
    ck_assert_int_eq(external_adb(ins, p1), 300);
    /* A second account adds up; a newer CLOSED record takes one out. */
    fx_external(ins, &(struct fx_external){.id = "X2", .party = "P1", .type = MM, .minor = 50}, T);
    ck_assert_int_eq(external_adb(ins, p1), 350);
    static const char *const twice[] = {"P1", "P2", "P1", NULL};
    ck_assert_int_eq(external_adb(ins, twice), 350); /* a key listed twice counts once */
    x.status = C360_STATUS_CLOSED, x.as_of = START(T - 1);
    fx_external(ins, &x, T);
    ck_assert_int_eq(external_adb(ins, p1), 50);
    /* A newer record of another owner moves it. */
    fx_external(
        ins, &(struct fx_external){.id = "X2", .party = "P2", .type = MM, .minor = 60, .as_of = 1},
        T);
    ck_assert_int_eq(external_adb(ins, p1), 0);
    ck_assert_int_eq(external_adb(ins, p2), 60);
    fx_external(ins, &(struct fx_external){.id = "X2", .delete = true}, T);
    ck_assert_int_eq(external_adb(ins, p2), 0);
    c360_insights_destroy(ins);
}
END_TEST

/* --- Whether an apply changed an answer (c360_insights_touched.changed). */

/* Applies a; touched.changed, and how many keys it touched into *count. */
static bool changed_by(struct c360_insights *ins, const struct fx_account *a, int32_t today,
                       size_t *count)
{
    struct c360_insights_touched touched;
    struct c360_diag diag;
    struct c360_record *rec = fx_account_record(a, today);
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_insights_apply(ins, rec, NULL, today, &touched, &diag), C360_OK);
    c360_record_destroy(rec);
    *count = touched.count;
    return touched.changed;
}

#define NOON(day) (START(day) + C360_MS_PER_DAY / 2)
#define HOUR INT64_C(3600000)

/* Savings account A1 of P1 reporting 100.00 at 10:00 of T−10, then an event. */
static const struct {
    const char *name;
    struct fx_account event;
    bool changed;
} restated[] = {
    {"the same balance a day later",
     {.minor = USD(100, 0), .as_of = START(T - 9) + 10 * HOUR, .at = NOON(T - 9)},
     false},
    {"another balance a day later",
     {.minor = USD(100, 1), .as_of = START(T - 9) + 10 * HOUR, .at = NOON(T - 9)},
     true},
    {"the same balance later that day",
     {.minor = USD(100, 0), .as_of = START(T - 10) + 11 * HOUR, .at = NOON(T - 9)},
     false},
    {"another balance later that day",
     {.minor = USD(7, 0), .as_of = START(T - 10) + 11 * HOUR, .at = NOON(T - 9)},
     true},
    {"another balance earlier that day",
     {.minor = USD(7, 0), .as_of = START(T - 10) + 9 * HOUR, .at = NOON(T - 9)},
     false},
    {"the same balance days before the first",
     {.minor = USD(100, 0), .as_of = START(T - 12), .at = NOON(T - 9)},
     true},
    {"the same balance in the future",
     {.minor = USD(100, 0), .as_of = START(T + 3), .at = NOON(T - 9)},
     false},
    {"another balance in the future",
     {.minor = USD(3, 0), .as_of = START(T + 3), .at = NOON(T - 9)},
     true},
    {"no balance", {.at = NOON(T - 9)}, false},
    {"an older event restating the balance",
     {.minor = USD(100, 0), .as_of = START(T - 9), .at = NOON(T - 20)},
     false},
    {"an older event with another balance",
     {.minor = USD(5, 0), .as_of = START(T - 9), .at = NOON(T - 20)},
     true},
    {"an older event with another status",
     {.status = C360_STATUS_CLOSED, .closed = T - 9, .at = NOON(T - 20)},
     false},
    {"a newer event with another status",
     {.status = C360_STATUS_CLOSED, .closed = T - 9, .at = NOON(T - 9)},
     true},
    {"another type", {.type = CHK, .at = NOON(T - 9)}, true},
    {"another openedDate", {.opened = T - 501, .at = NOON(T - 9)}, true},
    {"another owner", {.party = "P2", .at = NOON(T - 9)}, true},
    {"a joint owner", {.joint = {"P2"}, .at = NOON(T - 9)}, true},
    {"a balance in another currency",
     {.minor = USD(100, 0), .currency = "EUR", .as_of = START(T - 9), .at = NOON(T - 9)},
     true},
    {"a delete", {.delete = true, .at = NOON(T - 9)}, true},
};

START_TEST(test_c360_insights_apply_tells_an_event_restating_the_account)
{
    struct c360_insights *ins = fx_new();
    struct fx_account first = {.id = "A1",
                               .party = "P1",
                               .opened = T - 500,
                               .minor = USD(100, 0),
                               .as_of = START(T - 10) + 10 * HOUR,
                               .at = NOON(T - 10)};
    size_t count;
    ck_assert(changed_by(ins, &first, T, &count)); /* a new account */
    struct fx_account ev = restated[_i].event;
    ev.id = "A1";
    if (!ev.party)
        ev.party = "P1";
    if (!ev.opened)
        ev.opened = first.opened;
    ck_assert_msg(changed_by(ins, &ev, T, &count) == restated[_i].changed, "%s", restated[_i].name);
    ck_assert_msg(count >= 1, "%s: its owners are touched all the same", restated[_i].name);
    c360_insights_destroy(ins);
}
END_TEST

/* Everything a profile's evaluation reads from its accounts, from today on. */
static void answers_of(const struct c360_insights *ins, const char *const *keys, int64_t *out)
{
    size_t n = 0;
    for (int d = 0; d < 3; d++) {
        struct c360_insights_summary sum;
        c360_insights_summarize(ins, keys, fx_count(keys), T + d * 20, &sum);
        out[n++] = sum.earliest_opened;
        out[n++] = sum.tenure_days;
        out[n++] = sum.accounts;
        out[n++] = sum.open;
        out[n++] = sum.balance;
        out[n++] = sum.foreign;
        for (int t = 0; t < C360_INSIGHTS_TYPES; t++) {
            out[n++] = sum.open_by_type[t];
            out[n++] = sum.adb_sum[t];
        }
    }
    out[n++] = c360_insights_next_change(ins, keys, fx_count(keys), T, NULL, 0);
    int64_t lo = 0, hi = 0;
    out[n++] = c360_insights_adb_bounds(ins, keys, fx_count(keys), T, BANK_TYPES, &lo, &hi);
    out[n++] = lo;
    out[n++] = hi;
}

#define ANSWERS (3 * (6 + 2 * C360_INSIGHTS_TYPES) + 4)

/* Random account events, many restating balances: an event that says it
 * changed nothing must leave every answer as it was. */
START_TEST(test_c360_insights_apply_changes_nothing_when_it_says_so)
{
    struct c360_insights *ins = fx_new();
    static const char *const ids[] = {"A1", "A2"};
    static const enum c360_account_type types[] = {SAV, CHK, MM};
    uint64_t seed = 7;
    int unchanged = 0, changed = 0;
    for (int n = 0; n < 3000; n++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        uint32_t r = (uint32_t)(seed >> 33);
        struct fx_account ev = {.id = ids[r % 2],
                                .party = "P1",
                                .type = types[(r >> 1) % 16 == 0 ? (r >> 5) % 3 : 0],
                                .opened = T - 400,
                                .minor = USD(100 + 50 * ((r >> 7) % 2), 0),
                                .as_of = START(T - 45 + (int32_t)((r >> 9) % 50)) +
                                         (int64_t)((r >> 15) % 4) * 6 * HOUR,
                                .at = NOON(T - 45 + (int32_t)((r >> 17) % 46))};
        if ((r >> 23) % 32 == 0)
            ev.joint[0] = "P2";
        if ((r >> 28) % 16 == 0) {
            ev.status = C360_STATUS_CLOSED;
            ev.closed = T - 40 + (int32_t)((r >> 2) % 45);
        }
        if ((r >> 24) % 64 == 0)
            ev = (struct fx_account){.id = ev.id, .delete = true, .at = ev.at};
        int64_t before[2][ANSWERS], after[2][ANSWERS];
        answers_of(ins, p1, before[0]);
        answers_of(ins, p2, before[1]);
        size_t count;
        bool said = changed_by(ins, &ev, T, &count);
        answers_of(ins, p1, after[0]);
        answers_of(ins, p2, after[1]);
        ck_assert_msg(said || memcmp(before, after, sizeof(before)) == 0,
                      "event %d said it changed nothing, and an answer changed", n);
        unchanged += !said;
        changed += said;
    }
    /* Both kinds were met: the test covers what it claims. */
    ck_assert_int_gt(unchanged, 500);
    ck_assert_int_gt(changed, 500);
    c360_insights_destroy(ins);
}
END_TEST

void c360_check_account_add(Suite *s)
{
    TCase *tc = tcase_create("c360_insights_summarize");
    LOOP(tc, test_c360_insights_summarize_tenure_table, tenures);
    LOOP(tc, test_c360_insights_summarize_holds_open_accounts_only, statuses);
    tcase_add_test(tc, test_c360_insights_summarize_takes_the_latest_event);
    tcase_add_test(tc, test_c360_insights_summarize_counts_a_joint_account_for_each_owner);
    tcase_add_test(tc, test_c360_insights_summarize_keeps_balances_as_joint_owners_change);
    tcase_add_test(tc, test_c360_insights_summarize_forgets_a_deleted_account);
    tcase_add_test(tc, test_c360_insights_summarize_counts_and_balances);
    LOOP(tc, test_c360_insights_summarize_external_types_and_statuses, externals);
    tcase_add_test(tc, test_c360_insights_summarize_takes_the_latest_external_record);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_touched_changed");
    LOOP(tc, test_c360_insights_apply_tells_an_event_restating_the_account, restated);
    tcase_add_test(tc, test_c360_insights_apply_changes_nothing_when_it_says_so);
    suite_add_tcase(s, tc);
}
