/*
 * c360 codec — per-topic codecs: wire format → source row → mapping →
 * canonical object → record. Kafka Connect JsonConverter and Debezium
 * envelopes are taken apart here; the last two steps are shared by all, and
 * a mapping whose targets are all record fields skips the canonical object
 * (mapping.c, c360_mapping_record), falling back to it for what it leaves.
 *
 * Connect and Debezium messages with a schema are read first without a DOM
 * (connect.c, through the codec's schema cache); what that path leaves, and
 * every message it would refuse, goes through jansson and connect_convert
 * below, which stay the reference for what is accepted and how a refusal
 * reads.
 */
#include "codec_int.h"

#include "c360/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum codec_format {
    FORMAT_CANONICAL,
    FORMAT_JSON,
    FORMAT_CONNECT,
    FORMAT_DEBEZIUM,
    FORMAT_SFCDC,
    FORMAT_AVRO,
};

struct c360_codec {
    enum codec_format format;
    enum c360_entity entity;
    struct c360_mapping *mapping;       /* NULL: the source is canonical already */
    struct c360_codec_rows *rows;       /* borrowed; salesforce-cdc only */
    struct c360_avro *avro;             /* FORMAT_AVRO without a mapping */
    struct c360_avro_rows *avro_rows;   /* FORMAT_AVRO with a mapping */
    struct c360_connect_cache *schemas; /* connect-json and debezium */
    bool dom_only;                      /* every message through the DOM path */
    bool mapping_json;                  /* every mapping through the canonical object */
};

enum c360_err c360_codec_new(const struct c360_topic *topic, const char *format,
                             struct c360_codec **out, struct c360_diag *diag)
{
    enum c360_err err;
    enum c360_entity entity;
    if (!format)
        format = topic->format;
    if (topic->role != C360_TOPIC_INPUT || c360_entity_parse(topic->id, &entity))
        return c360_diag_fail(diag, C360_ERR_INVALID, topic->id,
                              "topic %s carries no canonical entity", topic->name);
    struct c360_codec *codec = calloc(1, sizeof(*codec));
    if (!codec)
        return C360_ERR_NOMEM;
    codec->entity = entity;
    if (strcmp(format, "canonical") == 0) {
        codec->format = FORMAT_CANONICAL;
    } else if (strcmp(format, "json") == 0) {
        codec->format = FORMAT_JSON;
    } else if (strcmp(format, "connect-json") == 0) {
        codec->format = FORMAT_CONNECT;
    } else if (strcmp(format, "debezium") == 0) {
        codec->format = FORMAT_DEBEZIUM;
    } else if (strcmp(format, "salesforce-cdc") == 0) {
        codec->format = FORMAT_SFCDC;
    } else if (strcmp(format, "avro") == 0) {
        codec->format = FORMAT_AVRO;
        if ((err = c360_avro_new(topic, entity, &codec->avro, diag)))
            goto fail;
    } else {
        err = c360_diag_fail(diag, C360_ERR_UNSUPPORTED, "format",
                             "no decoder for '%s' yet (so far: canonical, json, connect-json, "
                             "debezium, salesforce-cdc, avro)",
                             format);
        goto fail;
    }
    if ((codec->format == FORMAT_CONNECT || codec->format == FORMAT_DEBEZIUM) &&
        (err = c360_connect_cache_new(&codec->schemas)))
        goto fail;
    c360_diag_at(diag, topic->name, 0);
    /* Canonical JSON is canonical already; every other format is mapped. */
    if (codec->format != FORMAT_CANONICAL &&
        (err = c360_mapping_parse(topic->mapping, &codec->mapping, diag)))
        goto fail;
    /* Salesforce CDC merges rows as JSON objects and maps them itself, org
     * records through the canonical object (sfcdc.c adds to it). */
    if (codec->mapping && !(codec->format == FORMAT_SFCDC && (entity == C360_ENTITY_ORG_ACCOUNT ||
                                                              entity == C360_ENTITY_ORG_CONTACT)))
        c360_mapping_direct(codec->mapping, entity);
    /* Avro with a mapping is a row in the producer's own columns (a JDBC
     * source): read by its writer schema, then mapped like JSON. Without one,
     * the writer schema is resolved against the canonical reader schema. */
    if (codec->format == FORMAT_AVRO && codec->mapping) {
        c360_avro_destroy(codec->avro);
        codec->avro = NULL;
        if ((err = c360_avro_rows_new(NULL, &codec->avro_rows)))
            goto fail;
    }
    *out = codec;
    return C360_OK;
fail:
    c360_codec_destroy(codec);
    return err;
}

