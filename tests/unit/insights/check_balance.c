/*
 * Suite insights: adb (src/insights/balance.c) — end-of-day balances over
 * the 30 complete days before today, to the millisecond and the cent:
 * thresholds, window edges, observations out of order, accounts opened or
 * closed inside the window, pruning against a naive recomputation — and the
 * exact comparisons (query.c's cmp_avg and adb_floor).
 */
#include "check_insights.h"

#include <stdio.h>
#include <stdlib.h>

#define T TODAY
#define HOUR (C360_MS_PER_DAY / 24)
#define SAV C360_INSIGHTS_TYPE(C360_ACCOUNT_SAVINGS)
#define CHK C360_INSIGHTS_TYPE(C360_ACCOUNT_CHECKING)

static const char *const p1[] = {"P1", NULL};

static int64_t adb_of(const struct c360_insights *ins, const char *const *keys, uint32_t types)
{
    struct c360_insights_summary sum = fx_summary(ins, T, keys);
    return c360_insights_adb_sum(&sum, types);
}

static int sign(int v)
{
    return v < 0 ? -1 : v > 0;
}

/* A balance held before the window, then the last day's: Σ = 29 × before +
 * last, against the cross-sell threshold of DESIGN.md §5. */
static const struct {
    const char *name;
    int64_t before, last, threshold, sum;
    int sign;
} thresholds[] = {
    {"2999.99 every day", USD(2999, 99), USD(2999, 99), USD(3000, 0), 30 * USD(2999, 99), -1},
    {"3000.00 every day", USD(3000, 0), USD(3000, 0), USD(3000, 0), 30 * USD(3000, 0), 0},
    {"3000.01 every day", USD(3000, 1), USD(3000, 1), USD(3000, 0), 30 * USD(3000, 1), 1},
    {"sum 89999.99", USD(3000, 0), USD(2999, 99), USD(3000, 0), USD(89999, 99), -1},
    {"sum 90000.00 unevenly", USD(2999, 99), USD(3000, 29), USD(3000, 0), USD(90000, 0), 0},
    {"sum 90000.01", USD(3000, 0), USD(3000, 1), USD(3000, 0), USD(90000, 1), 1},
    {"negative", -USD(10, 0), -USD(10, 0), 0, -30 * USD(10, 0), -1},
};

START_TEST(test_c360_insights_adb_sum_thresholds)
{
    struct c360_insights *ins = fx_new();
    fx_account(ins,
               &(struct fx_account){.id = "A1",
                                    .party = "P1",
                                    .opened = T - 400,
                                    .minor = thresholds[_i].before,
                                    .as_of = START(T - 40)},
               T);
    fx_account(ins,
               &(struct fx_account){.id = "A1",
                                    .party = "P1",
                                    .opened = T - 400,
                                    .minor = thresholds[_i].last,
                                    .as_of = START(T - 1) + HOUR},
               T);
    int64_t sum = adb_of(ins, p1, SAV | CHK);
    ck_assert_msg(sum == thresholds[_i].sum, "%s: sum %lld", thresholds[_i].name, (long long)sum);
    ck_assert_int_eq(sign(c360_insights_cmp_avg(sum, 0, thresholds[_i].threshold)),
                     thresholds[_i].sign);
    c360_insights_destroy(ins);
}
END_TEST

/* One observation of 100.00 at an instant around the window's edges, after
 * 50.00 held since long before: days at or after its day hold 100.00. */
static const struct {
    const char *name;
    int64_t at;
    int days; /* window days whose end of day sees it */
} edges[] = {
    {"today-31 00:00", START(T - 31), 30},        {"today-31 23:59:59.999", EOD(T - 31), 30},
    {"today-30 00:00:00.000", START(T - 30), 30}, {"today-30 23:59:59.999", EOD(T - 30), 30},
    {"today-29 00:00:00.000", START(T - 29), 29}, {"today-15 12:00", START(T - 15) + 12 * HOUR, 15},
    {"today-1 00:00", START(T - 1), 1},           {"today-1 23:59:59.999", EOD(T - 1), 1},
    {"today 00:00:00.000", START(T), 0},          {"today 23:59:59.999", EOD(T), 0},
    {"today+1 00:00", START(T + 1), 0},
};

