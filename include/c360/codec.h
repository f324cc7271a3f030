/*
 * c360 codec — turns the bytes of one Kafka message into a canonical record
 * (DESIGN.md §1, §3), or into a precise diagnostic (field and reason) that the
 * dead-letter path carries. Also writes records back as canonical JSON, the
 * form `c360 decode` prints and golden tests compare.
 *
 * Owns nothing between calls; does no Kafka I/O and no logging. JSON and Avro
 * library types stay inside this module.
 */
#ifndef C360_CODEC_H
#define C360_CODEC_H

#include "c360/err.h"
#include "c360/record.h"

#include <stddef.h>

/* A message value larger than this is refused before it is parsed. */
#define C360_CODEC_VALUE_MAX (1024 * 1024)

/*
 * Canonical JSON: one object with the field names of DESIGN.md §3 and
 * schemas/. Times are RFC 3339 strings or epoch-millisecond integers, dates
 * YYYY-MM-DD, money {"amount": "4210.17" | 4210.17, "currency": "USD"} (a
 * transaction may also give "amount" and "currency" side by side). null means
 * absent; unknown fields are ignored so producers can add fields first.
 * rec is reset to its entity first; it is validated before C360_OK.
 */
enum c360_err c360_codec_json_decode(const char *bytes, size_t len, struct c360_record *rec,
                                     struct c360_diag *diag) C360_MUST_USE;

/* Output layouts of c360_codec_json_encode. */
enum c360_codec_layout {
    C360_CODEC_COMPACT, /* one line */
    C360_CODEC_PRETTY,  /* two-space indent, for golden files */
};

/* Canonical JSON of rec, keys in schema order, absent fields left out;
 * *out is new (free()) and NUL-terminated. */
enum c360_err c360_codec_json_encode(const struct c360_record *rec, enum c360_codec_layout layout,
                                     char **out) C360_MUST_USE;

#endif
