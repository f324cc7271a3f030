/*
 * c360 identity — the graph's state as store items, and back (identity.h,
 * persist.h; DESIGN.md §6).
 *
 * A record's item (C360_DB_IDENTITY, keyed by the record key):
 *   seq, profile id, globalPartyId, first name, last name, birth date,
 *   the number of blocking keys and each key,
 *   the number of edges and per edge the other record's key and the index
 *   of the blocking key they share in the list before.
 * A blocking key's item (C360_DB_BLOCKING, keyed "rule|value"):
 *   capped, the number of records and each record's key.
 * The counters (C360_DB_META, key "identity"):
 *   next seq, next id, records, blocking keys, capped keys, and a
 *   fingerprint of the configuration the edges were made under.
 *
 * Everything refers to records and keys by name, never by slot, and lists
 * are written in the graph's own order and read back into it, so a restored
 * graph even lists what it holds as the original did. What the graph derives
 * (profiles, indexes, counts) is rebuilt and checked, never trusted: a
 * corrupt or partial store is refused with a diagnostic, not half loaded.
 * Diagnostics name record keys (ids) but never blocking keys, which hold
 * customer data.
 */
#include "c360/persist.h"
#include "c360/identity.h"
#include "c360/name.h"

#include "identity_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_KEY "identity"
#define VALUE_MAX ((size_t)256 << 20) /* one item, when a capped key holds a crowd */
#define BLOCKS_PER_RECORD (C360_IDENTITY_RULES_MAX * C360_IDENTITY_VALUES_MAX)

/* --- Writing. */

/* FNV-1a over the settings that decide edges and profiles: items made under
 * other rules, thresholds, caps or nicknames are not this graph's. */
static uint64_t fingerprint_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3u;
    return h;
}

static uint64_t config_fingerprint(const struct c360_identity_config *cfg)
{
    uint64_t h = 0xcbf29ce484222325u;
    uint64_t words[3] = {cfg->n_rules, cfg->postings_max, cfg->cluster_max};
    h = fingerprint_bytes(h, words, sizeof(words));
    for (size_t r = 0; r < cfg->n_rules; r++) {
        const struct c360_identity_rule *rule = &cfg->rules[r];
        uint64_t kind = rule->kind, nameless = rule->attach_nameless;
        const char *name = rule->name ? rule->name : "";
        h = fingerprint_bytes(h, name, strlen(name) + 1);
        h = fingerprint_bytes(h, &kind, sizeof(kind));
        h = fingerprint_bytes(h, &rule->threshold, sizeof(rule->threshold));
        h = fingerprint_bytes(h, &nameless, sizeof(nameless));
    }
    uint64_t nicknames = cfg->nicknames ? c360_nicknames_count(cfg->nicknames) : 0;
    return fingerprint_bytes(h, &nicknames, sizeof(nicknames));
}

static enum c360_err node_value(const struct c360_identity *g, const struct node *n,
                                struct c360_persist_writer *w)
{
    c360_persist_writer_reset(w);
    c360_persist_u64(w, n->seq);
    c360_persist_u64(w, g->profiles[n->profile].id);
    c360_persist_str(w, n->gp);
    c360_persist_str(w, n->first);
    c360_persist_str(w, n->last);
    c360_persist_i64(w, n->birth);
    c360_persist_u64(w, n->n_blocks);
    for (uint16_t i = 0; i < n->n_blocks; i++)
        c360_persist_str(w, g->blocks[n->blocks[i]].key);
    c360_persist_u64(w, n->n_edges);
    for (uint32_t e = 0; e < n->n_edges; e++) {
        uint16_t i = 0;
        while (i < n->n_blocks && n->blocks[i] != node_edges(n)[e].block)
            i++;
        if (i == n->n_blocks)
            return C360_ERR_INVALID; /* both ends of an edge are in its block */
        c360_persist_str(w, g->nodes[node_edges(n)[e].other].key);
        c360_persist_u64(w, i);
    }
    return C360_OK;
}

