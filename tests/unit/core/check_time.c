/*
 * Suite core: timestamps and dates (src/core/time.c).
 */
#include "c360/time.h"

#include "check_core.h"

#include <check.h>
#include <string.h>

/* RFC 3339 timestamps and their epoch milliseconds, or the refusal. */
static const struct {
    const char *text;
    int64_t ms;
    const char *refusal;
} stamps[] = {
    {"1970-01-01T00:00:00Z", 0, NULL},
    {"2026-11-23T11:20:00Z", INT64_C(1795432800000), NULL},
    {"2026-11-23T11:20:00.123Z", INT64_C(1795432800123), NULL},
    {"2026-11-23T11:20:00.1Z", INT64_C(1795432800100), NULL},
    {"2026-11-23T11:20:00.123456789Z", INT64_C(1795432800123), NULL},
    {"2026-11-23t11:20:00z", INT64_C(1795432800000), NULL},
    {"2026-11-23 11:20:00Z", INT64_C(1795432800000), NULL},
    {"2026-11-23T13:20:00+02:00", INT64_C(1795432800000), NULL},
    {"2026-11-23T06:20:00-05:00", INT64_C(1795432800000), NULL},
    {"2026-11-23T00:20:00-11:00", INT64_C(1795432800000), NULL},
    {"2024-02-29T00:00:00Z", INT64_C(1709164800000), NULL},
    {"1969-12-31T23:59:59.999Z", -1, NULL},
    {"0001-01-01T00:00:00Z", INT64_C(-62135596800000), NULL},
    {"9999-12-31T23:59:59.999Z", INT64_C(253402300799999), NULL},
    {"0001-01-01T00:00:00+01:00", 0, "outside years 0001-9999"},
    {"9999-12-31T23:59:59-01:00", 0, "outside years 0001-9999"},
    {"2023-02-29T00:00:00Z", 0, "not a calendar date"},
    {"2026-13-01T00:00:00Z", 0, "not a calendar date"},
    {"2026-04-31T00:00:00Z", 0, "not a calendar date"},
    {"0000-01-01T00:00:00Z", 0, "not a calendar date"},
    {"2026-11-23T24:00:00Z", 0, "out of range"},
    {"2026-11-23T11:60:00Z", 0, "out of range"},
    {"2026-11-23T23:59:60Z", 0, "leap second"},
    {"2026-11-23T11:20:00", 0, "not an RFC 3339"},
    {"2026-11-23T11:20Z", 0, "not an RFC 3339"},
    {"2026-11-23T11:20:00.Z", 0, "not an RFC 3339"},
    {"2026-11-23T11:20:00.1234567890123Z", INT64_C(1795432800123), NULL},
    {"2026-11-23T11:20:00+0200", 0, "not an RFC 3339"},
    {"2026-11-23T11:20:00+24:00", 0, "out of range"},
    {"2026-11-23T11:20:00ZZ", 0, "not an RFC 3339"},
    {"2026-11-23", 0, "not an RFC 3339"},
    {"26-11-23T11:20:00Z", 0, "not an RFC 3339"},
    {"", 0, "not an RFC 3339"},
    {"1795432800000", 0, "not an RFC 3339"},
};

START_TEST(test_c360_time_parse_table)
{
    int64_t ms = -7;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_time_parse(stamps[_i].text, &ms, &diag);
    if (!stamps[_i].refusal) {
        ck_assert_msg(err == C360_OK, "'%s': %s", stamps[_i].text, diag.text);
        ck_assert_int_eq(ms, stamps[_i].ms);
    } else {
        ck_assert_msg(err != C360_OK, "'%s' accepted as %lld", stamps[_i].text, (long long)ms);
        ck_assert_msg(strstr(diag.text, stamps[_i].refusal), "'%s': got '%s'", stamps[_i].text,
                      diag.text);
    }
}
END_TEST

static const struct {
    const char *text;
    int32_t days;
    int ok;
} dates[] = {
    {"1970-01-01", 0, 1},
    {"1970-01-02", 1, 1},
    {"1969-12-31", -1, 1},
    {"2000-02-29", 11016, 1},
    {"2026-11-23", 20780, 1},
    {"1900-03-01", -25508, 1},
    {"1900-02-29", 0, 0},
    {"2026-11-23T00:00Z", 0, 0},
    {"2026-1-23", 0, 0},
    {"2026-11-31", 0, 0},
    {"", 0, 0},
    {"2026/11/23", 0, 0},
};

