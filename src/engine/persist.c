/*
 * c360 engine — its state handed to the state store and taken back
 * (persist.h, DESIGN.md §6).
 *
 * The engine's own items: the individual records golden profiles are built
 * from (C360_DB_RECORDS, by record key), each profile's segment state
 * (C360_DB_PROFILES, by unified id in decimal), the timer index
 * (C360_DB_TIMERS, by big-endian day and id, so the store keeps it in time
 * order) and its clock (C360_DB_META "engine"). The identity graph and the
 * insights hand over their own items. What changed is noted as it changes
 * (repeats allowed, sorted out at persist), so a batch writes only what it
 * touched.
 */
#include "engine_int.h"

#include "c360/persist.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_KEY "engine"
#define TIMER_KEY_LEN 12
#define RECORD_VALUE_MAX (256 * 1024) /* a record's arena cap, and then some */

/* --- Noting changes. */

enum c360_err engine_dirty_prof(struct c360_engine *eng, uint64_t id)
{
    enum c360_err err = engine_grow((void **)&eng->dirty_profs, &eng->cap_dirty_profs,
                                    eng->n_dirty_profs + 1, sizeof(*eng->dirty_profs));
    if (!err)
        eng->dirty_profs[eng->n_dirty_profs++] = id;
    return err;
}

enum c360_err engine_dirty_key(struct c360_engine *eng, const char *key)
{
    enum c360_err err = engine_grow((void **)&eng->dirty_keys, &eng->cap_dirty_keys,
                                    eng->n_dirty_keys + 1, sizeof(*eng->dirty_keys));
    char *copy = err ? NULL : strdup(key);
    if (!copy)
        return C360_ERR_NOMEM;
    eng->dirty_keys[eng->n_dirty_keys++] = copy;
    return C360_OK;
}

enum c360_err engine_dirty_timer(struct c360_engine *eng, int32_t day, uint64_t id, bool put)
{
    enum c360_err err = engine_grow((void **)&eng->timer_ops, &eng->cap_timer_ops,
                                    eng->n_timer_ops + 1, sizeof(*eng->timer_ops));
    if (!err)
        eng->timer_ops[eng->n_timer_ops++] = (struct timer_op){day, put, id};
    return err;
}

static void dirty_clear(struct c360_engine *eng)
{
    for (size_t i = 0; i < eng->n_dirty_keys; i++)
        free(eng->dirty_keys[i]);
    eng->n_dirty_keys = eng->n_dirty_profs = eng->n_timer_ops = 0;
}

void engine_dirty_free(struct c360_engine *eng)
{
    dirty_clear(eng);
    free(eng->dirty_keys);
    free(eng->dirty_profs);
    free(eng->timer_ops);
}

/* --- Encodings. */

