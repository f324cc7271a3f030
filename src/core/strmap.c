/*
 * c360 core — string map. Deleted slots become tombstones, reused by later
 * inserts and dropped when the table is rebuilt, so probe chains stay intact.
 */
#include "c360/strmap.h"

#include <stdlib.h>
#include <string.h>

#define TOMBSTONE ((char *)&tombstone_mark)
static const char tombstone_mark = 0;

struct slot {
    char *key; /* NULL: empty; TOMBSTONE: deleted */
    uint32_t value;
    uint32_t hash;
};

struct c360_strmap {
    struct slot *slots;
    size_t size;        /* a power of two */
    size_t count, used; /* live keys; live keys and tombstones */
    size_t max, key_bytes;
};

static uint32_t hash_of(const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

enum c360_err c360_strmap_new(size_t max, struct c360_strmap **out)
{
    struct c360_strmap *map = calloc(1, sizeof(*map));
    if (!map || !(map->slots = calloc(16, sizeof(*map->slots)))) {
        free(map);
        return C360_ERR_NOMEM;
    }
    map->size = 16;
    map->max = max;
    *out = map;
    return C360_OK;
}

void c360_strmap_destroy(struct c360_strmap *map)
{
    if (!map)
        return;
    for (size_t i = 0; i < map->size; i++) {
        if (map->slots[i].key && map->slots[i].key != TOMBSTONE)
            free(map->slots[i].key);
    }
    free(map->slots);
    free(map);
}

/* The slot of key, or of the first free place on its probe chain. */
static struct slot *find(const struct c360_strmap *map, const char *key, uint32_t h)
{
    struct slot *reuse = NULL;
    for (size_t i = h & (map->size - 1);; i = (i + 1) & (map->size - 1)) {
        struct slot *s = &map->slots[i];
        if (!s->key)
            return reuse ? reuse : s;
        if (s->key == TOMBSTONE) {
            if (!reuse)
                reuse = s;
        } else if (s->hash == h && strcmp(s->key, key) == 0) {
            return s;
        }
    }
}

static enum c360_err rebuild(struct c360_strmap *map, size_t size)
{
    struct slot *old = map->slots;
    size_t old_size = map->size;
    if (!(map->slots = calloc(size, sizeof(*map->slots)))) {
        map->slots = old;
        return C360_ERR_NOMEM;
    }
    map->size = size;
    map->used = map->count;
    for (size_t i = 0; i < old_size; i++) {
        if (!old[i].key || old[i].key == TOMBSTONE)
            continue;
        struct slot *s = find(map, old[i].key, old[i].hash);
        *s = old[i];
    }
    free(old);
    return C360_OK;
}

bool c360_strmap_get(const struct c360_strmap *map, const char *key, uint32_t *value)
{
    struct slot *s = find(map, key, hash_of(key));
    if (!s->key || s->key == TOMBSTONE)
        return false;
    if (value)
        *value = s->value;
    return true;
}

enum c360_err c360_strmap_put(struct c360_strmap *map, const char *key, uint32_t value)
{
    uint32_t h = hash_of(key);
    struct slot *s = find(map, key, h);
    if (s->key && s->key != TOMBSTONE) {
        s->value = value;
        return C360_OK;
    }
    if (map->count >= map->max)
        return C360_ERR_LIMIT;
    /* Keep the load (tombstones included) under 3/4; a table mostly of
     * tombstones is rebuilt at its size. */
    if ((map->used + 1) * 4 > map->size * 3) {
        size_t size = (map->count + 1) * 2 > map->size ? map->size * 2 : map->size;
        enum c360_err err = rebuild(map, size);
        if (err)
            return err;
        s = find(map, key, h);
    }
    size_t len = strlen(key);
    char *copy = malloc(len + 1);
    if (!copy)
        return C360_ERR_NOMEM;
    memcpy(copy, key, len + 1);
    if (!s->key)
        map->used++;
    *s = (struct slot){.key = copy, .value = value, .hash = h};
    map->count++;
    map->key_bytes += len + 1;
    return C360_OK;
}

bool c360_strmap_del(struct c360_strmap *map, const char *key)
{
    struct slot *s = find(map, key, hash_of(key));
    if (!s->key || s->key == TOMBSTONE)
        return false;
    map->key_bytes -= strlen(s->key) + 1;
    free(s->key);
    s->key = TOMBSTONE;
    map->count--;
    return true;
}

size_t c360_strmap_count(const struct c360_strmap *map)
{
    return map->count;
}

size_t c360_strmap_bytes(const struct c360_strmap *map)
{
    return map->size * sizeof(struct slot) + map->key_bytes;
}
