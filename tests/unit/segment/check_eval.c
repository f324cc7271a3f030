/*
 * Suite segment: the evaluator (src/segment/eval.c) against a fake world of
 * insight values — exact numbers and money, sums over a divisor as adb
 * gives them, currencies, short-circuits that never ask for the right side,
 * type errors the table left open, overflow, and the trace.
 */
#include "check_segment.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* One insight value of the fake world, by canonical call text. */
struct fact {
    const char *call;
    struct c360_segment_value value;
};

#define NUM(h)                                                                                     \
    {                                                                                              \
        .kind = C360_SEGMENT_NUMBER, .number = (h)                                                 \
    }
#define BOOL(v)                                                                                    \
    {                                                                                              \
        .kind = C360_SEGMENT_BOOL, .boolean = (v)                                                  \
    }
#define MONEY(minor, cur, div)                                                                     \
    {                                                                                              \
        .kind = C360_SEGMENT_MONEY, .money = {(minor), cur}, .divisor = (div)                      \
    }
#define STR(s)                                                                                     \
    {                                                                                              \
        .kind = C360_SEGMENT_STRING, .text = (s)                                                   \
    }
#define FACTS_MAX 4

struct world {
    const struct fact *facts;
    size_t asked; /* callback calls */
};

/* Gives the world's value; a call the world lacks fails, so a test sees
 * any call short-circuiting should have skipped. */
static enum c360_err lookup(void *ctx, const struct c360_segment_call *c,
                            struct c360_segment_value *out, struct c360_diag *diag)
{
    struct world *w = ctx;
    w->asked++;
    for (size_t i = 0; i < FACTS_MAX && w->facts[i].call; i++) {
        if (strcmp(w->facts[i].call, c->text) == 0) {
            *out = w->facts[i].value;
            return C360_OK;
        }
    }
    return c360_diag_fail(diag, C360_ERR_NOT_FOUND, NULL, "the world has no %s", c->text);
}