static void timer_key(int32_t day, uint64_t id, uint8_t key[TIMER_KEY_LEN])
{
    uint32_t d = (uint32_t)day ^ 0x80000000u; /* sorts negative days first */
    for (int i = 0; i < 4; i++)
        key[i] = (uint8_t)(d >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        key[4 + i] = (uint8_t)(id >> (56 - 8 * i));
}

static void put_strs(struct c360_persist_writer *w, const struct c360_strs *list)
{
    c360_persist_u64(w, list->count);
    for (uint16_t i = 0; i < list->count; i++)
        c360_persist_str(w, list->items[i]);
}

static void record_encode(struct c360_persist_writer *w, const struct c360_record *rec)
{
    const struct c360_individual *ind = &rec->as.individual;
    c360_persist_u64(w, (uint64_t)rec->change);
    c360_persist_i64(w, rec->occurred_at);
    c360_persist_str(w, rec->event_id);
    c360_persist_str(w, rec->source_system);
    c360_persist_str(w, rec->source_record_id);
    c360_persist_str(w, rec->global_party_id);
    c360_persist_str(w, ind->first_name);
    c360_persist_str(w, ind->last_name);
    c360_persist_i64(w, ind->birth_date);
    c360_persist_str(w, ind->fsc_account_id);
    c360_persist_str(w, ind->preferred_channel);
    c360_persist_str(w, ind->household_id);
    put_strs(w, &ind->emails);
    put_strs(w, &ind->phones);
    c360_persist_u64(w, ind->n_addresses);
    for (uint16_t i = 0; i < ind->n_addresses; i++) {
        const struct c360_address *a = &ind->addresses[i];
        c360_persist_str(w, a->line1);
        c360_persist_str(w, a->city);
        c360_persist_str(w, a->postal_code);
        c360_persist_str(w, a->country);
    }
    c360_persist_u64(w, ind->n_identifiers);
    for (uint16_t i = 0; i < ind->n_identifiers; i++) {
        c360_persist_str(w, ind->identifiers[i].type);
        c360_persist_str(w, ind->identifiers[i].value);
    }
}

/* One string of a stored value into rec's arena (NULL stays NULL). */
static enum c360_err get_str(struct c360_persist_reader *r, struct c360_record *rec,
                             const char **out)
{
    size_t len;
    const char *s = c360_persist_get_strn(r, &len);
    *out = NULL;
    return s ? c360_record_str(rec, s, len, out, NULL) : C360_OK;
}

static enum c360_err get_strs(struct c360_persist_reader *r, struct c360_record *rec,
                              struct c360_strs *list)
{
    enum c360_err err = C360_OK;
    uint64_t n = c360_persist_get_u64(r);
    for (uint64_t i = 0; i < n && !err && !r->failed; i++) {
        size_t len;
        const char *s = c360_persist_get_strn(r, &len);
        err = s ? c360_record_strs_add(rec, list, s, len, NULL) : C360_ERR_INVALID;
    }
    return err;
}

static enum c360_err record_decode(struct c360_persist_reader *r, struct c360_record *rec)
{
    struct c360_individual *ind = &rec->as.individual;
    enum c360_err err;
    c360_record_reset(rec, C360_ENTITY_INDIVIDUAL);
    rec->change = (enum c360_change)c360_persist_get_u64(r);
    rec->occurred_at = c360_persist_get_i64(r);
    if ((err = get_str(r, rec, &rec->event_id)) || (err = get_str(r, rec, &rec->source_system)) ||
        (err = get_str(r, rec, &rec->source_record_id)) ||
        (err = get_str(r, rec, &rec->global_party_id)) ||
        (err = get_str(r, rec, &ind->first_name)) || (err = get_str(r, rec, &ind->last_name)))
        return err;
    ind->birth_date = (int32_t)c360_persist_get_i64(r);
    if ((err = get_str(r, rec, &ind->fsc_account_id)) ||
        (err = get_str(r, rec, &ind->preferred_channel)) ||
        (err = get_str(r, rec, &ind->household_id)) || (err = get_strs(r, rec, &ind->emails)) ||
        (err = get_strs(r, rec, &ind->phones)))
        return err;
    uint64_t n = c360_persist_get_u64(r);
    if (n > C360_RECORD_LIST_MAX)
        return C360_ERR_INVALID;
    struct c360_address *addr = NULL;
    if (n && (err = c360_record_alloc(rec, (size_t)n, sizeof(*addr), (void **)&addr, NULL)))
        return err;
    for (uint64_t i = 0; i < n && !r->failed; i++) {
        if ((err = get_str(r, rec, &addr[i].line1)) || (err = get_str(r, rec, &addr[i].city)) ||
            (err = get_str(r, rec, &addr[i].postal_code)) ||
            (err = get_str(r, rec, &addr[i].country)))
            return err;
    }
    ind->addresses = addr;
    ind->n_addresses = (uint16_t)n;
    if ((n = c360_persist_get_u64(r)) > C360_RECORD_LIST_MAX)
        return C360_ERR_INVALID;
    struct c360_party_identifier *ids = NULL;
    if (n && (err = c360_record_alloc(rec, (size_t)n, sizeof(*ids), (void **)&ids, NULL)))
        return err;
    for (uint64_t i = 0; i < n && !r->failed; i++) {
        if ((err = get_str(r, rec, &ids[i].type)) || (err = get_str(r, rec, &ids[i].value)))
            return err;
    }
    ind->identifiers = ids;
    ind->n_identifiers = (uint16_t)n;
    return C360_OK;
}

/* --- Persisting. */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum c360_err persist_records(struct c360_engine *eng, struct c360_persist_writer *w,
                                     const struct c360_persist_sink *sink)
{
    enum c360_err err = C360_OK;
    if (eng->n_dirty_keys > 1) /* qsort's base may not be NULL, even for nothing */
        qsort(eng->dirty_keys, eng->n_dirty_keys, sizeof(*eng->dirty_keys), cmp_str);
    for (size_t i = 0; i < eng->n_dirty_keys && !err; i++) {
        const char *key = eng->dirty_keys[i];
        if (i && strcmp(key, eng->dirty_keys[i - 1]) == 0)
            continue;
        const struct c360_record *rec = engine_stored_get(eng, key);
        const void *val = NULL;
        size_t len = 0;
        if (rec) {
            c360_persist_writer_reset(w);
            record_encode(w, rec);
            if ((err = c360_persist_value(w, &val, &len)))
                break;
        }
        err = c360_persist_put(sink, C360_DB_RECORDS, key, strlen(key), val, len);
    }
    return err;
}

static enum c360_err persist_profiles(struct c360_engine *eng, struct c360_persist_writer *w,
                                      const struct c360_persist_sink *sink)
{
    enum c360_err err = C360_OK;
    if (eng->n_dirty_profs > 1)
        qsort(eng->dirty_profs, eng->n_dirty_profs, sizeof(*eng->dirty_profs), cmp_u64);
    for (size_t i = 0; i < eng->n_dirty_profs && !err; i++) {
        uint64_t id = eng->dirty_profs[i];
        if (i && id == eng->dirty_profs[i - 1])
            continue;
        char key[24];
        int key_len = snprintf(key, sizeof(key), "%" PRIu64, id);
        const struct eprofile *prof = engine_prof_get(eng, id);
        const void *val = NULL;
        size_t len = 0;
        if (prof) {
            c360_persist_writer_reset(w);
            c360_persist_u64(w, prof->members);
            c360_persist_u64(w, prof->told);
            c360_persist_u64(w, prof->profile_hash);
            c360_persist_i64(w, prof->due);
            if ((err = c360_persist_value(w, &val, &len)))
                break;
        }
        err = c360_persist_put(sink, C360_DB_PROFILES, key, (size_t)key_len, val, len);
    }
    return err;
}

static enum c360_err persist_timers(const struct c360_engine *eng,
                                    const struct c360_persist_sink *sink)
{
    static const uint8_t empty = C360_PERSIST_VERSION;
    enum c360_err err = C360_OK;
    for (size_t i = 0; i < eng->n_timer_ops && !err; i++) {
        const struct timer_op *op = &eng->timer_ops[i];
        uint8_t key[TIMER_KEY_LEN];
        timer_key(op->day, op->id, key);
        err = c360_persist_put(sink, C360_DB_TIMERS, key, sizeof(key), op->put ? &empty : NULL,
                               op->put ? 1 : 0);
    }
    return err;
}

enum c360_err c360_engine_persist(struct c360_engine *eng, const struct c360_persist_sink *sink)
{
    enum c360_err err;
    struct c360_persist_writer w;
    const void *val;
    size_t len;
    c360_persist_writer_init(&w, RECORD_VALUE_MAX);
    if ((err = c360_identity_persist(eng->graph, sink)) ||
        (err = c360_insights_persist(eng->ins, sink)) || (err = persist_records(eng, &w, sink)) ||
        (err = persist_profiles(eng, &w, sink)) || (err = persist_timers(eng, sink)))
        goto done;
    c360_persist_writer_reset(&w);
    c360_persist_i64(&w, eng->today);
    c360_persist_i64(&w, eng->now_ms);
    c360_persist_u64(&w, eng->eval_errors);
    if (!(err = c360_persist_value(&w, &val, &len)))
        err = c360_persist_put(sink, C360_DB_META, META_KEY, strlen(META_KEY), val, len);
done:
    c360_persist_writer_free(&w);
    return err;
}

void c360_engine_persisted(struct c360_engine *eng)
{
    c360_identity_persisted(eng->graph);
    c360_insights_persisted(eng->ins);
    dirty_clear(eng);
}

/* --- Restoring. */

static enum c360_err restore_record(struct c360_engine *eng, const char *key,
                                    struct c360_persist_reader *r, struct c360_diag *diag)
{
    enum c360_err err = record_decode(r, eng->scratch);
    if (err == C360_ERR_NOMEM)
        return err;
    if (err || (err = c360_persist_reader_end(r, "record", diag)))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a stored record is corrupt");
    return engine_stored_put(eng, key, eng->scratch);
}

static enum c360_err restore_profile(struct c360_engine *eng, const char *key,
                                     struct c360_persist_reader *r, struct c360_diag *diag)
{
    char *end;
    enum c360_err err;
    struct eprofile *prof;
    uint64_t id = strtoull(key, &end, 10);
    uint64_t members = c360_persist_get_u64(r), told = c360_persist_get_u64(r),
             hash = c360_persist_get_u64(r);
    int64_t due = c360_persist_get_i64(r);
    if ((err = c360_persist_reader_end(r, "profile", diag)))
        return err;
    if (*end || !id || due < INT32_MIN || due > INT32_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a stored profile is corrupt");
    if ((err = engine_prof_add(eng, id, &prof)))
        return err;
    prof->members = members;
    prof->told = told;
    prof->profile_hash = hash;
    if (due != C360_INSIGHTS_NEVER)
        eng->n_timers++;
    prof->due = (int32_t)due; /* its heap entry comes from the timers */
    return C360_OK;
}

static enum c360_err restore_timer(struct c360_engine *eng, const uint8_t *key, size_t key_len,
                                   struct c360_persist_reader *r, struct c360_diag *diag)
{
    enum c360_err err;
    if ((err = c360_persist_reader_end(r, "timer", diag)))
        return err;
    if (key_len != TIMER_KEY_LEN)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a stored timer key of %zu bytes",
                              key_len);
    uint32_t d = 0;
    uint64_t id = 0;
    for (int i = 0; i < 4; i++)
        d = d << 8 | key[i];
    for (int i = 0; i < 8; i++)
        id = id << 8 | key[4 + i];
    return engine_timer_push(eng, (int32_t)(d ^ 0x80000000u), id);
}

static enum c360_err restore_meta(struct c360_engine *eng, struct c360_persist_reader *r,
                                  struct c360_diag *diag)
{
    int64_t today = c360_persist_get_i64(r);
    eng->now_ms = c360_persist_get_i64(r);
    eng->eval_errors = c360_persist_get_u64(r);
    if (today < INT32_MIN || today > INT32_MAX)
        r->failed = true;
    eng->today = (int32_t)today;
    return c360_persist_reader_end(r, "engine meta", diag);
}

enum c360_err c360_engine_restore(struct c360_engine *eng, enum c360_persist_db db, const void *key,
                                  size_t key_len, const void *val, size_t val_len,
                                  struct c360_diag *diag)
{
    char text[512];
    struct c360_persist_reader r;
    enum c360_err err;
    bool named = key_len < sizeof(text) && !memchr(key, '\0', key_len);
    if (named) {
        memcpy(text, key, key_len);
        text[key_len] = '\0';
    }
    switch (db) {
    case C360_DB_IDENTITY:
    case C360_DB_BLOCKING:
        return c360_identity_restore(eng->graph, db, key, key_len, val, val_len, diag);
    case C360_DB_INSIGHTS:
        return c360_insights_restore(eng->ins, db, key, key_len, val, val_len, diag);
    case C360_DB_META:
        if (named && strcmp(text, "identity") == 0)
            return c360_identity_restore(eng->graph, db, key, key_len, val, val_len, diag);
        if (named && strcmp(text, "insights") == 0)
            return c360_insights_restore(eng->ins, db, key, key_len, val, val_len, diag);
        break;
    default:
        break;
    }
    if ((err = c360_persist_reader_init(&r, val, val_len, diag)))
        return err;
    if (db == C360_DB_TIMERS)
        return restore_timer(eng, key, key_len, &r, diag);
    if (!named)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a stored key of %zu bytes in %s",
                              key_len, c360_persist_db_name(db));
    switch (db) {
    case C360_DB_RECORDS:
        return restore_record(eng, text, &r, diag);
    case C360_DB_PROFILES:
        return restore_profile(eng, text, &r, diag);
    case C360_DB_META:
        if (strcmp(text, META_KEY) == 0)
            return restore_meta(eng, &r, diag);
        break;
    default:
        break;
    }
    return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "no engine state is kept as %s in %s", text,
                          c360_persist_db_name(db));
}

enum c360_err c360_engine_restore_end(struct c360_engine *eng, struct c360_diag *diag)
{
    enum c360_err err;
    if ((err = c360_identity_restore_end(eng->graph, diag)) ||
        (err = c360_insights_restore_end(eng->ins, diag)))
        return err;
    /* Every timer belongs to a profile due that day, and every due profile
     * has its timer. */
    for (size_t i = 0; i < eng->n_heap; i++) {
        const struct eprofile *prof = engine_prof_get(eng, eng->heap[i].id);
        if (!prof || prof->due != eng->heap[i].day)
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                  "a stored timer of profile %" PRIu64 " disagrees with it",
                                  eng->heap[i].id);
    }
    if (eng->n_heap != eng->n_timers)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "%zu stored timers for %zu profiles with one", eng->n_heap,
                              eng->n_timers);
    dirty_clear(eng);
    return C360_OK;
}
