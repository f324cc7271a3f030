/*
 * libFuzzer target: the mapped formats' fast paths against their jansson
 * references, on the shipped topics and their mappings. The low three bits
 * of the first byte pick what runs:
 *   0, 1  Kafka Connect JSON and Debezium messages of financial-account, read
 *         without a DOM (src/codec/connect.c, through the codec's schema
 *         cache) and mapped straight into the record (mapping.c), against the
 *         jansson path (c360_codec_set_dom_only) mapped through the canonical
 *         object (c360_codec_set_mapping_json); also against the fast read
 *         mapped through the canonical object;
 *   2-6   plain JSON rows of the individual, financial-account,
 *         financial-transaction, external-account and web-engagement topics,
 *         read without a DOM (jsonread.c, c360_json_row_read) and mapped
 *         straight into the record, against the jansson path mapped through
 *         the canonical object, and against the fast read mapped so;
 *   7     the same with a fuzzed mapping: the second byte picks the topic,
 *         the mapping text runs to the first newline, the row follows.
 * With the high bit set the message has a key: the row's first 12 bytes.
 * All must agree on accepting or refusing, on the diagnostic (field and text)
 * when they refuse, and on the canonical JSON of what they accept.
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

/* The topic and format of each choice; 7 is the fuzzed mapping. */
static const struct {
    const char *topic, *format;
} choices[] = {
    {"financial-account", "connect-json"},
    {"financial-account", "debezium"},
    {"individual", "json"},
    {"financial-account", "json"},
    {"financial-transaction", "json"},
    {"external-financial-account", "json"},
    {"web-engagement", "json"},
};
#define CHOICES (sizeof(choices) / sizeof(choices[0]))
#define ROW_TOPICS 5 /* choices 2-6: the topics a fuzzed mapping is tried on */

static struct c360_topic_set *topics;
static struct c360_codec *direct[CHOICES], *mapped[CHOICES], *dom[CHOICES];
static struct c360_record *rec;

static void setup(void)
{
    if (c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &rec))
        abort();
    for (size_t i = 0; i < CHOICES; i++) {
        const struct c360_topic *t = c360_topic_set_find(topics, choices[i].topic);
        if (!t || c360_codec_new(t, choices[i].format, &direct[i], NULL) ||
            c360_codec_new(t, choices[i].format, &mapped[i], NULL) ||
            c360_codec_new(t, choices[i].format, &dom[i], NULL))
            abort();
        /* The shipped mappings all go straight into the record. */
        if (!c360_codec_mapping_direct(direct[i]))
            abort();
        c360_codec_set_mapping_json(mapped[i], true);
        c360_codec_set_mapping_json(dom[i], true);
        c360_codec_set_dom_only(dom[i], true);
    }
}

/* The canonical JSON of a decode (new), or its error as "! err field: text". */
static char *outcome(const struct c360_codec *codec, const struct c360_codec_msg *msg)
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

static void same(const char *what, char *a, char *b)
{
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "%s\nfast: %s\nref:  %s\n", what, a, b);
        abort();
    }
    free(b);
}

/* Choice 7: codecs of a fuzzed mapping, made for this input. */
static void fuzz_mapping(const uint8_t *data, size_t size, struct c360_codec_msg *msg)
{
    if (size < 2)
        return;
    const struct c360_topic *t =
        c360_topic_set_find(topics, choices[2 + data[1] % ROW_TOPICS].topic);
    const char *text = (const char *)data + 2, *nl = memchr(text, '\n', size - 2);
    if (!nl)
        return;
    char *mapping = strndup(text, (size_t)(nl - text));
    if (!mapping)
        abort();
    struct c360_topic topic = *t;
    topic.mapping = mapping;
    struct c360_codec *a = NULL, *b = NULL, *c = NULL;
    enum c360_err ea = c360_codec_new(&topic, "json", &a, NULL),
                  eb = c360_codec_new(&topic, "json", &b, NULL),
                  ec = c360_codec_new(&topic, "json", &c, NULL);
    if (ea != eb || ea != ec)
        abort();
    if (!ea) {
        c360_codec_set_mapping_json(b, true);
        c360_codec_set_mapping_json(c, true);
        c360_codec_set_dom_only(c, true);
        msg->value = nl + 1;
        msg->len = size - 2 - (size_t)(nl + 1 - text);
        if (data[0] & 0x80) {
            msg->key = msg->value;
            msg->key_len = msg->len < 12 ? msg->len : 12;
        }
        char *x = outcome(a, msg);
        same(c360_codec_mapping_direct(a) ? "direct mapping" : "mapping", x, outcome(b, msg));
        same("fast row against the DOM", x, outcome(c, msg));
        free(x);
    }
    c360_codec_destroy(a);
    c360_codec_destroy(b);
    c360_codec_destroy(c);
    free(mapping);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rec)
        setup();
    if (size < 1)
        return 0;
    size_t which = data[0] & 7;
    struct c360_codec_msg msg = {.topic = "fuzz",
                                 .partition = 1,
                                 .offset = 7,
                                 .timestamp = 1795426200000,
                                 .value = (const char *)data + 1,
                                 .len = size - 1};
    if (which >= CHOICES) {
        fuzz_mapping(data, size, &msg);
        return 0;
    }
    if (data[0] & 0x80) {
        msg.key = msg.value;
        msg.key_len = msg.len < 12 ? msg.len : 12;
    }
    char *a = outcome(direct[which], &msg);
    same("direct mapping against the canonical object", a, outcome(mapped[which], &msg));
    same("fast path against the DOM", a, outcome(dom[which], &msg));
    free(a);
    return 0;
}
