/*
 * libFuzzer target: restoring the identity graph (src/identity/persist.c)
 * from any store items. The input is items back to back, each a database
 * byte (0 meta, 1 identity, 2 blocking), a key length byte, the key, a
 * two-byte little-endian value length and the value. Whatever restores must
 * be a graph that takes changes and persists them; the rest is refused
 * without a crash.
 */
#include "c360/identity.h"
#include "c360/persist.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum c360_persist_db dbs[] = {C360_DB_META, C360_DB_IDENTITY, C360_DB_BLOCKING};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_identity_config cfg = {
        .rules =
            {
                {"global-party-id", C360_IDENTITY_GLOBAL_PARTY_ID, 0, false},
                {"party-identifier", C360_IDENTITY_PARTY_IDENTIFIER, 0, false},
                {"email-first-name", C360_IDENTITY_EMAIL, 0.92, .attach_nameless = true},
                {"phone-name", C360_IDENTITY_PHONE, 0.92, false},
                {"address-name-birth", C360_IDENTITY_ADDRESS, 0.96, false},
            },
        .n_rules = 5,
        .postings_max = 3,
        .cluster_max = 4,
        .records_max = 64,
    };
    struct c360_identity *g;
    struct c360_diag diag;
    enum c360_err err = C360_OK;
    if (c360_identity_new(&cfg, &g) != C360_OK)
        abort();
    size_t at = 0;
    while (!err && at + 4 <= size) {
        enum c360_persist_db db = dbs[data[at] % 3];
        size_t key_len = data[at + 1];
        if (at + 2 + key_len + 2 > size)
            break;
        const uint8_t *key = data + at + 2;
        size_t val_len = data[at + 2 + key_len] | (size_t)data[at + 3 + key_len] << 8;
        const uint8_t *val = data + at + 4 + key_len;
        if (val_len > size - (at + 4 + key_len))
            break;
        at += 4 + key_len + val_len;
        err = c360_identity_restore(g, db, key, key_len, val, val_len, &diag);
    }
    if (!err && c360_identity_restore_end(g, &diag) == C360_OK) {
        struct c360_identity_input in = {
            .key = "fsc:1", .first_name = "ana", .birth_date = C360_DATE_NONE, .n_emails = 1};
        struct c360_identity_changes changes;
        in.emails[0] = "ana@x.org";
        /* A full graph may refuse a new record, nothing else. */
        if ((err = c360_identity_upsert(g, &in, &changes)) && err != C360_ERR_LIMIT)
            abort();
        in.key = "fsc:2";
        if ((err = c360_identity_upsert(g, &in, &changes)) && err != C360_ERR_LIMIT)
            abort();
        if (c360_identity_delete(g, "fsc:1", &changes) != C360_OK ||
            c360_identity_persist(g, NULL) != C360_OK)
            abort();
    }
    c360_identity_destroy(g);
    return 0;
}
