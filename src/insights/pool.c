/*
 * c360 insights — pools of entities (accounts, external accounts, owner
 * keys, subjects) in fixed chunks. A doubling array holds a quarter of its
 * room unused on average and copies everything as it grows; chunks leave at
 * most one chunk unused and never move an entity.
 */
#include "insights_int.h"

#include <stdlib.h>
#include <string.h>

void c360_insights_pool_init(struct c360_insights_pool *pool, size_t size, size_t next_at)
{
    *pool = (struct c360_insights_pool){
        .size = (uint32_t)size, .next_at = (uint32_t)next_at, .free_head = C360_INSIGHTS_NONE};
}

void *c360_insights_pool_at(const struct c360_insights_pool *pool, uint32_t i)
{
    return pool->chunks[i / C360_INSIGHTS_CHUNK] + (size_t)(i % C360_INSIGHTS_CHUNK) * pool->size;
}

static uint32_t *next_of(const struct c360_insights_pool *pool, uint32_t i)
{
    return (uint32_t *)(void *)((char *)c360_insights_pool_at(pool, i) + pool->next_at);
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
            char *chunk = malloc((size_t)C360_INSIGHTS_CHUNK * pool->size);
            if (!chunk)
                return C360_ERR_NOMEM;
            pool->chunks[pool->n_chunks++] = chunk;
        }
        i = pool->n++;
    }
    memset(c360_insights_pool_at(pool, i), 0, pool->size);
    pool->live++;
    *out = i;
    return C360_OK;
}

void c360_insights_pool_give(struct c360_insights_pool *pool, uint32_t i)
{
    memset(c360_insights_pool_at(pool, i), 0, pool->size); /* key NULL: free */
    *next_of(pool, i) = pool->free_head;
    pool->free_head = i;
    pool->live--;
}

size_t c360_insights_pool_bytes(const struct c360_insights_pool *pool)
{
    return (size_t)pool->n_chunks * C360_INSIGHTS_CHUNK * pool->size +
           (size_t)pool->cap_chunks * sizeof(*pool->chunks);
}

void c360_insights_pool_free(struct c360_insights_pool *pool)
{
    for (uint32_t c = 0; c < pool->n_chunks; c++)
        free(pool->chunks[c]);
    free(pool->chunks);
    pool->chunks = NULL;
    pool->n = pool->n_chunks = pool->cap_chunks = pool->live = 0;
    pool->free_head = C360_INSIGHTS_NONE;
}
