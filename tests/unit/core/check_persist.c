/*
 * Suite core: the value encoding of the state store (src/core/persist.c) —
 * every value read back as written, NULL told from "", the version byte,
 * the cap, and corrupt or truncated values refused without reading past
 * their end.
 */
#include "c360/persist.h"

#include "check_core.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

START_TEST(test_c360_persist_value_reads_back_what_was_written)
{
    static const int64_t ints[] = {0, 1, -1, 63, -64, 64, INT64_MAX, INT64_MIN};
    struct c360_persist_writer w;
    c360_persist_writer_init(&w, 4096);
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        c360_persist_i64(&w, ints[i]);
    c360_persist_u64(&w, UINT64_MAX);
    c360_persist_u64(&w, 127);
    c360_persist_u64(&w, 128);
    c360_persist_bool(&w, true);
    c360_persist_bool(&w, false);
    c360_persist_str(&w, NULL);
    c360_persist_str(&w, "");
    c360_persist_str(&w, "fsc:001");
    c360_persist_bytes(&w, "\x00\x01", 2);
    const void *val;
    size_t len;
    ck_assert_int_eq(c360_persist_value(&w, &val, &len), C360_OK);
    ck_assert_uint_eq(((const uint8_t *)val)[0], C360_PERSIST_VERSION);

    struct c360_persist_reader r;
    ck_assert_int_eq(c360_persist_reader_init(&r, val, len, NULL), C360_OK);
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        ck_assert(c360_persist_get_i64(&r) == ints[i]);
    ck_assert(c360_persist_get_u64(&r) == UINT64_MAX);
    ck_assert_uint_eq(c360_persist_get_u64(&r), 127);
    ck_assert_uint_eq(c360_persist_get_u64(&r), 128);
    ck_assert(c360_persist_get_bool(&r));
    ck_assert(!c360_persist_get_bool(&r));
    char buf[16];
    ck_assert_ptr_null(c360_persist_get_str(&r, buf, sizeof(buf)));
    ck_assert_str_eq(c360_persist_get_str(&r, buf, sizeof(buf)), "");
    size_t n;
    const char *s = c360_persist_get_strn(&r, &n);
    ck_assert_uint_eq(n, 7);
    ck_assert(memcmp(s, "fsc:001", 7) == 0);
    ck_assert(memcmp(c360_persist_get_bytes(&r, 2), "\x00\x01", 2) == 0);
    ck_assert_int_eq(c360_persist_reader_end(&r, "test", NULL), C360_OK);
    c360_persist_writer_free(&w);
}
END_TEST

START_TEST(test_c360_persist_value_refuses_corrupt_values)
{
    struct c360_diag diag;
    struct c360_persist_reader r;
    ck_assert_int_eq(c360_persist_reader_init(&r, "", 0, &diag), C360_ERR_INVALID);
    ck_assert_int_eq(c360_persist_reader_init(&r, "\x7f", 1, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "version"));

    /* A varint cut off, and one longer than 64 bits. */
    static const uint8_t cut[] = {C360_PERSIST_VERSION, 0x80};
    ck_assert_int_eq(c360_persist_reader_init(&r, cut, sizeof(cut), NULL), C360_OK);
    ck_assert_uint_eq(c360_persist_get_u64(&r), 0);
    ck_assert_int_eq(c360_persist_reader_end(&r, "test", NULL), C360_ERR_INVALID);
    uint8_t wide[12] = {C360_PERSIST_VERSION};
    memset(wide + 1, 0xff, 10);
    wide[11] = 0x01;
    ck_assert_int_eq(c360_persist_reader_init(&r, wide, sizeof(wide), NULL), C360_OK);
    (void)c360_persist_get_u64(&r);
    ck_assert(r.failed);

    /* A string longer than what is left, and one longer than the buffer. */
    static const uint8_t long_str[] = {C360_PERSIST_VERSION, 10, 'a', 'b'};
    ck_assert_int_eq(c360_persist_reader_init(&r, long_str, sizeof(long_str), NULL), C360_OK);
    char buf[4];
    ck_assert_ptr_null(c360_persist_get_str(&r, buf, sizeof(buf)));
    ck_assert_int_eq(c360_persist_reader_end(&r, "test", &diag), C360_ERR_INVALID);
    static const uint8_t five[] = {C360_PERSIST_VERSION, 6, 'a', 'b', 'c', 'd', 'e'};
    ck_assert_int_eq(c360_persist_reader_init(&r, five, sizeof(five), NULL), C360_OK);
    ck_assert_ptr_null(c360_persist_get_str(&r, buf, sizeof(buf)));
    ck_assert(r.failed);

    /* Bytes left over. */
    static const uint8_t extra[] = {C360_PERSIST_VERSION, 1, 2};
    ck_assert_int_eq(c360_persist_reader_init(&r, extra, sizeof(extra), NULL), C360_OK);
    ck_assert_uint_eq(c360_persist_get_u64(&r), 1);
    ck_assert_int_eq(c360_persist_reader_end(&r, "test", &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "left over"));
}
END_TEST

START_TEST(test_c360_persist_value_fails_past_the_cap)
{
    struct c360_persist_writer w;
    c360_persist_writer_init(&w, 8);
    c360_persist_str(&w, "0123456789");
    const void *val;
    size_t len;
    ck_assert_int_eq(c360_persist_value(&w, &val, &len), C360_ERR_LIMIT);
    c360_persist_writer_reset(&w);
    c360_persist_str(&w, "ab");
    ck_assert_int_eq(c360_persist_value(&w, &val, &len), C360_OK);
    ck_assert_uint_eq(len, 4);
    c360_persist_writer_free(&w);
}
END_TEST

void c360_check_persist_add(Suite *s)
{
    TCase *tc = tcase_create("c360_persist_value");
    tcase_add_test(tc, test_c360_persist_value_reads_back_what_was_written);
    tcase_add_test(tc, test_c360_persist_value_refuses_corrupt_values);
    tcase_add_test(tc, test_c360_persist_value_fails_past_the_cap);
    suite_add_tcase(s, tc);
}
