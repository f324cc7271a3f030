/*
 * Suite schema: the Avro schemas of schemas/ parse with avro-c, are
 * documented, model money exactly, and cover every declared topic
 * (src/schema/schema.c).
 */
#include "c360/schema.h"
#include "c360/topic.h"

#include "../test_util.h"

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#define SCHEMAS_DIR C360_SOURCE_DIR "/schemas"

static const char *const expected_files[] = {
    "individual.avsc",
    "financial_account.avsc",
    "financial_transaction.avsc",
    "external_financial_account.avsc",
    "web_engagement.avsc",
    "org_account.avsc",
    "org_contact.avsc",
    "resync_request.avsc",
    "identity_link.avsc",
    "identity_change.avsc",
    "unified_profile.avsc",
    "segment_membership.avsc",
    "segment_change.avsc",
    "activation_marketing.avsc",
    "activation_csr_insight.avsc",
    "orgsync_command.avsc",
};

START_TEST(test_c360_schema_set_load_dir_parses_every_schema)
{
    struct c360_schema_set *set;
    struct c360_diag diag;
    ck_assert_msg(c360_schema_set_load_dir(SCHEMAS_DIR, &set, &diag) == C360_OK, "%s: %s",
                  diag.where, diag.text);
    size_t n = sizeof(expected_files) / sizeof(expected_files[0]);
    ck_assert_uint_eq(c360_schema_set_count(set), n);
    for (size_t i = 0; i < n; i++) {
        avro_schema_t schema = c360_schema_set_find(set, expected_files[i]);
        ck_assert_msg(schema != NULL, "%s missing", expected_files[i]);
        ck_assert(is_avro_record(schema));
        /* avro-c can build values of it: the schema is usable, not only parseable. */
        avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
        ck_assert_ptr_nonnull(iface);
        avro_value_t value;
        ck_assert_int_eq(avro_generic_value_new(iface, &value), 0);
        avro_value_decref(&value);
        avro_value_iface_decref(iface);
    }
    ck_assert_ptr_null(c360_schema_set_find(set, "nope.avsc"));
    c360_schema_set_destroy(set);
}
END_TEST

START_TEST(test_c360_schema_set_load_dir_covers_every_declared_topic)
{
    struct c360_schema_set *schemas;
    struct c360_topic_set *topics;
    ck_assert_int_eq(c360_schema_set_load_dir(SCHEMAS_DIR, &schemas, NULL), C360_OK);
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        if (t->role == C360_TOPIC_DLQ)
            continue;
        ck_assert_msg(c360_schema_set_find(schemas, t->schema) != NULL,
                      "topic %s names schema %s, which does not exist", t->name, t->schema);
    }
    c360_topic_set_destroy(topics);
    c360_schema_set_destroy(schemas);
}
END_TEST

/* avro-c accepts schemas without docs and with loose defaults; these checks
 * hold the schemas to what the project promises: every named type and field
 * documented, money never a float. */
static void check_type(json_t *type, const char *file, const char *path);

static void check_named(json_t *obj, const char *file, const char *path)
{
    const char *kind = json_string_value(json_object_get(obj, "type"));
    const char *name = json_string_value(json_object_get(obj, "name"));
    if (kind && (strcmp(kind, "record") == 0 || strcmp(kind, "enum") == 0)) {
        ck_assert_msg(json_is_string(json_object_get(obj, "doc")), "%s: %s %s has no doc", file,
                      kind, name);
    }
    if (kind && strcmp(kind, "record") == 0) {
        size_t i;
        json_t *field;
        json_array_foreach(json_object_get(obj, "fields"), i, field)
        {
            const char *fname = json_string_value(json_object_get(field, "name"));
            char sub[512];
            snprintf(sub, sizeof(sub), "%s.%s", path, fname);
            ck_assert_msg(json_is_string(json_object_get(field, "doc")), "%s: field %s has no doc",
                          file, sub);
            check_type(json_object_get(field, "type"), file, sub);
        }
        if (name && strcmp(name, "Money") == 0) {
            json_t *amount =
                json_object_get(json_array_get(json_object_get(obj, "fields"), 0), "type");
            ck_assert_str_eq(json_string_value(json_object_get(amount, "type")), "bytes");
            ck_assert_str_eq(json_string_value(json_object_get(amount, "logicalType")), "decimal");
            ck_assert_int_eq(json_integer_value(json_object_get(amount, "scale")), 2);
        }
    }
    if (kind && strcmp(kind, "array") == 0)
        check_type(json_object_get(obj, "items"), file, path);
    if (kind && strcmp(kind, "map") == 0)
        check_type(json_object_get(obj, "values"), file, path);
}

