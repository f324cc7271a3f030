/*
 * Suite codec, src/codec/connect.c: Kafka Connect and Debezium messages read
 * without a DOM through a codec's schema cache, and plain JSON rows read
 * without one (c360_json_row_read). Every message here is decoded
 * twice, by a codec on the fast path and by one held to the DOM path
 * (c360_codec_set_dom_only), and the two must agree to the byte: the same
 * record, or the same error with the same field and text. The cache counters
 * show which path ran.
 */
#include "c360/codec.h"
#include "codec_int.h"

#include "check_codec.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The account topic's JDBC schema; %s is the Decimal's scale, %s the struct name. */
#define SCHEMA_FMT                                                                                 \
    "{\"type\":\"struct\",\"optional\":false,\"name\":\"%s\",\"fields\":["                         \
    "{\"type\":\"string\",\"optional\":false,\"field\":\"GLOBAL_ACCOUNT_ID\"},"                    \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"PRIMARY_GLOBAL_PARTY_ID\"},"               \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"JOINT_OWNER_IDS\"},"                       \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"ACCOUNT_TYPE\"},"                          \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"STATUS\"},"                                \
    "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\","    \
    "\"version\":1,\"parameters\":{\"scale\":\"%s\"},\"field\":\"BALANCE\"},"                      \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"CURRENCY_CODE\"},"                         \
    "{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Timestamp\","  \
    "\"version\":1,\"field\":\"BALANCE_AS_OF\"},"                                                  \
    "{\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\","       \
    "\"version\":1,\"field\":\"OPENED_DATE\"},"                                                    \
    "{\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\","       \
    "\"version\":1,\"field\":\"CLOSED_DATE\"},"                                                    \
    "{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Timestamp\","  \
    "\"version\":1,\"field\":\"UPDATED_AT\"}]}"

/* A payload; %s is the balance (JSON), %s the opened date (JSON). */
#define PAYLOAD_FMT                                                                                \
    "{\"GLOBAL_ACCOUNT_ID\":\"ACC-9001\",\"PRIMARY_GLOBAL_PARTY_ID\":\"gp-1001\","                 \
    "\"JOINT_OWNER_IDS\":\"gp-2002, gp-3003\",\"ACCOUNT_TYPE\":\"Savings\",\"STATUS\":\"Open\","   \
    "\"BALANCE\":%s,\"CURRENCY_CODE\":\"USD\",\"BALANCE_AS_OF\":1795132799000,"                    \
    "\"OPENED_DATE\":%s,\"CLOSED_DATE\":null,\"UPDATED_AT\":1795167000000}"

/* A new formatted text (free()); the formats are the tables' own. */
static char *text_of(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static char *schema_text(const char *name, const char *scale)
{
    return text_of(SCHEMA_FMT, name, scale);
}

static char *payload_text(const char *balance, const char *opened)
{
    return text_of(PAYLOAD_FMT, balance, opened);
}

/* {"schema": schema, "payload": payload}; takes both. */
static char *envelope(char *schema, char *payload)
{
    char *s = text_of("{\"schema\":%s,\"payload\":%s}", schema, payload);
    free(schema);
    free(payload);
    return s;
}

/* The fast codec and the one held to the DOM path, for one topic. */
struct pair {
    struct c360_topic_set *topics;
    struct c360_codec *fast, *dom;
    struct c360_record *rec;
};

static void pair_open(struct pair *p, const char *format)
{
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &p->topics, NULL), C360_OK);
    const struct c360_topic *t = c360_topic_set_find(p->topics, "financial-account");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(c360_codec_new(t, format, &p->fast, NULL), C360_OK);
    ck_assert_int_eq(c360_codec_new(t, format, &p->dom, NULL), C360_OK);
    c360_codec_set_dom_only(p->dom, true);
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &p->rec), C360_OK);
}

static void pair_close(struct pair *p)
{
    c360_codec_destroy(p->fast);
    c360_codec_destroy(p->dom);
    c360_record_destroy(p->rec);
    c360_topic_set_destroy(p->topics);
}

static struct c360_connect_cache_stats stats(const struct pair *p)
{
    struct c360_connect_cache_stats st;
    c360_connect_cache_stats(c360_codec_connect_cache(p->fast), &st);
    return st;
}

