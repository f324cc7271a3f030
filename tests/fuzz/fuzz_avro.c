/*
 * libFuzzer target: the Avro decoder (src/codec/avro.c) through
 * c360_codec_decode, with writer schemas known in advance (the private entry
 * point c360_avro_add_writer, so no HTTP). The first byte picks a writer
 * schema (ids 1-4 of financial-transaction: the canonical schema, one with
 * other field order, an extra field and a scale-3 decimal, one lacking
 * defaulted fields; id 5 of individual; id 6 a JDBC source row of
 * financial-transaction read by src/codec/avro_row.c and the topic's
 * mapping); the rest is the datum behind the 5-byte wire header. Whatever is
 * accepted must round-trip through canonical JSON.
 */
#include "c360/codec.h"
#include "c360/file.h"
#include "c360/schema.h"
#include "codec_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_options(void);

/* avro-c keeps each resolved value 4 bytes into its allocation, behind a
 * reference count, so the pointers it holds are misaligned: LeakSanitizer
 * must scan unaligned words or it reports avro-c's live arrays as leaks. */
const char *__lsan_default_options(void)
{
    return "use_unaligned=1";
}

#define MONEY3                                                                                     \
    "{\"type\":\"record\",\"name\":\"Money\",\"fields\":[{\"name\":\"amount\",\"type\":{\"type\":" \
    "\"bytes\",\"logicalType\":\"decimal\",\"precision\":18,\"scale\":3}},{\"name\":"              \
    "\"currency\",\"type\":\"string\"}]}"
#define HEAD                                                                                       \
    "{\"type\":\"record\",\"name\":\"FinancialTransaction\",\"fields\":["                          \
    "{\"name\":\"source\",\"type\":{\"type\":\"record\",\"name\":\"SourceRef\",\"fields\":["       \
    "{\"name\":\"recordId\",\"type\":\"string\"},{\"name\":\"system\",\"type\":\"string\"}]}},"    \
    "{\"name\":\"eventId\",\"type\":\"string\"},"                                                  \
    "{\"name\":\"changeType\",\"type\":{\"type\":\"enum\",\"name\":\"ChangeType\",\"symbols\":"    \
    "[\"DELETE\",\"UPSERT\",\"CREATE\"]}},"                                                        \
    "{\"name\":\"occurredAt\",\"type\":\"long\"},{\"name\":\"globalPartyId\",\"type\":\"string\"}" \
    ","                                                                                            \
    "{\"name\":\"globalTransactionId\",\"type\":\"string\"},"                                      \
    "{\"name\":\"globalAccountId\",\"type\":\"string\"},"

static const char *const writers[] = {
    NULL, /* the canonical schema */
    HEAD "{\"name\":\"amount\",\"type\":[\"null\"," MONEY3 "]},"
         "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":"
         "\"int\"}}},"
         "{\"name\":\"direction\",\"type\":[\"null\",{\"type\":\"enum\",\"name\":\"Direction\","
         "\"symbols\":[\"DEBIT\",\"CREDIT\",\"REFUND\"]}]},"
         "{\"name\":\"runningBalance\",\"type\":[\"null\",\"Money\"]},"
         "{\"name\":\"transactionDate\",\"type\":[\"null\",\"int\"]}]}",
    HEAD "{\"name\":\"amount\",\"type\":" MONEY3 "}]}",
    HEAD "{\"name\":\"next\",\"type\":[\"null\",\"FinancialTransaction\"]},"
         "{\"name\":\"status\",\"type\":[\"null\",\"string\",\"int\"]}]}",
};
#define WRITERS (sizeof(writers) / sizeof(writers[0]))

static struct c360_codec *txn, *ind, *row, *org;
static struct c360_record *rec, *ref;

