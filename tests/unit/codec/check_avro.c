/*
 * Suite codec: the Avro decoder (src/codec/avro.c) through c360_codec_decode,
 * with writer schemas served by the stub registry (http_stub.c).
 *
 * Golden cases live in tests/data/avro/<topic id>/<case>/:
 *   writer.avsc   the writer schema (default: the topic's schema in schemas/)
 *   datum.json    the datum, written here with avro-c's writer: unions take
 *                 the branch that fits the JSON value, an enum its symbol, a
 *                 decimal its unscaled value as an integer or as hex bytes;
 *                 or value.hex, the datum's bytes in hex
 *   expected.json / expected.err   as for the other formats (check_codec.c)
 * The writer schema is served as id 7; the message is 0x00, 7 (big-endian),
 * then the datum. C360_GOLDEN_UPDATE=1 writes the expected files.
 */
#include "c360/codec.h"
#include "c360/file.h"
#include "c360/registry.h"
#include "c360/schema.h"

#include "check_codec.h"
#include "codec_int.h"
#include "http_stub.h"

#include <avro.h>
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA C360_TEST_DATA "/avro"
#define SCHEMAS C360_SOURCE_DIR "/schemas"
#define WIRE_MAX 65536

static const struct http_stub_reply not_found[] = {
    {.status = 404, .body = "{\"error_code\":40403,\"message\":\"Schema not found\"}"}};