START_TEST(test_c360_date_parse_table)
{
    int32_t days = -7;
    enum c360_err err = c360_date_parse(dates[_i].text, &days, NULL);
    if (dates[_i].ok) {
        ck_assert_msg(err == C360_OK, "'%s' refused", dates[_i].text);
        ck_assert_int_eq(days, dates[_i].days);
    } else {
        ck_assert_msg(err != C360_OK, "'%s' accepted", dates[_i].text);
    }
}
END_TEST

/* Every day of 1600-2400 (two full 400-year cycles) and the ends of the range
 * convert to a date and back. */
START_TEST(test_c360_date_format_round_trips_every_day)
{
    char buf[16];
    int32_t first = c360_date_from_civil(1600, 1, 1), last = c360_date_from_civil(2400, 12, 31);
    static const int ends[][3] = {{1, 1, 1}, {1, 12, 31}, {9999, 1, 1}, {9999, 12, 31}};
    for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
        int32_t back, d = c360_date_from_civil(ends[i][0], ends[i][1], ends[i][2]);
        c360_date_format(d, buf, sizeof(buf));
        ck_assert_int_eq(c360_date_parse(buf, &back, NULL), C360_OK);
        ck_assert_int_eq(back, d);
    }
    for (int32_t d = first; d <= last; d++) {
        int32_t back;
        c360_date_format(d, buf, sizeof(buf));
        ck_assert_msg(c360_date_parse(buf, &back, NULL) == C360_OK && back == d,
                      "day %d formats as %s", (int)d, buf);
    }
}
END_TEST

START_TEST(test_c360_date_of_floors_before_1970)
{
    ck_assert_int_eq(c360_date_of(0), 0);
    ck_assert_int_eq(c360_date_of(C360_MS_PER_DAY - 1), 0);
    ck_assert_int_eq(c360_date_of(C360_MS_PER_DAY), 1);
    ck_assert_int_eq(c360_date_of(-1), -1);
    ck_assert_int_eq(c360_date_of(-C360_MS_PER_DAY), -1);
    ck_assert_int_eq(c360_date_of(-C360_MS_PER_DAY - 1), -2);
}
END_TEST

START_TEST(test_c360_time_check_bounds_the_range)
{
    ck_assert_int_eq(c360_time_check(C360_TIME_MIN_MS, NULL), C360_OK);
    ck_assert_int_eq(c360_time_check(C360_TIME_MAX_MS, NULL), C360_OK);
    ck_assert_int_eq(c360_time_check(C360_TIME_MIN_MS - 1, NULL), C360_ERR_INVALID);
    ck_assert_int_eq(c360_time_check(C360_TIME_MAX_MS + 1, NULL), C360_ERR_INVALID);
    int64_t ms;
    ck_assert_int_eq(c360_time_parse("0001-01-01T00:00:00Z", &ms, NULL), C360_OK);
    ck_assert(ms == C360_TIME_MIN_MS);
    ck_assert_int_eq(c360_time_parse("9999-12-31T23:59:59.999Z", &ms, NULL), C360_OK);
    ck_assert(ms == C360_TIME_MAX_MS);
}
END_TEST

START_TEST(test_c360_time_format_round_trips)
{
    static const int64_t values[] = {0, -1, INT64_C(1795432800123), INT64_C(-62135596800000),
                                     INT64_C(253402300799999)};
    char buf[32];
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        int64_t back;
        c360_time_format(values[i], buf, sizeof(buf));
        ck_assert_msg(c360_time_parse(buf, &back, NULL) == C360_OK, "%s", buf);
        ck_assert_int_eq(back, values[i]);
    }
    ck_assert_str_eq(c360_time_format(-1, buf, sizeof(buf)), "1969-12-31T23:59:59.999Z");
}
END_TEST

void c360_check_time_add(Suite *s)
{
    TCase *tc = tcase_create("c360_time_parse");
    tcase_add_loop_test(tc, test_c360_time_parse_table, 0, sizeof(stamps) / sizeof(stamps[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_date_parse");
    tcase_add_loop_test(tc, test_c360_date_parse_table, 0, sizeof(dates) / sizeof(dates[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_date_format");
    tcase_add_test(tc, test_c360_date_format_round_trips_every_day);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_date_of");
    tcase_add_test(tc, test_c360_date_of_floors_before_1970);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_time_check");
    tcase_add_test(tc, test_c360_time_check_bounds_the_range);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_time_format");
    tcase_add_test(tc, test_c360_time_format_round_trips);
    suite_add_tcase(s, tc);
}
