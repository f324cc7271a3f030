/*
 * c360 core — JSON text writer (see include/c360/jsonw.h).
 */
#include "c360/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void c360_jsonw_init(struct c360_jsonw *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->max = max;
}

void c360_jsonw_reset(struct c360_jsonw *w)
{
    w->len = 0;
    w->err = C360_OK;
    w->depth = 0;
    w->need_comma[0] = false;
    w->after_key = false;
    if (w->buf)
        w->buf[0] = '\0';
}

void c360_jsonw_free(struct c360_jsonw *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

bool c360_jsonw_grow(struct c360_jsonw *w, size_t n)
{
    if (w->err)
        return false;
    if (w->len + n + 1 > w->max) {
        w->err = C360_ERR_LIMIT;
        return false;
    }
    size_t cap = w->cap ? w->cap * 2 : 256;
    while (cap < w->len + n + 1)
        cap *= 2;
    if (cap > w->max)
        cap = w->max;
    char *p = realloc(w->buf, cap);
    if (!p) {
        w->err = C360_ERR_NOMEM;
        return false;
    }
    w->buf = p;
    w->cap = cap;
    return true;
}

static inline void put_char(struct c360_jsonw *w, char c)
{
    if (!c360_jsonw_reserve(w, 1))
        return;
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
}

static void container_open(struct c360_jsonw *w, char c)
{
    c360_jsonw_separate(w);
    put_char(w, c);
    if (w->depth + 1 >= C360_JSONW_DEPTH_MAX) {
        if (!w->err)
            w->err = C360_ERR_LIMIT;
        return;
    }
    w->need_comma[++w->depth] = false;
}

static void container_close(struct c360_jsonw *w, char c)
{
    if (w->depth == 0) {
        if (!w->err)
            w->err = C360_ERR_INVALID;
        return;
    }
    w->depth--;
    put_char(w, c);
}

void c360_jsonw_object(struct c360_jsonw *w)
{
    container_open(w, '{');
}
void c360_jsonw_object_end(struct c360_jsonw *w)
{
    container_close(w, '}');
}
void c360_jsonw_array(struct c360_jsonw *w)
{
    container_open(w, '[');
}
void c360_jsonw_array_end(struct c360_jsonw *w)
{
    container_close(w, ']');
}

/* Whether any byte of x is below 0x20, '"' or '\\' (SWAR: a byte b has
 * b − k borrow into its top bit, with b's own top bit clear, when b < k). */
static inline bool word_needs_escape(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t quote = x ^ (ones * '"'), slash = x ^ (ones * '\\');
    uint64_t hit = (x - ones * 0x20) | (quote - ones) | (slash - ones);
    return (hit & ~x & high) != 0;
}

/* The bytes JSON text must escape in a string: controls, '"' and '\\'. */
#define ONES16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const bool escape[256] = {ONES16, ONES16, ['"'] = 1, ['\\'] = 1};
#undef ONES16

/* Copies the n bytes of s to d as it checks them, a word at a time: false,
 * with d partly written, when one needs an escape. Short text (a country,
 * a channel, a postal code) is checked as one word too: 4 to 7 bytes as
 * two words of four that overlap, fewer as their first, middle and last
 * byte with spaces, which need no escape, around them. */
static inline bool copy_plain(char *d, const char *s, size_t n)
{
    uint64_t x;
    if (n >= 8) {
        /* The last word overlaps the one before unless n is a multiple of 8. */
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, s + i, 8);
            if (word_needs_escape(x))
                return false;
            memcpy(d + i, &x, 8);
        }
        memcpy(&x, s + n - 8, 8);
        if (word_needs_escape(x))
            return false;
        memcpy(d + n - 8, &x, 8);
        return true;
    }
    if (n >= 4) {
        uint32_t first, last;
        memcpy(&first, s, 4);
        memcpy(&last, s + n - 4, 4);
        if (word_needs_escape(first | (uint64_t)last << 32))
            return false;
        memcpy(d, &first, 4);
        memcpy(d + n - 4, &last, 4);
        return true;
    }
    if (n == 0)
        return true;
    unsigned char a = (unsigned char)s[0], b = (unsigned char)s[n / 2], c = (unsigned char)s[n - 1];
    x = 0x2020202020000000ull | a | (uint64_t)b << 8 | (uint64_t)c << 16;
    if (word_needs_escape(x))
        return false;
    d[0] = (char)a;
    d[n / 2] = (char)b;
    d[n - 1] = (char)c;
    return true;
}

