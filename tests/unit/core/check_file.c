/*
 * Suite core: capped file reads and folder listings (src/core/file.c).
 */
#include "c360/file.h"

#include "../test_util.h"
#include "check_core.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_c360_file_read_reads_up_to_the_cap)
{
    char path[64];
    char *text;
    size_t len;
    struct c360_diag diag;
    test_write_temp(path, sizeof(path), "0123456789");
    ck_assert_int_eq(c360_file_read(path, 10, &text, &len, &diag), C360_OK);
    ck_assert_uint_eq(len, 10);
    ck_assert_str_eq(text, "0123456789");
    free(text);
    ck_assert_int_eq(c360_file_read(path, 9, &text, &len, &diag), C360_ERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(diag.text, "larger than 9 bytes"));
    ck_assert_str_eq(diag.where, path);
    unlink(path);
    ck_assert_int_eq(c360_file_read(path, 10, &text, &len, &diag), C360_ERR_IO);
}
END_TEST

START_TEST(test_c360_file_list_dir_filters_and_sorts)
{
    char dir[64];
    struct c360_file_list list;
    test_make_dir(dir, sizeof(dir));
    test_write_in(dir, "b.json", "{}");
    test_write_in(dir, "a.json", "{}");
    test_write_in(dir, ".hidden.json", "{}");
    test_write_in(dir, "notes.txt", "");
    test_write_in(dir, ".json", "");
    ck_assert_int_eq(c360_file_list_dir(dir, ".json", 10, &list, NULL), C360_OK);
    ck_assert_uint_eq(list.count, 2);
    ck_assert_str_eq(list.names[0], "a.json");
    ck_assert_str_eq(list.names[1], "b.json");
    c360_file_list_free(&list);
    ck_assert_ptr_null(list.names);
    c360_file_list_free(NULL);
    test_remove_dir(dir);
}
END_TEST

START_TEST(test_c360_file_list_dir_caps_the_count)
{
    char dir[64];
    struct c360_file_list list = {0};
    struct c360_diag diag;
    test_make_dir(dir, sizeof(dir));
    test_write_in(dir, "a.avsc", "");
    test_write_in(dir, "b.avsc", "");
    test_write_in(dir, "c.avsc", "");
    ck_assert_int_eq(c360_file_list_dir(dir, ".avsc", 2, &list, &diag), C360_ERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(diag.text, "more than 2 .avsc files"));
    ck_assert_uint_eq(list.count, 0);
    ck_assert_int_eq(c360_file_list_dir("/nonexistent", ".avsc", 2, &list, &diag), C360_ERR_IO);
    test_remove_dir(dir);
}
END_TEST

void c360_check_file_add(Suite *s)
{
    TCase *tc = tcase_create("c360_file_read");
    tcase_add_test(tc, test_c360_file_read_reads_up_to_the_cap);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_file_list_dir");
    tcase_add_test(tc, test_c360_file_list_dir_filters_and_sorts);
    tcase_add_test(tc, test_c360_file_list_dir_caps_the_count);
    suite_add_tcase(s, tc);
}
