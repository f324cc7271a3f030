/*
 * c360 identity — the identity graph, incrementally (see identity.h).
 *
 * Nodes are records; each record's blocking keys (one per rule it can take
 * part in) index it in posting lists ("blocks"). Two records in one block
 * are joined by an edge when the rule's compared parts agree. A change
 * touches a few records; the region recomputed is every record reachable
 * from them or from their old profiles, so profiles outside it stay as they
 * are, and the components inside it are exactly what a resolution from
 * scratch would find.
 */
#include "c360/identity.h"
#include "c360/time.h"

#include "identity_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum c360_err c360_identity_members_push(union members *m, uint32_t *n, uint32_t *cap, uint32_t x)
{
    if (!*cap && *n < MEMBERS_HERE) {
        m->here[(*n)++] = x;
        return C360_OK;
    }
    if (!*cap || *n == *cap) {
        uint32_t want = *cap ? *cap * 2 : 2 * MEMBERS_HERE;
        uint32_t *p = realloc(*cap ? m->heap : NULL, want * sizeof(*p));
        if (!p)
            return C360_ERR_NOMEM;
        if (!*cap)
            memcpy(p, m->here, sizeof(m->here));
        m->heap = p;
        *cap = want;
    }
    m->heap[(*n)++] = x;
    return C360_OK;
}

void c360_identity_members_free(union members *m, uint32_t cap)
{
    if (cap)
        free(m->heap);
}

static enum c360_err members_push(union members *m, uint32_t *n, uint32_t *cap, uint32_t x)
{
    return c360_identity_members_push(m, n, cap, x);
}

static enum c360_err u32s_push(struct u32s *a, uint32_t v)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        uint32_t *p = realloc(a->v, cap * sizeof(*p));
        if (!p)
            return C360_ERR_NOMEM;
        a->v = p;
        a->cap = cap;
    }
    a->v[a->n++] = v;
    return C360_OK;
}

/* Grows an array of elements of size bytes to hold one more. */
static enum c360_err grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return C360_OK;
    size_t want = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, want * size);
    if (!p)
        return C360_ERR_NOMEM;
    memset((char *)p + *cap * size, 0, (want - *cap) * size);
    *arr = p;
    *cap = want;
    return C360_OK;
}

/* --- Indexes (see identity_int.h). They replace a c360_strmap each: that
 * kept a second copy of every key, a malloc and a free per entry. */

#define INDEX_EMPTY NONE
#define INDEX_GONE (NONE - 1)

/* Eight bytes at a time: keys are tens of bytes, hashed on every lookup. */
static uint32_t hash_bytes(const char *key, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ len, w;
    for (; len >= 8; key += 8, len -= 8) {
        memcpy(&w, key, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDu;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, key, len);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53u; /* then MurmurHash3's finalizer */
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDu;
    h ^= h >> 33;
    return (uint32_t)h;
}

static uint32_t hash_text(const char *key)
{
    return hash_bytes(key, strlen(key));
}

static uint32_t hash_id(uint64_t id)
{
    return (uint32_t)((id * 0x9E3779B97F4A7C15u) >> 32);
}

static enum c360_err index_init(struct slot_index *ix, enum index_of of, size_t max)
{
    *ix = (struct slot_index){.size = 16, .max = max, .of = of};
    if (!(ix->v = malloc(ix->size * sizeof(*ix->v))))
        return C360_ERR_NOMEM;
    for (size_t i = 0; i < ix->size; i++)
        ix->v[i].slot = INDEX_EMPTY;
    return C360_OK;
}

/* Whether slot holds key (a string, or for profiles a uint64_t). */
static bool index_holds(const struct c360_identity *g, const struct slot_index *ix, uint32_t slot,
                        const void *key)
{
    switch (ix->of) {
    case INDEX_NODES:
        return strcmp(g->nodes[slot].key, key) == 0;
    case INDEX_BLOCKS:
        return strcmp(g->blocks[slot].key, key) == 0;
    case INDEX_PROFILES:
        return g->profiles[slot].id == *(const uint64_t *)key;
    }
    return false;
}

/* The entry of key, or the first free place on its probe chain. */
static struct index_entry *index_find(const struct c360_identity *g, const struct slot_index *ix,
                                      uint32_t h, const void *key)
{
    struct index_entry *reuse = NULL;
    for (size_t i = h & (ix->size - 1);; i = (i + 1) & (ix->size - 1)) {
        struct index_entry *e = &ix->v[i];
        if (e->slot == INDEX_EMPTY)
            return reuse ? reuse : e;
        if (e->slot == INDEX_GONE) {
            if (!reuse)
                reuse = e;
        } else if (e->hash == h && index_holds(g, ix, e->slot, key)) {
            return e;
        }
    }
}

static bool index_get(const struct c360_identity *g, const struct slot_index *ix, uint32_t h,
                      const void *key, uint32_t *slot)
{
    const struct index_entry *e = index_find(g, ix, h, key);
    if (e->slot == INDEX_EMPTY || e->slot == INDEX_GONE)
        return false;
    *slot = e->slot;
    return true;
}

/* Re-lays the entries in a table of size entries (hashes are kept: no key
 * is read). */
static enum c360_err index_rebuild(struct slot_index *ix, size_t size)
{
    struct index_entry *v = malloc(size * sizeof(*v));
    if (!v)
        return C360_ERR_NOMEM;
    for (size_t i = 0; i < size; i++)
        v[i].slot = INDEX_EMPTY;
    for (size_t i = 0; i < ix->size; i++) {
        struct index_entry e = ix->v[i];
        if (e.slot == INDEX_EMPTY || e.slot == INDEX_GONE)
            continue;
        size_t k = e.hash & (size - 1);
        while (v[k].slot != INDEX_EMPTY)
            k = (k + 1) & (size - 1);
        v[k] = e;
    }
    free(ix->v);
    ix->v = v;
    ix->size = size;
    ix->used = ix->count;
    return C360_OK;
}

/* Sets key (which slot holds already) to slot; C360_ERR_LIMIT when a new key
 * would exceed the cap. */
static enum c360_err index_put(const struct c360_identity *g, struct slot_index *ix, uint32_t h,
                               const void *key, uint32_t slot)
{
    struct index_entry *e = index_find(g, ix, h, key);
    if (e->slot != INDEX_EMPTY && e->slot != INDEX_GONE) {
        e->slot = slot;
        return C360_OK;
    }
    if (ix->count >= ix->max)
        return C360_ERR_LIMIT;
    /* Keep the load (deleted entries included) under 3/4; a table mostly
     * of deleted entries is rebuilt at its size. */
    if ((ix->used + 1) * 4 > ix->size * 3) {
        size_t size = (ix->count + 1) * 2 > ix->size ? ix->size * 2 : ix->size;
        enum c360_err err = index_rebuild(ix, size);
        if (err)
            return err;
        e = index_find(g, ix, h, key);
    }
    if (e->slot == INDEX_EMPTY)
        ix->used++;
    *e = (struct index_entry){h, slot};
    ix->count++;
    return C360_OK;
}

static void index_del(const struct c360_identity *g, struct slot_index *ix, uint32_t h,
                      const void *key)
{
    struct index_entry *e = index_find(g, ix, h, key);
    if (e->slot == INDEX_EMPTY || e->slot == INDEX_GONE)
        return;
    e->slot = INDEX_GONE;
    ix->count--;
}

static size_t index_bytes(const struct slot_index *ix)
{
    return ix->size * sizeof(*ix->v);
}

/* The node of record key. */
static bool node_find(const struct c360_identity *g, const char *key, uint32_t *x)
{
    return index_get(g, &g->by_key, hash_text(key), key, x);
}

/* Blocking keys the graph holds at most: each record has at most one per
 * rule and value. */
#define BLOCKS_MAX(g) ((g)->cfg.records_max * C360_IDENTITY_RULES_MAX * C360_IDENTITY_VALUES_MAX)

/* --- Change tracking: the items a persist hands on (persist.c). Off until
 * the graph is first persisted or restored; then every node and block a
 * change writes to is listed once, and deleted keys are kept. */

static void track_fail(struct c360_identity *g, enum c360_err err)
{
    if (err && !g->track_err)
        g->track_err = err;
}

static void dirty_add(struct c360_identity *g, struct u32s *list, bool *dirty, uint32_t slot)
{
    *dirty = true;
    track_fail(g, u32s_push(list, slot));
}

/* Inline: called for every record and key a change writes to. */
static inline void node_dirty(struct c360_identity *g, uint32_t x)
{
    if (g->tracking && !g->nodes[x].dirty)
        dirty_add(g, &g->dirty_nodes, &g->nodes[x].dirty, x);
}

static inline void block_dirty(struct c360_identity *g, uint32_t b)
{
    if (g->tracking && !g->blocks[b].dirty)
        dirty_add(g, &g->dirty_blocks, &g->blocks[b].dirty, b);
}

/* Keeps a copy of the key of a deleted item; at most max of them between
 * two persisted. */
static void gone_add(struct c360_identity *g, struct gone *gl, const char *key, size_t max)
{
    if (!g->tracking)
        return;
    if (gl->n >= max) {
        track_fail(g, C360_ERR_LIMIT);
        return;
    }
    if (gl->n == gl->cap) {
        size_t cap = gl->cap ? gl->cap * 2 : 16;
        char **v = realloc(gl->v, cap * sizeof(*v));
        if (!v) {
            track_fail(g, C360_ERR_NOMEM);
            return;
        }
        gl->v = v;
        gl->cap = cap;
    }
    if (!(gl->v[gl->n] = strdup(key))) {
        track_fail(g, C360_ERR_NOMEM);
        return;
    }
    gl->n++;
}

static void gone_clear(struct gone *gl)
{
    for (size_t i = 0; i < gl->n; i++)
        free(gl->v[i]);
    gl->n = 0;
}

void c360_identity_track_clear(struct c360_identity *g)
{
    for (size_t i = 0; i < g->dirty_nodes.n; i++)
        g->nodes[g->dirty_nodes.v[i]].dirty = false;
    for (size_t i = 0; i < g->dirty_blocks.n; i++)
        g->blocks[g->dirty_blocks.v[i]].dirty = false;
    g->dirty_nodes.n = 0;
    g->dirty_blocks.n = 0;
    gone_clear(&g->gone_nodes);
    gone_clear(&g->gone_blocks);
    g->meta_dirty = false;
}

enum c360_err c360_identity_new(const struct c360_identity_config *cfg, struct c360_identity **out)
{
    if (cfg->n_rules == 0 || cfg->n_rules > C360_IDENTITY_RULES_MAX || cfg->postings_max < 2 ||
        cfg->cluster_max < 2 || cfg->records_max == 0)
        return C360_ERR_INVALID;
    struct c360_identity *g = calloc(1, sizeof(*g));
    if (!g)
        return C360_ERR_NOMEM;
    g->cfg = *cfg;
    g->next_id = 1;
    if (index_init(&g->by_key, INDEX_NODES, cfg->records_max) ||
        index_init(&g->by_id, INDEX_PROFILES, cfg->records_max) ||
        index_init(&g->by_block, INDEX_BLOCKS, BLOCKS_MAX(g))) {
        c360_identity_destroy(g);
        return C360_ERR_NOMEM;
    }
    *out = g;
    return C360_OK;
}

static size_t text_size(const char *s)
{
    return s && *s ? strlen(s) + 1 : 0;
}

/* Copies s (when not NULL or empty) to *p, moving *p past it; the copy or NULL. */
static char *text_put(char **p, const char *s, size_t size)
{
    if (!size)
        return NULL;
    char *copy = *p;
    memcpy(copy, s, size);
    *p += size;
    return copy;
}

enum c360_err c360_identity_node_text(struct node *n, const char *key, const char *gp,
                                      const char *first, const char *last)
{
    size_t key_size = strlen(key) + 1, gp_size = text_size(gp), first_size = text_size(first),
           last_size = text_size(last);
    char *text = malloc(key_size + gp_size + first_size + last_size);
    if (!text)
        return C360_ERR_NOMEM;
    char *p = text;
    text_put(&p, key, key_size);
    char *old = n->key; /* key may be it */
    n->key = text;
    n->gp = text_put(&p, gp, gp_size);
    n->first = text_put(&p, first, first_size);
    n->last = text_put(&p, last, last_size);
    free(old);
    return C360_OK;
}

static void node_clear(struct node *n)
{
    free(n->key); /* and the fields in its allocation */
    free(n->blocks);
    if (n->cap_edges)
        free(n->edges.heap);
    bool dirty = n->dirty; /* the slot stays in dirty_nodes */
    memset(n, 0, sizeof(*n));
    n->dirty = dirty;
}

void c360_identity_destroy(struct c360_identity *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_nodes; i++)
        node_clear(&g->nodes[i]);
    for (size_t i = 0; i < g->n_blocks; i++) {
        free(g->blocks[i].key);
        c360_identity_members_free(&g->blocks[i].members, g->blocks[i].cap);
    }
    for (size_t i = 0; i < g->n_profiles; i++)
        c360_identity_members_free(&g->profiles[i].members, g->profiles[i].cap);
    free(g->nodes);
    free(g->blocks);
    free(g->profiles);
    free(g->free_nodes.v);
    free(g->free_blocks.v);
    free(g->free_profiles.v);
    free(g->olds.v);
    struct u32s *scratch[] = {&g->touched,      &g->region,     &g->stack,    &g->old_profiles,
                              &g->comp_start,   &g->comp_nodes, &g->comp_tmp, &g->dirty_nodes,
                              &g->dirty_blocks, &g->distinct};
    for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++)
        free(scratch[i]->v);
    gone_clear(&g->gone_nodes);
    gone_clear(&g->gone_blocks);
    free(g->gone_nodes.v);
    free(g->gone_blocks.v);
    free(g->restore_ids);
    free(g->key_buf);
    free(g->sort);
    free(g->by_key.v);
    free(g->by_id.v);
    free(g->by_block.v);
    free(g->events);
    free(g->ids);
    free(g->id_offsets);
    free(g->deleted_key);
    free(g->comp_id);
    free(g->comp_exact);
    free(g->comp_profile);
    free(g->keys);
    free(g);
}

