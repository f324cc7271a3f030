/*
 * c360 codec — stream mappings: how the fields of a source system's record
 * become canonical fields (DESIGN.md §1: "the mapping to canonical fields").
 *
 * A mapping is declared per input topic in topics/<topic>.json as
 *   "mapping": { "<canonical path>": <rule>, … }
 * where the canonical path is dotted ("balance.amount", "source.system",
 * "emails.0", "addresses.0.city": a number indexes a list) and a rule is
 *   "SOURCE_FIELD"                          the value as is (dotted for nested)
 *   {"from": "F"}                           the same
 *   {"from": "F", "values": {"a": "A", …}}  a value map; anything else is an error
 *   {"from": "F", "split": ","}             a list held in one text field
 *   {"const": <json>}                       a fixed value
 *   any rule object may add "if": "F": the rule applies only when source
 *   field F has a value (the type beside an identifier value, the currency
 *   of an optional amount)
 *   {"meta": "key" | "position" | "timestamp"}  from the Kafka message
 * Source values that are null or absent leave the canonical field absent.
 *
 * The source is a row (codec_int.h): a JSON object, or the columns a Kafka
 * Connect payload was read into without a DOM; both read alike here.
 */
#include "codec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A mapping is written by people: a few dozen fields at most. */
#define MAPPING_RULES_MAX 128
#define MAPPING_PATH_DEPTH 4
#define MAPPING_INDEX_MAX 31

enum rule_kind { RULE_FROM, RULE_VALUES, RULE_SPLIT, RULE_CONST, RULE_META };
enum meta_kind { META_KEY, META_POSITION, META_TIMESTAMP };

struct rule {
    char *target; /* canonical path */
    enum rule_kind kind;
    char *from;     /* source path */
    json_t *values; /* RULE_VALUES map; RULE_CONST value (owned) */
    char *split;    /* RULE_SPLIT delimiter */
    char *cond;     /* "if": source path that must have a value, or NULL */
    enum meta_kind meta;
};

struct c360_mapping {
    struct rule rules[MAPPING_RULES_MAX];
    size_t count;
};

void c360_mapping_destroy(struct c360_mapping *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++) {
        free(m->rules[i].target);
        free(m->rules[i].from);
        free(m->rules[i].split);
        free(m->rules[i].cond);
        json_decref(m->rules[i].values);
    }
    free(m);
}

static enum c360_err rule_parse(const char *target, json_t *spec, struct rule *r,
                                struct c360_diag *diag)
{
    if (!(r->target = strdup(target)))
        return C360_ERR_NOMEM;
    if (json_is_string(spec)) {
        r->kind = RULE_FROM;
        r->from = strdup(json_string_value(spec));
        return r->from ? C360_OK : C360_ERR_NOMEM;
    }
    if (!json_is_object(spec))
        return c360_diag_fail(diag, C360_ERR_INVALID, target,
                              "a rule is a source field name or an object");
    json_t *from = json_object_get(spec, "from"), *values = json_object_get(spec, "values"),
           *split = json_object_get(spec, "split"), *cnst = json_object_get(spec, "const"),
           *meta = json_object_get(spec, "meta");
    json_t *cond = json_object_get(spec, "if");
    if (cond && !json_is_string(cond))
        return c360_diag_fail(diag, C360_ERR_INVALID, target,
                              "\"if\" names the source field the rule depends on");
    if (cond && !(r->cond = strdup(json_string_value(cond))))
        return C360_ERR_NOMEM;
    if (cnst) {
        r->kind = RULE_CONST;
        r->values = json_incref(cnst);
        return C360_OK;
    }
    if (meta) {
        const char *name = json_string_value(meta);
        r->kind = RULE_META;
        if (name && strcmp(name, "key") == 0)
            r->meta = META_KEY;
        else if (name && strcmp(name, "position") == 0)
            r->meta = META_POSITION;
        else if (name && strcmp(name, "timestamp") == 0)
            r->meta = META_TIMESTAMP;
        else
            return c360_diag_fail(diag, C360_ERR_INVALID, target,
                                  "meta is key, position or timestamp");
        return C360_OK;
    }
    if (!json_is_string(from))
        return c360_diag_fail(diag, C360_ERR_INVALID, target,
                              "a rule needs \"from\", \"const\" or \"meta\"");
    if (!(r->from = strdup(json_string_value(from))))
        return C360_ERR_NOMEM;
    if (json_is_object(values)) {
        const char *k;
        json_t *v;
        json_object_foreach(values, k, v)
        {
            if (!json_is_string(v))
                return c360_diag_fail(diag, C360_ERR_INVALID, target,
                                      "the value map gives strings");
        }
        r->kind = RULE_VALUES;
        r->values = json_incref(values);
        return C360_OK;
    }
    if (json_is_string(split) && json_string_length(split) > 0) {
        r->kind = RULE_SPLIT;
        r->split = strdup(json_string_value(split));
        return r->split ? C360_OK : C360_ERR_NOMEM;
    }
    if (values || split)
        return c360_diag_fail(diag, C360_ERR_INVALID, target,
                              "\"values\" is an object of strings, \"split\" a non-empty string");
    r->kind = RULE_FROM; /* {"from": "F", "if": "G"} */
    return C360_OK;
}

