/*
 * Suite core: the JSON text writer (src/core/jsonw.c) — commas, escapes,
 * nesting, and its cap. Every text it writes is checked to parse back with
 * jansson, a parser we did not write.
 */
#include "c360/jsonw.h"

#include "check_core.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *text_of(struct c360_jsonw *w)
{
    const char *text = NULL;
    size_t len = 0;
    ck_assert_int_eq(c360_jsonw_text(w, &text, &len), C360_OK);
    ck_assert_uint_eq(strlen(text), len);
    json_error_t jerr;
    json_t *back = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    ck_assert_msg(back != NULL, "not JSON: %s (%s)", text, jerr.text);
    json_decref(back);
    return text;
}

START_TEST(test_c360_jsonw_text_places_commas_and_nests)
{
    struct c360_jsonw w;
    c360_jsonw_init(&w, 1024);
    c360_jsonw_object(&w);
    c360_jsonw_key(&w, "a");
    c360_jsonw_int(&w, -9223372036854775807LL - 1);
    c360_jsonw_key(&w, "b");
    c360_jsonw_array(&w);
    c360_jsonw_str(&w, "x");
    c360_jsonw_null(&w);
    c360_jsonw_object(&w);
    c360_jsonw_object_end(&w);
    c360_jsonw_array(&w);
    c360_jsonw_array_end(&w);
    c360_jsonw_bool(&w, true);
    c360_jsonw_array_end(&w);
    c360_jsonw_key(&w, "c");
    c360_jsonw_raw(&w, "{\"d\":1}", 7);
    c360_jsonw_key(&w, "e");
    c360_jsonw_str(&w, NULL);
    c360_jsonw_object_end(&w);
    ck_assert_str_eq(text_of(&w),
                     "{\"a\":-9223372036854775808,\"b\":[\"x\",null,{},[],true],\"c\":{\"d\":1},"
                     "\"e\":null}");
    c360_jsonw_reset(&w);
    c360_jsonw_int(&w, 7);
    ck_assert_str_eq(text_of(&w), "7");
    c360_jsonw_free(&w);
}
END_TEST

/* Every digit count, both signs, the ends of int64 and random values, as
 * printf writes them. */
START_TEST(test_c360_jsonw_int_writes_as_printf)
{
    struct c360_jsonw w;
    char want[32];
    int64_t values[64 + 4 * 19 + 1000];
    size_t n = 0;
    values[n++] = INT64_MIN;
    values[n++] = INT64_MAX;
    values[n++] = 0;
    int64_t p = 1;
    for (int k = 0; k < 19; k++) {
        values[n++] = p - 1;
        values[n++] = p;
        values[n++] = -p;
        values[n++] = -(p + 1);
        if (k < 18) /* 10^18 is the last power of ten int64 holds */
            p *= 10;
    }
    uint64_t seed = 42;
    while (n < sizeof(values) / sizeof(values[0])) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        values[n++] = (int64_t)(seed >> (seed % 64));
    }
    c360_jsonw_init(&w, 64);
    for (size_t i = 0; i < n; i++) {
        c360_jsonw_reset(&w);
        c360_jsonw_int(&w, values[i]);
        snprintf(want, sizeof(want), "%lld", (long long)values[i]);
        ck_assert_str_eq(text_of(&w), want);
        c360_jsonw_reset(&w);
        c360_jsonw_put_int(&w, values[i]);
        ck_assert_str_eq(text_of(&w), want);
    }
    c360_jsonw_free(&w);
}
END_TEST

START_TEST(test_c360_jsonw_text_escapes_strings)
{
    struct c360_jsonw w;
    c360_jsonw_init(&w, 1024);
    c360_jsonw_object(&w);
    c360_jsonw_key(&w, "k\"ey");
    c360_jsonw_strn(&w,
                    "a\"b\\c\nd\te\x01"
                    "f\0g",
                    13);
    c360_jsonw_key(&w, "utf8");
    c360_jsonw_str(&w, "Zoë");
    c360_jsonw_object_end(&w);
    ck_assert_str_eq(text_of(&w),
                     "{\"k\\\"ey\":\"a\\\"b\\\\c\\nd\\te\\u0001f\\u0000g\",\"utf8\":\"Zoë\"}");
    c360_jsonw_free(&w);
}
END_TEST

/* The escape of one byte as the writer must write it, for the reference
 * below: a plain byte is itself. */
static size_t ref_escape(unsigned char c, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const char *two = c == '"'    ? "\\\""
                      : c == '\\' ? "\\\\"
                      : c == '\n' ? "\\n"
                      : c == '\t' ? "\\t"
                      : c == '\r' ? "\\r"
                                  : NULL;
    if (two) {
        memcpy(out, two, 2);
        return 2;
    }
    if (c >= 0x20) {
        out[0] = (char)c;
        return 1;
    }
    memcpy(out, "\\u00", 4);
    out[4] = hex[c >> 4];
    out[5] = hex[c & 15];
    return 6;
}

