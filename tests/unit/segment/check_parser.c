/*
 * Suite segment: the parser (src/segment/parser.c) — precedence and
 * associativity seen through the fully parenthesised tree, insight calls
 * checked against the table, kinds checked at load, every cap, and the
 * line:column and words of each refusal.
 */
#include "check_segment.h"
#include "segment_int.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const account_types[] = {"CHECKING",    "SAVINGS", "MONEY_MARKET", "CD",
                                            "CREDIT_CARD", "LOAN",    "MORTGAGE",     "INVESTMENT",
                                            "OTHER",       NULL};

const struct c360_segment_insight check_insights[] = {
    {"tenureDays", C360_SEGMENT_NUMBER, 0, 0, {0}, NULL},
    {"holds", C360_SEGMENT_BOOL, 1, 1, {C360_SEGMENT_ARG_NAME}, account_types},
    {"adb",
     C360_SEGMENT_MONEY,
     1,
     2,
     {C360_SEGMENT_ARG_NAMES, C360_SEGMENT_ARG_NUMBER},
     account_types},
    {"externalAdb", C360_SEGMENT_MONEY, 1, 1, {C360_SEGMENT_ARG_NAMES}, account_types},
    {"qualifyingVisit",
     C360_SEGMENT_BOOL,
     3,
     3,
     {C360_SEGMENT_ARG_NAME, C360_SEGMENT_ARG_NUMBER, C360_SEGMENT_ARG_NUMBER},
     NULL},
    {"n", C360_SEGMENT_NUMBER, 0, 0, {0}, NULL},
    {"m", C360_SEGMENT_MONEY, 0, 0, {0}, NULL},
    {"m2", C360_SEGMENT_MONEY, 0, 0, {0}, NULL},
    {"b", C360_SEGMENT_BOOL, 0, 0, {0}, NULL},
    {"b2", C360_SEGMENT_BOOL, 0, 0, {0}, NULL},
    {"flag", C360_SEGMENT_BOOL, 1, 1, {C360_SEGMENT_ARG_BOOL}, NULL},
    {"any", C360_SEGMENT_ANY, 0, 1, {C360_SEGMENT_ARG_ANY}, NULL},
};
const size_t check_n_insights = sizeof(check_insights) / sizeof(check_insights[0]);

