/*
 * Suite codec: every wire format through the shipped topic declarations and
 * their mappings (src/codec/codec.c, mapping.c, json.c), driven by golden
 * files under tests/data/<format>/<topic id>/<case>/:
 *   value.json (or value.null: a tombstone), key.txt (optional)
 *   expected.json — the canonical JSON the message decodes to, or
 *   expected.err  — the diagnostic it is refused with, "field: text".
 * Every message comes from partition 3 at offset 42 with timestamp
 * 2026-11-23T11:20:00Z, so defaults drawn from the position are fixed.
 *
 * C360_GOLDEN_UPDATE=1 writes the expected files from what the code does;
 * read every one before committing it.
 */
#include "c360/codec.h"
#include "c360/file.h"

#include "check_codec.h"
#include "codec_int.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA C360_TEST_DATA
#define MSG_TIMESTAMP INT64_C(1795432800000)

static const char *const formats[] = {"canonical", "json", "connect-json", "debezium",
                                      "salesforce-cdc"};

static char *read_or_null(const char *path, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    if (c360_file_read(path, 16 * 1024 * 1024, &text, &n, NULL) != C360_OK)
        return NULL;
    while (n > 0 && text[n - 1] == '\n')
        text[--n] = '\0';
    if (len)
        *len = n;
    return text;
}

static void write_text(const char *path, const char *text)
{
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "%s\n", text);
    fclose(out);
}

/* The state store of a sequence case: record id → the stored value, hex. */
static enum c360_err store_put(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                               const void *val, size_t val_len)
{
    json_t *store = arg;
    char id[256];
    ck_assert_int_eq(db, C360_DB_CODEC);
    ck_assert_uint_lt(key_len, sizeof(id));
    memcpy(id, key, key_len);
    id[key_len] = '\0';
    if (!val) {
        json_object_del(store, id);
        return C360_OK;
    }
    char *hex = malloc(2 * val_len + 1);
    ck_assert_ptr_nonnull(hex);
    for (size_t i = 0; i < val_len; i++)
        sprintf(hex + 2 * i, "%02x", ((const unsigned char *)val)[i]);
    hex[2 * val_len] = '\0';
    json_object_set_new(store, id, json_string(hex));
    free(hex);
    return C360_OK;
}

/* Persists the rows changed by the last message into store, then replaces
 * the row store by one restored from store: every message of a sequence
 * case is decoded as by a processor restarted just before it. */
static struct c360_codec_rows *restart_rows(struct c360_codec *codec, struct c360_codec_rows *rows,
                                            json_t *store)
{
    struct c360_persist_sink sink = {store_put, store};
    ck_assert_int_eq(c360_codec_rows_persist(rows, &sink), C360_OK);
    c360_codec_rows_persisted(rows);
    c360_codec_rows_destroy(rows);
    ck_assert_int_eq(c360_codec_rows_new(16, &rows), C360_OK);
    const char *id;
    json_t *hex;
    json_object_foreach(store, id, hex)
    {
        const char *h = json_string_value(hex);
        size_t len = strlen(h) / 2;
        unsigned char *val = malloc(len + 1);
        ck_assert_ptr_nonnull(val);
        for (size_t i = 0; i < len; i++) {
            unsigned byte;
            ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &byte), 1);
            val[i] = (unsigned char)byte;
        }
        ck_assert_int_eq(c360_codec_rows_restore(rows, id, strlen(id), val, len, NULL), C360_OK);
        free(val);
    }
    ck_assert_uint_eq(c360_codec_rows_count(rows), json_object_size(store));
    c360_codec_set_rows(codec, rows);
    return rows;
}

/* A sequence case: value.jsonl holds one message per line, decoded in order
 * through one codec and row store (as `c360 decode` does), every part of each,
 * the row store staged after every message and persisted and restored after
 * every second one;
 * expected.jsonl holds a compact record per part, or "! field: reason". */