/* --- Rules. */

static bool exact_kind(enum c360_identity_kind kind)
{
    return kind == C360_IDENTITY_GLOBAL_PARTY_ID || kind == C360_IDENTITY_PARTY_IDENTIFIER;
}

static bool names_match(const char *a, const char *b, double threshold,
                        const struct c360_nicknames *nk)
{
    return a && b && c360_name_match(a, b, threshold, nk) != C360_NAME_DIFFERENT;
}

/* Do not merge through a fuzzy rule: two different global party ids, or two
 * different birth dates, are two people. */
static bool compatible(const struct node *a, const struct node *b)
{
    if (a->gp && b->gp && strcmp(a->gp, b->gp) != 0)
        return false;
    return a->birth == C360_DATE_NONE || b->birth == C360_DATE_NONE || a->birth == b->birth;
}

/* Whether rule r joins a and b, which share one of its blocking keys. A
 * record without a first name takes part in the email rule only through
 * block_attach_nameless. */
static bool rule_holds(const struct c360_identity *g, const struct c360_identity_rule *r,
                       const struct node *a, const struct node *b)
{
    if (exact_kind(r->kind))
        return true;
    if (!compatible(a, b))
        return false;
    const struct c360_nicknames *nk = g->cfg.nicknames;
    switch (r->kind) {
    case C360_IDENTITY_EMAIL:
        return c360_name_match_person(a->first, a->last, b->first, b->last, false, r->threshold,
                                      nk);
    case C360_IDENTITY_ADDRESS: /* last name and birth date are in the key */
        return names_match(a->first, b->first, r->threshold, nk);
    case C360_IDENTITY_PHONE:
        return c360_name_match_person(a->first, a->last, b->first, b->last, true, r->threshold, nk);
    default:
        return false;
    }
}

/* --- Edges. */

static enum c360_err edge_add(struct node *n, uint32_t other, uint32_t block)
{
    struct edge ed = {other, block};
    if (!n->cap_edges && n->n_edges < 1) {
        n->edges.here[n->n_edges++] = ed;
        return C360_OK;
    }
    if (!n->cap_edges || n->n_edges == n->cap_edges) {
        uint32_t cap = n->cap_edges ? n->cap_edges * 2 : 2;
        struct edge *p = realloc(n->cap_edges ? n->edges.heap : NULL, cap * sizeof(*p));
        if (!p)
            return C360_ERR_NOMEM;
        if (!n->cap_edges)
            p[0] = n->edges.here[0];
        n->edges.heap = p;
        n->cap_edges = cap;
    }
    n->edges.heap[n->n_edges++] = ed;
    return C360_OK;
}

static void edge_remove(struct node *n, uint32_t other, uint32_t block)
{
    for (uint32_t i = 0; i < n->n_edges; i++) {
        if (node_edges(n)[i].other == other && node_edges(n)[i].block == block) {
            node_edges(n)[i] = node_edges(n)[--n->n_edges];
            return;
        }
    }
}

static enum c360_err touch(struct c360_identity *g, uint32_t node)
{
    return u32s_push(&g->touched, node);
}