/* Expressions and the tree the parser must build. */
static const struct {
    const char *text, *tree;
} trees[] = {
    {"b", "b"},
    {"tenureDays >= 365", "(tenureDays >= 365)"},
    {"(b)", "b"},
    {"((((b))))", "b"},
    /* or < and < not < comparison < sum < unary minus */
    {"b or b2 and b", "(b or (b2 and b))"},
    {"b and b2 or b", "((b and b2) or b)"},
    {"not b and b2", "((not b) and b2)"},
    {"not b or not b2", "((not b) or (not b2))"},
    {"not n > 1", "(not (n > 1))"},
    {"not not b", "(not (not b))"},
    {"n + 1 > 2 - n", "((n + 1) > (2 - n))"},
    {"-n + 1 == 0", "(((-n) + 1) == 0)"},
    {"- -n < 0", "((-(-n)) < 0)"},
    {"-(n + 1) < 0", "((-(n + 1)) < 0)"},
    {"n - 1 - 2 > 0", "(((n - 1) - 2) > 0)"},
    {"n - (1 - 2) > 0", "((n - (1 - 2)) > 0)"},
    {"b and b2 and b", "((b and b2) and b)"},
    {"b or b2 or b", "((b or b2) or b)"},
    {"(b or b2) and b", "((b or b2) and b)"},
    {"n == 1 or n != 2 and n < 3", "((n == 1) or ((n != 2) and (n < 3)))"},
    {"b == true", "(b == true)"},
    {"b != (n >= 1)", "(b != (n >= 1))"},
    {"\"a\\\"b\" == \"x\"", "(\"a\\\"b\" == \"x\")"},
    {"m >= 3000.5", "(m >= 3000.5)"},
    {"m + m2 >= 10000", "((m + m2) >= 10000)"},
    {"m > -0.05", "(m > (-0.05))"},
    {"holds(SAVINGS)", "holds(SAVINGS)"},
    {"holds(\"SAVINGS\")", "holds(\"SAVINGS\")"},
    {"holds ( SAVINGS )", "holds(SAVINGS)"},
    {"tenureDays() > 1", "(tenureDays > 1)"},
    {"adb([SAVINGS, CHECKING], 30) >= 3000", "(adb([SAVINGS,CHECKING],30) >= 3000)"},
    {"any([]) == any(-1.5)", "(any([]) == any(-1.5))"},
    {"any(- 2) == any(\"x\")", "(any(-2) == any(\"x\"))"},
    {"flag(true) or flag(false)", "(flag(true) or flag(false))"},
    {"qualifyingVisit(real_estate, 20, 30)", "qualifyingVisit(real_estate,20,30)"},
    {"tenureDays >= 365 and holds(SAVINGS) and adb([SAVINGS, CHECKING]) >= 3000 and not "
     "holds(MONEY_MARKET)",
     "((((tenureDays >= 365) and holds(SAVINGS)) and (adb([SAVINGS,CHECKING]) >= 3000)) and "
     "(not holds(MONEY_MARKET)))"},
    {"tenureDays >= 1095 and holds(MONEY_MARKET) and adb([CHECKING, SAVINGS, MONEY_MARKET]) + "
     "externalAdb([CHECKING, SAVINGS, MONEY_MARKET]) >= 10000 and qualifyingVisit(real_estate, "
     "20, 30)",
     "((((tenureDays >= 1095) and holds(MONEY_MARKET)) and "
     "((adb([CHECKING,SAVINGS,MONEY_MARKET]) + externalAdb([CHECKING,SAVINGS,MONEY_MARKET])) >= "
     "10000)) and qualifyingVisit(real_estate,20,30))"},
    {"b and\n  n > 1", "(b and (n > 1))"},
    /* An insight of unknown kind may be used as anything it may give. */
    {"any", "any"},
    {"any + 1 > any", "((any + 1) > any)"},
};

START_TEST(test_c360_segment_parse_builds_the_tree)
{
    struct c360_segment *seg = NULL;
    struct c360_diag diag;
    char buf[1024];
    c360_diag_clear(&diag);
    const char *text = trees[_i].text;
    ck_assert_msg(c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg,
                                     &diag) == C360_OK,
                  "%s: %s", text, diag.text);
    ck_assert_int_eq(c360_segment_dump(seg, buf, sizeof(buf)), C360_OK);
    ck_assert_str_eq(buf, trees[_i].tree);
    ck_assert_str_eq(c360_segment_text(seg), text);
    c360_segment_free(seg);
}
END_TEST

