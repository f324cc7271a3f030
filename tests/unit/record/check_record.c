/*
 * Suite record: canonical records — arena, caps, names, validation
 * (src/record/record.c). Validation per field is also exercised through the
 * canonical JSON golden files.
 */
#include "c360/record.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_c360_record_new_starts_empty_with_sentinels)
{
    struct c360_record *rec;
    ck_assert_int_eq(c360_record_new(C360_ENTITY_FINANCIAL_ACCOUNT, &rec), C360_OK);
    ck_assert_int_eq(rec->entity, C360_ENTITY_FINANCIAL_ACCOUNT);
    ck_assert_int_eq(rec->change, C360_CHANGE_NONE);
    ck_assert(rec->occurred_at == C360_TIME_NONE);
    ck_assert_int_eq(rec->as.account.opened_date, C360_DATE_NONE);
    ck_assert_int_eq(rec->as.account.account_type, C360_ACCOUNT_TYPE_NONE);
    ck_assert_str_eq(rec->as.account.balance.currency, "");
    c360_record_reset(rec, C360_ENTITY_WEB_ENGAGEMENT);
    ck_assert_int_eq(rec->as.web.duration_seconds, -1);
    c360_record_destroy(rec);
    c360_record_destroy(NULL);
}
END_TEST

START_TEST(test_c360_record_str_copies_and_caps)
{
    struct c360_record *rec;
    struct c360_diag diag;
    const char *copy;
    char text[] = "Zoë";
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, text, strlen(text), &copy, &diag), C360_OK);
    text[0] = 'X';
    ck_assert_str_eq(copy, "Zoë");
    ck_assert_int_eq(c360_record_str(rec, "a\0b", 3, &copy, &diag), C360_ERR_INVALID);
    char *big = malloc(C360_RECORD_STRING_MAX + 1);
    memset(big, 'x', C360_RECORD_STRING_MAX + 1);
    ck_assert_int_eq(c360_record_str(rec, big, C360_RECORD_STRING_MAX, &copy, &diag), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, big, C360_RECORD_STRING_MAX + 1, &copy, &diag),
                     C360_ERR_LIMIT);
    /* The arena cap holds however the bytes are split. */
    enum c360_err err = C360_OK;
    for (int i = 0; i < 1000 && !err; i++)
        err = c360_record_str(rec, big, C360_RECORD_STRING_MAX, &copy, &diag);
    ck_assert_int_eq(err, C360_ERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(diag.text, "record larger than"));
    /* A reset gives the whole budget back. */
    c360_record_reset(rec, C360_ENTITY_INDIVIDUAL);
    ck_assert_int_eq(c360_record_str(rec, big, C360_RECORD_STRING_MAX, &copy, &diag), C360_OK);
    free(big);
    c360_record_destroy(rec);
}
END_TEST

START_TEST(test_c360_record_strs_add_caps_the_list)
{
    struct c360_record *rec;
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    struct c360_strs *emails = &rec->as.individual.emails;
    for (int i = 0; i < C360_RECORD_LIST_MAX; i++)
        ck_assert_int_eq(c360_record_strs_add(rec, emails, "a@b.c", 5, NULL), C360_OK);
    ck_assert_int_eq(c360_record_strs_add(rec, emails, "a@b.c", 5, NULL), C360_ERR_LIMIT);
    ck_assert_uint_eq(emails->count, C360_RECORD_LIST_MAX);
    ck_assert_str_eq(emails->items[C360_RECORD_LIST_MAX - 1], "a@b.c");
    void *items;
    ck_assert_int_eq(c360_record_alloc(rec, C360_RECORD_FIELDS_MAX + 1, 8, &items, NULL),
                     C360_ERR_LIMIT);
    c360_record_destroy(rec);
}
END_TEST

/* Org field lists grow past the person-list cap, keep their items in order
 * while the room doubles, and stop at the cap they are given. */