START_TEST(test_c360_insights_adb_sum_window_edges)
{
    struct c360_insights *ins = fx_new();
    fx_account(
        ins, &(struct fx_account){.id = "A1", .party = "P1", .minor = 5000, .as_of = START(T - 90)},
        T);
    fx_account(
        ins, &(struct fx_account){.id = "A1", .party = "P1", .minor = 10000, .as_of = edges[_i].at},
        T);
    int64_t want = 10000 * edges[_i].days + 5000 * (30 - edges[_i].days);
    int64_t got = adb_of(ins, p1, SAV);
    ck_assert_msg(got == want, "%s: %lld, want %lld", edges[_i].name, (long long)got,
                  (long long)want);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_adb_sum_end_of_day_is_the_last_millisecond)
{
    /* 23:59:59.999 belongs to its day, 00:00:00.000 to the next. */
    struct c360_insights *ins = fx_new();
    fx_account(ins,
               &(struct fx_account){.id = "A1", .party = "P1", .minor = 100, .as_of = EOD(T - 10)},
               T);
    fx_account(ins,
               &(struct fx_account){.id = "A1", .party = "P1", .minor = 200, .as_of = START(T - 9)},
               T);
    /* Days T−10 (100), T−9 … T−1 (200 × 9); before T−10 nothing is known. */
    ck_assert_int_eq(adb_of(ins, p1, SAV), 100 + 200 * 9);
    c360_insights_destroy(ins);
}
END_TEST

/* Six observations; every arrival order must give the same total. */
static const struct {
    int64_t at, minor;
} shuffled[] = {
    {START(T - 45) + HOUR, 100},      /* before the window, superseded */
    {START(T - 35), 200},             /* the latest before the window */
    {START(T - 20) + 8 * HOUR, 300},  /* superseded later that day */
    {START(T - 20) + 20 * HOUR, 400}, /* end of T−20 */
    {EOD(T - 10), 500},
    {START(T - 5), 600},
};
/* T−30…T−21: 200; T−20…T−11: 400; T−10…T−6: 500; T−5…T−1: 600. */
#define SHUFFLED_SUM (10 * 200 + 10 * 400 + 5 * 500 + 5 * 600)

START_TEST(test_c360_insights_adb_sum_out_of_order_arrivals)
{
    /* _i numbers the 720 permutations (factorial base). */
    int order[6] = {0, 1, 2, 3, 4, 5}, code = _i;
    for (int k = 0; k < 6; k++) {
        int pick = k + code % (6 - k);
        code /= 6 - k;
        int tmp = order[k];
        order[k] = order[pick];
        order[pick] = tmp;
    }
    struct c360_insights *ins = fx_new();
    for (int k = 0; k < 6; k++)
        fx_account(ins,
                   &(struct fx_account){.id = "A1",
                                        .party = "P1",
                                        .minor = shuffled[order[k]].minor,
                                        .as_of = shuffled[order[k]].at},
                   T);
    ck_assert_int_eq(adb_of(ins, p1, SAV), SHUFFLED_SUM);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_adb_sum_equal_as_of_goes_to_the_later_arrival)
{
    for (int second = 0; second < 2; second++) {
        struct c360_insights *ins = fx_new();
        int64_t values[2] = {100, 200};
        for (int k = 0; k < 2; k++)
            fx_account(ins,
                       &(struct fx_account){.id = "A1",
                                            .party = "P1",
                                            .minor = values[(k + second) % 2],
                                            .as_of = START(T - 10)},
                       T);
        ck_assert_int_eq(adb_of(ins, p1, SAV), 10 * values[(1 + second) % 2]);
        c360_insights_destroy(ins);
    }
}
END_TEST

