/*
 * Suite segment: bounds (src/segment/bound.c) — which answers an
 * expression may give while its insights stay within bounds: comparisons at
 * and beside the ends, open ends, sums and differences of intervals, money
 * over a divisor, and/or/not over booleans that may be either, and whatever
 * the evaluator would refuse. Each case is also checked against the
 * evaluator itself: at every combination of values taken from the bounds
 * (their ends, one step inside, and far beyond an open end), the evaluator's
 * answer must be one the bounds allow.
 */
#include "check_segment.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define CALLS_MAX 3

/* One insight's bounds in the fake world, by canonical call text. */
struct range {
    const char *call;
    struct c360_segment_bounds b;
};

#define NUM(from, to)                                                                              \
    {                                                                                              \
        .kind = C360_SEGMENT_NUMBER, .lo = (from), .hi = (to)                                      \
    }
#define AT_LEAST(from)                                                                             \
    {                                                                                              \
        .kind = C360_SEGMENT_NUMBER, .lo = (from), .hi_open = true                                 \
    }
#define AT_MOST(to)                                                                                \
    {                                                                                              \
        .kind = C360_SEGMENT_NUMBER, .hi = (to), .lo_open = true                                   \
    }
#define MONEY(from, to, div)                                                                       \
    {                                                                                              \
        .kind = C360_SEGMENT_MONEY, .lo = (from), .hi = (to), .divisor = (div), .currency = "USD"  \
    }
#define BOOLS(f, t)                                                                                \
    {                                                                                              \
        .kind = C360_SEGMENT_BOOL, .may_false = (f), .may_true = (t)                               \
    }

