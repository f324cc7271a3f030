/*
 * c360 codec — Avro rows for mapped topics. A Kafka Connect JDBC source with
 * the AvroConverter writes each row with the table's column names
 * (GLOBAL_TRANSACTION_ID, AMOUNT…), which no canonical reader schema
 * resolves. For a topic that declares a mapping, the datum is read here by
 * its writer schema alone into a JSON object, and the mapping does the rest,
 * as for every JSON format.
 *
 * The datum is read straight from the writer schema's JSON (Avro 1.11
 * specification, "Binary Encoding"), because avro-c 1.11 drops logical
 * types, and these rows are full of them: decimal (Connect Decimal) columns
 * become decimal text, date columns YYYY-MM-DD, timestamp-millis and
 * timestamp-micros columns epoch milliseconds. Every length and count comes
 * from the input, so each is checked against the bytes left and a cap.
 */
#include "codec_int.h"

#include "c360/registry.h"
#include "c360/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_LEN 5
/* Nesting of a schema and of a datum. */
#define DEPTH_MAX 32
/* Array and map items in one datum, all together. */
#define ITEMS_MAX 65536

struct writer {
    int32_t id;
    json_t *schema; /* the parsed schema (owned) */
    json_t *names;  /* full and short names of named types → their schema (owned) */
};

struct c360_avro_rows {
    struct c360_registry *reg; /* borrowed */
    struct writer writers[C360_CODEC_AVRO_WRITERS_MAX];
    size_t count;
};

enum c360_err c360_avro_rows_new(struct c360_registry *reg, struct c360_avro_rows **out)
{
    struct c360_avro_rows *rows = calloc(1, sizeof(*rows));
    if (!rows)
        return C360_ERR_NOMEM;
    rows->reg = reg;
    *out = rows;
    return C360_OK;
}

void c360_avro_rows_destroy(struct c360_avro_rows *rows)
{
    if (!rows)
        return;
    for (size_t i = 0; i < rows->count; i++) {
        json_decref(rows->writers[i].schema);
        json_decref(rows->writers[i].names);
    }
    free(rows);
}

void c360_avro_rows_set_registry(struct c360_avro_rows *rows, struct c360_registry *reg)
{
    rows->reg = reg;
}

/* --- Named types. A reference may use the full name or, inside the same
 * namespace, the short one; both are registered (a short name used twice in
 * different namespaces keeps its first definition, as references in those
 * schemas are written in full). */

static enum c360_err names_collect(json_t *names, json_t *schema, const char *ns, int depth,
                                   struct c360_diag *diag)
{
    if (depth > DEPTH_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "schema", "nested deeper than %d", DEPTH_MAX);
    if (json_is_array(schema)) {
        json_t *branch;
        size_t i;
        json_array_foreach(schema, i, branch)
        {
            enum c360_err err = names_collect(names, branch, ns, depth + 1, diag);
            if (err)
                return err;
        }
        return C360_OK;
    }
    if (!json_is_object(schema))
        return C360_OK;
    const char *type = json_string_value(json_object_get(schema, "type"));
    if (!type)
        return names_collect(names, json_object_get(schema, "type"), ns, depth + 1, diag);
    const char *name = json_string_value(json_object_get(schema, "name"));
    if (name && (strcmp(type, "record") == 0 || strcmp(type, "error") == 0 ||
                 strcmp(type, "enum") == 0 || strcmp(type, "fixed") == 0)) {
        const char *own_ns = json_string_value(json_object_get(schema, "namespace"));
        if (own_ns)
            ns = own_ns;
        char full[512];
        const char *dot = strrchr(name, '.');
        snprintf(full, sizeof(full), "%s%s%s", dot || !ns || !*ns ? "" : ns,
                 dot || !ns || !*ns ? "" : ".", name);
        json_object_set(names, full, schema);
        if (!json_object_get(names, dot ? dot + 1 : name))
            json_object_set(names, dot ? dot + 1 : name, schema);
    }
    enum c360_err err = C360_OK;
    json_t *field;
    size_t i;
    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
        json_array_foreach(json_object_get(schema, "fields"), i, field)
        {
            if ((err = names_collect(names, json_object_get(field, "type"), ns, depth + 1, diag)))
                return err;
        }
    } else if (strcmp(type, "array") == 0) {
        err = names_collect(names, json_object_get(schema, "items"), ns, depth + 1, diag);
    } else if (strcmp(type, "map") == 0) {
        err = names_collect(names, json_object_get(schema, "values"), ns, depth + 1, diag);
    }
    return err;
}