/* 10.00 held throughout; days counted by openedDate and closedDate. */
static const struct {
    const char *name;
    int32_t opened, closed; /* 0: absent */
    enum c360_account_status status;
    int days;
} lifetimes[] = {
    {"open all along", T - 400, 0, C360_STATUS_OPEN, 30},
    {"opened today-31", T - 31, 0, C360_STATUS_OPEN, 30},
    {"opened today-30", T - 30, 0, C360_STATUS_OPEN, 30},
    {"opened today-29", T - 29, 0, C360_STATUS_OPEN, 29},
    {"opened today-10", T - 10, 0, C360_STATUS_OPEN, 10},
    {"opened today-1", T - 1, 0, C360_STATUS_OPEN, 1},
    {"opened today", T, 0, C360_STATUS_OPEN, 0},
    {"closed today-31", T - 400, T - 31, C360_STATUS_CLOSED, 0},
    {"closed today-30", T - 400, T - 30, C360_STATUS_CLOSED, 0},
    {"closed today-29", T - 400, T - 29, C360_STATUS_CLOSED, 1},
    {"closed today-10", T - 400, T - 10, C360_STATUS_CLOSED, 20},
    {"closed today", T - 400, T, C360_STATUS_CLOSED, 30},
    {"closing in 5 days", T - 400, T + 5, C360_STATUS_OPEN, 30},
    {"opened and closed inside", T - 20, T - 10, C360_STATUS_CLOSED, 10},
    /* The window reads dates, not status (DESIGN.md §5). */
    {"CLOSED without closedDate", T - 400, 0, C360_STATUS_CLOSED, 30},
    {"no openedDate", 0, 0, C360_STATUS_OPEN, 30},
};

START_TEST(test_c360_insights_adb_sum_accounts_opened_or_closed_in_the_window)
{
    struct c360_insights *ins = fx_new();
    fx_account(ins,
               &(struct fx_account){.id = "A1",
                                    .party = "P1",
                                    .status = lifetimes[_i].status,
                                    .opened = lifetimes[_i].opened,
                                    .closed = lifetimes[_i].closed,
                                    .minor = 1000,
                                    .as_of = START(T - 500)},
               T);
    int64_t got = adb_of(ins, p1, SAV);
    ck_assert_msg(got == 1000 * lifetimes[_i].days, "%s: %lld", lifetimes[_i].name, (long long)got);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_adb_sum_adds_the_types_asked_for)
{
    struct c360_insights *ins = fx_new();
    struct fx_account a = {.party = "P1", .minor = 100, .as_of = START(T - 40)};
    a.id = "S", a.type = C360_ACCOUNT_SAVINGS;
    fx_account(ins, &a, T);
    a.id = "C", a.type = C360_ACCOUNT_CHECKING, a.minor = 1000;
    fx_account(ins, &a, T);
    a.id = "M", a.type = C360_ACCOUNT_MORTGAGE, a.minor = -50000;
    fx_account(ins, &a, T);
    ck_assert_int_eq(adb_of(ins, p1, SAV), 30 * 100);
    ck_assert_int_eq(adb_of(ins, p1, SAV | CHK), 30 * 1100);
    ck_assert_int_eq(adb_of(ins, p1, C360_INSIGHTS_TYPE(C360_ACCOUNT_MONEY_MARKET)), 0);
    ck_assert_int_eq(adb_of(ins, p1, ~UINT32_C(0)), 30 * (1100 - 50000));
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_adb_sum_counts_a_joint_account_once_per_profile)
{
    struct c360_insights *ins = fx_new();
    fx_account(
        ins,
        &(struct fx_account){
            .id = "J", .party = "P1", .joint = {"P2"}, .minor = 100000, .as_of = START(T - 40)},
        T);
    static const char *const p2[] = {"P2", NULL}, *const both[] = {"P1", "P2", NULL},
                             *const twice[] = {"P2", "P2", NULL};
    ck_assert_int_eq(adb_of(ins, p1, SAV), 3000000);
    ck_assert_int_eq(adb_of(ins, p2, SAV), 3000000);
    ck_assert_int_eq(adb_of(ins, both, SAV), 3000000);
    ck_assert_int_eq(adb_of(ins, twice, SAV), 3000000);
    c360_insights_destroy(ins);
}
END_TEST