/* Edges from block b between x and each other member the rule joins. */
static enum c360_err block_join(struct c360_identity *g, uint32_t b, uint32_t x)
{
    struct block *blk = &g->blocks[b];
    const struct c360_identity_rule *r = &g->cfg.rules[blk->rule];
    enum c360_err err;
    for (uint32_t i = 0; i < blk->n; i++) {
        uint32_t m = block_members(blk)[i];
        if (m == x || !rule_holds(g, r, &g->nodes[x], &g->nodes[m]))
            continue;
        if ((err = edge_add(&g->nodes[x], m, b)) || (err = edge_add(&g->nodes[m], x, b)) ||
            (err = touch(g, m)))
            return err;
    }
    return C360_OK;
}

/*
 * Records without a first name (web sessions, external accounts that carry
 * only an email) and an email key: they cannot be compared by name, and
 * joining them to everyone with the email would bridge a household that
 * shares one. So they join the block's records only while the block holds
 * one person: all its named records agree with each other by the rule, and
 * its records carry one globalPartyId at most. A nameless record that has a
 * globalPartyId is placed by it alone: the bare email is weaker evidence than
 * the party id, and would otherwise carry it into another party's profile.
 * The edges are a function of the block's members alone, remade on every
 * change of the block, so a resolution from scratch finds the same ones.
 */
static enum c360_err block_attach_nameless(struct c360_identity *g, uint32_t b)
{
    struct block *blk = &g->blocks[b];
    const struct c360_identity_rule *r = &g->cfg.rules[blk->rule];
    enum c360_err err;
    if (r->kind != C360_IDENTITY_EMAIL || !r->attach_nameless || blk->capped)
        return C360_OK;
    bool any_nameless = false, one_person = true;
    const char *gp = NULL;
    for (uint32_t i = 0; i < blk->n; i++) {
        const struct node *a = &g->nodes[block_members(blk)[i]];
        any_nameless |= !a->first;
        if (a->gp && gp && strcmp(a->gp, gp) != 0)
            one_person = false;
        gp = a->gp ? a->gp : gp;
        for (uint32_t j = i + 1; j < blk->n && one_person && a->first; j++) {
            const struct node *o = &g->nodes[block_members(blk)[j]];
            one_person = !o->first || rule_holds(g, r, a, o);
        }
    }
    if (!any_nameless)
        return C360_OK;
    /* Drop the block's edges that touch a nameless record, then remake them. */
    for (uint32_t i = 0; i < blk->n; i++) {
        struct node *n = &g->nodes[block_members(blk)[i]];
        for (uint32_t e = 0; e < n->n_edges;) {
            if (node_edges(n)[e].block == b &&
                (!n->first || !g->nodes[node_edges(n)[e].other].first))
                node_edges(n)[e] = node_edges(n)[--n->n_edges];
            else
                e++;
        }
        if ((err = touch(g, block_members(blk)[i])))
            return err;
    }
    if (!one_person)
        return C360_OK;
    for (uint32_t i = 0; i < blk->n; i++) {
        uint32_t x = block_members(blk)[i];
        for (uint32_t j = i + 1; j < blk->n; j++) {
            uint32_t m = block_members(blk)[j];
            struct node *a = &g->nodes[x], *o = &g->nodes[m];
            if ((a->first && o->first) || (!a->first && a->gp) || (!o->first && o->gp) ||
                !compatible(a, o))
                continue;
            if ((err = edge_add(a, m, b)) || (err = edge_add(&g->nodes[m], x, b)))
                return err;
        }
    }
    return C360_OK;
}

/* Drops every edge block b made (it just passed the postings cap). */
static enum c360_err block_cap(struct c360_identity *g, uint32_t b)
{
    struct block *blk = &g->blocks[b];
    enum c360_err err;
    blk->capped = true;
    g->capped++;
    for (uint32_t i = 0; i < blk->n; i++) {
        struct node *n = &g->nodes[block_members(blk)[i]];
        for (uint32_t e = 0; e < n->n_edges;) {
            if (node_edges(n)[e].block == b)
                node_edges(n)[e] = node_edges(n)[--n->n_edges];
            else
                e++;
        }
        if ((err = touch(g, block_members(blk)[i])))
            return err;
    }
    return C360_OK;
}

/* Makes the edges of block b again (it came back under the cap). */
static enum c360_err block_uncap(struct c360_identity *g, uint32_t b)
{
    struct block *blk = &g->blocks[b];
    const struct c360_identity_rule *r = &g->cfg.rules[blk->rule];
    enum c360_err err;
    blk->capped = false;
    g->capped--;
    for (uint32_t i = 0; i < blk->n; i++) {
        uint32_t x = block_members(blk)[i];
        if ((err = touch(g, x)))
            return err;
        for (uint32_t j = i + 1; j < blk->n; j++) {
            uint32_t m = block_members(blk)[j];
            if (rule_holds(g, r, &g->nodes[x], &g->nodes[m]) &&
                ((err = edge_add(&g->nodes[x], m, b)) || (err = edge_add(&g->nodes[m], x, b))))
                return err;
        }
    }
    return block_attach_nameless(g, b);
}

/* --- Blocks. */

/* A new block of rule for key (of hash h), without members. */
static enum c360_err block_alloc(struct c360_identity *g, const char *key, uint32_t h, uint8_t rule,
                                 uint32_t *out)
{
    uint32_t b;
    enum c360_err err;
    if (g->free_blocks.n) {
        b = g->free_blocks.v[--g->free_blocks.n];
    } else {
        if ((err = grow((void **)&g->blocks, &g->cap_blocks, g->n_blocks, sizeof(*g->blocks))))
            return err;
        b = (uint32_t)g->n_blocks++;
    }
    struct block *blk = &g->blocks[b];
    *blk = (struct block){.key = strdup(key), .rule = rule, .dirty = blk->dirty};
    err = C360_ERR_NOMEM;
    if (!blk->key || (err = index_put(g, &g->by_block, h, key, b)))
        goto fail;
    *out = b;
    return C360_OK;
fail:
    free(blk->key);
    blk->key = NULL;
    u32s_push(&g->free_blocks, b); /* when even this fails, only the slot is lost */
    return err;
}

/* Enters node x in the block of key (of hash h), made when new. */
static enum c360_err block_enter(struct c360_identity *g, const char *key, uint32_t h, uint8_t rule,
                                 uint32_t x)
{
    uint32_t b;
    enum c360_err err;
    if (!index_get(g, &g->by_block, h, key, &b) && (err = block_alloc(g, key, h, rule, &b)))
        return err;
    struct node *n = &g->nodes[x];
    for (uint16_t i = 0; i < n->n_blocks; i++) {
        if (n->blocks[i] == b)
            return C360_OK; /* two values of the record give one key */
    }
    n->blocks[n->n_blocks++] = b; /* node_index made room */
    struct block *blk = &g->blocks[b];
    if ((err = members_push(&blk->members, &blk->n, &blk->cap, x)))
        return err;
    block_dirty(g, b);
    if (blk->capped)
        return C360_OK;
    if (blk->n > g->cfg.postings_max)
        return block_cap(g, b);
    if ((err = block_join(g, b, x)))
        return err;
    return block_attach_nameless(g, b);
}

static enum c360_err block_leave(struct c360_identity *g, uint32_t b, uint32_t x)
{
    struct block *blk = &g->blocks[b];
    for (uint32_t i = 0; i < blk->n; i++) {
        if (block_members(blk)[i] == x) {
            block_members(blk)[i] = block_members(blk)[--blk->n];
            break;
        }
    }
    block_dirty(g, b);
    if (blk->n == 0) {
        if (blk->capped)
            g->capped--;
        gone_add(g, &g->gone_blocks, blk->key, BLOCKS_MAX(g));
        index_del(g, &g->by_block, hash_text(blk->key), blk->key);
        free(blk->key);
        c360_identity_members_free(&blk->members, blk->cap);
        *blk = (struct block){.dirty = blk->dirty}; /* the slot stays in dirty_blocks */
        return u32s_push(&g->free_blocks, b);
    }
    if (blk->capped && blk->n <= g->cfg.postings_max)
        return block_uncap(g, b);
    return block_attach_nameless(g, b);
}

/* The values of in that rule r makes keys of for record n, and how many
 * (values may be NULL). */
static size_t rule_values(const struct c360_identity *g, size_t r, const struct node *n,
                          const struct c360_identity_input *in, const char *const **values)
{
    const char *const *v = NULL;
    size_t count = 0;
    switch (g->cfg.rules[r].kind) {
    case C360_IDENTITY_GLOBAL_PARTY_ID:
        v = &in->global_party_id;
        count = n->gp ? 1 : 0;
        break;
    case C360_IDENTITY_PARTY_IDENTIFIER:
        v = in->identifiers;
        count = in->n_identifiers;
        break;
    case C360_IDENTITY_EMAIL:
        v = in->emails;
        count = n->first || g->cfg.rules[r].attach_nameless ? in->n_emails : 0;
        break;
    case C360_IDENTITY_PHONE:
        v = in->phones;
        count = n->first ? in->n_phones : 0;
        break;
    case C360_IDENTITY_ADDRESS:
        v = in->addresses;
        count = n->first && n->last && n->birth != C360_DATE_NONE ? in->n_addresses : 0;
        break;
    }
    if (values)
        *values = v;
    return count;
}

