/*
 * libFuzzer target: the per-topic codecs (c360_codec_decode) with the shipped
 * topic declarations and mappings — Kafka Connect JSON, Debezium (value and
 * tombstone key) and mapped plain JSON. The first byte picks the codec.
 * Whatever is accepted must round-trip through canonical JSON.
 */
#include "c360/codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *topic, *format;
} targets[] = {
    {"financial-account", "connect-json"},
    {"financial-account", "debezium"},
    {"web-engagement", "json"},
    {"external-financial-account", "json"},
};
#define TARGETS (sizeof(targets) / sizeof(targets[0]))

static struct c360_codec *codecs[TARGETS];
static struct c360_record *rec;

static void setup(void)
{
    struct c360_topic_set *topics;
    if (c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &rec))
        abort();
    for (size_t i = 0; i < TARGETS; i++) {
        const struct c360_topic *t = c360_topic_set_find(topics, targets[i].topic);
        if (!t || c360_codec_new(t, targets[i].format, &codecs[i], NULL))
            abort();
    }
    c360_topic_set_destroy(topics); /* codecs keep what they need */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rec)
        setup();
    if (size < 1)
        return 0;
    size_t which = data[0] % (TARGETS + 1);
    struct c360_codec_msg msg = {.topic = "fuzz", .timestamp = 1};
    const char *bytes = (const char *)data + 1;
    if (which == TARGETS) { /* a Debezium tombstone: the bytes are the key */
        which = 1;
        msg.key = bytes;
        msg.key_len = size - 1;
    } else {
        msg.value = bytes;
        msg.len = size - 1;
    }
    if (c360_codec_decode(codecs[which], &msg, rec, NULL) != C360_OK)
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
