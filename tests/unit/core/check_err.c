/*
 * Suite core: errors and diagnostics (src/core/err.c).
 */
#include "c360/err.h"

#include "check_core.h"

#include <check.h>
#include <string.h>

START_TEST(test_c360_err_str_names_every_code)
{
    for (int e = C360_OK; e <= C360_ERR_MISMATCH; e++) {
        const char *s = c360_err_str((enum c360_err)e);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_ne(s, "unknown error");
    }
    ck_assert_str_eq(c360_err_str(C360_ERR_INVALID), "invalid input");
}
END_TEST

START_TEST(test_c360_diag_fail_returns_err_and_fills_fields)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_diag_fail(&diag, C360_ERR_LIMIT, "amount", "%d decimals", 3),
                     C360_ERR_LIMIT);
    ck_assert_str_eq(diag.field, "amount");
    ck_assert_str_eq(diag.text, "3 decimals");
}
END_TEST

START_TEST(test_c360_diag_fail_accepts_null_diag)
{
    ck_assert_int_eq(c360_diag_fail(NULL, C360_ERR_IO, NULL, "x"), C360_ERR_IO);
    c360_diag_at(NULL, "file", 3);
    c360_diag_clear(NULL);
}
END_TEST

START_TEST(test_c360_diag_format_joins_present_parts)
{
    struct c360_diag diag;
    char buf[256];
    c360_diag_clear(&diag);
    c360_diag_at(&diag, "c360.properties", 4);
    c360_diag_fail(&diag, C360_ERR_INVALID, "grup.id", "unknown configuration key");
    c360_diag_format(&diag, buf, sizeof(buf));
    ck_assert_str_eq(buf, "c360.properties:4: grup.id: unknown configuration key");

    c360_diag_clear(&diag);
    c360_diag_fail(&diag, C360_ERR_INVALID, NULL, "just text");
    c360_diag_format(&diag, buf, sizeof(buf));
    ck_assert_str_eq(buf, "just text");
}
END_TEST

START_TEST(test_c360_diag_at_truncates_long_where)
{
    struct c360_diag diag;
    char where[1000];
    memset(where, 'w', sizeof(where) - 1);
    where[sizeof(where) - 1] = '\0';
    c360_diag_at(&diag, where, 0);
    ck_assert_uint_eq(strlen(diag.where), sizeof(diag.where) - 1);
}
END_TEST

START_TEST(test_c360_diag_format_never_overflows)
{
    struct c360_diag diag;
    char buf[8];
    c360_diag_clear(&diag);
    c360_diag_at(&diag, "a-long-file-name", 12345);
    c360_diag_fail(&diag, C360_ERR_INVALID, "field", "text");
    c360_diag_format(&diag, buf, sizeof(buf));
    ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("c360_err_str");
    tcase_add_test(tc, test_c360_err_str_names_every_code);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_diag_fail");
    tcase_add_test(tc, test_c360_diag_fail_returns_err_and_fills_fields);
    tcase_add_test(tc, test_c360_diag_fail_accepts_null_diag);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_diag_format");
    tcase_add_test(tc, test_c360_diag_format_joins_present_parts);
    tcase_add_test(tc, test_c360_diag_format_never_overflows);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_diag_at");
    tcase_add_test(tc, test_c360_diag_at_truncates_long_where);
    suite_add_tcase(s, tc);
    c360_check_money_add(s);
    c360_check_time_add(s);
    c360_check_file_add(s);
    c360_check_strmap_add(s);
    c360_check_jsonw_add(s);
    c360_check_persist_add(s);
    return s;
}