static const struct {
    const char *text, *says; /* says begins with line:column */
} refusals[] = {
    {"", "1:1: expected a value (a number, a string, true, false, an insight or '('), found the "
         "end of the expression"},
    {"   ", "1:4: expected a value"},
    {"b and", "1:6: expected a value (a number, a string, true, false, an insight or '('), found "
              "the end of the expression"},
    {"b and or b2", "1:7: expected a value (a number, a string, true, false, an insight or '('), "
                    "found 'or'"},
    {"(b", "1:3: expected ')' to close the '(' at 1:1, found the end of the expression"},
    {"b and\n  (b2 or b", "2:11: expected ')' to close the '(' at 2:3, found the end"},
    {"b)", "1:2: expected an operator or the end of the expression, found ')'"},
    {"b b2", "1:3: expected an operator or the end of the expression, found 'b2'"},
    {"n > 1 AND b", "1:7: expected an operator or the end of the expression, found 'AND'"},
    {"AND", "1:1: unknown insight 'AND'; write 'and' in lower case"},
    {"tenuredays > 1", "1:1: unknown insight 'tenuredays'; did you mean 'tenureDays'?"},
    {"b and tenure > 1", "1:7: unknown insight 'tenure'"},
    {"SAVINGS", "1:1: unknown insight 'SAVINGS'"},
    {"1 < n < 3", "1:7: comparisons do not chain; join them with 'and'"},
    {"holds(SAVINGS, CHECKING)", "1:1: holds takes 1 argument, given 2"},
    {"holds", "1:1: holds takes 1 argument, given 0"},
    {"holds()", "1:1: holds takes 1 argument, given 0"},
    {"tenureDays(1) > 0", "1:1: tenureDays takes 0 arguments, given 1"},
    {"adb() > 0", "1:1: adb takes 1 to 2 arguments, given 0"},
    {"qualifyingVisit(real_estate, 20)", "1:1: qualifyingVisit takes 3 arguments, given 2"},
    {"holds(SAVING)",
     "1:7: holds does not know 'SAVING'; it knows CHECKING, SAVINGS, MONEY_MARKET"},
    {"adb([SAVINGS, CHEKING]) > 0", "1:15: adb does not know 'CHEKING'"},
    {"holds(1)", "1:7: argument 1 of holds is a name such as CHECKING, not a number"},
    {"holds([SAVINGS])", "1:7: argument 1 of holds is a name such as CHECKING, not a list"},
    {"adb(SAVINGS) > 0", "1:5: argument 1 of adb is a list of names such as [CHECKING], not a "
                         "name"},
    {"adb([]) > 0", "1:5: argument 1 of adb is a list of names such as [CHECKING], not an empty "
                    "list"},
    {"adb([SAVINGS], x) > 0", "1:16: argument 2 of adb is a number, not a name"},
    {"adb([SAVINGS, 3]) > 0", "1:15: argument 1 of adb is a name such as CHECKING, not a number"},
    {"qualifyingVisit(real_estate, \"20\", 30)",
     "1:30: argument 2 of qualifyingVisit is a number, not a string"},
    {"flag(1)", "1:6: argument 1 of flag is a boolean, not a number"},
    {"holds(SAVINGS", "1:14: expected ',' or ')' after an argument (arguments are literals), "
                      "found the end"},
    {"adb([SAVINGS] + 1) > 0", "1:15: expected ',' or ')' after an argument"},
    {"adb([SAVINGS, CHECKING) > 0", "1:23: expected ',' or ']', found ')'"},
    {"adb([SAVINGS,]) > 0", "1:14: expected a list item (a name, number, string, true or false), "
                            "found ']'"},
    {"adb([[SAVINGS]]) > 0", "1:6: lists do not nest"},
    {"holds(SAVINGS,)", "1:15: expected an argument (a name, number, string, true, false or "
                        "[list]), found ')'"},
    {"holds(,)", "1:7: expected an argument (a name, number, string, true, false or [list]), "
                 "found ','"},
    {"any(-x)", "1:6: expected a number after '-', found 'x'"},
    {"any(n > 1)", "1:7: expected ',' or ')' after an argument (arguments are literals), found "
                   "'>'"},
    /* Kinds, as far as the table declares them. */
    {"n", "1:1: the expression gives a number; a segment needs true or false"},
    {"m + 1", "1:1: the expression gives money; a segment needs true or false"},
    {"\"x\"", "1:1: the expression gives a string"},
    {"[SAVINGS]", "1:1: the expression gives a list"},
    {"holds(SAVINGS) >= 3", "1:16: '>=' cannot compare a boolean with a number"},
    {"b == n", "1:3: '==' cannot compare a boolean with a number"},
    {"m < \"3000\"", "1:3: '<' cannot compare money with a string"},
    {"\"a\" < \"b\"", "1:5: '<' cannot compare a string with a string"},
    {"[SAVINGS] == [SAVINGS]", "1:11: '==' cannot compare a list with a list"},
    {"b + 1 > 0", "1:3: '+' needs numbers or money, not a boolean and a number"},
    {"n - true > 0", "1:3: '-' needs numbers or money, not a number and a boolean"},
    {"-b", "1:1: '-' needs a number or money, not a boolean"},
    {"not n", "1:1: 'not' needs true or false, not a number"},
    {"n and b", "1:3: 'and' needs true or false on its left, not a number"},
    {"b or m", "1:3: 'or' needs true or false on its right, not money"},
};