static enum c360_err writer_add(struct c360_avro_rows *rows, int32_t id, const char *text,
                                struct writer **out, struct c360_diag *diag)
{
    json_error_t jerr;
    if (rows->count == C360_CODEC_AVRO_WRITERS_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "schema id %d: this topic already has %d writer schemas", (int)id,
                              C360_CODEC_AVRO_WRITERS_MAX);
    json_t *schema = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!schema)
        return c360_diag_fail(diag, C360_ERR_INVALID, "schema", "schema id %d is not JSON: %s",
                              (int)id, jerr.text);
    json_t *names = json_object();
    enum c360_err err = names_collect(names, schema, "", 0, diag);
    if (err) {
        json_decref(schema);
        json_decref(names);
        return err;
    }
    struct writer *w = &rows->writers[rows->count++];
    *w = (struct writer){.id = id, .schema = schema, .names = names};
    *out = w;
    return C360_OK;
}

enum c360_err c360_avro_rows_add_writer(struct c360_avro_rows *rows, int32_t id,
                                        const char *schema_json, struct c360_diag *diag)
{
    struct writer *w;
    return writer_add(rows, id, schema_json, &w, diag);
}

static enum c360_err writer_get(struct c360_avro_rows *rows, int32_t id, struct writer **out,
                                struct c360_diag *diag)
{
    enum c360_err err;
    avro_schema_t unused;
    for (size_t i = 0; i < rows->count; i++) {
        if (rows->writers[i].id == id) {
            *out = &rows->writers[i];
            return C360_OK;
        }
    }
    if (!rows->reg)
        return c360_diag_fail(diag, C360_ERR_INVALID, "schema.registry.url",
                              "schema id %d: no Schema Registry is configured", (int)id);
    if ((err = c360_registry_schema(rows->reg, id, &unused, diag)))
        return err;
    return writer_add(rows, id, c360_registry_schema_text(rows->reg, id), out, diag);
}

/* --- The datum. */

struct reader {
    const unsigned char *p, *end;
    const struct writer *w;
    size_t items;
    const char *field; /* the record field being read, for diagnostics */
};

static enum c360_err bad(const struct reader *r, const char *what, struct c360_diag *diag)
{
    return c360_diag_fail(diag, C360_ERR_INVALID, r->field, "%s (schema id %d)", what,
                          (int)r->w->id);
}

/* A zig-zag varint long (at most 10 bytes). */
static enum c360_err read_long(struct reader *r, int64_t *out, struct c360_diag *diag)
{
    uint64_t u = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p == r->end)
            return bad(r, "the datum ends inside a number", diag);
        unsigned char b = *r->p++;
        u |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return C360_OK;
        }
    }
    return bad(r, "a number longer than 10 bytes", diag);
}

/* n bytes of the datum, borrowed. */
static enum c360_err read_bytes(struct reader *r, int64_t n, const unsigned char **out,
                                struct c360_diag *diag)
{
    if (n < 0 || n > r->end - r->p)
        return bad(r, "a length beyond the end of the datum", diag);
    *out = r->p;
    r->p += n;
    return C360_OK;
}

static enum c360_err read_value(struct reader *r, json_t *schema, int depth, json_t **out,
                                struct c360_diag *diag);

