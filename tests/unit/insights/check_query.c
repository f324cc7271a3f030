/*
 * Suite insights: next_change (src/insights/query.c) at each kind of change
 * point — a balance observation, an openedDate, a closedDate entering or
 * leaving the window, changes that undo each other, visits aging out — and
 * that the day it names is the day the answer really changes; adb_bounds
 * against the window sums of every day of the next year.
 */
#include "check_insights.h"

#include <stdio.h>

#define T TODAY
#define NEVER C360_INSIGHTS_NEVER
#define SAV C360_INSIGHTS_TYPE(C360_ACCOUNT_SAVINGS)

static const char *const p1[] = {"P1", NULL};

static int64_t adb_on(const struct c360_insights *ins, int32_t today)
{
    struct c360_insights_summary sum = fx_summary(ins, today, p1);
    return c360_insights_adb_sum(&sum, ~UINT32_C(0));
}

/* One savings account; next_change as days after today (NEVER: none). */
static const struct {
    const char *name;
    int32_t opened, closed; /* 0: absent */
    struct {
        int64_t at, minor;
    } obs[3];
    int n;
    int32_t next; /* days after T, or NEVER */
} changes[] = {
    {"constant since before the window", 0, 0, {{START(T - 90), 1000}}, 1, NEVER},
    {"open, no balance ever", T - 400, 0, {{0, 0}}, 0, NEVER},
    {"a new balance 5 days ago", 0, 0, {{START(T - 90), 1000}, {START(T - 5), 2000}}, 2, 1},
    {"a new balance today", 0, 0, {{START(T - 90), 1000}, {START(T) + 3600000, 2000}}, 2, 1},
    {"a balance dated in 3 days", 0, 0, {{START(T - 90), 1000}, {START(T + 3), 2000}}, 2, 4},
    {"a new balance 29 days ago", 0, 0, {{START(T - 90), 1000}, {START(T - 29), 2000}}, 2, 1},
    {"a new balance 30 days ago", 0, 0, {{START(T - 90), 1000}, {START(T - 30), 2000}}, 2, NEVER},
    {"a new balance 31 days ago", 0, 0, {{START(T - 90), 1000}, {START(T - 31), 2000}}, 2, NEVER},
    {"the same balance again", 0, 0, {{START(T - 90), 1000}, {START(T - 5), 1000}}, 2, NEVER},
    /* Up on T−10, back on T−5: the window total moves again only when
     * day T−10 leaves it, on T+21. */
    {"up and back down inside the window",
     0,
     0,
     {{START(T - 90), 1000}, {START(T - 10), 2000}, {START(T - 5), 1000}},
     3,
     21},
    {"opened in 2 days", T + 2, 0, {{START(T - 1), 1000}}, 1, 3},
    {"opened 29 days ago", T - 29, 0, {{START(T - 90), 1000}}, 1, 1},
    {"opened 30 days ago", T - 30, 0, {{START(T - 90), 1000}}, 1, NEVER},
    {"closing in 10 days", T - 400, T + 10, {{START(T - 90), 1000}}, 1, 11},
    {"closed 29 days ago", T - 400, T - 29, {{START(T - 90), 1000}}, 1, 1},
    {"closed 30 days ago", T - 400, T - 30, {{START(T - 90), 1000}}, 1, NEVER},
    {"closing in 10 days with nothing to lose", T - 400, T + 10, {{0, 0}}, 0, NEVER},
};

/* A store holding the one account of changes[i]. */
static struct c360_insights *changes_account(int i)
{
    struct c360_insights *ins = fx_new();
    struct fx_account a = {.id = "A1",
                           .party = "P1",
                           .opened = changes[i].opened,
                           .closed = changes[i].closed,
                           .status = changes[i].closed ? C360_STATUS_CLOSED : C360_STATUS_OPEN};
    if (changes[i].n == 0)
        fx_account(ins, &a, T);
    for (int k = 0; k < changes[i].n; k++) {
        a.as_of = changes[i].obs[k].at;
        a.minor = changes[i].obs[k].minor;
        fx_account(ins, &a, T);
    }
    return ins;
}