/* Text with something to escape, a byte at a time: runs of plain bytes
 * are copied whole. Rare, and kept out of line: inlined, it made every
 * call of escaped save the registers it needs. */
__attribute__((noinline, cold)) static void escaped_slow(struct c360_jsonw *w, const char *s,
                                                         size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    c360_jsonw_put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!escape[c])
            continue;
        c360_jsonw_put(w, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        switch (c) {
        case '"':
            c360_jsonw_put(w, "\\\"", 2);
            break;
        case '\\':
            c360_jsonw_put(w, "\\\\", 2);
            break;
        case '\n':
            c360_jsonw_put(w, "\\n", 2);
            break;
        case '\t':
            c360_jsonw_put(w, "\\t", 2);
            break;
        case '\r':
            c360_jsonw_put(w, "\\r", 2);
            break;
        default:
            c360_jsonw_put(w, esc, sizeof(esc));
            break;
        }
    }
    c360_jsonw_put(w, s + run, n - run);
    c360_jsonw_put(w, "\"", 1);
}

static void escaped(struct c360_jsonw *w, const char *s, size_t n)
{
    /* Most text needs no escape: it is copied as it is checked, into room
     * for it, its quotes and the NUL. */
    if (!c360_jsonw_reserve(w, n + 2))
        return;
    char *d = w->buf + w->len;
    if (!copy_plain(d + 1, s, n)) {
        escaped_slow(w, s, n);
        return;
    }
    d[0] = '"';
    d[n + 1] = '"';
    d[n + 2] = '\0';
    w->len += n + 2;
}

void c360_jsonw_key(struct c360_jsonw *w, const char *key)
{
    c360_jsonw_separate(w);
    escaped(w, key, strlen(key));
    put_char(w, ':');
    w->after_key = true;
}

void c360_jsonw_strn(struct c360_jsonw *w, const char *s, size_t n)
{
    c360_jsonw_separate(w);
    escaped(w, s, n);
}

void c360_jsonw_put_str(struct c360_jsonw *w, const char *s, size_t n)
{
    escaped(w, s, n);
}

void c360_jsonw_str(struct c360_jsonw *w, const char *s)
{
    if (!s) {
        c360_jsonw_null(w);
        return;
    }
    c360_jsonw_strn(w, s, strlen(s));
}

/* "00" "01" … "99": two digits a division, as timestamps have 13. */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

void c360_jsonw_put_int(struct c360_jsonw *w, int64_t v)
{
    char buf[24];
    size_t n = sizeof(buf);
    /* Digits from the end, in unsigned arithmetic so INT64_MIN negates. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    for (; u >= 100; u /= 100) {
        n -= 2;
        memcpy(buf + n, digit_pairs + 2 * (u % 100), 2);
    }
    if (u >= 10) {
        n -= 2;
        memcpy(buf + n, digit_pairs + 2 * u, 2);
    } else {
        buf[--n] = (char)('0' + u);
    }
    if (v < 0)
        buf[--n] = '-';
    c360_jsonw_put(w, buf + n, sizeof(buf) - n);
}

void c360_jsonw_int(struct c360_jsonw *w, int64_t v)
{
    c360_jsonw_separate(w);
    c360_jsonw_put_int(w, v);
}

void c360_jsonw_bool(struct c360_jsonw *w, bool v)
{
    c360_jsonw_separate(w);
    c360_jsonw_put(w, v ? "true" : "false", v ? 4 : 5);
}

void c360_jsonw_null(struct c360_jsonw *w)
{
    c360_jsonw_separate(w);
    c360_jsonw_put(w, "null", 4);
}

void c360_jsonw_raw(struct c360_jsonw *w, const char *json, size_t n)
{
    c360_jsonw_separate(w);
    c360_jsonw_put(w, json, n);
}

enum c360_err c360_jsonw_text(const struct c360_jsonw *w, const char **text, size_t *len)
{
    if (w->err)
        return w->err;
    if (w->depth)
        return C360_ERR_INVALID;
    *text = w->buf ? w->buf : "";
    *len = w->len;
    return C360_OK;
}
