/*
 * The identity suite is one Suite made of the TCases of every identity file:
 * each check_<file>.c adds its own.
 */
#ifndef C360_CHECK_IDENTITY_H
#define C360_CHECK_IDENTITY_H

#include <check.h>

void c360_check_normalize_add(Suite *s);
void c360_check_name_add(Suite *s);
void c360_check_graph_add(Suite *s);
void c360_check_rules_add(Suite *s);
void c360_check_golden_add(Suite *s);

#endif