static void block_value(const struct c360_identity *g, const struct block *blk,
                        struct c360_persist_writer *w)
{
    c360_persist_writer_reset(w);
    c360_persist_bool(w, blk->capped);
    c360_persist_u64(w, blk->n);
    for (uint32_t i = 0; i < blk->n; i++)
        c360_persist_str(w, g->nodes[block_members(blk)[i]].key);
}

static void meta_value(const struct c360_identity *g, struct c360_persist_writer *w)
{
    c360_persist_writer_reset(w);
    c360_persist_u64(w, g->next_seq);
    c360_persist_u64(w, g->next_id);
    c360_persist_u64(w, g->by_key.count);
    c360_persist_u64(w, g->by_block.count);
    c360_persist_u64(w, g->capped);
    c360_persist_u64(w, config_fingerprint(&g->cfg));
}

/* Hands the value in w to sink under (db, key). */
static enum c360_err put(const struct c360_persist_sink *sink, enum c360_persist_db db,
                         const char *key, const struct c360_persist_writer *w)
{
    const void *val;
    size_t len;
    enum c360_err err = c360_persist_value(w, &val, &len);
    return err ? err : c360_persist_put(sink, db, key, strlen(key), val, len);
}

static enum c360_err put_node(const struct c360_identity *g, const struct c360_persist_sink *sink,
                              uint32_t x, struct c360_persist_writer *w)
{
    const struct node *n = &g->nodes[x];
    enum c360_err err = node_value(g, n, w);
    return err ? err : put(sink, C360_DB_IDENTITY, n->key, w);
}

static enum c360_err put_block(const struct c360_identity *g, const struct c360_persist_sink *sink,
                               uint32_t b, struct c360_persist_writer *w)
{
    block_value(g, &g->blocks[b], w);
    return put(sink, C360_DB_BLOCKING, g->blocks[b].key, w);
}

/* Deletes of the keys in gl that the graph no longer holds (a key deleted
 * and made again is written whole instead). */
static enum c360_err put_gone(const struct c360_identity *g, const struct gone *gl,
                              const struct slot_index *live, const struct c360_persist_sink *sink,
                              enum c360_persist_db db)
{
    enum c360_err err;
    uint32_t slot;
    for (size_t i = 0; i < gl->n; i++) {
        if (!c360_identity_index_get(g, live, gl->v[i], &slot) &&
            (err = c360_persist_put(sink, db, gl->v[i], strlen(gl->v[i]), NULL, 0)))
            return err;
    }
    return C360_OK;
}

enum c360_err c360_identity_persist(const struct c360_identity *g,
                                    const struct c360_persist_sink *sink)
{
    struct c360_persist_writer w;
    enum c360_err err = g->track_err;
    c360_persist_writer_init(&w, VALUE_MAX);
    if (err)
        goto fail;
    if (g->tracking) {
        if ((err = put_gone(g, &g->gone_nodes, &g->by_key, sink, C360_DB_IDENTITY)) ||
            (err = put_gone(g, &g->gone_blocks, &g->by_block, sink, C360_DB_BLOCKING)))
            goto fail;
        for (size_t i = 0; i < g->dirty_nodes.n; i++) {
            uint32_t x = g->dirty_nodes.v[i];
            if (g->nodes[x].live && (err = put_node(g, sink, x, &w)))
                goto fail;
        }
        for (size_t i = 0; i < g->dirty_blocks.n; i++) {
            uint32_t b = g->dirty_blocks.v[i];
            if (g->blocks[b].key && (err = put_block(g, sink, b, &w)))
                goto fail;
        }
    } else {
        for (uint32_t x = 0; x < g->n_nodes; x++) {
            if (g->nodes[x].live && (err = put_node(g, sink, x, &w)))
                goto fail;
        }
        for (uint32_t b = 0; b < g->n_blocks; b++) {
            if (g->blocks[b].key && (err = put_block(g, sink, b, &w)))
                goto fail;
        }
    }
    if (!g->tracking || g->meta_dirty) {
        meta_value(g, &w);
        err = put(sink, C360_DB_META, META_KEY, &w);
    }
fail:
    c360_persist_writer_free(&w);
    return err;
}

