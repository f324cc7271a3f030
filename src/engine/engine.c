/*
 * c360 engine — applying records and time to the state (see
 * include/c360/engine.h).
 *
 * Identity: individuals are graph records keyed system:recordId; every
 * globalPartyId an account, external account, transaction or web engagement
 * names is a record "party:<id>" of its own, so accounts meet their owners
 * through the exact globalPartyId rule whatever arrives first; a web session
 * is a record "<system>:session:<sessionId>" carrying the visitor's
 * globalPartyId or email. A profile's insight owners are its party ids and
 * its sessions.
 */
#include "engine_int.h"

#include "c360/time.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static const char *const topic_ids[C360_OUT_COUNT] = {
    [C360_OUT_IDENTITY_CHANGES] = "identity-changes",
    [C360_OUT_IDENTITY_LINKS] = "identity-links",
    [C360_OUT_UNIFIED_PROFILE] = "unified-profile",
    [C360_OUT_SEGMENT_CHANGES] = "segment-changes",
    [C360_OUT_SEGMENT_MEMBERSHIP] = "segment-membership",
    [C360_OUT_ACTIVATION_MARKETING] = "activation-marketing",
    [C360_OUT_ACTIVATION_CSR] = "activation-csr-insight",
};

const char *c360_engine_topic_id(enum c360_engine_topic topic)
{
    return topic < C360_OUT_COUNT ? topic_ids[topic] : "";
}

static int32_t day_of(int64_t ms)
{
    return (int32_t)(ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS));
}

/* --- Text without printf: the keys and positions below are made for every
 * record and every evaluation, where snprintf cost more than the rest. */

/* Appends n bytes of s to buf (size bytes, the first at of them written)
 * as snprintf would: what fits, always terminated. Returns at + n, so a
 * result ≥ size says the text was cut. */
static size_t cat_n(char *buf, size_t size, size_t at, const char *s, size_t n)
{
    if (at + 1 < size) {
        size_t room = size - 1 - at;
        memcpy(buf + at, s, n < room ? n : room);
        buf[at + (n < room ? n : room)] = '\0';
    }
    return at + n;
}

static size_t cat(char *buf, size_t size, size_t at, const char *s)
{
    return cat_n(buf, size, at, s, strlen(s));
}

/* "%" PRIu64, or "-" and it when negative is set. */
static size_t cat_u64(char *buf, size_t size, size_t at, uint64_t v, bool negative)
{
    char digits[24];
    size_t n = sizeof(digits);
    do
        digits[--n] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    if (negative)
        digits[--n] = '-';
    return cat_n(buf, size, at, digits + n, sizeof(digits) - n);
}