/* The outcome of one decode: the record's canonical JSON, or the diagnostic. */
struct outcome {
    enum c360_err err;
    char text[1024];
};

static struct outcome decode_one(struct c360_codec *codec, struct c360_record *rec,
                                 const char *value)
{
    struct outcome o;
    struct c360_diag diag;
    struct c360_codec_msg msg = {.topic = "c360.in.financial-account",
                                 .partition = 3,
                                 .offset = 42,
                                 .timestamp = 1795432800000,
                                 .value = value,
                                 .len = strlen(value)};
    c360_diag_clear(&diag);
    o.err = c360_codec_decode(codec, &msg, rec, &diag);
    if (o.err) {
        snprintf(o.text, sizeof(o.text), "%s: %s", diag.field, diag.text);
    } else {
        char *json;
        ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_COMPACT, &json), C360_OK);
        snprintf(o.text, sizeof(o.text), "%s", json);
        free(json);
    }
    return o;
}

/* Decodes value on both paths, which must agree; returns the outcome. */
static struct outcome decode(struct pair *p, const char *value)
{
    struct outcome fast = decode_one(p->fast, p->rec, value);
    struct outcome dom = decode_one(p->dom, p->rec, value);
    ck_assert_msg(fast.err == dom.err && strcmp(fast.text, dom.text) == 0,
                  "paths differ on %.200s:\n fast %d %s\n dom  %d %s", value, fast.err, fast.text,
                  dom.err, dom.text);
    return fast;
}

START_TEST(test_c360_connect_read_caches_schema_once)
{
    struct pair p;
    pair_open(&p, "connect-json");
    for (int i = 0; i < 3; i++) {
        char *msg = envelope(schema_text("V", "2"), payload_text("\"BmyZ\"", "17970"));
        struct outcome o = decode(&p, msg);
        ck_assert_int_eq(o.err, C360_OK);
        ck_assert_ptr_nonnull(strstr(o.text, "\"balance\":{\"amount\":\"4210.17\""));
        ck_assert_ptr_nonnull(strstr(o.text, "\"openedDate\":\"2019-03-15\""));
        free(msg);
    }
    struct c360_connect_cache_stats st = stats(&p);
    ck_assert_uint_eq(st.compiled, 1);
    ck_assert_uint_eq(st.hits, 2);
    /* The tables' schema is one the fast path reads: they test that path. */
    char *msg = envelope(schema_text("V", "2"), payload_text("\"BmyZ\"", "17970"));
    struct c360_arena arena;
    const struct c360_row *row;
    c360_arena_init(&arena);
    ck_assert_int_eq(
        c360_connect_read(c360_codec_connect_cache(p.fast), msg, strlen(msg), &arena, &row),
        C360_OK);
    c360_arena_release(&arena);
    free(msg);
    ck_assert_uint_eq(st.held, 1);
    pair_close(&p);
}
END_TEST

/* Two producers on one topic: a scale of 2 and a scale of 0 read the same
 * bytes as different amounts, each by its own plan. */
START_TEST(test_c360_connect_read_interleaves_two_schemas)
{
    struct pair p;
    pair_open(&p, "connect-json");
    for (int i = 0; i < 6; i++) {
        bool four = i % 2;
        char *msg = envelope(schema_text("V", four ? "0" : "2"),
                             payload_text("\"AQAAAA==\"", "17970")); /* 16777216 */
        struct outcome o = decode(&p, msg);
        ck_assert_int_eq(o.err, C360_OK);
        ck_assert_msg(
            strstr(o.text, four ? "\"amount\":\"16777216.00\"" : "\"amount\":\"167772.16\""), "%s",
            o.text);
        free(msg);
    }
    struct c360_connect_cache_stats st = stats(&p);
    ck_assert_uint_eq(st.compiled, 2);
    ck_assert_uint_eq(st.hits, 4);
    pair_close(&p);
}
END_TEST

/* More schemas than the cache holds: the least recently used one goes, and
 * coming back compiles it again. */