void c360_identity_persisted(struct c360_identity *g)
{
    c360_identity_track_clear(g);
    g->tracking = true;
}

/* --- Reading. */

/* The n bytes at s as a NUL-terminated string in *out (the graph's key
 * buffer, valid until the next call); *out NULL when they are empty, hold a
 * NUL, or s is NULL. */
static enum c360_err key_text(struct c360_identity *g, const char *s, size_t n, const char **out)
{
    *out = NULL;
    if (!s || !n || memchr(s, '\0', n))
        return C360_OK;
    if (n + 1 > g->cap_key_buf) {
        char *p = realloc(g->key_buf, n + 1);
        if (!p)
            return C360_ERR_NOMEM;
        g->key_buf = p;
        g->cap_key_buf = n + 1;
    }
    memcpy(g->key_buf, s, n);
    g->key_buf[n] = '\0';
    *out = g->key_buf;
    return C360_OK;
}

/* A key written in a value, as key_text gives it. */
static enum c360_err read_key(struct c360_identity *g, struct c360_persist_reader *r,
                              const char **out)
{
    size_t n;
    const char *s = c360_persist_get_strn(r, &n);
    return key_text(g, s, n, out);
}

/* The rule of a blocking key ("rule|value", rule one digit), or -1. */
static int key_rule(const struct c360_identity *g, const char *key)
{
    if (strlen(key) >= BLOCK_KEY_MAX || key[0] < '0' || key[1] != '|')
        return -1;
    size_t r = (size_t)(key[0] - '0');
    return r < g->cfg.n_rules ? (int)r : -1;
}

/* An optional name field: NULL stays NULL; "" or a NUL inside is corrupt. */
static enum c360_err read_name(struct c360_persist_reader *r, char **out)
{
    size_t n;
    const char *s = c360_persist_get_strn(r, &n);
    *out = NULL;
    if (!s)
        return C360_OK; /* NULL, or a failed reader the caller sees */
    if (!n || memchr(s, '\0', n)) {
        r->failed = true;
        return C360_OK;
    }
    if (!(*out = malloc(n + 1)))
        return C360_ERR_NOMEM;
    memcpy(*out, s, n);
    (*out)[n] = '\0';
    return C360_OK;
}

/* Where the stored profile id of node x is kept until restore_end. */
static enum c360_err restore_id_room(struct c360_identity *g, uint32_t x)
{
    if (x < g->cap_restore_ids)
        return C360_OK;
    size_t cap = g->cap_restore_ids ? g->cap_restore_ids : 64;
    while (cap <= x)
        cap *= 2;
    uint64_t *p = realloc(g->restore_ids, cap * sizeof(*p));
    if (!p)
        return C360_ERR_NOMEM;
    memset(p + g->cap_restore_ids, 0, (cap - g->cap_restore_ids) * sizeof(*p));
    g->restore_ids = p;
    g->cap_restore_ids = cap;
    return C360_OK;
}

static enum c360_err record_corrupt(const char *key, struct c360_diag *diag)
{
    return c360_diag_fail(diag, C360_ERR_INVALID, key, "corrupt identity record");
}