static void run_sequence(const struct c360_topic *topic, const char *format, const char *dir,
                         char *values)
{
    char path[8300];
    struct c360_codec *codec;
    struct c360_codec_rows *rows;
    struct c360_record *rec;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_codec_new(topic, format, &codec, &diag) == C360_OK, "%s: %s", dir,
                  diag.text);
    ck_assert_int_eq(c360_codec_rows_new(16, &rows), C360_OK);
    c360_codec_set_rows(codec, rows);
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    size_t cap = 64 * 1024, used = 0;
    char *got = calloc(1, cap);
    ck_assert_ptr_nonnull(got);
    json_t *store = json_object();
    int64_t offset = 0;
    for (char *line = strtok(values, "\n"); line; line = strtok(NULL, "\n"), offset++) {
        struct c360_codec_msg msg = {
            .topic = topic->name,
            .partition = 3,
            .offset = offset,
            .timestamp = MSG_TIMESTAMP,
            .value = line,
            .len = strlen(line),
        };
        size_t parts = 1;
        for (size_t part = 0; part < parts; part++) {
            c360_diag_clear(&diag);
            char *json = NULL;
            if (c360_codec_decode_part(codec, &msg, part, rec, &parts, &diag) == C360_OK) {
                ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_COMPACT, &json), C360_OK);
                used += (size_t)snprintf(got + used, cap - used, "%s\n", json);
            } else {
                used +=
                    (size_t)snprintf(got + used, cap - used, "! %s: %s\n", diag.field, diag.text);
            }
            ck_assert_uint_lt(used, cap);
            free(json);
        }
        /* Staged after every message, as the processor's decode thread does
         * after each batch, and persisted after every second one: a row
         * changed after its staging is written as it is now. */
        ck_assert_int_eq(c360_codec_rows_stage(rows), C360_OK);
        if (offset % 2 == 1)
            rows = restart_rows(codec, rows, store);
    }
    rows = restart_rows(codec, rows, store);
    json_decref(store);
    while (used > 0 && got[used - 1] == '\n')
        got[--used] = '\0';
    snprintf(path, sizeof(path), "%s/expected.jsonl", dir);
    if (getenv("C360_GOLDEN_UPDATE")) {
        write_text(path, got);
    } else {
        char *want = read_or_null(path, NULL);
        ck_assert_msg(want != NULL, "%s: no expected.jsonl", dir);
        ck_assert_msg(strcmp(got, want) == 0, "%s:\n got\n%s\n want\n%s", dir, got, want);
        free(want);
    }
    free(got);
    c360_record_destroy(rec);
    c360_codec_rows_destroy(rows);
    c360_codec_destroy(codec);
}

static void run_case(const struct c360_topic *topic, const char *format, const char *dir)
{
    char path[8300];
    struct c360_codec *codec;
    struct c360_record *rec;
    struct c360_diag diag;
    size_t value_len = 0, key_len = 0;

    snprintf(path, sizeof(path), "%s/value.jsonl", dir);
    char *values = read_or_null(path, NULL);
    if (values) {
        run_sequence(topic, format, dir, values);
        free(values);
        return;
    }
    c360_diag_clear(&diag);
    ck_assert_msg(c360_codec_new(topic, format, &codec, &diag) == C360_OK, "%s: %s", dir,
                  diag.text);
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    snprintf(path, sizeof(path), "%s/value.json", dir);
    char *value = read_or_null(path, &value_len);
    snprintf(path, sizeof(path), "%s/value.null", dir);
    char *tombstone = read_or_null(path, NULL);
    ck_assert_msg(value || tombstone, "%s: neither value.json nor value.null", dir);
    snprintf(path, sizeof(path), "%s/key.txt", dir);
    char *key = read_or_null(path, &key_len);
    struct c360_codec_msg msg = {
        .topic = topic->name,
        .partition = 3,
        .offset = 42,
        .key = key,
        .key_len = key_len,
        .timestamp = MSG_TIMESTAMP,
        .value = value,
        .len = value_len,
    };
    c360_diag_clear(&diag);
    enum c360_err err = c360_codec_decode(codec, &msg, rec, &diag);

    char got_err[1024];
    snprintf(got_err, sizeof(got_err), "%s: %s", diag.field, diag.text);
    char *json = NULL;
    if (!err)
        ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_PRETTY, &json), C360_OK);
    snprintf(path, sizeof(path), "%s/expected.err", dir);
    char *want_err = read_or_null(path, NULL);
    snprintf(path, sizeof(path), "%s/expected.json", dir);
    char *want_json = read_or_null(path, NULL);

    if (getenv("C360_GOLDEN_UPDATE")) {
        snprintf(path, sizeof(path), "%s/%s", dir, err ? "expected.err" : "expected.json");
        write_text(path, err ? got_err : json);
    } else if (want_err) {
        ck_assert_msg(err != C360_OK, "%s: accepted, expected '%s'", dir, want_err);
        ck_assert_msg(strcmp(got_err, want_err) == 0, "%s:\n got  '%s'\n want '%s'", dir, got_err,
                      want_err);
    } else {
        ck_assert_msg(want_json != NULL, "%s: neither expected.json nor expected.err", dir);
        ck_assert_msg(err == C360_OK, "%s: refused: %s", dir, got_err);
        ck_assert_msg(strcmp(json, want_json) == 0, "%s:\n got\n%s\n want\n%s", dir, json,
                      want_json);
        /* What c360 writes as canonical JSON, it reads back to the same record
         * (a re-sync request is an output, not an input). */
        if (rec->change != C360_CHANGE_RESYNC) {
            ck_assert_msg(c360_codec_json_decode(json, strlen(json), rec, &diag) == C360_OK,
                          "%s: own output refused: %s", dir, diag.text);
            char *again;
            ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_PRETTY, &again), C360_OK);
            ck_assert_str_eq(again, json);
            free(again);
        }
    }
    free(json);
    free(want_err);
    free(want_json);
    free(key);
    free(value);
    free(tombstone);
    c360_record_destroy(rec);
    c360_codec_destroy(codec);
}

