/*
 * The segment suite is one Suite made of the TCases of every segment file:
 * each check_<file>.c adds its own. The insight table the tests compile
 * against is the one DESIGN.md §5 describes, plus a few test insights.
 */
#ifndef C360_CHECK_SEGMENT_H
#define C360_CHECK_SEGMENT_H

#include "c360/segment.h"

#include <check.h>

void c360_check_lexer_add(Suite *s);
void c360_check_parser_add(Suite *s);
void c360_check_eval_add(Suite *s);
void c360_check_thresholds_add(Suite *s);
void c360_check_bound_add(Suite *s);
void c360_check_text_add(Suite *s);
void c360_check_set_add(Suite *s);

/* tenureDays, holds, adb, externalAdb, qualifyingVisit as in DESIGN.md §5;
 * n (number), m and m2 (money), b and b2 (booleans) without arguments; any
 * (kind unknown before the call, 0-1 argument of any kind). */
extern const struct c360_segment_insight check_insights[];
extern const size_t check_n_insights;

#define CHECK_LOOP(tc, test, table)                                                                \
    tcase_add_loop_test(tc, test, 0, (int)(sizeof(table) / sizeof((table)[0])))

#endif
