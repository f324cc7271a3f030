/*
 * Suite config: properties files, -X overrides, the property table and the
 * generated reference (src/config/config.c, src/config/props.c).
 */
#include "c360/config.h"

#include "../test_util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct c360_config *cfg;

static void setup(void)
{
    ck_assert_int_eq(c360_config_new(&cfg), C360_OK);
}

static void teardown(void)
{
    c360_config_destroy(cfg);
}

START_TEST(test_c360_config_new_holds_defaults)
{
    ck_assert_str_eq(c360_config_str(cfg, "group.id"), "c360");
    ck_assert_str_eq(c360_config_str(cfg, "log.level"), "info");
    ck_assert_int_eq(c360_config_int(cfg, "poll.timeout.ms"), 100);
    ck_assert_uint_eq(c360_config_kafka_count(cfg), 0);
    ck_assert_ptr_null(c360_config_str(cfg, "no.such.key"));
}
END_TEST

START_TEST(test_c360_config_load_file_reads_good_file)
{
    struct c360_diag diag;
    ck_assert_int_eq(c360_config_load_file(cfg, C360_TEST_DATA "/config/good.properties", &diag),
                     C360_OK);
    ck_assert_str_eq(c360_config_str(cfg, "group.id"), "c360-test");
    ck_assert_str_eq(c360_config_str(cfg, "log.level"), "debug");
    ck_assert_int_eq(c360_config_int(cfg, "poll.timeout.ms"), 250);
    /* A repeated kafka.* key replaces the earlier value in place. */
    ck_assert_uint_eq(c360_config_kafka_count(cfg), 2);
    const char *key, *value, *origin;
    c360_config_kafka_at(cfg, 0, &key, &value, &origin);
    ck_assert_str_eq(key, "bootstrap.servers");
    ck_assert_str_eq(value, "localhost:9092");
    ck_assert_ptr_nonnull(strstr(origin, "good.properties:8"));
    c360_config_kafka_at(cfg, 1, &key, &value, &origin);
    ck_assert_str_eq(key, "client.id");
    ck_assert_str_eq(value, "c360-b");
    ck_assert_ptr_nonnull(strstr(origin, "good.properties:10"));
    ck_assert_str_eq(c360_config_kafka_get(cfg, "client.id"), "c360-b");
}
END_TEST

START_TEST(test_c360_config_load_file_names_unknown_key_and_line)
{
    struct c360_diag diag;
    ck_assert_int_eq(
        c360_config_load_file(cfg, C360_TEST_DATA "/config/unknown_key.properties", &diag),
        C360_ERR_INVALID);
    ck_assert_int_eq(diag.line, 3);
    ck_assert_str_eq(diag.field, "grup.id");
    ck_assert_ptr_nonnull(strstr(diag.where, "unknown_key.properties"));
    ck_assert_ptr_nonnull(strstr(diag.text, "did you mean 'group.id'"));
}
END_TEST

START_TEST(test_c360_config_load_file_rejects_bad_value)
{
    struct c360_diag diag;
    ck_assert_int_eq(
        c360_config_load_file(cfg, C360_TEST_DATA "/config/bad_value.properties", &diag),
        C360_ERR_INVALID);
    ck_assert_int_eq(diag.line, 1);
    ck_assert_str_eq(diag.field, "poll.timeout.ms");
    ck_assert_ptr_nonnull(strstr(diag.text, "'fast' is not an integer"));
    /* A failed setting leaves the previous value. */
    ck_assert_int_eq(c360_config_int(cfg, "poll.timeout.ms"), 100);
}
END_TEST

START_TEST(test_c360_config_load_file_rejects_line_without_equals)
{
    struct c360_diag diag;
    ck_assert_int_eq(
        c360_config_load_file(cfg, C360_TEST_DATA "/config/no_equals.properties", &diag),
        C360_ERR_INVALID);
    ck_assert_int_eq(diag.line, 1);
    ck_assert_str_eq(diag.text, "expected key=value");
}
END_TEST