/* Runs every case of one format; returns how many. */
static int run_format(const struct c360_topic_set *topics, const char *format)
{
    struct c360_file_list dirs, cases;
    char dir[4096], case_dir[8192];
    int checked = 0;
    snprintf(dir, sizeof(dir), "%s/%s", DATA, format);
    ck_assert_int_eq(c360_file_list_dir(dir, "", 16, &dirs, NULL), C360_OK);
    for (size_t t = 0; t < dirs.count; t++) {
        const struct c360_topic *topic = c360_topic_set_find(topics, dirs.names[t]);
        ck_assert_msg(topic != NULL, "%s/%s: no such topic id", format, dirs.names[t]);
        snprintf(dir, sizeof(dir), "%s/%s/%s", DATA, format, dirs.names[t]);
        ck_assert_int_eq(c360_file_list_dir(dir, "", 256, &cases, NULL), C360_OK);
        for (size_t c = 0; c < cases.count; c++) {
            snprintf(case_dir, sizeof(case_dir), "%s/%s", dir, cases.names[c]);
            run_case(topic, format, case_dir);
            checked++;
        }
        c360_file_list_free(&cases);
    }
    c360_file_list_free(&dirs);
    return checked;
}

START_TEST(test_c360_codec_decode_golden_files)
{
    struct c360_topic_set *topics;
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    int checked = run_format(topics, formats[_i]);
    /* A format whose folder went missing must not pass quietly. */
    ck_assert_msg(checked >= 3, "%s: only %d golden cases", formats[_i], checked);
    c360_topic_set_destroy(topics);
}
END_TEST

START_TEST(test_c360_codec_json_decode_refuses_oversized_value)
{
    struct c360_record *rec;
    struct c360_diag diag;
    size_t len = 10 * 1024 * 1024;
    char *big = malloc(len);
    memset(big, ' ', len);
    big[0] = '{';
    big[len - 1] = '}';
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    ck_assert_int_eq(c360_codec_json_decode(big, len, rec, &diag), C360_ERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(diag.text, "larger than 1048576 bytes"));
    c360_record_destroy(rec);
    free(big);
}
END_TEST

START_TEST(test_c360_codec_json_decode_refuses_deep_nesting)
{
    struct c360_record *rec;
    struct c360_diag diag;
    size_t depth = 5000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    ck_assert_int_eq(c360_codec_json_decode(deep, 2 * depth, rec, &diag), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "maximum parsing depth"));
    c360_record_destroy(rec);
    free(deep);
}
END_TEST

