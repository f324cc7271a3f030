/*
 * Suite codec: canonical JSON (src/codec/json.c), driven by the golden files
 * under tests/data/json/<entity>/<case>/: input.json beside either
 * expected.json (the canonical JSON it must decode to) or expected.err (the
 * diagnostic it must be refused with, "field: text").
 *
 * C360_GOLDEN_UPDATE=1 writes the expected files from what the code does;
 * read every one before committing it.
 */
#include "c360/codec.h"
#include "c360/file.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_DIR C360_TEST_DATA "/json"

static char *read_or_null(const char *path)
{
    char *text = NULL;
    size_t len;
    if (c360_file_read(path, 4 * 1024 * 1024, &text, &len, NULL) != C360_OK)
        return NULL;
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    return text;
}

static void write_text(const char *path, const char *text)
{
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "%s\n", text);
    fclose(out);
}

/* Runs one case; returns 1 when it was checked. */
static int run_case(enum c360_entity entity, const char *dir)
{
    char path[8300];
    struct c360_record *rec;
    struct c360_diag diag;
    bool update = getenv("C360_GOLDEN_UPDATE") != NULL;

    snprintf(path, sizeof(path), "%s/input.json", dir);
    char *input = NULL;
    size_t len = 0;
    ck_assert_msg(c360_file_read(path, 16 * 1024 * 1024, &input, &len, NULL) == C360_OK,
                  "%s: no input.json", dir);
    ck_assert_int_eq(c360_record_new(entity, &rec), C360_OK);
    c360_diag_clear(&diag);
    enum c360_err err = c360_codec_json_decode(input, len, rec, &diag);

    snprintf(path, sizeof(path), "%s/expected.err", dir);
    char *want_err = read_or_null(path);
    snprintf(path, sizeof(path), "%s/expected.json", dir);
    char *want_json = read_or_null(path);
    if (update) {
        char got[1024];
        if (err) {
            snprintf(got, sizeof(got), "%s: %s", diag.field, diag.text);
            snprintf(path, sizeof(path), "%s/expected.err", dir);
            write_text(path, got);
        } else {
            char *json;
            ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_PRETTY, &json), C360_OK);
            write_text(path, json);
            free(json);
        }
    } else if (want_err) {
        char got[1024];
        ck_assert_msg(err != C360_OK, "%s: accepted, expected '%s'", dir, want_err);
        snprintf(got, sizeof(got), "%s: %s", diag.field, diag.text);
        ck_assert_msg(strcmp(got, want_err) == 0, "%s:\n got  '%s'\n want '%s'", dir, got,
                      want_err);
    } else {
        ck_assert_msg(want_json != NULL, "%s: neither expected.json nor expected.err", dir);
        ck_assert_msg(err == C360_OK, "%s: refused: %s: %s", dir, diag.field, diag.text);
        char *json;
        ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_PRETTY, &json), C360_OK);
        ck_assert_msg(strcmp(json, want_json) == 0, "%s:\n got\n%s\n want\n%s", dir, json,
                      want_json);
        /* What c360 writes, it reads back to the same record. */
        ck_assert_msg(c360_codec_json_decode(json, strlen(json), rec, &diag) == C360_OK,
                      "%s: own output refused: %s", dir, diag.text);
        char *again;
        ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_PRETTY, &again), C360_OK);
        ck_assert_str_eq(again, json);
        free(again);
        free(json);
    }
    free(want_err);
    free(want_json);
    free(input);
    c360_record_destroy(rec);
    return 1;
}

START_TEST(test_c360_codec_json_decode_golden_files)
{
    struct c360_file_list entities, cases;
    char dir[4096];
    int checked = 0;
    ck_assert_int_eq(c360_file_list_dir(GOLDEN_DIR, "", 16, &entities, NULL), C360_OK);
    for (size_t e = 0; e < entities.count; e++) {
        enum c360_entity entity;
        ck_assert_msg(c360_entity_parse(entities.names[e], &entity) == C360_OK,
                      "%s is not an entity", entities.names[e]);
        snprintf(dir, sizeof(dir), "%s/%s", GOLDEN_DIR, entities.names[e]);
        ck_assert_int_eq(c360_file_list_dir(dir, "", 256, &cases, NULL), C360_OK);
        for (size_t c = 0; c < cases.count; c++) {
            char case_dir[8192];
            snprintf(case_dir, sizeof(case_dir), "%s/%s", dir, cases.names[c]);
            checked += run_case(entity, case_dir);
        }
        c360_file_list_free(&cases);
    }
    /* Every entity has golden cases; a lost folder must not pass quietly. */
    ck_assert_uint_eq(entities.count, C360_ENTITY_COUNT);
    ck_assert_int_ge(checked, 30);
    c360_file_list_free(&entities);
}
END_TEST

START_TEST(test_c360_codec_json_decode_refuses_oversized_value)
{
    struct c360_record *rec;
    struct c360_diag diag;
    size_t len = 10 * 1024 * 1024;
    char *big = malloc(len);
    memset(big, ' ', len);
    big[0] = '{';
    big[len - 1] = '}';
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    ck_assert_int_eq(c360_codec_json_decode(big, len, rec, &diag), C360_ERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(diag.text, "larger than 1048576 bytes"));
    c360_record_destroy(rec);
    free(big);
}
END_TEST

START_TEST(test_c360_codec_json_decode_refuses_deep_nesting)
{
    struct c360_record *rec;
    struct c360_diag diag;
    size_t depth = 5000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    ck_assert_int_eq(c360_codec_json_decode(deep, 2 * depth, rec, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "maximum parsing depth"));
    c360_record_destroy(rec);
    free(deep);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("c360_codec_json_decode");
    tcase_add_test(tc, test_c360_codec_json_decode_golden_files);
    tcase_add_test(tc, test_c360_codec_json_decode_refuses_oversized_value);
    tcase_add_test(tc, test_c360_codec_json_decode_refuses_deep_nesting);
    suite_add_tcase(s, tc);
    return s;
}