/* Writes "|last|birth" (birth in decimal, as %ld writes it) into tail, NUL
 * terminated; false when it does not fit. By hand: snprintf was a fifth of
 * an upsert. */
static bool key_tail(char *tail, size_t size, const char *last, int32_t birth, size_t *out_len)
{
    char digits[16];
    size_t n_digits = 0, last_len = strlen(last);
    uint32_t v = birth < 0 ? (uint32_t)0 - (uint32_t)birth : (uint32_t)birth;
    do {
        digits[n_digits++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t len = 1 + last_len + 1 + (birth < 0) + n_digits;
    if (len >= size)
        return false;
    char *p = tail;
    *p++ = '|';
    memcpy(p, last, last_len);
    p += last_len;
    *p++ = '|';
    if (birth < 0)
        *p++ = '-';
    while (n_digits)
        *p++ = digits[--n_digits];
    *p = '\0';
    *out_len = len;
    return true;
}

_Static_assert(C360_IDENTITY_RULES_MAX <= 10, "a blocking key's rule is one digit");

/* The blocking keys of node x, one per rule and value it can take part in. */
/* Asks for the cache line at p: the indexes are tens of megabytes, and a
 * record's keys land in them at random. */
static inline void prefetch(const void *p)
{
#if defined(__GNUC__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/* Makes room for size bytes of keys in g->keys. */
static enum c360_err keys_room(struct c360_identity *g, size_t size)
{
    if (size <= g->cap_keys)
        return C360_OK;
    size_t cap = g->cap_keys ? g->cap_keys : 256;
    while (cap < size)
        cap *= 2;
    char *p = realloc(g->keys, cap);
    if (!p)
        return C360_ERR_NOMEM;
    g->keys = p;
    g->cap_keys = cap;
    return C360_OK;
}

static enum c360_err node_index(struct c360_identity *g, uint32_t x,
                                const struct c360_identity_input *in)
{
    struct key_ref {
        uint32_t off, len, hash;
        uint8_t rule;
    } refs[C360_IDENTITY_RULES_MAX * C360_IDENTITY_VALUES_MAX];
    size_t n_refs = 0, used = 0;
    enum c360_err err;
    struct node *n = &g->nodes[x];
    /* Room for every key at once: one allocation per record, not one per key. */
    size_t bound = 0;
    for (size_t r = 0; r < g->cfg.n_rules; r++)
        bound += rule_values(g, r, n, in, NULL);
    if (bound > sizeof(refs) / sizeof(refs[0]))
        return C360_ERR_INVALID; /* more than C360_IDENTITY_VALUES_MAX values of a kind */
    if (bound > n->cap_blocks) {
        uint32_t *nb = realloc(n->blocks, bound * sizeof(*nb));
        if (!nb)
            return C360_ERR_NOMEM;
        n->blocks = nb;
        n->cap_blocks = (uint16_t)bound;
    }
    /* The keys first, their index entries asked for; then entered, while
     * the entries arrive together rather than one after the other. */
    for (size_t r = 0; r < g->cfg.n_rules; r++) {
        const char *const *values;
        size_t count = rule_values(g, r, n, in, &values);
        /* The key's tail after the value: "|last|birth" for the address
         * rule, nothing for the others. */
        char tail[BLOCK_KEY_MAX];
        size_t tail_len = 0;
        tail[0] = '\0';
        if (count && g->cfg.rules[r].kind == C360_IDENTITY_ADDRESS &&
            !key_tail(tail, sizeof(tail), n->last, n->birth, &tail_len))
            count = 0;
        for (size_t i = 0; i < count; i++) {
            if (!values[i] || !*values[i])
                continue;
            size_t len = strlen(values[i]);
            if (len + tail_len + 2 >= BLOCK_KEY_MAX)
                continue; /* longer than any real value: it matches nothing */
            if ((err = keys_room(g, used + len + tail_len + 3)))
                return err;
            char *key = g->keys + used;
            key[0] = (char)('0' + r);
            key[1] = '|';
            memcpy(key + 2, values[i], len);
            memcpy(key + 2 + len, tail, tail_len + 1);
            struct key_ref *ref = &refs[n_refs++];
            *ref = (struct key_ref){(uint32_t)used, (uint32_t)(2 + len + tail_len), 0, (uint8_t)r};
            ref->hash = hash_bytes(key, ref->len);
            prefetch(&g->by_block.v[ref->hash & (g->by_block.size - 1)]);
            used += ref->len + 1;
        }
    }
    for (size_t k = 0; k < n_refs; k++) {
        if ((err = block_enter(g, g->keys + refs[k].off, refs[k].hash, refs[k].rule, x)))
            return err;
    }
    return C360_OK;
}

/* Takes node x out of every block and edge; it stays allocated. */
static enum c360_err node_unindex(struct c360_identity *g, uint32_t x)
{
    struct node *n = &g->nodes[x];
    enum c360_err err;
    for (uint32_t e = 0; e < n->n_edges; e++) {
        edge_remove(&g->nodes[node_edges(n)[e].other], x, node_edges(n)[e].block);
        if ((err = touch(g, node_edges(n)[e].other)))
            return err;
    }
    n->n_edges = 0;
    /* The list stays allocated for node_index to fill again. */
    uint16_t nb = n->n_blocks;
    n->n_blocks = 0;
    for (uint16_t i = 0; i < nb; i++) {
        if ((err = block_leave(g, g->nodes[x].blocks[i], x)))
            return err;
    }
    return C360_OK;
}

/* --- Profiles. */

static enum c360_err profile_new(struct c360_identity *g, uint64_t id, uint32_t *out)
{
    uint32_t p;
    enum c360_err err;
    if (g->free_profiles.n) {
        p = g->free_profiles.v[--g->free_profiles.n];
    } else {
        if ((err = grow((void **)&g->profiles, &g->cap_profiles, g->n_profiles,
                        sizeof(*g->profiles))))
            return err;
        p = (uint32_t)g->n_profiles++;
    }
    g->profiles[p] = (struct profile){.id = id};
    if ((err = index_put(g, &g->by_id, hash_id(id), &id, p)))
        return err;
    *out = p;
    return C360_OK;
}

static enum c360_err profile_add(struct profile *p, uint32_t x)
{
    return members_push(&p->members, &p->n, &p->cap, x);
}

static void profile_remove_member(struct profile *p, uint32_t x)
{
    for (uint32_t i = 0; i < p->n; i++) {
        if (profile_members(p)[i] == x) {
            profile_members(p)[i] = profile_members(p)[--p->n];
            return;
        }
    }
}

/* --- Events. */

static enum c360_err event_add(struct c360_identity *g, struct c360_identity_event ev)
{
    enum c360_err err;
    if ((err = grow((void **)&g->events, &g->cap_events, g->n_events, sizeof(*g->events))))
        return err;
    size_t cap = g->cap_events;
    size_t *off = realloc(g->id_offsets, cap * sizeof(*off));
    if (!off)
        return C360_ERR_NOMEM;
    g->id_offsets = off;
    g->id_offsets[g->n_events] = g->n_ids;
    g->events[g->n_events++] = ev;
    return C360_OK;
}

/* Appends an id to the last event's list. */
static enum c360_err event_id(struct c360_identity *g, uint64_t id)
{
    enum c360_err err;
    if ((err = grow((void **)&g->ids, &g->cap_ids, g->n_ids, sizeof(*g->ids))))
        return err;
    g->ids[g->n_ids++] = id;
    g->events[g->n_events - 1].n_ids++;
    return C360_OK;
}

static void events_publish(struct c360_identity *g, struct c360_identity_changes *changes)
{
    for (size_t i = 0; i < g->n_events; i++)
        g->events[i].ids = g->events[i].n_ids ? g->ids + g->id_offsets[i] : NULL;
    changes->events = g->events;
    changes->count = g->n_events;
}

/* The first rule (in configuration order) joining x to a node of its
 * component, or NULL. */
static const char *link_rule(const struct c360_identity *g, uint32_t x, bool exact_only)
{
    const struct node *n = &g->nodes[x];
    size_t best = SIZE_MAX;
    for (uint32_t e = 0; e < n->n_edges; e++) {
        const struct node *o = &g->nodes[node_edges(n)[e].other];
        size_t rule = g->blocks[node_edges(n)[e].block].rule;
        if (o->comp != n->comp || (exact_only && !exact_kind(g->cfg.rules[rule].kind)))
            continue;
        if (rule < best)
            best = rule;
    }
    return best == SIZE_MAX ? NULL : g->cfg.rules[best].name;
}

/* --- Recomputation of the region around the touched records. */

static enum c360_err bfs(struct c360_identity *g, uint32_t start, bool exact_only, uint32_t comp,
                         uint32_t mark, struct u32s *out)
{
    enum c360_err err;
    g->stack.n = 0;
    g->nodes[start].mark = mark;
    g->nodes[start].comp = comp;
    if ((err = u32s_push(&g->stack, start)))
        return err;
    while (g->stack.n) {
        uint32_t x = g->stack.v[--g->stack.n];
        if ((err = u32s_push(out, x)))
            return err;
        const struct node *n = &g->nodes[x];
        for (uint32_t e = 0; e < n->n_edges; e++) {
            uint32_t o = node_edges(n)[e].other;
            if (g->nodes[o].mark == mark ||
                (exact_only &&
                 !exact_kind(g->cfg.rules[g->blocks[node_edges(n)[e].block].rule].kind)))
                continue;
            g->nodes[o].mark = mark;
            g->nodes[o].comp = comp;
            if ((err = u32s_push(&g->stack, o)))
                return err;
        }
    }
    return C360_OK;
}

static uint64_t profile_oldest(const struct c360_identity *g, const struct profile *p)
{
    uint64_t oldest = UINT64_MAX;
    for (uint32_t m = 0; m < p->n; m++) {
        if (g->nodes[profile_members(p)[m]].seq < oldest)
            oldest = g->nodes[profile_members(p)[m]].seq;
    }
    return oldest;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The old profiles of this change (g->olds), oldest first: the profiles of
 * the region's records and removed_profile (whose age, removed_oldest,
 * counts its deleted record), each once. g->old_profiles is the scratch. */
static enum c360_err old_profiles(struct c360_identity *g, uint32_t removed_profile,
                                  uint64_t removed_oldest)
{
    enum c360_err err;
    struct u32s *met = &g->old_profiles;
    met->n = 0;
    if (removed_profile != NONE && (err = u32s_push(met, removed_profile)))
        return err;
    for (size_t i = 0; i < g->region.n; i++) {
        uint32_t p = g->nodes[g->region.v[i]].profile;
        if (p != NONE && (!met->n || met->v[met->n - 1] != p) && (err = u32s_push(met, p)))
            return err;
    }
    if (met->n > 1) /* and v may be NULL when it is 0 */
        qsort(met->v, met->n, sizeof(*met->v), u32_cmp);
    g->olds.n = 0;
    for (size_t i = 0; i < met->n; i++) {
        uint32_t p = met->v[i];
        if (i && met->v[i - 1] == p)
            continue;
        if ((err = grow((void **)&g->olds.v, &g->olds.cap, g->olds.n, sizeof(*g->olds.v))))
            return err;
        g->olds.v[g->olds.n++] = (struct old_profile){
            .oldest = p == removed_profile ? removed_oldest : profile_oldest(g, &g->profiles[p]),
            .p = p,
            .keep_comp = NONE,
        };
    }
    /* Oldest first (few per change: insertion sort). Ages differ: profiles
     * hold different records. */
    struct old_profile *v = g->olds.v;
    for (size_t i = 1; i < g->olds.n; i++) {
        struct old_profile o = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1].oldest > o.oldest; j--)
            v[j] = v[j - 1];
        v[j] = o;
    }
    return C360_OK;
}

/* The age of old profile p when the change began. */
static uint64_t old_age(const struct c360_identity *g, uint32_t p)
{
    for (size_t i = 0; i < g->olds.n; i++) {
        if (g->olds.v[i].p == p)
            return g->olds.v[i].oldest;
    }
    return UINT64_MAX; /* not reached: the region holds every profile it meets */
}

/* The region, the old profiles in it, and its components (comp_start
 * offsets into comp_nodes). The region is everything reachable from the
 * touched records and from the members of their profiles; it is closed
 * under edges, so it holds every profile it meets whole. */
static enum c360_err components(struct c360_identity *g, uint32_t removed_profile,
                                uint64_t removed_oldest)
{
    enum c360_err err;
    uint32_t region_mark = ++g->gen;
    g->region.n = 0;
    if (removed_profile != NONE) {
        const struct profile *p = &g->profiles[removed_profile];
        for (uint32_t m = 0; m < p->n; m++) {
            uint32_t x = profile_members(p)[m];
            if (g->nodes[x].mark != region_mark &&
                (err = bfs(g, x, false, 0, region_mark, &g->region)))
                return err;
        }
    }
    for (size_t i = 0; i < g->touched.n; i++) {
        uint32_t x = g->touched.v[i];
        if (!g->nodes[x].live)
            continue;
        if (g->nodes[x].mark != region_mark && (err = bfs(g, x, false, 0, region_mark, &g->region)))
            return err;
        uint32_t p = g->nodes[x].profile;
        for (uint32_t m = 0; p != NONE && m < g->profiles[p].n; m++) {
            uint32_t y = profile_members(&g->profiles[p])[m];
            if (g->nodes[y].mark != region_mark &&
                (err = bfs(g, y, false, 0, region_mark, &g->region)))
                return err;
        }
    }
    if ((err = old_profiles(g, removed_profile, removed_oldest)))
        return err;

    /* Components, each under the cluster cap or held by exact rules only. */
    uint32_t comp_mark = ++g->gen;
    g->comp_start.n = 0;
    g->comp_nodes.n = 0;
    for (size_t i = 0; i < g->region.n; i++) {
        uint32_t x = g->region.v[i];
        if (g->nodes[x].mark == comp_mark)
            continue;
        size_t start = g->comp_nodes.n;
        uint32_t comp = (uint32_t)g->comp_start.n;
        if ((err = u32s_push(&g->comp_start, (uint32_t)start)) ||
            (err = bfs(g, x, false, comp, comp_mark, &g->comp_nodes)))
            return err;
        if (g->comp_nodes.n - start <= g->cfg.cluster_max)
            continue;
        /* Too big: split it by the exact rules alone. */
        uint32_t exact_mark = ++g->gen;
        size_t end = g->comp_nodes.n;
        g->comp_start.n--;
        /* Copy the members aside: bfs appends to comp_nodes. */
        struct u32s big = {0};
        for (size_t j = start; j < end; j++) {
            if ((err = u32s_push(&big, g->comp_nodes.v[j]))) {
                free(big.v);
                return err;
            }
        }
        g->comp_nodes.n = start;
        for (size_t j = 0; j < big.n; j++) {
            uint32_t y = big.v[j];
            if (g->nodes[y].mark == exact_mark)
                continue;
            uint32_t c = (uint32_t)g->comp_start.n;
            if ((err = u32s_push(&g->comp_start, (uint32_t)g->comp_nodes.n)) ||
                (err = bfs(g, y, true, c, exact_mark, &g->comp_nodes))) {
                free(big.v);
                return err;
            }
        }
        /* Marks of the split nodes must read as "in a component" below. */
        for (size_t j = 0; j < big.n; j++)
            g->nodes[big.v[j]].mark = comp_mark;
        free(big.v);
    }
    return C360_OK;
}

static size_t comp_size(const struct c360_identity *g, uint32_t c)
{
    size_t end = c + 1 < g->comp_start.n ? g->comp_start.v[c + 1] : g->comp_nodes.n;
    return end - g->comp_start.v[c];
}

static int seq_slot_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct seq_slot *)a)->seq, y = ((const struct seq_slot *)b)->seq;
    return x < y ? -1 : x > y;
}