START_TEST(test_c360_config_load_file_reports_missing_file)
{
    struct c360_diag diag;
    ck_assert_int_eq(c360_config_load_file(cfg, "/nonexistent/c360.properties", &diag),
                     C360_ERR_IO);
    ck_assert_ptr_nonnull(strstr(diag.text, "cannot open"));
}
END_TEST

START_TEST(test_c360_config_load_file_caps_line_length)
{
    char path[64];
    size_t n = 20000;
    char *text = malloc(n + 16);
    memcpy(text, "group.id=", 9);
    memset(text + 9, 'g', n);
    strcpy(text + 9 + n, "\n");
    test_write_temp(path, sizeof(path), text);
    struct c360_diag diag;
    ck_assert_int_eq(c360_config_load_file(cfg, path, &diag), C360_ERR_LIMIT);
    ck_assert_int_eq(diag.line, 1);
    unlink(path);
    free(text);
}
END_TEST

/* A NUL byte would end a line early for string functions and let what follows
 * it pass as a setting; the file is refused instead. */
START_TEST(test_c360_config_load_stream_refuses_nul_bytes)
{
    static const char text[] = "# comment\0group.id=injected\n";
    struct c360_diag diag;
    FILE *in = fmemopen((void *)text, sizeof(text) - 1, "r");
    ck_assert_int_eq(c360_config_load_stream(cfg, in, "nul.properties", &diag), C360_ERR_INVALID);
    fclose(in);
    ck_assert_str_eq(diag.text, "NUL byte in the file");
    ck_assert_int_eq(diag.line, 1);
    ck_assert_str_eq(c360_config_str(cfg, "group.id"), "c360");
}
END_TEST

/* A stream of nothing but NULs or newlines ends at the cap, not never. */
START_TEST(test_c360_config_load_stream_caps_total_size)
{
    size_t n = C360_CONFIG_FILE_MAX + 10;
    char *text = malloc(n);
    memset(text, '\n', n);
    struct c360_diag diag;
    FILE *in = fmemopen(text, n, "r");
    ck_assert_int_eq(c360_config_load_stream(cfg, in, "big", &diag), C360_ERR_LIMIT);
    fclose(in);
    ck_assert_ptr_nonnull(strstr(diag.text, "larger than"));
    in = fopen("/dev/zero", "r");
    ck_assert_int_eq(c360_config_load_stream(cfg, in, "/dev/zero", &diag), C360_ERR_INVALID);
    fclose(in);
    free(text);
}
END_TEST

START_TEST(test_c360_config_load_stream_reads_last_line_without_newline)
{
    static const char text[] = "group.id=a\n\nlog.level=warn";
    FILE *in = fmemopen((void *)text, sizeof(text) - 1, "r");
    ck_assert_int_eq(c360_config_load_stream(cfg, in, "t", NULL), C360_OK);
    fclose(in);
    ck_assert_str_eq(c360_config_str(cfg, "group.id"), "a");
    ck_assert_str_eq(c360_config_str(cfg, "log.level"), "warn");
}
END_TEST

/* Values each type must refuse, with the words the diagnostic must contain. */
static const struct {
    const char *key, *value, *expect;
} bad_values[] = {
    {"poll.timeout.ms", "fast", "is not an integer"},
    {"poll.timeout.ms", "0", "out of range [1, 10000]"},
    {"poll.timeout.ms", "10001", "out of range"},
    {"poll.timeout.ms", "-5", "out of range"},
    {"poll.timeout.ms", "99999999999999999999", "is not an integer"},
    {"poll.timeout.ms", "12ms", "is not an integer"},
    {"poll.timeout.ms", "", "is not an integer"},
    {"log.level", "loud", "is not one of debug|info|warn|error"},
    {"log.level", "INFO", "is not one of"},
    {"log.level", "inf", "is not one of"},
    {"group.id", "", "must not be empty"},
    {"topics.dir", "", "must not be empty"},
    {"kafka.", "x", "must follow the prefix"},
};

