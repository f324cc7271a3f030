/*
 * Suite segment: config/segments.json (src/segment/set.c) — the shipped
 * default segments mean what DESIGN.md §5 says at and around each of their
 * thresholds, and a bad file names the segment and the place in it.
 */
#include "check_segment.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHIPPED C360_SOURCE_DIR "/config/segments.json"

/* --- A profile behind the insights of DESIGN.md §5, as the engine will
 * compute them: adb is the sum of 30 days of end-of-day balances over 30. */

enum { CHK, SAV, MM, INV, TYPES };
static const char *const type_names[TYPES] = {"CHECKING", "SAVINGS", "MONEY_MARKET", "INVESTMENT"};

struct profile {
    int64_t tenure_days;
    bool holds[TYPES];
    int64_t sum30[TYPES];    /* Σ over 30 days of end-of-day balances, minor units */
    int64_t external[TYPES]; /* averageDailyBalance of external accounts, minor units */
    bool visit;              /* a real_estate visit over 20 minutes in the last 30 days */
};

static int type_of(const struct c360_segment_value *v)
{
    for (int t = 0; t < TYPES; t++) {
        if (strcmp(type_names[t], v->text) == 0)
            return t;
    }
    return -1;
}

static int64_t sum_types(const int64_t *per_type, const struct c360_segment_value *list)
{
    int64_t sum = 0;
    for (size_t i = 0; i < list->n_items; i++) {
        int t = type_of(&list->items[i]);
        sum += t < 0 ? 0 : per_type[t];
    }
    return sum;
}

static enum c360_err profile_insight(void *ctx, const struct c360_segment_call *c,
                                     struct c360_segment_value *out, struct c360_diag *diag)
{
    const struct profile *prof = ctx;
    const struct c360_segment_value *a = c->args;
    int t;
    switch (c->insight) { /* the order of check_insights */
    case 0:
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_NUMBER,
                                           .number = prof->tenure_days * 100};
        return C360_OK;
    case 1:
        t = type_of(&a[0]);
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL,
                                           .boolean = t >= 0 && prof->holds[t]};
        return C360_OK;
    case 2:
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_MONEY,
                                           .money = {sum_types(prof->sum30, &a[0]), "USD"},
                                           .divisor = 30};
        return C360_OK;
    case 3:
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_MONEY,
                                           .money = {sum_types(prof->external, &a[0]), "USD"}};
        return C360_OK;
    case 4:
        if (strcmp(a[0].text, "real_estate") != 0 || a[1].number != 2000 || a[2].number != 3000)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "unexpected %s", c->text);
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL, .boolean = prof->visit};
        return C360_OK;
    default:
        return c360_diag_fail(diag, C360_ERR_NOT_FOUND, NULL, "no insight %s", c->text);
    }
}

/* 30 × the average, in minor units: the sum that makes adb exactly avg. */
#define SUM30(avg_minor) ((avg_minor)*30)

