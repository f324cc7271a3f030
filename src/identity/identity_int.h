/*
 * c360 identity — helpers shared by the normalizers: strict UTF-8 decoding
 * and the Latin folding pass names, street lines and country names share.
 */
#ifndef C360_IDENTITY_INT_H
#define C360_IDENTITY_INT_H

#include "c360/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the code point at text[*pos] (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence) and moves *pos
 * past it. False on invalid UTF-8, *pos unchanged. Never reads at or past len.
 */
bool c360_identity_utf8_next(const char *text, size_t len, size_t *pos, uint32_t *cp);

/*
 * The folding pass of c360_normalize_name (see normalize.h): writes the folded
 * text into out (NUL-terminated) and its length into *out_len. field names the
 * value in diag. Empty results are not an error here.
 */
enum c360_err c360_identity_fold(const char *text, size_t len, char *out, size_t size,
                                 size_t *out_len, const char *field, struct c360_diag *diag);

#endif