START_TEST(test_c360_insights_adb_sum_saturates)
{
    /* 31 accounts at the largest balance a Money holds overflow int64 over
     * 30 days; the sum saturates and still compares right. */
    struct c360_insights *ins = fx_new();
    for (int k = 0; k < 31; k++) {
        char id[16];
        snprintf(id, sizeof(id), "A%d", k);
        fx_account(
            ins,
            &(struct fx_account){
                .id = id, .party = "P1", .minor = C360_MONEY_MAX_MINOR, .as_of = START(T - 40)},
            T);
    }
    int64_t sum = adb_of(ins, p1, SAV);
    ck_assert(sum == INT64_MAX);
    ck_assert_int_gt(c360_insights_cmp_avg(sum, 0, C360_MONEY_MAX_MINOR), 0);
    c360_insights_destroy(ins);
}
END_TEST

/* Account k of the arrival-order test: savings 0–69 (40 at the largest
 * balance, 30 at its opposite), checking 70–1569 (1,000 and 500). */
static void extreme_account(struct c360_insights *ins, int k)
{
    char id[16];
    snprintf(id, sizeof(id), "A%d", k);
    bool plus = k < 40 || (k >= 70 && k < 1070);
    fx_account(ins,
               &(struct fx_account){.id = id,
                                    .party = "P1",
                                    .type = k < 70 ? C360_ACCOUNT_SAVINGS : C360_ACCOUNT_CHECKING,
                                    .minor = plus ? C360_MONEY_MAX_MINOR : -C360_MONEY_MAX_MINOR,
                                    .as_of = 1},
               T);
}

/* External account k: 1,000 at the largest average balance, 500 at its
 * opposite. */
static void extreme_external(struct c360_insights *ins, int k)
{
    char id[16];
    snprintf(id, sizeof(id), "X%d", k);
    fx_external(
        ins,
        &(struct fx_external){.id = id,
                              .party = "P1",
                              .minor = k < 1000 ? C360_MONEY_MAX_MINOR : -C360_MONEY_MAX_MINOR},
        T);
}

START_TEST(test_c360_insights_adb_sum_does_not_depend_on_arrival_order)
{
    /* Summed in arrival order, a running saturating sum would stick at
     * INT64_MAX and come down from there. Sums saturate once, at the end:
     * the same whatever order accounts are held in (a restored state holds
     * an owner's accounts in the order of the store's items). */
    struct c360_insights *one = fx_new(), *two = fx_new();
    for (int k = 0; k < 1570; k++) {
        extreme_account(one, k);
        extreme_account(two, 1569 - k);
    }
    for (int k = 0; k < 1500; k++) {
        extreme_external(one, k);
        extreme_external(two, 1499 - k);
    }
    struct c360_insights_summary x = fx_summary(one, T, p1), y = fx_summary(two, T, p1);
    for (int t = 0; t < C360_INSIGHTS_TYPES; t++) {
        ck_assert(x.adb_sum[t] == y.adb_sum[t]);
        ck_assert(x.external_adb[t] == y.external_adb[t]);
    }
    ck_assert(x.balance == y.balance);
    ck_assert(x.adb_sum[C360_ACCOUNT_SAVINGS] == 30 * 10 * C360_MONEY_MAX_MINOR);
    ck_assert(x.adb_sum[C360_ACCOUNT_CHECKING] == INT64_MAX);
    ck_assert(x.balance == 510 * C360_MONEY_MAX_MINOR);
    ck_assert(x.external_adb[C360_ACCOUNT_SAVINGS] == 500 * C360_MONEY_MAX_MINOR);
    /* And the day the window total moves is the same. */
    ck_assert_int_eq(c360_insights_next_change(one, p1, 1, T, NULL, 0),
                     c360_insights_next_change(two, p1, 1, T, NULL, 0));
    c360_insights_destroy(one);
    c360_insights_destroy(two);
}
END_TEST