static const struct {
    const char *text;
    struct range ranges[CALLS_MAX];
    bool may_false, may_true;
} cases[] = {
    /* comparisons at, beside and across the ends */
    {"n >= 365", {{"n", NUM(36500, 40000)}}, false, true},
    {"n >= 365", {{"n", NUM(36499, 40000)}}, true, true},
    {"n >= 365", {{"n", NUM(0, 36499)}}, true, false},
    {"n > 365", {{"n", NUM(36500, 36500)}}, true, false},
    {"n == 365", {{"n", NUM(36500, 36500)}}, false, true},
    {"n == 365", {{"n", NUM(36400, 36600)}}, true, true},
    {"n != 365", {{"n", NUM(36501, 36600)}}, false, true},
    {"n < 365", {{"n", NUM(0, 36499)}}, false, true},
    {"n <= 365", {{"n", NUM(36500, 36501)}}, true, true},
    /* open ends */
    {"n >= 365", {{"n", AT_LEAST(36500)}}, false, true},
    {"n >= 365", {{"n", AT_LEAST(100)}}, true, true},
    {"n < 365", {{"n", AT_LEAST(36500)}}, true, false},
    {"n < 365", {{"n", AT_MOST(36400)}}, false, true},
    {"n == 365", {{"n", AT_MOST(36400)}}, true, false},
    {"0 < n", {{"n", AT_LEAST(-100)}}, true, true},
    {"0 > n", {{"n", AT_MOST(100)}}, true, true},
    {"0 == n", {{"n", AT_MOST(100)}}, true, true},
    /* tenure within a span of days: [300, 364] never reaches a year */
    {"tenureDays >= 365 and holds(SAVINGS)",
     {{"tenureDays", NUM(30000, 36400)}, {"holds(SAVINGS)", BOOLS(false, true)}},
     true,
     false},
    /* sums and differences of intervals */
    {"n + tenureDays >= 10", {{"n", NUM(0, 500)}, {"tenureDays", NUM(400, 600)}}, true, true},
    {"n + tenureDays >= 10", {{"n", NUM(500, 600)}, {"tenureDays", NUM(500, 600)}}, false, true},
    {"n - tenureDays > 0", {{"n", NUM(500, 600)}, {"tenureDays", NUM(100, 499)}}, false, true},
    {"n - tenureDays > 0", {{"n", NUM(500, 600)}, {"tenureDays", NUM(100, 500)}}, true, true},
    {"-n > 0", {{"n", NUM(1, 5)}}, true, false},
    /* an unbounded value in a sum may overflow, which answers false */
    {"n + tenureDays > 0", {{"n", AT_LEAST(0)}, {"tenureDays", NUM(1, 5)}}, true, true},
    {"-n < 0", {{"n", AT_LEAST(1)}}, true, true},
    {"-n < 0", {{"n", NUM(1, INT64_MAX)}}, false, true},
    {"b or n + 1 > 0", {{"b", BOOLS(true, false)}, {"n", NUM(0, INT64_MAX)}}, true, true},
    {"b or n + 1 > 0", {{"b", BOOLS(true, false)}, {"n", NUM(0, 5)}}, false, true},
    {"n - tenureDays > 0", {{"n", AT_LEAST(0)}, {"tenureDays", NUM(1, 5)}}, true, true},
    /* money over a divisor, exactly: Σ ≥ 30 × 3000.00 */
    {"m >= 3000", {{"m", MONEY(8999970, 9000000, 30)}}, true, true},
    {"m >= 3000", {{"m", MONEY(9000000, 12000000, 30)}}, false, true},
    {"m >= 3000", {{"m", MONEY(0, 8999999, 30)}}, true, false},
    {"m + m2 >= 10000",
     {{"m", MONEY(0, 9000000, 30)}, {"m2", MONEY(700000, 700000, 1)}},
     true,
     true},
    {"m + m2 >= 10000",
     {{"m", MONEY(0, 8999999, 30)}, {"m2", MONEY(700000, 700000, 1)}},
     true,
     false},
    {"m + m2 >= 10000",
     {{"m", MONEY(9000000, 12000000, 30)}, {"m2", MONEY(700000, 700000, 1)}},
     false,
     true},
    /* booleans that may be either, through and/or/not */
    {"b and b2", {{"b", BOOLS(true, true)}, {"b2", BOOLS(true, false)}}, true, false},
    {"b and b2", {{"b", BOOLS(false, true)}, {"b2", BOOLS(true, true)}}, true, true},
    {"b or b2", {{"b", BOOLS(true, true)}, {"b2", BOOLS(false, true)}}, false, true},
    {"b or b2", {{"b", BOOLS(true, false)}, {"b2", BOOLS(true, false)}}, true, false},
    {"not b", {{"b", BOOLS(false, true)}}, true, false},
    {"b == b2", {{"b", BOOLS(false, true)}, {"b2", BOOLS(false, true)}}, false, true},
    {"b != b2", {{"b", BOOLS(true, true)}, {"b2", BOOLS(false, true)}}, true, true},
    {"b and n > 1", {{"b", BOOLS(true, false)}}, true, false}, /* n never asked */
    {"b or true", {{"b", BOOLS(true, true)}}, false, true},
    {"n > 1 or true", {{0}}, true, true}, /* n may refuse before true is reached */
    /* and/or/not inside a comparison, not over or, precedence across a
     * chain, and a boolean that may be neither: nothing after it is asked */
    {"not (b or b2)", {{"b", BOOLS(true, false)}, {"b2", BOOLS(true, true)}}, true, true},
    {"(b and b2) == b", {{"b", BOOLS(false, true)}, {"b2", BOOLS(true, false)}}, true, false},
    {"b or b2 and n > 1",
     {{"b", BOOLS(true, false)}, {"b2", BOOLS(false, true)}, {"n", NUM(0, 100)}},
     true,
     false},
    {"b and n > 1", {{"b", BOOLS(false, false)}}, false, false},
    /* the default segments */
    {"tenureDays >= 365 and holds(SAVINGS) and adb([SAVINGS, CHECKING]) >= 3000 and not "
     "holds(MONEY_MARKET)",
     {{"tenureDays", AT_LEAST(40000)},
      {"holds(SAVINGS)", BOOLS(false, true)},
      {"adb([SAVINGS,CHECKING])", MONEY(9000000, 9500000, 30)}},
     true, /* holds(MONEY_MARKET) is unbounded */
     true},
    /* anything the evaluator would refuse may give either answer */
    /* money in any currency meets a number as an amount in it */
    {"m >= 3000",
     {{"m", {.kind = C360_SEGMENT_MONEY, .lo = 1, .hi = 2, .currency = "EUR"}}},
     true,
     false},
    {"m + m2 > 0",
     {{"m", MONEY(1, 2, 1)},
      {"m2", {.kind = C360_SEGMENT_MONEY, .lo = 1, .hi = 2, .currency = "EUR"}}},
     true,
     true},
    {"n + tenureDays > 0",
     {{"n", NUM(INT64_MAX, INT64_MAX)}, {"tenureDays", NUM(1, 1)}},
     true,
     true},
    {"any + 1 > 0", {{"any", BOOLS(false, true)}}, true, true},
    {"any > 1", {{"any", BOOLS(false, true)}}, true, true},
    {"n > 1", {{0}}, true, true}, /* the callback cannot bound n */
};

struct world {
    const struct range *ranges;
    /* For the evaluator: the value each call takes, by index into ranges. */
    int64_t values[CALLS_MAX];
    bool booleans[CALLS_MAX];
};

static const struct range *range_of(const struct world *w, const char *call, size_t *at)
{
    for (size_t i = 0; i < CALLS_MAX && w->ranges[i].call; i++) {
        if (strcmp(w->ranges[i].call, call) == 0) {
            *at = i;
            return &w->ranges[i];
        }
    }
    return NULL;
}

static bool bound(void *ctx, const struct c360_segment_call *c, struct c360_segment_bounds *out)
{
    size_t at;
    const struct range *r = range_of(ctx, c->text, &at);
    if (!r)
        return false;
    *out = r->b;
    return true;
}

