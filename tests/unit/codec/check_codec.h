/*
 * The codec suite is one Suite made of the TCases of every codec file: each
 * check_<file>.c adds its own.
 */
#ifndef C360_CHECK_CODEC_H
#define C360_CHECK_CODEC_H

#include <check.h>

void c360_check_registry_add(Suite *s);
void c360_check_avro_add(Suite *s);
void c360_check_jsonread_add(Suite *s);
void c360_check_connect_add(Suite *s);

#endif
