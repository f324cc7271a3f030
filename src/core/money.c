/*
 * c360 core — exact decimal parsing and formatting of money.
 */
#include "c360/money.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* An exponent beyond this cannot produce a representable amount. */
#define MONEY_EXP_MAX 40

enum c360_err c360_money_parse(const char *text, int64_t *minor, struct c360_diag *diag)
{
    const char *p = text;
    bool negative = false;
    if (*p == '-' || *p == '+')
        negative = *p++ == '-';

    /* Collect significant digits and where the decimal point falls. */
    char digits[64];
    size_t ndigits = 0;
    long point = -1; /* digits before the point; -1 while no point seen */
    bool any = false;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            any = true;
            if (ndigits == 0 && *p == '0' && point < 0)
                continue; /* leading zeros of the integer part */
            if (ndigits == sizeof(digits))
                return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "too many digits in '%.40s'",
                                      text);
            digits[ndigits++] = *p;
        } else if (*p == '.' && point < 0) {
            point = (long)ndigits;
        } else {
            break;
        }
    }
    if (!any)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is not a decimal number",
                              text);
    if (point < 0)
        point = (long)ndigits;

    long exp = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = false;
        if (*p == '-' || *p == '+')
            eneg = *p++ == '-';
        if (!(*p >= '0' && *p <= '9'))
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' has a bad exponent", text);
        for (; *p >= '0' && *p <= '9'; p++) {
            exp = exp * 10 + (*p - '0');
            if (exp > MONEY_EXP_MAX)
                return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                      "'%.40s' is out of range for money", text);
        }
        if (eneg)
            exp = -exp;
    }
    if (*p)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is not a decimal number",
                              text);

    /* Value = 0.digits × 10^(point + exp); in minor units the point moves 2 more. */
    long shift = point + exp + 2; /* digits that belong to the integer minor part */
    int64_t v = 0;
    for (long i = 0; i < (long)ndigits; i++) {
        int d = digits[i] - '0';
        if (i >= shift) {
            if (d != 0)
                return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                      "'%.40s' has more than 2 decimals", text);
            continue;
        }
        if (v > (C360_MONEY_MAX_MINOR - d) / 10)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is out of range for money",
                                  text);
        v = v * 10 + d;
    }
    for (long i = (long)ndigits; i < shift && v != 0; i++) {
        if (v > C360_MONEY_MAX_MINOR / 10)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is out of range for money",
                                  text);
        v *= 10;
    }
    *minor = negative ? -v : v;
    return C360_OK;
}

enum c360_err c360_money_from_double(double value, int64_t *minor, struct c360_diag *diag)
{
    char text[64];
    if (!isfinite(value))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "not a finite number");
    /* The shortest text that reads back as the same double, if it has ≤ 15
     * significant digits, is the text the producer wrote (modulo notation). */
    snprintf(text, sizeof(text), "%.15g", value);
    double back;
    if (sscanf(text, "%lf", &back) != 1 || back != value)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "a JSON number with more than 15 significant digits cannot be "
                              "read exactly; send the amount as a decimal string");
    return c360_money_parse(text, minor, diag);
}

enum c360_err c360_money_check_currency(const char *code, struct c360_diag *diag)
{
    for (int i = 0; i < 3; i++) {
        if (code[i] < 'A' || code[i] > 'Z')
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                  "'%.8s' is not an ISO 4217 currency code", code);
    }
    if (code[3] != '\0')
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "'%.8s' is not an ISO 4217 currency code", code);
    return C360_OK;
}

char *c360_money_format(int64_t minor, char *buf, size_t size)
{
    /* By hand, not snprintf: every rendered amount comes through here. Work
     * in unsigned so INT64_MIN would not overflow on negation. */
    char text[24];
    size_t n = sizeof(text);
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t units = mag / C360_MONEY_SCALE, cents = mag % C360_MONEY_SCALE;
    text[--n] = (char)('0' + cents % 10);
    text[--n] = (char)('0' + cents / 10);
    text[--n] = '.';
    do
        text[--n] = (char)('0' + units % 10);
    while ((units /= 10) != 0);
    if (minor < 0)
        text[--n] = '-';
    /* As snprintf would: truncated to size − 1 bytes, always terminated. */
    size_t len = sizeof(text) - n;
    if (size == 0)
        return buf;
    if (len > size - 1)
        len = size - 1;
    memcpy(buf, text + n, len);
    buf[len] = '\0';
    return buf;
}