void c360_codec_set_rows(struct c360_codec *codec, struct c360_codec_rows *rows)
{
    codec->rows = rows;
}

void c360_codec_destroy(struct c360_codec *codec)
{
    if (!codec)
        return;
    c360_mapping_destroy(codec->mapping);
    c360_avro_rows_destroy(codec->avro_rows);
    c360_avro_destroy(codec->avro);
    c360_connect_cache_destroy(codec->schemas);
    free(codec);
}

enum c360_err c360_codec_set_avro(struct c360_codec *codec, struct c360_registry *reg,
                                  const struct c360_schema_set *schemas, struct c360_diag *diag)
{
    if (codec->avro_rows)
        c360_avro_rows_set_registry(codec->avro_rows, reg);
    return codec->avro ? c360_avro_setup(codec->avro, reg, schemas, diag) : C360_OK;
}

struct c360_avro *c360_codec_avro(const struct c360_codec *codec)
{
    return codec->avro;
}

struct c360_avro_rows *c360_codec_avro_rows(const struct c360_codec *codec)
{
    return codec->avro_rows;
}

struct c360_connect_cache *c360_codec_connect_cache(const struct c360_codec *codec)
{
    return codec->schemas;
}

void c360_codec_set_dom_only(struct c360_codec *codec, bool dom_only)
{
    codec->dom_only = dom_only;
}

void c360_codec_set_mapping_json(struct c360_codec *codec, bool mapping_json)
{
    codec->mapping_json = mapping_json;
}

bool c360_codec_mapping_direct(const struct c360_codec *codec)
{
    return c360_mapping_is_direct(codec->mapping);
}

/* --- Kafka Connect logical types. */

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 (RFC 4648 §4, padded) of n bytes into at most cap bytes. */
static bool b64_decode(const char *text, size_t n, unsigned char *out, size_t cap, size_t *len)
{
    size_t o = 0;
    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int j = 0; j < 4; j++) {
            v[j] = text[i + j] == '=' && i + 4 == n && j >= 2 ? 0 : b64_value(text[i + j]);
            if (v[j] < 0)
                return false;
        }
        if (text[i + 2] == '=' && text[i + 3] != '=')
            return false;
        unsigned char bytes[3] = {(unsigned char)(v[0] << 2 | v[1] >> 4),
                                  (unsigned char)((v[1] & 15) << 4 | v[2] >> 2),
                                  (unsigned char)((v[2] & 3) << 6 | v[3])};
        int take = text[i + 2] == '=' ? 1 : text[i + 3] == '=' ? 2 : 3;
        for (int j = 0; j < take; j++) {
            if (o == cap)
                return false;
            out[o++] = bytes[j];
        }
    }
    *len = o;
    return true;
}

enum c360_err c360_codec_decimal_text(const unsigned char *bytes, size_t n, int scale,
                                      const char *field, char *buf, size_t size,
                                      struct c360_diag *diag)
{
    if (n == 0 || scale < 0 || scale > C360_CODEC_DECIMAL_SCALE_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, field,
                              "a decimal needs at least one byte and a scale of 0-%d",
                              C360_CODEC_DECIMAL_SCALE_MAX);
    bool negative = bytes[0] & 0x80;
    /* Bytes beyond eight must be sign extension, or the value is out of range. */
    for (size_t i = 0; i + 8 < n; i++) {
        if (bytes[i] != (negative ? 0xFF : 0x00))
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "Decimal out of range");
    }
    uint64_t u = negative ? UINT64_MAX : 0;
    for (size_t i = n > 8 ? n - 8 : 0; i < n; i++)
        u = u << 8 | bytes[i];
    if (n < 8 && negative)
        u |= UINT64_MAX << (8 * n); /* sign-extend a short value */
    uint64_t mag = negative ? (uint64_t)0 - u : u;
    /* By hand: this runs for every amount of every Connect message. */
    char digits[24], text[48], *p = text;
    int len = 0;
    do {
        digits[len++] = (char)('0' + mag % 10); /* least significant first */
        mag /= 10;
    } while (mag);
    int width = len > scale + 1 ? len : scale + 1; /* a digit before the point */
    if (negative)
        *p++ = '-';
    for (int i = width - 1; i >= 0; i--) {
        *p++ = i < len ? digits[i] : '0';
        if (i == scale && scale > 0)
            *p++ = '.';
    }
    size_t out_len = (size_t)(p - text);
    if (size > 0) {
        out_len = out_len < size - 1 ? out_len : size - 1;
        memcpy(buf, text, out_len);
        buf[out_len] = '\0';
    }
    return C360_OK;
}