/* libcurl honours proxy variables; the stub must be reached directly. */
static void setup(void)
{
    static const char *const vars[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t n = 0;
    if (c360_file_read(path, 1024 * 1024, &text, &n, NULL) != C360_OK)
        return NULL;
    while (n > 0 && text[n - 1] == '\n')
        text[--n] = '\0';
    return text;
}

/* The registry's answer for a schema: {"schema": "<text>"}; new. */
static char *registry_answer(const char *schema_text)
{
    json_t *obj = json_pack("{s:s}", "schema", schema_text);
    char *body = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    return body;
}

/* --- Writing datums with avro-c, from a JSON description. */

static size_t hex_bytes(const char *hex, unsigned char *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

/* The shortest big-endian two's complement of v. */
static size_t twos_complement(long long v, unsigned char out[8])
{
    size_t n = 8;
    for (size_t i = 0; i < 8; i++)
        out[7 - i] = (unsigned char)((unsigned long long)v >> (8 * i));
    size_t skip = 0;
    while (skip < 7 && ((out[skip] == 0x00 && !(out[skip + 1] & 0x80)) ||
                        (out[skip] == 0xFF && (out[skip + 1] & 0x80))))
        skip++;
    memmove(out, out + skip, n - skip);
    return n - skip;
}

static bool fits(avro_schema_t branch, json_t *j)
{
    switch (avro_typeof(branch)) {
    case AVRO_STRING:
    case AVRO_ENUM:
        return json_is_string(j);
    case AVRO_BYTES:
        return json_is_string(j) || json_is_integer(j);
    case AVRO_INT32:
    case AVRO_INT64:
        return json_is_integer(j);
    case AVRO_RECORD:
    case AVRO_MAP:
        return json_is_object(j);
    case AVRO_ARRAY:
        return json_is_array(j);
    case AVRO_BOOLEAN:
        return json_is_boolean(j);
    default:
        return false;
    }
}

static void set_value(avro_value_t *v, json_t *j)
{
    avro_schema_t schema = avro_value_get_schema(v);
    avro_value_t child;
    switch (avro_value_get_type(v)) {
    case AVRO_NULL:
        ck_assert_int_eq(avro_value_set_null(v), 0);
        break;
    case AVRO_BOOLEAN:
        ck_assert_int_eq(avro_value_set_boolean(v, json_is_true(j)), 0);
        break;
    case AVRO_INT32:
        ck_assert_int_eq(avro_value_set_int(v, (int32_t)json_integer_value(j)), 0);
        break;
    case AVRO_INT64:
        ck_assert_int_eq(avro_value_set_long(v, json_integer_value(j)), 0);
        break;
    case AVRO_STRING:
        ck_assert_msg(json_is_string(j), "a string is needed");
        ck_assert_int_eq(
            avro_value_set_string_len(v, json_string_value(j), json_string_length(j) + 1), 0);
        break;
    case AVRO_BYTES: {
        unsigned char buf[64];
        size_t n = json_is_integer(j) ? twos_complement(json_integer_value(j), buf)
                                      : hex_bytes(json_string_value(j), buf);
        ck_assert_int_eq(avro_value_set_bytes(v, buf, n), 0);
        break;
    }
    case AVRO_ENUM: {
        int idx = avro_schema_enum_get_by_name(schema, json_string_value(j));
        ck_assert_msg(idx >= 0, "no symbol %s", json_string_value(j));
        ck_assert_int_eq(avro_value_set_enum(v, idx), 0);
        break;
    }
    case AVRO_UNION: {
        size_t n = avro_schema_union_size(schema);
        for (size_t i = 0; i < n; i++) {
            avro_schema_t b = avro_schema_union_branch(schema, (int)i);
            while (is_avro_link(b))
                b = avro_schema_link_target(b);
            if ((!j || json_is_null(j)) ? is_avro_null(b) : fits(b, j)) {
                ck_assert_int_eq(avro_value_set_branch(v, (int)i, &child), 0);
                set_value(&child, j);
                return;
            }
        }
        ck_abort_msg("no union branch fits");
        break;
    }
    case AVRO_RECORD: {
        size_t n;
        ck_assert_int_eq(avro_value_get_size(v, &n), 0);
        for (size_t i = 0; i < n; i++) {
            const char *name;
            ck_assert_int_eq(avro_value_get_by_index(v, i, &child, &name), 0);
            json_t *member = json_object_get(j, name);
            avro_type_t t = avro_value_get_type(&child);
            if (!member && (t == AVRO_ARRAY || t == AVRO_MAP))
                continue;
            ck_assert_msg(member || t == AVRO_UNION, "datum lacks %s", name);
            set_value(&child, member);
        }
        break;
    }
    case AVRO_ARRAY: {
        size_t i;
        json_t *item;
        json_array_foreach(j, i, item)
        {
            ck_assert_int_eq(avro_value_append(v, &child, NULL), 0);
            set_value(&child, item);
        }
        break;
    }
    case AVRO_MAP: {
        const char *key;
        json_t *item;
        json_object_foreach(j, key, item)
        {
            ck_assert_int_eq(avro_value_add(v, key, &child, NULL, NULL), 0);
            set_value(&child, item);
        }
        break;
    }
    default:
        ck_abort_msg("type not supported by the test writer");
    }
}

/* Writes the wire message (header with id, then the datum) into out. */
static size_t wire_message(const char *schema_text, json_t *datum, int32_t id, char *out,
                           size_t cap)
{
    avro_schema_t schema;
    avro_value_t value;
    ck_assert_msg(avro_schema_from_json_length(schema_text, strlen(schema_text), &schema) == 0,
                  "%s", avro_strerror());
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    ck_assert_int_eq(avro_generic_value_new(iface, &value), 0);
    set_value(&value, datum);
    out[0] = 0;
    out[1] = (char)(id >> 24);
    out[2] = (char)(id >> 16);
    out[3] = (char)(id >> 8);
    out[4] = (char)id;
    avro_writer_t w = avro_writer_memory(out + 5, (int64_t)(cap - 5));
    ck_assert_msg(avro_value_write(w, &value) == 0, "%s", avro_strerror());
    size_t len = 5 + (size_t)avro_writer_tell(w);
    avro_writer_free(w);
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return len;
}

/* --- A topic's avro codec against a registry URL. */

struct fixture {
    struct c360_topic_set *topics;
    struct c360_topic topic; /* a copy; its mapping dropped unless the case is a row */
    struct c360_schema_set *schemas;
    struct c360_registry *reg;
    struct c360_codec *codec;
    struct c360_record *rec;
};

/* A topic's Avro codec: canonical (the topic's schema resolves the writer's)
 * unless mapped, when the datum is a row in the producer's own columns that
 * the topic's mapping takes apart. */
static void fixture_open_as(struct fixture *f, const char *topic_id, const char *url, int attempts,
                            bool mapped)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    memset(f, 0, sizeof(*f));
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &f->topics, NULL), C360_OK);
    ck_assert_int_eq(c360_schema_set_load_dir(SCHEMAS, &f->schemas, NULL), C360_OK);
    if (url) {
        struct c360_registry_opts opts = {.url = url,
                                          .timeout_ms = 5000,
                                          .max_attempts = attempts,
                                          .backoff_ms = 1,
                                          .backoff_max_ms = 4};
        ck_assert_int_eq(c360_registry_new(&opts, &f->reg, NULL), C360_OK);
    }
    const struct c360_topic *topic = c360_topic_set_find(f->topics, topic_id);
    ck_assert_ptr_nonnull(topic);
    f->topic = *topic;
    if (!mapped)
        f->topic.mapping = "";
    ck_assert_msg(c360_codec_new(&f->topic, "avro", &f->codec, &diag) == C360_OK, "%s", diag.text);
    ck_assert_msg(c360_codec_set_avro(f->codec, f->reg, f->schemas, &diag) == C360_OK, "%s",
                  diag.text);
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &f->rec), C360_OK);
}