START_TEST(test_c360_connect_read_evicts_least_recently_used)
{
    struct pair p;
    char name[32];
    pair_open(&p, "connect-json");
    for (int i = 0; i <= C360_CONNECT_SCHEMAS_MAX; i++) {
        snprintf(name, sizeof(name), "V%d", i);
        char *msg = envelope(schema_text(name, "2"), payload_text("\"BmyZ\"", "17970"));
        ck_assert_int_eq(decode(&p, msg).err, C360_OK);
        free(msg);
    }
    struct c360_connect_cache_stats st = stats(&p);
    ck_assert_uint_eq(st.compiled, C360_CONNECT_SCHEMAS_MAX + 1);
    ck_assert_uint_eq(st.held, C360_CONNECT_SCHEMAS_MAX);
    ck_assert_uint_eq(st.hits, 0);
    /* V0 was evicted; the most recent one is still there. */
    char *again = envelope(schema_text("V0", "2"), payload_text("\"BmyZ\"", "17970"));
    ck_assert_int_eq(decode(&p, again).err, C360_OK);
    snprintf(name, sizeof(name), "V%d", C360_CONNECT_SCHEMAS_MAX);
    char *last = envelope(schema_text(name, "2"), payload_text("\"BmyZ\"", "17970"));
    ck_assert_int_eq(decode(&p, last).err, C360_OK);
    st = stats(&p);
    ck_assert_uint_eq(st.compiled, C360_CONNECT_SCHEMAS_MAX + 2);
    ck_assert_uint_eq(st.hits, 1);
    ck_assert_uint_eq(st.held, C360_CONNECT_SCHEMAS_MAX);
    free(again);
    free(last);
    pair_close(&p);
}
END_TEST

/* Payloads whose schema bytes are cached but whose values the schema
 * refuses: the same diagnostic as the DOM path, naming the field. */
static const struct {
    const char *balance, *opened, *want;
} wrong_typed[] = {
    {"\"BmyZ\"", "\"2019-03-15\"",
     "OPENED_DATE: a Connect Date is days since 1970-01-01 within years 0001-9999"},
    {"\"BmyZ\"", "17970000",
     "OPENED_DATE: a Connect Date is days since 1970-01-01 within years 0001-9999"},
    {"\"***\"", "17970", "BALANCE: not a base64 Connect Decimal"},
    {"true", "17970", "BALANCE: a Decimal needs base64 bytes and a scale of 0-18"},
    {"{\"x\":1}", "17970", "BALANCE: a Decimal needs base64 bytes and a scale of 0-18"},
    {"\"EAAAAAAAAAAAAAAAAA==\"", "17970", "BALANCE: Decimal out of range"},
    {"\"BmyZ\"", "17970.5",
     "OPENED_DATE: a Connect Date is days since 1970-01-01 within years 0001-9999"},
};

START_TEST(test_c360_connect_read_refuses_wrong_typed_payload)
{
    struct pair p;
    pair_open(&p, "connect-json");
    char *good = envelope(schema_text("V", "2"), payload_text("\"BmyZ\"", "17970"));
    ck_assert_int_eq(decode(&p, good).err, C360_OK);
    char *msg = envelope(schema_text("V", "2"),
                         payload_text(wrong_typed[_i].balance, wrong_typed[_i].opened));
    struct outcome o = decode(&p, msg);
    ck_assert_int_eq(o.err, C360_ERR_INVALID);
    ck_assert_str_eq(o.text, wrong_typed[_i].want);
    ck_assert_uint_eq(stats(&p).hits, 1); /* the schema was found in the cache */
    free(good);
    free(msg);
    pair_close(&p);
}
END_TEST

/* Logical types through the plan, Debezium's own included, against the DOM
 * path and against the values they stand for. */
#define DBZ_SCHEMA                                                                                 \
    "{\"type\":\"struct\",\"optional\":false,\"fields\":["                                         \
    "{\"type\":\"struct\",\"optional\":true,\"field\":\"after\",\"fields\":["                      \
    "{\"type\":\"string\",\"optional\":false,\"field\":\"GLOBAL_ACCOUNT_ID\"},"                    \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"PRIMARY_GLOBAL_PARTY_ID\"},"               \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"ACCOUNT_TYPE\"},"                          \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"STATUS\"},"                                \
    "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\","    \
    "\"parameters\":{\"scale\":\"%s\"},\"field\":\"BALANCE\"},"                                    \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"CURRENCY_CODE\"},"                         \
    "{\"type\":\"int64\",\"optional\":true,\"name\":\"%s\",\"field\":\"BALANCE_AS_OF\"},"          \
    "{\"type\":\"int32\",\"optional\":true,\"name\":\"%s\",\"field\":\"OPENED_DATE\"}]},"          \
    "{\"type\":\"string\",\"field\":\"op\"},{\"type\":\"int64\",\"field\":\"ts_ms\"}]}"