static size_t cat_i64(char *buf, size_t size, size_t at, int64_t v)
{
    return cat_u64(buf, size, at, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

/* --- Outputs. */

enum c360_err engine_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return C360_OK;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return C360_ERR_NOMEM;
    *p = q;
    *cap = n;
    return C360_OK;
}

/* Text lives in one buffer that may move: outputs hold offsets until the
 * call returns, then pointers (outputs_publish). */
static enum c360_err text_add(struct c360_engine *eng, const char *s, size_t n, size_t *off)
{
    enum c360_err err;
    if ((err = engine_grow((void **)&eng->text, &eng->text_cap, eng->text_len + n + 1, 1)))
        return err;
    memcpy(eng->text + eng->text_len, s, n);
    eng->text[eng->text_len + n] = '\0';
    *off = eng->text_len;
    eng->text_len += n + 1;
    return C360_OK;
}

enum c360_err engine_emit(struct c360_engine *eng, enum c360_engine_topic topic, const char *key,
                          const char *value, size_t value_len)
{
    enum c360_err err;
    size_t koff, voff = 0;
    if ((err = engine_grow((void **)&eng->outs, &eng->cap_outs, eng->n_outs + 1,
                           sizeof(*eng->outs))) ||
        (err = text_add(eng, key, strlen(key), &koff)) ||
        (value && (err = text_add(eng, value, value_len, &voff))))
        return err;
    eng->outs[eng->n_outs++] = (struct c360_engine_output){
        .topic = topic,
        .key = (const char *)(uintptr_t)koff,
        .key_len = strlen(key),
        .value = value ? (const char *)(uintptr_t)(voff + 1) : NULL, /* 0 stays NULL */
        .value_len = value ? value_len : 0,
    };
    return C360_OK;
}

static void outputs_begin(struct c360_engine *eng)
{
    eng->n_outs = 0;
    eng->text_len = 0;
}

static void outputs_publish(struct c360_engine *eng, struct c360_engine_outputs *outs)
{
    for (size_t i = 0; i < eng->n_outs; i++) {
        struct c360_engine_output *o = &eng->outs[i];
        o->key = eng->text + (uintptr_t)o->key;
        if (o->value)
            o->value = eng->text + ((uintptr_t)o->value - 1);
    }
    outs->items = eng->outs;
    outs->count = eng->n_outs;
}

/* The input position eventIds derive from: "<topic>:<partition>:<offset>:
 * <part>" for a record, "timer:<day>:u<id>" for a timer (at most
 * sizeof(position) − 1 bytes of it), and its FNV-1a 64. */
static void position_write(struct c360_engine *eng)
{
    char *b = eng->position;
    size_t size = sizeof(eng->position), n;
    if (eng->pending == POSITION_INPUT) {
        const struct c360_engine_position *pos = &eng->pending_input;
        n = cat(b, size, 0, pos->topic ? pos->topic : "");
        n = cat_i64(b, size, cat(b, size, n, ":"), pos->partition);
        n = cat_i64(b, size, cat(b, size, n, ":"), pos->offset);
        cat_u64(b, size, cat(b, size, n, ":"), pos->part, false);
    } else {
        n = cat_i64(b, size, cat(b, size, 0, "timer:"), eng->pending_day);
        cat_u64(b, size, cat(b, size, n, ":u"), eng->pending_id, false);
    }
    uint64_t h = 14695981039346656037ull;
    for (const char *p = eng->position; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    eng->position_hash = h;
    eng->pending = POSITION_READY;
}

/* "00" "01" … "ff": an eventId is written a byte at a time. */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

void engine_event_id(struct c360_engine *eng, char buf[17])
{
    char digits[21];
    if (eng->pending != POSITION_READY)
        position_write(eng);
    size_t n = 0, index = eng->out_index++;
    /* FNV-1a 64 of "<position>#<index>": the position's part is hashed once
     * per input, the index here. */
    uint64_t h = eng->position_hash;
    do
        digits[n++] = (char)('0' + index % 10);
    while ((index /= 10) != 0);
    h = (h ^ (unsigned char)'#') * 1099511628211ull;
    while (n)
        h = (h ^ (unsigned char)digits[--n]) * 1099511628211ull;
    for (int i = 14; i >= 0; i -= 2, h >>= 8)
        memcpy(buf + i, hex_pairs + 2 * (h & 255), 2);
    buf[16] = '\0';
}

/* The current input's position (pos is borrowed for the apply), written
 * out when it first names an output. */
static void position_input(struct c360_engine *eng, const struct c360_engine_position *pos)
{
    eng->pending_input = *pos;
    eng->pending = POSITION_INPUT;
    eng->out_index = 0;
}

static void position_timer(struct c360_engine *eng, int32_t day, uint64_t id)
{
    eng->pending_day = day;
    eng->pending_id = id;
    eng->pending = POSITION_TIMER;
    eng->out_index = 0;
}

/* --- Stored individuals: one flat copy each. */

struct flat {
    char *p, *end;
    size_t need;
};

static const char *flat_str(struct flat *f, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    f->need += n;
    if (!f->p || f->p + n > f->end)
        return NULL;
    char *out = f->p;
    memcpy(out, s, n);
    f->p += n;
    return out;
}

/* Room for n bytes aligned for pointers; counting reserves the padding. */
static void *flat_alloc(struct flat *f, size_t n)
{
    f->need += n + 7;
    if (!f->p)
        return NULL;
    f->p += (8 - (uintptr_t)f->p % 8) % 8;
    if (f->p + n > f->end)
        return NULL;
    void *out = f->p;
    memset(out, 0, n);
    f->p += n;
    return out;
}

/* Copies the fields of an individual that the view reads (the golden
 * attributes, what reconciliation ranks by, the globalPartyId) into f; with
 * f->p NULL it only counts. The eventId and party identifiers are not kept:
 * nothing reads them after the record is applied. */
static void flat_individual(struct flat *f, const struct c360_record *src, struct c360_record *dst)
{
    const struct c360_individual *a = &src->as.individual;
    struct c360_individual *b = dst ? &dst->as.individual : NULL;
    const char *s;
    s = flat_str(f, src->source_system), dst ? dst->source_system = s : 0;
    s = flat_str(f, src->source_record_id), dst ? dst->source_record_id = s : 0;
    s = flat_str(f, src->global_party_id), dst ? dst->global_party_id = s : 0;
    s = flat_str(f, a->first_name), b ? b->first_name = s : 0;
    s = flat_str(f, a->last_name), b ? b->last_name = s : 0;
    s = flat_str(f, a->fsc_account_id), b ? b->fsc_account_id = s : 0;
    s = flat_str(f, a->preferred_channel), b ? b->preferred_channel = s : 0;
    s = flat_str(f, a->household_id), b ? b->household_id = s : 0;
    const struct c360_strs *lists[2] = {&a->emails, &a->phones};
    for (int l = 0; l < 2; l++) {
        const char **items = flat_alloc(f, lists[l]->count * sizeof(char *));
        for (uint16_t i = 0; i < lists[l]->count; i++) {
            s = flat_str(f, lists[l]->items[i]);
            if (items)
                items[i] = s;
        }
        if (b) {
            struct c360_strs *to = l == 0 ? &b->emails : &b->phones;
            to->items = items;
            to->count = items ? lists[l]->count : 0;
        }
    }
    struct c360_address *addr = flat_alloc(f, a->n_addresses * sizeof(*addr));
    for (uint16_t i = 0; i < a->n_addresses; i++) {
        const struct c360_address *x = &a->addresses[i];
        const char *l1 = flat_str(f, x->line1), *city = flat_str(f, x->city),
                   *pc = flat_str(f, x->postal_code), *cc = flat_str(f, x->country);
        if (addr)
            addr[i] = (struct c360_address){l1, city, pc, cc};
    }
    if (b) {
        b->addresses = addr;
        b->n_addresses = addr ? a->n_addresses : 0;
    }
}

/* A flat copy of individual src; free() it. */
static struct stored *stored_copy(const struct c360_record *src)
{
    struct flat count = {0};
    flat_individual(&count, src, NULL);
    struct stored *st = malloc(sizeof(*st) + count.need);
    if (!st)
        return NULL;
    memset(&st->rec, 0, sizeof(st->rec));
    st->rec.entity = src->entity;
    st->rec.change = src->change;
    st->rec.occurred_at = src->occurred_at;
    st->rec.as.individual.birth_date = src->as.individual.birth_date;
    struct flat f = {(char *)(st + 1), (char *)(st + 1) + count.need, 0};
    flat_individual(&f, src, &st->rec);
    return st;
}

const struct c360_record *engine_stored_get(const struct c360_engine *eng, const char *key)
{
    uint32_t slot;
    return c360_strmap_get(eng->stored_by_key, key, &slot) ? &eng->stored[slot]->rec : NULL;
}

enum c360_err engine_stored_put(struct c360_engine *eng, const char *key,
                                const struct c360_record *rec)
{
    uint32_t slot;
    enum c360_err err;
    if ((err = engine_dirty_key(eng, key)))
        return err;
    struct stored *st = stored_copy(rec);
    if (!st)
        return C360_ERR_NOMEM;
    if (c360_strmap_get(eng->stored_by_key, key, &slot)) {
        free(eng->stored[slot]);
        eng->stored[slot] = st;
        return C360_OK;
    }
    if (eng->n_free_stored) {
        slot = eng->free_stored[--eng->n_free_stored];
    } else {
        if ((err = engine_grow((void **)&eng->stored, &eng->cap_stored, eng->n_stored + 1,
                               sizeof(*eng->stored)))) {
            free(st);
            return err;
        }
        slot = (uint32_t)eng->n_stored++;
    }
    eng->stored[slot] = st;
    if ((err = c360_strmap_put(eng->stored_by_key, key, slot))) {
        free(st);
        eng->stored[slot] = NULL;
        return err;
    }
    return C360_OK;
}

enum c360_err engine_stored_del(struct c360_engine *eng, const char *key)
{
    uint32_t slot;
    enum c360_err err;
    if (!c360_strmap_get(eng->stored_by_key, key, &slot))
        return C360_OK;
    if ((err = engine_dirty_key(eng, key)))
        return err;
    c360_strmap_del(eng->stored_by_key, key);
    free(eng->stored[slot]);
    eng->stored[slot] = NULL;
    uint32_t *fs = realloc(eng->free_stored, (eng->n_free_stored + 1) * sizeof(*fs));
    if (!fs)
        return C360_ERR_NOMEM;
    eng->free_stored = fs;
    eng->free_stored[eng->n_free_stored++] = slot;
    return C360_OK;
}

/* --- Profiles' segment state, by unified id. prof_ix is open addressing
 * over slots of profs (slot + 1; 0: empty), probed linearly from a hash of
 * the id that the slot's profile holds: 4 bytes an entry, no copy of the id.
 * A removal shifts the entries after it back, so no tombstones build up. */

static size_t prof_hash(uint64_t id)
{
    /* MurmurHash3's finalizer: ids of one graph differ in few bits. */
    id ^= id >> 33;
    id *= UINT64_C(0xff51afd7ed558ccd);
    id ^= id >> 33;
    id *= UINT64_C(0xc4ceb9fe1a85ec53);
    return (size_t)(id ^ id >> 33);
}

/* Where id is in prof_ix, or the empty place it would go. */
static size_t prof_place(const struct c360_engine *eng, uint64_t id)
{
    size_t mask = eng->prof_ix.size - 1, i = prof_hash(id) & mask;
    while (eng->prof_ix.slots[i] && eng->profs[eng->prof_ix.slots[i] - 1].id != id)
        i = (i + 1) & mask;
    return i;
}

/* Room for one more entry, the load kept under 3/4. */
static enum c360_err prof_ix_reserve(struct c360_engine *eng)
{
    struct prof_ix *ix = &eng->prof_ix;
    if (ix->count >= ix->max)
        return C360_ERR_LIMIT;
    if ((ix->count + 1) * 4 <= ix->size * 3)
        return C360_OK;
    size_t size = ix->size ? ix->size * 2 : 16;
    uint32_t *slots = calloc(size, sizeof(*slots)), *old = ix->slots;
    if (!slots)
        return C360_ERR_NOMEM;
    size_t old_size = ix->size;
    ix->slots = slots;
    ix->size = size;
    for (size_t i = 0; i < old_size; i++) {
        if (old[i])
            slots[prof_place(eng, eng->profs[old[i] - 1].id)] = old[i];
    }
    free(old);
    return C360_OK;
}

static void prof_ix_del(struct c360_engine *eng, size_t i)
{
    struct prof_ix *ix = &eng->prof_ix;
    size_t mask = ix->size - 1;
    for (size_t j = (i + 1) & mask; ix->slots[j]; j = (j + 1) & mask) {
        /* The entry at j stays unless its home is not cyclically in (i, j]. */
        size_t home = prof_hash(eng->profs[ix->slots[j] - 1].id) & mask;
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        ix->slots[i] = ix->slots[j];
        i = j;
    }
    ix->slots[i] = 0;
    ix->count--;
}

struct eprofile *engine_prof_get(struct c360_engine *eng, uint64_t id)
{
    if (!eng->prof_ix.count)
        return NULL;
    uint32_t slot = eng->prof_ix.slots[prof_place(eng, id)];
    return slot ? &eng->profs[slot - 1] : NULL;
}

enum c360_err engine_prof_add(struct c360_engine *eng, uint64_t id, struct eprofile **out)
{
    uint32_t slot;
    enum c360_err err;
    if ((*out = engine_prof_get(eng, id)))
        return C360_OK;
    if ((err = prof_ix_reserve(eng)))
        return err;
    if (eng->n_free_profs) {
        slot = eng->free_profs[--eng->n_free_profs];
    } else {
        if ((err = engine_grow((void **)&eng->profs, &eng->cap_profs, eng->n_profs + 1,
                               sizeof(*eng->profs))))
            return err;
        slot = (uint32_t)eng->n_profs++;
    }
    eng->prof_ix.slots[prof_place(eng, id)] = slot + 1;
    eng->prof_ix.count++;
    eng->profs[slot] =
        (struct eprofile){.id = id, .due = C360_INSIGHTS_NEVER, .checked = INT32_MIN, .live = true};
    *out = &eng->profs[slot];
    return C360_OK;
}

/* Gives prof its next due day, keeping the count of pending timers and
 * the changes of the timer index the store is told of. */
enum c360_err engine_prof_set_due(struct c360_engine *eng, struct eprofile *prof, int32_t due)
{
    enum c360_err err;
    if (due == prof->due)
        return C360_OK;
    if (prof->due != C360_INSIGHTS_NEVER) {
        eng->n_timers--;
        if ((err = engine_dirty_timer(eng, prof->due, prof->id, false)))
            return err;
    }
    if (due != C360_INSIGHTS_NEVER) {
        eng->n_timers++;
        if ((err = engine_dirty_timer(eng, due, prof->id, true)))
            return err;
    }
    prof->due = due;
    return C360_OK;
}

enum c360_err engine_prof_drop(struct c360_engine *eng, uint64_t id)
{
    if (!engine_prof_get(eng, id))
        return C360_OK;
    size_t at = prof_place(eng, id);
    uint32_t slot = eng->prof_ix.slots[at] - 1;
    prof_ix_del(eng, at);
    enum c360_err err;
    if ((err = engine_prof_set_due(eng, &eng->profs[slot], C360_INSIGHTS_NEVER)) ||
        (err = engine_dirty_prof(eng, id)))
        return err;
    eng->profs[slot].live = false;
    uint32_t *fp = realloc(eng->free_profs, (eng->n_free_profs + 1) * sizeof(*fp));
    if (!fp)
        return C360_ERR_NOMEM;
    eng->free_profs = fp;
    eng->free_profs[eng->n_free_profs++] = slot;
    return C360_OK;
}

/* --- Timers: a binary min-heap of (day, id); an entry whose profile has
 * since been given another day, or is gone, is skipped when it surfaces. */

static bool timer_less(const struct timer *a, const struct timer *b)
{
    return a->day < b->day || (a->day == b->day && a->id < b->id);
}

enum c360_err engine_timer_push(struct c360_engine *eng, int32_t day, uint64_t id)
{
    enum c360_err err;
    if ((err =
             engine_grow((void **)&eng->heap, &eng->cap_heap, eng->n_heap + 1, sizeof(*eng->heap))))
        return err;
    size_t i = eng->n_heap++;
    eng->heap[i] = (struct timer){day, id};
    while (i && timer_less(&eng->heap[i], &eng->heap[(i - 1) / 2])) {
        struct timer t = eng->heap[i];
        eng->heap[i] = eng->heap[(i - 1) / 2];
        eng->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return C360_OK;
}

static struct timer timer_pop(struct c360_engine *eng)
{
    struct timer top = eng->heap[0];
    eng->heap[0] = eng->heap[--eng->n_heap];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < eng->n_heap && timer_less(&eng->heap[l], &eng->heap[m]))
            m = l;
        if (r < eng->n_heap && timer_less(&eng->heap[r], &eng->heap[m]))
            m = r;
        if (m == i)
            break;
        struct timer t = eng->heap[i];
        eng->heap[i] = eng->heap[m];
        eng->heap[m] = t;
        i = m;
    }
    return top;
}

size_t c360_engine_timers(const struct c360_engine *eng)
{
    return eng->n_timers;
}

int32_t c360_engine_due(const struct c360_engine *eng, uint64_t id)
{
    if (!eng->prof_ix.count)
        return C360_INSIGHTS_NEVER;
    uint32_t slot = eng->prof_ix.slots[prof_place(eng, id)];
    return slot ? eng->profs[slot - 1].due : C360_INSIGHTS_NEVER;
}

/* --- One profile as an evaluation reads it. */

struct view {
    struct c360_engine *eng;
    uint64_t id;
    const char *keys[ENGINE_KEYS_MAX]; /* record keys */
    size_t n_keys;
    const char *owners[2 * ENGINE_KEYS_MAX]; /* insight owner keys */
    size_t n_owners;
    struct c360_insights_owners resolved; /* of owners */
    const char *gps[ENGINE_KEYS_MAX];     /* distinct globalPartyIds, sorted */
    size_t n_gps;
    const struct c360_record *recs[ENGINE_KEYS_MAX]; /* stored individuals */
    size_t n_recs;
    struct c360_insights_summary sum;
    struct c360_golden golden;
    bool truncated;                                          /* more records than ENGINE_KEYS_MAX */
    struct c360_segment_result results[ENGINE_SEGMENTS_MAX]; /* of each segment */
};

static void view_key(const char *key, void *arg)
{
    struct view *v = arg;
    if (v->n_keys == ENGINE_KEYS_MAX) {
        v->truncated = true;
        return;
    }
    v->keys[v->n_keys++] = key;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts n strings by strcmp: a profile has a few records, which insertion
 * sorts without qsort's calls through a pointer. */
static void strs_sort(const char **strs, size_t n)
{
    if (n > 16) {
        qsort(strs, n, sizeof(strs[0]), str_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        const char *s = strs[i];
        size_t j = i;
        for (; j > 0 && strcmp(strs[j - 1], s) > 0; j--)
            strs[j] = strs[j - 1];
        strs[j] = s;
    }
}

static void gp_add(struct view *v, const char *gp)
{
    if (!gp || !*gp || v->n_gps == ENGINE_KEYS_MAX)
        return;
    for (size_t i = 0; i < v->n_gps; i++)
        if (strcmp(v->gps[i], gp) == 0)
            return;
    v->gps[v->n_gps++] = gp;
}

static void view_build(struct c360_engine *eng, uint64_t id, struct view *v)
{
    /* Only the counts: the arrays are filled up to them, and the summary
     * and golden profile are written whole below. */
    v->n_keys = v->n_owners = v->n_gps = v->n_recs = 0;
    v->truncated = false;
    v->eng = eng;
    v->id = id;
    c360_identity_profile_records(eng->graph, id, view_key, v);
    /* Sorted, so everything derived from the list is in one order. */
    strs_sort(v->keys, v->n_keys);
    for (size_t i = 0; i < v->n_keys; i++) {
        const char *k = v->keys[i];
        const struct c360_record *rec;
        if (strncmp(k, "party:", 6) == 0) {
            gp_add(v, k + 6);
        } else if (strstr(k, ":session:")) {
            v->owners[v->n_owners++] = k;
        } else if ((rec = engine_stored_get(eng, k))) {
            v->recs[v->n_recs++] = rec;
            gp_add(v, rec->global_party_id);
        }
    }
    strs_sort(v->gps, v->n_gps);
    for (size_t i = 0; i < v->n_gps; i++)
        v->owners[v->n_owners++] = v->gps[i];
    c360_insights_resolve(eng->ins, v->owners, v->n_owners, &v->resolved);
    c360_insights_owners_summarize(&v->resolved, eng->today, &v->sum);
    c360_golden_reconcile(c360_identity_rules_golden(eng->cfg.rules), v->recs, v->n_recs,
                          &v->golden);
}

/* The next day after today on which tenureDays, counted from opened,
 * crosses a threshold a segment compares it with. */
static int32_t tenure_next(const struct c360_engine *eng, int32_t opened)
{
    int32_t next = C360_INSIGHTS_NEVER;
    if (opened == C360_DATE_NONE)
        return next;
    for (size_t i = 0; i < eng->n_tenure_days; i++) {
        /* tenureDays = today − opened crosses d on the day it equals d
         * (≥, ==) and the day after (>). */
        for (int64_t day = opened + eng->tenure_days[i]; day <= opened + eng->tenure_days[i] + 1;
             day++)
            if (day > eng->today && day < next)
                next = (int32_t)day;
    }
    return next;
}

/* The next day after today on which the profile's insights could change
 * by time alone. */
static int32_t view_next_due(const struct c360_engine *eng, const struct view *v)
{
    int32_t next = c360_insights_owners_next_change(&v->resolved, eng->today, eng->visit_rules,
                                                    eng->n_visit_rules);
    int32_t opened = v->sum.earliest_opened, tenure = tenure_next(eng, opened);
    if (opened != C360_DATE_NONE && eng->tenure_daily && eng->today + 1 < next)
        next = eng->today + 1;
    return tenure < next ? tenure : next;
}

/* Whether no membership of the profile ev describes can change before its
 * next input: each segment's bounds over all later days allow only the
 * answer it has now. Then it needs no timer, however its insights move. */
static bool segment_settled(const struct c360_engine *eng, struct engine_eval *ev, size_t s,
                            uint64_t members)
{
    bool may_false, may_true;
    ev->segment = s;
    c360_segment_bound(c360_segment_set_at(eng->cfg.segments, s)->seg, engine_bound, ev, &may_false,
                       &may_true);
    return members >> s & 1 ? !may_false : !may_true;
}

static bool memberships_settled(const struct c360_engine *eng, struct engine_eval *ev,
                                uint64_t members)
{
    /* Coarsely first, adb unbounded: that settles most segments a profile
     * is not in (no savings, or a money market account) without walking
     * its balances; then the rest exactly. */
    uint64_t open = 0;
    ev->coarse = true;
    for (size_t s = 0; s < eng->n_segments; s++)
        if (!segment_settled(eng, ev, s, members))
            open |= UINT64_C(1) << s;
    ev->coarse = false;
    for (size_t s = 0; open && s < eng->n_segments; s++)
        if ((open >> s & 1) && !segment_settled(eng, ev, s, members))
            return false;
    return true;
}

/*
 * The profile's next due day: none when no membership can change before
 * its next input; else the first day its insights could change, or, when
 * its memberships hold until tenureDays crosses its next threshold, that
 * day (a savings holder short of a year's tenure waits for it, not for
 * each move of a 30-day average).
 */
static int32_t next_due(const struct c360_engine *eng, const struct view *v, struct engine_eval *ev,
                        uint64_t members)
{
    ev->until = C360_INSIGHTS_NEVER;
    if (memberships_settled(eng, ev, members))
        return C360_INSIGHTS_NEVER;
    int32_t due = view_next_due(eng, v), tenure = tenure_next(eng, v->sum.earliest_opened);
    if (tenure != C360_INSIGHTS_NEVER && tenure > due) {
        ev->until = tenure - 1;
        if (memberships_settled(eng, ev, members))
            due = tenure;
    }
    return due;
}

/* --- Rendering. */

static void uid_text(uint64_t id, char buf[24])
{
    char digits[21];
    size_t n = 0;
    do
        digits[n++] = (char)('0' + id % 10);
    while ((id /= 10) != 0);
    buf[0] = 'u';
    for (size_t i = 0; i < n; i++)
        buf[1 + i] = digits[n - 1 - i];
    buf[1 + n] = '\0';
}

/* A member with a string (NULL: null) or an integer value; key is a string
 * literal, so that its length is known where the name is copied. */
#define W_STR(w, key, value) (C360_JSONW_NAME((w), key), c360_jsonw_str((w), (value)))
#define W_INT(w, key, value) (C360_JSONW_NAME((w), key), c360_jsonw_int((w), (value)))

/* The unified profile, the engine's most frequent output, is written in
 * pieces (c360_jsonw_put): the punctuation and the next member's name go
 * as one literal, e.g. W_PUT(w, "\",\"lastName\":"). */
#define W_PUT(w, literal) C360_JSONW_PUT((w), literal)

/* A string value, or null. */
static void put_str(struct c360_jsonw *w, const char *s)
{
    if (s)
        c360_jsonw_put_str(w, s, strlen(s));
    else
        W_PUT(w, "null");
}

/* The strings as the elements of an array, its brackets written by the
 * caller. */
static void put_strs(struct c360_jsonw *w, const char *const *strs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            W_PUT(w, ",");
        c360_jsonw_put_str(w, strs[i], strlen(strs[i]));
    }
}

/* {"amount":"12.34","currency":"USD"}: in one piece after the currency
 * setting's tail, made once (engine_new), or escaped when the setting is
 * no ISO 4217 code. */
static void put_money(struct c360_engine *eng, int64_t minor)
{
    struct c360_jsonw *w = &eng->w;
    char text[96];
    static const char head[] = "{\"amount\":\"";
    memcpy(text, head, sizeof(head) - 1);
    c360_money_format(minor, text + sizeof(head) - 1, 40);
    size_t n = sizeof(head) - 1 + strlen(text + sizeof(head) - 1);
    if (!eng->money_tail_len) {
        c360_jsonw_put(w, text, n);
        W_PUT(w, "\",\"currency\":");
        put_str(w, eng->cfg.currency);
        W_PUT(w, "}");
        return;
    }
    memcpy(text + n, eng->money_tail, eng->money_tail_len); /* 40 + 20 bytes at most */
    c360_jsonw_put(w, text, n + eng->money_tail_len);
}

static void w_gps(struct c360_jsonw *w, const struct view *v)
{
    C360_JSONW_NAME(w, "globalPartyIds");
    c360_jsonw_array(w);
    for (size_t i = 0; i < v->n_gps; i++)
        c360_jsonw_str(w, v->gps[i]);
    c360_jsonw_array_end(w);
}

/* The insight values of an evaluation, keyed by the call's text. */
static void w_trace(struct c360_jsonw *w, const struct c360_segment_result *res)
{
    char text[256];
    C360_JSONW_NAME(w, "insights");
    c360_jsonw_object(w);
    for (size_t i = 0; i < res->n_trace; i++) {
        c360_jsonw_key(w, res->trace[i].call->text);
        if (c360_segment_value_text(&res->trace[i].value, text, sizeof(text)))
            snprintf(text, sizeof(text), "?");
        c360_jsonw_str(w, text);
    }
    c360_jsonw_object_end(w);
}

static enum c360_err w_emit(struct c360_engine *eng, enum c360_engine_topic topic, const char *key)
{
    const char *text;
    size_t len;
    enum c360_err err = c360_jsonw_text(&eng->w, &text, &len);
    return err ? err : engine_emit(eng, topic, key, text, len);
}

static void w_begin(struct c360_engine *eng)
{
    char eid[19]; /* quoted: hex digits need no escape */
    c360_jsonw_reset(&eng->w);
    c360_jsonw_object(&eng->w);
    C360_JSONW_NAME(&eng->w, "eventId");
    engine_event_id(eng, eid + 1);
    eid[0] = eid[17] = '"';
    c360_jsonw_raw(&eng->w, eid, 18);
}

static const char *lower_type(enum c360_account_type t, char *buf, size_t size)
{
    const char *name = c360_account_type_name(t);
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++)
        buf[i] = name[i] == '_' ? ' ' : (char)(name[i] | 0x20);
    buf[i] = '\0';
    return buf;
}

/* An amount as people read it: 4,210.17. */
static const char *dollars(int64_t minor, char *buf, size_t size)
{
    char plain[40];
    c360_money_format(minor, plain, sizeof(plain));
    const char *dot = strchr(plain, '.');
    size_t int_len = dot ? (size_t)(dot - plain) : strlen(plain), k = 0, start = plain[0] == '-';
    for (size_t i = 0; plain[i] && k + 2 < size; i++) {
        if (i > start && i < int_len && (int_len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = plain[i];
    }
    buf[k] = '\0';
    return buf;
}

/* The CSR's message: who, how long a client, and the values that decided
 * it, then the offer (DESIGN.md §5). Customer data goes to the CSR only. */
static void csr_text(const struct c360_engine *eng, const struct view *v,
                     const struct c360_segment_def *def, const struct c360_segment_result *res,
                     char *out, size_t size)
{
    size_t n = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(out + n, n < size ? size - n : 0, __VA_ARGS__);                          \
        if (k_ > 0)                                                                                \
            n += (size_t)k_;                                                                       \
    } while (0)
    PUT("%s: %s%s%s", def->kind ? def->kind : def->name,
        v->golden.first_name ? v->golden.first_name : "", v->golden.first_name ? " " : "",
        v->golden.last_name ? v->golden.last_name : "the client");
    if (v->sum.earliest_opened != C360_DATE_NONE) {
        char date[16];
        c360_date_format(v->sum.earliest_opened, date, sizeof(date));
        PUT(", client since %.4s", date);
    }
    for (size_t i = 0; i < res->n_trace; i++) {
        const struct c360_segment_call *c = res->trace[i].call;
        const struct c360_segment_value *val = &res->trace[i].value;
        char tb[32], amount[48];
        if (strcmp(c->name, "holds") == 0) {
            enum c360_account_type t;
            if (c360_account_type_parse(c->args[0].text, &t))
                t = C360_ACCOUNT_OTHER;
            PUT(val->boolean ? ", holds %s" : ", no %s account", lower_type(t, tb, sizeof(tb)));
        } else if (strcmp(c->name, "adb") == 0 || strcmp(c->name, "externalAdb") == 0) {
            bool adb = strcmp(c->name, "adb") == 0;
            int64_t shown = adb ? c360_insights_adb_floor(val->money.minor) : val->money.minor;
            if (!adb && shown == 0)
                continue; /* nothing held elsewhere: not worth a word */
            PUT(", %s $%s across",
                adb ? "a 30-day average balance of" : "average balances elsewhere of",
                dollars(shown, amount, sizeof(amount)));
            const struct c360_segment_value *list = &c->args[0];
            for (size_t k = 0; k < list->n_items; k++) {
                enum c360_account_type t;
                if (c360_account_type_parse(list->items[k].text, &t))
                    t = C360_ACCOUNT_OTHER;
                PUT("%s %s", k == 0 ? "" : (k + 1 == list->n_items ? " and" : ","),
                    lower_type(t, tb, sizeof(tb)));
            }
        } else if (strcmp(c->name, "qualifyingVisit") == 0 && val->boolean) {
            char subject[64];
            size_t k = 0;
            for (; c->args[0].text[k] && k + 1 < sizeof(subject); k++)
                subject[k] = c->args[0].text[k] == '_' ? ' ' : c->args[0].text[k];
            subject[k] = '\0';
            PUT(", recently spent over %" PRId64 " minutes on %s pages", c->args[1].number / 100,
                subject);
        }
    }
    if (def->offer)
        PUT(". Suggest a %s.", def->offer);
    else
        PUT(".");
#undef PUT
    (void)eng;
    if (n >= size && size > 4)
        memcpy(out + size - 4, "...", 4);
}

enum cause { CAUSE_INPUT, CAUSE_TIMER };

static enum c360_err emit_segment_change(struct c360_engine *eng, const struct view *v,
                                         const struct c360_segment_def *def, bool enter,
                                         enum cause cause, const char *record_key,
                                         const struct c360_segment_result *res, int64_t since)
{
    struct c360_jsonw *w = &eng->w;
    char uid[24], key[160];
    enum c360_err err;
    uid_text(v->id, uid);
    /* segment-changes */
    w_begin(eng);
    W_STR(w, "segment", def->name);
    W_STR(w, "unifiedId", uid);
    W_STR(w, "action", enter ? "ENTER" : "EXIT");
    W_INT(w, "at", eng->now_ms);
    W_STR(w, "cause", cause == CAUSE_TIMER ? "TIMER" : "INPUT");
    W_STR(w, "recordKey", cause == CAUSE_INPUT ? record_key : NULL);
    if (res)
        w_trace(w, res);
    else {
        C360_JSONW_NAME(w, "insights");
        c360_jsonw_object(w);
        c360_jsonw_object_end(w);
    }
    c360_jsonw_object_end(w);
    if ((err = w_emit(eng, C360_OUT_SEGMENT_CHANGES, uid)))
        return err;
    /* segment-membership: the member's record, or its tombstone */
    cat(key, sizeof(key), cat(key, sizeof(key), cat(key, sizeof(key), 0, def->name), "|"), uid);
    if (enter) {
        w_begin(eng);
        W_STR(w, "segment", def->name);
        W_STR(w, "unifiedId", uid);
        w_gps(w, v);
        W_INT(w, "since", since);
        w_trace(w, res);
        c360_jsonw_object_end(w);
        err = w_emit(eng, C360_OUT_SEGMENT_MEMBERSHIP, key);
    } else {
        err = engine_emit(eng, C360_OUT_SEGMENT_MEMBERSHIP, key, NULL, 0);
    }
    if (err)
        return err;
    /* activation.marketing: a data-extension row */
    w_begin(eng);
    W_STR(w, "contactKey", uid);
    W_STR(w, "unifiedId", uid);
    W_STR(w, "email", v->golden.email);
    W_STR(w, "firstName", v->golden.first_name);
    W_STR(w, "segment", def->name);
    W_STR(w, "action", enter ? "ADD" : "REMOVE");
    W_INT(w, "at", eng->now_ms);
    c360_jsonw_object_end(w);
    if ((err = w_emit(eng, C360_OUT_ACTIVATION_MARKETING, uid)))
        return err;
    return C360_OK;
}

/* activation.csr-insight: the advisor's message about a member, posted to
 * the FSC account of the profile. */
static enum c360_err emit_csr(struct c360_engine *eng, const struct view *v,
                              const struct c360_segment_def *def,
                              const struct c360_segment_result *res)
{
    struct c360_jsonw *w = &eng->w;
    char uid[24], text[2048];
    uid_text(v->id, uid);
    csr_text(eng, v, def, res, text, sizeof(text));
    w_begin(eng);
    W_STR(w, "feedElementType", "FeedItem");
    W_STR(w, "subjectId", v->golden.fsc_account_id);
    C360_JSONW_NAME(w, "body");
    c360_jsonw_object(w);
    C360_JSONW_NAME(w, "messageSegments");
    c360_jsonw_array(w);
    c360_jsonw_object(w);
    W_STR(w, "type", "Text");
    W_STR(w, "text", text);
    c360_jsonw_object_end(w);
    c360_jsonw_array_end(w);
    c360_jsonw_object_end(w);
    W_STR(w, "segment", def->name);
    W_STR(w, "unifiedId", uid);
    W_INT(w, "at", eng->now_ms);
    c360_jsonw_object_end(w);
    return w_emit(eng, C360_OUT_ACTIVATION_CSR, v->golden.fsc_account_id);
}

/* The fingerprint's hash, eight bytes a step: each word is mixed in by a
 * multiply and a shift (byte-wise FNV-1a took 5% of the engine), and the length
 * goes in last so that "a" + "bc" and "ab" + "c" differ. */
static uint64_t mix(uint64_t h, uint64_t x)
{
    h = (h ^ x) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static inline uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t x;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, b + i, 8);
        h = mix(h, x);
    }
    if (i < n && n >= 8) {
        /* The last bytes as the last word, which overlaps the one before. */
        memcpy(&x, b + n - 8, 8);
        return mix(mix(h, x), n);
    }
    /* The last bytes as memcpy into a zeroed word would place them on a
     * little-endian machine, without a call for a few bytes. */
    x = 0;
    for (unsigned shift = 0; i < n; i++, shift += 8)
        x |= (uint64_t)b[i] << shift;
    return mix(mix(h, x), n);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return s ? hash_bytes(h, s, strlen(s)) : mix(h, UINT64_MAX);
}

