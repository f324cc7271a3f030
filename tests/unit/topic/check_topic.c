/*
 * Suite topic: topic declarations, one by one and as a set
 * (src/topic/topic.c), and the shipped topics/ folder.
 */
#include "c360/topic.h"

#include "../test_util.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define INPUT(id, name, parts)                                                                     \
    "{\"id\":\"" id "\",\"name\":\"" name "\",\"role\":\"input\",\"partitions\":" #parts           \
    ",\"cleanupPolicy\":\"delete\",\"key\":\"globalPartyId\",\"format\":\"json\","                 \
    "\"schema\":\"individual.avsc\",\"doc\":\"d\"}"
#define DLQ(id, name)                                                                              \
    "{\"id\":\"" id "\",\"name\":\"" name "\",\"role\":\"dlq\",\"partitions\":1,"                  \
    "\"cleanupPolicy\":\"delete\",\"key\":\"original key\",\"doc\":\"d\"}"

static const char *const good_output =
    "{\"id\":\"profile\",\"name\":\"c360.out.unified-profile\",\"role\":\"output\","
    "\"partitions\":6,\"cleanupPolicy\":\"compact\",\"key\":\"unifiedId\","
    "\"schema\":\"unified_profile.avsc\",\"doc\":\"golden profiles\"}";

START_TEST(test_c360_topic_set_add_json_reads_every_field)
{
    struct c360_topic_set *set;
    struct c360_diag diag;
    ck_assert_int_eq(c360_topic_set_new(&set), C360_OK);
    ck_assert_int_eq(c360_topic_set_add_json(set, good_output, strlen(good_output), "t", &diag),
                     C360_OK);
    const struct c360_topic *t = c360_topic_set_find(set, "profile");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->name, "c360.out.unified-profile");
    ck_assert_int_eq(t->role, C360_TOPIC_OUTPUT);
    ck_assert_int_eq(t->partitions, 6);
    ck_assert_int_eq(t->cleanup, C360_TOPIC_CLEANUP_COMPACT);
    ck_assert_str_eq(t->key, "unifiedId");
    ck_assert_str_eq(t->format, "");
    ck_assert_str_eq(t->schema, "unified_profile.avsc");
    ck_assert_str_eq(c360_topic_cleanup_str(t->cleanup), "compact");
    ck_assert_ptr_null(c360_topic_set_find(set, "nope"));
    c360_topic_set_destroy(set);
}
END_TEST

/* Declarations that must be refused, with the field and words of the diagnostic. */
static const struct {
    const char *json, *field, *expect;
} bad_topics[] = {
    {"", "", "'[' or '{' expected"},
    {"{\"id\":\"x\",", "", "end of file"},
    {"[]", "", "a topic is a JSON object"},
    {"{\"id\":\"a\",\"id\":\"b\"}", "", "duplicate object key"},
    {"{\"id\":\"x\"}", "name", "required field is missing"},
    {"{\"id\":7,\"name\":\"n\"}", "id", "must be a string"},
    {"{\"id\":\"\",\"name\":\"n\"}", "id", "must not be empty"},
    {"{\"id\":\"x\",\"nmae\":\"typo\"}", "nmae", "unknown field"},
    {"{\"id\":\"x\",\"name\":\"has space\",\"role\":\"input\",\"partitions\":6,"
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\"}",
     "name", "not a legal Kafka topic name"},
    {"{\"id\":\"x\",\"name\":\"..\",\"role\":\"input\",\"partitions\":6,"
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\"}",
     "name", "not a legal Kafka topic name"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"sink\",\"partitions\":6,"
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\"}",
     "role", "'sink' is not input|output|dlq"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"output\",\"partitions\":6,"
     "\"cleanupPolicy\":\"forever\",\"key\":\"k\",\"doc\":\"d\",\"schema\":\"s\"}",
     "cleanupPolicy", "'forever' is not delete|compact|compact,delete"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"output\",\"partitions\":0,"
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\",\"schema\":\"s\"}",
     "partitions", "integer from 1 to 10000"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"output\",\"partitions\":\"6\","
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\",\"schema\":\"s\"}",
     "partitions", "integer from 1 to 10000"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"output\",\"partitions\":10001,"
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\",\"schema\":\"s\"}",
     "partitions", "integer from 1 to 10000"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"input\",\"partitions\":6,"
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\",\"schema\":\"s\"}",
     "format", "declares its default wire format"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"input\",\"partitions\":6,\"format\":\"xml\","
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\",\"schema\":\"s\"}",
     "format", "'xml' is not canonical|json|connect-json|debezium|salesforce-cdc|avro"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"output\",\"partitions\":6,\"format\":\"json\","
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\",\"schema\":\"s\"}",
     "format", "only input topics have a format"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"output\",\"partitions\":6,"
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\"}",
     "schema", "name their value schema"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"dlq\",\"partitions\":6,\"schema\":\"s\","
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\",\"doc\":\"d\"}",
     "schema", "carries the original bytes"},
    {"{\"id\":\"x\",\"name\":\"n\",\"role\":\"dlq\",\"partitions\":6,"
     "\"cleanupPolicy\":\"delete\",\"key\":\"k\"}",
     "doc", "required field is missing"},
};