enum c360_err c360_mapping_parse(const char *text, struct c360_mapping **out,
                                 struct c360_diag *diag)
{
    json_error_t jerr;
    *out = NULL;
    if (!text || !*text)
        return C360_OK; /* no mapping: the input is canonical already */
    json_t *obj = json_loads(text, JSON_REJECT_DUPLICATES, &jerr); /* new */
    if (!json_is_object(obj)) {
        json_decref(obj);
        return c360_diag_fail(diag, C360_ERR_INVALID, "mapping", "not a JSON object");
    }
    enum c360_err err = C360_OK;
    struct c360_mapping *m = calloc(1, sizeof(*m));
    if (!m) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    const char *target;
    json_t *spec;
    json_object_foreach(obj, target, spec)
    {
        if (m->count == MAPPING_RULES_MAX) {
            err = c360_diag_fail(diag, C360_ERR_LIMIT, "mapping", "more than %d rules",
                                 MAPPING_RULES_MAX);
            goto fail;
        }
        if ((err = rule_parse(target, spec, &m->rules[m->count++], diag)))
            goto fail;
    }
    *out = m;
    m = NULL;
fail:
    c360_mapping_destroy(m);
    json_decref(obj);
    return err;
}

/* The value at a dotted path of row into *out (a borrowed view); C360_ROW_NULL
 * when absent or null. A name that exists as a whole is taken first, so
 * "Global Party ID" or "a.b" columns work. */
static void source_get(const struct c360_row *row, const char *path, struct c360_row_val *out)
{
    bool whole = c360_row_get(row, path, out);
    if (whole || !strchr(path, '.')) {
        if (!whole)
            out->kind = C360_ROW_NULL;
        return;
    }
    char seg[256];
    struct c360_row at = *row;
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len >= sizeof(seg))
            break;
        memcpy(seg, p, len);
        seg[len] = '\0';
        if (!c360_row_get(&at, seg, out))
            break;
        if (!dot || !dot[1])
            return;
        p = dot + 1;
        /* Deeper: only into a nested object. */
        if (out->kind == C360_ROW_ROW)
            at = *out->as.row;
        else if (out->kind == C360_ROW_JSON && json_is_object(out->as.json))
            at = (struct c360_row){.obj = out->as.json};
        else
            break;
    }
    out->kind = C360_ROW_NULL;
}

static bool is_index(const char *seg, size_t *index)
{
    if (!*seg)
        return false;
    char *end;
    unsigned long v = strtoul(seg, &end, 10);
    if (*end || v > MAPPING_INDEX_MAX)
        return false;
    *index = v;
    return true;
}

/* Sets value (stolen) at a dotted canonical path of root, creating objects
 * and lists on the way. Paths come from the mapping text, which jansson has
 * checked as UTF-8, so keys are set without checking again. */
static enum c360_err target_set(json_t *root, const char *path, json_t *value,
                                struct c360_diag *diag)
{
    char segs[MAPPING_PATH_DEPTH][128];
    size_t n = 0;
    for (const char *p = path; *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (n == MAPPING_PATH_DEPTH || len >= sizeof(segs[0])) {
            json_decref(value);
            return c360_diag_fail(diag, C360_ERR_INVALID, path, "path too deep or too long");
        }
        memcpy(segs[n], p, len);
        segs[n++][len] = '\0';
        p = dot ? dot + 1 : p + len;
    }
    json_t *node = root; /* borrowed */
    for (size_t i = 0; i < n; i++) {
        bool last = i + 1 == n;
        size_t index = 0, next_index;
        bool next_is_list = !last && is_index(segs[i + 1], &next_index);
        json_t *child;
        if (json_is_array(node)) {
            if (!is_index(segs[i], &index))
                goto bad;
            while (json_array_size(node) <= index)
                json_array_append_new(node, json_null());
            if (last)
                return json_array_set_new(node, index, value) ? C360_ERR_NOMEM : C360_OK;
            child = json_array_get(node, index);
            if (json_is_null(child)) {
                child = next_is_list ? json_array() : json_object();
                json_array_set_new(node, index, child);
            }
        } else {
            if (last)
                return json_object_set_new_nocheck(node, segs[i], value) ? C360_ERR_NOMEM : C360_OK;
            child = json_object_get(node, segs[i]);
            if (!child) {
                child = next_is_list ? json_array() : json_object();
                json_object_set_new_nocheck(node, segs[i], child);
            }
        }
        if (!json_is_object(child) && !json_is_array(child))
            goto bad;
        node = child;
    }
bad:
    json_decref(value);
    return c360_diag_fail(diag, C360_ERR_INVALID, path,
                          "mapping targets conflict (a field and a list at one path)");
}