static enum c360_err value(void *ctx, const struct c360_segment_call *c,
                           struct c360_segment_value *out, struct c360_diag *diag)
{
    struct world *w = ctx;
    size_t at;
    const struct range *r = range_of(w, c->text, &at);
    if (!r)
        return c360_diag_fail(diag, C360_ERR_NOT_FOUND, NULL, "no %s", c->text);
    out->kind = r->b.kind;
    switch (r->b.kind) {
    case C360_SEGMENT_BOOL:
        out->boolean = w->booleans[at];
        break;
    case C360_SEGMENT_NUMBER:
        out->number = w->values[at];
        break;
    default:
        out->money.minor = w->values[at];
        out->divisor = r->b.divisor;
        memcpy(out->money.currency, r->b.currency, sizeof(out->money.currency));
        break;
    }
    return C360_OK;
}

/* The values a test tries for one range: its ends, a step inside each, and
 * far beyond an open end. */
static size_t samples(const struct c360_segment_bounds *b, int64_t out[6], bool booleans[6])
{
    size_t n = 0;
    if (b->kind == C360_SEGMENT_BOOL) {
        if (b->may_false)
            booleans[n++] = false;
        if (b->may_true)
            booleans[n++] = true;
        return n;
    }
    int64_t lo = b->lo_open ? (b->hi_open ? 0 : b->hi) - 1000000000 : b->lo;
    int64_t hi = b->hi_open ? (b->lo_open ? 0 : b->lo) + 1000000000 : b->hi;
    out[n++] = lo;
    out[n++] = hi;
    if (lo < hi) {
        out[n++] = lo + 1;
        out[n++] = hi - 1;
        out[n++] = lo + (hi - lo) / 2;
    }
    return n;
}

START_TEST(test_c360_segment_bound_table)
{
    struct c360_segment *seg;
    struct c360_diag diag;
    const char *text = cases[_i].text;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg,
                                     &diag) == C360_OK,
                  "%s: %s", text, diag.text);
    struct world w = {.ranges = cases[_i].ranges};
    bool may_false = false, may_true = false;
    c360_segment_bound(seg, bound, &w, &may_false, &may_true);
    ck_assert_msg(may_false == cases[_i].may_false && may_true == cases[_i].may_true,
                  "%s: may be false %d, true %d; want %d, %d", text, may_false, may_true,
                  cases[_i].may_false, cases[_i].may_true);
    /* Never narrower than the evaluator at any combination of samples. */
    int64_t vals[CALLS_MAX][6] = {{0}};
    bool bools[CALLS_MAX][6] = {{false}};
    size_t n[CALLS_MAX] = {1, 1, 1};
    for (size_t i = 0; i < CALLS_MAX && w.ranges[i].call; i++)
        n[i] = samples(&w.ranges[i].b, vals[i], bools[i]);
    for (size_t a = 0; a < n[0]; a++)
        for (size_t b = 0; b < n[1]; b++)
            for (size_t c = 0; c < n[2]; c++) {
                size_t pick[CALLS_MAX] = {a, b, c};
                for (size_t i = 0; i < CALLS_MAX; i++) {
                    w.values[i] = vals[i][pick[i]];
                    w.booleans[i] = bools[i][pick[i]];
                }
                struct c360_segment_result res;
                bool member =
                    c360_segment_eval(seg, value, &w, &res, NULL) == C360_OK && res.member;
                ck_assert_msg(member ? may_true : may_false,
                              "%s: the evaluator says %s at samples %zu %zu %zu", text,
                              member ? "true" : "false", a, b, c);
            }
    c360_segment_free(seg);
}
END_TEST

/* A predicate of more tests than a word of pending tests holds: its
 * answer is reached only through the tests past the first 64. */
START_TEST(test_c360_segment_bound_long_predicate)
{
    static const struct {
        const char *each, *join, *last;
        bool may_false, may_true;
    } chains[] = {
        {"b", " and ", "b2", true, false}, /* b is always true, b2 always false */
        {"b", " and ", "b", false, true},
        {"b2", " or ", "b", false, true},
        {"b2", " or ", "b2", true, false},
    };
    static const struct range ranges[CALLS_MAX] = {{"b", BOOLS(false, true)},
                                                   {"b2", BOOLS(true, false)}};
    for (size_t c = 0; c < sizeof(chains) / sizeof(chains[0]); c++) {
        char text[1024];
        size_t len = 0;
        for (int i = 0; i < 70; i++)
            len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", chains[c].each,
                                    chains[c].join);
        snprintf(text + len, sizeof(text) - len, "%s", chains[c].last);
        struct c360_segment *seg;
        struct c360_diag diag;
        c360_diag_clear(&diag);
        ck_assert_msg(c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg,
                                         &diag) == C360_OK,
                      "%s", diag.text);
        struct world w = {.ranges = ranges};
        bool may_false = false, may_true = false;
        c360_segment_bound(seg, bound, &w, &may_false, &may_true);
        ck_assert_msg(may_false == chains[c].may_false && may_true == chains[c].may_true,
                      "chain %zu: may be false %d, true %d", c, may_false, may_true);
        c360_segment_free(seg);
    }
}
END_TEST

void c360_check_bound_add(Suite *s)
{
    TCase *tc = tcase_create("c360_segment_bound");
    CHECK_LOOP(tc, test_c360_segment_bound_table, cases);
    tcase_add_test(tc, test_c360_segment_bound_long_predicate);
    suite_add_tcase(s, tc);
}
