/*
 * c360 identity — Jaro–Winkler similarity and the given-name match predicate.
 * Pure: no allocation (fixed stack arrays bounded by the normalized-name cap),
 * no I/O.
 */
#include "c360/name.h"

#include "c360/normalize.h"
#include "identity_int.h"

#include <string.h>

#define JW_MAX C360_NORMALIZE_NAME_MAX

/* Decodes up to JW_MAX code points; a byte that is not UTF-8 counts as one
 * code point of its own, so any input compares without failing. */
static size_t code_points(const char *s, uint32_t cps[JW_MAX])
{
    size_t len = strlen(s), pos = 0, n = 0;
    while (pos < len && n < JW_MAX) {
        uint32_t cp;
        if (!c360_identity_utf8_next(s, len, &pos, &cp))
            cp = 0x110000u + (unsigned char)s[pos++];
        cps[n++] = cp;
    }
    return n;
}

/* Winkler (1990), as in the Census Bureau's strcmp95 without its
 * adjustments for similar characters and long strings. */
double c360_name_jaro_winkler(const char *a, const char *b)
{
    uint32_t x[JW_MAX], y[JW_MAX];
    size_t nx = code_points(a, x), ny = code_points(b, y);
    if (nx == 0 && ny == 0)
        return 1.0;
    if (nx == 0 || ny == 0)
        return 0.0;
    size_t longer = nx > ny ? nx : ny;
    size_t window = longer / 2 > 0 ? longer / 2 - 1 : 0;
    bool xm[JW_MAX] = {false}, ym[JW_MAX] = {false};
    size_t m = 0;
    for (size_t i = 0; i < nx; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = i + window + 1 < ny ? i + window + 1 : ny;
        for (size_t j = lo; j < hi; j++) {
            if (!ym[j] && x[i] == y[j]) {
                xm[i] = ym[j] = true;
                m++;
                break;
            }
        }
    }
    if (m == 0)
        return 0.0;
    /* Matched characters out of order, counted in both strings: halved. */
    size_t half = 0;
    for (size_t i = 0, j = 0; i < nx; i++) {
        if (!xm[i])
            continue;
        while (!ym[j])
            j++;
        if (x[i] != y[j])
            half++;
        j++;
    }
    double md = (double)m;
    double jaro = (md / (double)nx + md / (double)ny + (md - (double)half / 2.0) / md) / 3.0;
    size_t prefix = 0;
    while (prefix < 4 && prefix < nx && prefix < ny && x[prefix] == y[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

enum c360_name_match c360_name_match(const char *a, const char *b, double threshold,
                                     const struct c360_nicknames *nk)
{
    if (!a[0] || !b[0])
        return C360_NAME_DIFFERENT;
    if (strcmp(a, b) == 0)
        return C360_NAME_EQUAL;
    if (c360_nicknames_equivalent(nk, a, b))
        return C360_NAME_NICKNAME;
    if (c360_name_jaro_winkler(a, b) >= threshold)
        return C360_NAME_SIMILAR;
    return C360_NAME_DIFFERENT;
}

static bool present(const char *name)
{
    return name && *name;
}

static bool matches(const char *a, const char *b, double threshold, const struct c360_nicknames *nk)
{
    return present(a) && present(b) && c360_name_match(a, b, threshold, nk) != C360_NAME_DIFFERENT;
}

bool c360_name_match_person(const char *first_a, const char *last_a, const char *first_b,
                            const char *last_b, bool with_last, double threshold,
                            const struct c360_nicknames *nk)
{
    bool lasts = with_last && present(last_a) && present(last_b);
    if (matches(first_a, first_b, threshold, nk) &&
        (!lasts || matches(last_a, last_b, threshold, nk)))
        return true;
    return matches(first_a, last_b, threshold, nk) && matches(last_a, first_b, threshold, nk);
}