START_TEST(test_c360_codec_new_refuses_formats_without_decoder)
{
    struct c360_topic_set *topics;
    struct c360_codec *codec = NULL;
    struct c360_diag diag;
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    const struct c360_topic *individual = c360_topic_set_find(topics, "individual");
    ck_assert_int_eq(c360_codec_new(individual, "protobuf", &codec, &diag), C360_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(diag.text, "no decoder for 'protobuf'"));
    ck_assert_ptr_null(codec);
    const struct c360_topic *out = c360_topic_set_find(topics, "unified-profile");
    ck_assert_int_eq(c360_codec_new(out, "json", &codec, &diag), C360_ERR_INVALID);
    c360_topic_set_destroy(topics);
}
END_TEST

/* The channels schemas/individual.avsc names for preferredChannel. */
static bool is_channel(const char *name)
{
    static const char *const channels[] = {"EMAIL", "SMS", "PHONE", "MAIL"};
    for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
        if (strcmp(name, channels[i]) == 0)
            return true;
    }
    return false;
}

/* Every value map of every shipped mapping gives only values its canonical
 * field accepts (a typo there would dead-letter good records in production).
 * Decoding through value maps is covered by the golden files. */
START_TEST(test_c360_codec_decode_every_shipped_value_map_entry)
{
    struct c360_topic_set *topics;
    int entries = 0;
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        if (!*t->mapping)
            continue;
        json_t *mapping = json_loads(t->mapping, 0, NULL); /* new */
        ck_assert_ptr_nonnull(mapping);
        const char *target;
        json_t *rule;
        json_object_foreach(mapping, target, rule)
        {
            json_t *values = json_object_get(rule, "values");
            if (!values)
                continue;
            const char *from = json_string_value(json_object_get(rule, "from"));
            const char *source_value;
            json_t *canonical;
            json_object_foreach(values, source_value, canonical)
            {
                const char *want = json_string_value(canonical);
                enum c360_account_type type;
                enum c360_account_status status;
                enum c360_direction direction;
                ck_assert_msg(strcmp(target, "accountType") == 0
                                  ? c360_account_type_parse(want, &type) == C360_OK
                              : strcmp(target, "status") == 0
                                  ? c360_account_status_parse(want, &status) == C360_OK
                              : strcmp(target, "direction") == 0
                                  ? c360_direction_parse(want, &direction) == C360_OK
                              : strcmp(target, "preferredChannel") == 0 ? is_channel(want)
                                                                        : false,
                              "%s: %s maps '%s' to '%s', which %s does not accept", t->name, from,
                              source_value, want, target);
                entries++;
            }
        }
        json_decref(mapping);
    }
    ck_assert_int_ge(entries, 45); /* the shipped maps exist (47 entries today) */
    c360_topic_set_destroy(topics);
}
END_TEST

/* Mapping cases: each decodes a plain JSON row through a mapping both
 * straight into the record and through the canonical object
 * (c360_codec_set_mapping_json), which must agree; `want` is a piece of the
 * canonical JSON, or the refusal "! field: text". */
#define COMMON                                                                                     \
    "\"changeType\":{\"const\":\"UPSERT\"},\"source.system\":{\"const\":\"t\"},"                   \
    "\"source.recordId\":\"id\",\"globalPartyId\":\"gp\""