START_TEST(test_c360_topic_set_add_json_rejects_bad_declarations)
{
    struct c360_topic_set *set;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_topic_set_new(&set), C360_OK);
    const char *json = bad_topics[_i].json;
    ck_assert_int_ne(c360_topic_set_add_json(set, json, strlen(json), "case.json", &diag), C360_OK);
    ck_assert_str_eq(diag.where, "case.json");
    ck_assert_msg(strcmp(diag.field, bad_topics[_i].field) == 0, "case %d: field '%s'", _i,
                  diag.field);
    ck_assert_msg(strstr(diag.text, bad_topics[_i].expect), "case %d: got '%s'", _i, diag.text);
    ck_assert_uint_eq(c360_topic_set_count(set), 0);
    c360_topic_set_destroy(set);
}
END_TEST

START_TEST(test_c360_topic_set_add_json_caps_declaration_size)
{
    struct c360_topic_set *set;
    struct c360_diag diag;
    ck_assert_int_eq(c360_topic_set_new(&set), C360_OK);
    size_t len = C360_TOPIC_FILE_MAX + 1;
    char *big = malloc(len);
    memset(big, ' ', len);
    ck_assert_int_eq(c360_topic_set_add_json(set, big, len, "big", &diag), C360_ERR_LIMIT);
    free(big);
    c360_topic_set_destroy(set);
}
END_TEST

/* Sets that must be refused as a whole. */
static const struct {
    const char *a, *b, *c, *expect;
} bad_sets[] = {
    {INPUT("a", "in.a", 6), INPUT("b", "in.b", 3), DLQ("d", "dlq"), "co-partitioned"},
    {INPUT("a", "in.a", 6), INPUT("a", "in.b", 6), DLQ("d", "dlq"), "'a' is declared twice"},
    {INPUT("a", "in.a", 6), INPUT("b", "in.a", 6), DLQ("d", "dlq"), "'in.a' is declared twice"},
    {INPUT("a", "in.a", 6), DLQ("d", "dlq"), DLQ("e", "dlq2"), "two dead-letter topics"},
    {INPUT("a", "in.a", 6), INPUT("b", "in.b", 6), NULL, "no dead-letter topic"},
    {DLQ("d", "dlq"), NULL, NULL, "no input topic"},
};

