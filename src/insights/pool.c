/*
 * c360 insights — pools of entities (accounts, external accounts, owner
 * keys, subjects) in fixed chunks. A doubling array holds a quarter of its
 * room unused on average and copies everything as it grows; chunks leave at
 * most one chunk unused and never move an entity.
 *
 * A chunk ends with a byte of marks per slot (insights_int.h), which outlive
 * the slot's items: a slot freed while DIRTY stays listed once, so the list
 * of dirty slots never repeats one and never outgrows the pool.
 */
#include "insights_int.h"

#include <stdlib.h>
#include <string.h>

void c360_insights_pool_init(struct c360_insights_pool *pool, size_t size, size_t next_at)
{
    /* Nothing flushed yet: no list, a flush scans (a state never stored
     * spends nothing on one). */
    *pool = (struct c360_insights_pool){.size = (uint32_t)size,
                                        .next_at = (uint32_t)next_at,
                                        .free_head = C360_INSIGHTS_NONE,
                                        .dirty_all = true};
}

static uint32_t *next_of(const struct c360_insights_pool *pool, uint32_t i)
{
    return (uint32_t *)(void *)((char *)c360_insights_pool_at(pool, i) + pool->next_at);
}

/* Every item begins with its char *key (NULL in a free slot). */
static char **key_of(const struct c360_insights_pool *pool, uint32_t i)
{
    return c360_insights_pool_at(pool, i);
}

enum c360_err c360_insights_pool_take(struct c360_insights_pool *pool, size_t max, uint32_t *out)
{
    uint32_t i;
    if (pool->live >= max || pool->live >= C360_INSIGHTS_NONE / 2)
        return C360_ERR_LIMIT; /* indexes keep their top bit for tags */
    if (pool->free_head != C360_INSIGHTS_NONE) {
        i = pool->free_head;
        pool->free_head = *next_of(pool, i);
    } else {
        if (pool->n == pool->n_chunks * C360_INSIGHTS_CHUNK) {
            if (pool->n_chunks == pool->cap_chunks) {
                uint32_t cap = pool->cap_chunks ? pool->cap_chunks * 2 : 4;
                char **chunks = realloc(pool->chunks, cap * sizeof(*chunks));
                if (!chunks)
                    return C360_ERR_NOMEM;
                pool->chunks = chunks;
                pool->cap_chunks = cap;
            }
            size_t items = (size_t)C360_INSIGHTS_CHUNK * pool->size;
            char *chunk = malloc(items + C360_INSIGHTS_CHUNK);
            if (!chunk)
                return C360_ERR_NOMEM;
            memset(chunk + items, 0, C360_INSIGHTS_CHUNK);
            pool->chunks[pool->n_chunks++] = chunk;
        }
        i = pool->n++;
    }
    memset(c360_insights_pool_at(pool, i), 0, pool->size);
    pool->live++;
    *out = i;
    return C360_OK;
}

/* Chains slot i as free (its item zeroed: key NULL). */
static void chain(struct c360_insights_pool *pool, uint32_t i)
{
    memset(c360_insights_pool_at(pool, i), 0, pool->size);
    *next_of(pool, i) = pool->free_head;
    pool->free_head = i;
}

void c360_insights_pool_give(struct c360_insights_pool *pool, uint32_t i)
{
    *c360_insights_pool_marks(pool, i) &= C360_INSIGHTS_MARK_DIRTY; /* still listed */
    chain(pool, i);
    pool->live--;
}

void c360_insights_pool_drop(struct c360_insights_pool *pool, uint32_t i)
{
    uint8_t *marks = c360_insights_pool_marks(pool, i);
    char *key = *key_of(pool, i);
    if (!(*marks & C360_INSIGHTS_MARK_STORED)) {
        free(key);
        c360_insights_pool_give(pool, i);
        return;
    }
    memset(c360_insights_pool_at(pool, i), 0, pool->size);
    *key_of(pool, i) = key;
    *marks = (uint8_t)((*marks & C360_INSIGHTS_MARK_DIRTY) | C360_INSIGHTS_MARK_GONE);
    c360_insights_pool_mark(pool, i);
    pool->live--;
}

