/*
 * Suite segment: thresholds (src/segment/thresholds.c) — the constants a
 * zero-argument insight is compared with, mirrored when written the other
 * way round, and every other use flagged for daily re-evaluation.
 */
#include "check_segment.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *text, *insight;
    const char *items; /* "op value" pairs, value in hundredths */
    bool elsewhere;
} cases[] = {
    {"tenureDays >= 365", "tenureDays", ">= 36500", false},
    {"365 <= tenureDays", "tenureDays", ">= 36500", false},
    {"365 > tenureDays", "tenureDays", "< 36500", false},
    {"tenureDays > 300 + 65", "tenureDays", "> 36500", false},
    {"tenureDays > -(5 - 370)", "tenureDays", "> 36500", false},
    {"tenureDays == -5.5", "tenureDays", "== -550", false},
    {"tenureDays != 0", "tenureDays", "!= 0", false},
    {"tenureDays >= 365 and tenureDays < 1095", "tenureDays", ">= 36500 < 109500", false},
    {"tenureDays >= 365 or (b and tenureDays >= 365)", "tenureDays", ">= 36500", false},
    {"tenureDays >= 365 and holds(SAVINGS) and adb([SAVINGS, CHECKING]) >= 3000 and not "
     "holds(MONEY_MARKET)",
     "tenureDays", ">= 36500", false},
    /* other uses leave only daily re-evaluation */
    {"tenureDays + 1 >= 365", "tenureDays", "", true},
    {"tenureDays >= n", "tenureDays", "", true},
    {"tenureDays >= 365 and n > tenureDays", "tenureDays", ">= 36500", true},
    {"-tenureDays <= -365", "tenureDays", "", true},
    {"tenureDays >= 365 and tenureDays - n < 5", "tenureDays", ">= 36500", true},
    {"b", "b", "", true},
    {"b == true", "b", "", true},
    {"holds(SAVINGS)", "holds", "", true}, /* a call with arguments is another quantity */
    /* an insight not used */
    {"holds(SAVINGS)", "tenureDays", "", false},
    {"n > 1", "nothing", "", false},
    /* more thresholds than fit */
    {"n > 1 or n > 2 or n > 3 or n > 4 or n > 5 or n > 6 or n > 7 or n > 8 or n > 9 or n > 10 "
     "or n > 11 or n > 12 or n > 13 or n > 14 or n > 15 or n > 16 or n > 17",
     "n",
     "> 100 > 200 > 300 > 400 > 500 > 600 > 700 > 800 > 900 > 1000 > 1100 > 1200 > 1300 "
     "> 1400 > 1500 > 1600",
     true},
};

START_TEST(test_c360_segment_thresholds_finds_the_constants)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    struct c360_segment *seg;
    struct c360_segment_thresholds th;
    struct c360_diag diag;
    char buf[512];
    size_t len = 0;
    const char *text = cases[_i].text;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_segment_parse(text, strlen(text), check_insights, check_n_insights, &seg,
                                     &diag) == C360_OK,
                  "%s: %s", text, diag.text);
    c360_segment_thresholds(seg, cases[_i].insight, &th);
    buf[0] = '\0';
    for (size_t i = 0; i < th.count; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s %lld", i ? " " : "",
                                ops[th.items[i].op], (long long)th.items[i].value);
    ck_assert_str_eq(buf, cases[_i].items);
    ck_assert_int_eq(th.elsewhere, cases[_i].elsewhere);
    c360_segment_free(seg);
}
END_TEST

void c360_check_thresholds_add(Suite *s)
{
    TCase *tc = tcase_create("c360_segment_thresholds");
    CHECK_LOOP(tc, test_c360_segment_thresholds_finds_the_constants, cases);
    suite_add_tcase(s, tc);
}