#define ACCOUNT_ID "{" COMMON ",\"globalAccountId\":\"id\","
#define ACCOUNT ACCOUNT_ID "\"accountType\":{\"const\":\"CD\"},\"status\":{\"const\":\"OPEN\"},"
#define PERSON "{" COMMON ","
static const struct mapping_case {
    const char *topic, *mapping, *row;
    bool direct;
    const char *want;
} mapping_cases[] = {
    /* nested object paths: money */
    {"financial-account", ACCOUNT "\"balance.amount\":\"b\",\"balance.currency\":\"c\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"b\":\"12.3\",\"c\":\"USD\"}", true,
     "\"balance\":{\"amount\":\"12.30\",\"currency\":\"USD\"}"},
    {"financial-account", ACCOUNT "\"balance.amount\":\"b\",\"balance.currency\":\"c\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"b\":1234.5,\"c\":\"EUR\"}", true,
     "\"balance\":{\"amount\":\"1234.50\",\"currency\":\"EUR\"}"},
    {"financial-account", ACCOUNT "\"balance.amount\":\"b\",\"balance.currency\":\"c\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"b\":-7,\"c\":\"JPY\"}", true,
     "\"balance\":{\"amount\":\"-7.00\",\"currency\":\"JPY\"}"},
    {"financial-account", ACCOUNT "\"balance.amount\":\"b\",\"balance.currency\":\"c\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"b\":null,\"c\":\"USD\"}", true,
     "! balance.amount: required field is missing"},
    {"financial-account", ACCOUNT "\"balance.amount\":\"b\",\"balance.currency\":\"c\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"b\":\"1.005\",\"c\":\"USD\"}", true, "! balance.amount: "},
    {"financial-account", ACCOUNT "\"balance.amount\":\"b\",\"balance.currency\":\"c\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"b\":\"1.00\",\"c\":\"usd\"}", true,
     "! balance.currency: 'usd' is not an ISO 4217 currency code"},
    {"financial-account", ACCOUNT "\"balance.amount\":\"b\",\"balance.currency\":\"c\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"b\":\"1.00\"}", true,
     "! balance.currency: required field is missing"},
    /* list targets: a split text */
    {"financial-account", ACCOUNT "\"jointOwnerIds\":{\"from\":\"j\",\"split\":\",\"}}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"j\":\" G2, G3,,\\tG4 ,\"}", true,
     "\"jointOwnerIds\":[\"G2\",\"G3\",\"G4\"]"},
    {"financial-account", ACCOUNT "\"jointOwnerIds\":{\"from\":\"j\",\"split\":\"::\"}}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"j\":\"::\"}", true,
     "\"globalAccountId\":\"A1\",\"accountType\""},
    {"financial-account", ACCOUNT "\"jointOwnerIds\":{\"from\":\"j\",\"split\":\",\"}}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"j\":12}", true, "! jointOwnerIds: j must be text to split"},
    /* enums through value maps and constants */
    {"financial-account",
     ACCOUNT_ID "\"status\":{\"from\":\"s\",\"values\":{\"Open\":\"OPEN\"}},"
                "\"accountType\":{\"const\":\"SAVINGS\"}}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"s\":\"Open\"}", true,
     "\"accountType\":\"SAVINGS\",\"status\":\"OPEN\""},
    {"financial-account", ACCOUNT_ID "\"status\":{\"from\":\"s\",\"values\":{\"Open\":\"OPEN\"}}}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"s\":\"Shut\"}", true,
     "! status: 'Shut' of s is not in the mapping's value map"},
    {"financial-account", ACCOUNT_ID "\"accountType\":\"t\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"t\":\"checking\"}", true,
     "! accountType: 'checking' is not a known accountType"},
    /* dates and times */
    {"financial-account",
     ACCOUNT "\"openedDate\":\"o\",\"balanceAsOf\":\"a\",\"occurredAt\":\"u\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"o\":\"2020-02-29\",\"a\":1795426200000,"
     "\"u\":\"2026-11-20T10:00:00.250Z\"}",
     true, "\"openedDate\":\"2020-02-29\""},
    {"financial-account", ACCOUNT "\"openedDate\":\"o\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"o\":\"2021-02-29\"}", true, "! openedDate: "},
    {"financial-account", ACCOUNT "\"balanceAsOf\":\"a\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"a\":99999999999999999}", true, "! balanceAsOf: "},
    {"financial-account", ACCOUNT "\"openedDate\":\"o\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"o\":20200229}", true,
     "! openedDate: must be a YYYY-MM-DD string"},
    /* list items, holes and nested lists of objects */
    {"individual",
     PERSON "\"firstName\":\"n.first\",\"phones.2\":\"p2\",\"phones.0\":\"p0\",\"emails.1\":\"e\","
            "\"addresses.3.city\":\"c\",\"addresses.1.line1\":\"l\",\"addresses.1.country\":\"k\"}",
     "{\"id\":\"I1\",\"gp\":\"G1\",\"n\":{\"first\":\"Ann\"},\"p2\":\"555-2\",\"p0\":null,"
     "\"e\":\"a@x\",\"c\":\"Town\",\"l\":\"1 Main\",\"k\":null}",
     true,
     "\"firstName\":\"Ann\",\"emails\":[\"a@x\"],\"phones\":[\"555-2\"],\"addresses\":"
     "[{\"line1\":\"1 Main\"},{\"city\":\"Town\"}]"},
    {"individual",
     PERSON "\"partyIdentifiers.0.type\":{\"const\":\"TIN\",\"if\":\"tin\"},"
            "\"partyIdentifiers.0.value\":\"tin\",\"partyIdentifiers.4.type\":{\"const\":\"SSN\"},"
            "\"partyIdentifiers.4.value\":\"ssn\"}",
     "{\"id\":\"I1\",\"gp\":\"G1\",\"tin\":\"12-3\",\"ssn\":\"9\"}", true,
     "\"partyIdentifiers\":[{\"type\":\"TIN\",\"value\":\"12-3\"},{\"type\":\"SSN\",\"value\":"
     "\"9\"}]"},
    {"individual",
     PERSON "\"partyIdentifiers.0.type\":{\"const\":\"SSN\"},\"partyIdentifiers.0.value\":\"ssn\"}",
     "{\"id\":\"I1\",\"gp\":\"G1\"}", true,
     "! partyIdentifiers: each identifier needs a type and a value"},
    {"individual", PERSON "\"firstName\":\"n\"}", "{\"id\":\"I1\",\"gp\":\"G1\",\"n\":7}", true,
     "! firstName: must be a string"},
    {"individual", PERSON "\"emails.0\":\"e\"}", "{\"id\":\"I1\",\"gp\":\"G1\",\"e\":true}", true,
     "! emails: must be an array of strings"},
    {"individual", PERSON "\"emails\":\"e\"}",
     "{\"id\":\"I1\",\"gp\":\"G1\",\"e\":[\"a@x\",\"b@y\"]}", true, "\"emails\":[\"a@x\",\"b@y\"]"},
    /* meta values, missing and null fields */
    {"web-engagement",
     "{" COMMON ",\"eventId\":{\"meta\":\"key\"},\"occurredAt\":{\"meta\":\"timestamp\"},"
     "\"engagementId\":\"id\",\"sessionId\":\"id\",\"pageUrl\":{\"meta\":\"position\"},\"subject\":"
     "\"none\","
     "\"email\":\"nil\",\"durationSeconds\":\"d\"}",
     "{\"id\":\"E1\",\"gp\":\"G1\",\"nil\":null,\"d\":30}", true,
     "{\"eventId\":\"k-1\",\"changeType\":\"UPSERT\",\"occurredAt\":\"2026-11-23T11:20:00.000Z\","
     "\"source\":{\"system\":\"t\",\"recordId\":\"E1\"},\"globalPartyId\":\"G1\","
     "\"engagementId\":\"E1\",\"sessionId\":\"E1\",\"pageUrl\":\"c360.in.web-engagement:3:42\","
     "\"durationSeconds\":30}"},
    {"web-engagement", "{" COMMON ",\"engagementId\":\"id\",\"durationSeconds\":\"d\"}",
     "{\"id\":\"E1\",\"gp\":\"G1\",\"d\":\"30\"}", true,
     "! durationSeconds: must be a non-negative integer"},
    {"web-engagement",
     "{\"source.system\":{\"const\":\"t\"},\"source.recordId\":\"id\",\"globalPartyId\":\"gp\","
     "\"engagementId\":\"id\",\"changeType\":\"c\"}",
     "{\"id\":\"E1\",\"gp\":\"G1\",\"c\":false}", true, "! changeType: must be a string"},
    /* transactions: a plain amount beside its currency, or an amount object */
    {"financial-transaction",
     "{" COMMON ",\"globalTransactionId\":\"id\",\"globalAccountId\":\"a\",\"amount\":\"m\","
     "\"currency\":\"c\",\"direction\":{\"from\":\"d\",\"values\":{\"DR\":\"DEBIT\"}},"
     "\"transactionDate\":\"t\",\"status\":\"s\"}",
     "{\"id\":\"T1\",\"gp\":\"G1\",\"a\":\"A1\",\"m\":\"0.30\",\"c\":\"USD\",\"d\":\"DR\","
     "\"t\":\"2026-11-05\",\"s\":\"POSTED\"}",
     true, "\"amount\":{\"amount\":\"0.30\",\"currency\":\"USD\"},\"direction\":\"DEBIT\""},
    {"financial-transaction",
     "{" COMMON ",\"globalTransactionId\":\"id\",\"amount\":\"m\",\"currency\":\"c\"}",
     "{\"id\":\"T1\",\"gp\":\"G1\",\"m\":\"0.30\"}", true,
     "! currency: required with a plain amount"},
    {"financial-transaction",
     "{" COMMON
     ",\"globalTransactionId\":\"id\",\"globalAccountId\":\"id\",\"amount.amount\":\"m\","
     "\"amount.currency\":{\"const\":\"CHF\"},\"currency\":\"c\","
     "\"direction\":{\"const\":\"CREDIT\"},\"transactionDate\":{\"const\":\"2026-01-02\"}}",
     "{\"id\":\"T1\",\"gp\":\"G1\",\"m\":5,\"c\":12}", true,
     "\"amount\":{\"amount\":\"5.00\",\"currency\":\"CHF\"}"},
    /* mappings only the canonical object can take */
    {"financial-account", ACCOUNT "\"balance\":\"b\"}",
     "{\"id\":\"A1\",\"gp\":\"G1\",\"b\":{\"amount\":\"1.00\",\"currency\":\"USD\"}}", false,
     "\"balance\":{\"amount\":\"1.00\",\"currency\":\"USD\"}"},
    {"individual", PERSON "\"emails\":{\"from\":\"e\",\"split\":\",\"},\"emails.0\":\"f\"}",
     "{\"id\":\"I1\",\"gp\":\"G1\",\"e\":\"a@x\",\"f\":\"b@y\"}", false, "\"emails\":[\"b@y\"]"},
    {"individual", PERSON "\"phones.01\":\"p\"}", "{\"id\":\"I1\",\"gp\":\"G1\",\"p\":\"5\"}",
     false, "\"phones\":[\"5\"]"},
    {"individual", PERSON "\"firstName\":{\"const\":null}}", "{\"id\":\"I1\",\"gp\":\"G1\"}", false,
     "\"globalPartyId\":\"G1\"}"},
    {"individual", PERSON "\"nickName\":\"n\"}", "{\"id\":\"I1\",\"gp\":\"G1\",\"n\":\"Al\"}",
     false, "\"globalPartyId\":\"G1\"}"},
};

