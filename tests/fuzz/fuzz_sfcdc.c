/*
 * libFuzzer target: the Salesforce CDC decoder (src/codec/sfcdc.c) with the
 * shipped topic declarations and mappings. The first byte picks the topic
 * (individual, org-account, org-contact); the rest is one or more events, one
 * per line, decoded in order — every part of each — through one row store,
 * so creates, merged updates, deletes and gaps meet. Whatever is accepted
 * must encode, and a record (not a re-sync request) must round-trip through
 * canonical JSON. A second codec of the topic, with its own row store, maps
 * every row through the canonical object (c360_codec_set_mapping_json): the
 * direct mapping of individuals must give the same record or the same
 * diagnostic.
 */
#include "c360/codec.h"
#include "codec_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const topic_ids[] = {"individual", "org-account", "org-contact"};
#define TARGETS (sizeof(topic_ids) / sizeof(topic_ids[0]))
/* Few rows, so the store's cap is reached too. */
#define ROWS_MAX 4

static struct c360_codec *codecs[TARGETS], *json_codecs[TARGETS];
static struct c360_record *rec, *json_rec;

static void setup(void)
{
    struct c360_topic_set *topics;
    if (c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &rec) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &json_rec))
        abort();
    for (size_t i = 0; i < TARGETS; i++) {
        const struct c360_topic *t = c360_topic_set_find(topics, topic_ids[i]);
        if (!t || c360_codec_new(t, "salesforce-cdc", &codecs[i], NULL) ||
            c360_codec_new(t, "salesforce-cdc", &json_codecs[i], NULL))
            abort();
        c360_codec_set_mapping_json(json_codecs[i], true);
    }
    c360_topic_set_destroy(topics);
}

static void check(void)
{
    char *first, *second;
    if (c360_codec_json_encode(rec, C360_CODEC_COMPACT, &first))
        abort();
    if (rec->change == C360_CHANGE_RESYNC) {
        free(first);
        return;
    }
    if (c360_codec_json_decode(first, strlen(first), rec, NULL) ||
        c360_codec_json_encode(rec, C360_CODEC_COMPACT, &second) || strcmp(first, second) != 0)
        abort();
    free(first);
    free(second);
}

/* One part through both codecs: the same outcome, record or diagnostic. */
static bool decode_both(struct c360_codec *codec, struct c360_codec *json_codec,
                        const struct c360_codec_msg *msg, size_t part, size_t *parts)
{
    struct c360_diag diag, json_diag;
    size_t json_parts = 1;
    c360_diag_clear(&diag);
    c360_diag_clear(&json_diag);
    enum c360_err err = c360_codec_decode_part(codec, msg, part, rec, parts, &diag);
    enum c360_err json_err =
        c360_codec_decode_part(json_codec, msg, part, json_rec, &json_parts, &json_diag);
    if (err != json_err || strcmp(diag.field, json_diag.field) != 0 ||
        strcmp(diag.text, json_diag.text) != 0) {
        fprintf(stderr, "paths differ: direct %d %s: %s, canonical object %d %s: %s\n", err,
                diag.field, diag.text, json_err, json_diag.field, json_diag.text);
        abort();
    }
    if (err)
        return false;
    char *a, *b;
    if (c360_codec_json_encode(rec, C360_CODEC_COMPACT, &a) ||
        c360_codec_json_encode(json_rec, C360_CODEC_COMPACT, &b))
        abort();
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "records differ\n  direct:           %s\n  canonical object: %s\n", a, b);
        abort();
    }
    free(a);
    free(b);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_codec_rows *rows, *json_rows;
    if (!rec)
        setup();
    if (size < 1 || c360_codec_rows_new(ROWS_MAX, &rows))
        return 0;
    if (c360_codec_rows_new(ROWS_MAX, &json_rows)) {
        c360_codec_rows_destroy(rows);
        return 0;
    }
    struct c360_codec *codec = codecs[data[0] % TARGETS],
                      *json_codec = json_codecs[data[0] % TARGETS];
    c360_codec_set_rows(codec, rows);
    c360_codec_set_rows(json_codec, json_rows);
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    for (int64_t offset = 0; p < end; offset++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct c360_codec_msg msg = {
            .topic = "fuzz", .offset = offset, .timestamp = 1, .value = p, .len = len};
        size_t parts = 1;
        for (size_t part = 0; part < parts; part++) {
            if (!decode_both(codec, json_codec, &msg, part, &parts))
                break;
            check();
        }
        p += len + 1;
    }
    c360_codec_set_rows(codec, NULL);
    c360_codec_set_rows(json_codec, NULL);
    c360_codec_rows_destroy(rows);
    c360_codec_rows_destroy(json_rows);
    return 0;
}