/* A hash of everything the unified profile renders but its eventId and
 * time: record keys, party ids, golden attributes, insights, segments. */
/* The fingerprint's first part: the profile's record keys, party ids and
 * golden attributes, which only an identity change moves. */
static uint64_t ident_fingerprint(const struct view *v)
{
    const struct c360_golden *g = &v->golden;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < v->n_keys; i++)
        h = hash_str(h, v->keys[i]);
    for (size_t i = 0; i < v->n_gps; i++)
        h = hash_str(h, v->gps[i]);
    const char *strs[] = {g->first_name,
                          g->last_name,
                          g->email,
                          g->phone,
                          g->fsc_account_id,
                          g->preferred_channel,
                          g->household_id,
                          g->address ? g->address->line1 : NULL,
                          g->address ? g->address->city : NULL,
                          g->address ? g->address->postal_code : NULL,
                          g->address ? g->address->country : NULL};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        h = hash_str(h, strs[i]);
    return hash_bytes(h, &g->birth_date, sizeof(g->birth_date));
}

/* A hash of everything the unified profile renders but its eventId and
 * time: record keys, party ids, golden attributes (ident_fingerprint's
 * part, made again only when they may have changed), insights, segments. */
static uint64_t profile_fingerprint(const struct c360_engine *eng, const struct view *v,
                                    struct eprofile *prof)
{
    const struct c360_insights_summary *sum = &v->sum;
    uint64_t h;
    if (prof && prof->ident_known) {
        h = prof->ident_hash;
    } else {
        h = ident_fingerprint(v);
        if (prof) {
            prof->ident_hash = h;
            prof->ident_known = true;
        }
    }
    /* The summary's rendered part, earliest_opened to balance, as one run.
     * It is all rendered fields with no padding between them (checked below),
     * so that a hash differs only where the text would. */
    enum {
        FROM = offsetof(struct c360_insights_summary, earliest_opened),
        TO = offsetof(struct c360_insights_summary, balance) + sizeof(int64_t),
    };
    _Static_assert(TO - FROM == 4 * sizeof(int32_t) +
                                    C360_INSIGHTS_TYPES * (sizeof(uint32_t) + 2 * sizeof(int64_t)) +
                                    sizeof(int64_t),
                   "the summary's hashed run holds only its rendered fields, without padding");
    h = hash_bytes(h, (const char *)sum + FROM, TO - FROM);
    uint64_t members = prof ? prof->members : 0;
    return mix(mix(h, (uint64_t)(uint32_t)eng->today), members);
}

