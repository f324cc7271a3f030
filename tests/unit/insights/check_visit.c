/*
 * Suite insights: web visits (src/insights/visit.c) through
 * qualifyingVisit — durations around the minimum, last events around the
 * window's start, main subjects and their ties, re-delivered, corrected,
 * moved and deleted engagements, owner keys, retention and caps.
 */
#include "check_insights.h"

#include <stdio.h>

#define T TODAY
#define L0 (START(T - 1) + 10 * 60 * MIN_MS) /* yesterday 10:00 */

static const struct c360_insights_visit_rule real_estate_20_30 = {"real_estate", 20, 30};
static const char *const p1[] = {"P1", NULL};

static bool qualifies(const struct c360_insights *ins, const char *const *keys, int32_t today,
                      const struct c360_insights_visit_rule *rule)
{
    return c360_insights_qualifying_visit(ins, keys, fx_count(keys), today, rule);
}

/* Two engagements of one session (the second optional): duration is
 * max(occurredAt + durationSeconds) − min(occurredAt). */
static const struct {
    const char *name;
    int64_t first_seconds, second_after_ms, second_seconds; /* second_after_ms < 0: none */
    bool qualifies;
} durations[] = {
    {"one page of 19:59", 1199, -1, 0, false},
    {"one page of exactly 20:00", 1200, -1, 0, false},
    {"one page of 20:01", 1201, -1, 0, true},
    {"two pages ending at 20:00.000", 60, 19 * MIN_MS, 60, false},
    {"two pages ending at 20:00.001", 60, 19 * MIN_MS + 1, 60, true},
    {"a gap counts", 10, 25 * MIN_MS, 0, true},
    {"an early long page covers a later short one", 1260, 5 * MIN_MS, 10, true},
};

START_TEST(test_c360_insights_qualifying_visit_duration_table)
{
    struct c360_insights *ins = fx_new();
    fx_web(ins,
           &(struct fx_web){.id = "E1",
                            .owner = "P1",
                            .session = "S1",
                            .subject = "real_estate",
                            .at = L0,
                            .seconds = durations[_i].first_seconds},
           T);
    if (durations[_i].second_after_ms >= 0)
        fx_web(ins,
               &(struct fx_web){.id = "E2",
                                .owner = "P1",
                                .session = "S1",
                                .subject = "real_estate",
                                .at = L0 + durations[_i].second_after_ms,
                                .seconds = durations[_i].second_seconds},
               T);
    ck_assert_msg(qualifies(ins, p1, T, &real_estate_20_30) == durations[_i].qualifies, "%s",
                  durations[_i].name);
    c360_insights_destroy(ins);
}
END_TEST

/* A 30-minute visit by its last event, against qualifyingVisit(real_estate, 20, days). */
static const struct {
    const char *name;
    int64_t first, last; /* first == last: one engagement */
    int32_t days;
    bool qualifies;
} ages[] = {
    {"last event at start of today - 30 days", START(T - 30), START(T - 30), 30, true},
    {"one ms earlier", START(T - 30) - 1, START(T - 30) - 1, 30, false},
    {"started before, ended inside", START(T - 31), START(T - 30), 30, true},
    {"today", START(T) + 3600000, START(T) + 3600000, 30, true},
    {"dated tomorrow", START(T + 1), START(T + 1), 30, true},
    {"days 0: start of today", START(T), START(T), 0, true},
    {"days 0: yesterday's last ms", EOD(T - 1), EOD(T - 1), 0, false},
    {"days 7: a week ago", START(T - 7), START(T - 7), 7, true},
    {"days 7: eight days ago", EOD(T - 8), EOD(T - 8), 7, false},
};

