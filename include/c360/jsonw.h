/*
 * c360 core — a JSON text writer for output records.
 *
 * The engine renders its outputs as JSON text without a DOM, so that no
 * json_t crosses into it and the bytes are the same on every run (keys in
 * the order written, integers only, money as exact decimal text).
 *
 * Owns its buffer, which grows up to a cap given at creation: past the cap
 * every call fails with C360_ERR_LIMIT and the writer stays failed until
 * reset. Commas between members are placed by the writer; callers write
 * keys and values in order. A renderer of a record whose shape it knows
 * may instead write it in pieces (c360_jsonw_put and the calls after it),
 * placing its own commas and brackets: c360_jsonw_text then cannot check
 * that the brackets close, and the renderer's tests must. Does no I/O.
 */
#ifndef C360_JSONW_H
#define C360_JSONW_H

#include "c360/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define C360_JSONW_DEPTH_MAX 32

struct c360_jsonw {
    char *buf;
    size_t len, cap, max;
    enum c360_err err; /* the first failure, sticky until reset */
    uint8_t depth;
    bool need_comma[C360_JSONW_DEPTH_MAX];
    bool after_key;
};

/* An empty writer whose text may grow to max bytes. */
void c360_jsonw_init(struct c360_jsonw *w, size_t max);
/* Empties the text and clears a failure, keeping the memory. */
void c360_jsonw_reset(struct c360_jsonw *w);
void c360_jsonw_free(struct c360_jsonw *w);

void c360_jsonw_object(struct c360_jsonw *w);
void c360_jsonw_object_end(struct c360_jsonw *w);
void c360_jsonw_array(struct c360_jsonw *w);
void c360_jsonw_array_end(struct c360_jsonw *w);
/* A member name; the next value call writes its value. */
void c360_jsonw_key(struct c360_jsonw *w, const char *key);
/* A member name the program spells itself, len bytes that need no escape
 * (a literal, an enum's name): written as it is, without the scan for
 * characters to escape that c360_jsonw_key makes. Never for data. Inline
 * (below), so that a literal's copy is a few stores: a unified profile
 * writes some forty names, and the call was most of their cost. */
static inline void c360_jsonw_name(struct c360_jsonw *w, const char *name, size_t len);
/* c360_jsonw_name of a string literal. */
#define C360_JSONW_NAME(w, literal) c360_jsonw_name((w), "" literal, sizeof(literal) - 1)
/* A string value, escaped; NULL writes null. */
void c360_jsonw_str(struct c360_jsonw *w, const char *s);
void c360_jsonw_strn(struct c360_jsonw *w, const char *s, size_t n);
void c360_jsonw_int(struct c360_jsonw *w, int64_t v);
void c360_jsonw_bool(struct c360_jsonw *w, bool v);
void c360_jsonw_null(struct c360_jsonw *w);
/* Text that is already JSON (a value rendered elsewhere). */
void c360_jsonw_raw(struct c360_jsonw *w, const char *json, size_t n);

/*
 * Pieces written as they are, with no comma placed: for a renderer of a
 * record whose shape it knows (the engine's unified profile), which writes
 * its punctuation and member names as literals ("\",\"lastName\":") and
 * places its own commas, so that a member costs a copy rather than a
 * writer call per name, comma and bracket. The comma state of the calls
 * above is not kept: a record is written either way, not both.
 */
static inline void c360_jsonw_put(struct c360_jsonw *w, const char *s, size_t n);
/* c360_jsonw_put of a string literal. */
#define C360_JSONW_PUT(w, literal) c360_jsonw_put((w), "" literal, sizeof(literal) - 1)
/* A string value, quoted and escaped (as c360_jsonw_strn writes it). */
void c360_jsonw_put_str(struct c360_jsonw *w, const char *s, size_t n);
/* An integer (as c360_jsonw_int writes it). */
void c360_jsonw_put_int(struct c360_jsonw *w, int64_t v);

/* The text (NUL-terminated, borrowed until the next call) and its length,
 * or the first failure. */
enum c360_err c360_jsonw_text(const struct c360_jsonw *w, const char **text,
                              size_t *len) C360_MUST_USE;

/* The writer's own helpers, here for c360_jsonw_name to inline; not for
 * callers. c360_jsonw_grow grows the buffer for n more bytes and the NUL,
 * false once the writer has failed; c360_jsonw_reserve makes that room, and
 * as the room is there nearly always, its test is all a caller inlines. */
bool c360_jsonw_grow(struct c360_jsonw *w, size_t n);

static inline bool c360_jsonw_reserve(struct c360_jsonw *w, size_t n)
{
    if (w->len + n + 1 <= w->cap && !w->err)
        return true;
    return c360_jsonw_grow(w, n);
}

/* The comma before a value or a key, unless a key was just written. */
static inline void c360_jsonw_separate(struct c360_jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth] && c360_jsonw_reserve(w, 1)) {
        w->buf[w->len++] = ',';
        w->buf[w->len] = '\0';
    }
    w->need_comma[w->depth] = true;
}

static inline void c360_jsonw_name(struct c360_jsonw *w, const char *name, size_t len)
{
    c360_jsonw_separate(w);
    w->after_key = true;
    if (!c360_jsonw_reserve(w, len + 3))
        return;
    char *d = w->buf + w->len;
    d[0] = '"';
    memcpy(d + 1, name, len);
    d[len + 1] = '"';
    d[len + 2] = ':';
    d[len + 3] = '\0';
    w->len += len + 3;
}

static inline void c360_jsonw_put(struct c360_jsonw *w, const char *s, size_t n)
{
    if (!c360_jsonw_reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

#endif