/* The person's part of a unified profile: party ids, record keys and the
 * golden attributes, from "globalPartyIds" to "householdId". */
static void put_person(struct c360_jsonw *w, const struct view *v)
{
    const struct c360_golden *g = &v->golden;
    W_PUT(w, ",\"globalPartyIds\":[");
    put_strs(w, v->gps, v->n_gps);
    W_PUT(w, "],\"recordKeys\":[");
    put_strs(w, v->keys, v->n_keys);
    W_PUT(w, "],\"firstName\":");
    put_str(w, g->first_name);
    W_PUT(w, ",\"lastName\":");
    put_str(w, g->last_name);
    W_PUT(w, ",\"birthDate\":");
    if (g->birth_date == C360_DATE_NONE)
        W_PUT(w, "null");
    else
        c360_jsonw_put_int(w, g->birth_date);
    W_PUT(w, ",\"emails\":[");
    put_strs(w, &g->email, g->email != NULL);
    W_PUT(w, "],\"phones\":[");
    put_strs(w, &g->phone, g->phone != NULL);
    W_PUT(w, "],\"addresses\":[");
    if (g->address) {
        W_PUT(w, "{\"line1\":");
        put_str(w, g->address->line1);
        W_PUT(w, ",\"city\":");
        put_str(w, g->address->city);
        W_PUT(w, ",\"postalCode\":");
        put_str(w, g->address->postal_code);
        W_PUT(w, ",\"country\":");
        put_str(w, g->address->country);
        W_PUT(w, "}");
    }
    W_PUT(w, "],\"fscAccountId\":");
    put_str(w, g->fsc_account_id);
    W_PUT(w, ",\"preferredChannel\":");
    put_str(w, g->preferred_channel);
    W_PUT(w, ",\"householdId\":");
    put_str(w, g->household_id);
}