static enum c360_err restore_node(struct c360_identity *g, const char *key,
                                  struct c360_persist_reader *r, struct c360_diag *diag)
{
    enum c360_err err;
    uint32_t x, other, b;
    const char *text;
    if ((err = c360_identity_node_slot(g, key, &x)) || (err = restore_id_room(g, x)))
        return err;
    struct node *n = &g->nodes[x];
    if (n->live)
        return c360_diag_fail(diag, C360_ERR_INVALID, key, "record stored twice");
    n->seq = c360_persist_get_u64(r);
    g->restore_ids[x] = c360_persist_get_u64(r);
    char *gp = NULL, *first = NULL, *last = NULL;
    if (!(err = read_name(r, &gp)) && !(err = read_name(r, &first)) && !(err = read_name(r, &last)))
        err = c360_identity_node_text(n, n->key, gp, first, last);
    free(gp);
    free(first);
    free(last);
    if (err)
        return err;
    int64_t birth = c360_persist_get_i64(r);
    n->birth = (int32_t)birth;
    uint64_t n_blocks = c360_persist_get_u64(r);
    if (r->failed || birth != n->birth || n_blocks > BLOCKS_PER_RECORD)
        return record_corrupt(key, diag);
    if (n_blocks && !(n->blocks = malloc(n_blocks * sizeof(*n->blocks))))
        return C360_ERR_NOMEM;
    n->cap_blocks = (uint16_t)n_blocks;
    for (uint64_t i = 0; i < n_blocks; i++) {
        if ((err = read_key(g, r, &text)))
            return err;
        if (!text || key_rule(g, text) < 0)
            return record_corrupt(key, diag);
        if ((err = c360_identity_block_slot(g, text, (uint8_t)key_rule(g, text), &b)))
            return err;
        n = &g->nodes[x];
        for (uint16_t k = 0; k < n->n_blocks; k++) {
            if (n->blocks[k] == b)
                return record_corrupt(key, diag);
        }
        n->blocks[n->n_blocks++] = b;
    }
    uint64_t n_edges = c360_persist_get_u64(r);
    /* Each edge takes two bytes at least; its block joins postings_max at most. */
    if (r->failed || n_edges > (size_t)(r->end - r->p) / 2 ||
        n_edges > n_blocks * g->cfg.postings_max)
        return record_corrupt(key, diag);
    for (uint64_t e = 0; e < n_edges; e++) {
        if ((err = read_key(g, r, &text)))
            return err;
        if (!text)
            return record_corrupt(key, diag);
        if ((err = c360_identity_node_slot(g, text, &other)))
            return err;
        uint64_t i = c360_persist_get_u64(r);
        if (r->failed || other == x || i >= n_blocks)
            return record_corrupt(key, diag);
        if ((err = c360_identity_edge_add(g, x, other, g->nodes[x].blocks[i])))
            return err;
    }
    if ((err = c360_persist_reader_end(r, "identity record", diag))) {
        if (diag)
            snprintf(diag->field, sizeof(diag->field), "%s", key);
        return err;
    }
    g->nodes[x].live = true;
    return C360_OK;
}

static enum c360_err restore_block(struct c360_identity *g, const char *key,
                                   struct c360_persist_reader *r, struct c360_diag *diag)
{
    enum c360_err err;
    uint32_t b, m;
    int rule = key_rule(g, key);
    if (rule < 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "blocking key of no rule of the configuration");
    if ((err = c360_identity_block_slot(g, key, (uint8_t)rule, &b)))
        return err;
    if (g->blocks[b].restored)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "blocking key stored twice");
    bool capped = c360_persist_get_bool(r);
    uint64_t n = c360_persist_get_u64(r);
    /* Each record's key takes a byte at least. */
    if (r->failed || n > g->cfg.records_max || n > (size_t)(r->end - r->p))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "corrupt blocking key item");
    if (n > MEMBERS_HERE && !(g->blocks[b].members.heap = malloc(n * sizeof(uint32_t))))
        return C360_ERR_NOMEM;
    g->blocks[b].cap = n > MEMBERS_HERE ? (uint32_t)n : 0;
    for (uint64_t i = 0; i < n; i++) {
        const char *text;
        if ((err = read_key(g, r, &text)))
            return err;
        if (!text)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "corrupt blocking key item");
        if ((err = c360_identity_node_slot(g, text, &m)))
            return err;
        block_members(&g->blocks[b])[g->blocks[b].n++] = m;
    }
    if ((err = c360_persist_reader_end(r, "blocking key", diag)))
        return err;
    g->blocks[b].capped = capped;
    g->blocks[b].restored = true;
    return C360_OK;
}

