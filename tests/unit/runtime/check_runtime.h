/*
 * The runtime suite's parts: each check_<file>.c but the one that builds
 * the suite adds its test cases through its c360_check_<file>_add.
 */
#ifndef C360_CHECK_RUNTIME_H
#define C360_CHECK_RUNTIME_H

#include <check.h>

void c360_check_metrics_add(Suite *s);
void c360_check_decode_add(Suite *s);

#endif