/* {"SAVINGS":{"amount":…},…}: each account type with a nonzero amount,
 * the amount as it is or, for 30-day sums, their average (floored). */
static void put_money_by_type(struct c360_engine *eng, const int64_t *by_type, bool window_sums)
{
    struct c360_jsonw *w = &eng->w;
    size_t n = 0;
    W_PUT(w, "{");
    for (int t = C360_ACCOUNT_CHECKING; t <= C360_ACCOUNT_OTHER; t++) {
        if (!by_type[t])
            continue;
        if (n++)
            W_PUT(w, ",");
        put_str(w, c360_account_type_name((enum c360_account_type)t));
        W_PUT(w, ":");
        put_money(eng, window_sums ? c360_insights_adb_floor(by_type[t]) : by_type[t]);
    }
    W_PUT(w, "}");
}

/* The "insights" member of a unified profile. */
static void put_insights(struct c360_engine *eng, const struct c360_insights_summary *sum)
{
    struct c360_jsonw *w = &eng->w;
    W_PUT(w, ",\"insights\":{\"asOfDate\":");
    c360_jsonw_put_int(w, eng->today);
    W_PUT(w, ",\"tenureDays\":");
    if (sum->earliest_opened == C360_DATE_NONE)
        W_PUT(w, "null");
    else
        c360_jsonw_put_int(w, sum->tenure_days);
    W_PUT(w, ",\"accountCount\":");
    c360_jsonw_put_int(w, sum->accounts);
    W_PUT(w, ",\"heldAccountTypes\":[");
    size_t n = 0;
    for (int t = C360_ACCOUNT_CHECKING; t <= C360_ACCOUNT_OTHER; t++) {
        if (!sum->open_by_type[t])
            continue;
        if (n++)
            W_PUT(w, ",");
        put_str(w, c360_account_type_name((enum c360_account_type)t));
    }
    W_PUT(w, "],\"totalBalance\":");
    if (sum->open)
        put_money(eng, sum->balance);
    else
        W_PUT(w, "null");
    W_PUT(w, ",\"adb30\":");
    put_money_by_type(eng, sum->adb_sum, true);
    W_PUT(w, ",\"externalAdb\":");
    put_money_by_type(eng, sum->external_adb, false);
    W_PUT(w, "}");
}

static enum c360_err emit_profile(struct c360_engine *eng, const struct view *v,
                                  struct eprofile *prof)
{
    struct c360_jsonw *w = &eng->w;
    char uid[24], eid[17];
    /* Unchanged since the last one sent: nothing to send. Most account
     * events move no golden attribute, and rendering is most of an
     * evaluation's cost, so the check reads what the profile is made of. */
    uint64_t h = profile_fingerprint(eng, v, prof);
    if (prof && prof->profile_hash == h)
        return C360_OK;
    if (prof)
        prof->profile_hash = h;
    uid_text(v->id, uid);
    engine_event_id(eng, eid);
    c360_jsonw_reset(w);
    W_PUT(w, "{\"eventId\":\"");
    c360_jsonw_put(w, eid, 16); /* hex digits need no escape */
    W_PUT(w, "\",\"unifiedId\":");
    put_str(w, uid);
    put_person(w, v);
    put_insights(eng, &v->sum);
    W_PUT(w, ",\"segments\":[");
    size_t n = 0;
    for (size_t s = 0; s < eng->n_segments; s++) {
        if (!prof || !(prof->members >> s & 1))
            continue;
        if (n++)
            W_PUT(w, ",");
        put_str(w, c360_segment_set_at(eng->cfg.segments, s)->name);
    }
    W_PUT(w, "],\"updatedAt\":");
    c360_jsonw_put_int(w, eng->now_ms);
    W_PUT(w, "}");
    return w_emit(eng, C360_OUT_UNIFIED_PROFILE, uid);
}