void c360_insights_pool_mark(struct c360_insights_pool *pool, uint32_t i)
{
    uint8_t *marks = c360_insights_pool_marks(pool, i);
    if (*marks & C360_INSIGHTS_MARK_DIRTY)
        return;
    *marks |= C360_INSIGHTS_MARK_DIRTY;
    if (pool->dirty_all)
        return;
    if (pool->n_dirty == pool->cap_dirty) {
        uint32_t cap = pool->cap_dirty ? pool->cap_dirty * 2 : 64;
        uint32_t *dirty =
            cap <= C360_INSIGHTS_DIRTY_MAX ? realloc(pool->dirty, cap * sizeof(*dirty)) : NULL;
        if (!dirty) {
            /* Past the cap, or no memory: the flush scans instead. */
            pool->dirty_all = true;
            return;
        }
        pool->dirty = dirty;
        pool->cap_dirty = cap;
    }
    pool->dirty[pool->n_dirty++] = i;
}

enum c360_err c360_insights_pool_each_dirty(const struct c360_insights_pool *pool,
                                            enum c360_err (*fn)(uint32_t i, void *arg), void *arg)
{
    enum c360_err err;
    if (pool->dirty_all) {
        for (uint32_t i = 0; i < pool->n; i++) {
            if ((*c360_insights_pool_marks(pool, i) & C360_INSIGHTS_MARK_DIRTY) &&
                (err = fn(i, arg)))
                return err;
        }
        return C360_OK;
    }
    for (uint32_t k = 0; k < pool->n_dirty; k++) {
        if ((err = fn(pool->dirty[k], arg)))
            return err;
    }
    return C360_OK;
}

static void flushed(struct c360_insights_pool *pool, uint32_t i, bool (*written)(const void *item))
{
    uint8_t *marks = c360_insights_pool_marks(pool, i);
    if (*marks & C360_INSIGHTS_MARK_GONE) {
        free(*key_of(pool, i));
        chain(pool, i); /* no longer live since it went */
        *marks = 0;
    } else if (*key_of(pool, i)) {
        bool put = !written || written(c360_insights_pool_at(pool, i));
        *marks = put ? C360_INSIGHTS_MARK_STORED : 0;
    } else {
        *marks = 0;
    }
}

void c360_insights_pool_flushed(struct c360_insights_pool *pool, bool (*written)(const void *item))
{
    if (pool->dirty_all) {
        for (uint32_t i = 0; i < pool->n; i++) {
            if (*c360_insights_pool_marks(pool, i) & C360_INSIGHTS_MARK_DIRTY)
                flushed(pool, i, written);
        }
    } else {
        for (uint32_t k = 0; k < pool->n_dirty; k++)
            flushed(pool, pool->dirty[k], written);
    }
    pool->n_dirty = 0;
    pool->dirty_all = false;
    /* A big batch does not pin its list's room. */
    if (pool->cap_dirty > 1024) {
        free(pool->dirty);
        pool->dirty = NULL;
        pool->cap_dirty = 0;
    }
}

size_t c360_insights_pool_bytes(const struct c360_insights_pool *pool)
{
    return (size_t)pool->n_chunks * C360_INSIGHTS_CHUNK * (pool->size + 1u) +
           (size_t)pool->cap_chunks * sizeof(*pool->chunks) +
           (size_t)pool->cap_dirty * sizeof(*pool->dirty);
}

void c360_insights_pool_free(struct c360_insights_pool *pool)
{
    for (uint32_t c = 0; c < pool->n_chunks; c++)
        free(pool->chunks[c]);
    free(pool->chunks);
    free(pool->dirty);
    pool->chunks = NULL;
    pool->dirty = NULL;
    pool->n = pool->n_chunks = pool->cap_chunks = pool->live = 0;
    pool->n_dirty = pool->cap_dirty = 0;
    pool->free_head = C360_INSIGHTS_NONE;
}
