/*
 * Suite core: the string map (src/core/strmap.c) — put, get, delete, growth
 * with tombstones, and its cap — checked against a plain array as the model.
 */
#include "c360/strmap.h"

#include "check_core.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

START_TEST(test_c360_strmap_put_get_and_del)
{
    struct c360_strmap *map;
    uint32_t v = 0;
    ck_assert_int_eq(c360_strmap_new(100, &map), C360_OK);
    ck_assert(!c360_strmap_get(map, "a", &v));
    ck_assert_int_eq(c360_strmap_put(map, "a", 1), C360_OK);
    ck_assert_int_eq(c360_strmap_put(map, "b", 2), C360_OK);
    ck_assert_int_eq(c360_strmap_put(map, "a", 3), C360_OK); /* replaces */
    ck_assert(c360_strmap_get(map, "a", &v));
    ck_assert_uint_eq(v, 3);
    ck_assert_uint_eq(c360_strmap_count(map), 2);
    ck_assert(c360_strmap_del(map, "a"));
    ck_assert(!c360_strmap_del(map, "a"));
    ck_assert(!c360_strmap_get(map, "a", NULL));
    ck_assert(c360_strmap_get(map, "b", &v));
    ck_assert_uint_eq(v, 2);
    ck_assert(c360_strmap_get(map, "", NULL) == false);
    c360_strmap_destroy(map);
    c360_strmap_destroy(NULL);
}
END_TEST

START_TEST(test_c360_strmap_put_refuses_past_its_cap)
{
    struct c360_strmap *map;
    ck_assert_int_eq(c360_strmap_new(2, &map), C360_OK);
    ck_assert_int_eq(c360_strmap_put(map, "a", 1), C360_OK);
    ck_assert_int_eq(c360_strmap_put(map, "b", 2), C360_OK);
    ck_assert_int_eq(c360_strmap_put(map, "c", 3), C360_ERR_LIMIT);
    ck_assert_int_eq(c360_strmap_put(map, "b", 4), C360_OK); /* not new: fine */
    ck_assert(c360_strmap_del(map, "a"));
    ck_assert_int_eq(c360_strmap_put(map, "c", 3), C360_OK);
    c360_strmap_destroy(map);
}
END_TEST

/* Random puts and deletes over 2,000 keys, checked against an array. */
START_TEST(test_c360_strmap_put_matches_a_model_through_growth_and_tombstones)
{
    enum { KEYS = 2000 };
    static int64_t model[KEYS];
    struct c360_strmap *map;
    char key[16];
    unsigned seed = 7;
    ck_assert_int_eq(c360_strmap_new(KEYS, &map), C360_OK);
    for (int i = 0; i < KEYS; i++)
        model[i] = -1;
    for (int step = 0; step < 200000; step++) {
        int k = rand_r(&seed) % KEYS;
        snprintf(key, sizeof(key), "key-%d", k);
        if (rand_r(&seed) % 3 == 0) {
            ck_assert(c360_strmap_del(map, key) == (model[k] >= 0));
            model[k] = -1;
        } else {
            ck_assert_int_eq(c360_strmap_put(map, key, (uint32_t)step), C360_OK);
            model[k] = step;
        }
    }
    size_t live = 0;
    for (int k = 0; k < KEYS; k++) {
        uint32_t v;
        snprintf(key, sizeof(key), "key-%d", k);
        ck_assert(c360_strmap_get(map, key, &v) == (model[k] >= 0));
        if (model[k] >= 0) {
            ck_assert_uint_eq(v, (uint32_t)model[k]);
            live++;
        }
    }
    ck_assert_uint_eq(c360_strmap_count(map), live);
    ck_assert_uint_gt(c360_strmap_bytes(map), live * 6);
    c360_strmap_destroy(map);
}
END_TEST

void c360_check_strmap_add(Suite *s)
{
    TCase *tc = tcase_create("c360_strmap_put");
    tcase_add_test(tc, test_c360_strmap_put_get_and_del);
    tcase_add_test(tc, test_c360_strmap_put_refuses_past_its_cap);
    tcase_add_test(tc, test_c360_strmap_put_matches_a_model_through_growth_and_tombstones);
    suite_add_tcase(s, tc);
}