START_TEST(test_c360_insights_next_change_table)
{
    struct c360_insights *ins = changes_account(_i);
    int32_t got = c360_insights_next_change(ins, p1, 1, T, NULL, 0);
    int32_t want = changes[_i].next == NEVER ? NEVER : T + changes[_i].next;
    ck_assert_msg(got == want, "%s: %d days, want %d", changes[_i].name,
                  got == NEVER ? -1 : got - T, changes[_i].next == NEVER ? -1 : changes[_i].next);
    /* The answer is the day the total moves, and it does not move before. */
    for (int32_t day = T + 1; day <= T + 40 && day <= want; day++) {
        bool moved = adb_on(ins, day) != adb_on(ins, day - 1);
        ck_assert_msg(moved == (day == want), "%s: day +%d %s", changes[_i].name, day - T,
                      moved ? "moved" : "did not move");
    }
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_next_change_per_type)
{
    /* Two savings accounts trading 10.00 on one day leave every adb as it
     * was; a savings and a checking account doing the same do not. */
    for (int mixed = 0; mixed < 2; mixed++) {
        struct c360_insights *ins = fx_new();
        struct fx_account a = {.id = "A", .party = "P1", .minor = 1000, .as_of = START(T - 90)};
        fx_account(ins, &a, T);
        a.minor = 2000, a.as_of = START(T - 5);
        fx_account(ins, &a, T);
        struct fx_account b = {.id = "B",
                               .party = "P1",
                               .type = mixed ? C360_ACCOUNT_CHECKING : C360_ACCOUNT_SAVINGS,
                               .minor = 2000,
                               .as_of = START(T - 90)};
        fx_account(ins, &b, T);
        b.minor = 1000, b.as_of = START(T - 5);
        fx_account(ins, &b, T);
        ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, T, NULL, 0), mixed ? T + 1 : NEVER);
        c360_insights_destroy(ins);
    }
}
END_TEST

START_TEST(test_c360_insights_next_change_when_a_visit_ages_out)
{
    struct c360_insights *ins = fx_new();
    struct c360_insights_visit_rule rules[2] = {{"real_estate", 20, 30}, {"real_estate", 20, 7}};
    struct fx_web w = {
        .id = "E1", .owner = "P1", .session = "S1", .subject = "real_estate", .seconds = 1500};
    /* Nothing qualifies: nothing to age out. */
    ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, T, rules, 2), NEVER);
    w.at = START(T - 3) + 3600000;
    fx_web(ins, &w, T);
    /* Last event on T−3: qualifies up to T−3+7 for 7 days, T−3+30 for 30. */
    ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, T, &rules[0], 1), T + 28);
    ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, T, rules, 2), T + 5);
    ck_assert(c360_insights_qualifying_visit(ins, p1, 1, T + 4, &rules[1]));
    ck_assert(!c360_insights_qualifying_visit(ins, p1, 1, T + 5, &rules[1]));
    ck_assert(c360_insights_qualifying_visit(ins, p1, 1, T + 27, &rules[0]));
    ck_assert(!c360_insights_qualifying_visit(ins, p1, 1, T + 28, &rules[0]));
    /* A later qualifying visit keeps the rule true longer. */
    w.id = "E2", w.session = "S2", w.at = START(T - 1);
    fx_web(ins, &w, T);
    ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, T, &rules[1], 1), T + 7);
    /* Visits that do not qualify (too short, other subject) change nothing. */
    struct c360_insights_visit_rule strict[2] = {{"real_estate", 25, 30}, {"retirement", 0, 30}};
    ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, T, strict, 2), NEVER);
    /* Balances and visits together: the earlier day. */
    fx_account(
        ins, &(struct fx_account){.id = "A1", .party = "P1", .minor = 1, .as_of = START(T + 2)}, T);
    ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, T, rules, 2), T + 3);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_next_change_answers_nothing_for_a_day_out_of_range)
{
    struct c360_insights *ins = fx_new();
    fx_account(ins,
               &(struct fx_account){
                   .id = "A1", .party = "P1", .opened = T - 400, .minor = 5, .as_of = START(T - 1)},
               T);
    fx_web(ins,
           &(struct fx_web){.id = "E1",
                            .owner = "P1",
                            .session = "S1",
                            .subject = "real_estate",
                            .at = START(T - 1),
                            .seconds = 1500},
           T);
    struct c360_insights_visit_rule rule = {"real_estate", 20, 30};
    ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, T, &rule, 1), T + 1);
    ck_assert(c360_insights_qualifying_visit(ins, p1, 1, T, &rule));
    int32_t odd[] = {INT32_MIN, INT32_MAX, c360_date_from_civil(10000, 1, 1)};
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(c360_insights_next_change(ins, p1, 1, odd[k], &rule, 1), NEVER);
        ck_assert(!c360_insights_qualifying_visit(ins, p1, 1, odd[k], &rule));
        ck_assert_int_eq(fx_summary(ins, odd[k], p1).accounts, 0);
    }
    c360_insights_destroy(ins);
}
END_TEST

