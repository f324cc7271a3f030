/*
 * c360 codec — Kafka Connect JSON without a DOM: compiled schemas and the
 * rows payloads are read into.
 *
 * A Connect producer repeats the same 1–2 KB schema in every message, so a
 * codec keeps the last few schemas it saw, keyed by their exact bytes, each
 * compiled once (with jansson) into a plan: per struct field, the logical type
 * to apply. jsonread.c then reads a message in one pass, skipping a cached
 * schema with one comparison and converting the payload by the plan into a
 * row, which the mapping takes apart (mapping.c). Whatever this path cannot
 * read exactly as the DOM path (codec.c, connect_convert) would, it leaves to
 * that path, which also words every diagnostic.
 *
 * Owns the cached schemas and plans (bounded: C360_CONNECT_SCHEMAS_MAX of at
 * most C360_CONNECT_SCHEMA_BYTES_MAX bytes). Does no I/O.
 */
#include "codec_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- Arena. */

struct c360_arena_chunk {
    struct c360_arena_chunk *prev;
    _Alignas(16) char bytes[];
};

#define ARENA_CHUNK 16384

void c360_arena_init(struct c360_arena *arena)
{
    arena->chunks = NULL;
    arena->next = arena->inline_block;
    arena->left = sizeof(arena->inline_block);
}

void *c360_arena_alloc(struct c360_arena *arena, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n > arena->left) {
        /* n is bounded by the message, itself at most C360_CODEC_VALUE_MAX. */
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        struct c360_arena_chunk *chunk = malloc(sizeof(*chunk) + size);
        if (!chunk)
            return NULL;
        chunk->prev = arena->chunks;
        arena->chunks = chunk;
        arena->next = chunk->bytes;
        arena->left = size;
    }
    void *p = arena->next;
    arena->next += n;
    arena->left -= n;
    return p;
}

void c360_arena_release(struct c360_arena *arena)
{
    while (arena->chunks) {
        struct c360_arena_chunk *prev = arena->chunks->prev;
        free(arena->chunks);
        arena->chunks = prev;
    }
    c360_arena_init(arena);
}

/* --- Rows. */

bool c360_row_get(const struct c360_row *row, const char *name, struct c360_row_val *out)
{
    for (; row; row = row->under) {
        if (row->obj) {
            json_t *v = json_object_get(row->obj, name);
            if (!v)
                continue;
            c360_row_val_of_json(v, out);
            return true;
        }
        for (size_t i = 0; i < row->n_cols; i++) {
            if (row->cols[i].name[0] == name[0] && strcmp(row->cols[i].name, name) == 0) {
                *out = row->cols[i].val;
                return true;
            }
        }
    }
    return false;
}

void c360_row_val_of_json(json_t *v, struct c360_row_val *out)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        *out = (struct c360_row_val){
            .kind = C360_ROW_STR, .str = json_string_value(v), .len = json_string_length(v)};
        return;
    case JSON_INTEGER:
        *out = (struct c360_row_val){.kind = C360_ROW_INT, .as.i = json_integer_value(v)};
        return;
    case JSON_REAL:
        *out = (struct c360_row_val){.kind = C360_ROW_REAL, .as.d = json_real_value(v)};
        return;
    case JSON_TRUE:
        *out = (struct c360_row_val){.kind = C360_ROW_TRUE};
        return;
    case JSON_FALSE:
        *out = (struct c360_row_val){.kind = C360_ROW_FALSE};
        return;
    case JSON_NULL:
        *out = (struct c360_row_val){.kind = C360_ROW_NULL};
        return;
    case JSON_OBJECT:
    case JSON_ARRAY:
        break;
    }
    *out = (struct c360_row_val){.kind = C360_ROW_JSON, .as.json = v};
}

json_t *c360_row_val_json(const struct c360_row_val *v)
{
    switch (v->kind) {
    case C360_ROW_NULL:
        return json_null();
    case C360_ROW_STR: /* checked UTF-8 without NUL */
        return json_stringn_nocheck(v->str, v->len);
    case C360_ROW_INT:
        return json_integer(v->as.i);
    case C360_ROW_REAL:
        return json_real(v->as.d);
    case C360_ROW_TRUE:
        return json_true();
    case C360_ROW_FALSE:
        return json_false();
    case C360_ROW_ROW:
        return c360_row_json(v->as.row);
    case C360_ROW_ARRAY: /* checked JSON; as jansson read it, it reads again */
        return json_loadb(v->str, v->len, JSON_REJECT_DUPLICATES, NULL);
    case C360_ROW_JSON:
        return json_deep_copy(v->as.json);
    }
    return NULL;
}