static const struct {
    const char *text;
    struct fact facts[FACTS_MAX];
    int member;       /* 0 or 1; -1 when evaluation fails */
    const char *says; /* the failure's text, from its start */
    size_t asked;     /* callback calls */
} cases[] = {
    /* numbers */
    {"n >= 365", {{"n", NUM(36500)}}, 1, NULL, 1},
    {"n >= 365", {{"n", NUM(36499)}}, 0, NULL, 1},
    {"n > 365", {{"n", NUM(36500)}}, 0, NULL, 1},
    {"n == 364.99", {{"n", NUM(36499)}}, 1, NULL, 1},
    {"n != 364.99", {{"n", NUM(36499)}}, 0, NULL, 1},
    {"n <= -1", {{"n", NUM(-100)}}, 1, NULL, 1},
    {"n < -1", {{"n", NUM(-100)}}, 0, NULL, 1},
    {"n - 0.5 == 364.5", {{"n", NUM(36500)}}, 1, NULL, 1},
    {"-n + 1 == -364", {{"n", NUM(36500)}}, 1, NULL, 1},
    {"0.1 + 0.2 == 0.3", {{0}}, 1, NULL, 0}, /* exact: no binary fractions */
    /* money against numbers, exactly */
    {"m >= 3000", {{"m", MONEY(299999, "USD", 1)}}, 0, NULL, 1},
    {"m >= 3000", {{"m", MONEY(300000, "USD", 1)}}, 1, NULL, 1},
    {"m == 3000.00", {{"m", MONEY(300000, "USD", 0)}}, 1, NULL, 1},
    {"m >= 2999.99", {{"m", MONEY(299999, "USD", 1)}}, 1, NULL, 1},
    {"3000 > m", {{"m", MONEY(299999, "USD", 1)}}, 1, NULL, 1},
    /* adb as a 30-day sum over 30: Σ ≥ 30 × threshold, never rounded */
    {"m >= 3000", {{"m", MONEY(9000000, "USD", 30)}}, 1, NULL, 1},
    {"m >= 3000", {{"m", MONEY(8999999, "USD", 30)}}, 0, NULL, 1},
    {"m == 3000", {{"m", MONEY(9000000, "USD", 30)}}, 1, NULL, 1},
    {"m > 2999.99", {{"m", MONEY(8999971, "USD", 30)}}, 1, NULL, 1},
    {"m > 2999.99", {{"m", MONEY(8999970, "USD", 30)}}, 0, NULL, 1},
    /* adb + externalAdb ≥ 10000: Σ/30 + x ≥ 10000 */
    {"m + m2 >= 10000",
     {{"m", MONEY(18000000, "USD", 30)}, {"m2", MONEY(400000, "USD", 1)}},
     1,
     NULL,
     2},
    {"m + m2 >= 10000",
     {{"m", MONEY(17999999, "USD", 30)}, {"m2", MONEY(400000, "USD", 1)}},
     0,
     NULL,
     2},
    {"m + m2 >= 10000",
     {{"m", MONEY(18000000, "USD", 30)}, {"m2", MONEY(399999, "USD", 0)}},
     0,
     NULL,
     2},
    /* different divisors meet exactly: 1/3 + 2/3 of a cent */
    {"m + m2 == 0.01", {{"m", MONEY(1, "USD", 3)}, {"m2", MONEY(2, "USD", 3)}}, 1, NULL, 2},
    {"m + m2 == 0.01", {{"m", MONEY(1, "USD", 3)}, {"m2", MONEY(1, "USD", 2)}}, 0, NULL, 2},
    {"m - m2 == 0", {{"m", MONEY(1, "USD", 2)}, {"m2", MONEY(2, "USD", 4)}}, 1, NULL, 2},
    {"m + 0.01 >= 3000", {{"m", MONEY(299999, "USD", 1)}}, 1, NULL, 1},
    {"-m < 0", {{"m", MONEY(1, "USD", 30)}}, 1, NULL, 1},
    {"m > m2", {{"m", MONEY(2, "USD", 3)}, {"m2", MONEY(1, "USD", 2)}}, 1, NULL, 2},
    /* currencies */
    {"m + m2 > 0",
     {{"m", MONEY(100, "USD", 1)}, {"m2", MONEY(100, "EUR", 1)}},
     -1,
     "1:3: cannot add money in USD and EUR",
     2},
    {"m - m2 > 0",
     {{"m", MONEY(100, "USD", 1)}, {"m2", MONEY(100, "", 1)}},
     -1,
     "1:3: cannot subtract money in USD and no currency",
     2},
    {"m > m2",
     {{"m", MONEY(100, "USD", 1)}, {"m2", MONEY(100, "EUR", 1)}},
     -1,
     "1:3: cannot compare money in USD and EUR",
     2},
    /* zero with no currency (no accounts) meets any currency */
    {"m + m2 == 1", {{"m", MONEY(0, "", 1)}, {"m2", MONEY(100, "EUR", 1)}}, 1, NULL, 2},
    {"m2 + m == 1", {{"m", MONEY(0, "", 1)}, {"m2", MONEY(100, "EUR", 1)}}, 1, NULL, 2},
    /* short-circuit: the right side's insight is not even asked for */
    {"b and n > 1", {{"b", BOOL(false)}}, 0, NULL, 1},
    {"b or n > 1", {{"b", BOOL(true)}}, 1, NULL, 1},
    {"b and n > 1", {{"b", BOOL(true)}}, -1, "the world has no n", 2},
    {"b or n > 1", {{"b", BOOL(false)}, {"n", NUM(200)}}, 1, NULL, 2},
    {"not b and n > 1", {{"b", BOOL(true)}}, 0, NULL, 1},
    /* one call asked once, however often it appears */
    {"n > 1 and n < 500 and not (n == 3)", {{"n", NUM(200)}}, 1, NULL, 1},
    {"b == b2", {{"b", BOOL(false)}, {"b2", BOOL(false)}}, 1, NULL, 2},
    {"\"a\" == \"a\" and \"a\" != \"b\"", {{0}}, 1, NULL, 0},
    /* kinds the table left open meet at evaluation */
    {"any > 1", {{"any", NUM(200)}}, 1, NULL, 1},
    {"any > 1", {{"any", BOOL(true)}}, -1, "1:5: '>' cannot compare a boolean with a number", 1},
    {"any == 1", {{"any", BOOL(true)}}, -1, "1:5: '==' cannot compare a boolean with a number", 1},
    {"any and b",
     {{"any", NUM(1)}},
     -1,
     "1:5: 'and' needs true or false on its left, not a number",
     1},
    {"b or any",
     {{"b", BOOL(false)}, {"any", MONEY(1, "USD", 1)}},
     -1,
     "1:3: 'or' needs true or false on its right, not money",
     2},
    {"not any", {{"any", NUM(1)}}, -1, "1:1: 'not' needs true or false, not a number", 1},
    {"any + 1 > 0",
     {{"any", BOOL(true)}},
     -1,
     "1:5: '+' needs numbers or money, not a boolean and a number",
     1},
    {"-any > 0", {{"any", BOOL(true)}}, -1, "1:1: '-' needs a number or money, not a boolean", 1},
    {"any", {{"any", NUM(1)}}, -1, "1:1: the expression gave a number", 1},
    {"any", {{"any", BOOL(true)}}, 1, NULL, 1},
    /* what a callback may give */
    {"n > 1", {{"n", MONEY(1, "USD", 1)}}, -1, "1:1: insight n gave money, declared a number", 1},
    {"any == 1",
     {{"any", STR("x")}},
     -1,
     "1:1: insight any gave a string; insights give a boolean, a number or money",
     1},
    {"n > 1", {{"n", {.kind = C360_SEGMENT_ANY}}}, -1, "1:1: insight n gave no value", 1},
    {"m > 1", {{"m", MONEY(1, "USD", -1)}}, -1, "1:1: insight m gave money over a negative", 1},
    {"m > 1", {{"m", MONEY(1, "usd", 1)}}, -1, "1:1: insight m gave money in 'usd'", 1},
    /* int64 overflow is an error, never a wrap */
    {"m + m > 0", {{"m", MONEY(INT64_MAX, "USD", 1)}}, -1, "1:3: the sum overflows", 1},
    {"m - m2 > 0",
     {{"m", MONEY(INT64_MIN, "USD", 1)}, {"m2", MONEY(1, "USD", 1)}},
     -1,
     "1:3: the difference overflows",
     2},
    {"-n > 0", {{"n", NUM(INT64_MIN)}}, -1, "1:1: the negation overflows", 1},
    {"n + 1 > 0", {{"n", NUM(INT64_MAX)}}, -1, "1:3: the sum overflows", 1},
    /* but comparisons cross-multiply in 128 bits and never overflow */
    {"m > 1", {{"m", MONEY(INT64_MAX, "USD", INT64_MAX)}}, 0, NULL, 1},
    {"m > m2", {{"m", MONEY(INT64_MAX, "USD", 3)}, {"m2", MONEY(INT64_MAX, "USD", 2)}}, 0, NULL, 2},
    /* denominators that would overflow are an error too */
    {"m + m2 > 0",
     {{"m", MONEY(1, "USD", INT64_MAX)}, {"m2", MONEY(1, "USD", INT64_MAX - 1)}},
     -1,
     "1:3: the sum overflows",
     2},
    /* sums keep the smallest divisor: 1/2^40 + 1/2^41 is 3/2^41, where the
     * product of the divisors (2^81) would not fit */
    {"m + m2 > 0 and m + m2 < 0.01",
     {{"m", MONEY(1, "USD", INT64_C(1) << 40)}, {"m2", MONEY(1, "USD", INT64_C(1) << 41)}},
     1,
     NULL,
     2},
    /* and/or/not inside a comparison, not over or, and precedence across
     * a chain: each short-circuit skips only the operand it decides */
    {"(b and b2) == (n > 1)",
     {{"b", BOOL(true)}, {"b2", BOOL(false)}, {"n", NUM(200)}},
     0,
     NULL,
     3},
    {"not (b or b2) and n > 1",
     {{"b", BOOL(false)}, {"b2", BOOL(false)}, {"n", NUM(200)}},
     1,
     NULL,
     3},
    {"b or b2 and n > 1", {{"b", BOOL(true)}}, 1, NULL, 1},
    {"(b or b2) and (n > 1 or b)",
     {{"b", BOOL(false)}, {"b2", BOOL(true)}, {"n", NUM(0)}},
     0,
     NULL,
     3},
    /* a refusal names the connective nearest the operand, and its side */
    {"b and (b2 or any)",
     {{"b", BOOL(true)}, {"b2", BOOL(false)}, {"any", NUM(1)}},
     -1,
     "1:11: 'or' needs true or false on its right, not a number",
     3},
    {"not not any", {{"any", NUM(1)}}, -1, "1:5: 'not' needs true or false, not a number", 1},
    {"(any or b) == true",
     {{"any", NUM(1)}},
     -1,
     "1:6: 'or' needs true or false on its left, not a number",
     1},
    /* a failing callback stops the evaluation with its own words */
    {"holds(SAVINGS)", {{0}}, -1, "the world has no holds(SAVINGS)", 1},
};