START_TEST(test_c360_record_strs_add_upto_grows_to_its_cap)
{
    struct c360_record *rec;
    char name[16];
    ck_assert_int_eq(c360_record_new(C360_ENTITY_ORG_ACCOUNT, &rec), C360_OK);
    struct c360_strs *changed = &rec->as.org.changed_fields;
    for (int i = 0; i < 300; i++) {
        int n = snprintf(name, sizeof(name), "F%d__c", i);
        ck_assert_int_eq(c360_record_strs_add_upto(rec, changed, 300, name, (size_t)n, NULL),
                         C360_OK);
    }
    ck_assert_int_eq(c360_record_strs_add_upto(rec, changed, 300, "X", 1, NULL), C360_ERR_LIMIT);
    ck_assert_uint_eq(changed->count, 300);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "F%d__c", i);
        ck_assert_str_eq(changed->items[i], name);
    }
    c360_record_destroy(rec);
}
END_TEST

/* Every name parses back to its value; other spellings do not. */
START_TEST(test_c360_record_names_round_trip)
{
    for (int e = 0; e < C360_ENTITY_COUNT; e++) {
        enum c360_entity back;
        ck_assert_int_eq(c360_entity_parse(c360_entity_name((enum c360_entity)e), &back), C360_OK);
        ck_assert_int_eq(back, e);
    }
    for (int t = C360_ACCOUNT_CHECKING; t <= C360_ACCOUNT_OTHER; t++) {
        enum c360_account_type back;
        ck_assert_int_eq(c360_account_type_parse(c360_account_type_name(t), &back), C360_OK);
        ck_assert_int_eq(back, t);
    }
    for (int s = C360_STATUS_OPEN; s <= C360_STATUS_PENDING; s++) {
        enum c360_account_status back;
        ck_assert_int_eq(c360_account_status_parse(c360_account_status_name(s), &back), C360_OK);
        ck_assert_int_eq(back, s);
    }
    enum c360_change change;
    ck_assert_int_eq(c360_change_parse("CREATE", &change), C360_OK);
    ck_assert_int_eq(change, C360_CHANGE_UPSERT);
    ck_assert_int_eq(c360_change_parse("UPDATE", &change), C360_OK);
    ck_assert_int_eq(change, C360_CHANGE_UPSERT);
    ck_assert_int_eq(c360_change_parse("DELETE", &change), C360_OK);
    ck_assert_int_eq(change, C360_CHANGE_DELETE);
    ck_assert_int_eq(c360_change_parse("upsert", &change), C360_ERR_INVALID);
    enum c360_account_type type;
    ck_assert_int_eq(c360_account_type_parse("Savings", &type), C360_ERR_INVALID);
    ck_assert_ptr_null(c360_account_type_name(C360_ACCOUNT_TYPE_NONE));
    enum c360_direction dir;
    ck_assert_int_eq(c360_direction_parse("CREDIT", &dir), C360_OK);
    ck_assert_int_eq(dir, C360_DIRECTION_CREDIT);
}
END_TEST

START_TEST(test_c360_record_validate_names_first_missing_field)
{
    struct c360_record *rec;
    struct c360_diag diag;
    ck_assert_int_eq(c360_record_new(C360_ENTITY_FINANCIAL_ACCOUNT, &rec), C360_OK);
    ck_assert_int_eq(c360_record_validate(rec, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "eventId");
    rec->event_id = "e";
    rec->change = C360_CHANGE_DELETE;
    rec->occurred_at = 0;
    rec->source_system = "snowflake";
    rec->source_record_id = "A-1";
    ck_assert_int_eq(c360_record_validate(rec, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "globalAccountId");
    rec->as.account.global_account_id = "A-1";
    ck_assert_int_eq(c360_record_validate(rec, &diag), C360_OK); /* a DELETE needs no more */
    rec->change = C360_CHANGE_UPSERT;
    ck_assert_int_eq(c360_record_validate(rec, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "globalPartyId");
    c360_record_destroy(rec);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("c360_record_new");
    tcase_add_test(tc, test_c360_record_new_starts_empty_with_sentinels);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_record_str");
    tcase_add_test(tc, test_c360_record_str_copies_and_caps);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_record_strs_add");
    tcase_add_test(tc, test_c360_record_strs_add_caps_the_list);
    tcase_add_test(tc, test_c360_record_strs_add_upto_grows_to_its_cap);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_record_names");
    tcase_add_test(tc, test_c360_record_names_round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_record_validate");
    tcase_add_test(tc, test_c360_record_validate_names_first_missing_field);
    suite_add_tcase(s, tc);
    return s;
}