/* Makes room for n sort keys. */
static enum c360_err sort_room(struct c360_identity *g, size_t n)
{
    if (n <= g->cap_sort)
        return C360_OK;
    struct seq_slot *p = realloc(g->sort, n * sizeof(*p));
    if (!p)
        return C360_ERR_NOMEM;
    g->sort = p;
    g->cap_sort = n;
    return C360_OK;
}

enum c360_err c360_identity_sort_by_seq(struct c360_identity *g, uint32_t *v, size_t n)
{
    enum c360_err err;
    size_t i = 1;
    while (i < n && g->nodes[v[i - 1]].seq < g->nodes[v[i]].seq)
        i++;
    if (i >= n)
        return C360_OK; /* sorted already: the usual case */
    if (n <= 16) {
        for (; i < n; i++) {
            uint32_t x = v[i];
            size_t j = i;
            for (; j > 0 && g->nodes[v[j - 1]].seq > g->nodes[x].seq; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        return C360_OK;
    }
    if ((err = sort_room(g, n)))
        return err;
    for (i = 0; i < n; i++)
        g->sort[i] = (struct seq_slot){g->nodes[v[i]].seq, v[i]};
    qsort(g->sort, n, sizeof(*g->sort), seq_slot_cmp);
    for (i = 0; i < n; i++)
        v[i] = g->sort[i].x;
    return C360_OK;
}

/*
 * Puts the components in an order that no slot number or array order
 * decides, so a graph restored from its items (other slots, other orders)
 * does what the original does: each component's records by seq, and the
 * components by their oldest record. The ids new components get, the
 * order of events and of profile members follow from it.
 */
static enum c360_err components_canonical(struct c360_identity *g)
{
    size_t n_comps = g->comp_start.n;
    enum c360_err err;
    bool ordered = true;
    for (uint32_t c = 0; c < n_comps; c++) {
        uint32_t *v = g->comp_nodes.v + g->comp_start.v[c];
        if ((err = c360_identity_sort_by_seq(g, v, comp_size(g, c))))
            return err;
        ordered &=
            c == 0 || g->nodes[g->comp_nodes.v[g->comp_start.v[c - 1]]].seq < g->nodes[v[0]].seq;
    }
    if (ordered)
        return C360_OK;
    if ((err = sort_room(g, n_comps)))
        return err;
    for (uint32_t c = 0; c < n_comps; c++)
        g->sort[c] = (struct seq_slot){g->nodes[g->comp_nodes.v[g->comp_start.v[c]]].seq, c};
    qsort(g->sort, n_comps, sizeof(*g->sort), seq_slot_cmp);
    g->comp_tmp.n = 0;
    for (uint32_t k = 0; k < n_comps; k++) {
        uint32_t c = g->sort[k].x;
        size_t start = g->comp_start.v[c], size = comp_size(g, c);
        for (size_t j = start; j < start + size; j++) {
            if ((err = u32s_push(&g->comp_tmp, g->comp_nodes.v[j])))
                return err;
        }
    }
    /* Relabel, and find where each component starts in the new order. */
    uint32_t old = NONE;
    g->comp_start.n = 0;
    for (size_t j = 0; j < g->comp_tmp.n; j++) {
        struct node *n = &g->nodes[g->comp_tmp.v[j]];
        if (n->comp != old) {
            old = n->comp;
            g->comp_start.v[g->comp_start.n++] = (uint32_t)j; /* as many as before */
        }
        n->comp = (uint32_t)g->comp_start.n - 1;
    }
    struct u32s swap = g->comp_nodes;
    g->comp_nodes = g->comp_tmp;
    g->comp_tmp = swap;
    return C360_OK;
}

/* Makes room for n components' ids, flags and profiles. */
static enum c360_err comps_room(struct c360_identity *g, size_t n)
{
    if (n <= g->cap_comps)
        return C360_OK;
    size_t cap = g->cap_comps ? g->cap_comps : 16;
    while (cap < n)
        cap *= 2;
    uint64_t *id = realloc(g->comp_id, cap * sizeof(*id));
    if (!id)
        return C360_ERR_NOMEM;
    g->comp_id = id;
    bool *exact = realloc(g->comp_exact, cap * sizeof(*exact));
    if (!exact)
        return C360_ERR_NOMEM;
    g->comp_exact = exact;
    uint32_t *profile = realloc(g->comp_profile, cap * sizeof(*profile));
    if (!profile)
        return C360_ERR_NOMEM;
    g->comp_profile = profile;
    g->cap_comps = cap;
    return C360_OK;
}

/* Recomputes the region, assigns ids and emits events. removed_profile is
 * the old profile of a deleted record (NONE otherwise). */
static enum c360_err recompute(struct c360_identity *g, uint32_t removed_profile,
                               uint64_t removed_oldest)
{
    enum c360_err err;
    if ((err = components(g, removed_profile, removed_oldest)) || (err = components_canonical(g)))
        return err;
    size_t n_comps = g->comp_start.n;
    if ((err = comps_room(g, n_comps ? n_comps : 1))) /* never NULL: memset below */
        return err;
    uint64_t *comp_id = g->comp_id;
    bool *comp_exact = g->comp_exact;
    memset(comp_id, 0, n_comps * sizeof(*comp_id));
    memset(comp_exact, 0, n_comps * sizeof(*comp_exact));
    for (uint32_t c = 0; c < n_comps; c++) {
        /* A component cut by the cluster cap has only exact-rule links. */
        size_t start = g->comp_start.v[c];
        for (size_t j = start; j < start + comp_size(g, c) && !comp_exact[c]; j++) {
            const struct node *n = &g->nodes[g->comp_nodes.v[j]];
            for (uint32_t e = 0; e < n->n_edges; e++) {
                if (g->nodes[node_edges(n)[e].other].comp != c) {
                    comp_exact[c] = true;
                    break;
                }
            }
        }
    }

    /* Old profiles, oldest first, each hand its id to the component holding
     * its oldest remaining member, unless an older profile got there first. */
    for (size_t i = 0; i < g->olds.n; i++) {
        struct old_profile *old = &g->olds.v[i];
        const struct profile *p = &g->profiles[old->p];
        uint64_t best = UINT64_MAX;
        for (uint32_t m = 0; m < p->n; m++) {
            const struct node *n = &g->nodes[profile_members(p)[m]];
            if (n->seq < best) {
                best = n->seq;
                old->keep_comp = n->comp;
            }
        }
        if (old->keep_comp != NONE && comp_id[old->keep_comp] == 0)
            comp_id[old->keep_comp] = p->id;
        else
            old->keep_comp = NONE; /* merged into an older profile */
    }
    for (uint32_t c = 0; c < n_comps; c++) {
        if (comp_id[c] == 0)
            comp_id[c] = g->next_id++;
    }

    /* Splits: an old profile whose members now lie in several components. */
    for (size_t i = 0; i < g->olds.n && !err; i++) {
        const struct old_profile *old = &g->olds.v[i];
        const struct profile *p = &g->profiles[old->p];
        struct u32s distinct = g->distinct;
        distinct.n = 0;
        for (uint32_t m = 0; m < p->n && !err; m++) {
            uint32_t c = g->nodes[profile_members(p)[m]].comp;
            bool dup = false;
            for (size_t k = 0; k < distinct.n; k++)
                dup |= distinct.v[k] == c;
            if (!dup)
                err = u32s_push(&distinct, c);
        }
        if (!err && distinct.n > 1) {
            /* The new parts in component order: by their oldest record. */
            for (size_t k = 1; k < distinct.n; k++) {
                uint32_t c = distinct.v[k];
                size_t j = k;
                for (; j > 0 && distinct.v[j - 1] > c; j--)
                    distinct.v[j] = distinct.v[j - 1];
                distinct.v[j] = c;
            }
            err = event_add(g, (struct c360_identity_event){
                                   .kind = C360_IDENTITY_SPLIT,
                                   .from = p->id,
                                   .into = old->keep_comp != NONE ? p->id : 0,
                               });
            for (size_t k = 0; k < distinct.n && !err; k++) {
                if (comp_id[distinct.v[k]] != p->id)
                    err = event_id(g, comp_id[distinct.v[k]]);
            }
        }
        g->distinct = distinct; /* kept for the next change */
    }
    /* Merges: a component holding members of several old profiles. */
    for (uint32_t c = 0; c < n_comps && !err; c++) {
        size_t start = g->comp_start.v[c];
        struct u32s sources = g->distinct;
        sources.n = 0;
        for (size_t j = start; j < start + comp_size(g, c) && !err; j++) {
            uint32_t p = g->nodes[g->comp_nodes.v[j]].profile;
            if (p == NONE)
                continue;
            bool dup = false;
            for (size_t k = 0; k < sources.n; k++)
                dup |= sources.v[k] == p;
            if (!dup)
                err = u32s_push(&sources, p);
        }
        if (!err && sources.n > 1) {
            /* The absorbed profiles oldest first, as the old profiles go. */
            for (size_t k = 1; k < sources.n; k++) {
                uint32_t p = sources.v[k];
                size_t j = k;
                for (; j > 0 && old_age(g, sources.v[j - 1]) > old_age(g, p); j--)
                    sources.v[j] = sources.v[j - 1];
                sources.v[j] = p;
            }
            err = event_add(
                g, (struct c360_identity_event){.kind = C360_IDENTITY_MERGE, .into = comp_id[c]});
            for (size_t k = 0; k < sources.n && !err; k++) {
                if (g->profiles[sources.v[k]].id != comp_id[c])
                    err = event_id(g, g->profiles[sources.v[k]].id);
            }
        }
        g->distinct = sources;
    }
    /* Links: records whose profile id is new, and the rule that holds them. */
    for (size_t i = 0; i < g->comp_nodes.n && !err; i++) {
        uint32_t x = g->comp_nodes.v[i];
        struct node *n = &g->nodes[x];
        uint64_t before = n->profile == NONE ? 0 : g->profiles[n->profile].id;
        if (before == comp_id[n->comp])
            continue;
        node_dirty(g, x); /* its item holds its profile's id */
        err = event_add(g, (struct c360_identity_event){
                               .kind = C360_IDENTITY_LINK,
                               .record_key = n->key,
                               .from = before,
                               .into = comp_id[n->comp],
                               .rule = link_rule(g, x, comp_exact[n->comp]),
                           });
    }
    /* Replace the old profiles by the components. An old profile whose id
     * a component keeps becomes that component's, slot and index entry
     * unchanged: no profile's slot is seen outside the graph. */
    uint32_t *comp_profile = g->comp_profile;
    for (uint32_t c = 0; c < n_comps; c++)
        comp_profile[c] = NONE;
    for (size_t i = 0; i < g->olds.n && !err; i++) {
        const struct old_profile *old = &g->olds.v[i];
        struct profile *p = &g->profiles[old->p];
        if (old->keep_comp != NONE) {
            comp_profile[old->keep_comp] = old->p;
            p->n = 0; /* refilled below; its allocation stays */
            continue;
        }
        index_del(g, &g->by_id, hash_id(p->id), &p->id);
        c360_identity_members_free(&p->members, p->cap);
        memset(p, 0, sizeof(*p));
        err = u32s_push(&g->free_profiles, old->p);
    }
    for (uint32_t c = 0; c < n_comps && !err; c++) {
        uint32_t p = comp_profile[c];
        if (p == NONE && (err = profile_new(g, comp_id[c], &p)))
            break;
        size_t start = g->comp_start.v[c];
        for (size_t j = start; j < start + comp_size(g, c) && !err; j++) {
            uint32_t x = g->comp_nodes.v[j];
            g->nodes[x].profile = p;
            err = profile_add(&g->profiles[p], x);
        }
    }
    return err;
}

/* --- Public operations. */

static void change_begin(struct c360_identity *g)
{
    g->touched.n = 0;
    g->n_events = 0;
    g->n_ids = 0;
    free(g->deleted_key);
    g->deleted_key = NULL;
}

/* A new node slot for key, indexed, not live yet. */
static enum c360_err node_alloc(struct c360_identity *g, const char *key,
                                const struct c360_identity_input *in, uint32_t *out)
{
    uint32_t x;
    enum c360_err err;
    if (g->free_nodes.n) {
        x = g->free_nodes.v[--g->free_nodes.n];
    } else {
        if (g->n_nodes >= g->cfg.records_max)
            return C360_ERR_LIMIT;
        if ((err = grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes, sizeof(*g->nodes))))
            return err;
        x = (uint32_t)g->n_nodes++;
    }
    struct node *n = &g->nodes[x];
    *n = (struct node){.profile = NONE, .dirty = n->dirty}; /* a free slot holds nothing */
    err = C360_ERR_NOMEM;
    if ((err = in ? c360_identity_node_text(n, key, in->global_party_id, in->first_name,
                                            in->last_name)
                  : c360_identity_node_text(n, key, NULL, NULL, NULL)) ||
        (err = index_put(g, &g->by_key, hash_text(key), key, x)))
        goto fail;
    *out = x;
    return C360_OK;
fail:
    node_clear(n);
    u32s_push(&g->free_nodes, x); /* when even this fails, only the slot is lost */
    return err;
}

/* Lists what the change wrote to for the next persist: the records it
 * touched (edges, blocks, fields) and the counters. Records whose profile id
 * changed were listed by recompute. */
static void change_tracked(struct c360_identity *g)
{
    if (!g->tracking)
        return;
    g->meta_dirty = true;
    for (size_t i = 0; i < g->touched.n; i++) {
        if (g->nodes[g->touched.v[i]].live)
            node_dirty(g, g->touched.v[i]);
    }
}

static enum c360_err node_fill(struct node *n, const struct c360_identity_input *in)
{
    n->birth = in->birth_date;
    return c360_identity_node_text(n, n->key, in->global_party_id, in->first_name, in->last_name);
}

enum c360_err c360_identity_upsert(struct c360_identity *g, const struct c360_identity_input *in,
                                   struct c360_identity_changes *changes)
{
    enum c360_err err;
    uint32_t x;
    change_begin(g);
    changes->events = NULL;
    changes->count = 0;
    if (!in->key || !*in->key)
        return C360_ERR_INVALID;
    if (node_find(g, in->key, &x)) {
        if ((err = node_unindex(g, x)) || (err = node_fill(&g->nodes[x], in)))
            return err;
    } else {
        if ((err = node_alloc(g, in->key, in, &x)))
            return err;
        g->nodes[x].seq = ++g->next_seq;
        g->nodes[x].birth = in->birth_date;
        g->nodes[x].live = true;
    }
    if ((err = touch(g, x)) || (err = node_index(g, x, in)) || (err = recompute(g, NONE, 0)))
        return err;
    change_tracked(g);
    events_publish(g, changes);
    return C360_OK;
}

enum c360_err c360_identity_delete(struct c360_identity *g, const char *key,
                                   struct c360_identity_changes *changes)
{
    enum c360_err err;
    uint32_t x;
    change_begin(g);
    changes->events = NULL;
    changes->count = 0;
    if (!node_find(g, key, &x))
        return C360_OK;
    struct node *n = &g->nodes[x];
    uint32_t p = n->profile;
    uint64_t from = g->profiles[p].id;
    /* The profile's age counts the deleted record, so its id stays with
     * the part that holds the next oldest. */
    uint64_t oldest = profile_oldest(g, &g->profiles[p]);
    if ((err = node_unindex(g, x)))
        return err;
    profile_remove_member(&g->profiles[p], x);
    index_del(g, &g->by_key, hash_text(key), key);
    if (!(g->deleted_key = strdup(key)))
        return C360_ERR_NOMEM;
    gone_add(g, &g->gone_nodes, key, g->cfg.records_max);
    node_clear(n);
    n->profile = NONE;
    if ((err = u32s_push(&g->free_nodes, x)) ||
        (err = event_add(g, (struct c360_identity_event){.kind = C360_IDENTITY_UNLINK,
                                                         .record_key = g->deleted_key,
                                                         .from = from})) ||
        (err = recompute(g, p, oldest)))
        return err;
    change_tracked(g);
    events_publish(g, changes);
    return C360_OK;
}

bool c360_identity_profile_of(const struct c360_identity *g, const char *key, uint64_t *id)
{
    uint32_t x;
    if (!node_find(g, key, &x))
        return false;
    *id = g->profiles[g->nodes[x].profile].id;
    return true;
}

size_t c360_identity_count(const struct c360_identity *g)
{
    return g->by_key.count;
}

void c360_identity_each(const struct c360_identity *g,
                        void (*fn)(const char *key, uint64_t id, void *arg), void *arg)
{
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct node *n = &g->nodes[i];
        if (n->live)
            fn(n->key, g->profiles[n->profile].id, arg);
    }
}