static const struct {
    const char *scale, *time_type, *date_type, *balance, *as_of, *opened, *want;
} logical[] = {
    /* Decimals: negative, scale 0, a short value padded, a JSON number. */
    {"2", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "\"/0OhWA==\"",
     "1795132799000000", "17970", "\"amount\":\"-123450.00\""},
    {"0", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "\"Bn8=\"",
     "1795132799000000", "17970", "\"amount\":\"1663.00\""},
    {"2", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "\"AQ==\"",
     "1795132799000000", "17970", "\"amount\":\"0.01\""},
    {"2", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "4210.17", "1795132799000000",
     "17970", "\"amount\":\"4210.17\""},
    /* Times: microseconds and nanoseconds (floored before 1970), Connect ms. */
    {"2", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "\"BmyZ\"", "-1", "17970",
     "\"balanceAsOf\":\"1969-12-31T23:59:59.999Z\""},
    {"2", "io.debezium.time.NanoTimestamp", "io.debezium.time.Date", "\"BmyZ\"",
     "1795132799123456789", "17970", "\"balanceAsOf\":\"2026-11-19T23:59:59.123Z\""},
    {"2", "org.apache.kafka.connect.data.Timestamp", "io.debezium.time.Date", "\"BmyZ\"",
     "1795132799000", "17970", "\"balanceAsOf\":\"2026-11-19T23:59:59.000Z\""},
    /* Dates: before 1970, the first day of year 1. */
    {"2", "io.debezium.time.MicroTimestamp", "org.apache.kafka.connect.data.Date", "\"BmyZ\"",
     "1795132799000000", "-1", "\"openedDate\":\"1969-12-31\""},
    {"2", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "\"BmyZ\"",
     "1795132799000000", "-719162", "\"openedDate\":\"0001-01-01\""},
    /* Out of range: refused as the DOM path refuses them. */
    {"2", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "\"BmyZ\"",
     "-9223372036854775808", "17970",
     "BALANCE_AS_OF: io.debezium.time.MicroTimestamp out of range"},
    {"2", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "\"BmyZ\"",
     "1795132799000000", "-719163",
     "OPENED_DATE: a Connect Date is days since 1970-01-01 within years 0001-9999"},
    {"19", "io.debezium.time.MicroTimestamp", "io.debezium.time.Date", "\"BmyZ\"",
     "1795132799000000", "17970", "BALANCE: a Decimal needs base64 bytes and a scale of 0-18"},
};

START_TEST(test_c360_connect_read_converts_logical_types)
{
    struct pair p;
    char *msg;
    pair_open(&p, "debezium");
    msg = text_of("{\"schema\":" DBZ_SCHEMA ",\"payload\":{\"before\":null,\"after\":"
                  "{\"GLOBAL_ACCOUNT_ID\":\"ACC-9001\",\"PRIMARY_GLOBAL_PARTY_ID\":\"gp-1\","
                  "\"ACCOUNT_TYPE\":\"Savings\","
                  "\"STATUS\":\"Open\",\"BALANCE\":%s,\"CURRENCY_CODE\":\"USD\","
                  "\"BALANCE_AS_OF\":%s,\"OPENED_DATE\":%s},\"op\":\"c\","
                  "\"ts_ms\":1795167002000}}",
                  logical[_i].scale, logical[_i].time_type, logical[_i].date_type,
                  logical[_i].balance, logical[_i].as_of, logical[_i].opened);
    struct outcome o = decode(&p, msg);
    ck_assert_msg(strstr(o.text, logical[_i].want), "got %s, want %s", o.text, logical[_i].want);
    ck_assert_uint_eq(stats(&p).compiled, 1);
    free(msg);
    pair_close(&p);
}
END_TEST

/* Malformed JSON in the schema, in the payload, or after a cached schema:
 * jansson's wording and offset, as before. */