static const struct {
    const char *segment, *why;
    struct profile prof;
    bool member;
} profiles[] = {
    /* cross_sell_money_market: tenure ≥ 365, SAVINGS open, adb(SAV+CHK) ≥ 3000, no MM */
    {"cross_sell_money_market",
     "exactly at every threshold",
     {365, {[SAV] = true}, {[SAV] = SUM30(200000), [CHK] = SUM30(100000)}, {0}, false},
     true},
    {"cross_sell_money_market",
     "a day short of a year",
     {364, {[SAV] = true}, {[SAV] = SUM30(200000), [CHK] = SUM30(100000)}, {0}, false},
     false},
    {"cross_sell_money_market",
     "a thirtieth of a cent short of 3000",
     {365, {[SAV] = true}, {[SAV] = SUM30(200000), [CHK] = SUM30(100000) - 1}, {0}, false},
     false},
    {"cross_sell_money_market",
     "a cent short of 3000 on average",
     {365, {[SAV] = true}, {[SAV] = SUM30(299999)}, {0}, false},
     false},
    {"cross_sell_money_market",
     "a thirtieth of a cent over",
     {365, {[SAV] = true}, {[SAV] = SUM30(300000) + 1}, {0}, false},
     true},
    {"cross_sell_money_market",
     "the balance may sit in checking",
     {4000, {[SAV] = true, [CHK] = true}, {[CHK] = SUM30(500000)}, {0}, false},
     true},
    {"cross_sell_money_market",
     "money market balances do not count",
     {4000, {[SAV] = true}, {[MM] = SUM30(900000), [SAV] = SUM30(100)}, {0}, false},
     false},
    {"cross_sell_money_market",
     "no savings account open",
     {4000, {[CHK] = true}, {[CHK] = SUM30(900000)}, {0}, false},
     false},
    {"cross_sell_money_market",
     "already holds a money market account",
     {4000, {[SAV] = true, [MM] = true}, {[SAV] = SUM30(900000)}, {0}, false},
     false},
    /* upsell_mortgage: tenure ≥ 1095, MM open, adb(CHK+SAV+MM) + externalAdb ≥ 10000, visit */
    {"upsell_mortgage",
     "exactly at every threshold",
     {1095, {[MM] = true}, {[MM] = SUM30(600000)}, {[SAV] = 400000}, true},
     true},
    {"upsell_mortgage",
     "a day short of three years",
     {1094, {[MM] = true}, {[MM] = SUM30(600000)}, {[SAV] = 400000}, true},
     false},
    {"upsell_mortgage",
     "internal balances a thirtieth of a cent short",
     {1095, {[MM] = true}, {[MM] = SUM30(600000) - 1}, {[SAV] = 400000}, true},
     false},
    {"upsell_mortgage",
     "external balances a cent short",
     {1095, {[MM] = true}, {[MM] = SUM30(600000)}, {[SAV] = 399999}, true},
     false},
    {"upsell_mortgage",
     "all of it external",
     {2000, {[MM] = true}, {0}, {[CHK] = 500000, [MM] = 500000}, true},
     true},
    {"upsell_mortgage",
     "spread over the three internal types",
     {2000,
      {[MM] = true},
      {[CHK] = SUM30(300000), [SAV] = SUM30(300000), [MM] = SUM30(400000)},
      {0},
      true},
     true},
    {"upsell_mortgage",
     "investments do not count",
     {2000, {[MM] = true}, {[INV] = SUM30(5000000)}, {[INV] = 5000000}, true},
     false},
    {"upsell_mortgage",
     "no qualifying visit",
     {2000, {[MM] = true}, {[MM] = SUM30(5000000)}, {0}, false},
     false},
    {"upsell_mortgage",
     "no money market account open",
     {2000, {[SAV] = true}, {[MM] = SUM30(5000000)}, {0}, true},
     false},
};

START_TEST(test_c360_segment_set_load_reads_the_shipped_segments)
{
    struct c360_segment_set *set;
    struct c360_segment_result res;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_segment_set_load(SHIPPED, check_insights, check_n_insights, &set, &diag) ==
                      C360_OK,
                  "%s: %s: %s", diag.where, diag.field, diag.text);
    const struct c360_segment_def *def = c360_segment_set_find(set, profiles[_i].segment);
    ck_assert_ptr_nonnull(def);
    ck_assert_int_eq(
        c360_segment_eval(def->seg, profile_insight, (void *)&profiles[_i].prof, &res, &diag),
        C360_OK);
    ck_assert_msg(res.member == profiles[_i].member, "%s: %s", profiles[_i].segment,
                  profiles[_i].why);
    c360_segment_set_free(set);
}
END_TEST