START_TEST(test_c360_insights_qualifying_visit_age_table)
{
    /* The last event first: alone, the first one may be pruned on arrival. */
    struct c360_insights *ins = fx_new();
    fx_web(ins,
           &(struct fx_web){.id = "E2",
                            .owner = "P1",
                            .session = "S1",
                            .subject = "real_estate",
                            .at = ages[_i].last,
                            .seconds = 1800},
           T);
    if (ages[_i].last != ages[_i].first)
        fx_web(ins,
               &(struct fx_web){.id = "E1",
                                .owner = "P1",
                                .session = "S1",
                                .subject = "real_estate",
                                .at = ages[_i].first,
                                .seconds = 1800},
               T);
    struct c360_insights_visit_rule rule = {"real_estate", 20, ages[_i].days};
    ck_assert_msg(qualifies(ins, p1, T, &rule) == ages[_i].qualifies, "%s", ages[_i].name);
    c360_insights_destroy(ins);
}
END_TEST

/* Up to three engagements 25 minutes apart (so every visit lasts over 20); the main subject has the
 * most durationSeconds, ties going to the smallest name. */
static const struct {
    struct {
        const char *subject; /* NULL: none */
        int64_t seconds;
    } ev[3];
    int n;
    const char *main, *other;
} subjects[] = {
    {{{"real_estate", 600}, {"retirement", 300}}, 2, "real_estate", "retirement"},
    {{{"real_estate", 300}, {"retirement", 500}, {"real_estate", 300}},
     3,
     "real_estate",
     "retirement"},
    {{{"retirement", 600}, {"real_estate", 600}}, 2, "real_estate", "retirement"},
    {{{"real_estate", 600}, {"retirement", 600}}, 2, "real_estate", "retirement"},
    {{{"b", 600}, {"a", 600}, {"real_estate", 599}}, 3, "a", "real_estate"},
    {{{"zeta", 601}, {"alpha", 600}}, 2, "zeta", "alpha"},
    {{{NULL, 5000}, {"real_estate", 10}}, 2, "real_estate", "retirement"},
    {{{"real_estate", 10}, {NULL, 5000}}, 2, "real_estate", "retirement"},
    {{{"real_estate", 0}, {"retirement", 0}}, 2, "real_estate", "retirement"},
};

START_TEST(test_c360_insights_qualifying_visit_main_subject_table)
{
    struct c360_insights *ins = fx_new();
    for (int k = 0; k < subjects[_i].n; k++) {
        char id[16];
        snprintf(id, sizeof(id), "E%d", k);
        fx_web(ins,
               &(struct fx_web){.id = id,
                                .owner = "P1",
                                .session = "S1",
                                .subject = subjects[_i].ev[k].subject,
                                .at = L0 + k * 25 * MIN_MS,
                                .seconds = subjects[_i].ev[k].seconds},
               T);
    }
    struct c360_insights_visit_rule rule = {subjects[_i].main, 20, 30};
    ck_assert_msg(qualifies(ins, p1, T, &rule), "row %d: %s is not the main subject", _i,
                  subjects[_i].main);
    rule.subject = subjects[_i].other;
    ck_assert_msg(!qualifies(ins, p1, T, &rule), "row %d: %s is the main subject", _i,
                  subjects[_i].other);
    c360_insights_destroy(ins);
}
END_TEST

static const struct fx_web long_retirement = {
    .id = "E1", .owner = "P1", .session = "S1", .subject = "retirement", .at = L0, .seconds = 800};