/* The first delim (dlen bytes, at least one) in [p, stop), or NULL. */
static const char *find_delim(const char *p, const char *stop, const char *delim, size_t dlen)
{
    for (; (size_t)(stop - p) >= dlen; p++) {
        if (*p == delim[0] && memcmp(p, delim, dlen) == 0)
            return p;
    }
    return NULL;
}

/* A list from one text field of len bytes: trimmed, empty items dropped. */
static json_t *split_list(const char *text, size_t len, const char *delim)
{
    json_t *arr = json_array();
    size_t dlen = strlen(delim);
    const char *p = text, *text_end = text + len;
    while (arr) {
        const char *end = find_delim(p, text_end, delim, dlen);
        const char *stop = end ? end : text_end;
        const char *a = p, *b = stop;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a && json_array_size(arr) <= MAPPING_INDEX_MAX)
            json_array_append_new(arr, json_stringn(a, (size_t)(b - a)));
        if (!end)
            break;
        p = end + dlen;
    }
    return arr;
}

static json_t *meta_value(enum meta_kind meta, const struct c360_codec_msg *msg)
{
    char buf[512];
    switch (meta) {
    case META_KEY:
        return msg->key ? json_stringn(msg->key, msg->key_len) : NULL;
    case META_POSITION:
        snprintf(buf, sizeof(buf), "%s:%d:%lld", msg->topic ? msg->topic : "", (int)msg->partition,
                 (long long)msg->offset);
        return json_string(buf);
    case META_TIMESTAMP:
        return msg->timestamp == C360_TIME_NONE ? NULL : json_integer(msg->timestamp);
    }
    return NULL;
}

/* Drops the holes that list targets leave when some sources are absent
 * ("emails.1" given, "emails.0" not). */
static void compact_lists(json_t *node, int depth)
{
    if (depth > MAPPING_PATH_DEPTH)
        return;
    if (json_is_array(node)) {
        for (size_t i = json_array_size(node); i-- > 0;) {
            if (json_is_null(json_array_get(node, i)))
                json_array_remove(node, i);
            else
                compact_lists(json_array_get(node, i), depth + 1);
        }
    } else if (json_is_object(node)) {
        const char *k;
        json_t *v;
        json_object_foreach(node, k, v) compact_lists(v, depth + 1);
    }
}

enum c360_err c360_mapping_apply(const struct c360_mapping *m, const struct c360_row *source,
                                 const struct c360_codec_msg *msg, json_t **out,
                                 struct c360_diag *diag)
{
    enum c360_err err;
    json_t *canon = json_object(); /* new */
    if (!canon)
        return C360_ERR_NOMEM;
    for (size_t i = 0; i < m->count; i++) {
        const struct rule *r = &m->rules[i];
        json_t *value = NULL; /* new, or NULL for absent */
        struct c360_row_val src = {.kind = C360_ROW_NULL}, cond;
        if (r->from && (source_get(source, r->from, &src), src.kind == C360_ROW_NULL))
            continue;
        if (r->cond && (source_get(source, r->cond, &cond), cond.kind == C360_ROW_NULL))
            continue;
        bool text = src.kind == C360_ROW_STR;
        switch (r->kind) {
        case RULE_FROM:
            value = c360_row_val_json(&src);
            break;
        case RULE_VALUES: {
            json_t *mapped = text ? json_object_getn(r->values, src.str, src.len) : NULL;
            if (!mapped) {
                char shown[64];
                if (text)
                    snprintf(shown, sizeof(shown), "%.*s", (int)src.len, src.str);
                else
                    snprintf(shown, sizeof(shown), "(not text)");
                err =
                    c360_diag_fail(diag, C360_ERR_INVALID, r->target,
                                   "'%s' of %s is not in the mapping's value map", shown, r->from);
                goto fail;
            }
            value = json_incref(mapped);
            break;
        }
        case RULE_SPLIT:
            if (!text) {
                err = c360_diag_fail(diag, C360_ERR_INVALID, r->target, "%s must be text to split",
                                     r->from);
                goto fail;
            }
            value = split_list(src.str, src.len, r->split);
            break;
        case RULE_CONST:
            value = json_incref(r->values);
            break;
        case RULE_META:
            value = meta_value(r->meta, msg);
            if (!value)
                continue;
            break;
        }
        if (!value) {
            err = C360_ERR_NOMEM;
            goto fail;
        }
        if ((err = target_set(canon, r->target, value, diag)))
            goto fail;
    }
    compact_lists(canon, 0);
    *out = canon;
    return C360_OK;
fail:
    json_decref(canon);
    return err;
}
