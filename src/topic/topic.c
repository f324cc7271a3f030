/*
 * c360 topic — loading and validating topic declarations.
 */
#include "c360/topic.h"

#include "c360/file.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kafka's own limit on topic name length (kafka.common.internals.Topic). */
#define TOPIC_NAME_MAX 249

const char *const c360_topic_formats[] = {
    "canonical", "json", "connect-json", "debezium", "salesforce-cdc", "avro", NULL,
};

static const char *const role_names[] = {
    [C360_TOPIC_INPUT] = "input",
    [C360_TOPIC_OUTPUT] = "output",
    [C360_TOPIC_DLQ] = "dlq",
};

static const char *const cleanup_names[] = {
    [C360_TOPIC_CLEANUP_DELETE] = "delete",
    [C360_TOPIC_CLEANUP_COMPACT] = "compact",
    [C360_TOPIC_CLEANUP_COMPACT_DELETE] = "compact,delete",
};

struct c360_topic_set {
    struct c360_topic *topics[C360_TOPIC_SET_MAX];
    size_t count;
};

const char *c360_topic_role_str(enum c360_topic_role role)
{
    return role_names[role];
}

const char *c360_topic_cleanup_str(enum c360_topic_cleanup cleanup)
{
    return cleanup_names[cleanup];
}

enum c360_err c360_topic_set_new(struct c360_topic_set **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? C360_OK : C360_ERR_NOMEM;
}

static void topic_destroy(struct c360_topic *t)
{
    if (!t)
        return;
    free(t->id);
    free(t->name);
    free(t->key);
    free(t->format);
    free(t->schema);
    free(t->doc);
    free(t->mapping);
    free(t);
}

void c360_topic_set_destroy(struct c360_topic_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        topic_destroy(set->topics[i]);
    free(set);
}

size_t c360_topic_set_count(const struct c360_topic_set *set)
{
    return set->count;
}

const struct c360_topic *c360_topic_set_at(const struct c360_topic_set *set, size_t i)
{
    return i < set->count ? set->topics[i] : NULL;
}

const struct c360_topic *c360_topic_set_find(const struct c360_topic_set *set, const char *id)
{
    for (size_t i = 0; i < set->count; i++) {
        if (strcmp(set->topics[i]->id, id) == 0)
            return set->topics[i];
    }
    return NULL;
}

static int lookup(const char *const *names, size_t n, const char *value)
{
    for (size_t i = 0; i < n; i++) {
        if (names[i] && strcmp(names[i], value) == 0)
            return (int)i;
    }
    return -1;
}

enum c360_err c360_topic_set_format(struct c360_topic_set *set, const char *id, const char *format,
                                    struct c360_diag *diag)
{
    struct c360_topic *t = NULL;
    for (size_t i = 0; i < set->count && !t; i++) {
        if (strcmp(set->topics[i]->id, id) == 0)
            t = set->topics[i];
    }
    if (!t || t->role != C360_TOPIC_INPUT)
        return c360_diag_fail(diag, C360_ERR_NOT_FOUND, "id", "'%s' is no declared input topic",
                              id);
    if (lookup(c360_topic_formats, sizeof(c360_topic_formats) / sizeof(char *) - 1, format) < 0)
        return c360_diag_fail(
            diag, C360_ERR_INVALID, "format",
            "'%s' is not canonical|json|connect-json|debezium|salesforce-cdc|avro", format);
    char *copy = strdup(format);
    if (!copy)
        return C360_ERR_NOMEM;
    free(t->format);
    t->format = copy;
    return C360_OK;
}

/* Kafka accepts [a-zA-Z0-9._-], at most 249 characters, and not "." or "..". */
static bool topic_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > TOPIC_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* Copies the string member `field` of obj into *out; "" when absent and optional. */
static enum c360_err take_string(json_t *obj, const char *field, bool required, char **out,
                                 struct c360_diag *diag)
{
    json_t *v = json_object_get(obj, field); /* borrowed */
    if (!v) {
        if (required)
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "required field is missing");
        *out = strdup("");
        return *out ? C360_OK : C360_ERR_NOMEM;
    }
    if (!json_is_string(v))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "must be a string");
    if (required && json_string_length(v) == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "must not be empty");
    *out = strdup(json_string_value(v));
    return *out ? C360_OK : C360_ERR_NOMEM;
}