START_TEST(test_c360_segment_set_load_gives_names_activations_and_expressions)
{
    struct c360_segment_set *set;
    ck_assert_int_eq(c360_segment_set_load(SHIPPED, check_insights, check_n_insights, &set, NULL),
                     C360_OK);
    ck_assert_uint_eq(c360_segment_set_count(set), 2);
    const struct c360_segment_def *cross = c360_segment_set_at(set, 0),
                                  *upsell = c360_segment_set_at(set, 1);
    ck_assert_str_eq(cross->name, "cross_sell_money_market");
    ck_assert_str_eq(cross->kind, "Cross-sell");
    ck_assert_str_eq(cross->offer, "Money Market account");
    ck_assert_str_eq(c360_segment_text(cross->seg),
                     "tenureDays >= 365 and holds(SAVINGS) and adb([SAVINGS, CHECKING]) >= 3000 "
                     "and not holds(MONEY_MARKET)");
    ck_assert_str_eq(upsell->name, "upsell_mortgage");
    ck_assert_str_eq(upsell->kind, "Upsell");
    ck_assert_str_eq(upsell->offer, "mortgage");
    ck_assert_str_eq(c360_segment_text(upsell->seg),
                     "tenureDays >= 1095 and holds(MONEY_MARKET) and adb([CHECKING, SAVINGS, "
                     "MONEY_MARKET]) + externalAdb([CHECKING, SAVINGS, MONEY_MARKET]) >= 10000 "
                     "and qualifyingVisit(real_estate, 20, 30)");
    ck_assert_ptr_eq(c360_segment_set_find(set, "upsell_mortgage"), upsell);
    ck_assert_ptr_null(c360_segment_set_find(set, "upsell"));
    /* The engine's timers: tenure alone moves these segments at 365 and 1095 days. */
    struct c360_segment_thresholds th;
    c360_segment_thresholds(cross->seg, "tenureDays", &th);
    ck_assert_uint_eq(th.count, 1);
    ck_assert_int_eq(th.items[0].op, C360_SEGMENT_GE);
    ck_assert_int_eq(th.items[0].value, 36500);
    ck_assert(!th.elsewhere);
    c360_segment_thresholds(upsell->seg, "tenureDays", &th);
    ck_assert_uint_eq(th.count, 1);
    ck_assert_int_eq(th.items[0].value, 109500);
    ck_assert(!th.elsewhere);
    c360_segment_set_free(set);
    c360_segment_set_free(NULL);
}
END_TEST

static const struct {
    const char *text, *field, *says;
} bad_sets[] = {
    {"[]", "", "not a JSON object"},
    {"{\"segments\": [", "", "not a JSON object"},
    {"{}", "segments", "must be a list of at most 256 segments"},
    {"{\"segments\": {}}", "segments", "must be a list"},
    {"{\"segments\": [], \"segs\": []}", "", "unknown key 'segs'"},
    {"{\"segments\": [], \"doc\": 1}", "", "doc must be a string"},
    {"{\"segments\": [], \"segments\": []}", "", "not a JSON object"},
    {"{\"segments\": [1]}", "segments[0]", "must be an object"},
    {"{\"segments\": [{\"expression\": \"b\"}]}", "segments[0]",
     "needs a name of 1-64 characters from a-z, 0-9 and _"},
    {"{\"segments\": [{\"name\": \"Cross\", \"expression\": \"b\"}]}", "segments[0]",
     "needs a name"},
    {"{\"segments\": [{\"name\": \"a-b\", \"expression\": \"b\"}]}", "segments[0]", "needs a name"},
    {"{\"segments\": [{\"name\": \"\", \"expression\": \"b\"}]}", "segments[0]", "needs a name"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"b\"}, {\"name\": \"a\", "
     "\"expression\": \"b\"}]}",
     "segments[1]", "a second segment named 'a'"},
    {"{\"segments\": [{\"name\": \"a\", \"expresion\": \"b\"}]}", "segments[0]",
     "unknown key 'expresion'"},
    {"{\"segments\": [{\"name\": \"a\"}]}", "a.expression", "is required: a string"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": true}]}", "a.expression",
     "is required: a string"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"\"}]}", "a.expression",
     "1:1: expected a value"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"b\"}, {\"name\": \"cross\", "
     "\"expression\": \"tenureDays >= 365 and holds(SAVING)\"}]}",
     "cross.expression", "1:29: holds does not know 'SAVING'"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"b and\\n  adbb([SAVINGS]) > 1\"}]}",
     "a.expression", "2:3: unknown insight 'adbb'"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"b\", \"activation\": \"x\"}]}",
     "a.activation", "must be an object"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"b\", \"activation\": {\"ofer\": "
     "\"x\"}}]}",
     "a.activation", "unknown key 'ofer'"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"b\", \"activation\": {\"offer\": "
     "\"\"}}]}",
     "a.activation.offer", "must be a string of 1-128 bytes"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"b\", \"activation\": {\"kind\": 1}}]}",
     "a.activation.kind", "must be a string of 1-128 bytes"},
    {"{\"segments\": [{\"name\": \"a\", \"expression\": \"b\", \"activation\": {\"kind\": "
     "\"a\\nb\"}}]}",
     "a.activation.kind", "must not hold control characters"},
};

