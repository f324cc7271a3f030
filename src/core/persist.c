/*
 * c360 core — the value encoding of the state store (see persist.h).
 *
 * Strings are a varint of length + 1 (0 is NULL) and the bytes; integers are
 * LEB128 varints, signed ones zigzagged first, so small numbers take a byte.
 */
#include "c360/persist.h"

#include <stdlib.h>
#include <string.h>

#define VARINT_MAX 10 /* bytes of a 64-bit LEB128 varint */

static const char *const db_names[C360_DB_COUNT] = {
    [C360_DB_META] = "meta",         [C360_DB_IDENTITY] = "identity",
    [C360_DB_BLOCKING] = "blocking", [C360_DB_INSIGHTS] = "insights",
    [C360_DB_RECORDS] = "records",   [C360_DB_PROFILES] = "profiles",
    [C360_DB_TIMERS] = "timers",     [C360_DB_CODEC] = "codec",
    [C360_DB_OFFSETS] = "offsets",
};

const char *c360_persist_db_name(enum c360_persist_db db)
{
    return (unsigned)db < C360_DB_COUNT ? db_names[db] : "?";
}

enum c360_err c360_persist_put(const struct c360_persist_sink *sink, enum c360_persist_db db,
                               const void *key, size_t key_len, const void *val, size_t val_len)
{
    if (!sink || !sink->put)
        return C360_OK;
    return sink->put(sink->arg, db, key, key_len, val, val_len);
}

void c360_persist_writer_init(struct c360_persist_writer *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->max = max;
    c360_persist_writer_reset(w);
}

static void put_raw(struct c360_persist_writer *w, const void *p, size_t n)
{
    if (w->err)
        return;
    if (n > w->max - w->len) {
        w->err = C360_ERR_LIMIT;
        return;
    }
    if (w->len + n > w->cap) {
        size_t want = w->cap ? w->cap : 64;
        while (want < w->len + n)
            want *= 2;
        if (want > w->max)
            want = w->max;
        uint8_t *buf = realloc(w->buf, want);
        if (!buf) {
            w->err = C360_ERR_NOMEM;
            return;
        }
        w->buf = buf;
        w->cap = want;
    }
    if (n)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void c360_persist_writer_reset(struct c360_persist_writer *w)
{
    w->len = 0;
    w->err = C360_OK;
    uint8_t version = C360_PERSIST_VERSION;
    put_raw(w, &version, 1);
}

void c360_persist_writer_free(struct c360_persist_writer *w)
{
    if (!w)
        return;
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

void c360_persist_u64(struct c360_persist_writer *w, uint64_t v)
{
    uint8_t b[VARINT_MAX];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        b[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    put_raw(w, b, n);
}

void c360_persist_i64(struct c360_persist_writer *w, int64_t v)
{
    c360_persist_u64(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void c360_persist_bool(struct c360_persist_writer *w, bool v)
{
    uint8_t b = v;
    put_raw(w, &b, 1);
}

void c360_persist_str(struct c360_persist_writer *w, const char *s)
{
    if (!s) {
        c360_persist_u64(w, 0);
        return;
    }
    size_t n = strlen(s);
    c360_persist_u64(w, (uint64_t)n + 1);
    put_raw(w, s, n);
}

void c360_persist_bytes(struct c360_persist_writer *w, const void *p, size_t n)
{
    put_raw(w, p, n);
}

enum c360_err c360_persist_value(const struct c360_persist_writer *w, const void **val, size_t *len)
{
    if (w->err)
        return w->err;
    *val = w->buf;
    *len = w->len;
    return C360_OK;
}

enum c360_err c360_persist_reader_init(struct c360_persist_reader *r, const void *val, size_t len,
                                       struct c360_diag *diag)
{
    r->p = val;
    r->end = r->p + len;
    r->failed = false;
    if (!len)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "empty state value");
    if (r->p[0] != C360_PERSIST_VERSION)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "state value of format version %u, this build reads %u", r->p[0],
                              C360_PERSIST_VERSION);
    r->p++;
    return C360_OK;
}

uint64_t c360_persist_get_u64(struct c360_persist_reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; !r->failed && shift < 64; shift += 7) {
        if (r->p == r->end)
            break;
        uint8_t byte = *r->p++;
        if (shift == 63 && byte > 1)
            break; /* more than 64 bits */
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    r->failed = true;
    return 0;
}

int64_t c360_persist_get_i64(struct c360_persist_reader *r)
{
    uint64_t u = c360_persist_get_u64(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

bool c360_persist_get_bool(struct c360_persist_reader *r)
{
    const uint8_t *b = c360_persist_get_bytes(r, 1);
    if (b && *b > 1)
        r->failed = true;
    return b && *b == 1;
}

const char *c360_persist_get_strn(struct c360_persist_reader *r, size_t *len)
{
    *len = 0;
    uint64_t n = c360_persist_get_u64(r);
    if (r->failed || n == 0)
        return NULL;
    const char *s = c360_persist_get_bytes(r, (size_t)(n - 1));
    if (s)
        *len = (size_t)(n - 1);
    return s;
}

const char *c360_persist_get_str(struct c360_persist_reader *r, char *buf, size_t size)
{
    size_t n;
    const char *s = c360_persist_get_strn(r, &n);
    if (!s)
        return NULL;
    if (n >= size || memchr(s, '\0', n)) {
        r->failed = true;
        return NULL;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

const void *c360_persist_get_bytes(struct c360_persist_reader *r, size_t n)
{
    if (r->failed || n > (size_t)(r->end - r->p)) {
        r->failed = true;
        return NULL;
    }
    const void *p = r->p;
    r->p += n;
    return p;
}

enum c360_err c360_persist_reader_end(const struct c360_persist_reader *r, const char *what,
                                      struct c360_diag *diag)
{
    if (r->failed)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "truncated or corrupt %s value", what);
    if (r->p != r->end)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "%zu bytes left over in a %s value",
                              (size_t)(r->end - r->p), what);
    return C360_OK;
}