/* The canonical JSON of a decode (new), or its refusal as "! field: text". */
static char *mapping_outcome(const struct c360_codec *codec, const struct c360_codec_msg *msg,
                             struct c360_record *rec)
{
    struct c360_diag diag;
    char *text;
    c360_diag_clear(&diag);
    if (c360_codec_decode(codec, msg, rec, &diag) == C360_OK) {
        ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_COMPACT, &text), C360_OK);
        return text;
    }
    size_t n = strlen(diag.field) + strlen(diag.text) + 8;
    text = malloc(n);
    ck_assert_ptr_nonnull(text);
    snprintf(text, n, "! %s: %s", diag.field, diag.text);
    return text;
}

START_TEST(test_c360_codec_decode_maps_straight_into_record)
{
    const struct mapping_case *c = &mapping_cases[_i];
    struct c360_topic_set *topics;
    struct c360_codec *direct, *json;
    struct c360_record *rec;
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    struct c360_topic topic = *c360_topic_set_find(topics, c->topic);
    topic.mapping = (char *)c->mapping;
    ck_assert_int_eq(c360_codec_new(&topic, "json", &direct, NULL), C360_OK);
    ck_assert_int_eq(c360_codec_new(&topic, "json", &json, NULL), C360_OK);
    c360_codec_set_mapping_json(json, true);
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    ck_assert_msg(c360_codec_mapping_direct(direct) == c->direct, "case %d: direct is %d", _i,
                  (int)c360_codec_mapping_direct(direct));
    struct c360_codec_msg msg = {.topic = topic.name,
                                 .partition = 3,
                                 .offset = 42,
                                 .key = "k-1",
                                 .key_len = 3,
                                 .timestamp = MSG_TIMESTAMP,
                                 .value = c->row,
                                 .len = strlen(c->row)};
    char *a = mapping_outcome(direct, &msg, rec), *b = mapping_outcome(json, &msg, rec);
    ck_assert_str_eq(a, b);
    ck_assert_msg(strstr(a, c->want), "case %d: %s lacks %s", _i, a, c->want);
    /* What is accepted is decided without the canonical object (but for a
     * position meta value and source arrays, which go through jansson). */
    if (c->direct && c->want[0] != '!' && !strstr(c->mapping, "\"position\"") &&
        !strchr(c->row, '[')) {
        struct c360_mapping *m;
        enum c360_entity entity;
        json_t *row = json_loads(c->row, 0, NULL); /* new */
        ck_assert_int_eq(c360_entity_parse(topic.id, &entity), C360_OK);
        ck_assert_int_eq(c360_mapping_parse(c->mapping, &m, NULL), C360_OK);
        c360_mapping_direct(m, entity);
        c360_record_reset(rec, entity);
        struct c360_mapping_defaults defaults = {C360_CHANGE_NONE, MSG_TIMESTAMP, "t:3:42", NULL};
        ck_assert_int_eq(
            c360_mapping_record(m, &(struct c360_row){.obj = row}, &msg, &defaults, rec, NULL),
            C360_OK);
        json_decref(row);
        c360_mapping_destroy(m);
    }
    free(a);
    free(b);
    c360_record_destroy(rec);
    c360_codec_destroy(direct);
    c360_codec_destroy(json);
    c360_topic_set_destroy(topics);
}
END_TEST