START_TEST(test_c360_segment_set_parse_names_the_segment_and_place)
{
    struct c360_segment_set *set = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    const char *text = bad_sets[_i].text;
    ck_assert_int_ne(c360_segment_set_parse(text, strlen(text), "s.json", check_insights,
                                            check_n_insights, &set, &diag),
                     C360_OK);
    ck_assert_ptr_null(set);
    ck_assert_str_eq(diag.where, "s.json");
    ck_assert_str_eq(diag.field, bad_sets[_i].field);
    ck_assert_msg(strstr(diag.text, bad_sets[_i].says), "'%s' lacks '%s'", diag.text,
                  bad_sets[_i].says);
}
END_TEST

START_TEST(test_c360_segment_set_parse_takes_optional_parts_and_caps_the_count)
{
    static const char minimal[] = "{\"segments\": [{\"name\": \"vip_2\", \"expression\": \"b\", "
                                  "\"doc\": \"why\", \"activation\": {\"kind\": \"Retain\"}}]}";
    struct c360_segment_set *set;
    struct c360_diag diag;
    ck_assert_int_eq(c360_segment_set_parse(minimal, strlen(minimal), "m", check_insights,
                                            check_n_insights, &set, NULL),
                     C360_OK);
    ck_assert_uint_eq(c360_segment_set_count(set), 1);
    ck_assert_str_eq(c360_segment_set_at(set, 0)->kind, "Retain");
    ck_assert_ptr_null(c360_segment_set_at(set, 0)->offer);
    c360_segment_set_free(set);
    ck_assert_int_eq(c360_segment_set_parse("{\"segments\": []}", 16, "e", NULL, 0, &set, NULL),
                     C360_OK);
    ck_assert_uint_eq(c360_segment_set_count(set), 0);
    c360_segment_set_free(set);

    /* C360_SEGMENT_SET_MAX segments pass, one more does not. */
    size_t cap = 64 + (C360_SEGMENT_SET_MAX + 1) * 48;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    for (int extra = 0; extra <= 1; extra++) {
        size_t len = (size_t)snprintf(text, cap, "{\"segments\": [");
        for (int i = 0; i < C360_SEGMENT_SET_MAX + extra; i++)
            len +=
                (size_t)snprintf(text + len, cap - len,
                                 "%s{\"name\": \"s%d\", \"expression\": \"b\"}", i ? "," : "", i);
        snprintf(text + len, cap - len, "]}");
        c360_diag_clear(&diag);
        enum c360_err err = c360_segment_set_parse(text, strlen(text), "big", check_insights,
                                                   check_n_insights, &set, &diag);
        if (extra) {
            ck_assert_int_eq(err, C360_ERR_INVALID);
            ck_assert_str_eq(diag.field, "segments");
        } else {
            ck_assert_msg(err == C360_OK, "%s", diag.text);
            ck_assert_uint_eq(c360_segment_set_count(set), C360_SEGMENT_SET_MAX);
            c360_segment_set_free(set);
        }
    }
    free(text);
}
END_TEST

START_TEST(test_c360_segment_set_load_reports_a_missing_file)
{
    struct c360_segment_set *set = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_ne(c360_segment_set_load("/nonexistent/segments.json", check_insights,
                                           check_n_insights, &set, &diag),
                     C360_OK);
    ck_assert_ptr_null(set);
    ck_assert_str_ne(diag.text, "");
}
END_TEST

void c360_check_set_add(Suite *s)
{
    TCase *tc = tcase_create("c360_segment_set_load");
    CHECK_LOOP(tc, test_c360_segment_set_load_reads_the_shipped_segments, profiles);
    tcase_add_test(tc, test_c360_segment_set_load_gives_names_activations_and_expressions);
    tcase_add_test(tc, test_c360_segment_set_load_reports_a_missing_file);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_segment_set_parse");
    CHECK_LOOP(tc, test_c360_segment_set_parse_names_the_segment_and_place, bad_sets);
    tcase_add_test(tc, test_c360_segment_set_parse_takes_optional_parts_and_caps_the_count);
    suite_add_tcase(s, tc);
}

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("segment");
    c360_check_lexer_add(s);
    c360_check_parser_add(s);
    c360_check_eval_add(s);
    c360_check_thresholds_add(s);
    c360_check_bound_add(s);
    c360_check_text_add(s);
    c360_check_set_add(s);
    return s;
}