START_TEST(test_c360_jsonw_text_escapes_a_byte_anywhere_in_a_word)
{
    /* The writer scans 8 bytes at a time: each byte that needs an escape,
     * and the plain bytes nearest to those, at every place of strings
     * around the word size. */
    static const unsigned char bytes[] = {'"',  '\\', '\n', 0x00, 0x1f, 0x01,
                                          0x20, 0x21, 0x7f, 0x80, 0xff, 0x5b};
    struct c360_jsonw w;
    c360_jsonw_init(&w, 1024);
    for (size_t len = 1; len <= 24; len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t b = 0; b < sizeof(bytes); b++) {
                char s[32], want[64];
                memset(s, 'x', len);
                s[at] = (char)bytes[b];
                size_t n = 0;
                want[n++] = '"';
                for (size_t i = 0; i < len; i++)
                    n += ref_escape((unsigned char)s[i], want + n);
                want[n++] = '"';
                want[n] = '\0';
                /* As a value, and as a piece. */
                for (int piece = 0; piece < 2; piece++) {
                    c360_jsonw_reset(&w);
                    if (piece)
                        c360_jsonw_put_str(&w, s, len);
                    else
                        c360_jsonw_strn(&w, s, len);
                    const char *text = NULL;
                    size_t got_len = 0;
                    ck_assert_int_eq(c360_jsonw_text(&w, &text, &got_len), C360_OK);
                    ck_assert_msg(got_len == n && memcmp(text, want, n) == 0,
                                  "byte 0x%02x at %zu of %zu: %s", bytes[b], at, len, text);
                }
            }
        }
    }
    c360_jsonw_free(&w);
}
END_TEST

START_TEST(test_c360_jsonw_name_writes_a_member_name_as_it_is)
{
    struct c360_jsonw w;
    c360_jsonw_init(&w, 64);
    c360_jsonw_object(&w);
    C360_JSONW_NAME(&w, "a");
    c360_jsonw_int(&w, 1);
    c360_jsonw_name(&w, "bcd", 2); /* len bytes of it */
    c360_jsonw_array(&w);
    c360_jsonw_array_end(&w);
    c360_jsonw_key(&w, "e");
    c360_jsonw_object(&w);
    C360_JSONW_NAME(&w, "f");
    c360_jsonw_null(&w);
    c360_jsonw_object_end(&w);
    c360_jsonw_object_end(&w);
    ck_assert_str_eq(text_of(&w), "{\"a\":1,\"bc\":[],\"e\":{\"f\":null}}");
    c360_jsonw_free(&w);
    /* Past the cap it fails as any other call does. */
    c360_jsonw_init(&w, 8);
    c360_jsonw_object(&w);
    C360_JSONW_NAME(&w, "abcdefghij");
    c360_jsonw_null(&w);
    c360_jsonw_object_end(&w);
    const char *text;
    size_t len;
    ck_assert_int_eq(c360_jsonw_text(&w, &text, &len), C360_ERR_LIMIT);
    c360_jsonw_free(&w);
}
END_TEST

START_TEST(test_c360_jsonw_text_fails_past_the_cap_and_on_open_containers)
{
    struct c360_jsonw w;
    const char *text;
    size_t len;
    c360_jsonw_init(&w, 16);
    c360_jsonw_array(&w);
    c360_jsonw_str(&w, "0123456789abcdef");
    c360_jsonw_array_end(&w);
    ck_assert_int_eq(c360_jsonw_text(&w, &text, &len), C360_ERR_LIMIT);
    c360_jsonw_reset(&w);
    c360_jsonw_array(&w);
    ck_assert_int_eq(c360_jsonw_text(&w, &text, &len), C360_ERR_INVALID);
    c360_jsonw_reset(&w);
    c360_jsonw_array_end(&w);
    ck_assert_int_eq(c360_jsonw_text(&w, &text, &len), C360_ERR_INVALID);
    c360_jsonw_reset(&w);
    for (int i = 0; i < C360_JSONW_DEPTH_MAX; i++)
        c360_jsonw_array(&w);
    ck_assert_int_eq(c360_jsonw_text(&w, &text, &len), C360_ERR_LIMIT);
    c360_jsonw_free(&w);
}
END_TEST

/* Pieces go as they are, with no comma placed: the caller writes the
 * punctuation; strings and integers as the value calls write them. */
START_TEST(test_c360_jsonw_put_writes_pieces_without_commas)
{
    struct c360_jsonw w;
    c360_jsonw_init(&w, 64);
    C360_JSONW_PUT(&w, "{\"a\":");
    c360_jsonw_put_str(&w, "x\"y", 3);
    C360_JSONW_PUT(&w, ",\"b\":[");
    c360_jsonw_put_int(&w, -12);
    C360_JSONW_PUT(&w, ",");
    c360_jsonw_put_int(&w, 0);
    C360_JSONW_PUT(&w, "],\"c\":");
    c360_jsonw_put_str(&w, "", 0);
    C360_JSONW_PUT(&w, "}");
    ck_assert_str_eq(text_of(&w), "{\"a\":\"x\\\"y\",\"b\":[-12,0],\"c\":\"\"}");
    c360_jsonw_free(&w);
    /* Past the cap it fails as any other call does, and stays failed. */
    const char *text;
    size_t len;
    c360_jsonw_init(&w, 8);
    C360_JSONW_PUT(&w, "[");
    c360_jsonw_put_str(&w, "abcdefgh", 8);
    C360_JSONW_PUT(&w, "]");
    ck_assert_int_eq(c360_jsonw_text(&w, &text, &len), C360_ERR_LIMIT);
    c360_jsonw_free(&w);
}
END_TEST

void c360_check_jsonw_add(Suite *s)
{
    TCase *tc = tcase_create("c360_jsonw_text");
    tcase_add_test(tc, test_c360_jsonw_text_places_commas_and_nests);
    tcase_add_test(tc, test_c360_jsonw_text_escapes_strings);
    tcase_add_test(tc, test_c360_jsonw_text_escapes_a_byte_anywhere_in_a_word);
    tcase_add_test(tc, test_c360_jsonw_text_fails_past_the_cap_and_on_open_containers);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_jsonw_name");
    tcase_add_test(tc, test_c360_jsonw_name_writes_a_member_name_as_it_is);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_jsonw_put");
    tcase_add_test(tc, test_c360_jsonw_put_writes_pieces_without_commas);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_jsonw_int");
    tcase_add_test(tc, test_c360_jsonw_int_writes_as_printf);
    suite_add_tcase(s, tc);
}