/* The shipped mappings of every mapped format go straight into the record. */
START_TEST(test_c360_codec_new_maps_shipped_topics_directly)
{
    static const char *const ids[] = {"financial-account", "financial-transaction",
                                      "external-financial-account", "web-engagement"};
    struct c360_topic_set *topics;
    struct c360_codec *codec;
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        ck_assert_int_eq(c360_codec_new(c360_topic_set_find(topics, ids[i]), "json", &codec, NULL),
                         C360_OK);
        ck_assert_msg(c360_codec_mapping_direct(codec), "%s", ids[i]);
        c360_codec_destroy(codec);
    }
    /* Salesforce CDC maps its merged rows straight into individuals too; org
     * records take the canonical object, which the decoder adds to. */
    ck_assert_int_eq(c360_codec_new(c360_topic_set_find(topics, "individual"), NULL, &codec, NULL),
                     C360_OK);
    ck_assert(c360_codec_mapping_direct(codec));
    c360_codec_destroy(codec);
    ck_assert_int_eq(c360_codec_new(c360_topic_set_find(topics, "org-account"), NULL, &codec, NULL),
                     C360_OK);
    ck_assert(!c360_codec_mapping_direct(codec));
    c360_codec_destroy(codec);
    ck_assert_int_eq(
        c360_codec_new(c360_topic_set_find(topics, "individual"), "json", &codec, NULL), C360_OK);
    ck_assert(c360_codec_mapping_direct(codec));
    c360_codec_destroy(codec);
    c360_topic_set_destroy(topics);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("c360_codec_decode");
    tcase_add_loop_test(tc, test_c360_codec_decode_golden_files, 0,
                        sizeof(formats) / sizeof(formats[0]));
    tcase_add_test(tc, test_c360_codec_decode_every_shipped_value_map_entry);
    tcase_add_loop_test(tc, test_c360_codec_decode_maps_straight_into_record, 0,
                        sizeof(mapping_cases) / sizeof(mapping_cases[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_codec_new");
    tcase_add_test(tc, test_c360_codec_new_refuses_formats_without_decoder);
    tcase_add_test(tc, test_c360_codec_new_maps_shipped_topics_directly);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_codec_json_decode");
    tcase_add_test(tc, test_c360_codec_json_decode_refuses_oversized_value);
    tcase_add_test(tc, test_c360_codec_json_decode_refuses_deep_nesting);
    suite_add_tcase(s, tc);
    c360_check_registry_add(s);
    c360_check_avro_add(s);
    c360_check_jsonread_add(s);
    c360_check_connect_add(s);
    return s;
}