START_TEST(test_c360_segment_eval_computes_exactly)
{
    struct c360_segment *seg;
    struct c360_segment_result res;
    struct c360_diag diag;
    struct world w = {.facts = cases[_i].facts};
    const char *text = cases[_i].text;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg,
                                     &diag) == C360_OK,
                  "%s: %s", text, diag.text);
    enum c360_err err = c360_segment_eval(seg, lookup, &w, &res, &diag);
    if (cases[_i].member < 0) {
        ck_assert_int_ne(err, C360_OK);
        ck_assert_msg(strncmp(diag.text, cases[_i].says, strlen(cases[_i].says)) == 0,
                      "%s: '%s' is not '%s…'", text, diag.text, cases[_i].says);
    } else {
        ck_assert_msg(err == C360_OK, "%s: %s", text, diag.text);
        ck_assert_int_eq(res.member, cases[_i].member);
        /* Every call asked is in the trace, once. */
        ck_assert_uint_eq(res.n_trace, w.asked);
    }
    ck_assert_uint_eq(w.asked, cases[_i].asked);
    c360_segment_free(seg);
}
END_TEST

/* The trace: each call evaluated with its value, in evaluation order. */
START_TEST(test_c360_segment_eval_traces_the_deciding_values)
{
    static const char text[] = "tenureDays >= 365 and holds(SAVINGS) and adb([SAVINGS, CHECKING]) "
                               ">= 3000 and not holds(MONEY_MARKET)";
    static const struct fact facts[FACTS_MAX] = {
        {"tenureDays", NUM(40000)},
        {"holds(SAVINGS)", BOOL(true)},
        {"adb([SAVINGS,CHECKING])", MONEY(12630510, "USD", 30)},
        {"holds(MONEY_MARKET)", BOOL(false)},
    };
    struct c360_segment *seg;
    struct c360_segment_result res;
    struct world w = {.facts = facts};
    char buf[64];
    ck_assert_int_eq(
        c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg, NULL),
        C360_OK);
    ck_assert_int_eq(c360_segment_eval(seg, lookup, &w, &res, NULL), C360_OK);
    ck_assert(res.member);
    ck_assert_uint_eq(res.n_trace, 4);
    ck_assert_str_eq(res.trace[0].call->text, "tenureDays");
    ck_assert_int_eq(c360_segment_value_text(&res.trace[0].value, buf, sizeof(buf)), C360_OK);
    ck_assert_str_eq(buf, "400");
    ck_assert_str_eq(res.trace[2].call->text, "adb([SAVINGS,CHECKING])");
    ck_assert_int_eq(res.trace[2].value.kind, C360_SEGMENT_MONEY);
    ck_assert_str_eq(res.trace[2].value.money.currency, "USD");
    ck_assert_int_eq(c360_segment_value_text(&res.trace[2].value, buf, sizeof(buf)), C360_OK);
    ck_assert_str_eq(buf, "4210.17");
    ck_assert_str_eq(res.trace[3].call->text, "holds(MONEY_MARKET)");

    /* Tenure too short: the first condition decides, nothing else is asked. */
    static const struct fact young[FACTS_MAX] = {{"tenureDays", NUM(36400)}};
    w = (struct world){.facts = young};
    ck_assert_int_eq(c360_segment_eval(seg, lookup, &w, &res, NULL), C360_OK);
    ck_assert(!res.member);
    ck_assert_uint_eq(res.n_trace, 1);
    ck_assert_str_eq(res.trace[0].call->text, "tenureDays");
    c360_segment_free(seg);
}
END_TEST