/*
 * Pruning changes nothing: a random run of observations (out of order,
 * ties, far in the past, a few days ahead, amounts about the edges of
 * int32_t), days passing and explicit
 * prunes, checked after every step against a recomputation from every
 * observation ever applied — and next_change against the first day on which
 * that recomputation's window total moves.
 */
#define NAIVE_OBS 400
#define HORIZON 200

struct naive_account {
    enum c360_account_type type;
    int32_t opened, closed; /* 0: absent */
    int64_t at[NAIVE_OBS], minor[NAIVE_OBS];
    int n;
};

static int64_t naive_day(const struct naive_account *a, int32_t day)
{
    if ((a->opened && day < a->opened) || (a->closed && day >= a->closed))
        return 0;
    int best = -1;
    for (int k = 0; k < a->n; k++) {
        /* ≥: at an equal instant the later arrival wins. */
        if (a->at[k] <= EOD(day) && (best < 0 || a->at[k] >= a->at[best]))
            best = k;
    }
    return best < 0 ? 0 : a->minor[best];
}

static int64_t naive_window(const struct naive_account *accts, int n, enum c360_account_type type,
                            int32_t today)
{
    int64_t sum = 0;
    for (int32_t day = today - 30; day <= today - 1; day++) {
        for (int k = 0; k < n; k++) {
            if (accts[k].type == type)
                sum += naive_day(&accts[k], day);
        }
    }
    return sum;
}

static int32_t naive_next_change(const struct naive_account *accts, int n, int32_t today)
{
    static const enum c360_account_type types[] = {C360_ACCOUNT_SAVINGS, C360_ACCOUNT_CHECKING};
    int64_t prev[2] = {naive_window(accts, n, types[0], today),
                       naive_window(accts, n, types[1], today)};
    for (int32_t day = today + 1; day <= today + HORIZON; day++) {
        for (int t = 0; t < 2; t++) {
            int64_t now = naive_window(accts, n, types[t], day);
            if (now != prev[t])
                return day;
            prev[t] = now;
        }
    }
    return C360_INSIGHTS_NEVER;
}

/* The daily totals of types from today − 30 to today + HORIZON, then the
 * window sums and bounds of the days after today read from them. */
#define SPAN (30 + HORIZON + 1)

static void naive_totals(const struct naive_account *accts, int n, uint32_t types, int32_t today,
                         int64_t *totals)
{
    for (int32_t day = today - 30; day <= today + HORIZON; day++) {
        totals[day - (today - 30)] = 0;
        for (int k = 0; k < n; k++) {
            if (types & C360_INSIGHTS_TYPE(accts[k].type))
                totals[day - (today - 30)] += naive_day(&accts[k], day);
        }
    }
}

/* The window sum of day today + ahead (0 ≤ ahead ≤ HORIZON). */
static int64_t naive_window_at(const int64_t *totals, int ahead)
{
    int64_t sum = 0;
    for (int d = ahead; d < ahead + 30; d++)
        sum += totals[d];
    return sum;
}

static void naive_bounds(const int64_t *totals, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int ahead = 1; ahead <= HORIZON; ahead++) {
        int64_t sum = naive_window_at(totals, ahead);
        *lo = sum < *lo ? sum : *lo;
        *hi = sum > *hi ? sum : *hi;
    }
}

/* adb_bounds and the adb of days after the last today seen (queries are
 * exact for those too) against the recomputation. */
