/*
 * libFuzzer target: the engine (c360_engine_apply) with the shipped identity
 * rules and segments. The input is lines; each line's first byte picks the
 * entity and the rest is canonical JSON. Every record canonical JSON accepts
 * must be applied without a crash, a leak or a sanitizer report, whatever
 * order and time it comes in; the engine may refuse one with a diagnostic.
 * Every output must be JSON text (checked by its first byte and balance).
 */
#include "c360/codec.h"
#include "c360/engine.h"
#include "c360/segment.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum c360_entity entities[] = {
    C360_ENTITY_INDIVIDUAL,       C360_ENTITY_FINANCIAL_ACCOUNT, C360_ENTITY_FINANCIAL_TRANSACTION,
    C360_ENTITY_EXTERNAL_ACCOUNT, C360_ENTITY_WEB_ENGAGEMENT,
};
#define ENTITIES (sizeof(entities) / sizeof(entities[0]))

static struct c360_identity_rules *rules;
static struct c360_segment_set *segments;
static struct c360_record *rec;

static void setup(void)
{
    size_t n;
    const struct c360_segment_insight *insights = c360_engine_insights(&n);
    if (c360_identity_rules_load(C360_SOURCE_DIR "/config/identity.json", &rules, NULL) ||
        c360_segment_set_load(C360_SOURCE_DIR "/config/segments.json", insights, n, &segments,
                              NULL) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &rec))
        abort();
}

static void check_output(const struct c360_engine_output *o)
{
    if (!o->key || (o->value &&
                    (o->value_len == 0 || o->value[0] != '{' || o->value[o->value_len - 1] != '}')))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules)
        setup();
    struct c360_engine *eng;
    struct c360_engine_config cfg = {
        .rules = rules, .segments = segments, .clock = C360_CLOCK_EVENT, .currency = "USD"};
    if (c360_engine_new(&cfg, &eng))
        abort();
    const char *p = (const char *)data, *end = p + size;
    for (int64_t line = 0; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len > 1) {
            struct c360_engine_outputs outs;
            struct c360_engine_position pos = {"fuzz", 0, line, 0};
            c360_record_reset(rec, entities[(unsigned char)p[0] % ENTITIES]);
            if (c360_codec_json_decode(p + 1, len - 1, rec, NULL) == C360_OK) {
                (void)!c360_engine_apply(eng, rec, &pos, 0, &outs, NULL);
                for (size_t i = 0; i < outs.count; i++)
                    check_output(&outs.items[i]);
            }
        }
        p += len + (nl != NULL);
    }
    c360_engine_destroy(eng);
    return 0;
}
