/*
 * c360 schema — loading the .avsc files of schemas/ with avro-c.
 */
#include "c360/schema.h"

#include <dirent.h>
#include <errno.h>
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

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum c360_err schema_parse_file(const char *path, avro_schema_t *out, struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    char *buf = NULL;
    FILE *in = fopen(path, "rb");
    if (!in)
        return c360_diag_fail(diag, C360_ERR_IO, NULL, "cannot open: %s", strerror(errno));
    buf = malloc(C360_SCHEMA_FILE_MAX + 1);
    if (!buf) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    size_t n = fread(buf, 1, C360_SCHEMA_FILE_MAX + 1, in);
    if (ferror(in)) {
        err = c360_diag_fail(diag, C360_ERR_IO, NULL, "read error");
        goto fail;
    }
    if (n > C360_SCHEMA_FILE_MAX) {
        err = c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "schema larger than %d bytes",
                             C360_SCHEMA_FILE_MAX);
        goto fail;
    }
    if (avro_schema_from_json_length(buf, n, out) != 0)
        err = c360_diag_fail(diag, C360_ERR_INVALID, NULL, "avro-c rejects the schema: %s",
                             avro_strerror());
fail:
    free(buf);
    fclose(in);
    return err;
}

enum c360_err c360_schema_set_load_dir(const char *dir, struct c360_schema_set **out,
                                       struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    char path[4096];

    c360_diag_at(diag, dir, 0);
    struct c360_schema_set *set = calloc(1, sizeof(*set));
    if (!set)
        return C360_ERR_NOMEM;
    DIR *d = opendir(dir);
    if (!d) {
        err = c360_diag_fail(diag, C360_ERR_IO, NULL, "cannot open schemas folder: %s",
                             strerror(errno));
        goto fail;
    }
    struct dirent *ent;
    while ((ent = readdir(d))) {
        size_t len = strlen(ent->d_name);
        if (len < 6 || strcmp(ent->d_name + len - 5, ".avsc") != 0 || ent->d_name[0] == '.')
            continue;
        if (set->count == C360_SCHEMA_SET_MAX) {
            err = c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "more than %d schema files",
                                 C360_SCHEMA_SET_MAX);
            break;
        }
        if (!(set->files[set->count] = strdup(ent->d_name))) {
            err = C360_ERR_NOMEM;
            break;
        }
        set->schemas[set->count++] = NULL;
    }
    closedir(d);
    if (err)
        goto fail;
    qsort(set->files, set->count, sizeof(set->files[0]), name_cmp);
    for (size_t i = 0; i < set->count; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, set->files[i]);
        c360_diag_at(diag, path, 0);
        if ((err = schema_parse_file(path, &set->schemas[i], diag)))
            goto fail;
    }
    *out = set;
    return C360_OK;
fail:
    c360_schema_set_destroy(set);
    return err;
}