START_TEST(test_c360_insights_qualifying_visit_counts_a_redelivered_engagement_once)
{
    struct c360_insights *ins = fx_new();
    struct fx_web re = {.id = "E2",
                        .owner = "P1",
                        .session = "S1",
                        .subject = "real_estate",
                        .at = L0 + 15 * MIN_MS,
                        .seconds = 500};
    fx_web(ins, &long_retirement, T);
    fx_web(ins, &re, T);
    fx_web(ins, &re, T); /* twice counted, it would outweigh retirement's 800 */
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30));
    /* A correction replaces it. */
    re.seconds = 900;
    fx_web(ins, &re, T);
    ck_assert(qualifies(ins, p1, T, &real_estate_20_30));
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_qualifying_visit_honours_deletes_and_moves)
{
    struct c360_insights *ins = fx_new();
    struct fx_web re = {.id = "E2",
                        .owner = "P1",
                        .session = "S1",
                        .subject = "real_estate",
                        .at = L0 + 10 * MIN_MS,
                        .seconds = 500};
    fx_web(ins, &long_retirement, T);
    fx_web(ins, &re, T);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30));
    /* Deleting E1 leaves a real_estate visit of 8:20 … */
    fx_web(ins, &(struct fx_web){.id = "E1", .owner = "P1", .delete = true}, T);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30));
    re.seconds = 1500; /* … and a longer page makes it qualify. */
    fx_web(ins, &re, T);
    ck_assert(qualifies(ins, p1, T, &real_estate_20_30));
    /* Moved to another session, E2 leaves S1: the new visit is one page. */
    fx_web(ins, &long_retirement, T);
    re.session = "S2", re.seconds = 600;
    fx_web(ins, &re, T);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30));
    struct c360_insights_visit_rule retirement = {"retirement", 13, 30};
    ck_assert(qualifies(ins, p1, T, &retirement)); /* S1: E1 alone, 13:20 */
    struct c360_insights_stats st;
    c360_insights_stats(ins, &st);
    ck_assert_int_eq(st.visits, 2);
    ck_assert_int_eq(st.engagements, 2);
    /* Deleting the last engagement of a visit removes the visit. */
    fx_web(ins, &(struct fx_web){.id = "E2", .owner = "P1", .delete = true}, T);
    c360_insights_stats(ins, &st);
    ck_assert_int_eq(st.visits, 1);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_qualifying_visit_looks_under_every_key_of_the_profile)
{
    struct c360_insights *ins = fx_new();
    fx_web(ins,
           &(struct fx_web){.id = "E1",
                            .owner = "email:jo@example.org",
                            .session = "S1",
                            .subject = "real_estate",
                            .at = L0,
                            .seconds = 1500},
           T);
    static const char *const profile[] = {"P1", "email:jo@example.org", NULL};
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30));
    ck_assert(qualifies(ins, profile, T, &real_estate_20_30));
    struct c360_insights_visit_rule unknown = {"crypto", 0, 30};
    ck_assert(!qualifies(ins, profile, T, &unknown));
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_qualifying_visit_prunes_and_caps)
{
    struct c360_insights *ins = fx_new();
    struct c360_insights_stats st;
    /* 65 sessions inside the retention: the stalest (S5, the only long
     * one) goes. */
    for (int k = 0; k <= C360_INSIGHTS_VISITS_MAX; k++) {
        char id[16];
        snprintf(id, sizeof(id), "S%d", k);
        fx_web(ins,
               &(struct fx_web){.id = id,
                                .owner = "P1",
                                .session = id,
                                .subject = "real_estate",
                                .at = START(T - 20) + (k == 5 ? 0 : k + 1) * MIN_MS,
                                .seconds = k == 5 ? 1500 : 60},
               T);
        if (k == 5)
            ck_assert(qualifies(ins, p1, T, &real_estate_20_30));
    }
    c360_insights_stats(ins, &st);
    ck_assert_int_eq(st.visits, C360_INSIGHTS_VISITS_MAX);
    ck_assert_int_eq(st.visits_evicted, 1);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30));
    /* Retention: 30 days and the slack of one after start of today − 30 … */
    c360_insights_prune(ins, T + 11);
    c360_insights_stats(ins, &st);
    ck_assert_int_eq(st.visits, C360_INSIGHTS_VISITS_MAX);
    ck_assert(!qualifies(ins, p1, T + 11, &real_estate_20_30));
    c360_insights_prune(ins, T + 12); /* … the last event of T−20 is older than T+12 − 31 */
    c360_insights_stats(ins, &st);
    ck_assert_int_eq(st.visits, 0);
    ck_assert_int_eq(st.parties, 0); /* an owner left with nothing is freed */
    /* An engagement older than the retention and its slack is not kept at all. */
    fx_web(ins,
           &(struct fx_web){.id = "old",
                            .owner = "P1",
                            .session = "old",
                            .subject = "real_estate",
                            .at = START(T - 32),
                            .seconds = 60},
           T);
    c360_insights_stats(ins, &st);
    ck_assert_int_eq(st.visits, 0);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_qualifying_visit_evicts_the_same_visit_in_any_order)
{
    /* Two stalest visits at the same instant, met in either order: the
     * 65th visit evicts the same one (the smaller session hash), so the
     * order visits are held in decides nothing. */
    struct c360_insights *one = fx_new(), *two = fx_new();
    struct fx_web x = {
        .id = "X", .owner = "P1", .session = "SX", .subject = "a", .at = START(T - 3)};
    struct fx_web y = {
        .id = "Y", .owner = "P1", .session = "SY", .subject = "b", .at = START(T - 3)};
    fx_web(one, &x, T);
    fx_web(one, &y, T);
    fx_web(two, &y, T);
    fx_web(two, &x, T);
    for (int k = 0; k <= C360_INSIGHTS_VISITS_MAX - 2; k++) {
        char id[16];
        snprintf(id, sizeof(id), "S%d", k);
        struct fx_web w = {.id = id, .owner = "P1", .session = id, .at = START(T - 2) + k * MIN_MS};
        fx_web(one, &w, T);
        fx_web(two, &w, T);
    }
    struct c360_insights_visit_rule ra = {"a", -1, 30}, rb = {"b", -1, 30};
    bool a_left = qualifies(one, p1, T, &ra);
    ck_assert(a_left != qualifies(one, p1, T, &rb)); /* one of them went */
    ck_assert(qualifies(two, p1, T, &ra) == a_left);
    ck_assert(qualifies(two, p1, T, &rb) != a_left);
    c360_insights_destroy(one);
    c360_insights_destroy(two);
}
END_TEST