static void fixture_open(struct fixture *f, const char *topic_id, const char *url, int attempts)
{
    fixture_open_as(f, topic_id, url, attempts, false);
}

static void fixture_close(struct fixture *f)
{
    c360_record_destroy(f->rec);
    c360_codec_destroy(f->codec);
    c360_registry_destroy(f->reg);
    c360_schema_set_destroy(f->schemas);
    c360_topic_set_destroy(f->topics);
}

static enum c360_err decode(struct fixture *f, const char *bytes, size_t len,
                            struct c360_diag *diag)
{
    struct c360_codec_msg msg = {.topic = "t", .timestamp = 1, .value = bytes, .len = len};
    c360_diag_clear(diag);
    return c360_codec_decode(f->codec, &msg, f->rec, diag);
}

/* --- Golden cases. */

static void run_case(const char *topic_id, const char *dir)
{
    char path[8300], wire[WIRE_MAX];
    struct c360_diag diag;
    struct fixture f;

    snprintf(path, sizeof(path), "%s/writer.avsc", dir);
    char *writer = slurp(path);
    if (!writer) {
        struct c360_topic_set *topics;
        ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL),
                         C360_OK);
        snprintf(path, sizeof(path), "%s/%s", SCHEMAS,
                 c360_topic_set_find(topics, topic_id)->schema);
        c360_topic_set_destroy(topics);
        writer = slurp(path);
    }
    ck_assert_ptr_nonnull(writer);
    char *answer = registry_answer(writer);
    const struct http_stub_reply ok[] = {{.status = 200, .body = answer}};
    const struct http_stub_route routes[] = {{"/schemas/ids/7", ok, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    /* Cases named row-* are producer rows for the topic's mapping. */
    const char *case_name = strrchr(dir, '/');
    fixture_open_as(&f, topic_id, http_stub_url(stub), 1,
                    case_name && strncmp(case_name + 1, "row-", 4) == 0);

    size_t len;
    snprintf(path, sizeof(path), "%s/datum.json", dir);
    json_t *datum = json_load_file(path, 0, NULL);
    if (datum) {
        len = wire_message(writer, datum, 7, wire, sizeof(wire));
        json_decref(datum);
    } else {
        snprintf(path, sizeof(path), "%s/value.hex", dir);
        char *hex = slurp(path);
        ck_assert_msg(hex != NULL, "%s: neither datum.json nor value.hex", dir);
        memcpy(wire, "\0\0\0\0\7", 5);
        len = 5 + hex_bytes(hex, (unsigned char *)wire + 5);
        free(hex);
    }
    enum c360_err err = decode(&f, wire, len, &diag);
    char got_err[1024], *json = NULL;
    snprintf(got_err, sizeof(got_err), "%s: %s", diag.field, diag.text);
    if (!err)
        ck_assert_int_eq(c360_codec_json_encode(f.rec, C360_CODEC_PRETTY, &json), C360_OK);
    snprintf(path, sizeof(path), "%s/expected.err", dir);
    char *want_err = slurp(path);
    snprintf(path, sizeof(path), "%s/expected.json", dir);
    char *want_json = slurp(path);
    if (getenv("C360_GOLDEN_UPDATE")) {
        snprintf(path, sizeof(path), "%s/%s", dir, err ? "expected.err" : "expected.json");
        FILE *out = fopen(path, "w");
        ck_assert_ptr_nonnull(out);
        fprintf(out, "%s\n", err ? got_err : json);
        fclose(out);
    } else if (want_err) {
        ck_assert_msg(err != C360_OK, "%s: accepted, expected '%s'", dir, want_err);
        ck_assert_msg(strcmp(got_err, want_err) == 0, "%s:\n got  '%s'\n want '%s'", dir, got_err,
                      want_err);
    } else {
        ck_assert_msg(want_json != NULL, "%s: neither expected.json nor expected.err", dir);
        ck_assert_msg(err == C360_OK, "%s: refused: %s", dir, got_err);
        ck_assert_msg(strcmp(json, want_json) == 0, "%s:\n got\n%s\n want\n%s", dir, json,
                      want_json);
    }
    /* One request for the schema, whatever came of the datum. */
    ck_assert_int_eq(http_stub_requests(stub, NULL), 1);
    free(json);
    free(want_err);
    free(want_json);
    fixture_close(&f);
    http_stub_stop(stub);
    free(answer);
    free(writer);
}

START_TEST(test_c360_codec_decode_avro_golden_files)
{
    struct c360_file_list dirs, cases;
    char dir[4096], case_dir[8192];
    int checked = 0, topics = 0;
    ck_assert_int_eq(c360_file_list_dir(DATA, "", 16, &dirs, NULL), C360_OK);
    for (size_t t = 0; t < dirs.count; t++) {
        snprintf(dir, sizeof(dir), "%s/%s", DATA, dirs.names[t]);
        ck_assert_int_eq(c360_file_list_dir(dir, "", 256, &cases, NULL), C360_OK);
        for (size_t c = 0; c < cases.count; c++) {
            snprintf(case_dir, sizeof(case_dir), "%s/%s", dir, cases.names[c]);
            run_case(dirs.names[t], case_dir);
            checked++;
        }
        c360_file_list_free(&cases);
        topics++;
    }
    c360_file_list_free(&dirs);
    /* Every input entity, and the cases of financial-transaction. */
    ck_assert_int_eq(topics, 7);
    ck_assert_int_ge(checked, 25);
}
END_TEST

/* --- Messages refused before any schema is fetched. */

static const struct {
    const char *name;
    const char *bytes;
    size_t len;
    const char *want;
} header_cases[] = {
    {"empty", "", 0, "a message of 0 bytes is shorter than the 5-byte Schema Registry header"},
    {"four bytes", "\0\0\0\7", 4,
     "a message of 4 bytes is shorter than the 5-byte Schema Registry header"},
    {"wrong magic", "\1\0\0\0\7\2", 6,
     "wrong magic byte 0x01, expected 0 (Schema Registry wire format)"},
    {"JSON", "{\"eventId\":1}", 13,
     "wrong magic byte 0x7b, expected 0 (Schema Registry wire format)"},
};

START_TEST(test_c360_codec_decode_avro_refuses_bad_header)
{
    struct fixture f;
    struct c360_diag diag;
    const struct http_stub_route routes[] = {{"/schemas/ids/7", not_found, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    fixture_open(&f, "financial-transaction", http_stub_url(stub), 1);
    ck_assert_int_eq(decode(&f, header_cases[_i].bytes, header_cases[_i].len, &diag),
                     C360_ERR_INVALID);
    ck_assert_msg(strstr(diag.text, header_cases[_i].want), "%s: %s", header_cases[_i].name,
                  diag.text);
    ck_assert_int_eq(http_stub_requests(stub, NULL), 0);
    fixture_close(&f);
    http_stub_stop(stub);
}
END_TEST

/* --- Registry failures: bounded retries, then a diagnostic naming the id. */

START_TEST(test_c360_codec_decode_avro_unknown_id_is_not_found_after_retries)
{
    struct fixture f;
    struct c360_diag diag;
    const struct http_stub_route routes[] = {{"/schemas/ids/258", not_found, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    fixture_open(&f, "financial-transaction", http_stub_url(stub), 3);
    ck_assert_int_eq(decode(&f, "\0\0\0\1\2\2", 6, &diag), C360_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.text, "schema id 258 not found in the registry after 3 "
                                            "attempts"));
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/258"), 3);
    /* Failures are not cached: the next message asks again, as boundedly. */
    ck_assert_int_eq(decode(&f, "\0\0\0\1\2\2", 6, &diag), C360_ERR_NOT_FOUND);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/258"), 6);
    fixture_close(&f);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_codec_decode_avro_registry_down_is_io)
{
    struct fixture f;
    struct c360_diag diag;
    char url[128];
    http_stub_unused_url(url, sizeof(url));
    fixture_open(&f, "financial-transaction", url, 2);
    ck_assert_int_eq(decode(&f, "\0\0\0\0\7\2", 6, &diag), C360_ERR_IO);
    ck_assert_ptr_nonnull(strstr(diag.text, "schema id 7: registry unreachable after 2 attempts"));
    fixture_close(&f);
}
END_TEST

START_TEST(test_c360_codec_decode_avro_without_registry_names_the_setting)
{
    struct fixture f;
    struct c360_diag diag;
    fixture_open(&f, "financial-transaction", NULL, 1);
    ck_assert_int_eq(decode(&f, "\0\0\0\0\7\2", 6, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "schema.registry.url");
    ck_assert_ptr_nonnull(strstr(diag.text, "schema id 7"));
    fixture_close(&f);
}
END_TEST

/* --- The datum: every truncation fails cleanly; the schema is cached. */

static json_t *transaction_datum(void)
{
    json_t *datum = json_pack(
        "{s:s, s:s, s:I, s:{s:s, s:s}, s:s, s:s, s:s, s:{s:I, s:s}, s:s, s:i, s:s, s:n}", "eventId",
        "e-1", "changeType", "UPSERT", "occurredAt", (json_int_t)1795426200000, "source", "system",
        "edw", "recordId", "TX-1", "globalPartyId", "gp-1", "globalTransactionId", "TX-1",
        "globalAccountId", "ACC-1", "amount", "amount", (json_int_t)12345, "currency", "USD",
        "direction", "CREDIT", "transactionDate", 20776, "status", "POSTED", "runningBalance");
    ck_assert_ptr_nonnull(datum);
    return datum;
}

START_TEST(test_c360_codec_decode_avro_refuses_every_truncation)
{
    struct fixture f;
    struct c360_diag diag;
    char wire[WIRE_MAX];
    char *schema = slurp(SCHEMAS "/financial_transaction.avsc");
    char *answer = registry_answer(schema);
    const struct http_stub_reply ok[] = {{.status = 200, .body = answer}};
    const struct http_stub_route routes[] = {{"/schemas/ids/7", ok, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    fixture_open(&f, "financial-transaction", http_stub_url(stub), 1);
    json_t *datum = transaction_datum();
    size_t len = wire_message(schema, datum, 7, wire, sizeof(wire));
    ck_assert_int_eq(decode(&f, wire, len, &diag), C360_OK);
    for (size_t cut = 5; cut < len; cut++) {
        ck_assert_msg(decode(&f, wire, cut, &diag) == C360_ERR_INVALID, "cut at %zu", cut);
        ck_assert_msg(strstr(diag.text, "the datum is truncated at byte"), "cut at %zu: %s", cut,
                      diag.text);
    }
    /* Trailing bytes are refused, and counted. */
    memcpy(wire + len, "\0\0\0", 3);
    ck_assert_int_eq(decode(&f, wire, len + 3, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.text, "3 bytes after the end of the datum (schema id 7)");
    /* Still decodes after all that, and never asked the registry again. */
    ck_assert_int_eq(decode(&f, wire, len, &diag), C360_OK);
    ck_assert_int_eq(f.rec->as.transaction.amount.minor, 12345);
    ck_assert_int_eq(http_stub_requests(stub, NULL), 1);
    json_decref(datum);
    fixture_close(&f);
    http_stub_stop(stub);
    free(answer);
    free(schema);
}
END_TEST

/* A datum may not claim more items than a cap, whatever the schema: an
 * array of nulls costs no bytes per item. */
START_TEST(test_c360_codec_decode_avro_caps_items)
{
    struct fixture f;
    struct c360_diag diag;
    const char *writer = "{\"type\":\"record\",\"name\":\"FinancialTransaction\",\"fields\":["
                         "{\"name\":\"eventId\",\"type\":\"string\"},"
                         "{\"name\":\"junk\",\"type\":{\"type\":\"array\",\"items\":\"null\"}}]}";
    fixture_open(&f, "financial-transaction", NULL, 1);
    /* Without a registry: the private entry point of fuzzing and benchmarks. */
    ck_assert_int_eq(c360_avro_add_writer(c360_codec_avro(f.codec), 9, writer, &diag),
                     C360_ERR_MISMATCH);
    ck_assert_ptr_nonnull(strstr(diag.text, "lacks this field and it has no default"));
    ck_assert_str_eq(diag.field, "changeType");
    fixture_close(&f);

    /* A writer that resolves; then a datum claiming 2^62 nulls. */
    char *schema = slurp(SCHEMAS "/financial_transaction.avsc");
    json_t *root = json_loads(schema, 0, NULL);
    json_array_append_new(
        json_object_get(root, "fields"),
        json_pack("{s:s, s:{s:s, s:s}}", "name", "junk", "type", "type", "array", "items", "null"));
    char *text = json_dumps(root, JSON_COMPACT);
    fixture_open(&f, "financial-transaction", NULL, 1);
    ck_assert_msg(c360_avro_add_writer(c360_codec_avro(f.codec), 9, text, &diag) == C360_OK, "%s",
                  diag.text);
    char wire[WIRE_MAX];
    json_t *datum = transaction_datum();
    size_t len = wire_message(text, datum, 9, wire, sizeof(wire));
    /* The empty array is the last byte; claim 2^62 items instead. */
    ck_assert_int_eq(wire[len - 1], 0);
    const unsigned char huge[] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00};
    memcpy(wire + len - 1, huge, sizeof(huge));
    ck_assert_int_eq(decode(&f, wire, len - 1 + sizeof(huge), &diag), C360_ERR_LIMIT);
    ck_assert_str_eq(diag.text, "the datum has more than 65536 array or map items");
    json_decref(datum);
    json_decref(root);
    free(text);
    free(schema);
    fixture_close(&f);
}
END_TEST

/* c360 reads a reader field the writer lacks as absent, and an unknown
 * AccountType/AccountStatus symbol as the schema's default; both hold only
 * while schemas/ gives exactly these defaults. */
static void check_defaults(json_t *type, json_t *field, const char *file)
{
    const char *name = json_string_value(json_object_get(field, "name"));
    json_t *def = json_object_get(field, "default");
    bool nullable = json_is_array(type) && json_is_string(json_array_get(type, 0)) &&
                    strcmp(json_string_value(json_array_get(type, 0)), "null") == 0;
    const char *t = json_string_value(json_object_get(type, "type"));
    bool array = t && strcmp(t, "array") == 0, map = t && strcmp(t, "map") == 0;
    if (nullable)
        ck_assert_msg(json_is_null(def), "%s: %s must default to null", file, name);
    else if (array)
        ck_assert_msg(json_is_array(def) && json_array_size(def) == 0, "%s: %s: []", file, name);
    else if (map)
        ck_assert_msg(json_is_object(def) && json_object_size(def) == 0, "%s: %s: {}", file, name);
    else
        ck_assert_msg(def == NULL, "%s: %s has a default c360 would not apply", file, name);
}

static void check_record(json_t *rec, const char *file)
{
    size_t i;
    json_t *field;
    json_array_foreach(json_object_get(rec, "fields"), i, field)
    {
        json_t *type = json_object_get(field, "type");
        check_defaults(type, field, file);
        json_t *inner = json_is_array(type) ? json_array_get(type, 1) : type;
        const char *t = json_string_value(json_object_get(inner, "type"));
        const char *name = json_string_value(json_object_get(inner, "name"));
        if (t && strcmp(t, "record") == 0)
            check_record(inner, file);
        if (t && strcmp(t, "array") == 0 && json_is_object(json_object_get(inner, "items")))
            check_record(json_object_get(inner, "items"), file);
        if (t && strcmp(t, "enum") == 0) {
            const char *def = json_string_value(json_object_get(inner, "default"));
            const char *want = strcmp(name, "AccountType") == 0     ? "OTHER"
                               : strcmp(name, "AccountStatus") == 0 ? "PENDING"
                                                                    : NULL;
            ck_assert_msg(want ? def && strcmp(def, want) == 0 : def == NULL,
                          "%s: enum %s: c360 applies default %s", file, name,
                          want ? want : "(none)");
        }
    }
}

START_TEST(test_c360_codec_decode_avro_schema_defaults_are_what_c360_applies)
{
    static const char *const files[] = {
        "individual.avsc",     "financial_account.avsc",          "financial_transaction.avsc",
        "web_engagement.avsc", "external_financial_account.avsc", "org_account.avsc",
        "org_contact.avsc"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", SCHEMAS, files[i]);
        json_t *root = json_load_file(path, 0, NULL);
        ck_assert_ptr_nonnull(root);
        check_record(root, files[i]);
        json_decref(root);
    }
}
END_TEST

/* --- The decoder reads the bytes itself; what avro-c's resolved reader (the
 * reference path) did with a datum, it must still do. */

/* Decodes wire as entity by both paths, which must agree on the outcome, the
 * diagnostic and the record; gives the decoder's. */
static enum c360_err decode_both(struct fixture *f, enum c360_entity entity, const char *wire,
                                 size_t len, struct c360_diag *diag)
{
    struct c360_avro *a = c360_codec_avro(f->codec);
    struct c360_record *ref;
    struct c360_diag ref_diag;
    ck_assert_int_eq(c360_record_new(entity, &ref), C360_OK);
    c360_diag_clear(diag);
    c360_diag_clear(&ref_diag);
    c360_record_reset(f->rec, entity);
    enum c360_err err = c360_avro_decode(a, wire, len, f->rec, diag);
    enum c360_err want = c360_avro_decode_reference(a, wire, len, ref, &ref_diag);
    ck_assert_int_eq(err, want);
    ck_assert_str_eq(diag->field, ref_diag.field);
    ck_assert_str_eq(diag->text, ref_diag.text);
    if (!err) {
        char *json, *ref_json;
        ck_assert_int_eq(c360_codec_json_encode(f->rec, C360_CODEC_COMPACT, &json), C360_OK);
        ck_assert_int_eq(c360_codec_json_encode(ref, C360_CODEC_COMPACT, &ref_json), C360_OK);
        ck_assert_str_eq(json, ref_json);
        free(json);
        free(ref_json);
    }
    c360_record_destroy(ref);
    return err;
}

/* The text of schemas/<file> with field `name` set to type (stolen) and
 * moved last, as id 9 of f's decoder; new. */
static char *writer_with_last(struct fixture *f, const char *file, const char *name, json_t *type)
{
    char path[512];
    struct c360_diag diag;
    snprintf(path, sizeof(path), "%s/%s", SCHEMAS, file);
    json_t *root = json_load_file(path, 0, NULL), *fields = json_object_get(root, "fields"), *moved;
    for (size_t i = 0; i < json_array_size(fields); i++) {
        moved = json_array_get(fields, i);
        if (strcmp(json_string_value(json_object_get(moved, "name")), name) == 0) {
            json_incref(moved);
            json_array_remove(fields, i);
            if (type)
                json_object_set_new(moved, "type", type);
            json_array_append_new(fields, moved);
            break;
        }
    }
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    ck_assert_msg(c360_avro_add_writer(c360_codec_avro(f->codec), 9, text, &diag) == C360_OK, "%s",
                  diag.text);
    return text;
}

/* avro-c's generic map keeps a key's first place and last value, and ends a
 * key at a NUL. */
START_TEST(test_c360_avro_decode_keeps_the_last_value_of_a_repeated_map_key)
{
    struct fixture f;
    struct c360_diag diag;
    char wire[WIRE_MAX];
    fixture_open(&f, "org-account", NULL, 1);
    char *writer = writer_with_last(&f, "org_account.avsc", "fields", NULL);
    json_t *datum = json_pack(
        "{s:s, s:s, s:I, s:{s:s, s:s}, s:s, s:s, s:s, s:I, s:s, s:{}}", "eventId", "e-1",
        "changeType", "UPSERT", "occurredAt", (json_int_t)1795167000000, "source", "system", "00D1",
        "recordId", "001A", "orgId", "00D1", "objectType", "ACCOUNT", "recordId", "001A",
        "commitTimestamp", (json_int_t)1795167000000, "commitUser", "005x", "fields");
    size_t len = wire_message(writer, datum, 9, wire, sizeof(wire));
    /* The empty map is the last byte; four entries instead: Name, Fax,
     * Name again behind a NUL, Fax again. */
    static const unsigned char entries[] = {0x08, 0x08, 'N', 'a', 'm',  'e',  0x02,
                                            0x08, 'A',  'c', 'm', 'e',             /* Name: Acme */
                                            0x06, 'F',  'a', 'x', 0x02, 0x02, 'y', /* Fax: y */
                                            0x0c, 'N',  'a', 'm', 'e',  0x00, 'x',
                                            0x02, 0x0a, 'O', 't', 'h',  'e',  'r', /* Name: Other */
                                            0x06, 'F',  'a', 'x', 0x00,            /* Fax: null */
                                            0x00};
    ck_assert_int_eq(wire[len - 1], 0);
    memcpy(wire + len - 1, entries, sizeof(entries));
    ck_assert_int_eq(
        decode_both(&f, C360_ENTITY_ORG_ACCOUNT, wire, len - 1 + sizeof(entries), &diag), C360_OK);
    const struct c360_org_record *o = &f.rec->as.org;
    ck_assert_int_eq(o->n_fields, 2);
    ck_assert_str_eq(o->fields[0].name, "Name");
    ck_assert_str_eq(o->fields[0].value, "Other");
    ck_assert_str_eq(o->fields[1].name, "Fax");
    ck_assert_ptr_null(o->fields[1].value);
    json_decref(datum);
    free(writer);
    fixture_close(&f);
}
END_TEST

/* A writer union may have branches the reader lacks, as long as none is
 * written (avro-c, resolved-writer.c). */
START_TEST(test_c360_avro_decode_refuses_a_union_branch_the_reader_lacks)
{
    struct fixture f;
    struct c360_diag diag;
    char wire[WIRE_MAX];
    fixture_open(&f, "financial-transaction", NULL, 1);
    char *writer = writer_with_last(&f, "financial_transaction.avsc", "status",
                                    json_pack("[s, s, s]", "null", "string", "int"));
    json_t *datum = transaction_datum();
    json_object_set_new(datum, "status", json_integer(5));
    size_t len = wire_message(writer, datum, 9, wire, sizeof(wire));
    ck_assert_int_eq(decode_both(&f, C360_ENTITY_FINANCIAL_TRANSACTION, wire, len, &diag),
                     C360_ERR_INVALID);
    ck_assert_str_eq(diag.text, "the datum does not decode with schema id 9: Writer union branch 2 "
                                "is incompatible with reader schema \"union\"");
    /* The string branch reads. */
    json_object_set_new(datum, "status", json_string("POSTED"));
    len = wire_message(writer, datum, 9, wire, sizeof(wire));
    ck_assert_int_eq(decode_both(&f, C360_ENTITY_FINANCIAL_TRANSACTION, wire, len, &diag), C360_OK);
    ck_assert_str_eq(f.rec->as.transaction.status, "POSTED");
    json_decref(datum);
    free(writer);
    fixture_close(&f);
}
END_TEST

/* avro-c reads an int as a long and refuses one out of range; a varint may
 * take 10 bytes all the same. */
START_TEST(test_c360_avro_decode_refuses_an_int_out_of_range)
{
    struct fixture f;
    struct c360_diag diag;
    char wire[WIRE_MAX];
    fixture_open(&f, "financial-transaction", NULL, 1);
    char *writer = writer_with_last(&f, "financial_transaction.avsc", "transactionDate", NULL);
    json_t *datum = transaction_datum();
    size_t len = wire_message(writer, datum, 9, wire, sizeof(wire));
    /* The date is last: 20776 as three varint bytes. 2^31 instead: */
    static const unsigned char big[] = {0x80, 0x80, 0x80, 0x80, 0x10};
    memcpy(wire + len - 3, big, sizeof(big));
    ck_assert_int_eq(decode_both(&f, C360_ENTITY_FINANCIAL_TRANSACTION, wire, len + 2, &diag),
                     C360_ERR_INVALID);
    ck_assert_str_eq(diag.text, "the datum does not decode with schema id 9: Cannot read int "
                                "value: Varint out of range for int type");
    /* 20776 in ten bytes. */
    static const unsigned char long_form[] = {0xd0, 0xc4, 0x82, 0x80, 0x80,
                                              0x80, 0x80, 0x80, 0x80, 0x00};
    memcpy(wire + len - 3, long_form, sizeof(long_form));
    ck_assert_int_eq(decode_both(&f, C360_ENTITY_FINANCIAL_TRANSACTION, wire, len + 7, &diag),
                     C360_OK);
    ck_assert_int_eq(f.rec->as.transaction.transaction_date, 20776);
    json_decref(datum);
    free(writer);
    fixture_close(&f);
}
END_TEST

START_TEST(test_c360_codec_set_avro_needs_the_topic_schema)
{
    struct c360_topic_set *topics;
    struct c360_schema_set *schemas;
    struct c360_codec *codec;
    struct c360_diag diag;
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    /* A folder without the topic's schema. */
    ck_assert_int_eq(c360_schema_set_load_dir(C360_TEST_DATA "/avro", &schemas, NULL), C360_OK);
    /* Canonical Avro (no mapping) resolves against the topic's schema. */
    struct c360_topic canonical = *c360_topic_set_find(topics, "financial-transaction");
    canonical.mapping = "";
    ck_assert_int_eq(c360_codec_new(&canonical, "avro", &codec, &diag), C360_OK);
    ck_assert_int_eq(c360_codec_set_avro(codec, NULL, schemas, &diag), C360_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.text, "financial_transaction.avsc"));
    c360_codec_destroy(codec);
    /* Other formats ignore it. */
    ck_assert_int_eq(c360_codec_new(c360_topic_set_find(topics, "financial-account"),
                                    "connect-json", &codec, &diag),
                     C360_OK);
    ck_assert_int_eq(c360_codec_set_avro(codec, NULL, schemas, &diag), C360_OK);
    c360_codec_destroy(codec);
    c360_schema_set_destroy(schemas);
    c360_topic_set_destroy(topics);
}
END_TEST

void c360_check_avro_add(Suite *s)
{
    TCase *tc = tcase_create("c360_codec_decode_avro");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_c360_codec_decode_avro_golden_files);
    tcase_add_loop_test(tc, test_c360_codec_decode_avro_refuses_bad_header, 0,
                        sizeof(header_cases) / sizeof(header_cases[0]));
    tcase_add_test(tc, test_c360_codec_decode_avro_unknown_id_is_not_found_after_retries);
    tcase_add_test(tc, test_c360_codec_decode_avro_registry_down_is_io);
    tcase_add_test(tc, test_c360_codec_decode_avro_without_registry_names_the_setting);
    tcase_add_test(tc, test_c360_codec_decode_avro_refuses_every_truncation);
    tcase_add_test(tc, test_c360_codec_decode_avro_caps_items);
    tcase_add_test(tc, test_c360_codec_decode_avro_schema_defaults_are_what_c360_applies);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_avro_decode");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_c360_avro_decode_keeps_the_last_value_of_a_repeated_map_key);
    tcase_add_test(tc, test_c360_avro_decode_refuses_a_union_branch_the_reader_lacks);
    tcase_add_test(tc, test_c360_avro_decode_refuses_an_int_out_of_range);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_codec_set_avro");
    tcase_add_test(tc, test_c360_codec_set_avro_needs_the_topic_schema);
    suite_add_tcase(s, tc);
}