static const char *const malformed[] = {
    /* a cached schema, then a broken payload */
    "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"GLOBAL_ACCOUNT_ID\":\"ACC-9001\",}}",
    "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"GLOBAL_ACCOUNT_ID\":\"ACC-\x80\"}}",
    "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"BALANCE\":tru}}",
    "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"OPENED_DATE\":99999999999999999999}}",
    "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"GLOBAL_ACCOUNT_ID\":\"ACC-9001\"}",
    "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"GLOBAL_ACCOUNT_ID\":\"ACC-9001\"}}}",
    /* a cached schema followed by bytes that make it something else */
    "{\"schema\":" SCHEMA_FMT "]}",
    /* a broken schema */
    "{\"schema\":{\"type\":\"struct\",\"fields\":[}]},\"payload\":{}}",
    "{\"schema\":{\"type\":\"struct\" \"fields\":[]},\"payload\":{}}",
};

START_TEST(test_c360_connect_read_refuses_malformed_json)
{
    struct pair p;
    char *msg;
    pair_open(&p, "connect-json");
    char *good = envelope(schema_text("V", "2"), payload_text("\"BmyZ\"", "17970"));
    ck_assert_int_eq(decode(&p, good).err, C360_OK);
    msg = text_of(malformed[_i], "V", "2");
    struct outcome o = decode(&p, msg);
    ck_assert_int_eq(o.err, C360_ERR_INVALID);
    ck_assert_msg(strstr(o.text, "the value is not JSON: "), "%s", o.text);
    free(good);
    free(msg);
    pair_close(&p);
}
END_TEST

/* A row laid over another: its members first, the rest from under it. */
START_TEST(test_c360_row_get_looks_under_a_row)
{
    json_t *top = json_loads("{\"a\":1,\"c\":\"x\"}", 0, NULL),
           *bottom = json_loads("{\"a\":2,\"b\":3}", 0, NULL);
    const struct c360_row under = {.obj = bottom}, row = {.obj = top, .under = &under};
    struct c360_row_val v;
    ck_assert(c360_row_get(&row, "a", &v) && v.kind == C360_ROW_INT && v.as.i == 1);
    ck_assert(c360_row_get(&row, "b", &v) && v.kind == C360_ROW_INT && v.as.i == 3);
    ck_assert(!c360_row_get(&row, "d", &v));
    json_t *all = c360_row_json(&row), *want = json_loads("{\"a\":1,\"b\":3,\"c\":\"x\"}", 0, NULL);
    ck_assert(json_equal(all, want));
    json_decref(all);
    json_decref(want);
    json_decref(top);
    json_decref(bottom);
}
END_TEST

/* Duplicate keys are refused (JSON_REJECT_DUPLICATES), in the payload, in a
 * nested struct and in the schema. */
START_TEST(test_c360_connect_read_refuses_duplicate_keys)
{
    static const char *const dups[] = {
        "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"STATUS\":\"Open\",\"STATUS\":\"Closed\"}}",
        "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"STATUS\":\"Open\",\"\\u0053TATUS\":\"Closed\"}}",
        "{\"schema\":" SCHEMA_FMT ",\"payload\":{\"X\":1,\"GLOBAL_ACCOUNT_ID\":\"A\",\"X\":2}}",
        "{\"schema\":{\"type\":\"struct\",\"type\":\"struct\",\"fields\":[]},\"payload\":{}}",
    };
    struct pair p;
    pair_open(&p, "connect-json");
    char *good = envelope(schema_text("V", "2"), payload_text("\"BmyZ\"", "17970"));
    ck_assert_int_eq(decode(&p, good).err, C360_OK);
    for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
        char *msg = text_of(dups[i], "V", "2");
        struct outcome o = decode(&p, msg);
        ck_assert_int_eq(o.err, C360_ERR_INVALID);
        ck_assert_msg(strstr(o.text, "duplicate object key"), "%s", o.text);
        free(msg);
    }
    free(good);
    pair_close(&p);
}
END_TEST

/* Shapes the fast path leaves to the DOM path still decode as before:
 * schemas.enable=false, payload before schema, a third member, a payload
 * that is no struct, escaped keys, a struct field named twice. */