json_t *c360_row_json(const struct c360_row *row)
{
    json_t *obj = row->under ? c360_row_json(row->under) : json_object(); /* new */
    if (obj && row->obj) {
        json_t *top = json_deep_copy(row->obj);
        if (!top || json_object_update(obj, top)) {
            json_decref(obj);
            obj = NULL;
        }
        json_decref(top);
        return obj;
    }
    for (size_t i = 0; obj && i < row->n_cols; i++) {
        json_t *v = c360_row_val_json(&row->cols[i].val);
        if (!v || json_object_set_new(obj, row->cols[i].name, v)) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

/* --- Plans: connect_convert's decisions, taken once per schema. */

static void plan_clear(struct c360_plan *plan)
{
    for (size_t i = 0; i < plan->n_fields; i++) {
        free(plan->fields[i].name);
        plan_clear(&plan->fields[i].plan);
    }
    free(plan->fields);
    plan->fields = NULL;
    plan->n_fields = 0;
}

static bool has_name(json_t *schema, const char *name)
{
    const char *s = json_string_value(json_object_get(schema, "name"));
    return s && strcmp(s, name) == 0;
}

/* Compiles schema (borrowed; any JSON value, as connect_convert takes any) at
 * the depth connect_convert would see it. *supported false: a shape only the
 * DOM path reads exactly. */
static enum c360_err plan_compile(json_t *schema, int depth, struct c360_plan *plan,
                                  bool *supported)
{
    *plan = (struct c360_plan){.kind = C360_PLAN_ASIS, .scale = -1};
    /* connect_convert refuses this depth before it looks at the value. */
    if (depth > C360_CONNECT_DEPTH_MAX) {
        *supported = false;
        return C360_OK;
    }
    const char *type = json_string_value(json_object_get(schema, "type"));
    /* The same order of tests as connect_convert: names, then types. */
    if (has_name(schema, "org.apache.kafka.connect.data.Decimal")) {
        const char *scale =
            json_string_value(json_object_get(json_object_get(schema, "parameters"), "scale"));
        plan->kind = C360_PLAN_DECIMAL;
        plan->scale = scale ? atoi(scale) : -1;
        return C360_OK;
    }
    if (has_name(schema, "io.debezium.time.MicroTimestamp")) {
        plan->kind = C360_PLAN_MICROS;
        return C360_OK;
    }
    if (has_name(schema, "io.debezium.time.NanoTimestamp")) {
        plan->kind = C360_PLAN_NANOS;
        return C360_OK;
    }
    if (has_name(schema, "org.apache.kafka.connect.data.Timestamp")) {
        plan->kind = C360_PLAN_TIMESTAMP;
        return C360_OK;
    }
    if (has_name(schema, "org.apache.kafka.connect.data.Date") ||
        has_name(schema, "io.debezium.time.Date")) {
        plan->kind = C360_PLAN_DATE;
        return C360_OK;
    }
    if (type && strcmp(type, "array") == 0) {
        /* Items kept as they are leave the array as it is; others convert
         * item by item, which only the DOM path does. */
        struct c360_plan items;
        enum c360_err err =
            plan_compile(json_object_get(schema, "items"), depth + 1, &items, supported);
        if (!err && items.kind != C360_PLAN_ASIS)
            *supported = false;
        plan_clear(&items);
        return err;
    }
    if (!type || strcmp(type, "struct") != 0)
        return C360_OK;
    json_t *fields = json_object_get(schema, "fields"), *fschema;
    size_t i, n = 0;
    plan->kind = C360_PLAN_STRUCT;
    if (json_array_size(fields) > C360_CONNECT_FIELDS_MAX) {
        *supported = false;
        return C360_OK;
    }
    if (json_array_size(fields) &&
        !(plan->fields = calloc(json_array_size(fields), sizeof(*plan->fields))))
        return C360_ERR_NOMEM;
    json_array_foreach(fields, i, fschema)
    {
        const char *name = json_string_value(json_object_get(fschema, "field"));
        if (!name)
            continue; /* connect_struct skips it too */
        for (size_t k = 0; k < n; k++) {
            /* Named twice: the DOM path converts both, keeps the last. */
            if (strcmp(plan->fields[k].name, name) == 0)
                *supported = false;
        }
        struct c360_plan_field *f = &plan->fields[n];
        if (!(f->name = strdup(name))) {
            plan->n_fields = n;
            return C360_ERR_NOMEM;
        }
        f->len = strlen(name);
        plan->n_fields = ++n;
        enum c360_err err = plan_compile(fschema, depth + 1, &f->plan, supported);
        if (err)
            return err;
    }
    return C360_OK;
}

/* --- The cache. */

struct cached_schema {
    char *bytes; /* NULL: a free slot */
    size_t len;
    bool supported;
    struct c360_plan plan;
    uint64_t used; /* the cache's clock when last found */
};

struct c360_connect_cache {
    struct cached_schema slots[C360_CONNECT_SCHEMAS_MAX];
    size_t last; /* the slot found last: tried first */
    uint64_t clock;
    struct c360_connect_cache_stats stats;
};

enum c360_err c360_connect_cache_new(struct c360_connect_cache **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? C360_OK : C360_ERR_NOMEM;
}

static void slot_clear(struct cached_schema *slot)
{
    free(slot->bytes);
    plan_clear(&slot->plan);
    *slot = (struct cached_schema){0};
}

void c360_connect_cache_destroy(struct c360_connect_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < C360_CONNECT_SCHEMAS_MAX; i++)
        slot_clear(&cache->slots[i]);
    free(cache);
}

static bool slot_matches(const struct cached_schema *slot, const char *p, size_t avail)
{
    /* A cached schema is a whole JSON object, which ends at its own closing
     * brace: bytes that begin with it hold exactly it, whatever follows. */
    return slot->bytes && slot->len <= avail && slot->bytes[0] == p[0] &&
           memcmp(slot->bytes, p, slot->len) == 0;
}

bool c360_connect_cache_find(struct c360_connect_cache *cache, const char *p, size_t avail,
                             size_t *len, const struct c360_plan **plan)
{
    if (avail == 0)
        return false;
    size_t i = cache->last;
    if (!slot_matches(&cache->slots[i], p, avail)) {
        for (i = 0; i < C360_CONNECT_SCHEMAS_MAX; i++) {
            if (i != cache->last && slot_matches(&cache->slots[i], p, avail))
                break;
        }
        if (i == C360_CONNECT_SCHEMAS_MAX)
            return false;
    }
    struct cached_schema *slot = &cache->slots[i];
    cache->last = i;
    slot->used = ++cache->clock;
    cache->stats.hits++;
    *len = slot->len;
    *plan = slot->supported ? &slot->plan : NULL;
    return true;
}

enum c360_err c360_connect_cache_add(struct c360_connect_cache *cache, const char *p, size_t len,
                                     const struct c360_plan **plan)
{
    *plan = NULL;
    if (len == 0 || p[0] != '{' || len > C360_CONNECT_SCHEMA_BYTES_MAX)
        return C360_OK; /* read through the DOM each time */
    json_t *schema = json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL); /* new */
    if (!schema)
        return C360_OK;
    /* The slot of the least recently used schema, or a free one. */
    size_t victim = 0;
    for (size_t i = 0; i < C360_CONNECT_SCHEMAS_MAX; i++) {
        if (!cache->slots[i].bytes) {
            victim = i;
            break;
        }
        if (cache->slots[i].used < cache->slots[victim].used)
            victim = i;
    }
    struct cached_schema *slot = &cache->slots[victim];
    slot_clear(slot);
    slot->supported = true;
    enum c360_err err = plan_compile(schema, 0, &slot->plan, &slot->supported);
    json_decref(schema);
    if (!err && !(slot->bytes = malloc(len)))
        err = C360_ERR_NOMEM;
    if (err) {
        slot_clear(slot);
        return err;
    }
    memcpy(slot->bytes, p, len);
    slot->len = len;
    slot->used = ++cache->clock;
    cache->last = victim;
    cache->stats.compiled++;
    *plan = slot->supported ? &slot->plan : NULL;
    return C360_OK;
}

void c360_connect_cache_stats(const struct c360_connect_cache *cache,
                              struct c360_connect_cache_stats *out)
{
    *out = cache->stats;
    out->held = 0;
    for (size_t i = 0; i < C360_CONNECT_SCHEMAS_MAX; i++)
        out->held += cache->slots[i].bytes != NULL;
}
