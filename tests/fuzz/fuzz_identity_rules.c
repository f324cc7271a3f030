/*
 * libFuzzer target: the identity rules parser (src/identity/rules.c) on any
 * text. Whatever it accepts must give a graph configuration the identity
 * graph takes, and a record must pass through the rules' blocklist.
 */
#include "c360/identity.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_identity_rules *rules;
    if (c360_identity_rules_parse((const char *)data, size, "fuzz", &rules, NULL) != C360_OK)
        return 0;
    struct c360_identity *g;
    const struct c360_identity_config *cfg = c360_identity_rules_config(rules);
    struct c360_identity_config small = *cfg;
    small.records_max = 16; /* the parsed cap may be huge; the graph is not the target */
    if (c360_identity_new(&small, &g) != C360_OK)
        abort();
    struct c360_record *rec;
    struct c360_identity_input in;
    struct c360_identity_changes changes;
    char buf[4096];
    if (c360_record_new(C360_ENTITY_INDIVIDUAL, &rec) ||
        c360_record_str(rec, "fsc", 3, &rec->source_system, NULL) ||
        c360_record_str(rec, "1", 1, &rec->source_record_id, NULL) ||
        c360_record_str(rec, "GP-1", 4, &rec->global_party_id, NULL) ||
        c360_identity_rules_input(rules, rec, buf, sizeof(buf), &in) ||
        c360_identity_upsert(g, &in, &changes))
        abort();
    c360_record_destroy(rec);
    c360_identity_destroy(g);
    c360_identity_rules_free(rules);
    return 0;
}