START_TEST(test_c360_segment_parse_refuses_with_the_position)
{
    struct c360_segment *seg = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    const char *text = refusals[_i].text;
    ck_assert_int_eq(
        c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg, &diag),
        C360_ERR_INVALID);
    ck_assert_ptr_null(seg);
    ck_assert_msg(strncmp(diag.text, refusals[_i].says, strlen(refusals[_i].says)) == 0,
                  "%s: '%s' is not '%s…'", text, diag.text, refusals[_i].says);
    /* The parser says where in the expression; whose it is, the caller says. */
    ck_assert_str_eq(diag.field, "");
}
END_TEST

/* --- Caps: each named constant, at the cap and one past it. */

static char *repeat(const char *head, const char *part, size_t times, const char *tail)
{
    size_t len = strlen(head) + strlen(part) * times + strlen(tail) + 1;
    char *text = malloc(len);
    ck_assert_ptr_nonnull(text);
    strcpy(text, head);
    for (size_t i = 0; i < times; i++)
        strcat(text, part);
    strcat(text, tail);
    return text;
}

/* Expression text for cap case i at `times` repetitions. */
static char *cap_text(int i, size_t times)
{
    char part[64];
    switch (i) {
    case 0: /* bytes: b followed by spaces */
        return repeat("b", " ", times - 1, "");
    case 1: /* nesting: (((b))) */
    {
        char *open = repeat("", "(", times, "b"), *text = repeat(open, ")", times, "");
        free(open);
        return text;
    }
    case 2: /* nesting: not not … b */
        return repeat("", "not ", times, "b");
    case 3: /* list items */
        return repeat("any([1", ",1", times - 1, "])");
    case 4: /* call arguments, through an insight taking 8 */
        return repeat("any(1", ",1", times - 1, ")");
    case 5: /* parts: b or b or … */
        return repeat("b", " or b", times - 1, "");
    case 6: /* distinct calls */
    {
        char *text = malloc(times * 24 + 1);
        ck_assert_ptr_nonnull(text);
        text[0] = '\0';
        for (size_t k = 0; k < times; k++) {
            snprintf(part, sizeof(part), "%sany(%zu) == 1", k ? " or " : "", k);
            strcat(text, part);
        }
        return text;
    }
    default:
        ck_abort_msg("no cap case %d", i);
        return NULL;
    }
}

static const struct {
    size_t at_cap;   /* repetitions that just fit */
    const char *cap; /* named in the refusal one past it */
    const char *pos; /* line:column of that refusal */
} caps[] = {
    {C360_SEGMENT_EXPR_MAX, "C360_SEGMENT_EXPR_MAX", "1:4097:"},
    {C360_SEGMENT_DEPTH_MAX, "C360_SEGMENT_DEPTH_MAX", "1:33:"},
    {C360_SEGMENT_DEPTH_MAX, "C360_SEGMENT_DEPTH_MAX", "1:129:"},
    {C360_SEGMENT_LIST_MAX, "C360_SEGMENT_LIST_MAX", "1:38:"},
    {C360_SEGMENT_ARGS_MAX, "C360_SEGMENT_ARGS_MAX", "1:21:"},
    /* n operands take 2n - 1 nodes */
    {(C360_SEGMENT_NODES_MAX + 1) / 2, "C360_SEGMENT_NODES_MAX", "1:"},
    {C360_SEGMENT_CALLS_MAX, "C360_SEGMENT_CALLS_MAX", "1:"},
};

