/*
 * libFuzzer target: the canonical JSON reader (c360_codec_json_decode, which
 * reads in one pass without a DOM) against the jansson path it replaced
 * (c360_codec_parse_json_jansson, then c360_codec_record_from_json), for every
 * entity. They must agree on accepting or refusing, on the diagnostic (field
 * and text) when both refuse, and on the canonical JSON of what they accept.
 * Then the tree builder on the same reader (c360_json_dom_read, behind
 * c360_codec_parse_json) against json_loadb: a tree it builds jansson builds
 * too, equal and in the same member order; what it leaves to jansson that
 * jansson accepts is nested deeper than the reader goes. And every tree
 * jansson reads dumps, sorted and compact, to json_dumps' bytes exactly
 * (c360_json_dump_sorted).
 *
 * Differences by design (codec_int.h), let through here and nothing else:
 *   - nesting: the reader stops at 64 levels, jansson at 2048;
 *   - money given as a JSON real that a double rounds (more than 15
 *     significant digits, or below a double's range): jansson's double made
 *     some of those an inexact amount, the reader refuses them all, and for
 *     amounts below a double's range quotes the digits as written;
 *   - a NUL byte right after a number or true/false/null: jansson's stream
 *     drops it (its buffer takes the pushed-back NUL for "empty"), so it
 *     accepts [1\0]; RFC 8259 has no place for a NUL there, the reader
 *     refuses it.
 */
#include "c360/codec.h"
#include "codec_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum c360_err decode_with_jansson(const char *bytes, size_t len, struct c360_record *rec,
                                         struct c360_diag *diag)
{
    json_t *obj;
    c360_record_reset(rec, rec->entity);
    enum c360_err err = c360_codec_parse_json_jansson(bytes, len, "the value", &obj, diag);
    if (err)
        return err;
    err = c360_codec_record_from_json(obj, rec, diag);
    json_decref(obj);
    return err;
}

/* A NUL byte where jansson would drop it: after a number or a literal. */
static bool has_nul_after_token(const uint8_t *data, size_t size)
{
    for (size_t i = 1; i < size; i++) {
        uint8_t c = data[i - 1];
        if (data[i] == 0 &&
            ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return true;
    }
    return false;
}

static bool starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* The reader refused an amount given as a JSON real that a double would have
 * rounded. Judged on the field and on text that quotes only the number's
 * digits, so input cannot dress another refusal up as this one. */
static bool is_money_rounding(const struct c360_diag *diag)
{
    if (!ends_with(diag->field, "amount"))
        return false;
    if (strcmp(diag->text, "a JSON number with more than 15 significant digits cannot be read "
                           "exactly; send the amount as a decimal string") == 0)
        return true;
    if (!starts_with(diag->text, "'") || !ends_with(diag->text, "' is out of range for money"))
        return false;
    return strspn(diag->text + 1, "+-.0123456789e") ==
           strlen(diag->text) - 28; /* the quotes and the 27-byte tail */
}

static void disagree(const char *what, enum c360_entity entity, const struct c360_diag *old,
                     const struct c360_diag *new)
{
    fprintf(stderr, "%s for %s\n  jansson: %s: %s\n  reader:  %s: %s\n", what,
            c360_entity_name(entity), old->field, old->text, new->field, new->text);
    abort();
}

static size_t depth_of(json_t *v)
{
    size_t most = 0, d;
    const char *key;
    json_t *item;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, key, item) if ((d = depth_of(item)) > most) most = d;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item) if ((d = depth_of(item)) > most) most = d;
    } else {
        return 1;
    }
    return most + 1;
}

/* The sorted dump the CDC row store writes: json_dumps' bytes exactly. */
static void sorted_same(json_t *v)
{
    char *buf = NULL, *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    size_t cap = 0, len;
    if (c360_json_dump_sorted(v, &buf, &cap, &len) != C360_OK || !want)
        abort();
    if (len != strlen(want) || memcmp(buf, want, len + 1) != 0) {
        fprintf(stderr, "sorted dumps differ\n  c360:    %s\n  jansson: %s\n", buf, want);
        abort();
    }
    free(buf);
    free(want);
}

static void dom_same(const char *bytes, size_t size)
{
    json_t *fast, *ref = json_loadb(bytes, size, JSON_REJECT_DUPLICATES, NULL);
    enum c360_err err = c360_json_dom_read(bytes, size, &fast);
    if (err == C360_ERR_NOMEM)
        abort();
    if (err) {
        if (ref && depth_of(ref) <= 64) {
            fprintf(stderr, "the tree builder left to jansson what it reads\n");
            abort();
        }
        json_decref(ref);
        return;
    }
    if (!ref) {
        fprintf(stderr, "the tree builder accepted what jansson refuses\n");
        abort();
    }
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);
    char *a = json_dumps(fast, flags), *b = json_dumps(ref, flags);
    if (!a || !b || !json_equal(fast, ref) || strcmp(a, b) != 0) {
        fprintf(stderr, "trees differ\n  reader:  %s\n  jansson: %s\n", a, b);
        abort();
    }
    free(a);
    free(b);
    sorted_same(ref);
    json_decref(fast);
    json_decref(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_record *old_rec, *new_rec;
    struct c360_diag old_diag, new_diag;
    const char *bytes = (const char *)data;
    if (has_nul_after_token(data, size))
        return 0;
    dom_same(bytes, size);
    if (c360_record_new(C360_ENTITY_INDIVIDUAL, &old_rec) != C360_OK)
        return 0;
    if (c360_record_new(C360_ENTITY_INDIVIDUAL, &new_rec) != C360_OK) {
        c360_record_destroy(old_rec);
        return 0;
    }
    for (int e = 0; e < C360_ENTITY_COUNT; e++) {
        c360_diag_clear(&old_diag);
        c360_diag_clear(&new_diag);
        c360_record_reset(old_rec, (enum c360_entity)e);
        c360_record_reset(new_rec, (enum c360_entity)e);
        enum c360_err old_err = decode_with_jansson(bytes, size, old_rec, &old_diag);
        enum c360_err new_err = c360_codec_json_decode(bytes, size, new_rec, &new_diag);
        if (new_err && starts_with(new_diag.text, "the value is not JSON: maximum parsing depth"))
            continue;
        /* jansson took the rounded amount and went on: it accepted the record,
         * refused a field it checks later, or quoted the double's digits. */
        if (new_err && is_money_rounding(&new_diag) &&
            !starts_with(old_diag.text, "the value is not JSON:"))
            continue;
        if (!old_err != !new_err)
            disagree("accept/refuse differs", (enum c360_entity)e, &old_diag, &new_diag);
        if (old_err) {
            if (old_err != new_err || strcmp(old_diag.field, new_diag.field) != 0 ||
                strcmp(old_diag.text, new_diag.text) != 0)
                disagree("diagnostics differ", (enum c360_entity)e, &old_diag, &new_diag);
            continue;
        }
        char *old_json, *new_json;
        if (c360_codec_json_encode(old_rec, C360_CODEC_COMPACT, &old_json) != C360_OK ||
            c360_codec_json_encode(new_rec, C360_CODEC_COMPACT, &new_json) != C360_OK)
            abort();
        if (strcmp(old_json, new_json) != 0) {
            fprintf(stderr, "records differ for %s\n  jansson: %s\n  reader:  %s\n",
                    c360_entity_name((enum c360_entity)e), old_json, new_json);
            abort();
        }
        free(old_json);
        free(new_json);
    }
    c360_record_destroy(old_rec);
    c360_record_destroy(new_rec);
    return 0;
}
