/*
 * libFuzzer target: restoring the engine and the Salesforce CDC rows from
 * any state store items (src/engine/persist.c, with the identity graph's and
 * the insights' restore behind it, and src/codec/sfcdc.c). The input is
 * items back to back, each a database byte (enum c360_persist_db, modulo
 * its count), a key length byte, the key, a two-byte little-endian value
 * length and the value. Whatever restores must be an engine that applies a
 * record and persists; the rest is refused without a crash or a leak.
 */
#include "c360/codec.h"
#include "c360/engine.h"
#include "c360/persist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct c360_identity_rules *rules;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_diag diag;
    if (!rules && c360_identity_rules_load(C360_SOURCE_DIR "/config/identity.json", &rules, &diag))
        abort();
    struct c360_engine_config cfg = {
        .rules = rules, .clock = C360_CLOCK_EVENT, .currency = "USD", .profiles_max = 64};
    struct c360_engine *eng;
    struct c360_codec_rows *rows;
    if (c360_engine_new(&cfg, &eng) || c360_codec_rows_new(16, &rows))
        abort();
    enum c360_err err = C360_OK;
    size_t at = 0;
    while (!err && at + 4 <= size) {
        enum c360_persist_db db = (enum c360_persist_db)(data[at] % C360_DB_COUNT);
        size_t key_len = data[at + 1];
        if (at + 2 + key_len + 2 > size)
            break;
        const uint8_t *key = data + at + 2;
        size_t val_len = data[at + 2 + key_len] | (size_t)data[at + 3 + key_len] << 8;
        const uint8_t *val = data + at + 4 + key_len;
        if (val_len > size - (at + 4 + key_len))
            break;
        at += 4 + key_len + val_len;
        if (db == C360_DB_CODEC)
            err = c360_codec_rows_restore(rows, key, key_len, val, val_len, &diag);
        else if (db != C360_DB_OFFSETS)
            err = c360_engine_restore(eng, db, key, key_len, val, val_len, &diag);
    }
    if (!err && c360_engine_restore_end(eng, &diag) == C360_OK) {
        static const char json[] =
            "{\"eventId\":\"e1\",\"changeType\":\"UPSERT\",\"occurredAt\":\"2026-11-20T09:00:00Z\","
            "\"source\":{\"system\":\"fsc\",\"recordId\":\"1\"},\"globalPartyId\":\"GP-1\","
            "\"firstName\":\"Ana\",\"lastName\":\"Doe\",\"emails\":[\"ana@x.org\"]}";
        struct c360_record *rec;
        struct c360_engine_outputs outs;
        struct c360_engine_position pos = {"fuzz", 0, 0, 0};
        if (c360_record_new(C360_ENTITY_INDIVIDUAL, &rec) ||
            c360_codec_json_decode(json, strlen(json), rec, &diag))
            abort();
        /* A full engine may refuse the record, nothing more. */
        err = c360_engine_apply(eng, rec, &pos, 0, &outs, &diag);
        if (err && err != C360_ERR_LIMIT && err != C360_ERR_INVALID)
            abort();
        if (c360_engine_persist(eng, NULL) != C360_OK ||
            c360_codec_rows_persist(rows, NULL) != C360_OK)
            abort();
        c360_record_destroy(rec);
    }
    c360_codec_rows_destroy(rows);
    c360_engine_destroy(eng);
    return 0;
}