static enum c360_err restore_meta(struct c360_identity *g, struct c360_persist_reader *r,
                                  struct c360_diag *diag)
{
    enum c360_err err;
    if (g->restored_meta)
        return c360_diag_fail(diag, C360_ERR_INVALID, META_KEY, "identity counters stored twice");
    uint64_t next_seq = c360_persist_get_u64(r), next_id = c360_persist_get_u64(r);
    g->meta_records = c360_persist_get_u64(r);
    g->meta_blocks = c360_persist_get_u64(r);
    g->meta_capped = c360_persist_get_u64(r);
    uint64_t fingerprint = c360_persist_get_u64(r);
    if ((err = c360_persist_reader_end(r, "identity counters", diag)))
        return err;
    if (next_id == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, META_KEY, "corrupt identity counters");
    if (fingerprint != config_fingerprint(&g->cfg))
        return c360_diag_fail(diag, C360_ERR_INVALID, META_KEY,
                              "the identity graph was stored under another configuration "
                              "(rules, thresholds, caps or nicknames): rebuild the state by "
                              "replaying the input");
    g->next_seq = next_seq;
    g->next_id = next_id;
    g->restored_meta = true;
    return C360_OK;
}

enum c360_err c360_identity_restore(struct c360_identity *g, enum c360_persist_db db,
                                    const void *key, size_t key_len, const void *val,
                                    size_t val_len, struct c360_diag *diag)
{
    struct c360_persist_reader r;
    enum c360_err err;
    if (!g->restoring) {
        if (g->next_seq || g->by_key.count || g->by_block.count)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                  "identity items restored into a graph that holds records");
        g->restoring = true;
    }
    if (db == C360_DB_META && (key_len != strlen(META_KEY) || memcmp(key, META_KEY, key_len) != 0))
        return C360_OK; /* another module's */
    if (db != C360_DB_META && db != C360_DB_IDENTITY && db != C360_DB_BLOCKING)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a %s item is not the identity graph's",
                              c360_persist_db_name(db));
    if ((err = c360_persist_reader_init(&r, val, val ? val_len : 0, diag)))
        return err;
    if (db == C360_DB_META)
        return restore_meta(g, &r, diag);
    const char *text;
    if ((err = key_text(g, key, key_len, &text)))
        return err;
    if (!text)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "empty %s key, or one holding a NUL",
                              c360_persist_db_name(db));
    /* key_text's buffer is reused while the value is read. */
    char *copy = strdup(text);
    if (!copy)
        return C360_ERR_NOMEM;
    err =
        db == C360_DB_IDENTITY ? restore_node(g, copy, &r, diag) : restore_block(g, copy, &r, diag);
    free(copy);
    return err;
}

/* Whether node n lists block b. */
static bool node_in(const struct node *n, uint32_t b)
{
    for (uint16_t i = 0; i < n->n_blocks; i++) {
        if (n->blocks[i] == b)
            return true;
    }
    return false;
}

/* How many of n's edges are (other, block). */
static uint32_t edge_count(const struct node *n, uint32_t other, uint32_t block)
{
    uint32_t count = 0;
    for (uint32_t e = 0; e < n->n_edges; e++)
        count += node_edges(n)[e].other == other && node_edges(n)[e].block == block;
    return count;
}

/* Every item named is stored, blocks and records list each other, edges
 * are whole (both ends, in the block), counts agree with the counters. */