/* Whether edge a comes before edge b (of one record) in the order explain
 * gives them: by the other record's age, then by rule, then by key. */
static bool edge_before(const struct c360_identity *g, const struct edge *a, const struct edge *b)
{
    uint64_t sa = g->nodes[a->other].seq, sb = g->nodes[b->other].seq;
    const struct block *ba = &g->blocks[a->block], *bb = &g->blocks[b->block];
    if (sa != sb)
        return sa < sb;
    if (ba->rule != bb->rule)
        return ba->rule < bb->rule;
    return strcmp(ba->key, bb->key) < 0;
}

bool c360_identity_explain(const struct c360_identity *g, const char *key,
                           void (*on_record)(const char *key, void *arg),
                           void (*on_edge)(const struct c360_identity_edge *e, void *arg),
                           void *arg)
{
    uint32_t x;
    if (!node_find(g, key, &x))
        return false;
    const struct profile *p = &g->profiles[g->nodes[x].profile];
    for (uint32_t m = 0; m < p->n; m++)
        on_record(g->nodes[profile_members(p)[m]].key, arg);
    for (uint32_t m = 0; m < p->n; m++) {
        const struct node *n = &g->nodes[profile_members(p)[m]];
        /* Each edge is held by both ends: explain it from the older one.
         * Edges cut by the cluster cap lead out of the profile. Edges in
         * edge_before order, picked one by one: a record has few. */
        const struct edge *prev = NULL;
        for (;;) {
            const struct edge *next = NULL;
            for (uint32_t e = 0; e < n->n_edges; e++) {
                const struct edge *ed = &node_edges(n)[e];
                const struct node *o = &g->nodes[ed->other];
                if (o->profile == n->profile && o->seq > n->seq &&
                    (!prev || edge_before(g, prev, ed)) && (!next || edge_before(g, ed, next)))
                    next = ed;
            }
            if (!next)
                break;
            prev = next;
            const struct node *o = &g->nodes[next->other];
            const struct block *blk = &g->blocks[next->block];
            const char *bar = strchr(blk->key, '|');
            struct c360_identity_edge edge = {
                .a = n->key,
                .b = o->key,
                .rule = g->cfg.rules[blk->rule].name,
                .matched = bar ? bar + 1 : blk->key,
            };
            on_edge(&edge, arg);
        }
    }
    return true;
}