/* The callback gets the arguments as written, numbers in hundredths. */
static enum c360_err visit(void *ctx, const struct c360_segment_call *c,
                           struct c360_segment_value *out, struct c360_diag *diag)
{
    (void)diag;
    *(const struct c360_segment_call **)ctx = c;
    *out = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL, .boolean = true};
    return C360_OK;
}

START_TEST(test_c360_segment_eval_passes_the_arguments)
{
    static const char text[] = "qualifyingVisit(real_estate, 20, 30.5)";
    struct c360_segment *seg;
    struct c360_segment_result res;
    const struct c360_segment_call *seen = NULL;
    ck_assert_int_eq(
        c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg, NULL),
        C360_OK);
    ck_assert_int_eq(c360_segment_eval(seg, visit, &seen, &res, NULL), C360_OK);
    ck_assert(res.member);
    ck_assert_ptr_nonnull(seen);
    ck_assert_str_eq(seen->name, "qualifyingVisit");
    ck_assert_uint_eq(seen->insight, 4);
    ck_assert_uint_eq(seen->n_args, 3);
    ck_assert_int_eq(seen->args[0].kind, C360_SEGMENT_SYMBOL);
    ck_assert_str_eq(seen->args[0].text, "real_estate");
    ck_assert_int_eq(seen->args[1].kind, C360_SEGMENT_NUMBER);
    ck_assert_int_eq(seen->args[1].number, 2000);
    ck_assert_int_eq(seen->args[2].number, 3050);
    c360_segment_free(seg);
}
END_TEST

void c360_check_eval_add(Suite *s)
{
    TCase *tc = tcase_create("c360_segment_eval");
    CHECK_LOOP(tc, test_c360_segment_eval_computes_exactly, cases);
    tcase_add_test(tc, test_c360_segment_eval_traces_the_deciding_values);
    tcase_add_test(tc, test_c360_segment_eval_passes_the_arguments);
    suite_add_tcase(s, tc);
}