START_TEST(test_c360_topic_set_check_rejects_bad_sets)
{
    struct c360_topic_set *set;
    struct c360_diag diag;
    ck_assert_int_eq(c360_topic_set_new(&set), C360_OK);
    const char *parts[] = {bad_sets[_i].a, bad_sets[_i].b, bad_sets[_i].c};
    for (size_t i = 0; i < 3 && parts[i]; i++)
        ck_assert_int_eq(c360_topic_set_add_json(set, parts[i], strlen(parts[i]), "t", &diag),
                         C360_OK);
    ck_assert_int_eq(c360_topic_set_check(set, &diag), C360_ERR_INVALID);
    ck_assert_msg(strstr(diag.text, bad_sets[_i].expect), "case %d: got '%s'", _i, diag.text);
    c360_topic_set_destroy(set);
}
END_TEST

START_TEST(test_c360_topic_set_check_accepts_minimal_set)
{
    struct c360_topic_set *set;
    ck_assert_int_eq(c360_topic_set_new(&set), C360_OK);
    const char *in = INPUT("a", "in.a", 6), *dlq = DLQ("d", "dlq");
    ck_assert_int_eq(c360_topic_set_add_json(set, in, strlen(in), "t", NULL), C360_OK);
    ck_assert_int_eq(c360_topic_set_add_json(set, dlq, strlen(dlq), "t", NULL), C360_OK);
    ck_assert_int_eq(c360_topic_set_check(set, NULL), C360_OK);
    c360_topic_set_destroy(set);
}
END_TEST

