/*
 * libFuzzer target: Kafka Connect JSON and Debezium messages read without a
 * DOM (src/codec/connect.c, through the codec's schema cache) against the
 * jansson path (c360_codec_set_dom_only), with the shipped financial-account
 * topic and its mapping. The first byte picks the format. The two must agree
 * on accepting or refusing, on the diagnostic (field and text) when both
 * refuse, and on the canonical JSON of what they accept.
 *
 * The fast codecs live across inputs, so their schema caches fill, hit and
 * evict as the fuzzer mutates payloads under schemas it has seen.
 */
#include "c360/codec.h"
#include "codec_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const formats[] = {"connect-json", "debezium"};
#define FORMATS (sizeof(formats) / sizeof(formats[0]))

static struct c360_codec *fast[FORMATS], *dom[FORMATS];
static struct c360_record *rec;

static void setup(void)
{
    struct c360_topic_set *topics;
    if (c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &rec))
        abort();
    const struct c360_topic *t = c360_topic_set_find(topics, "financial-account");
    for (size_t i = 0; i < FORMATS; i++) {
        if (!t || c360_codec_new(t, formats[i], &fast[i], NULL) ||
            c360_codec_new(t, formats[i], &dom[i], NULL))
            abort();
        c360_codec_set_dom_only(dom[i], true);
    }
    c360_topic_set_destroy(topics);
}

/* The canonical JSON of a decode (new), or its error as "! err field: text". */
static char *outcome(struct c360_codec *codec, const struct c360_codec_msg *msg)
{
    struct c360_diag diag;
    char *text;
    c360_diag_clear(&diag);
    enum c360_err err = c360_codec_decode(codec, msg, rec, &diag);
    if (!err) {
        if (c360_codec_json_encode(rec, C360_CODEC_COMPACT, &text))
            abort();
        return text;
    }
    size_t n = strlen(diag.field) + strlen(diag.text) + 32;
    if (!(text = malloc(n)))
        abort();
    snprintf(text, n, "! %d %s: %s", (int)err, diag.field, diag.text);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rec)
        setup();
    if (size < 1)
        return 0;
    size_t which = data[0] % FORMATS;
    struct c360_codec_msg msg = {.topic = "fuzz",
                                 .partition = 1,
                                 .offset = 7,
                                 .timestamp = 1795426200000,
                                 .value = (const char *)data + 1,
                                 .len = size - 1};
    char *a = outcome(fast[which], &msg), *b = outcome(dom[which], &msg);
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "fast: %s\ndom:  %s\n", a, b);
        abort();
    }
    free(a);
    free(b);
    return 0;
}