/* A test insight with 8 arguments of any kind for the argument cap. */
static const struct c360_segment_insight cap_insights[] = {
    {"b", C360_SEGMENT_BOOL, 0, 0, {0}, NULL},
    {"any", C360_SEGMENT_ANY, 0, C360_SEGMENT_ARGS_MAX, {C360_SEGMENT_ARG_ANY}, NULL},
};

START_TEST(test_c360_segment_parse_holds_every_cap)
{
    struct c360_segment *seg = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    char *text = cap_text(_i, caps[_i].at_cap);
    size_t n = sizeof(cap_insights) / sizeof(cap_insights[0]);
    /* Lists and argument lists need a kind-free insight to reach their cap. */
    ck_assert_msg(c360_segment_parse(text, strlen(text), cap_insights, n, &seg, &diag) == C360_OK,
                  "at %s: %s", caps[_i].cap, diag.text);
    c360_segment_free(seg);
    free(text);
    seg = NULL;
    text = cap_text(_i, caps[_i].at_cap + 1);
    ck_assert_int_eq(c360_segment_parse(text, strlen(text), cap_insights, n, &seg, &diag),
                     C360_ERR_LIMIT);
    ck_assert_ptr_null(seg);
    ck_assert_msg(strstr(diag.text, caps[_i].cap), "'%s' lacks %s", diag.text, caps[_i].cap);
    ck_assert_msg(strncmp(diag.text, caps[_i].pos, strlen(caps[_i].pos)) == 0, "'%s' is not at %s",
                  diag.text, caps[_i].pos);
    free(text);
}
END_TEST

/* Identical calls share one slot: evaluation asks for each value once. */
START_TEST(test_c360_segment_parse_shares_identical_calls)
{
    static const char text[] = "adb([SAVINGS, CHECKING]) > 1 and adb( [SAVINGS,CHECKING] ) < 5 "
                               "and adb([CHECKING, SAVINGS]) < 9 and tenureDays() > 1 and "
                               "tenureDays < 9 and holds(\"SAVINGS\") and holds(SAVINGS)";
    struct c360_segment *seg;
    const struct c360_segment_call *calls;
    ck_assert_int_eq(
        c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg, NULL),
        C360_OK);
    ck_assert_uint_eq(c360_segment_calls(seg, &calls), 5);
    ck_assert_str_eq(calls[0].text, "adb([SAVINGS,CHECKING])");
    ck_assert_str_eq(calls[0].name, "adb");
    ck_assert_uint_eq(calls[0].insight, 2);
    ck_assert_uint_eq(calls[0].n_args, 1);
    ck_assert_int_eq(calls[0].args[0].kind, C360_SEGMENT_LIST);
    ck_assert_uint_eq(calls[0].args[0].n_items, 2);
    ck_assert_int_eq(calls[0].args[0].items[1].kind, C360_SEGMENT_SYMBOL);
    ck_assert_str_eq(calls[0].args[0].items[1].text, "CHECKING");
    /* The names by their places in the table: CHECKING 0, SAVINGS 1. */
    ck_assert_uint_eq(calls[0].names, 3);
    /* Order is part of the list: another call. */
    ck_assert_str_eq(calls[1].text, "adb([CHECKING,SAVINGS])");
    ck_assert_str_eq(calls[2].text, "tenureDays");
    ck_assert_uint_eq(calls[2].n_args, 0);
    ck_assert_uint_eq(calls[2].names, 0);
    /* A string and a symbol are different arguments. */
    ck_assert_str_eq(calls[3].text, "holds(\"SAVINGS\")");
    ck_assert_int_eq(calls[3].args[0].kind, C360_SEGMENT_STRING);
    ck_assert_str_eq(calls[4].text, "holds(SAVINGS)");
    ck_assert_uint_eq(calls[3].names, 2);
    ck_assert_uint_eq(calls[4].names, 2);
    c360_segment_free(seg);
}
END_TEST