/* Array or map blocks: count, then (for a negative count) the block's size. */
static enum c360_err read_blocks(struct reader *r, json_t *schema, bool map, int depth,
                                 json_t **out, struct c360_diag *diag)
{
    json_t *items = map ? json_object_get(schema, "values") : json_object_get(schema, "items");
    json_t *coll = map ? json_object() : json_array();
    enum c360_err err;
    for (;;) {
        int64_t n, size;
        if ((err = read_long(r, &n, diag)))
            goto fail;
        if (n == 0)
            break;
        if (n < 0) {
            if (n == INT64_MIN) {
                err = bad(r, "a block count out of range", diag);
                goto fail;
            }
            n = -n;
            if ((err = read_long(r, &size, diag)))
                goto fail;
        }
        if ((uint64_t)n > ITEMS_MAX - r->items) {
            err = c360_diag_fail(diag, C360_ERR_LIMIT, r->field,
                                 "more than %d array and map items in one datum", ITEMS_MAX);
            goto fail;
        }
        r->items += (size_t)n;
        for (int64_t i = 0; i < n; i++) {
            json_t *v;
            char *key = NULL;
            if (map) {
                int64_t klen;
                const unsigned char *kb = NULL;
                if ((err = read_long(r, &klen, diag)) || (err = read_bytes(r, klen, &kb, diag)))
                    goto fail;
                if (!(key = strndup((const char *)kb, (size_t)klen))) {
                    err = C360_ERR_NOMEM;
                    goto fail;
                }
            }
            if ((err = read_value(r, items, depth + 1, &v, diag))) {
                free(key);
                goto fail;
            }
            if (map)
                json_object_set_new(coll, key, v);
            else
                json_array_append_new(coll, v);
            free(key);
        }
    }
    *out = coll;
    return C360_OK;
fail:
    json_decref(coll);
    return err;
}

static enum c360_err read_record(struct reader *r, json_t *schema, int depth, json_t **out,
                                 struct c360_diag *diag)
{
    json_t *obj = json_object(), *field;
    size_t i;
    const char *outer = r->field;
    json_array_foreach(json_object_get(schema, "fields"), i, field)
    {
        const char *name = json_string_value(json_object_get(field, "name"));
        json_t *v;
        if (!name) {
            json_decref(obj);
            return bad(r, "a record field without a name", diag);
        }
        r->field = name;
        enum c360_err err = read_value(r, json_object_get(field, "type"), depth + 1, &v, diag);
        if (err) {
            json_decref(obj);
            return err;
        }
        json_object_set_new(obj, name, v);
    }
    r->field = outer;
    *out = obj;
    return C360_OK;
}

/* The scale of a decimal schema: Avro's "scale", or Connect's parameter. */
static int decimal_scale(json_t *schema)
{
    json_t *scale = json_object_get(schema, "scale");
    if (json_is_integer(scale))
        return (int)json_integer_value(scale);
    const char *text =
        json_string_value(json_object_get(json_object_get(schema, "connect.parameters"), "scale"));
    return text ? atoi(text) : 0;
}

/* A primitive or logical value; type is the schema's type name. */
static enum c360_err read_primitive(struct reader *r, json_t *schema, const char *type,
                                    json_t **out, struct c360_diag *diag)
{
    const char *logical = json_string_value(json_object_get(schema, "logicalType"));
    const unsigned char *b = NULL;
    int64_t v, n;
    char buf[64];
    enum c360_err err;
    if (strcmp(type, "null") == 0) {
        *out = json_null();
    } else if (strcmp(type, "boolean") == 0) {
        if ((err = read_bytes(r, 1, &b, diag)))
            return err;
        if (*b > 1)
            return bad(r, "a boolean that is neither 0 nor 1", diag);
        *out = json_boolean(*b);
    } else if (strcmp(type, "int") == 0 || strcmp(type, "long") == 0) {
        if ((err = read_long(r, &v, diag)))
            return err;
        if (strcmp(type, "int") == 0 && (v < INT32_MIN || v > INT32_MAX))
            return bad(r, "an int out of range", diag);
        if (logical && strcmp(logical, "date") == 0) {
            if (v < C360_TIME_MIN_MS / C360_MS_PER_DAY || v > C360_TIME_MAX_MS / C360_MS_PER_DAY)
                return bad(r, "a date outside years 0001-9999", diag);
            *out = json_string(c360_date_format((int32_t)v, buf, sizeof(buf)));
        } else if (logical && strcmp(logical, "timestamp-micros") == 0) {
            *out = json_integer(v / 1000 - (v % 1000 < 0)); /* floor */
        } else {
            *out = json_integer(v);
        }
    } else if (strcmp(type, "float") == 0 || strcmp(type, "double") == 0) {
        size_t size = type[0] == 'f' ? 4 : 8;
        if ((err = read_bytes(r, (int64_t)size, &b, diag)))
            return err;
        uint64_t u = 0;
        for (size_t i = size; i-- > 0;)
            u = u << 8 | b[i]; /* little-endian */
        double d;
        if (size == 4) {
            uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, sizeof(f));
            d = f;
        } else {
            memcpy(&d, &u, sizeof(d));
        }
        *out = d == d && d - d == 0 ? json_real(d) : json_null(); /* JSON has no NaN or inf */
    } else if (strcmp(type, "bytes") == 0 || strcmp(type, "fixed") == 0) {
        if (strcmp(type, "fixed") == 0) {
            json_t *size = json_object_get(schema, "size");
            n = json_integer_value(size);
            if (!json_is_integer(size) || n < 0)
                return bad(r, "a fixed type without a size", diag);
        } else if ((err = read_long(r, &n, diag))) {
            return err;
        }
        if ((err = read_bytes(r, n, &b, diag)))
            return err;
        if (!logical || strcmp(logical, "decimal") != 0) {
            *out = json_null(); /* plain bytes are never mapped */
            return C360_OK;
        }
        if ((err = c360_codec_decimal_text(b, (size_t)n, decimal_scale(schema), r->field, buf,
                                           sizeof(buf), diag)))
            return err;
        *out = json_string(buf);
    } else if (strcmp(type, "string") == 0) {
        if ((err = read_long(r, &n, diag)) || (err = read_bytes(r, n, &b, diag)))
            return err;
        if (!(*out = json_stringn((const char *)b, (size_t)n)))
            return bad(r, "a string that is not UTF-8", diag);
        return C360_OK;
    } else {
        return bad(r, "an unknown type in the writer schema", diag);
    }
    return *out ? C360_OK : C360_ERR_NOMEM;
}