START_TEST(test_c360_connect_read_leaves_other_shapes_to_dom)
{
    /* %s: the schema, then the payload (the second: the other way round). */
    static const char *const shapes[] = {
        "%.0s%s",
        "{\"payload\":%2$s,\"schema\":%1$s}",
        "{\"schema\":%s,\"payload\":%s,\"x\":1}",
        "{\"schema\":%s,\"payload\":[%s]}",
        "{\"sch\\u0065ma\":%s,\"payload\":%s}",
        "{\"schema\":%s,\"payload\":{\"STATUS\":%.0s\"Open\"}}",
    };
    struct pair p;
    pair_open(&p, "connect-json");
    char *schema = schema_text("V", "2"), *payload = payload_text("\"BmyZ\"", "17970");
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char *msg = text_of(shapes[i], schema, payload);
        (void)decode(&p, msg);
        free(msg);
    }
    /* A field named twice in the schema gets no plan. */
    (void)decode(&p, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
                     "\"field\":\"STATUS\"},{\"type\":\"int32\",\"field\":\"STATUS\"}]},"
                     "\"payload\":{\"STATUS\":\"Open\"}}");
    free(schema);
    free(payload);
    pair_close(&p);
}
END_TEST

/* --- Plain JSON rows (c360_json_row_read). */

static const struct c360_row_col *col(const struct c360_row *row, const char *name)
{
    for (size_t i = 0; i < row->n_cols; i++)
        if (strcmp(row->cols[i].name, name) == 0)
            return &row->cols[i];
    ck_abort_msg("no column %s", name);
    return NULL;
}

/* Each member a column in the message's order, typed as the DOM types it;
 * escapes decoded in names and texts; arrays kept as their text. */
START_TEST(test_c360_json_row_read_types_each_member)
{
    static const char msg[] = " {\"s\":\"x\\u00e9\",\"i\":-12,\"r\":1.5e1,\"t\":true,"
                              "\"f\":false,\"n\":null,\"a\":[1,{\"b\":[]}],\"k\\u0041\":\"\"} ";
    struct c360_arena arena;
    const struct c360_row *row;
    c360_arena_init(&arena);
    ck_assert_int_eq(c360_json_row_read(msg, strlen(msg), &arena, &row), C360_OK);
    ck_assert_ptr_null(row->obj);
    ck_assert_uint_eq(row->n_cols, 8);
    ck_assert_str_eq(row->cols[0].name, "s");
    ck_assert_str_eq(row->cols[7].name, "kA");
    const struct c360_row_val *v = &col(row, "s")->val;
    ck_assert_int_eq(v->kind, C360_ROW_STR);
    ck_assert_uint_eq(v->len, 3);
    ck_assert_int_eq(memcmp(v->str, "x\xc3\xa9", 3), 0);
    ck_assert_int_eq(col(row, "i")->val.kind, C360_ROW_INT);
    ck_assert_int_eq(col(row, "i")->val.as.i, -12);
    ck_assert_int_eq(col(row, "r")->val.kind, C360_ROW_REAL);
    ck_assert(col(row, "r")->val.as.d == 15.0);
    ck_assert_int_eq(col(row, "t")->val.kind, C360_ROW_TRUE);
    ck_assert_int_eq(col(row, "f")->val.kind, C360_ROW_FALSE);
    ck_assert_int_eq(col(row, "n")->val.kind, C360_ROW_NULL);
    v = &col(row, "a")->val;
    ck_assert_int_eq(v->kind, C360_ROW_ARRAY);
    ck_assert_int_eq((int)v->len, (int)strlen("[1,{\"b\":[]}]"));
    ck_assert_int_eq(memcmp(v->str, "[1,{\"b\":[]}]", v->len), 0);
    ck_assert_int_eq(col(row, "kA")->val.kind, C360_ROW_STR);
    ck_assert_uint_eq(col(row, "kA")->val.len, 0);
    c360_arena_release(&arena);
}
END_TEST

/* What the reader leaves to the DOM path, which refuses or reads it. */
static const char *const row_elsewhere[] = {
    "{\"a\":{\"b\":1}}",            /* an object inside the row */
    "{\"a\":1,\"a\":2}",            /* a duplicate member */
    "{\"a\":1,\"\\u0061\":2}",      /* the same, escaped */
    "{\"a\":\"x\\u0000y\"}",        /* a NUL in a text */
    "{\"a\\u0000\":1}",             /* a NUL in a name */
    "{\"a\":1,}",                   /* a trailing comma */
    "{\"a\":1",                     /* no end */
    "{\"a\":1}x",                   /* bytes after it */
    "[{\"a\":1}]",                  /* not an object */
    "{\"a\":99999999999999999999}", /* beyond int64 */
    "{\"a\":1e999}",                /* beyond double */
    "{\"a\":\"\xff\"}",             /* not UTF-8 */
    "{\"a\" 1}",                    /* no colon */
    "",                             /* nothing */
};