static enum c360_err check_items(struct c360_identity *g, struct c360_diag *diag)
{
    size_t pairs = 0, capped = 0;
    for (uint32_t x = 0; x < g->n_nodes; x++) {
        if (g->nodes[x].key && !g->nodes[x].live)
            return c360_diag_fail(diag, C360_ERR_INVALID, g->nodes[x].key,
                                  "record named by another item but not stored");
        pairs += g->nodes[x].n_blocks;
    }
    for (uint32_t b = 0; b < g->n_blocks; b++) {
        struct block *blk = &g->blocks[b];
        if (!blk->key)
            continue;
        if (!blk->restored || !blk->n)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                  "a blocking key of rule %u is named by a record but %s",
                                  (unsigned)blk->rule, blk->restored ? "has none" : "not stored");
        if (blk->capped != (blk->n > g->cfg.postings_max))
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                  "a blocking key %s capped with %u records while postings_max "
                                  "is %zu: the configuration changed since it was stored",
                                  blk->capped ? "is" : "is not", blk->n, g->cfg.postings_max);
        capped += blk->capped;
        uint32_t stamp = ++g->gen;
        for (uint32_t i = 0; i < blk->n; i++) {
            struct node *n = &g->nodes[block_members(blk)[i]];
            if (n->mark == stamp || !node_in(n, b))
                return c360_diag_fail(
                    diag, C360_ERR_INVALID, n->key, "a blocking key lists the record %s",
                    n->mark == stamp ? "twice" : "but the record does not list it");
            n->mark = stamp;
        }
        pairs -= blk->n;
    }
    if (pairs)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "records list blocking keys that do not list them");
    for (uint32_t x = 0; x < g->n_nodes; x++) {
        const struct node *n = &g->nodes[x];
        for (uint32_t e = 0; e < n->n_edges; e++) {
            const struct edge *ed = &node_edges(n)[e];
            const struct node *o = &g->nodes[ed->other];
            if (!node_in(o, ed->block) || g->blocks[ed->block].capped ||
                edge_count(n, ed->other, ed->block) != 1 || edge_count(o, x, ed->block) != 1)
                return c360_diag_fail(diag, C360_ERR_INVALID, n->key,
                                      "edge to %s is not the same at both ends or not of one "
                                      "uncapped blocking key",
                                      o->key);
        }
    }
    if (g->by_key.count != g->meta_records || g->by_block.count != g->meta_blocks ||
        capped != g->meta_capped)
        return c360_diag_fail(
            diag, C360_ERR_INVALID, META_KEY,
            "%zu records, %zu blocking keys (%zu capped) stored, the counters "
            "say %llu, %llu (%llu): items are missing",
            g->by_key.count, g->by_block.count, capped, (unsigned long long)g->meta_records,
            (unsigned long long)g->meta_blocks, (unsigned long long)g->meta_capped);
    g->capped = capped;
    return C360_OK;
}

/* Profiles from the records' profile ids, members oldest first. */
static enum c360_err rebuild_profiles(struct c360_identity *g, struct c360_diag *diag)
{
    enum c360_err err;
    struct u32s *all = &g->comp_tmp;
    all->n = 0;
    for (uint32_t x = 0; x < g->n_nodes; x++) {
        if (g->nodes[x].live && (err = c360_identity_u32s_push(all, x)))
            return err;
    }
    if ((err = c360_identity_sort_by_seq(g, all->v, all->n)))
        return err;
    for (size_t i = 0; i < all->n; i++) {
        uint32_t x = all->v[i], p;
        struct node *n = &g->nodes[x];
        uint64_t id = g->restore_ids[x];
        if (n->seq == 0 || n->seq > g->next_seq || (i && g->nodes[all->v[i - 1]].seq == n->seq))
            return c360_diag_fail(diag, C360_ERR_INVALID, n->key,
                                  "record's arrival number is 0, past the counter, or another "
                                  "record's");
        if (id == 0 || id >= g->next_id)
            return c360_diag_fail(diag, C360_ERR_INVALID, n->key,
                                  "record's profile id is not one the counters gave");
        if ((p = c360_identity_profile_slot(g, id)) == NONE &&
            (err = c360_identity_profile_new(g, id, &p)))
            return err;
        struct profile *prof = &g->profiles[p];
        if ((err = c360_identity_members_push(&prof->members, &prof->n, &prof->cap, x)))
            return err;
        n->profile = p;
    }
    return C360_OK;
}

enum c360_err c360_identity_restore_end(struct c360_identity *g, struct c360_diag *diag)
{
    enum c360_err err;
    if (g->restoring && !g->restored_meta && (g->by_key.count || g->by_block.count))
        return c360_diag_fail(diag, C360_ERR_INVALID, META_KEY,
                              "identity records stored without the identity counters");
    if (g->restoring && ((err = check_items(g, diag)) || (err = rebuild_profiles(g, diag))))
        return err;
    free(g->restore_ids);
    g->restore_ids = NULL;
    g->cap_restore_ids = 0;
    g->restoring = false;
    c360_identity_persisted(g); /* what was read is stored */
    return C360_OK;
}
