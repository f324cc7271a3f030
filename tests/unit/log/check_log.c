/*
 * Suite log: record format, levels and librdkafka level mapping
 * (src/log/log.c).
 */
#include "c360/log.h"

#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs fn with the log going to a memory stream; returns what it wrote (new). */
static char *capture(void (*fn)(void))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(mem);
    c360_log_set_stream(mem);
    fn();
    c360_log_set_stream(NULL);
    fclose(mem);
    return buf;
}

static void log_one_info(void)
{
    c360_log_set_level(C360_LOG_INFO);
    c360_log(C360_LOG_INFO, "runtime", "joined group group=%s partitions=%d", "c360", 6);
}

START_TEST(test_c360_log_writes_ts_level_module_message_kv)
{
    char *out = capture(log_one_info);
    regex_t re;
    ck_assert_int_eq(regcomp(&re,
                             "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                             "INFO runtime joined group group=c360 partitions=6\n$",
                             REG_EXTENDED),
                     0);
    ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "unexpected record: %s", out);
    regfree(&re);
    free(out);
}
END_TEST

static void log_below_level(void)
{
    c360_log_set_level(C360_LOG_WARN);
    c360_log(C360_LOG_INFO, "m", "dropped");
    c360_log(C360_LOG_DEBUG, "m", "dropped");
    c360_log(C360_LOG_ERROR, "m", "kept");
}

START_TEST(test_c360_log_drops_records_below_level)
{
    char *out = capture(log_below_level);
    ck_assert_ptr_null(strstr(out, "dropped"));
    ck_assert_ptr_nonnull(strstr(out, "ERROR m kept"));
    free(out);
}
END_TEST

static void log_multiline(void)
{
    c360_log_set_level(C360_LOG_DEBUG);
    c360_log(C360_LOG_WARN, "rdkafka", "line one\nline two\r\tend");
}

START_TEST(test_c360_log_keeps_a_record_on_one_line)
{
    char *out = capture(log_multiline);
    ck_assert_ptr_nonnull(strstr(out, "line one line two  end\n"));
    ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
    free(out);
}
END_TEST

static void log_huge(void)
{
    static char big[10000];
    memset(big, 'x', sizeof(big) - 1);
    c360_log_set_level(C360_LOG_DEBUG);
    c360_log(C360_LOG_INFO, "m", "%s", big);
}

START_TEST(test_c360_log_cuts_an_overlong_record)
{
    char *out = capture(log_huge);
    size_t len = strlen(out);
    ck_assert_uint_le(len, 4096);
    ck_assert_str_eq(out + len - 4, "...\n");
    free(out);
}
END_TEST

static const struct {
    const char *name;
    int ok;
    enum c360_log_level level;
} level_names[] = {
    {"debug", 1, C360_LOG_DEBUG},  {"info", 1, C360_LOG_INFO}, {"warn", 1, C360_LOG_WARN},
    {"error", 1, C360_LOG_ERROR},  {"INFO", 0, C360_LOG_INFO}, {"", 0, C360_LOG_INFO},
    {"verbose", 0, C360_LOG_INFO},
};

START_TEST(test_c360_log_level_parse_table)
{
    enum c360_log_level level = C360_LOG_INFO;
    enum c360_err err = c360_log_level_parse(level_names[_i].name, &level);
    if (level_names[_i].ok) {
        ck_assert_int_eq(err, C360_OK);
        ck_assert_int_eq(level, level_names[_i].level);
    } else {
        ck_assert_int_eq(err, C360_ERR_INVALID);
    }
}
END_TEST

START_TEST(test_c360_log_level_from_syslog_maps_all_levels)
{
    ck_assert_int_eq(c360_log_level_from_syslog(0), C360_LOG_ERROR);
    ck_assert_int_eq(c360_log_level_from_syslog(3), C360_LOG_ERROR);
    ck_assert_int_eq(c360_log_level_from_syslog(4), C360_LOG_WARN);
    ck_assert_int_eq(c360_log_level_from_syslog(5), C360_LOG_INFO);
    ck_assert_int_eq(c360_log_level_from_syslog(6), C360_LOG_INFO);
    ck_assert_int_eq(c360_log_level_from_syslog(7), C360_LOG_DEBUG);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("c360_log");
    tcase_add_test(tc, test_c360_log_writes_ts_level_module_message_kv);
    tcase_add_test(tc, test_c360_log_drops_records_below_level);
    tcase_add_test(tc, test_c360_log_keeps_a_record_on_one_line);
    tcase_add_test(tc, test_c360_log_cuts_an_overlong_record);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_log_level_parse");
    tcase_add_loop_test(tc, test_c360_log_level_parse_table, 0,
                        sizeof(level_names) / sizeof(level_names[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_log_level_from_syslog");
    tcase_add_test(tc, test_c360_log_level_from_syslog_maps_all_levels);
    suite_add_tcase(s, tc);
    return s;
}
