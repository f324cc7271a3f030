/*
 * c360 segment — config/segments.json: the named segments users edit, each
 * an expression compiled against the insight table and an optional
 * activation (what a CSR is told to suggest). Only c360_segment_set_load
 * reads a file; a refusal names the segment and, inside its expression, the
 * line:column.
 */
#include "c360/file.h"
#include "segment_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SET_FILE_MAX (1024 * 1024)

struct entry {
    struct c360_segment_def def;
    char name[C360_SEGMENT_NAME_MAX + 1];
    char kind[C360_SEGMENT_ACTIVATION_MAX + 1];
    char offer[C360_SEGMENT_ACTIVATION_MAX + 1];
    struct c360_segment *seg;
};

struct c360_segment_set {
    struct entry *entries;
    size_t count;
};

void c360_segment_set_free(struct c360_segment_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        c360_segment_free(set->entries[i].seg);
    free(set->entries);
    free(set);
}

/* A user-edited file: a misspelt key ("expresion") must not pass silently. */
static enum c360_err only_keys(json_t *obj, const char *const *allowed, const char *field,
                               struct c360_diag *diag)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i])
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "unknown key '%.64s'", key);
        if (strcmp(key, "doc") == 0 && !json_is_string(value))
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "doc must be a string");
    }
    return C360_OK;
}

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n <= C360_SEGMENT_NAME_MAX &&
           strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* An activation text: printable, 1-C360_SEGMENT_ACTIVATION_MAX bytes. */
static enum c360_err activation_text(json_t *act, const char *key, char *out, const char *name,
                                     struct c360_diag *diag)
{
    char field[C360_SEGMENT_NAME_MAX + 32];
    json_t *v = json_object_get(act, key);
    snprintf(field, sizeof(field), "%s.activation.%s", name, key);
    if (!v)
        return C360_OK;
    const char *text = json_string_value(v);
    size_t n = text ? json_string_length(v) : 0;
    if (!text || n == 0 || n > C360_SEGMENT_ACTIVATION_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "must be a string of 1-%d bytes",
                              C360_SEGMENT_ACTIVATION_MAX);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                  "must not hold control characters");
    }
    memcpy(out, text, n + 1);
    return C360_OK;
}

static enum c360_err parse_entry(struct c360_segment_set *set, size_t i, json_t *spec,
                                 const struct c360_segment_insight *insights, size_t n_insights,
                                 struct c360_diag *diag)
{
    static const char *const entry_keys[] = {"name", "expression", "activation", "doc", NULL};
    static const char *const activation_keys[] = {"kind", "offer", "doc", NULL};
    struct entry *e = &set->entries[i];
    char field[C360_SEGMENT_NAME_MAX + 32];
    enum c360_err err;
    snprintf(field, sizeof(field), "segments[%zu]", i);
    if (!json_is_object(spec))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "must be an object");
    if ((err = only_keys(spec, entry_keys, field, diag)))
        return err;
    const char *name = json_string_value(json_object_get(spec, "name"));
    if (!name || !valid_name(name))
        return c360_diag_fail(diag, C360_ERR_INVALID, field,
                              "needs a name of 1-%d characters from a-z, 0-9 and _",
                              C360_SEGMENT_NAME_MAX);
    for (size_t j = 0; j < i; j++) {
        if (strcmp(set->entries[j].name, name) == 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "a second segment named '%s'",
                                  name);
    }
    snprintf(e->name, sizeof(e->name), "%s", name);
    snprintf(field, sizeof(field), "%s.expression", name);
    json_t *expr = json_object_get(spec, "expression");
    if (!json_is_string(expr))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "is required: a string");
    if ((err = c360_segment_parse(json_string_value(expr), json_string_length(expr), insights,
                                  n_insights, &e->seg, diag))) {
        /* The parser says line:column in the expression; say whose. */
        if (diag)
            snprintf(diag->field, sizeof(diag->field), "%s", field);
        return err;
    }
    json_t *act = json_object_get(spec, "activation");
    snprintf(field, sizeof(field), "%s.activation", name);
    if (act && !json_is_object(act))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "must be an object");
    if (act && ((err = only_keys(act, activation_keys, field, diag)) ||
                (err = activation_text(act, "kind", e->kind, name, diag)) ||
                (err = activation_text(act, "offer", e->offer, name, diag))))
        return err;
    e->def = (struct c360_segment_def){.name = e->name,
                                       .seg = e->seg,
                                       .kind = e->kind[0] ? e->kind : NULL,
                                       .offer = e->offer[0] ? e->offer : NULL};
    return C360_OK;
}

enum c360_err c360_segment_set_parse(const char *text, size_t len, const char *where,
                                     const struct c360_segment_insight *insights, size_t n_insights,
                                     struct c360_segment_set **out, struct c360_diag *diag)
{
    static const char *const root_keys[] = {"segments", "doc", NULL};
    json_error_t jerr;
    enum c360_err err;
    struct c360_segment_set *set = calloc(1, sizeof(*set));
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    c360_diag_at(diag, where, 0);
    if (!set) {
        err = c360_diag_fail(diag, C360_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    if (!json_is_object(root)) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, NULL, "not a JSON object: %s (line %d)",
                             root ? "another value" : jerr.text, root ? 1 : jerr.line);
        goto fail;
    }
    if ((err = only_keys(root, root_keys, NULL, diag)))
        goto fail;
    json_t *list = json_object_get(root, "segments"), *spec;
    size_t i;
    if (!json_is_array(list) || json_array_size(list) > C360_SEGMENT_SET_MAX) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "segments",
                             "must be a list of at most %d segments", C360_SEGMENT_SET_MAX);
        goto fail;
    }
    if (json_array_size(list) > 0 &&
        !(set->entries = calloc(json_array_size(list), sizeof(*set->entries)))) {
        err = c360_diag_fail(diag, C360_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    json_array_foreach(list, i, spec)
    {
        /* Counted before parsing, so a half-built entry is freed too. */
        set->count = i + 1;
        if ((err = parse_entry(set, i, spec, insights, n_insights, diag)))
            goto fail;
    }
    json_decref(root);
    *out = set;
    return C360_OK;
fail:
    json_decref(root);
    c360_segment_set_free(set);
    return err;
}

enum c360_err c360_segment_set_load(const char *path, const struct c360_segment_insight *insights,
                                    size_t n_insights, struct c360_segment_set **out,
                                    struct c360_diag *diag)
{
    char *text = NULL;
    size_t len;
    enum c360_err err;
    if ((err = c360_file_read(path, SET_FILE_MAX, &text, &len, diag)))
        goto done;
    err = c360_segment_set_parse(text, len, path, insights, n_insights, out, diag);
done:
    free(text);
    return err;
}

size_t c360_segment_set_count(const struct c360_segment_set *set)
{
    return set->count;
}

const struct c360_segment_def *c360_segment_set_at(const struct c360_segment_set *set, size_t i)
{
    return &set->entries[i].def;
}

const struct c360_segment_def *c360_segment_set_find(const struct c360_segment_set *set,
                                                     const char *name)
{
    for (size_t i = 0; i < set->count; i++) {
        if (strcmp(set->entries[i].name, name) == 0)
            return &set->entries[i].def;
    }
    return NULL;
}
