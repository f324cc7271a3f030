/*
 * c360 identity — what the module's files share: strict UTF-8 decoding and
 * the Latin folding pass of the normalizers; the representation of the
 * identity graph, which graph.c keeps up to date and persist.c stores and
 * restores. The graph's struct tags are short (node, block…): they are the
 * module's own and never leave src/identity.
 */
#ifndef C360_IDENTITY_INT_H
#define C360_IDENTITY_INT_H

#include "c360/err.h"
#include "c360/identity.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the code point at text[*pos] (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence) and moves *pos
 * past it. False on invalid UTF-8, *pos unchanged. Never reads at or past len.
 */
bool c360_identity_utf8_next(const char *text, size_t len, size_t *pos, uint32_t *cp);

/*
 * The folding pass of c360_normalize_name (see normalize.h): writes the folded
 * text into out (NUL-terminated) and its length into *out_len. field names the
 * value in diag. Empty results are not an error here.
 */
enum c360_err c360_identity_fold(const char *text, size_t len, char *out, size_t size,
                                 size_t *out_len, const char *field, struct c360_diag *diag);

/* --- The identity graph (graph.c; persisted by persist.c). */

#define NONE UINT32_MAX
#define BLOCK_KEY_MAX 1024

struct edge {
    uint32_t other, block; /* node and block slots */
};

/* Fields ordered widest first: a million records, no padding. */
struct node {
    /* One allocation (c360_identity_node_text): the key, then the fields,
     * each NULL when the record has none. */
    char *key, *gp, *first, *last;
    uint32_t *blocks;
    union {
        struct edge *heap;
        struct edge here[1];
    } edges;      /* see node_edges */
    uint64_t seq; /* arrival order: the oldest record anchors its profile */
    int32_t birth;
    uint32_t n_edges, cap_edges; /* cap_edges 0: the one edge at most is in place */
    uint32_t profile;            /* index into profiles */
    uint32_t mark, comp;         /* recomputation scratch: visited stamp, new component */
    uint16_t n_blocks, cap_blocks;
    bool live;  /* false: a free slot, or (restoring) a record named but not read yet */
    bool dirty; /* listed in dirty_nodes; kept while the slot is free */
};

/* A node's edges: many records have one, held in place (cap_edges 0). */
static inline struct edge *node_edges(const struct node *n)
{
    return n->cap_edges ? n->edges.heap : (struct edge *)n->edges.here;
}

/* The member slots of a block or a profile. Most have one or two: those are
 * held in place (cap 0), saving an allocation each; more go to heap (cap of
 * them). See block_members and profile_members. */
#define MEMBERS_HERE 2
union members {
    uint32_t *heap;
    uint32_t here[MEMBERS_HERE];
};

struct block {
    char *key; /* "rule|value"; NULL: a free slot */
    union members members;
    uint32_t n, cap;
    uint8_t rule;
    bool capped;
    bool dirty;    /* listed in dirty_blocks; kept while the slot is free */
    bool restored; /* restoring: its item was read */
};

struct profile {
    uint64_t id;           /* 0: a free slot (ids start at 1) */
    union members members; /* oldest first (by seq) */
    uint32_t n, cap;
};

/* A profile a change recomputes: its slot, its age (the smallest seq among
 * its records when the change began) and the component that keeps its id
 * (or NONE). */
struct old_profile {
    uint64_t oldest;
    uint32_t p, keep_comp;
};

static inline uint32_t *members_of(const union members *m, uint32_t cap)
{
    return cap ? m->heap : (uint32_t *)m->here;
}

static inline uint32_t *block_members(const struct block *blk)
{
    return members_of(&blk->members, blk->cap);
}

static inline uint32_t *profile_members(const struct profile *p)
{
    return members_of(&p->members, p->cap);
}

/*
 * An index from a key to a slot: a record's key to its node, a blocking key
 * to its block, a profile id to its profile. Open addressing with linear
 * probing over (hash, slot) pairs; the key is read from the slot (the
 * node's or block's own copy, the profile's id), so each key is held once.
 * At most max entries, like the strmap it replaces.
 */
enum index_of { INDEX_NODES, INDEX_BLOCKS, INDEX_PROFILES };

struct index_entry {
    uint32_t hash, slot; /* slot NONE: empty; NONE - 1: deleted */
};

struct slot_index {
    struct index_entry *v;
    size_t size;        /* a power of two */
    size_t count, used; /* live entries; live and deleted ones */
    size_t max;
    enum index_of of;
};

/* A growable array of uint32_t (capped by the graph's record cap). */
struct u32s {
    uint32_t *v;
    size_t n, cap;
};

/* Owned keys of the items deleted since the last persisted. */
struct gone {
    char **v;
    size_t n, cap;
};

/* A node slot and its seq, for sorting by age. */
struct seq_slot {
    uint64_t seq;
    uint32_t x;
};

