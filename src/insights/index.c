/*
 * c360 insights — the key indexes (globalAccountId, externalAccountId, owner
 * key, subject → entity index). Unlike c360_strmap, which copies its keys, a
 * slot here is 8 bytes and the key is read from the entity that owns it:
 * one copy of each id, which matters at millions of profiles.
 */
#include "insights_int.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY 0u
#define TOMBSTONE UINT32_MAX

/* Odd constants of no pattern (the golden ratio's and a well-mixed one). */
#define MIX1 UINT64_C(0x9E3779B97F4A7C15)
#define MIX2 UINT64_C(0xD6E8FEB86659FD93)

static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * MIX1;
    return h ^ (h >> 32);
}

/*
 * Eight bytes a step, not one: a key is hashed at every lookup, several
 * per record. Hashes live only in the index (never stored, never
 * ordered by), so any function that spreads the keys will do; the low
 * bits pick the slot, so the last step folds the high ones into them.
 */
static inline uint32_t hash_key(const char *key)
{
    const unsigned char *p = (const unsigned char *)key;
    size_t len = strlen(key);
    uint64_t h = (uint64_t)len * MIX2, w = 0;
    if (len >= 8) {
        for (; len > 8; p += 8, len -= 8) {
            memcpy(&w, p, 8);
            h = mix(h, w);
        }
        memcpy(&w, p + len - 8, 8); /* the last 8 bytes, overlapping the step before */
    } else if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + len - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else if (len > 0) {
        w = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
    }
    h = mix(h, w) * MIX2;
    return (uint32_t)(h ^ (h >> 32));
}

uint32_t c360_insights_hash32(const char *key)
{
    return hash_key(key);
}

uint64_t c360_insights_hash64(const char *key)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    return h;
}

static const char *key_at(const struct c360_insights_pool *pool, uint32_t i)
{
    /* Every entity starts with its char *key (insights_int.h). */
    return *(const char *const *)c360_insights_pool_at(pool, i);
}

/* The slot of key, or the first free slot on its probe chain. */
static struct c360_insights_slot *find(const struct c360_insights_index *ix, const char *key,
                                       uint32_t h, const struct c360_insights_pool *pool)
{
    struct c360_insights_slot *reuse = NULL;
    for (uint32_t i = h & (ix->size - 1);; i = (i + 1) & (ix->size - 1)) {
        struct c360_insights_slot *s = &ix->slots[i];
        if (s->ref == EMPTY)
            return reuse ? reuse : s;
        if (s->ref == TOMBSTONE) {
            if (!reuse)
                reuse = s;
        } else if (s->hash == h && strcmp(key_at(pool, s->ref - 1), key) == 0) {
            return s;
        }
    }
}

uint32_t c360_insights_index_get(const struct c360_insights_index *ix, const char *key,
                                 const struct c360_insights_pool *pool)
{
    /* find's walk without the free slot it remembers: lookups are most of
     * the index's work. A tombstone keeps its hash, so its ref is checked. */
    if (ix->size == 0)
        return C360_INSIGHTS_NONE;
    uint32_t h = hash_key(key), mask = ix->size - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        const struct c360_insights_slot *s = &ix->slots[i];
        if (s->ref == EMPTY)
            return C360_INSIGHTS_NONE;
        if (s->hash == h && s->ref != TOMBSTONE && strcmp(key_at(pool, s->ref - 1), key) == 0)
            return s->ref - 1;
    }
}

static enum c360_err rebuild(struct c360_insights_index *ix, uint32_t size)
{
    struct c360_insights_slot *slots = calloc(size, sizeof(*slots));
    if (!slots)
        return C360_ERR_NOMEM;
    for (uint32_t i = 0; i < ix->size; i++) {
        struct c360_insights_slot s = ix->slots[i];
        if (s.ref == EMPTY || s.ref == TOMBSTONE)
            continue;
        /* Keys are distinct, so the first empty slot on the chain is its place. */
        uint32_t j = s.hash & (size - 1);
        while (slots[j].ref != EMPTY)
            j = (j + 1) & (size - 1);
        slots[j] = s;
    }
    free(ix->slots);
    ix->slots = slots;
    ix->size = size;
    ix->used = ix->count;
    return C360_OK;
}

enum c360_err c360_insights_index_put(struct c360_insights_index *ix, const char *key,
                                      uint32_t index, const struct c360_insights_pool *pool)
{
    /* Keep the load, tombstones included, under 3/4; a table mostly of
     * tombstones is rebuilt at its size. */
    if ((ix->used + 1) * 4 > ix->size * 3) {
        uint32_t size = ix->size ? ix->size : 8;
        if ((ix->count + 1) * 2 > size)
            size *= 2;
        if (size > UINT32_MAX / 4)
            return C360_ERR_LIMIT;
        enum c360_err err = rebuild(ix, size);
        if (err)
            return err;
    }
    uint32_t h = c360_insights_hash32(key);
    struct c360_insights_slot *s = find(ix, key, h, pool);
    if (s->ref == EMPTY)
        ix->used++;
    *s = (struct c360_insights_slot){.hash = h, .ref = index + 1};
    ix->count++;
    return C360_OK;
}

void c360_insights_index_del(struct c360_insights_index *ix, const char *key,
                             const struct c360_insights_pool *pool)
{
    if (ix->size == 0)
        return;
    struct c360_insights_slot *s = find(ix, key, c360_insights_hash32(key), pool);
    if (s->ref == EMPTY || s->ref == TOMBSTONE)
        return;
    s->ref = TOMBSTONE;
    ix->count--;
}

void c360_insights_index_free(struct c360_insights_index *ix)
{
    free(ix->slots);
    *ix = (struct c360_insights_index){0};
}
