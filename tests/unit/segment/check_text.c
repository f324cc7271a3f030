/*
 * Suite segment: calls and values as text (src/segment/text.c) — numbers
 * exact and shortest, money never rounded up, strings escaped, and the
 * refusal when the buffer is too small.
 */
#include "check_segment.h"

#include <check.h>
#include <string.h>

static const struct c360_segment_value list_items[] = {
    {.kind = C360_SEGMENT_SYMBOL, .text = "SAVINGS"},
    {.kind = C360_SEGMENT_STRING, .text = "a \"b\"\\\n\t\r"},
    {.kind = C360_SEGMENT_NUMBER, .number = -5},
};

static const struct {
    struct c360_segment_value value;
    const char *text;
} values[] = {
    {{.kind = C360_SEGMENT_NUMBER, .number = 36500}, "365"},
    {{.kind = C360_SEGMENT_NUMBER, .number = 1250}, "12.5"},
    {{.kind = C360_SEGMENT_NUMBER, .number = 1205}, "12.05"},
    {{.kind = C360_SEGMENT_NUMBER, .number = 5}, "0.05"},
    {{.kind = C360_SEGMENT_NUMBER, .number = -5}, "-0.05"},
    {{.kind = C360_SEGMENT_NUMBER, .number = 0}, "0"},
    {{.kind = C360_SEGMENT_NUMBER, .number = INT64_MIN}, "-92233720368547758.08"},
    {{.kind = C360_SEGMENT_NUMBER, .number = INT64_MAX}, "92233720368547758.07"},
    {{.kind = C360_SEGMENT_MONEY, .money = {421017, "USD"}, .divisor = 1}, "4210.17"},
    {{.kind = C360_SEGMENT_MONEY, .money = {421017, "USD"}, .divisor = 0}, "4210.17"},
    {{.kind = C360_SEGMENT_MONEY, .money = {300000, "USD"}, .divisor = 1}, "3000.00"},
    {{.kind = C360_SEGMENT_MONEY, .money = {12630510, "USD"}, .divisor = 30}, "4210.17"},
    /* Σ = 30 × 2999.99999…: shown as 2999.99, on the right side of 3000 */
    {{.kind = C360_SEGMENT_MONEY, .money = {8999999, "USD"}, .divisor = 30}, "2999.99"},
    {{.kind = C360_SEGMENT_MONEY, .money = {-1, "USD"}, .divisor = 30}, "-0.01"},
    {{.kind = C360_SEGMENT_MONEY, .money = {-30, "USD"}, .divisor = 30}, "-0.01"},
    {{.kind = C360_SEGMENT_MONEY, .money = {INT64_MIN, "USD"}, .divisor = 1},
     "-92233720368547758.08"},
    {{.kind = C360_SEGMENT_BOOL, .boolean = true}, "true"},
    {{.kind = C360_SEGMENT_BOOL, .boolean = false}, "false"},
    {{.kind = C360_SEGMENT_SYMBOL, .text = "real_estate"}, "real_estate"},
    {{.kind = C360_SEGMENT_STRING, .text = "a \"b\"\\\n\t\r"}, "\"a \\\"b\\\"\\\\\\n\\t\\r\""},
    {{.kind = C360_SEGMENT_LIST, .items = list_items, .n_items = 3},
     "[SAVINGS,\"a \\\"b\\\"\\\\\\n\\t\\r\",-0.05]"},
    {{.kind = C360_SEGMENT_LIST, .items = NULL, .n_items = 0}, "[]"},
};

START_TEST(test_c360_segment_value_text_writes_values)
{
    char buf[128];
    ck_assert_int_eq(c360_segment_value_text(&values[_i].value, buf, sizeof(buf)), C360_OK);
    ck_assert_str_eq(buf, values[_i].text);
}
END_TEST

START_TEST(test_c360_segment_value_text_refuses_a_small_buffer)
{
    struct c360_segment_value v = {.kind = C360_SEGMENT_MONEY, .money = {421017, "USD"}};
    char buf[8];
    ck_assert_int_eq(c360_segment_value_text(&v, buf, 8), C360_OK); /* "4210.17" + NUL */
    ck_assert_int_eq(c360_segment_value_text(&v, buf, 7), C360_ERR_LIMIT);
    ck_assert_str_eq(buf, "4210.1");
    ck_assert_int_eq(c360_segment_value_text(&v, buf, 1), C360_ERR_LIMIT);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(c360_segment_value_text(&v, buf, 0), C360_ERR_LIMIT);
}
END_TEST

static const struct {
    const char *text, *call;
} calls[] = {
    {"tenureDays > 1", "tenureDays"},
    {"tenureDays() > 1", "tenureDays"},
    {"holds( SAVINGS )", "holds(SAVINGS)"},
    {"adb([ SAVINGS ,CHECKING ], 030.50) > 1", "adb([SAVINGS,CHECKING],30.5)"},
    {"qualifyingVisit(real_estate, 20, 30)", "qualifyingVisit(real_estate,20,30)"},
    {"qualifyingVisit(\"real estate\\/x\", -0.5, 30)",
     "qualifyingVisit(\"real estate/x\",-0.5,30)"},
    {"any([true, false, \"x\\\"\"])", "any([true,false,\"x\\\"\"])"},
};

START_TEST(test_c360_segment_call_text_is_canonical)
{
    struct c360_segment *seg;
    const struct c360_segment_call *c;
    struct c360_diag diag;
    char buf[128];
    const char *text = calls[_i].text;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg,
                                     &diag) == C360_OK,
                  "%s: %s", text, diag.text);
    ck_assert_uint_eq(c360_segment_calls(seg, &c), 1);
    ck_assert_int_eq(c360_segment_call_text(c, buf, sizeof(buf)), C360_OK);
    ck_assert_str_eq(buf, calls[_i].call);
    ck_assert_str_eq(c->text, calls[_i].call);
    /* One byte short: cut and said. */
    size_t n = strlen(calls[_i].call);
    ck_assert_int_eq(c360_segment_call_text(c, buf, n), C360_ERR_LIMIT);
    ck_assert_uint_eq(strlen(buf), n - 1);
    c360_segment_free(seg);
}
END_TEST

void c360_check_text_add(Suite *s)
{
    TCase *tc = tcase_create("c360_segment_value_text");
    CHECK_LOOP(tc, test_c360_segment_value_text_writes_values, values);
    tcase_add_test(tc, test_c360_segment_value_text_refuses_a_small_buffer);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_segment_call_text");
    CHECK_LOOP(tc, test_c360_segment_call_text_is_canonical, calls);
    suite_add_tcase(s, tc);
}
