/*
 * c360 schema — loading the .avsc files of schemas/ with avro-c.
 */
#include "c360/schema.h"

#include "c360/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct c360_schema_set {
    char *files[C360_SCHEMA_SET_MAX];
    avro_schema_t schemas[C360_SCHEMA_SET_MAX];
    size_t count;
};

void c360_schema_set_destroy(struct c360_schema_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++) {
        free(set->files[i]);
        avro_schema_decref(set->schemas[i]);
    }
    free(set);
}

size_t c360_schema_set_count(const struct c360_schema_set *set)
{
    return set->count;
}

const char *c360_schema_set_file(const struct c360_schema_set *set, size_t i)
{
    return i < set->count ? set->files[i] : NULL;
}

avro_schema_t c360_schema_set_find(const struct c360_schema_set *set, const char *file)
{
    for (size_t i = 0; i < set->count; i++) {
        if (strcmp(set->files[i], file) == 0)
            return set->schemas[i];
    }
    return NULL;
}

enum c360_err c360_schema_set_load_dir(const char *dir, struct c360_schema_set **out,
                                       struct c360_diag *diag)
{
    enum c360_err err;
    struct c360_file_list files = {0};
    char path[4096];

    struct c360_schema_set *set = calloc(1, sizeof(*set));
    if (!set)
        return C360_ERR_NOMEM;
    if ((err = c360_file_list_dir(dir, ".avsc", C360_SCHEMA_SET_MAX, &files, diag)))
        goto fail;
    for (size_t i = 0; i < files.count; i++) {
        char *json = NULL;
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, files.names[i]);
        if ((err = c360_file_read(path, C360_SCHEMA_FILE_MAX, &json, &len, diag)))
            goto fail;
        avro_schema_t schema;
        int rc = avro_schema_from_json_length(json, len, &schema);
        free(json);
        if (rc != 0) {
            err = c360_diag_fail(diag, C360_ERR_INVALID, NULL, "avro-c rejects the schema: %s",
                                 avro_strerror());
            goto fail;
        }
        /* The set takes the name and the schema; destroy frees both. */
        set->files[set->count] = files.names[i];
        files.names[i] = NULL;
        set->schemas[set->count++] = schema;
    }
    *out = set;
    set = NULL;
fail:
    c360_file_list_free(&files);
    c360_schema_set_destroy(set);
    return err;
}