static void check_ahead(const struct c360_insights *ins, const struct naive_account *accts,
                        int32_t today, int seed, int step)
{
    static const uint32_t sets[] = {SAV, CHK, SAV | CHK};
    int64_t totals[SPAN], lo, hi, want_lo, want_hi;
    for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
        naive_totals(accts, 3, sets[k], today, totals);
        naive_bounds(totals, &want_lo, &want_hi);
        ck_assert_msg(c360_insights_adb_bounds(ins, p1, 1, today, sets[k], &lo, &hi),
                      "seed %d step %d: no bounds", seed, step);
        ck_assert_msg(lo == want_lo && hi == want_hi,
                      "seed %d step %d types %u: bounds [%lld, %lld], naive [%lld, %lld]", seed,
                      step, sets[k], (long long)lo, (long long)hi, (long long)want_lo,
                      (long long)want_hi);
        for (int ahead = 1; ahead <= 60; ahead += 7) {
            struct c360_insights_summary sum = fx_summary(ins, today + ahead, p1);
            int64_t got = c360_insights_adb_sum(&sum, sets[k]);
            ck_assert_msg(got == naive_window_at(totals, ahead),
                          "seed %d step %d types %u: adb at today + %d %lld, naive %lld", seed,
                          step, sets[k], ahead, (long long)got,
                          (long long)naive_window_at(totals, ahead));
        }
    }
}

START_TEST(test_c360_insights_adb_sum_pruning_matches_a_naive_recomputation)
{
    unsigned seed = 7919u * (unsigned)_i + 1;
    struct c360_insights *ins = fx_new();
    static struct naive_account accts[3];
    static const char *const ids[3] = {"A0", "A1", "A2"};
    int32_t today = T, t0 = T;
    for (int k = 0; k < 3; k++) {
        accts[k] = (struct naive_account){
            .type = k == 1 ? C360_ACCOUNT_CHECKING : C360_ACCOUNT_SAVINGS,
            .opened = rand_r(&seed) % 4 ? t0 - 60 + rand_r(&seed) % 100 : 0,
        };
        if (accts[k].opened && rand_r(&seed) % 2)
            accts[k].closed = accts[k].opened + 1 + rand_r(&seed) % 80;
    }
    for (int step = 0; step < 250; step++) {
        int r = rand_r(&seed) % 10;
        if (r < 2) {
            today += rand_r(&seed) % 20 == 0 ? 35 : rand_r(&seed) % 3;
        } else if (r == 2) {
            c360_insights_prune(ins, today);
        } else {
            struct naive_account *a = &accts[rand_r(&seed) % 3];
            if (a->n == NAIVE_OBS)
                continue;
            int64_t at;
            if (a->n && rand_r(&seed) % 8 == 0)
                at = a->at[rand_r(&seed) % a->n]; /* a tie with an earlier one */
            else
                at = START(today) - 45 * C360_MS_PER_DAY +
                     (int64_t)(rand_r(&seed) % (49 * 24)) * HOUR + rand_r(&seed) % 3600000;
            int64_t minor = (rand_r(&seed) % 5) * 1000;
            /* Now and then about the edge of int32_t: a block widens for
             * the amounts past it, and narrows when their days fold away. */
            if (rand_r(&seed) % 8 == 0)
                minor =
                    (int64_t)(rand_r(&seed) % 2 ? INT32_MAX : INT32_MIN) + rand_r(&seed) % 3 - 1;
            fx_account(ins,
                       &(struct fx_account){.id = ids[a - accts],
                                            .party = "P1",
                                            .type = a->type,
                                            .opened = a->opened,
                                            .closed = a->closed,
                                            .minor = minor,
                                            .as_of = at},
                       today);
            a->at[a->n] = at;
            a->minor[a->n++] = minor;
        }
        struct c360_insights_summary sum = fx_summary(ins, today, p1);
        for (int t = C360_ACCOUNT_CHECKING; t <= C360_ACCOUNT_SAVINGS; t++)
            ck_assert_msg(sum.adb_sum[t] == naive_window(accts, 3, t, today),
                          "seed %d step %d type %d: %lld, naive %lld", _i, step, t,
                          (long long)sum.adb_sum[t], (long long)naive_window(accts, 3, t, today));
        if (step % 5 == 0) {
            int32_t got = c360_insights_next_change(ins, p1, 1, today, NULL, 0);
            int32_t want = naive_next_change(accts, 3, today);
            ck_assert_msg(got == want, "seed %d step %d: next change %d, naive %d", _i, step,
                          got - today, want - today);
            check_ahead(ins, accts, today, _i, step);
        }
    }
    c360_insights_destroy(ins);
}
END_TEST