static void setup(void)
{
    struct c360_topic_set *topics;
    struct c360_schema_set *schemas;
    char *canonical = NULL, *individual = NULL, *jdbc = NULL, *org_account = NULL;
    size_t len;
    if (c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL))
        abort();
    /* Canonical Avro: the topics without their mappings. */
    struct c360_topic txn_topic = *c360_topic_set_find(topics, "financial-transaction");
    struct c360_topic ind_topic = *c360_topic_set_find(topics, "individual");
    struct c360_topic org_topic = *c360_topic_set_find(topics, "org-account");
    txn_topic.mapping = ind_topic.mapping = org_topic.mapping = "";
    if (c360_schema_set_load_dir(C360_SOURCE_DIR "/schemas", &schemas, NULL) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &rec) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &ref) ||
        c360_file_read(C360_SOURCE_DIR "/schemas/financial_transaction.avsc", 1 << 20, &canonical,
                       &len, NULL) ||
        c360_file_read(C360_SOURCE_DIR "/schemas/individual.avsc", 1 << 20, &individual, &len,
                       NULL) ||
        c360_file_read(C360_SOURCE_DIR "/schemas/org_account.avsc", 1 << 20, &org_account, &len,
                       NULL) ||
        c360_file_read(C360_TEST_DATA "/avro/financial-transaction/row-jdbc-full/writer.avsc",
                       1 << 20, &jdbc, &len, NULL) ||
        c360_codec_new(&txn_topic, "avro", &txn, NULL) ||
        c360_codec_new(&ind_topic, "avro", &ind, NULL) ||
        c360_codec_new(&org_topic, "avro", &org, NULL) ||
        c360_codec_new(c360_topic_set_find(topics, "financial-transaction"), "avro", &row, NULL) ||
        c360_avro_rows_add_writer(c360_codec_avro_rows(row), 6, jdbc, NULL) ||
        c360_codec_set_avro(txn, NULL, schemas, NULL) ||
        c360_codec_set_avro(ind, NULL, schemas, NULL) ||
        c360_codec_set_avro(org, NULL, schemas, NULL))
        abort();
    struct c360_diag diag;
    for (size_t i = 0; i < WRITERS; i++) {
        if (c360_avro_add_writer(c360_codec_avro(txn), (int32_t)i + 1,
                                 writers[i] ? writers[i] : canonical, &diag)) {
            fprintf(stderr, "writer %zu: %s: %s\n", i + 1, diag.field, diag.text);
            abort();
        }
    }
    if (c360_avro_add_writer(c360_codec_avro(ind), 5, individual, NULL) ||
        c360_avro_add_writer(c360_codec_avro(org), 7, org_account, NULL))
        abort();
    free(org_account);
    free(canonical);
    free(individual);
    free(jdbc);
    c360_schema_set_destroy(schemas); /* the codecs keep their reader schemas */
    c360_topic_set_destroy(topics);
}

/* rec (decoded) as canonical JSON, or NULL when err says it was refused; new. */
static char *json_of(enum c360_err err, const struct c360_record *r)
{
    char *json = NULL;
    if (!err && c360_codec_json_encode(r, C360_CODEC_COMPACT, &json))
        abort();
    return json;
}

/* The datum by both paths of the canonical Avro decoder. */
static void compare_paths(struct c360_codec *codec, enum c360_entity entity, const char *wire,
                          size_t len)
{
    struct c360_avro *a = c360_codec_avro(codec);
    struct c360_diag fast, slow;
    c360_diag_clear(&fast);
    c360_diag_clear(&slow);
    c360_record_reset(rec, entity);
    c360_record_reset(ref, entity);
    enum c360_err err = c360_avro_decode(a, wire, len, rec, &fast);
    enum c360_err want = c360_avro_decode_reference(a, wire, len, ref, &slow);
    char *got_json = json_of(err, rec), *want_json = json_of(want, ref);
    if (err != want || strcmp(fast.field, slow.field) != 0 || strcmp(fast.text, slow.text) != 0 ||
        (got_json && strcmp(got_json, want_json) != 0)) {
        fprintf(stderr,
                "the paths disagree:\n  new: %d %s: %s\n      %s\n  old: %d %s: %s\n      %s\n",
                (int)err, fast.field, fast.text, got_json ? got_json : "-", (int)want, slow.field,
                slow.text, want_json ? want_json : "-");
        abort();
    }
    free(got_json);
    free(want_json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char wire[C360_CODEC_VALUE_MAX];
    if (!rec)
        setup();
    if (size < 1 || size > sizeof(wire) - 4)
        return 0;
    uint8_t id = data[0] % (WRITERS + 3) + 1;
    wire[0] = 0;
    wire[1] = wire[2] = wire[3] = 0;
    wire[4] = (char)id;
    memcpy(wire + 5, data + 1, size - 1);
    struct c360_codec_msg msg = {.topic = "fuzz", .timestamp = 1, .value = wire, .len = size + 4};
    struct c360_codec *codec = id == 5 ? ind : id == 6 ? row : id == 7 ? org : txn;
    if (codec != row)
        compare_paths(codec,
                      codec == ind   ? C360_ENTITY_INDIVIDUAL
                      : codec == org ? C360_ENTITY_ORG_ACCOUNT
                                     : C360_ENTITY_FINANCIAL_TRANSACTION,
                      wire, size + 4);
    if (c360_codec_decode(codec, &msg, rec, NULL) != C360_OK)
        return 0;
    char *first, *second;
    if (c360_codec_json_encode(rec, C360_CODEC_COMPACT, &first) ||
        c360_codec_json_decode(first, strlen(first), rec, NULL) ||
        c360_codec_json_encode(rec, C360_CODEC_COMPACT, &second) || strcmp(first, second) != 0)
        abort();
    free(first);
    free(second);
    return 0;
}