/* --- Evaluation. */

/* Re-evaluates profile id: its memberships, their outputs, the golden
 * profile and its next timer. identity: its records or their attributes
 * may have changed since its last evaluation, not only its insights. */
static enum c360_err evaluate(struct c360_engine *eng, uint64_t id, enum cause cause, bool identity,
                              const char *record_key)
{
    struct view *v = eng->view;
    struct eprofile *prof;
    enum c360_err err;
    if (!c360_identity_record_of_profile(eng->graph, id))
        return C360_OK;
    if ((err = engine_prof_add(eng, id, &prof)) || (err = engine_dirty_prof(eng, id)))
        return err;
    prof->ident_known &= !identity;
    view_build(eng, id, v);
    struct engine_eval ev = {&v->sum, &v->resolved, eng->today, {0}, 0, false, v->results, 0};
    memcpy(ev.currency, eng->cfg.currency, 3);
    uint64_t members_before = prof->members;
    for (size_t s = 0; s < eng->n_segments; s++) {
        const struct c360_segment_def *def = c360_segment_set_at(eng->cfg.segments, s);
        struct c360_segment_result *res = &v->results[s];
        bool member = false;
        /* No diagnostic: a failure only counts (eval_errors). */
        if (c360_segment_eval(def->seg, engine_call, &ev, res, NULL) == C360_OK)
            member = res->member;
        else
            eng->eval_errors++, res->n_trace = 0;
        uint64_t bit = UINT64_C(1) << s;
        bool was = prof->members & bit;
        if (member != was) {
            prof->members ^= bit;
            if (!member)
                prof->told &= ~bit;
            if ((err =
                     emit_segment_change(eng, v, def, member, cause, record_key, res, eng->now_ms)))
                return err;
        }
        /* The advisor hears of a member once, as soon as the profile has an
         * FSC account to post to: on entry, or when the person's account
         * arrives after the balances that made them a member. */
        if (member && !(prof->told & bit) && v->golden.fsc_account_id) {
            prof->told |= bit;
            if ((err = emit_csr(eng, v, def, res)))
                return err;
        }
    }
    /* A timer publishes the golden profile only with a membership change:
     * between inputs its insights stay as of their asOfDate, as tenureDays
     * does, rather than every profile being re-sent each day a 30-day
     * average moves (DESIGN.md §5: timers are for memberships). */
    if (cause == CAUSE_INPUT || prof->members != members_before) {
        if ((err = emit_profile(eng, v, prof)))
            return err;
        prof->checked = eng->today;
    }
    int32_t due = next_due(eng, v, &ev, prof->members);
    if (due != prof->due) {
        if ((err = engine_prof_set_due(eng, prof, due)))
            return err;
        if (due != C360_INSIGHTS_NEVER && (err = engine_timer_push(eng, due, id)))
            return err;
    }
    return C360_OK;
}

/* A unified id that no longer exists (absorbed by a merge, or its last
 * record deleted): its memberships exit and its golden profile goes. */
static enum c360_err dissolve(struct c360_engine *eng, uint64_t id, const char *record_key)
{
    struct view *v = eng->view;
    struct eprofile *prof = engine_prof_get(eng, id);
    char uid[24];
    enum c360_err err;
    if (c360_identity_record_of_profile(eng->graph, id))
        return C360_OK; /* still there */
    v->n_keys = v->n_owners = v->n_gps = v->n_recs = 0;
    memset(&v->sum, 0, sizeof(v->sum));
    memset(&v->golden, 0, sizeof(v->golden));
    v->id = id;
    v->sum.earliest_opened = C360_DATE_NONE;
    v->golden.birth_date = C360_DATE_NONE;
    for (size_t s = 0; prof && s < eng->n_segments; s++) {
        if (!(prof->members >> s & 1))
            continue;
        const struct c360_segment_def *def = c360_segment_set_at(eng->cfg.segments, s);
        if ((err = emit_segment_change(eng, v, def, false, CAUSE_INPUT, record_key, NULL, 0)))
            return err;
    }
    uid_text(id, uid);
    if (prof && (err = engine_emit(eng, C360_OUT_UNIFIED_PROFILE, uid, NULL, 0)))
        return err;
    return engine_prof_drop(eng, id);
}

/* Adds profile id to those the current record affected; identity: its
 * records or their attributes may have changed, not only its insights. */
static enum c360_err affected_mark(struct c360_engine *eng, uint64_t id, bool identity)
{
    enum c360_err err;
    if (!id)
        return C360_OK;
    for (size_t i = 0; i < eng->n_affected; i++) {
        if (eng->affected[i].id == id) {
            eng->affected[i].identity |= identity;
            return C360_OK;
        }
    }
    if ((err = engine_grow((void **)&eng->affected, &eng->cap_affected, eng->n_affected + 1,
                           sizeof(*eng->affected))))
        return err;
    eng->affected[eng->n_affected++] = (struct affected){id, identity};
    return C360_OK;
}

static enum c360_err affected_add(struct c360_engine *eng, uint64_t id)
{
    return affected_mark(eng, id, true);
}

static int affected_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct affected *)a)->id, y = ((const struct affected *)b)->id;
    return x < y ? -1 : x > y;
}

/* Evaluates every affected profile, dissolving the ones gone, in id order. */
static enum c360_err settle(struct c360_engine *eng, const char *record_key)
{
    enum c360_err err = C360_OK;
    /* Most records affect one or two profiles. (With none, the list may
     * be NULL, which qsort may not take.) */
    if (eng->n_affected == 2 && eng->affected[0].id > eng->affected[1].id) {
        struct affected first = eng->affected[1];
        eng->affected[1] = eng->affected[0];
        eng->affected[0] = first;
    } else if (eng->n_affected > 2) {
        qsort(eng->affected, eng->n_affected, sizeof(*eng->affected), affected_cmp);
    }
    for (size_t i = 0; i < eng->n_affected && !err; i++) {
        uint64_t id = eng->affected[i].id;
        err = c360_identity_record_of_profile(eng->graph, id)
                  ? evaluate(eng, id, CAUSE_INPUT, eng->affected[i].identity, record_key)
                  : dissolve(eng, id, record_key);
    }
    eng->n_affected = 0;
    return err;
}

/* --- Identity. */

static void w_ids(struct c360_jsonw *w, const char *key, uint64_t first, const uint64_t *ids,
                  size_t n)
{
    char uid[24];
    c360_jsonw_name(w, key, strlen(key)); /* a literal: nothing to escape */
    c360_jsonw_array(w);
    if (first) {
        uid_text(first, uid);
        c360_jsonw_str(w, uid);
    }
    for (size_t i = 0; i < n; i++) {
        uid_text(ids[i], uid);
        c360_jsonw_str(w, uid);
    }
    c360_jsonw_array_end(w);
}

static enum c360_err emit_change(struct c360_engine *eng, const char *type, uint64_t unified,
                                 uint64_t from, const uint64_t *from_ids, size_t n_from,
                                 uint64_t into, const uint64_t *into_ids, size_t n_into,
                                 const char *record_key, const char *rule)
{
    struct c360_jsonw *w = &eng->w;
    char uid[24];
    uid_text(unified, uid);
    w_begin(eng);
    W_STR(w, "type", type);
    W_STR(w, "unifiedId", uid);
    w_ids(w, "from", from, from_ids, n_from);
    w_ids(w, "into", into, into_ids, n_into);
    W_STR(w, "recordKey", record_key);
    W_STR(w, "rule", rule);
    W_INT(w, "at", eng->now_ms);
    c360_jsonw_object_end(w);
    /* Keyed by the profile, so one profile's changes stay in order. */
    return w_emit(eng, C360_OUT_IDENTITY_CHANGES, uid);
}

static enum c360_err emit_link(struct c360_engine *eng, const char *key, uint64_t id)
{
    struct c360_jsonw *w = &eng->w;
    struct c360_identity_link link;
    char uid[24];
    if (!c360_identity_link_of(eng->graph, key, &link))
        memset(&link, 0, sizeof(link));
    uid_text(id, uid);
    w_begin(eng);
    W_STR(w, "recordKey", key);
    W_STR(w, "unifiedId", uid);
    W_STR(w, "rule", link.rule);
    W_STR(w, "matchedWith", link.matched_with);
    C360_JSONW_NAME(w, "matchedOn");
    c360_jsonw_array(w);
    for (size_t i = 0; i < link.n_parts; i++) {
        const struct c360_identity_evidence *e = &link.parts[i];
        c360_jsonw_object(w);
        W_STR(w, "field", e->field);
        W_STR(w, "value", e->value);
        W_STR(w, "otherValue", e->other_value);
        C360_JSONW_NAME(w, "score");
        if (e->score < 0) {
            c360_jsonw_null(w);
        } else {
            /* Three decimals, written without a double's noise. */
            char score[16];
            long milli = (long)(e->score * 1000 + 0.5);
            int n = snprintf(score, sizeof(score), "%ld.%03ld", milli / 1000, milli % 1000);
            c360_jsonw_raw(w, score, (size_t)n);
        }
        c360_jsonw_object_end(w);
    }
    c360_jsonw_array_end(w);
    W_INT(w, "updatedAt", eng->now_ms);
    c360_jsonw_object_end(w);
    return w_emit(eng, C360_OUT_IDENTITY_LINKS, key);
}