/* Every test of a plan leads to an answer or to a later test of its own
 * predicate: the evaluator and the bounds visit pending tests lowest first
 * and only forward (bound.c clears the lowest pending bit as it visits). */
START_TEST(test_c360_segment_parse_plans_tests_that_lead_only_forward)
{
    static const char *const texts[] = {
        "tenureDays >= 365 and holds(SAVINGS) and adb([SAVINGS]) >= 3000 and not holds(CD)",
        "not (holds(CD) or holds(LOAN)) and (tenureDays > 1 or not tenureDays < 9)",
        "(holds(CD) and holds(LOAN)) or (holds(SAVINGS) and not (holds(CD) or tenureDays > 3))",
        "(holds(CD) or holds(LOAN)) == (tenureDays > 1 and not holds(SAVINGS)) or holds(CD)",
        "not not not holds(CD)",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct c360_segment *seg;
        ck_assert_int_eq(c360_segment_parse(texts[i], strlen(texts[i]), check_insights,
                                            check_n_insights, &seg, NULL),
                         C360_OK);
        ck_assert_uint_gt(seg->n_tests, 0);
        for (size_t t = 0; t < seg->n_tests; t++) {
            uint16_t to[2] = {seg->tests[t].on_true, seg->tests[t].on_false};
            for (int k = 0; k < 2; k++)
                ck_assert_msg(to[k] == C360_SEGMENT_TEST_TRUE || to[k] == C360_SEGMENT_TEST_FALSE ||
                                  (to[k] > t && to[k] < seg->n_tests),
                              "%s: test %zu leads to %u", texts[i], t, (unsigned)to[k]);
        }
        c360_segment_free(seg);
    }
}
END_TEST

/* A malformed table is the caller's mistake, said before any expression. */
START_TEST(test_c360_segment_parse_refuses_a_malformed_table)
{
    static const struct c360_segment_insight bad[][1] = {
        {{NULL, C360_SEGMENT_BOOL, 0, 0, {0}, NULL}},
        {{"x", C360_SEGMENT_STRING, 0, 0, {0}, NULL}},
        {{"x", C360_SEGMENT_BOOL, 2, 1, {0}, NULL}},
        {{"x", C360_SEGMENT_BOOL, 0, C360_SEGMENT_ARGS_MAX + 1, {0}, NULL}},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct c360_segment *seg = NULL;
        struct c360_diag diag;
        c360_diag_clear(&diag);
        ck_assert_int_eq(c360_segment_parse("true", 4, bad[i], 1, &seg, &diag), C360_ERR_INVALID);
        ck_assert_ptr_null(seg);
        ck_assert_ptr_nonnull(strstr(diag.text, "insight table entry 0"));
    }
    /* No table at all: only literals. */
    struct c360_segment *seg;
    ck_assert_int_eq(c360_segment_parse("1 < 2", 5, NULL, 0, &seg, NULL), C360_OK);
    c360_segment_free(seg);
    c360_segment_free(NULL);
}
END_TEST

void c360_check_parser_add(Suite *s)
{
    TCase *tc = tcase_create("c360_segment_parse");
    CHECK_LOOP(tc, test_c360_segment_parse_builds_the_tree, trees);
    CHECK_LOOP(tc, test_c360_segment_parse_refuses_with_the_position, refusals);
    CHECK_LOOP(tc, test_c360_segment_parse_holds_every_cap, caps);
    tcase_add_test(tc, test_c360_segment_parse_shares_identical_calls);
    tcase_add_test(tc, test_c360_segment_parse_plans_tests_that_lead_only_forward);
    tcase_add_test(tc, test_c360_segment_parse_refuses_a_malformed_table);
    suite_add_tcase(s, tc);
}
