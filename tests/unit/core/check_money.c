/*
 * Suite core: exact money (src/core/money.c).
 */
#include "c360/money.h"

#include "check_core.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <string.h>

/* Decimal strings and the minor units they are, or the words of the refusal. */
static const struct {
    const char *text;
    int64_t minor;
    const char *refusal; /* NULL when accepted */
} decimals[] = {
    {"4210.17", 421017, NULL},
    {"0", 0, NULL},
    {"-0", 0, NULL},
    {"12", 1200, NULL},
    {"-12", -1200, NULL},
    {"+7.5", 750, NULL},
    {"0.05", 5, NULL},
    {"-0.05", -5, NULL},
    {".5", 50, NULL},
    {"5.", 500, NULL},
    {"000123.40", 12340, NULL},
    {"1.500", 150, NULL},
    {"1.5000000000", 150, NULL},
    {"1.5E+2", 15000, NULL},
    {"1.5e2", 15000, NULL},
    {"1e-2", 1, NULL},
    {"2999.99", 299999, NULL},
    {"3000.00", 300000, NULL},
    {"99999999999999.99", INT64_C(9999999999999999), NULL},
    {"-99999999999999.99", -INT64_C(9999999999999999), NULL},
    {"0e40", 0, NULL},
    {"1.505", 0, "more than 2 decimals"},
    {"0.001", 0, "more than 2 decimals"},
    {"123e-4", 0, "more than 2 decimals"},
    {"1e-40", 0, "more than 2 decimals"},
    {"100000000000000.00", 0, "out of range"},
    {"1e20", 0, "out of range"},
    {"1e41", 0, "out of range"},
    {"", 0, "not a decimal number"},
    {"-", 0, "not a decimal number"},
    {".", 0, "not a decimal number"},
    {"abc", 0, "not a decimal number"},
    {"1,000.00", 0, "not a decimal number"},
    {" 1", 0, "not a decimal number"},
    {"1 ", 0, "not a decimal number"},
    {"1.2.3", 0, "not a decimal number"},
    {"--1", 0, "not a decimal number"},
    {"1e", 0, "bad exponent"},
    {"1e+", 0, "bad exponent"},
    {"NaN", 0, "not a decimal number"},
    {"0x10", 0, "not a decimal number"},
};

START_TEST(test_c360_money_parse_table)
{
    int64_t minor = -1;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_money_parse(decimals[_i].text, &minor, &diag);
    if (!decimals[_i].refusal) {
        ck_assert_msg(err == C360_OK, "'%s': %s", decimals[_i].text, diag.text);
        ck_assert_int_eq(minor, decimals[_i].minor);
    } else {
        ck_assert_msg(err != C360_OK, "'%s' accepted as %lld", decimals[_i].text, (long long)minor);
        ck_assert_msg(strstr(diag.text, decimals[_i].refusal), "'%s': got '%s'", decimals[_i].text,
                      diag.text);
    }
}
END_TEST

START_TEST(test_c360_money_parse_caps_digit_count)
{
    char text[200];
    memset(text, '1', 150);
    text[150] = '\0';
    int64_t minor;
    ck_assert_int_eq(c360_money_parse(text, &minor, NULL), C360_ERR_LIMIT);
}
END_TEST

/* JSON numbers as a JSON library hands them over. */
static const struct {
    double value;
    int64_t minor;
    int ok;
} doubles[] = {
    {4210.17, 421017, 1},
    {0.1, 10, 1},
    {2999.99, 299999, 1},
    {-0.05, -5, 1},
    {1e3, 100000, 1},
    {0.0, 0, 1},
    {1234567.891, 0, 0},
    {0.1 + 0.2, 0, 0},
    {1e20, 0, 0},
    {0.001, 0, 0},
    {1234567890123.45, 123456789012345, 1},
    {12345678901234.56, 0, 0},
};

START_TEST(test_c360_money_from_double_table)
{
    int64_t minor = -1;
    enum c360_err err = c360_money_from_double(doubles[_i].value, &minor, NULL);
    if (doubles[_i].ok) {
        ck_assert_msg(err == C360_OK, "%.17g refused", doubles[_i].value);
        ck_assert_int_eq(minor, doubles[_i].minor);
    } else {
        ck_assert_msg(err != C360_OK, "%.17g accepted as %lld", doubles[_i].value,
                      (long long)minor);
    }
}
END_TEST

START_TEST(test_c360_money_from_double_refuses_non_finite)
{
    int64_t minor;
    struct c360_diag diag;
    ck_assert_int_eq(c360_money_from_double(NAN, &minor, &diag), C360_ERR_INVALID);
    ck_assert_int_eq(c360_money_from_double(INFINITY, &minor, &diag), C360_ERR_INVALID);
    ck_assert_int_eq(c360_money_from_double(123456789012345678.0, &minor, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "decimal string"));
}
END_TEST

START_TEST(test_c360_money_check_currency_table)
{
    ck_assert_int_eq(c360_money_check_currency("USD", NULL), C360_OK);
    ck_assert_int_eq(c360_money_check_currency("EUR", NULL), C360_OK);
    ck_assert_int_eq(c360_money_check_currency("usd", NULL), C360_ERR_INVALID);
    ck_assert_int_eq(c360_money_check_currency("US", NULL), C360_ERR_INVALID);
    ck_assert_int_eq(c360_money_check_currency("USDT", NULL), C360_ERR_INVALID);
    ck_assert_int_eq(c360_money_check_currency("", NULL), C360_ERR_INVALID);
    ck_assert_int_eq(c360_money_check_currency("U$D", NULL), C360_ERR_INVALID);
}
END_TEST

START_TEST(test_c360_money_format_round_trips)
{
    static const int64_t values[] = {0, 5, -5, 100, 421017, -421017, INT64_C(9999999999999999)};
    char buf[32];
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        int64_t back;
        c360_money_format(values[i], buf, sizeof(buf));
        ck_assert_int_eq(c360_money_parse(buf, &back, NULL), C360_OK);
        ck_assert_int_eq(back, values[i]);
    }
    ck_assert_str_eq(c360_money_format(-5, buf, sizeof(buf)), "-0.05");
    ck_assert_str_eq(c360_money_format(421017, buf, sizeof(buf)), "4210.17");
    ck_assert_str_eq(c360_money_format(INT64_MIN, buf, sizeof(buf)), "-92233720368547758.08");
    ck_assert_str_eq(c360_money_format(INT64_MAX, buf, sizeof(buf)), "92233720368547758.07");
    ck_assert_str_eq(c360_money_format(7, buf, sizeof(buf)), "0.07");
    /* A short buffer keeps what fits, terminated, as snprintf would. */
    ck_assert_str_eq(c360_money_format(421017, buf, 5), "4210");
    buf[0] = 'x';
    c360_money_format(421017, buf, 0);
    ck_assert_int_eq(buf[0], 'x');
}
END_TEST

void c360_check_money_add(Suite *s)
{
    TCase *tc = tcase_create("c360_money_parse");
    tcase_add_loop_test(tc, test_c360_money_parse_table, 0, sizeof(decimals) / sizeof(decimals[0]));
    tcase_add_test(tc, test_c360_money_parse_caps_digit_count);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_money_from_double");
    tcase_add_loop_test(tc, test_c360_money_from_double_table, 0,
                        sizeof(doubles) / sizeof(doubles[0]));
    tcase_add_test(tc, test_c360_money_from_double_refuses_non_finite);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_money_check_currency");
    tcase_add_test(tc, test_c360_money_check_currency_table);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_money_format");
    tcase_add_test(tc, test_c360_money_format_round_trips);
    suite_add_tcase(s, tc);
}