static enum c360_err check_known_fields(json_t *obj, struct c360_diag *diag)
{
    static const char *const known[] = {
        "id",  "name",   "role",   "partitions", "cleanupPolicy",
        "key", "format", "schema", "doc",        "mapping",
    };
    const char *field;
    json_t *v;
    json_object_foreach(obj, field, v)
    {
        if (lookup(known, sizeof(known) / sizeof(known[0]), field) < 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "unknown field");
    }
    return C360_OK;
}

static enum c360_err topic_from_json(json_t *obj, struct c360_topic *t, struct c360_diag *diag)
{
    enum c360_err err;
    char *role = NULL, *cleanup = NULL;

    if (!json_is_object(obj))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a topic is a JSON object");
    if ((err = check_known_fields(obj, diag)))
        return err;
    if ((err = take_string(obj, "id", true, &t->id, diag)) ||
        (err = take_string(obj, "name", true, &t->name, diag)) ||
        (err = take_string(obj, "role", true, &role, diag)) ||
        (err = take_string(obj, "cleanupPolicy", true, &cleanup, diag)) ||
        (err = take_string(obj, "key", true, &t->key, diag)) ||
        (err = take_string(obj, "doc", true, &t->doc, diag)) ||
        (err = take_string(obj, "format", false, &t->format, diag)) ||
        (err = take_string(obj, "schema", false, &t->schema, diag)))
        goto fail;

    if (!topic_name_valid(t->name)) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "name",
                             "'%s' is not a legal Kafka topic name ([a-zA-Z0-9._-], at most "
                             "249 characters)",
                             t->name);
        goto fail;
    }
    int r = lookup(role_names, sizeof(role_names) / sizeof(role_names[0]), role);
    if (r < 0) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "role", "'%s' is not input|output|dlq", role);
        goto fail;
    }
    t->role = (enum c360_topic_role)r;
    int c = lookup(cleanup_names, sizeof(cleanup_names) / sizeof(cleanup_names[0]), cleanup);
    if (c < 0) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "cleanupPolicy",
                             "'%s' is not delete|compact|compact,delete", cleanup);
        goto fail;
    }
    t->cleanup = (enum c360_topic_cleanup)c;

    json_t *parts = json_object_get(obj, "partitions"); /* borrowed */
    if (!json_is_integer(parts) || json_integer_value(parts) < 1 ||
        json_integer_value(parts) > C360_TOPIC_PARTITIONS_MAX) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "partitions",
                             "must be an integer from 1 to %d", C360_TOPIC_PARTITIONS_MAX);
        goto fail;
    }
    t->partitions = (int)json_integer_value(parts);

    if (t->role == C360_TOPIC_INPUT) {
        if (!*t->format) {
            err = c360_diag_fail(diag, C360_ERR_INVALID, "format",
                                 "an input topic declares its default wire format");
            goto fail;
        }
        if (lookup(c360_topic_formats, sizeof(c360_topic_formats) / sizeof(char *) - 1, t->format) <
            0) {
            err = c360_diag_fail(
                diag, C360_ERR_INVALID, "format",
                "'%s' is not canonical|json|connect-json|debezium|salesforce-cdc|avro", t->format);
            goto fail;
        }
    } else if (*t->format) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "format", "only input topics have a format");
        goto fail;
    }
    json_t *mapping = json_object_get(obj, "mapping"); /* borrowed */
    if (mapping && (t->role != C360_TOPIC_INPUT || !json_is_object(mapping))) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "mapping",
                             "only input topics have a mapping, and it is an object");
        goto fail;
    }
    t->mapping = mapping ? json_dumps(mapping, JSON_COMPACT | JSON_PRESERVE_ORDER) : strdup("");
    if (!t->mapping) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    if (t->role != C360_TOPIC_DLQ && !*t->schema) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "schema",
                             "input and output topics name their value schema");
        goto fail;
    }
    if (t->role == C360_TOPIC_DLQ && *t->schema) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "schema",
                             "the dead-letter topic carries the original bytes, not a schema");
        goto fail;
    }