START_TEST(test_c360_config_set_rejects_bad_values)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_config_set(cfg, bad_values[_i].key, bad_values[_i].value, "test", &diag),
                     C360_ERR_INVALID);
    ck_assert_msg(strstr(diag.text, bad_values[_i].expect), "'%s=%s': got '%s'", bad_values[_i].key,
                  bad_values[_i].value, diag.text);
}
END_TEST

START_TEST(test_c360_config_set_unknown_key_without_close_match_points_to_kafka_prefix)
{
    struct c360_diag diag;
    ck_assert_int_eq(c360_config_set(cfg, "bootstrap.servers", "x:1", "test", &diag),
                     C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "bootstrap.servers");
    ck_assert_ptr_nonnull(strstr(diag.text, "'kafka.'"));
}
END_TEST

START_TEST(test_c360_config_set_caps_kafka_settings)
{
    char key[64];
    for (int i = 0; i < C360_CONFIG_KAFKA_MAX; i++) {
        snprintf(key, sizeof(key), "kafka.k%d", i);
        ck_assert_int_eq(c360_config_set(cfg, key, "v", "test", NULL), C360_OK);
    }
    ck_assert_int_eq(c360_config_set(cfg, "kafka.one.more", "v", "test", NULL), C360_ERR_LIMIT);
    /* Replacing an existing one still works at the cap. */
    ck_assert_int_eq(c360_config_set(cfg, "kafka.k0", "w", "test", NULL), C360_OK);
}
END_TEST

START_TEST(test_c360_config_set_arg_overrides_file)
{
    struct c360_diag diag;
    ck_assert_int_eq(c360_config_load_file(cfg, C360_TEST_DATA "/config/good.properties", &diag),
                     C360_OK);
    ck_assert_int_eq(c360_config_set_arg(cfg, "group.id=from-x", &diag), C360_OK);
    ck_assert_int_eq(c360_config_set_arg(cfg, " poll.timeout.ms = 42 ", &diag), C360_OK);
    ck_assert_int_eq(c360_config_set_arg(cfg, "kafka.client.id=c360-x", &diag), C360_OK);
    ck_assert_str_eq(c360_config_str(cfg, "group.id"), "from-x");
    ck_assert_int_eq(c360_config_int(cfg, "poll.timeout.ms"), 42);
    ck_assert_str_eq(c360_config_kafka_get(cfg, "client.id"), "c360-x");
    const char *origin;
    c360_config_kafka_at(cfg, 1, NULL, NULL, &origin);
    ck_assert_str_eq(origin, "-X");
}
END_TEST

