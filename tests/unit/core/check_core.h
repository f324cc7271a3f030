/*
 * The core suite is one Suite made of the TCases of every core file: each
 * check_<file>.c adds its own.
 */
#ifndef C360_CHECK_CORE_H
#define C360_CHECK_CORE_H

#include <check.h>

void c360_check_money_add(Suite *s);
void c360_check_time_add(Suite *s);
void c360_check_file_add(Suite *s);
void c360_check_strmap_add(Suite *s);
void c360_check_jsonw_add(Suite *s);
void c360_check_persist_add(Suite *s);

#endif