START_TEST(test_c360_insights_qualifying_visit_refuses_the_129th_engagement)
{
    struct c360_insights *ins = fx_new();
    struct fx_web w = {.owner = "P1", .session = "S1", .subject = "real_estate", .seconds = 1};
    char id[16];
    w.id = id;
    for (int k = 0; k < C360_INSIGHTS_VISIT_EVENTS_MAX; k++) {
        snprintf(id, sizeof(id), "E%d", k);
        w.at = L0 + k * 1000;
        fx_web(ins, &w, T);
    }
    snprintf(id, sizeof(id), "E%d", C360_INSIGHTS_VISIT_EVENTS_MAX);
    w.at = L0 + 3600 * 1000;
    ck_assert_int_eq(fx_web_try(ins, &w, T), C360_ERR_LIMIT);
    struct c360_insights_stats st;
    c360_insights_stats(ins, &st);
    ck_assert_int_eq(st.engagements, C360_INSIGHTS_VISIT_EVENTS_MAX);
    ck_assert(
        !qualifies(ins, p1, T, &real_estate_20_30)); /* the refused one would make it 60 min */
    /* A re-delivery of a held one still goes through. */
    snprintf(id, sizeof(id), "E0");
    w.at = L0, w.seconds = 2;
    fx_web(ins, &w, T);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_qualifying_visit_takes_engagements_in_any_order)
{
    /* The earlier page arriving last still starts the visit; a correction
     * may move the start either way. The visit ends at L0 + 21:00. */
    struct c360_insights *ins = fx_new();
    struct fx_web w = {.owner = "P1", .session = "S1", .subject = "real_estate", .seconds = 60};
    w.id = "E2", w.at = L0 + 20 * MIN_MS;
    fx_web(ins, &w, T);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30)); /* 1:00 */
    w.id = "E1", w.at = L0 + MIN_MS;
    fx_web(ins, &w, T);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30)); /* 20:00.000 */
    w.at = L0 + MIN_MS - 1;
    fx_web(ins, &w, T);
    ck_assert(qualifies(ins, p1, T, &real_estate_20_30)); /* 20:00.001 */
    w.at = L0 + MIN_MS;
    fx_web(ins, &w, T);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30)); /* back to 20:00.000 */
    w.id = "E0", w.at = L0 - MIN_MS;
    fx_web(ins, &w, T);
    ck_assert(qualifies(ins, p1, T, &real_estate_20_30)); /* 22:00 */
    /* Deleting the first page shortens the visit again. */
    fx_web(ins, &(struct fx_web){.id = "E0", .owner = "P1", .delete = true}, T);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30));
    c360_insights_destroy(ins);
}
END_TEST

