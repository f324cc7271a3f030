/*
 * libFuzzer target: canonical JSON (c360_codec_json_decode) for every entity;
 * the first byte picks the entity. Whatever is accepted must survive a round
 * trip: encode, decode again, encode to the same text.
 */
#include "c360/codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_record *rec;
    if (size < 1)
        return 0;
    enum c360_entity entity = (enum c360_entity)(data[0] % C360_ENTITY_COUNT);
    if (c360_record_new(entity, &rec) != C360_OK)
        return 0;
    if (c360_codec_json_decode((const char *)data + 1, size - 1, rec, NULL) == C360_OK) {
        char *first, *second;
        if (c360_codec_json_encode(rec, C360_CODEC_COMPACT, &first) != C360_OK)
            abort();
        if (c360_codec_json_decode(first, strlen(first), rec, NULL) != C360_OK)
            abort();
        if (c360_codec_json_encode(rec, C360_CODEC_COMPACT, &second) != C360_OK)
            abort();
        if (strcmp(first, second) != 0)
            abort();
        free(first);
        free(second);
    }
    c360_record_destroy(rec);
    return 0;
}
