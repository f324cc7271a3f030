/*
 * c360 codec — a JSON tree as the text json_dumps(v, JSON_COMPACT |
 * JSON_SORT_KEYS) writes, byte for byte, without jansson's callback per
 * piece of output and allocation per dump.
 *
 * The decode thread stores each changed Salesforce CDC row this way once per
 * batch (sfcdc.c); jansson's dump took about as long as decoding the row.
 * What jansson writes (jansson 2.14, dump.c and strconv.c, as documented and
 * as fuzz_json_diff holds this file to): members in the order of their names'
 * bytes (a shorter name that is a prefix first); strings with '"', '\\' and
 * the characters below U+0020 escaped, \b \f \n \r \t by letter and the
 * others as \u00XX in capitals; integers in decimal; reals as "%.17g" with
 * ".0" added when that shows neither a point nor an exponent, and the
 * exponent without '+' or leading zeros.
 *
 * Owns nothing: the caller's buffer grows with realloc. Does no I/O.
 */
#include "codec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *buf;
    size_t len, cap;
    bool failed;
};

static bool reserve(struct out *o, size_t n)
{
    if (o->failed)
        return false;
    if (o->len + n + 1 <= o->cap)
        return true;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->len + n + 1)
        cap *= 2;
    char *buf = realloc(o->buf, cap);
    if (!buf) {
        o->failed = true;
        return false;
    }
    o->buf = buf;
    o->cap = cap;
    return true;
}

static void put(struct out *o, const char *s, size_t n)
{
    if (!reserve(o, n))
        return;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void put_char(struct out *o, char c)
{
    if (!reserve(o, 1))
        return;
    o->buf[o->len++] = c;
}

static void put_string(struct out *o, const char *s, size_t n)
{
    /* Escaped by letter, as jansson does; other controls as \u00XX. */
    static const char named[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;
    put_char(o, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(o, s + run, i - run);
        run = i + 1;
        const char *at = memchr(named, c, sizeof(named) - 1);
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (at)
            esc[1] = letter[at - named];
        put(o, esc, at ? 2 : sizeof(esc));
    }
    put(o, s + run, n - run);
    put_char(o, '"');
}

static void put_real(struct out *o, double d)
{
    char text[48];
    int n = snprintf(text, sizeof(text), "%.17g", d);
    if (n < 0 || (size_t)n >= sizeof(text) - 3) {
        o->failed = true;
        return;
    }
    size_t len = (size_t)n;
    char *e = strchr(text, 'e');
    if (!e && !strchr(text, '.')) {
        memcpy(text + len, ".0", 3);
        len += 2;
    } else if (e) {
        /* "1e+07" → "1e7", "1e-07" → "1e-7". */
        char *digits = e + 1 + (e[1] == '-'), *from = e + 2;
        while (*from == '0' && from[1] != '\0')
            from++;
        if (from != digits) {
            memmove(digits, from, (size_t)(text + len + 1 - from));
            len -= (size_t)(from - digits);
        }
    }
    put(o, text, len);
}

struct member {
    const char *name;
    size_t len;
    json_t *value;
};

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* A row's object has a few dozen members; more are sorted on the heap. */
#define MEMBERS_INLINE 64

static void put_value(struct out *o, json_t *v);

static void put_object(struct out *o, json_t *obj)
{
    struct member inline_members[MEMBERS_INLINE], *members = inline_members;
    size_t n = json_object_size(obj), i = 0;
    if (n > MEMBERS_INLINE && !(members = malloc(n * sizeof(*members)))) {
        o->failed = true;
        return;
    }
    for (void *it = json_object_iter(obj); it && i < n; it = json_object_iter_next(obj, it), i++)
        members[i] = (struct member){json_object_iter_key(it), json_object_iter_key_len(it),
                                     json_object_iter_value(it)};
    qsort(members, i, sizeof(*members), member_cmp);
    put_char(o, '{');
    for (size_t k = 0; k < i; k++) {
        if (k)
            put_char(o, ',');
        put_string(o, members[k].name, members[k].len);
        put_char(o, ':');
        put_value(o, members[k].value);
    }
    put_char(o, '}');
    if (members != inline_members)
        free(members);
}

static void put_value(struct out *o, json_t *v)
{
    char digits[24];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        put_object(o, v);
        return;
    case JSON_ARRAY:
        put_char(o, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                put_char(o, ',');
            put_value(o, json_array_get(v, i));
        }
        put_char(o, ']');
        return;
    case JSON_STRING:
        put_string(o, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        put(o, digits,
            (size_t)snprintf(digits, sizeof(digits), "%" JSON_INTEGER_FORMAT,
                             json_integer_value(v)));
        return;
    case JSON_REAL:
        put_real(o, json_real_value(v));
        return;
    case JSON_TRUE:
        put(o, "true", 4);
        return;
    case JSON_FALSE:
        put(o, "false", 5);
        return;
    case JSON_NULL:
        put(o, "null", 4);
        return;
    }
}

enum c360_err c360_json_dump_sorted(json_t *v, char **buf, size_t *cap, size_t *len)
{
    struct out o = {.buf = *buf, .cap = *cap};
    put_value(&o, v);
    if (reserve(&o, 0))
        o.buf[o.len] = '\0';
    *buf = o.buf;
    *cap = o.cap;
    *len = o.len;
    return o.failed ? C360_ERR_NOMEM : C360_OK;
}