fail:
    free(role);
    free(cleanup);
    return err;
}

enum c360_err c360_topic_set_add_json(struct c360_topic_set *set, const char *json, size_t len,
                                      const char *where, struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    json_error_t jerr;
    json_t *obj = NULL;
    struct c360_topic *t = NULL;

    c360_diag_at(diag, where, 0);
    if (set->count == C360_TOPIC_SET_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "more than %d topics",
                              C360_TOPIC_SET_MAX);
    if (len > C360_TOPIC_FILE_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "declaration larger than %d bytes",
                              C360_TOPIC_FILE_MAX);

    obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr); /* new */
    if (!obj) {
        c360_diag_at(diag, where, jerr.line);
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "%s", jerr.text);
    }
    t = calloc(1, sizeof(*t));
    if (!t) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    if ((err = topic_from_json(obj, t, diag)))
        goto fail;
    set->topics[set->count++] = t;
    t = NULL;
fail:
    topic_destroy(t);
    json_decref(obj);
    return err;
}

enum c360_err c360_topic_set_check(const struct c360_topic_set *set, struct c360_diag *diag)
{
    const struct c360_topic *first_input = NULL, *dlq = NULL;
    for (size_t i = 0; i < set->count; i++) {
        const struct c360_topic *t = set->topics[i];
        for (size_t j = 0; j < i; j++) {
            if (strcmp(set->topics[j]->id, t->id) == 0)
                return c360_diag_fail(diag, C360_ERR_INVALID, "id", "'%s' is declared twice",
                                      t->id);
            if (strcmp(set->topics[j]->name, t->name) == 0)
                return c360_diag_fail(diag, C360_ERR_INVALID, "name",
                                      "topic '%s' is declared twice", t->name);
        }
        if (t->role == C360_TOPIC_DLQ) {
            if (dlq)
                return c360_diag_fail(diag, C360_ERR_INVALID, "role",
                                      "two dead-letter topics: '%s' and '%s'", dlq->name, t->name);
            dlq = t;
        }
        if (t->role == C360_TOPIC_INPUT) {
            if (!first_input)
                first_input = t;
            else if (t->partitions != first_input->partitions)
                return c360_diag_fail(diag, C360_ERR_INVALID, "partitions",
                                      "input '%s' has %d partitions but '%s' has %d: inputs "
                                      "are co-partitioned by key and need the same count",
                                      t->name, t->partitions, first_input->name,
                                      first_input->partitions);
        }
    }
    if (!dlq)
        return c360_diag_fail(diag, C360_ERR_INVALID, "role", "no dead-letter topic declared");
    if (!first_input)
        return c360_diag_fail(diag, C360_ERR_INVALID, "role", "no input topic declared");
    return C360_OK;
}

enum c360_err c360_topic_set_load_dir(const char *dir, struct c360_topic_set **out,
                                      struct c360_diag *diag)
{
    enum c360_err err;
    struct c360_topic_set *set = NULL;
    struct c360_file_list files = {0};
    char path[4096];

    if ((err = c360_file_list_dir(dir, ".json", C360_TOPIC_SET_MAX, &files, diag)))
        goto fail;
    if ((err = c360_topic_set_new(&set)))
        goto fail;
    for (size_t i = 0; i < files.count; i++) {
        char *json = NULL;
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, files.names[i]);
        if ((err = c360_file_read(path, C360_TOPIC_FILE_MAX, &json, &len, diag)))
            goto fail;
        err = c360_topic_set_add_json(set, json, len, path, diag);
        free(json);
        if (err)
            goto fail;
    }
    c360_diag_at(diag, dir, 0);
    if ((err = c360_topic_set_check(set, diag)))
        goto fail;
    *out = set;
    set = NULL;
fail:
    c360_file_list_free(&files);
    c360_topic_set_destroy(set);
    return err;
}