/* Exact comparison of sum/30 + minor with a threshold. */
static const struct {
    int64_t sum, minor, threshold;
    int sign;
} cmps[] = {
    {9000000, 0, 300000, 0},
    {8999999, 0, 300000, -1},
    {9000001, 0, 300000, 1},
    {29, 0, 1, -1},
    {30, 0, 1, 0},
    {0, 0, 0, 0},
    {-1, 0, 0, -1},
    {-30, 0, -1, 0},
    {-31, 0, -1, -1},
    /* upsell_mortgage: adb + externalAdb ≥ 10000.00 */
    {USD(89999, 99), USD(7000, 0), USD(10000, 0), -1},
    {USD(90000, 0), USD(7000, 0), USD(10000, 0), 0},
    {USD(89999, 99), USD(7000, 1), USD(10000, 0), 1},
    {INT64_MAX, 0, C360_MONEY_MAX_MINOR, 1},
    {INT64_MIN, 0, -C360_MONEY_MAX_MINOR, -1},
    {INT64_MAX, INT64_MAX, INT64_MIN, 1},
    {INT64_MIN, INT64_MIN, INT64_MAX, -1},
};

START_TEST(test_c360_insights_cmp_avg_table)
{
    ck_assert_int_eq(sign(c360_insights_cmp_avg(cmps[_i].sum, cmps[_i].minor, cmps[_i].threshold)),
                     cmps[_i].sign);
}
END_TEST

static const struct {
    int64_t sum, floor;
} floors[] = {
    {USD(89999, 99), USD(2999, 99)},
    {USD(90000, 0), USD(3000, 0)},
    {29, 0},
    {0, 0},
    {-1, -1},
    {-30, -1},
    {-31, -2},
};

START_TEST(test_c360_insights_adb_floor_table)
{
    ck_assert_int_eq(c360_insights_adb_floor(floors[_i].sum), floors[_i].floor);
}
END_TEST

void c360_check_balance_add(Suite *s)
{
    TCase *tc = tcase_create("c360_insights_adb_sum");
    LOOP(tc, test_c360_insights_adb_sum_thresholds, thresholds);
    LOOP(tc, test_c360_insights_adb_sum_window_edges, edges);
    tcase_add_test(tc, test_c360_insights_adb_sum_end_of_day_is_the_last_millisecond);
    tcase_add_loop_test(tc, test_c360_insights_adb_sum_out_of_order_arrivals, 0, 720);
    tcase_add_test(tc, test_c360_insights_adb_sum_equal_as_of_goes_to_the_later_arrival);
    LOOP(tc, test_c360_insights_adb_sum_accounts_opened_or_closed_in_the_window, lifetimes);
    tcase_add_test(tc, test_c360_insights_adb_sum_adds_the_types_asked_for);
    tcase_add_test(tc, test_c360_insights_adb_sum_counts_a_joint_account_once_per_profile);
    tcase_add_test(tc, test_c360_insights_adb_sum_saturates);
    tcase_add_test(tc, test_c360_insights_adb_sum_does_not_depend_on_arrival_order);
    tcase_add_loop_test(tc, test_c360_insights_adb_sum_pruning_matches_a_naive_recomputation, 0,
                        20);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_cmp_avg");
    LOOP(tc, test_c360_insights_cmp_avg_table, cmps);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_insights_adb_floor");
    LOOP(tc, test_c360_insights_adb_floor_table, floors);
    suite_add_tcase(s, tc);
}