/* Outputs of one graph change, and the profiles it affected. */
static enum c360_err identity_changed(struct c360_engine *eng, const char *changed_key,
                                      const struct c360_identity_changes *changes)
{
    enum c360_err err = C360_OK;
    struct c360_identity_link causing;
    bool have_causing = false;
    for (size_t i = 0; i < changes->count && !err; i++) {
        const struct c360_identity_event *ev = &changes->events[i];
        switch (ev->kind) {
        case C360_IDENTITY_UNLINK:
            if (!(err = engine_emit(eng, C360_OUT_IDENTITY_LINKS, ev->record_key, NULL, 0)))
                err = affected_add(eng, ev->from);
            break;
        case C360_IDENTITY_LINK:
            if (!(err = emit_change(eng, "LINK", ev->into, ev->from, NULL, 0, ev->into, NULL, 0,
                                    ev->record_key, ev->rule)) &&
                !(err = emit_link(eng, ev->record_key, ev->into)))
                err = affected_add(eng, ev->into);
            if (!err && ev->from)
                err = affected_add(eng, ev->from);
            break;
        case C360_IDENTITY_MERGE:
            if (!have_causing) {
                if (!c360_identity_link_of(eng->graph, changed_key, &causing))
                    memset(&causing, 0, sizeof(causing));
                have_causing = true;
            }
            err = emit_change(eng, "MERGE", ev->into, ev->into, ev->ids, ev->n_ids, ev->into, NULL,
                              0, changed_key, causing.rule);
            for (size_t k = 0; k < ev->n_ids && !err; k++)
                err = affected_add(eng, ev->ids[k]);
            if (!err)
                err = affected_add(eng, ev->into);
            break;
        case C360_IDENTITY_SPLIT:
            err = emit_change(eng, "SPLIT", ev->into ? ev->into : ev->from, ev->from, NULL, 0,
                              ev->into, ev->ids, ev->n_ids, changed_key, NULL);
            for (size_t k = 0; k < ev->n_ids && !err; k++)
                err = affected_add(eng, ev->ids[k]);
            if (!err)
                err = affected_add(eng, ev->from);
            if (!err)
                err = affected_add(eng, ev->into);
            break;
        }
    }
    return err;
}

static enum c360_err graph_upsert(struct c360_engine *eng, const struct c360_identity_input *in)
{
    struct c360_identity_changes changes;
    enum c360_err err = c360_identity_upsert(eng->graph, in, &changes);
    return err ? err : identity_changed(eng, in->key, &changes);
}

static enum c360_err graph_delete(struct c360_engine *eng, const char *key)
{
    struct c360_identity_changes changes;
    enum c360_err err = c360_identity_delete(eng->graph, key, &changes);
    return err ? err : identity_changed(eng, key, &changes);
}

/* The record "party:<gp>" that stands for a party id named by an account,
 * an external account, a transaction or a session, made when new: the
 * identity change it makes names the profiles it affects. *id gets its
 * profile (0: none, e.g. a blocklisted party id). */
static enum c360_err party_record(struct c360_engine *eng, const char *gp, uint64_t *id)
{
    char key[C360_RECORD_STRING_MAX + 8], buf[C360_RECORD_STRING_MAX + 64];
    struct c360_identity_input in;
    enum c360_err err;
    *id = 0;
    if (!gp || !*gp)
        return C360_OK;
    cat(key, sizeof(key), cat(key, sizeof(key), 0, "party:"), gp);
    if (c360_identity_profile_of(eng->graph, key, id))
        return C360_OK;
    /* Through the rules, so a blocklisted party id makes no record. */
    struct c360_record *r = eng->scratch;
    c360_record_reset(r, C360_ENTITY_FINANCIAL_ACCOUNT);
    r->source_system = "party";
    r->source_record_id = gp;
    r->global_party_id = gp;
    if ((err = c360_identity_rules_input(eng->cfg.rules, r, buf, sizeof(buf), &in)))
        return err;
    if (!in.global_party_id || (err = graph_upsert(eng, &in)))
        return err;
    if (!c360_identity_profile_of(eng->graph, key, id))
        *id = 0;
    return C360_OK;
}

/* The party record of gp, and its profile affected: the party's insights
 * changed. */
static enum c360_err party(struct c360_engine *eng, const char *gp)
{
    uint64_t id;
    enum c360_err err = party_record(eng, gp, &id);
    return err ? err : affected_add(eng, id);
}

/* Whether profile id was evaluated for an input today: with inputs as they
 * were then it would give what it gave then, so nothing. */
static bool checked_today(struct c360_engine *eng, uint64_t id)
{
    const struct eprofile *prof = engine_prof_get(eng, id);
    return prof && prof->checked == eng->today;
}

/* The profiles whose insight owners the record touched; those it changed
 * nothing for (t->changed false) only when not evaluated today. The party
 * gp, whose record is made already, has profile gp_id. */
static enum c360_err touched_add(struct c360_engine *eng, const struct c360_insights_touched *t,
                                 const char *gp, uint64_t gp_id)
{
    enum c360_err err = C360_OK;
    for (size_t i = 0; i < t->count && !err; i++) {
        uint64_t id;
        if (gp && strcmp(t->keys[i], gp) == 0) {
            id = gp_id;
        } else if (strstr(t->keys[i], ":session:")) {
            if (!c360_identity_profile_of(eng->graph, t->keys[i], &id))
                continue;
        } else if ((err = party_record(eng, t->keys[i], &id))) {
            break;
        }
        if (t->changed || !checked_today(eng, id))
            err = affected_mark(eng, id, false);
    }
    return err;
}

/* --- Time. */

/* Moves today to day, firing the timers due by then, in time order. */
static enum c360_err advance(struct c360_engine *eng, int32_t day)
{
    enum c360_err err;
    if (day <= eng->today && eng->today != INT32_MIN)
        return C360_OK;
    while (eng->n_heap && eng->heap[0].day <= day) {
        struct timer t = timer_pop(eng);
        struct eprofile *prof = engine_prof_get(eng, t.id);
        if (!prof || prof->due != t.day)
            continue; /* superseded */
        eng->today = t.day;
        if ((err = engine_prof_set_due(eng, prof, C360_INSIGHTS_NEVER)))
            return err;
        if (eng->cfg.clock == C360_CLOCK_EVENT || eng->now_ms < (int64_t)t.day * DAY_MS)
            eng->now_ms = (int64_t)t.day * DAY_MS;
        position_timer(eng, t.day, t.id);
        if ((err = evaluate(eng, t.id, CAUSE_TIMER, false, NULL)))
            return err;
    }
    eng->today = day;
    c360_insights_prune(eng->ins, day);
    return C360_OK;
}

enum c360_err c360_engine_tick(struct c360_engine *eng, int64_t now_ms,
                               struct c360_engine_outputs *outs)
{
    enum c360_err err = C360_OK;
    outputs_begin(eng);
    if (eng->cfg.clock == C360_CLOCK_WALL) {
        eng->now_ms = now_ms;
        err = advance(eng, day_of(now_ms));
        eng->now_ms = now_ms;
    }
    outputs_publish(eng, outs);
    return err;
}

/* --- Records. */

static enum c360_err apply_individual(struct c360_engine *eng, const struct c360_record *rec)
{
    char buf[16384];
    struct c360_identity_input in;
    enum c360_err err;
    if ((err = c360_identity_rules_input(eng->cfg.rules, rec, buf, sizeof(buf), &in)))
        return err;
    if (rec->change == C360_CHANGE_DELETE) {
        if ((err = engine_stored_del(eng, in.key)))
            return err;
        return graph_delete(eng, in.key);
    }
    if ((err = engine_stored_put(eng, in.key, rec)) || (err = graph_upsert(eng, &in)))
        return err;
    uint64_t id;
    if (c360_identity_profile_of(eng->graph, in.key, &id))
        err = affected_add(eng, id); /* golden attributes may have changed */
    return err;
}

/* A web engagement: its session is an identity record, the engagement an
 * insight of the session. */
static enum c360_err apply_web(struct c360_engine *eng, const struct c360_record *rec,
                               struct c360_diag *diag)
{
    const struct c360_web_engagement *web = &rec->as.web;
    char key[2 * C360_RECORD_STRING_MAX + 16], buf[4096];
    struct c360_identity_input in;
    struct c360_insights_touched touched;
    uint64_t id;
    enum c360_err err;
    size_t n = cat(key, sizeof(key), 0, rec->source_system ? rec->source_system : "");
    n = cat(key, sizeof(key), n, ":session:");
    cat(key, sizeof(key), n, web->session_id ? web->session_id : "");
    bool known = c360_identity_profile_of(eng->graph, key, &id);
    if (rec->change != C360_CHANGE_DELETE && (!known || rec->global_party_id)) {
        /* A new session, or a visitor who logged in: the session record takes
         * the engagement's identity (a later anonymous page keeps it). */
        struct c360_record *r = eng->scratch;
        c360_record_reset(r, C360_ENTITY_WEB_ENGAGEMENT);
        r->source_system = rec->source_system;
        r->source_record_id = key + strlen(rec->source_system ? rec->source_system : "") + 1;
        r->global_party_id = rec->global_party_id;
        r->as.web.email = web->email;
        if ((err = c360_identity_rules_input(eng->cfg.rules, r, buf, sizeof(buf), &in)) ||
            (err = graph_upsert(eng, &in)) || (err = party(eng, rec->global_party_id)))
            return err;
    }
    if ((err = c360_insights_apply(eng->ins, rec, key, eng->today, &touched, diag)))
        return err;
    if (c360_identity_profile_of(eng->graph, key, &id))
        err = affected_add(eng, id);
    return err;
}

