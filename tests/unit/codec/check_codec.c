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
 * the row store persisted and restored between messages;
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
        rows = restart_rows(codec, rows, store);
    }
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

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("c360_codec_decode");
    tcase_add_loop_test(tc, test_c360_codec_decode_golden_files, 0,
                        sizeof(formats) / sizeof(formats[0]));
    tcase_add_test(tc, test_c360_codec_decode_every_shipped_value_map_entry);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_codec_new");
    tcase_add_test(tc, test_c360_codec_new_refuses_formats_without_decoder);
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