static enum c360_err read_value(struct reader *r, json_t *schema, int depth, json_t **out,
                                struct c360_diag *diag)
{
    if (depth > DEPTH_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, r->field, "nested deeper than %d", DEPTH_MAX);
    if (json_is_array(schema)) { /* a union: the branch index, then its value */
        int64_t branch;
        enum c360_err err = read_long(r, &branch, diag);
        if (err)
            return err;
        if (branch < 0 || (size_t)branch >= json_array_size(schema))
            return bad(r, "a union branch the writer schema does not have", diag);
        return read_value(r, json_array_get(schema, (size_t)branch), depth + 1, out, diag);
    }
    if (json_is_string(schema)) {
        json_t *named = json_object_get(r->w->names, json_string_value(schema));
        if (named)
            return read_value(r, named, depth + 1, out, diag);
        return read_primitive(r, schema, json_string_value(schema), out, diag);
    }
    json_t *type = json_object_get(schema, "type");
    if (!json_is_string(type)) /* {"type": {...}} or {"type": [...]} */
        return type ? read_value(r, type, depth + 1, out, diag)
                    : bad(r, "a schema without a type", diag);
    const char *name = json_string_value(type);
    if (strcmp(name, "record") == 0 || strcmp(name, "error") == 0)
        return read_record(r, schema, depth, out, diag);
    if (strcmp(name, "array") == 0 || strcmp(name, "map") == 0)
        return read_blocks(r, schema, name[0] == 'm', depth, out, diag);
    if (strcmp(name, "enum") == 0) {
        int64_t index;
        enum c360_err err = read_long(r, &index, diag);
        json_t *symbols = json_object_get(schema, "symbols");
        if (err)
            return err;
        if (index < 0 || (size_t)index >= json_array_size(symbols))
            return bad(r, "an enum index the writer schema does not have", diag);
        *out = json_incref(json_array_get(symbols, (size_t)index));
        return C360_OK;
    }
    json_t *named = json_object_get(r->w->names, name);
    if (named && named != schema)
        return read_value(r, named, depth + 1, out, diag);
    return read_primitive(r, schema, name, out, diag);
}

enum c360_err c360_avro_rows_decode(struct c360_avro_rows *rows, const char *bytes, size_t len,
                                    json_t **out, struct c360_diag *diag)
{
    const unsigned char *b = (const unsigned char *)bytes;
    struct writer *w;
    enum c360_err err;
    *out = NULL;
    int32_t id;
    if ((err = c360_codec_avro_header(bytes, len, &id, diag)))
        return err;
    if ((err = writer_get(rows, id, &w, diag)))
        return err;
    struct reader r = {.p = b + HEADER_LEN, .end = b + len, .w = w};
    if ((err = read_value(&r, w->schema, 0, out, diag)))
        return err;
    if (r.p != r.end) {
        json_decref(*out);
        *out = NULL;
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "%td bytes after the end of the datum (schema id %d)", r.end - r.p,
                              (int)id);
    }
    return C360_OK;
}