static enum c360_err apply_holding(struct c360_engine *eng, const struct c360_record *rec,
                                   struct c360_diag *diag)
{
    struct c360_insights_touched touched = {0};
    uint64_t id;
    enum c360_err err;
    /* The profiles whose insights the record changed are re-evaluated; a
     * transaction changes none (insights.h), so it only names its party. */
    if ((err = c360_insights_apply(eng->ins, rec, NULL, eng->today, &touched, diag)) ||
        (err = party_record(eng, rec->global_party_id, &id)))
        return err;
    return touched_add(eng, &touched, rec->global_party_id, id);
}

static char *record_key_of(const struct c360_record *rec, char *buf, size_t size)
{
    size_t n = cat(buf, size, 0, rec->source_system ? rec->source_system : "");
    n = cat(buf, size, n, ":");
    cat(buf, size, n, rec->source_record_id ? rec->source_record_id : "");
    return buf;
}

enum c360_err c360_engine_apply(struct c360_engine *eng, const struct c360_record *rec,
                                const struct c360_engine_position *pos, int64_t now_ms,
                                struct c360_engine_outputs *outs, struct c360_diag *diag)
{
    char rkey[2 * C360_RECORD_STRING_MAX + 2];
    enum c360_err err = C360_OK;
    outputs_begin(eng);
    eng->n_affected = 0;
    if (eng->cfg.clock == C360_CLOCK_WALL) {
        eng->now_ms = now_ms;
        err = advance(eng, day_of(now_ms));
        eng->now_ms = now_ms;
    } else if (rec->occurred_at != C360_TIME_NONE) {
        err = advance(eng, day_of(rec->occurred_at));
        if (rec->occurred_at > eng->now_ms)
            eng->now_ms = rec->occurred_at;
    }
    if (err)
        goto done;
    position_input(eng, pos);
    switch (rec->change == C360_CHANGE_RESYNC ? C360_ENTITY_ORG_ACCOUNT : rec->entity) {
    case C360_ENTITY_INDIVIDUAL:
        err = apply_individual(eng, rec);
        break;
    case C360_ENTITY_WEB_ENGAGEMENT:
        err = apply_web(eng, rec, diag);
        break;
    case C360_ENTITY_FINANCIAL_ACCOUNT:
    case C360_ENTITY_EXTERNAL_ACCOUNT:
    case C360_ENTITY_FINANCIAL_TRANSACTION:
        err = apply_holding(eng, rec, diag);
        break;
    default:
        break; /* org records and re-syncs are org sync's (DESIGN.md §7) */
    }
    if (!err)
        err = settle(eng, record_key_of(rec, rkey, sizeof(rkey)));
done:
    eng->n_affected = 0;
    outputs_publish(eng, outs);
    return err;
}

/* --- Life. */

enum c360_err c360_engine_new(const struct c360_engine_config *cfg, struct c360_engine **out)
{
    struct c360_diag diag;
    enum c360_err err = C360_ERR_NOMEM;
    struct c360_engine *eng = calloc(1, sizeof(*eng));
    *out = NULL;
    if (!eng)
        return C360_ERR_NOMEM;
    eng->cfg = *cfg;
    if (!eng->cfg.currency)
        eng->cfg.currency = "USD";
    if (c360_money_check_currency(eng->cfg.currency, NULL) == C360_OK) {
        size_t n = cat(eng->money_tail, sizeof(eng->money_tail), 0, "\",\"currency\":\"");
        n = cat(eng->money_tail, sizeof(eng->money_tail), n, eng->cfg.currency);
        eng->money_tail_len = cat(eng->money_tail, sizeof(eng->money_tail), n, "\"}");
    }
    eng->today = INT32_MIN;
    eng->now_ms = 0;
    eng->n_segments = cfg->segments ? c360_segment_set_count(cfg->segments) : 0;
    if (eng->n_segments > ENGINE_SEGMENTS_MAX) {
        err = C360_ERR_LIMIT;
        goto fail;
    }
    /* The visit rules every qualifyingVisit call of the segments asks. */
    int32_t days_max = 0;
    for (size_t s = 0; s < eng->n_segments; s++) {
        const struct c360_segment_call *calls;
        size_t n = c360_segment_calls(c360_segment_set_at(cfg->segments, s)->seg, &calls);
        for (size_t i = 0; i < n; i++) {
            struct c360_insights_visit_rule rule;
            if (!engine_visit_rule(&calls[i], &rule))
                continue;
            if (eng->n_visit_rules == ENGINE_VISIT_RULES_MAX) {
                err = C360_ERR_LIMIT;
                goto fail;
            }
            eng->visit_rules[eng->n_visit_rules++] = rule;
            if (rule.days > days_max)
                days_max = rule.days;
        }
    }
    /* The whole days of tenure any segment compares tenureDays with: timers
     * are set for the day tenure reaches each. */
    for (size_t s = 0; s < eng->n_segments; s++) {
        struct c360_segment_thresholds th;
        c360_segment_thresholds(c360_segment_set_at(cfg->segments, s)->seg, "tenureDays", &th);
        eng->tenure_daily |= th.elsewhere;
        for (size_t i = 0; i < th.count; i++) {
            int64_t v100 = th.items[i].value, d = v100 >= 0 ? (v100 + 99) / 100 : v100 / 100;
            bool known = false;
            for (size_t k = 0; k < eng->n_tenure_days; k++)
                known |= eng->tenure_days[k] == d;
            if (known)
                continue;
            if (eng->n_tenure_days == ENGINE_TENURE_DAYS_MAX) {
                eng->tenure_daily = true; /* too many to time one by one */
                break;
            }
            eng->tenure_days[eng->n_tenure_days++] = d;
        }
    }
    struct c360_identity_config idcfg = *c360_identity_rules_config(cfg->rules);
    size_t max = cfg->profiles_max ? cfg->profiles_max : 10000000;
    eng->prof_ix.max = max;
    struct c360_insights_config icfg = {
        .parties_max = max, .accounts_max = max, .externals_max = max, .visit_days_max = days_max};
    memcpy(icfg.currency, eng->cfg.currency, 3);
    c360_diag_clear(&diag);
    c360_jsonw_init(&eng->w, ENGINE_VALUE_MAX);
    if ((err = c360_identity_new(&idcfg, &eng->graph)) ||
        (err = c360_insights_new(&icfg, &eng->ins, &diag)) ||
        (err = c360_strmap_new(max, &eng->stored_by_key)) ||
        (err = c360_record_new(C360_ENTITY_INDIVIDUAL, &eng->scratch)))
        goto fail;
    if (!(eng->view = calloc(1, sizeof(struct view)))) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    *out = eng;
    return C360_OK;
fail:
    c360_engine_destroy(eng);
    return err;
}

void c360_engine_destroy(struct c360_engine *eng)
{
    if (!eng)
        return;
    c360_identity_destroy(eng->graph);
    c360_insights_destroy(eng->ins);
    for (size_t i = 0; i < eng->n_stored; i++)
        free(eng->stored[i]);
    free(eng->stored);
    free(eng->free_stored);
    c360_strmap_destroy(eng->stored_by_key);
    free(eng->prof_ix.slots);
    free(eng->profs);
    free(eng->free_profs);
    free(eng->heap);
    free(eng->outs);
    free(eng->text);
    free(eng->affected);
    free(eng->view);
    c360_record_destroy(eng->scratch);
    c360_jsonw_free(&eng->w);
    engine_dirty_free(eng);
    free(eng);
}

size_t c360_engine_profiles(const struct c360_engine *eng)
{
    return eng->prof_ix.count;
}

int32_t c360_engine_today(const struct c360_engine *eng)
{
    return eng->today;
}

const struct c360_identity *c360_engine_identity(const struct c360_engine *eng)
{
    return eng->graph;
}

size_t c360_engine_bytes(const struct c360_engine *eng)
{
    size_t n = sizeof(*eng) + c360_identity_bytes(eng->graph) + c360_insights_bytes(eng->ins) +
               eng->cap_profs * sizeof(*eng->profs) + eng->cap_heap * sizeof(*eng->heap) +
               eng->cap_stored * sizeof(*eng->stored) +
               eng->prof_ix.size * sizeof(*eng->prof_ix.slots) +
               c360_strmap_bytes(eng->stored_by_key) +
               (eng->n_free_profs + eng->n_free_stored) * sizeof(uint32_t);
    /* Each flat copy as stored_copy sized it: counting walks its strings,
     * which a report every few seconds can afford. The lists of changes
     * since the last persist are left out: a flush empties them. */
    for (size_t i = 0; i < eng->n_stored; i++) {
        if (!eng->stored[i])
            continue;
        struct flat count = {0};
        flat_individual(&count, &eng->stored[i]->rec, NULL);
        n += sizeof(struct stored) + count.need;
    }
    return n;
}