START_TEST(test_c360_json_row_read_leaves_the_rest_to_dom)
{
    struct c360_arena arena;
    const struct c360_row *row;
    const char *msg = row_elsewhere[_i];
    c360_arena_init(&arena);
    ck_assert_int_eq(c360_json_row_read(msg, strlen(msg), &arena, &row), C360_ERR_UNSUPPORTED);
    c360_arena_release(&arena);
    /* Through a codec, either path gives the same record or diagnostic. */
    struct pair p;
    pair_open(&p, "json");
    (void)decode(&p, msg);
    pair_close(&p);
}
END_TEST

/* An account row as a JDBC source writes it, and its faults: the fast read
 * and the DOM give the same record, or the same field and text. */
START_TEST(test_c360_json_row_read_agrees_with_dom)
{
    static const char *const rows[] = {
        "{\"GLOBAL_ACCOUNT_ID\":\"ACC-1\",\"PRIMARY_GLOBAL_PARTY_ID\":\"GP-1\","
        "\"JOINT_OWNER_IDS\":\"GP-2;GP-3\",\"ACCOUNT_TYPE\":\"Savings\",\"STATUS\":\"Open\","
        "\"BALANCE\":4210.17,\"CURRENCY_CODE\":\"USD\",\"BALANCE_AS_OF\":\"2026-11-19T23:59:59Z\","
        "\"OPENED_DATE\":\"2019-03-01\",\"CLOSED_DATE\":null,\"UPDATED_AT\":1795432800000}",
        "{\"GLOBAL_ACCOUNT_ID\":\"ACC-1\",\"BALANCE\":\"12.345\",\"CURRENCY_CODE\":\"USD\"}",
        "{\"GLOBAL_ACCOUNT_ID\":\"ACC-1\",\"BALANCE\":true}",
        "{\"GLOBAL_ACCOUNT_ID\":[\"ACC-1\"]}",
        "{\"GLOBAL_ACCOUNT_ID\":17,\"OPENED_DATE\":\"yesterday\"}",
        "{}",
    };
    struct pair p;
    pair_open(&p, "json");
    ck_assert_int_eq(decode(&p, rows[0]).err, C360_OK);
    for (size_t i = 1; i < sizeof(rows) / sizeof(rows[0]); i++)
        (void)decode(&p, rows[i]);
    pair_close(&p);
}
END_TEST

void c360_check_connect_add(Suite *s)
{
    TCase *tc = tcase_create("c360_connect_read");
    tcase_add_test(tc, test_c360_connect_read_caches_schema_once);
    tcase_add_test(tc, test_c360_connect_read_interleaves_two_schemas);
    tcase_add_test(tc, test_c360_connect_read_evicts_least_recently_used);
    tcase_add_loop_test(tc, test_c360_connect_read_refuses_wrong_typed_payload, 0,
                        sizeof(wrong_typed) / sizeof(wrong_typed[0]));
    tcase_add_loop_test(tc, test_c360_connect_read_converts_logical_types, 0,
                        sizeof(logical) / sizeof(logical[0]));
    tcase_add_loop_test(tc, test_c360_connect_read_refuses_malformed_json, 0,
                        sizeof(malformed) / sizeof(malformed[0]));
    tcase_add_test(tc, test_c360_connect_read_refuses_duplicate_keys);
    tcase_add_test(tc, test_c360_row_get_looks_under_a_row);
    tcase_add_test(tc, test_c360_connect_read_leaves_other_shapes_to_dom);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_json_row_read");
    tcase_add_test(tc, test_c360_json_row_read_types_each_member);
    tcase_add_loop_test(tc, test_c360_json_row_read_leaves_the_rest_to_dom, 0,
                        sizeof(row_elsewhere) / sizeof(row_elsewhere[0]));
    tcase_add_test(tc, test_c360_json_row_read_agrees_with_dom);
    suite_add_tcase(s, tc);
}
