/*
 * Suite identity: reconciliation of golden attributes (src/identity/golden.c)
 * by most recent, source priority and most frequent, with tie-breaks that do
 * not depend on the order of the records; and its configuration.
 */
#include "c360/identity.h"

#include "check_identity.h"

#include <check.h>
#include <string.h>

static struct c360_record *person(const char *system, const char *id, int64_t at, const char *first,
                                  int32_t birth, const char *email)
{
    struct c360_record *rec;
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    rec->change = C360_CHANGE_UPSERT;
    rec->occurred_at = at;
    ck_assert_int_eq(c360_record_str(rec, system, strlen(system), &rec->source_system, NULL),
                     C360_OK);
    ck_assert_int_eq(c360_record_str(rec, id, strlen(id), &rec->source_record_id, NULL), C360_OK);
    if (first)
        ck_assert_int_eq(
            c360_record_str(rec, first, strlen(first), &rec->as.individual.first_name, NULL),
            C360_OK);
    rec->as.individual.birth_date = birth;
    if (email)
        ck_assert_int_eq(
            c360_record_strs_add(rec, &rec->as.individual.emails, email, strlen(email), NULL),
            C360_OK);
    return rec;
}

static void rules_of(struct c360_golden_rule rules[C360_GOLDEN_ATTRS])
{
    for (int a = 0; a < C360_GOLDEN_ATTRS; a++)
        rules[a] = (struct c360_golden_rule){.strategy = C360_GOLDEN_MOST_RECENT};
    rules[C360_GOLDEN_FIRST_NAME] = (struct c360_golden_rule){
        .strategy = C360_GOLDEN_SOURCE_PRIORITY, .sources = {"fsc", "edw"}, .n_sources = 2};
    rules[C360_GOLDEN_BIRTH_DATE].strategy = C360_GOLDEN_MOST_FREQUENT;
}

START_TEST(test_c360_golden_reconcile_by_each_strategy_in_any_order)
{
    struct c360_golden_rule rules[C360_GOLDEN_ATTRS];
    struct c360_golden gold;
    rules_of(rules);
    struct c360_record *recs[4] = {
        person("aggregator", "A1", 3000, "Jon", 100, "new@x.org"),
        person("edw", "E1", 2000, "Jonathan", 200, NULL),
        person("fsc", "F1", 1000, "John", 200, "old@x.org"),
        person("web", "W1", 4000, NULL, C360_DATE_NONE, NULL), /* has nothing to give */
    };
    for (int order = 0; order < 2; order++) {
        const struct c360_record *in[4];
        for (int i = 0; i < 4; i++)
            in[i] = recs[order ? 3 - i : i];
        c360_golden_reconcile(rules, in, 4, &gold);
        ck_assert_str_eq(gold.first_name, "John"); /* fsc before edw */
        ck_assert_int_eq(gold.birth_date, 200);    /* two records against one */
        ck_assert_str_eq(gold.email, "new@x.org"); /* the latest that has one */
        ck_assert_ptr_null(gold.last_name);        /* nobody has one */
        ck_assert_ptr_null(gold.address);
    }
    /* Unlisted sources rank after listed ones; ties go to the latest. */
    rules[C360_GOLDEN_FIRST_NAME].n_sources = 1; /* fsc only */
    c360_golden_reconcile(rules, (const struct c360_record *const *)recs, 3, &gold);
    ck_assert_str_eq(gold.first_name, "John");
    const struct c360_record *two[2] = {recs[0], recs[1]}; /* no fsc among them */
    c360_golden_reconcile(rules, two, 2, &gold);
    ck_assert_str_eq(gold.first_name, "Jon"); /* both unlisted: the latest */
    ck_assert_int_eq(gold.birth_date, 100);   /* 1 against 1: the latest */
    c360_golden_reconcile(rules, NULL, 0, &gold);
    ck_assert_ptr_null(gold.first_name);
    ck_assert_int_eq(gold.birth_date, C360_DATE_NONE);
    for (int i = 0; i < 4; i++)
        c360_record_destroy(recs[i]);
}
END_TEST

START_TEST(test_c360_identity_rules_golden_reads_and_refuses)
{
    struct c360_identity_rules *rules;
    struct c360_diag diag;
    ck_assert_int_eq(
        c360_identity_rules_load(C360_SOURCE_DIR "/config/identity.json", &rules, NULL), C360_OK);
    const struct c360_golden_rule *g = c360_identity_rules_golden(rules);
    ck_assert_int_eq(g[C360_GOLDEN_FIRST_NAME].strategy, C360_GOLDEN_SOURCE_PRIORITY);
    ck_assert_str_eq(g[C360_GOLDEN_FIRST_NAME].sources[0], "fsc");
    ck_assert_int_eq(g[C360_GOLDEN_BIRTH_DATE].strategy, C360_GOLDEN_MOST_FREQUENT);
    ck_assert_int_eq(g[C360_GOLDEN_EMAIL].strategy, C360_GOLDEN_MOST_RECENT);
    c360_identity_rules_free(rules);
    static const char *const bad[] = {
        "{\"rules\":[{\"name\":\"a\",\"kind\":\"email\"}],\"golden\":{\"default\":\"newest\"}}",
        "{\"rules\":[{\"name\":\"a\",\"kind\":\"email\"}],\"golden\":{\"attributes\":"
        "{\"shoeSize\":{\"strategy\":\"mostRecent\"}}}}",
        "{\"rules\":[{\"name\":\"a\",\"kind\":\"email\"}],\"golden\":{\"attributes\":"
        "{\"email\":{\"strategy\":\"sourcePriority\"}}}}",
    };
    static const char *const says[] = {"strategy is", "is not a golden attribute", "needs a list"};
    for (size_t i = 0; i < 3; i++) {
        c360_diag_clear(&diag);
        ck_assert_int_eq(c360_identity_rules_parse(bad[i], strlen(bad[i]), "t", &rules, &diag),
                         C360_ERR_INVALID);
        ck_assert_msg(strstr(diag.text, says[i]), "%s", diag.text);
    }
}
END_TEST

void c360_check_golden_add(Suite *s)
{
    TCase *tc = tcase_create("c360_golden_reconcile");
    tcase_add_test(tc, test_c360_golden_reconcile_by_each_strategy_in_any_order);
    tcase_add_test(tc, test_c360_identity_rules_golden_reads_and_refuses);
    suite_add_tcase(s, tc);
}