static bool is_money_name(const char *path)
{
    static const char *const words[] = {"amount", "balance", "Balance", "adb", "Adb"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strstr(path, words[i]))
            return true;
    }
    return false;
}

static void check_type(json_t *type, const char *file, const char *path)
{
    if (json_is_array(type)) {
        size_t i;
        json_t *branch;
        json_array_foreach(type, i, branch) check_type(branch, file, path);
    } else if (json_is_object(type)) {
        check_named(type, file, path);
    } else if (json_is_string(type)) {
        const char *t = json_string_value(type);
        bool floating = strcmp(t, "double") == 0 || strcmp(t, "float") == 0;
        ck_assert_msg(!(floating && is_money_name(path)), "%s: %s is money as a float", file, path);
    }
}

START_TEST(test_c360_schema_files_are_documented_and_exact)
{
    char path[4096];
    json_error_t jerr;
    snprintf(path, sizeof(path), "%s/%s", SCHEMAS_DIR, expected_files[_i]);
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr); /* new */
    ck_assert_msg(root != NULL, "%s: %s", path, jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "type")), "record");
    check_named(root, expected_files[_i], json_string_value(json_object_get(root, "name")));
    json_decref(root);
}
END_TEST

START_TEST(test_c360_schema_set_load_dir_reports_avro_error_with_file)
{
    char dir[64];
    struct c360_schema_set *set = NULL;
    struct c360_diag diag;
    test_make_dir(dir, sizeof(dir));
    test_write_in(dir, "ok.avsc", "{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}");
    test_write_in(dir, "bad.avsc",
                  "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"x\","
                  "\"type\":\"NoSuchType\"}]}");
    ck_assert_int_eq(c360_schema_set_load_dir(dir, &set, &diag), C360_ERR_INVALID);
    ck_assert_ptr_null(set);
    ck_assert_ptr_nonnull(strstr(diag.where, "/bad.avsc"));
    ck_assert_ptr_nonnull(strstr(diag.text, "avro-c rejects the schema"));
    test_remove_dir(dir);
}
END_TEST

START_TEST(test_c360_schema_set_load_dir_reports_missing_dir)
{
    struct c360_schema_set *set = NULL;
    struct c360_diag diag;
    ck_assert_int_eq(c360_schema_set_load_dir("/nonexistent/schemas", &set, &diag), C360_ERR_IO);
    ck_assert_ptr_null(set);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("c360_schema_set_load_dir");
    tcase_add_test(tc, test_c360_schema_set_load_dir_parses_every_schema);
    tcase_add_test(tc, test_c360_schema_set_load_dir_covers_every_declared_topic);
    tcase_add_test(tc, test_c360_schema_set_load_dir_reports_avro_error_with_file);
    tcase_add_test(tc, test_c360_schema_set_load_dir_reports_missing_dir);
    suite_add_tcase(s, tc);
    tc = tcase_create("schema_files");
    tcase_add_loop_test(tc, test_c360_schema_files_are_documented_and_exact, 0,
                        sizeof(expected_files) / sizeof(expected_files[0]));
    suite_add_tcase(s, tc);
    return s;
}