/* Copies text into the link's buffer; the copy, or "" when it is full. */
static const char *link_text(struct c360_identity_link *out, size_t *used, const char *text,
                             size_t len)
{
    if (*used + len + 1 > sizeof(out->buf))
        return "";
    char *dst = out->buf + *used;
    memcpy(dst, text, len);
    dst[len] = '\0';
    *used += len + 1;
    return dst;
}

static void evidence(struct c360_identity_link *out, const char *field, const char *value,
                     const char *other, double score)
{
    if (out->n_parts < sizeof(out->parts) / sizeof(out->parts[0]))
        out->parts[out->n_parts++] =
            (struct c360_identity_evidence){field, value ? value : "", other, score};
}

/* Two names a rule compared and their score; without a score when one is
 * missing (a nameless record, a source without last names). */
static void name_evidence(struct c360_identity_link *out, const char *field, const char *value,
                          const char *other)
{
    evidence(out, field, value, other, value && other ? c360_name_jaro_winkler(value, other) : -1);
}

bool c360_identity_link_of(const struct c360_identity *g, const char *key,
                           struct c360_identity_link *out)
{
    uint32_t x;
    memset(out, 0, sizeof(*out));
    if (!node_find(g, key, &x))
        return false;
    const struct node *n = &g->nodes[x];
    const struct edge *best = NULL;
    for (uint32_t e = 0; e < n->n_edges; e++) {
        const struct edge *ed = &node_edges(n)[e];
        if (g->nodes[ed->other].profile != n->profile)
            continue; /* cut by the cluster cap */
        /* The first rule, the oldest record, the smallest key: whatever the
         * order of the edges. */
        const struct block *blk = &g->blocks[ed->block];
        const struct block *bb = best ? &g->blocks[best->block] : NULL;
        uint64_t seq = g->nodes[ed->other].seq, bseq = best ? g->nodes[best->other].seq : 0;
        if (!best || blk->rule < bb->rule ||
            (blk->rule == bb->rule &&
             (seq < bseq || (seq == bseq && strcmp(blk->key, bb->key) < 0))))
            best = ed;
    }
    if (!best)
        return true;
    const struct node *o = &g->nodes[best->other];
    const struct block *blk = &g->blocks[best->block];
    const struct c360_identity_rule *r = &g->cfg.rules[blk->rule];
    const char *value = strchr(blk->key, '|') + 1;
    size_t used = 0;
    out->rule = r->name;
    out->matched_with = o->key;
    switch (r->kind) {
    case C360_IDENTITY_GLOBAL_PARTY_ID:
        evidence(out, "globalPartyId", value, NULL, -1);
        break;
    case C360_IDENTITY_PARTY_IDENTIFIER: {
        const char *colon = strchr(value, ':');
        char field[96];
        snprintf(field, sizeof(field), "partyIdentifier:%.*s", colon ? (int)(colon - value) : 0,
                 value);
        evidence(out, link_text(out, &used, field, strlen(field)), colon ? colon + 1 : value, NULL,
                 -1);
        break;
    }
    case C360_IDENTITY_EMAIL:
    case C360_IDENTITY_PHONE: {
        bool phone = r->kind == C360_IDENTITY_PHONE;
        bool straight = names_match(n->first, o->first, r->threshold, g->cfg.nicknames) &&
                        (!phone || !n->last || !o->last ||
                         names_match(n->last, o->last, r->threshold, g->cfg.nicknames));
        evidence(out, phone ? "phone" : "email", value, NULL, -1);
        if (n->first && o->first && !straight) {
            /* Matched crosswise: one source swapped the names. */
            name_evidence(out, "firstName/lastName", n->first, o->last);
            name_evidence(out, "lastName/firstName", n->last, o->first);
            break;
        }
        name_evidence(out, "firstName", n->first, o->first); /* a nameless record: no score */
        if (phone)
            name_evidence(out, "lastName", n->last, o->last);
        break;
    }
    case C360_IDENTITY_ADDRESS: {
        /* The key is street|postal|country|last|birth: the address is the
         * first three parts. */
        const char *p = value;
        for (int bars = 0; bars < 3 && p; bars++)
            p = strchr(p + 1, '|');
        size_t len = p ? (size_t)(p - value) : strlen(value);
        char birth[16];
        evidence(out, "address", link_text(out, &used, value, len), NULL, -1);
        evidence(out, "lastName", n->last, NULL, -1);
        c360_date_format(n->birth, birth, sizeof(birth));
        evidence(out, "birthDate", link_text(out, &used, birth, strlen(birth)), NULL, -1);
        evidence(out, "firstName", n->first, o->first, c360_name_jaro_winkler(n->first, o->first));
        break;
    }
    }
    return true;
}