/* adb_bounds is exact: the least and greatest window sum of the days after
 * today, which the days up to a year ahead show. */
START_TEST(test_c360_insights_adb_bounds_table)
{
    struct c360_insights *ins = changes_account(_i);
    int64_t lo, hi, least = INT64_MAX, most = INT64_MIN;
    ck_assert(c360_insights_adb_bounds(ins, p1, 1, T, SAV, &lo, &hi));
    for (int32_t day = T + 1; day <= T + 366; day++) {
        int64_t sum = adb_on(ins, day);
        least = sum < least ? sum : least;
        most = sum > most ? sum : most;
    }
    ck_assert_msg(lo == least && hi == most, "%s: [%lld, %lld], want [%lld, %lld]",
                  changes[_i].name, (long long)lo, (long long)hi, (long long)least,
                  (long long)most);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_adb_bounds_sums_only_the_types_asked)
{
    /* Savings falling from 3000.00 to 1000.00 five days ago while checking
     * rises from 1000.00 to 3000.00: each moves, their total does not. */
    struct c360_insights *ins = fx_new();
    struct fx_account s = {.id = "S", .party = "P1", .minor = 300000, .as_of = START(T - 90)};
    struct fx_account c = {
        .id = "C", .party = "P1", .type = C360_ACCOUNT_CHECKING, .minor = 100000, .as_of = s.as_of};
    fx_account(ins, &s, T);
    fx_account(ins, &c, T);
    s.minor = 100000, c.minor = 300000, s.as_of = c.as_of = START(T - 5);
    fx_account(ins, &s, T);
    fx_account(ins, &c, T);
    uint32_t both = SAV | C360_INSIGHTS_TYPE(C360_ACCOUNT_CHECKING);
    int64_t lo, hi;
    ck_assert(c360_insights_adb_bounds(ins, p1, 1, T, both, &lo, &hi));
    ck_assert_int_eq(lo, 30 * 400000);
    ck_assert_int_eq(hi, 30 * 400000);
    /* Savings alone: 25 days of 3000.00 and 5 of 1000.00 tomorrow, down to
     * 30 of 1000.00 from T + 26 on. */
    ck_assert(c360_insights_adb_bounds(ins, p1, 1, T, SAV, &lo, &hi));
    ck_assert_int_eq(lo, 30 * 100000);
    ck_assert_int_eq(hi, 24 * 300000 + 6 * 100000);
    ck_assert(
        c360_insights_adb_bounds(ins, p1, 1, T, C360_INSIGHTS_TYPE(C360_ACCOUNT_LOAN), &lo, &hi));
    ck_assert_int_eq(lo, 0);
    ck_assert_int_eq(hi, 0);
    /* A closedDate more than a year ahead: no bounds. */
    fx_account(ins,
               &(struct fx_account){
                   .id = "L", .party = "P1", .closed = T + 500, .minor = 5, .as_of = START(T - 90)},
               T);
    ck_assert(!c360_insights_adb_bounds(ins, p1, 1, T, SAV, &lo, &hi));
    c360_insights_destroy(ins);
}
END_TEST

/* 300 parties P0…P299; account Ai is owned by Pi and jointly by P(i+1),
 * wrapping, and holds 1.00 in savings since T − 90; P299 visited a
 * real-estate page for 25 minutes 3 days ago. */
#define WIDE_PARTIES 300

static struct c360_insights *wide_profile(char names[][8])
{
    struct c360_insights *ins = fx_new();
    for (int i = 0; i < WIDE_PARTIES; i++)
        snprintf(names[i], 8, "P%d", i);
    for (int i = 0; i < WIDE_PARTIES; i++) {
        char id[8];
        snprintf(id, sizeof(id), "A%d", i);
        fx_account(ins,
                   &(struct fx_account){.id = id,
                                        .party = names[i],
                                        .joint = {names[(i + 1) % WIDE_PARTIES]},
                                        .opened = T - 400,
                                        .minor = 100,
                                        .as_of = START(T - 90)},
                   T);
    }
    fx_web(ins,
           &(struct fx_web){.id = "E1",
                            .owner = names[WIDE_PARTIES - 1],
                            .session = "S1",
                            .subject = "real_estate",
                            .at = START(T - 3),
                            .seconds = 1500},
           T);
    return ins;
}

