/*
 * c360 codec — what the decoders of this module share: building a canonical
 * record from a JSON object with canonical field names, the last step of
 * every JSON-based format after its envelope is taken apart.
 */
#ifndef C360_CODEC_INT_H
#define C360_CODEC_INT_H

#include "c360/codec.h"

#include <jansson.h>

/* Fills rec (already reset to its entity) from obj (borrowed), field by field,
 * then validates. diag names the field in canonical spelling. */
enum c360_err c360_codec_record_from_json(json_t *obj, struct c360_record *rec,
                                          struct c360_diag *diag) C360_MUST_USE;

/*
 * Canonical JSON straight into rec (already reset to its entity) in one
 * checking pass without a DOM (src/codec/jsonread.c), then validates. Accepts
 * and refuses what c360_codec_parse_json + c360_codec_record_from_json do,
 * with the same diagnostics, but for three things done on purpose:
 *   - it nests at most 64 levels (jansson: 2048);
 *   - a money amount given as a JSON real with more than 15 significant
 *     digits, or too small for a double, is refused; through a double some
 *     were taken as a rounded amount (1.0000000000000001 as 1.00, 1e-400 as 0);
 *   - a NUL byte right after a number or a literal is refused; jansson's
 *     stream drops it and accepts [1\0].
 */
enum c360_err c360_codec_json_read(const char *bytes, size_t len, struct c360_record *rec,
                                   struct c360_diag *diag) C360_MUST_USE;

/* Parses a message part (`what`: "the value", "the key") of at most
 * C360_CODEC_VALUE_MAX bytes; *out is new. jansson refuses invalid UTF-8 and
 * nesting deeper than its fixed limit. */
enum c360_err c360_codec_parse_json(const char *bytes, size_t len, const char *what, json_t **out,
                                    struct c360_diag *diag) C360_MUST_USE;

/* A parsed stream mapping (src/codec/mapping.c). */
struct c360_mapping;

/* Parses mapping text from a topic declaration; "" gives *out = NULL (the
 * input is canonical). *out is new. */
enum c360_err c360_mapping_parse(const char *text, struct c360_mapping **out,
                                 struct c360_diag *diag) C360_MUST_USE;
void c360_mapping_destroy(struct c360_mapping *m);

/* Builds the canonical object (*out new) from a flat source object (borrowed). */
enum c360_err c360_mapping_apply(const struct c360_mapping *m, json_t *source,
                                 const struct c360_codec_msg *msg, json_t **out,
                                 struct c360_diag *diag) C360_MUST_USE;

#endif