START_TEST(test_c360_config_set_arg_rejects_malformed)
{
    struct c360_diag diag;
    ck_assert_int_eq(c360_config_set_arg(cfg, "group.id", &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.text, "expected key=value");
    ck_assert_int_eq(c360_config_set_arg(cfg, "=value", &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "empty key"));
    ck_assert_int_eq(c360_config_set_arg(cfg, "grup.id=x", &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.where, "-X");
    ck_assert_str_eq(diag.field, "grup.id");
}
END_TEST

/* Every row of the table accepts its own default and documents itself. */
START_TEST(test_c360_config_props_defaults_are_valid)
{
    for (size_t i = 0; c360_config_props[i].key; i++) {
        const struct c360_config_prop *p = &c360_config_props[i];
        ck_assert_msg(p->doc && strlen(p->doc) > 20, "%s has no doc", p->key);
        ck_assert_msg(c360_config_set(cfg, p->key, p->def, "default", NULL) == C360_OK,
                      "default of %s is invalid", p->key);
        ck_assert_msg(strncmp(p->key, C360_CONFIG_KAFKA_PREFIX, 6) != 0, "%s", p->key);
    }
}
END_TEST

START_TEST(test_c360_config_write_masks_secrets)
{
    char *buf = NULL;
    size_t len = 0;
    ck_assert_int_eq(c360_config_set(cfg, "kafka.sasl.password", "hunter2", "t", NULL), C360_OK);
    ck_assert_int_eq(c360_config_set(cfg, "kafka.sasl.username", "svc", "t", NULL), C360_OK);
    FILE *mem = open_memstream(&buf, &len);
    ck_assert_int_eq(c360_config_write(cfg, mem), C360_OK);
    fclose(mem);
    ck_assert_ptr_null(strstr(buf, "hunter2"));
    ck_assert_ptr_nonnull(strstr(buf, "kafka.sasl.password=********\n"));
    ck_assert_ptr_nonnull(strstr(buf, "kafka.sasl.username=svc\n"));
    ck_assert_ptr_nonnull(strstr(buf, "group.id=c360\n"));
    free(buf);
}
END_TEST

/* config/REFERENCE.md is generated from the table; this fails when it is stale.
 * Regenerate with: c360 config --reference > config/REFERENCE.md */
START_TEST(test_c360_config_write_reference_matches_committed_file)
{
    char *gen = NULL;
    size_t gen_len = 0;
    FILE *mem = open_memstream(&gen, &gen_len);
    ck_assert_int_eq(c360_config_write_reference(mem), C360_OK);
    fclose(mem);

    FILE *in = fopen(C360_SOURCE_DIR "/config/REFERENCE.md", "r");
    ck_assert_ptr_nonnull(in);
    char *committed = calloc(1, gen_len + 2);
    size_t n = fread(committed, 1, gen_len + 1, in);
    fclose(in);
    ck_assert_msg(n == gen_len && memcmp(committed, gen, gen_len) == 0,
                  "config/REFERENCE.md is stale: run `c360 config --reference > "
                  "config/REFERENCE.md`");
    for (size_t i = 0; c360_config_props[i].key; i++)
        ck_assert_ptr_nonnull(strstr(gen, c360_config_props[i].key));
    free(committed);
    free(gen);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("c360_config_new");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_c360_config_new_holds_defaults);
    tcase_add_test(tc, test_c360_config_props_defaults_are_valid);
    suite_add_tcase(s, tc);

    tc = tcase_create("c360_config_load_file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_c360_config_load_file_reads_good_file);
    tcase_add_test(tc, test_c360_config_load_file_names_unknown_key_and_line);
    tcase_add_test(tc, test_c360_config_load_file_rejects_bad_value);
    tcase_add_test(tc, test_c360_config_load_file_rejects_line_without_equals);
    tcase_add_test(tc, test_c360_config_load_file_reports_missing_file);
    tcase_add_test(tc, test_c360_config_load_file_caps_line_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("c360_config_load_stream");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_c360_config_load_stream_refuses_nul_bytes);
    tcase_add_test(tc, test_c360_config_load_stream_caps_total_size);
    tcase_add_test(tc, test_c360_config_load_stream_reads_last_line_without_newline);
    suite_add_tcase(s, tc);

    tc = tcase_create("c360_config_set");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_c360_config_set_rejects_bad_values, 0,
                        sizeof(bad_values) / sizeof(bad_values[0]));
    tcase_add_test(tc, test_c360_config_set_unknown_key_without_close_match_points_to_kafka_prefix);
    tcase_add_test(tc, test_c360_config_set_caps_kafka_settings);
    suite_add_tcase(s, tc);

    tc = tcase_create("c360_config_set_arg");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_c360_config_set_arg_overrides_file);
    tcase_add_test(tc, test_c360_config_set_arg_rejects_malformed);
    suite_add_tcase(s, tc);

    tc = tcase_create("c360_config_write");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_c360_config_write_masks_secrets);
    tcase_add_test(tc, test_c360_config_write_reference_matches_committed_file);
    suite_add_tcase(s, tc);
    return s;
}