START_TEST(test_c360_insights_resolve_lists_each_account_once)
{
    /* P0…P199 (P0 twice): A0…A199 through their primary owners, A299
     * through its joint owner P0; A1…A199 are reached twice, once each. */
    char names[WIDE_PARTIES][8];
    struct c360_insights *ins = wide_profile(names);
    const char *keys[201];
    for (int i = 0; i < 200; i++)
        keys[i] = names[i];
    keys[200] = names[0];
    struct c360_insights_owners owners;
    c360_insights_resolve(ins, keys, 201, &owners);
    ck_assert(owners.listed);
    ck_assert_uint_eq(owners.n_parties, 200);
    ck_assert_uint_eq(owners.n_accounts, 201);
    struct c360_insights_summary sum;
    c360_insights_owners_summarize(&owners, T, &sum);
    ck_assert_uint_eq(sum.accounts, 201);
    ck_assert_int_eq(sum.adb_sum[C360_ACCOUNT_SAVINGS], 201 * 100 * 30);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_resolve_walks_the_keys_of_a_profile_too_large_to_list)
{
    /* All 300 parties: more than C360_INSIGHTS_OWNERS_MAX, so every query
     * walks the keys, and answers as a listed profile would. */
    char names[WIDE_PARTIES][8];
    struct c360_insights *ins = wide_profile(names);
    const char *keys[WIDE_PARTIES + 1];
    for (int i = 0; i < WIDE_PARTIES; i++)
        keys[i] = names[i];
    keys[WIDE_PARTIES] = names[7];
    struct c360_insights_owners owners;
    c360_insights_resolve(ins, keys, WIDE_PARTIES + 1, &owners);
    ck_assert(!owners.listed);
    struct c360_insights_summary sum;
    c360_insights_owners_summarize(&owners, T, &sum);
    ck_assert_uint_eq(sum.accounts, WIDE_PARTIES);
    ck_assert_uint_eq(sum.open_by_type[C360_ACCOUNT_SAVINGS], WIDE_PARTIES);
    ck_assert_int_eq(sum.tenure_days, 400);
    ck_assert_int_eq(sum.adb_sum[C360_ACCOUNT_SAVINGS], WIDE_PARTIES * 100 * 30);
    int64_t lo, hi;
    ck_assert(c360_insights_owners_adb_bounds(&owners, T, SAV, &lo, &hi));
    ck_assert_int_eq(lo, WIDE_PARTIES * 100 * 30);
    ck_assert_int_eq(hi, WIDE_PARTIES * 100 * 30);
    struct c360_insights_visit_rule rule = {"real_estate", 20, 30};
    ck_assert(c360_insights_owners_visit(&owners, T, &rule));
    ck_assert_int_eq(c360_insights_owners_next_change(&owners, T, &rule, 1), T + 28);
    /* The same profile less P299: its visit goes, A298 stays through P298. */
    c360_insights_resolve(ins, keys, WIDE_PARTIES - 1, &owners);
    ck_assert(!owners.listed);
    ck_assert(!c360_insights_owners_visit(&owners, T, &rule));
    c360_insights_owners_summarize(&owners, T, &sum);
    ck_assert_uint_eq(sum.accounts, WIDE_PARTIES);
    c360_insights_destroy(ins);
}
END_TEST

void c360_check_query_add(Suite *s)
{
    TCase *tc = tcase_create("c360_insights_resolve");
    tcase_add_test(tc, test_c360_insights_resolve_lists_each_account_once);
    tcase_add_test(tc, test_c360_insights_resolve_walks_the_keys_of_a_profile_too_large_to_list);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_next_change");
    LOOP(tc, test_c360_insights_next_change_table, changes);
    tcase_add_test(tc, test_c360_insights_next_change_per_type);
    tcase_add_test(tc, test_c360_insights_next_change_when_a_visit_ages_out);
    tcase_add_test(tc, test_c360_insights_next_change_answers_nothing_for_a_day_out_of_range);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_adb_bounds");
    LOOP(tc, test_c360_insights_adb_bounds_table, changes);
    tcase_add_test(tc, test_c360_insights_adb_bounds_sums_only_the_types_asked);
    suite_add_tcase(s, tc);
}
