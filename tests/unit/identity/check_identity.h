/*
 * The identity suite is one Suite made of the TCases of every identity file:
 * each check_<file>.c adds its own.
 */
#ifndef C360_CHECK_IDENTITY_H
#define C360_CHECK_IDENTITY_H

#include "c360/identity.h"

#include <check.h>

/* The random records of the graph's property test (check_graph.c), for the
 * persistence's (check_persist.c): C360_CHECK_KEYS keys whose records collide
 * on every rule. */
#define C360_CHECK_KEYS 14
/* The graph configuration of the tests, with its guards. */
struct c360_identity_config c360_check_graph_config(size_t postings_max, size_t cluster_max);
/* The name of key k (0 ≤ k < C360_CHECK_KEYS). */
const char *c360_check_graph_key(int k);
/* A random record of key k; in's strings are static. */
void c360_check_graph_random(int k, unsigned *seed, struct c360_identity_input *in);

void c360_check_normalize_add(Suite *s);
void c360_check_name_add(Suite *s);
void c360_check_graph_add(Suite *s);
void c360_check_rules_add(Suite *s);
void c360_check_golden_add(Suite *s);
void c360_check_persist_add(Suite *s);

#endif