/* The shipped declarations: every topic of DESIGN.md §1, as the design says. */
START_TEST(test_c360_topic_set_load_dir_loads_shipped_topics)
{
    struct c360_topic_set *set;
    struct c360_diag diag;
    static const struct {
        const char *name;
        enum c360_topic_role role;
        enum c360_topic_cleanup cleanup;
    } expected[] = {
        {"c360.in.individual", C360_TOPIC_INPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.in.financial-account", C360_TOPIC_INPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.in.financial-transaction", C360_TOPIC_INPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.in.external-financial-account", C360_TOPIC_INPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.in.web-engagement", C360_TOPIC_INPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.in.org-account", C360_TOPIC_INPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.in.org-contact", C360_TOPIC_INPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.out.identity-links", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_COMPACT},
        {"c360.out.identity-changes", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.out.unified-profile", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_COMPACT},
        {"c360.out.segment-membership", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_COMPACT},
        {"c360.out.segment-changes", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.out.activation.marketing", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.out.activation.csr-insight", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.out.orgsync.commands", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.out.resync-requests", C360_TOPIC_OUTPUT, C360_TOPIC_CLEANUP_DELETE},
        {"c360.dlq", C360_TOPIC_DLQ, C360_TOPIC_CLEANUP_DELETE},
    };
    ck_assert_msg(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &set, &diag) == C360_OK,
                  "%s: %s", diag.where, diag.text);
    size_t n = sizeof(expected) / sizeof(expected[0]);
    ck_assert_uint_eq(c360_topic_set_count(set), n);
    for (size_t i = 0; i < n; i++) {
        const struct c360_topic *found = NULL;
        for (size_t j = 0; j < c360_topic_set_count(set); j++) {
            if (strcmp(c360_topic_set_at(set, j)->name, expected[i].name) == 0)
                found = c360_topic_set_at(set, j);
        }
        ck_assert_msg(found != NULL, "%s is not declared", expected[i].name);
        ck_assert_int_eq(found->role, expected[i].role);
        ck_assert_msg(found->cleanup == expected[i].cleanup, "%s cleanup", expected[i].name);
    }
    c360_topic_set_destroy(set);
}
END_TEST

START_TEST(test_c360_topic_set_load_dir_names_the_bad_file)
{
    char dir[64];
    struct c360_topic_set *set = NULL;
    struct c360_diag diag;
    test_make_dir(dir, sizeof(dir));
    test_write_in(dir, "a.json", INPUT("a", "in.a", 6));
    test_write_in(dir, "b.json", "{\"id\": \"b\",\n \"name\": oops}");
    test_write_in(dir, "notes.txt", "not a declaration, ignored");
    ck_assert_int_eq(c360_topic_set_load_dir(dir, &set, &diag), C360_ERR_INVALID);
    ck_assert_ptr_null(set);
    ck_assert_ptr_nonnull(strstr(diag.where, "/b.json"));
    ck_assert_int_eq(diag.line, 2);
    test_remove_dir(dir);
}
END_TEST

START_TEST(test_c360_topic_set_load_dir_checks_the_set)
{
    char dir[64];
    struct c360_topic_set *set = NULL;
    struct c360_diag diag;
    test_make_dir(dir, sizeof(dir));
    test_write_in(dir, "a.json", INPUT("a", "in.a", 6));
    ck_assert_int_eq(c360_topic_set_load_dir(dir, &set, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "no dead-letter topic"));
    test_write_in(dir, "d.json", DLQ("d", "c360.dlq"));
    ck_assert_int_eq(c360_topic_set_load_dir(dir, &set, &diag), C360_OK);
    ck_assert_uint_eq(c360_topic_set_count(set), 2);
    c360_topic_set_destroy(set);
    test_remove_dir(dir);
}
END_TEST

START_TEST(test_c360_topic_set_load_dir_reports_missing_dir)
{
    struct c360_topic_set *set = NULL;
    struct c360_diag diag;
    ck_assert_int_eq(c360_topic_set_load_dir("/nonexistent/topics", &set, &diag), C360_ERR_IO);
    ck_assert_ptr_nonnull(strstr(diag.text, "cannot open folder"));
}
END_TEST

START_TEST(test_c360_topic_set_format_replaces_an_input_format)
{
    struct c360_topic_set *set;
    struct c360_diag diag;
    const char *in = INPUT("a", "in.a", 6);
    ck_assert_int_eq(c360_topic_set_new(&set), C360_OK);
    ck_assert_int_eq(c360_topic_set_add_json(set, in, strlen(in), "a", &diag), C360_OK);
    ck_assert_int_eq(c360_topic_set_add_json(set, good_output, strlen(good_output), "o", &diag),
                     C360_OK);
    ck_assert_int_eq(c360_topic_set_format(set, "a", "connect-json", &diag), C360_OK);
    ck_assert_str_eq(c360_topic_set_find(set, "a")->format, "connect-json");
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_topic_set_format(set, "a", "xml", &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "format");
    ck_assert_str_eq(c360_topic_set_find(set, "a")->format, "connect-json");
    ck_assert_int_eq(c360_topic_set_format(set, "profile", "json", &diag), C360_ERR_NOT_FOUND);
    ck_assert_str_eq(c360_topic_set_find(set, "profile")->format, "");
    ck_assert_int_eq(c360_topic_set_format(set, "nope", "json", &diag), C360_ERR_NOT_FOUND);
    c360_topic_set_destroy(set);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("topic");
    TCase *tc = tcase_create("c360_topic_set_add_json");
    tcase_add_test(tc, test_c360_topic_set_add_json_reads_every_field);
    tcase_add_loop_test(tc, test_c360_topic_set_add_json_rejects_bad_declarations, 0,
                        sizeof(bad_topics) / sizeof(bad_topics[0]));
    tcase_add_test(tc, test_c360_topic_set_add_json_caps_declaration_size);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_topic_set_check");
    tcase_add_loop_test(tc, test_c360_topic_set_check_rejects_bad_sets, 0,
                        sizeof(bad_sets) / sizeof(bad_sets[0]));
    tcase_add_test(tc, test_c360_topic_set_check_accepts_minimal_set);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_topic_set_load_dir");
    tcase_add_test(tc, test_c360_topic_set_load_dir_loads_shipped_topics);
    tcase_add_test(tc, test_c360_topic_set_load_dir_names_the_bad_file);
    tcase_add_test(tc, test_c360_topic_set_load_dir_checks_the_set);
    tcase_add_test(tc, test_c360_topic_set_load_dir_reports_missing_dir);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_topic_set_format");
    tcase_add_test(tc, test_c360_topic_set_format_replaces_an_input_format);
    suite_add_tcase(s, tc);
    return s;
}
