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

#endif
