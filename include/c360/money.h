/*
 * c360 core — exact money: integer minor units (scale 2: cents) plus an ISO
 * 4217 currency code. Inputs arrive as decimal strings or JSON numbers; both
 * are converted without ever computing with a binary float, and anything not
 * exactly representable in minor units is refused with a diagnostic.
 *
 * Owns nothing; no I/O. Used by codecs and the engine alike.
 */
#ifndef C360_MONEY_H
#define C360_MONEY_H

#include "c360/err.h"

#include <stdint.h>

/* Minor units per major unit. Currencies with 3 decimals (BHD, KWD) are not
 * representable; the schemas say so (Money is decimal(18,2)). */
#define C360_MONEY_SCALE 100
/* |amount| ≤ 10^16 - 1 minor units: fits decimal(18,2) and leaves headroom
 * for summing many balances in int64 without overflow checks per addition. */
#define C360_MONEY_MAX_MINOR INT64_C(9999999999999999)

struct c360_money {
    int64_t minor;    /* amount × 100, exact */
    char currency[4]; /* ISO 4217, e.g. "USD"; "" when unknown */
};

/*
 * Parses a decimal string: optional sign, digits, optional fraction, optional
 * exponent ("4210.17", "-12", "1.5E+2", "0.10"). Digits beyond the second
 * decimal must be zero ("1.500" is 1.50; "1.505" is refused). At most
 * C360_MONEY_MAX_MINOR in magnitude. No spaces, no thousands separators.
 */
enum c360_err c360_money_parse(const char *text, int64_t *minor,
                               struct c360_diag *diag) C360_MUST_USE;

/*
 * Converts a JSON number that a JSON library has already turned into a
 * double. Exact when the number was written with at most 15 significant
 * digits (then "%.15g" gives back its decimal text); anything else is refused
 * and the producer is told to send a decimal string.
 */
enum c360_err c360_money_from_double(double value, int64_t *minor,
                                     struct c360_diag *diag) C360_MUST_USE;

/* Checks an ISO 4217 alphabetic code: three upper-case ASCII letters. */
enum c360_err c360_money_check_currency(const char *code, struct c360_diag *diag) C360_MUST_USE;

/* Writes minor units as a decimal string with two decimals ("-0.05"); buf
 * needs 24 bytes. Returns buf. */
char *c360_money_format(int64_t minor, char *buf, size_t size);

#endif