/* The graph owns every string and array it points to (records' keys and
 * fields, member and edge lists, the keys of deleted items); slots refer to
 * each other by index. c360_identity_destroy frees them all. */
struct c360_identity {
    struct c360_identity_config cfg;
    struct node *nodes;
    size_t n_nodes, cap_nodes;
    struct u32s free_nodes;
    struct block *blocks;
    size_t n_blocks, cap_blocks;
    struct u32s free_blocks;
    struct profile *profiles;
    size_t n_profiles, cap_profiles;
    struct u32s free_profiles;
    struct slot_index by_key, by_block;
    struct slot_index by_id; /* a live profile's id to its slot */
    uint64_t next_seq, next_id;
    size_t capped;
    uint32_t gen;
    /* What changed since the last persisted (persist.c). Off until the
     * first persisted or restore: until then a persist hands every item. */
    bool tracking, meta_dirty;
    enum c360_err track_err; /* sticky: a change could not be recorded */
    struct u32s dirty_nodes, dirty_blocks;
    struct gone gone_nodes, gone_blocks;
    /* Restoring (persist.c). */
    bool restoring, restored_meta;
    uint64_t *restore_ids; /* per node slot: its stored profile id */
    size_t cap_restore_ids;
    uint64_t meta_records, meta_blocks, meta_capped; /* counts the meta item holds */
    char *key_buf;                                   /* a key read from a value, NUL-terminated */
    size_t cap_key_buf;
    /* Scratch of one change. */
    struct u32s touched, region, stack, old_profiles, comp_start, comp_nodes, comp_tmp;
    struct {
        struct old_profile *v;
        size_t n, cap;
    } olds;
    struct u32s distinct;   /* an old profile's components, a component's old profiles */
    uint64_t *comp_id;      /* per component: its profile id */
    bool *comp_exact;       /* per component: cut by the cluster cap */
    uint32_t *comp_profile; /* per component: the old profile it takes over, or NONE */
    char *keys;             /* a record's blocking keys, NUL-terminated, one after the other */
    size_t cap_keys;        /* at most C360_IDENTITY_RULES_MAX * C360_IDENTITY_VALUES_MAX keys */
    size_t cap_comps;
    struct c360_identity_event *events;
    size_t n_events, cap_events;
    uint64_t *ids;
    size_t n_ids, cap_ids;
    size_t *id_offsets; /* per event: where its ids start in ids */
    char *deleted_key;
    struct seq_slot *sort; /* c360_identity_sort_by_seq's keys */
    size_t cap_sort;
};

enum c360_err c360_identity_u32s_push(struct u32s *a, uint32_t v) C360_MUST_USE;
/* Sorts node slots v[0..n) by seq, oldest first. */
enum c360_err c360_identity_sort_by_seq(struct c360_identity *g, uint32_t *v,
                                        size_t n) C360_MUST_USE;

/* The slot of record key (by_key) or blocking key (by_block) in *slot;
 * false when absent. */
bool c360_identity_index_get(const struct c360_identity *g, const struct slot_index *ix,
                             const char *key, uint32_t *slot);
/* Restoring: the slot of record key; a new one, not live, when the key is
 * unknown (a record another item names before its own item is read). */
enum c360_err c360_identity_node_slot(struct c360_identity *g, const char *key,
                                      uint32_t *x) C360_MUST_USE;
/* Restoring: the slot of blocking key `key` of rule `rule`; a new one
 * without members when the key is unknown. */
enum c360_err c360_identity_block_slot(struct c360_identity *g, const char *key, uint8_t rule,
                                       uint32_t *b) C360_MUST_USE;
/* Appends x to members m holding *n of them (cap *cap). */
enum c360_err c360_identity_members_push(union members *m, uint32_t *n, uint32_t *cap,
                                         uint32_t x) C360_MUST_USE;
/* Frees what members m of cap hold. */
void c360_identity_members_free(union members *m, uint32_t cap);
/* Sets n's key (it may be n->key) and fields (NULL or "": none) in one new
 * allocation; the old one is freed. On failure n is unchanged. */
enum c360_err c360_identity_node_text(struct node *n, const char *key, const char *gp,
                                      const char *first, const char *last) C360_MUST_USE;
/* Appends edge (other, block) to node x: one end only. */
enum c360_err c360_identity_edge_add(struct c360_identity *g, uint32_t x, uint32_t other,
                                     uint32_t block) C360_MUST_USE;
/* A new live profile with this id and no members; *p is its slot. */
enum c360_err c360_identity_profile_new(struct c360_identity *g, uint64_t id,
                                        uint32_t *p) C360_MUST_USE;
/* The slot of profile id, or NONE. */
uint32_t c360_identity_profile_slot(const struct c360_identity *g, uint64_t id);
/* Frees what the change tracking holds and empties it (dirty bits cleared). */
void c360_identity_track_clear(struct c360_identity *g);

#endif