uint32_t c360_identity_profile_slot(const struct c360_identity *g, uint64_t id)
{
    uint32_t p;
    return index_get(g, &g->by_id, hash_id(id), &id, &p) ? p : NONE; /* by_id holds live ones */
}

static const struct profile *profile_by_id(const struct c360_identity *g, uint64_t id)
{
    uint32_t p = c360_identity_profile_slot(g, id);
    return p != NONE && g->profiles[p].n ? &g->profiles[p] : NULL;
}

const char *c360_identity_record_of_profile(const struct c360_identity *g, uint64_t id)
{
    const struct profile *p = profile_by_id(g, id);
    return p ? g->nodes[profile_members(p)[0]].key : NULL;
}

size_t c360_identity_profile_records(const struct c360_identity *g, uint64_t id,
                                     void (*on_record)(const char *key, void *arg), void *arg)
{
    const struct profile *p = profile_by_id(g, id);
    if (!p)
        return 0;
    for (uint32_t m = 0; m < p->n; m++)
        on_record(g->nodes[profile_members(p)[m]].key, arg);
    return p->n;
}

size_t c360_identity_capped_keys(const struct c360_identity *g)
{
    return g->capped;
}

size_t c360_identity_bytes(const struct c360_identity *g)
{
    size_t bytes = sizeof(*g) + g->cap_nodes * sizeof(struct node) +
                   g->cap_blocks * sizeof(struct block) + g->cap_profiles * sizeof(struct profile) +
                   index_bytes(&g->by_key) + index_bytes(&g->by_block) + index_bytes(&g->by_id) +
                   (g->dirty_nodes.cap + g->dirty_blocks.cap) * sizeof(uint32_t);
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct node *n = &g->nodes[i];
        if (!n->live)
            continue;
        bytes += strlen(n->key) + 1 + (n->gp ? strlen(n->gp) + 1 : 0) +
                 (n->first ? strlen(n->first) + 1 : 0) + (n->last ? strlen(n->last) + 1 : 0) +
                 n->cap_blocks * sizeof(uint32_t) + n->cap_edges * sizeof(struct edge);
    }
    for (size_t i = 0; i < g->n_blocks; i++)
        bytes += g->blocks[i].key ? strlen(g->blocks[i].key) + 1 + g->blocks[i].cap * 4 : 0;
    for (size_t i = 0; i < g->n_profiles; i++)
        bytes += g->profiles[i].cap * sizeof(uint32_t);
    return bytes;
}

/* --- For persist.c (identity_int.h). */

bool c360_identity_index_get(const struct c360_identity *g, const struct slot_index *ix,
                             const char *key, uint32_t *slot)
{
    return index_get(g, ix, hash_text(key), key, slot);
}

enum c360_err c360_identity_u32s_push(struct u32s *a, uint32_t v)
{
    return u32s_push(a, v);
}

enum c360_err c360_identity_node_slot(struct c360_identity *g, const char *key, uint32_t *x)
{
    return node_find(g, key, x) ? C360_OK : node_alloc(g, key, NULL, x);
}

enum c360_err c360_identity_block_slot(struct c360_identity *g, const char *key, uint8_t rule,
                                       uint32_t *b)
{
    uint32_t h = hash_text(key);
    return index_get(g, &g->by_block, h, key, b) ? C360_OK : block_alloc(g, key, h, rule, b);
}

enum c360_err c360_identity_edge_add(struct c360_identity *g, uint32_t x, uint32_t other,
                                     uint32_t block)
{
    return edge_add(&g->nodes[x], other, block);
}

enum c360_err c360_identity_profile_new(struct c360_identity *g, uint64_t id, uint32_t *p)
{
    return profile_new(g, id, p);
}