enum c360_err c360_codec_connect_decimal(const char *b64, size_t b64_len, int scale,
                                         const char *field, char *buf, size_t size,
                                         struct c360_diag *diag)
{
    unsigned char bytes[32];
    size_t n;
    if (!b64_decode(b64, b64_len, bytes, sizeof(bytes), &n) || n == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "not a base64 Connect Decimal");
    return c360_codec_decimal_text(bytes, n, scale, field, buf, size, diag);
}

static enum c360_err connect_convert(json_t *schema, json_t *value, const char *field, int depth,
                                     json_t **out, struct c360_diag *diag);

/* A struct: each field of the schema converted by its own schema. */
static enum c360_err connect_struct(json_t *schema, json_t *value, int depth, json_t **out,
                                    struct c360_diag *diag)
{
    if (!json_is_object(value))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "payload does not match its struct");
    json_t *obj = json_object(), *fschema;
    size_t i;
    json_array_foreach(json_object_get(schema, "fields"), i, fschema)
    {
        const char *name = json_string_value(json_object_get(fschema, "field"));
        if (!name)
            continue;
        json_t *converted;
        enum c360_err err = connect_convert(fschema, json_object_get(value, name), name, depth + 1,
                                            &converted, diag);
        if (err) {
            json_decref(obj);
            return err;
        }
        json_object_set_new(obj, name, converted);
    }
    *out = obj;
    return C360_OK;
}

static enum c360_err connect_convert(json_t *schema, json_t *value, const char *field, int depth,
                                     json_t **out, struct c360_diag *diag)
{
    if (depth > C360_CONNECT_DEPTH_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, field, "schema nested deeper than %d",
                              C360_CONNECT_DEPTH_MAX);
    if (!value || json_is_null(value)) {
        *out = json_null();
        return C360_OK;
    }
    const char *type = json_string_value(json_object_get(schema, "type"));
    const char *name = json_string_value(json_object_get(schema, "name"));
    char buf[64];
    if (name && strcmp(name, "org.apache.kafka.connect.data.Decimal") == 0) {
        if (json_is_number(value)) { /* decimal.format=NUMERIC */
            *out = json_incref(value);
            return C360_OK;
        }
        const char *scale_text =
            json_string_value(json_object_get(json_object_get(schema, "parameters"), "scale"));
        int scale = scale_text ? atoi(scale_text) : -1;
        if (!json_is_string(value) || scale < 0 || scale > C360_CODEC_DECIMAL_SCALE_MAX)
            return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                  "a Decimal needs base64 bytes and a scale of 0-%d",
                                  C360_CODEC_DECIMAL_SCALE_MAX);
        enum c360_err err =
            c360_codec_connect_decimal(json_string_value(value), json_string_length(value), scale,
                                       field, buf, sizeof(buf), diag);
        if (err)
            return err;
        *out = json_string(buf);
        return C360_OK;
    }
    /* Debezium's own temporal types (time.precision.mode=adaptive, its default). */
    if (name && (strcmp(name, "io.debezium.time.MicroTimestamp") == 0 ||
                 strcmp(name, "io.debezium.time.NanoTimestamp") == 0)) {
        json_int_t per_ms = strcmp(name, "io.debezium.time.MicroTimestamp") == 0 ? 1000 : 1000000;
        json_int_t v = json_integer_value(value);
        json_int_t ms = v / per_ms - (v % per_ms < 0); /* floor before 1970 too */
        if (!json_is_integer(value) || c360_time_check(ms, NULL))
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "%s out of range", name);
        *out = json_integer(ms);
        return C360_OK;
    }
    if (name && strcmp(name, "org.apache.kafka.connect.data.Timestamp") == 0) {
        /* As text, so values kept as text (org fields) read as times too. */
        json_int_t ms = json_integer_value(value);
        if (!json_is_integer(value) || c360_time_check(ms, NULL))
            return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                  "a Connect Timestamp is epoch milliseconds within years "
                                  "0001-9999");
        *out = json_string(c360_time_format(ms, buf, sizeof(buf)));
        return C360_OK;
    }
    if (name && (strcmp(name, "org.apache.kafka.connect.data.Date") == 0 ||
                 strcmp(name, "io.debezium.time.Date") == 0)) {
        /* Bounded before any arithmetic: a day count can be anything. */
        json_int_t days = json_integer_value(value);
        if (!json_is_integer(value) || days < C360_TIME_MIN_MS / C360_MS_PER_DAY ||
            days > C360_TIME_MAX_MS / C360_MS_PER_DAY)
            return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                  "a Connect Date is days since 1970-01-01 within years 0001-9999");
        *out = json_string(c360_date_format((int32_t)days, buf, sizeof(buf)));
        return C360_OK;
    }
    if (type && strcmp(type, "struct") == 0)
        return connect_struct(schema, value, depth, out, diag);
    if (type && strcmp(type, "array") == 0 && json_is_array(value)) {
        json_t *arr = json_array(), *item;
        size_t i;
        json_array_foreach(value, i, item)
        {
            json_t *converted;
            enum c360_err err = connect_convert(json_object_get(schema, "items"), item, field,
                                                depth + 1, &converted, diag);
            if (err) {
                json_decref(arr);
                return err;
            }
            json_array_append_new(arr, converted);
        }
        *out = arr;
        return C360_OK;
    }
    /* Timestamp (int64 ms), Time and the primitives are already what we read. */
    *out = json_incref(value);
    return C360_OK;
}