/* Kafka order: the session's first page arrives after today has moved on,
 * already before the window; its last page, exactly at the window's start,
 * arrives later. They are still one visit of 21 minutes. */
START_TEST(test_c360_insights_qualifying_visit_joins_a_late_session_at_the_window_edge)
{
    struct c360_insights *ins = fx_new();
    struct fx_web w = {.owner = "P1", .session = "S1", .subject = "real_estate"};
    w.id = "E1", w.at = START(T - 30) - 21 * MIN_MS, w.seconds = 60;
    fx_web(ins, &w, T);
    ck_assert(!qualifies(ins, p1, T, &real_estate_20_30));
    w.id = "E2", w.at = START(T - 30), w.seconds = 0;
    fx_web(ins, &w, T);
    ck_assert(qualifies(ins, p1, T, &real_estate_20_30));
    ck_assert(!qualifies(ins, p1, T + 1, &real_estate_20_30));
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_qualifying_visit_refuses_a_session_over_49_days)
{
    struct c360_insights *ins = fx_new();
    struct fx_web w = {.owner = "P1", .session = "S1", .subject = "real_estate", .seconds = 60};
    w.id = "E2", w.at = START(T - 1);
    fx_web(ins, &w, T);
    w.id = "E1", w.at = START(T - 46); /* 45 days before: one visit of 45 days */
    fx_web(ins, &w, T);
    ck_assert(qualifies(ins, p1, T, &real_estate_20_30));
    w.id = "E3", w.at = START(T + 4); /* 50 days after E1 */
    ck_assert_int_eq(fx_web_try(ins, &w, T), C360_ERR_LIMIT);
    /* Without E1 the visit starts on T−1, and E3 fits. */
    fx_web(ins, &(struct fx_web){.id = "E1", .owner = "P1", .delete = true}, T);
    fx_web(ins, &w, T);
    struct c360_insights_stats st;
    c360_insights_stats(ins, &st);
    ck_assert_int_eq(st.engagements, 2);
    ck_assert_int_eq(st.visits, 1);
    c360_insights_destroy(ins);
}
END_TEST

void c360_check_visit_add(Suite *s)
{
    TCase *tc = tcase_create("c360_insights_qualifying_visit");
    LOOP(tc, test_c360_insights_qualifying_visit_duration_table, durations);
    LOOP(tc, test_c360_insights_qualifying_visit_age_table, ages);
    LOOP(tc, test_c360_insights_qualifying_visit_main_subject_table, subjects);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_counts_a_redelivered_engagement_once);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_honours_deletes_and_moves);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_looks_under_every_key_of_the_profile);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_prunes_and_caps);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_evicts_the_same_visit_in_any_order);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_refuses_the_129th_engagement);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_takes_engagements_in_any_order);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_joins_a_late_session_at_the_window_edge);
    tcase_add_test(tc, test_c360_insights_qualifying_visit_refuses_a_session_over_49_days);
    suite_add_tcase(s, tc);
}