/* {schema, payload} → the payload with logical types resolved (new). A value
 * without that envelope is returned as is (schemas.enable=false). */
static enum c360_err connect_unwrap(json_t *root, json_t **out, struct c360_diag *diag)
{
    json_t *schema = json_object_get(root, "schema"), *payload = json_object_get(root, "payload");
    if (json_is_object(root) && json_object_size(root) == 2 && schema && payload)
        return connect_convert(schema, payload, "payload", 0, out, diag);
    *out = json_incref(root);
    return C360_OK;
}

/* --- Shared tail: mapping, defaults, record. */

/* n as decimal text at p; returns the byte after it. */
static char *put_int(char *p, long long n)
{
    char digits[24];
    int len = 0;
    unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    do {
        digits[len++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        *p++ = '-';
    while (len > 0)
        *p++ = digits[--len];
    return p;
}

/* topic:partition:offset, the event id of a message without one. Written by
 * hand for every Connect message (snprintf was 3% of decoding one);
 * a topic too long for Kafka is left to snprintf, which truncates it. */
static const char *position_text(const struct c360_codec_msg *msg, char buf[512])
{
    size_t n = strlen(msg->topic);
    if (n > 400) {
        snprintf(buf, 512, "%s:%d:%lld", msg->topic, (int)msg->partition, (long long)msg->offset);
        return buf;
    }
    memcpy(buf, msg->topic, n);
    char *p = buf + n;
    *p++ = ':';
    p = put_int(p, msg->partition);
    *p++ = ':';
    p = put_int(p, msg->offset);
    *p = '\0';
    return buf;
}

static enum c360_err to_record(const struct c360_codec *codec, const struct c360_row *row,
                               const struct c360_codec_msg *msg, enum c360_change change,
                               int64_t occurred_default, struct c360_record *rec,
                               struct c360_diag *diag)
{
    json_t *canon; /* new */
    enum c360_err err;
    char position[512];
    if (codec->mapping && !codec->mapping_json && c360_mapping_is_direct(codec->mapping)) {
        struct c360_mapping_defaults defaults = {
            .change = change,
            .occurred_at = occurred_default,
            .event_id = msg->topic ? position_text(msg, position) : NULL};
        err = c360_mapping_record(codec->mapping, row, msg, &defaults, rec, diag);
        if (err != C360_ERR_UNSUPPORTED)
            return err;
        c360_record_reset(rec, rec->entity); /* the jansson path decides */
    }
    if (codec->mapping) {
        if ((err = c360_mapping_apply(codec->mapping, row, msg, &canon, diag)))
            return err;
    } else if (row->obj) {
        canon = json_incref(row->obj);
    } else if (!(canon = c360_row_json(row))) {
        return C360_ERR_NOMEM;
    }
    /* Sources without event ids of their own: the envelope's change and time,
     * and the message position, which reprocessing reproduces. */
    if (change != C360_CHANGE_NONE)
        json_object_set_new(canon, "changeType", json_string(c360_change_name(change)));
    if (!json_object_get(canon, "occurredAt") && occurred_default != C360_TIME_NONE)
        json_object_set_new(canon, "occurredAt", json_integer(occurred_default));
    if (!json_object_get(canon, "eventId") && msg->topic) {
        json_object_set_new(canon, "eventId", json_string(position_text(msg, position)));
    }
    err = c360_codec_record_from_json(canon, rec, diag);
    json_decref(canon);
    return err;
}

/* Debezium: op c/r/u carry the row in "after", d in "before" (Debezium
 * connector docs, "Data change events"); ts_ms is when the connector saw it. */
static enum c360_err debezium_decode(const struct c360_codec *codec, const struct c360_row *env,
                                     const struct c360_codec_msg *msg, struct c360_record *rec,
                                     struct c360_diag *diag)
{
    struct c360_row_val op, row = {.kind = C360_ROW_NULL}, ts;
    if (!c360_row_get(env, "op", &op) || op.kind != C360_ROW_STR)
        return c360_diag_fail(diag, C360_ERR_INVALID, "op", "not a Debezium envelope (no op)");
    /* One letter (strings hold no NUL, so the length says it). */
    char letter = op.len == 1 ? op.str[0] : '\0';
    enum c360_change change;
    if (letter == 'c' || letter == 'r' || letter == 'u') {
        change = C360_CHANGE_UPSERT;
    } else if (letter == 'd') {
        change = C360_CHANGE_DELETE;
    } else {
        return c360_diag_fail(diag, C360_ERR_INVALID, "op",
                              "'%.*s' is not a row change (c, r, u or d)",
                              (int)(op.len < 8 ? op.len : 8), op.str);
    }
    const char *side = change == C360_CHANGE_DELETE ? "before" : "after";
    struct c360_row json_row = {0};
    const struct c360_row *source = NULL;
    if (c360_row_get(env, side, &row) && row.kind == C360_ROW_ROW) {
        source = row.as.row;
    } else if (row.kind == C360_ROW_JSON && json_is_object(row.as.json)) {
        json_row.obj = row.as.json;
        source = &json_row;
    }
    if (!source)
        return c360_diag_fail(diag, C360_ERR_INVALID, side, "the row of op '%c' is missing",
                              letter);
    int64_t occurred = msg->timestamp;
    if (c360_row_get(env, "ts_ms", &ts) && ts.kind == C360_ROW_INT)
        occurred = ts.as.i;
    return to_record(codec, source, msg, change, occurred, rec, diag);
}

/* The Connect and Debezium messages with a schema read without a DOM;
 * C360_ERR_UNSUPPORTED: left to the DOM path. */
static enum c360_err connect_decode(const struct c360_codec *codec,
                                    const struct c360_codec_msg *msg, struct c360_record *rec,
                                    struct c360_diag *diag)
{
    struct c360_arena arena;
    const struct c360_row *payload;
    c360_arena_init(&arena);
    enum c360_err err = c360_connect_read(codec->schemas, msg->value, msg->len, &arena, &payload);
    if (err == C360_OK)
        err = codec->format == FORMAT_CONNECT
                  ? to_record(codec, payload, msg, C360_CHANGE_NONE, msg->timestamp, rec, diag)
                  : debezium_decode(codec, payload, msg, rec, diag);
    else if (err != C360_ERR_NOMEM)
        err = C360_ERR_UNSUPPORTED;
    c360_arena_release(&arena);
    return err;
}

/* A plain JSON row of a mapped topic read without a DOM (the DOM took most
 * of its decode); C360_ERR_UNSUPPORTED: read it through the DOM, which also
 * words the diagnostic of a malformed one. */
static enum c360_err row_decode(const struct c360_codec *codec, const struct c360_codec_msg *msg,
                                struct c360_record *rec, struct c360_diag *diag)
{
    struct c360_arena arena;
    const struct c360_row *row;
    c360_arena_init(&arena);
    enum c360_err err = c360_json_row_read(msg->value, msg->len, &arena, &row);
    if (err == C360_OK)
        err = to_record(codec, row, msg, C360_CHANGE_NONE, msg->timestamp, rec, diag);
    else if (err != C360_ERR_NOMEM)
        err = C360_ERR_UNSUPPORTED;
    c360_arena_release(&arena);
    return err;
}

enum c360_err c360_codec_decode(const struct c360_codec *codec, const struct c360_codec_msg *msg,
                                struct c360_record *rec, struct c360_diag *diag)
{
    size_t parts;
    return c360_codec_decode_part(codec, msg, 0, rec, &parts, diag);
}

enum c360_err c360_codec_decode_part(const struct c360_codec *codec,
                                     const struct c360_codec_msg *msg, size_t part,
                                     struct c360_record *rec, size_t *parts, struct c360_diag *diag)
{
    enum c360_err err;
    json_t *root = NULL, *value = NULL;
    c360_record_reset(rec, codec->entity);
    *parts = 1;
    if (part > 0 && codec->format != FORMAT_SFCDC)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "a message of this format has one part");

    if (!msg->value) {
        /* A tombstone: Debezium writes one after each delete, keyed like the row. */
        if (codec->format != FORMAT_DEBEZIUM)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                  "a null value (tombstone) is not a record of this format");
        if (!msg->key)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a tombstone without a key");
        if ((err = c360_codec_parse_json(msg->key, msg->key_len, "the key", &root, diag)) ||
            (err = connect_unwrap(root, &value, diag)))
            goto done;
        err = to_record(codec, &(struct c360_row){.obj = value}, msg, C360_CHANGE_DELETE,
                        msg->timestamp, rec, diag);
        goto done;
    }
    /* Canonical JSON has its own reader, which builds no DOM. */
    if (codec->format == FORMAT_CANONICAL)
        return c360_codec_json_decode(msg->value, msg->len, rec, diag);
    if (codec->format == FORMAT_AVRO && codec->avro)
        return c360_avro_decode(codec->avro, msg->value, msg->len, rec, diag);
    if (codec->format == FORMAT_AVRO) {
        if (!(err = c360_avro_rows_decode(codec->avro_rows, msg->value, msg->len, &root, diag)))
            err = to_record(codec, &(struct c360_row){.obj = root}, msg, C360_CHANGE_NONE,
                            msg->timestamp, rec, diag);
        goto done;
    }
    if (codec->schemas && !codec->dom_only &&
        (err = connect_decode(codec, msg, rec, diag)) != C360_ERR_UNSUPPORTED)
        return err;
    if (codec->format == FORMAT_JSON && codec->mapping && !codec->dom_only &&
        (err = row_decode(codec, msg, rec, diag)) != C360_ERR_UNSUPPORTED)
        return err;
    if ((err = c360_codec_parse_json(msg->value, msg->len, "the value", &root, diag)))
        goto done;
    switch (codec->format) {
    case FORMAT_CANONICAL: /* read above, without a DOM */
    case FORMAT_AVRO:
        break;
    case FORMAT_JSON:
        err = to_record(codec, &(struct c360_row){.obj = root}, msg, C360_CHANGE_NONE,
                        msg->timestamp, rec, diag);
        break;
    case FORMAT_CONNECT:
        if (!json_object_get(root, "schema") || !json_object_get(root, "payload")) {
            err = c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                 "not a Kafka Connect JSON envelope {schema, payload}");
            break;
        }
        if (!(err = connect_unwrap(root, &value, diag)))
            err = to_record(codec, &(struct c360_row){.obj = value}, msg, C360_CHANGE_NONE,
                            msg->timestamp, rec, diag);
        break;
    case FORMAT_DEBEZIUM:
        if (!(err = connect_unwrap(root, &value, diag)))
            err = debezium_decode(codec, &(struct c360_row){.obj = value}, msg, rec, diag);
        break;
    case FORMAT_SFCDC:
        if (!(err = connect_unwrap(root, &value, diag)))
            err = c360_codec_sfcdc_decode(codec->mapping, !codec->mapping_json, codec->rows, value,
                                          msg, part, rec, parts, diag);
        break;
    }
done:
    json_decref(value);
    json_decref(root);
    return err;
}
