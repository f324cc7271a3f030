/*
 * c360 insights — the state in a store (DESIGN.md §6, persist.h; the items
 * and their keys are listed in insights.h).
 *
 * What changed is known from the marks of each pool's slots (DIRTY, STORED,
 * GONE: insights_int.h), so a flush costs the items changed, not the state.
 * An item the store holds leaves a tombstone when it goes, which keeps its
 * key for the delete; an item never stored leaves nothing, so the store only
 * ever deletes what it has. Owner keys are written only while they have
 * visits: what they own is rebuilt from the accounts that name them.
 *
 * A restored state must answer as the one that was flushed. What the store
 * does not keep is either derived again (owner refs, main subjects, the
 * balance base: balance_settle) or made not to matter (the order of refs and
 * visits: insights.h).
 */
#include "insights_int.h"

#include "c360/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest value: an owner key's item names at most every subject
 * (4095 × 4 KiB) and holds 64 visits of 128 engagements. */
#define VALUE_MAX ((size_t)32 << 20)
#define KEY_MAX (2 + C360_RECORD_STRING_MAX)
#define META_KEY "insights"

struct flush {
    const struct c360_insights *ins;
    const struct c360_persist_sink *sink;
    struct c360_persist_writer w;
    uint16_t *local; /* scratch of c360_insights_visits_encode */
    char key[KEY_MAX];
};

/* Hands the item of id under prefix: the writer's value, or a delete. */
static enum c360_err put(struct flush *f, char prefix, const char *id, bool gone)
{
    enum c360_err err;
    const void *val = NULL;
    size_t len = 0, n = strlen(id);
    f->key[0] = prefix;
    f->key[1] = ':';
    memcpy(f->key + 2, id, n);
    if (!gone && (err = c360_persist_value(&f->w, &val, &len)))
        return err;
    return c360_persist_put(f->sink, C360_DB_INSIGHTS, f->key, n + 2, val, len);
}

static bool party_written(const void *item)
{
    return ((const struct c360_insights_party *)item)->n_visits > 0;
}

static enum c360_err flush_account(uint32_t i, void *arg)
{
    struct flush *f = arg;
    const struct c360_insights_pool *pool = &f->ins->accounts;
    const struct c360_insights_account *acct = c360_insights_account_at(f->ins, i);
    if (!acct->key)
        return C360_OK;
    if (*c360_insights_pool_marks(pool, i) & C360_INSIGHTS_MARK_GONE) {
        /* Made again since: its new slot is dirty and puts it. */
        if (c360_insights_index_get(&f->ins->by_account, acct->key, pool) != C360_INSIGHTS_NONE)
            return C360_OK;
        return put(f, 'a', acct->key, true);
    }
    c360_persist_writer_reset(&f->w);
    c360_insights_account_encode(f->ins, acct, &f->w);
    return put(f, 'a', acct->key, false);
}

static enum c360_err flush_external(uint32_t i, void *arg)
{
    struct flush *f = arg;
    const struct c360_insights_pool *pool = &f->ins->externals;
    const struct c360_insights_external *ext = c360_insights_external_at(f->ins, i);
    if (!ext->key)
        return C360_OK;
    if (*c360_insights_pool_marks(pool, i) & C360_INSIGHTS_MARK_GONE) {
        if (c360_insights_index_get(&f->ins->by_external, ext->key, pool) != C360_INSIGHTS_NONE)
            return C360_OK;
        return put(f, 'x', ext->key, true);
    }
    c360_persist_writer_reset(&f->w);
    c360_insights_external_encode(f->ins, ext, &f->w);
    return put(f, 'x', ext->key, false);
}

static enum c360_err flush_party(uint32_t i, void *arg)
{
    struct flush *f = arg;
    const struct c360_insights_pool *pool = &f->ins->parties;
    const struct c360_insights_party *party = c360_insights_party_at(f->ins, i);
    uint8_t marks = *c360_insights_pool_marks(pool, i);
    if (!party->key)
        return C360_OK;
    if (marks & C360_INSIGHTS_MARK_GONE) {
        /* The key may be live again; only with visits does it put itself
         * (having gained them, it is dirty). */
        uint32_t j = c360_insights_party_find(f->ins, party->key);
        if (j != C360_INSIGHTS_NONE && party_written(c360_insights_party_at(f->ins, j)))
            return C360_OK;
        return put(f, 'p', party->key, true);
    }
    if (!party_written(party))
        return marks & C360_INSIGHTS_MARK_STORED ? put(f, 'p', party->key, true) : C360_OK;
    c360_persist_writer_reset(&f->w);
    c360_insights_visits_encode(f->ins, party, f->local, &f->w);
    return put(f, 'p', party->key, false);
}

static enum c360_err flush_subject(uint32_t i, void *arg)
{
    struct flush *f = arg;
    const char *name = *(char **)c360_insights_pool_at(&f->ins->subjects, i);
    if (!name)
        return C360_OK;
    c360_persist_writer_reset(&f->w);
    return put(f, 's', name, false);
}

static enum c360_err flush_meta(struct flush *f)
{
    const struct c360_insights *ins = f->ins;
    const void *val;
    size_t len;
    c360_persist_writer_reset(&f->w);
    c360_persist_str(&f->w, ins->cfg.currency);
    c360_persist_u64(&f->w, (uint64_t)ins->cfg.visit_days_max);
    c360_persist_i64(&f->w, ins->watermark);
    c360_persist_u64(&f->w, ins->visits_evicted);
    enum c360_err err = c360_persist_value(&f->w, &val, &len);
    if (err)
        return err;
    return c360_persist_put(f->sink, C360_DB_META, META_KEY, strlen(META_KEY), val, len);
}

enum c360_err c360_insights_persist(const struct c360_insights *ins,
                                    const struct c360_persist_sink *sink)
{
    enum c360_err err;
    struct flush *f = calloc(1, sizeof(*f));
    if (!f)
        return C360_ERR_NOMEM;
    f->ins = ins;
    f->sink = sink;
    c360_persist_writer_init(&f->w, VALUE_MAX);
    if (!(f->local = calloc(C360_INSIGHTS_SUBJECTS_MAX, sizeof(*f->local)))) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    if ((err = c360_insights_pool_each_dirty(&ins->subjects, flush_subject, f)) ||
        (err = c360_insights_pool_each_dirty(&ins->accounts, flush_account, f)) ||
        (err = c360_insights_pool_each_dirty(&ins->externals, flush_external, f)) ||
        (err = c360_insights_pool_each_dirty(&ins->parties, flush_party, f)))
        goto fail;
    if (ins->meta_dirty)
        err = flush_meta(f);
fail:
    free(f->local);
    c360_persist_writer_free(&f->w);
    free(f);
    return err;
}

void c360_insights_persisted(struct c360_insights *ins)
{
    c360_insights_pool_flushed(&ins->subjects, NULL);
    c360_insights_pool_flushed(&ins->accounts, NULL);
    c360_insights_pool_flushed(&ins->externals, NULL);
    c360_insights_pool_flushed(&ins->parties, party_written);
    ins->meta_dirty = false;
}

static enum c360_err restore_meta(struct c360_insights *ins, struct c360_persist_reader *r,
                                  struct c360_diag *diag)
{
    enum c360_err err;
    char currency[sizeof(ins->cfg.currency)];
    const char *cur = c360_persist_get_str(r, currency, sizeof(currency));
    uint64_t days = c360_persist_get_u64(r);
    int64_t watermark = c360_persist_get_i64(r);
    uint64_t evicted = c360_persist_get_u64(r);
    if ((err = c360_persist_reader_end(r, "insights meta", diag)))
        return err;
    if (!cur || strcmp(cur, ins->cfg.currency) != 0 || days != (uint64_t)ins->cfg.visit_days_max)
        return c360_diag_fail(diag, C360_ERR_INVALID, "currency",
                              "the state was stored with another currency or visit retention");
    if (watermark != INT32_MIN && (watermark < INT32_MIN || watermark > INT32_MAX ||
                                   !c360_insights_day_ok((int32_t)watermark)))
        return c360_diag_fail(diag, C360_ERR_INVALID, "watermark", "is not a date");
    ins->watermark = (int32_t)watermark;
    ins->visits_evicted = evicted;
    ins->meta_restored = true;
    return C360_OK;
}

static enum c360_err restore_party(struct c360_insights *ins, const char *id,
                                   struct c360_persist_reader *r, struct c360_diag *diag)
{
    uint32_t p;
    enum c360_err err = c360_insights_party_get(ins, id, &p, diag);
    if (err || (err = c360_insights_visits_restore(ins, p, r, diag)))
        return err;
    *c360_insights_pool_marks(&ins->parties, p) = C360_INSIGHTS_MARK_STORED;
    return C360_OK;
}

static enum c360_err restore_subject(struct c360_insights *ins, const char *name,
                                     struct c360_persist_reader *r, struct c360_diag *diag)
{
    uint16_t s;
    enum c360_err err = c360_persist_reader_end(r, "subject", diag);
    if (err || (err = c360_insights_subject_intern(ins, name, &s, diag)))
        return err;
    *c360_insights_pool_marks(&ins->subjects, s) = C360_INSIGHTS_MARK_STORED;
    return C360_OK;
}

enum c360_err c360_insights_restore(struct c360_insights *ins, enum c360_persist_db db,
                                    const void *key, size_t key_len, const void *val,
                                    size_t val_len, struct c360_diag *diag)
{
    enum c360_err err;
    struct c360_persist_reader r;
    char id[KEY_MAX + 1];
    if (db == C360_DB_META && (key_len != strlen(META_KEY) || memcmp(key, META_KEY, key_len) != 0))
        return C360_OK; /* another module's */
    if (db != C360_DB_META && db != C360_DB_INSIGHTS)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a %s item is not an insights item",
                              c360_persist_db_name(db));
    if (key_len > KEY_MAX || memchr(key, '\0', key_len))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a key of %zu bytes is corrupt",
                              key_len);
    memcpy(id, key, key_len);
    id[key_len] = '\0';
    if ((err = c360_persist_reader_init(&r, val, val_len, diag)))
        goto fail;
    if (db == C360_DB_META) {
        err = restore_meta(ins, &r, diag);
    } else if (key_len < 3 || id[1] != ':') {
        err = c360_diag_fail(diag, C360_ERR_INVALID, NULL, "not an insights key");
    } else {
        switch (id[0]) {
        case 'a':
            err = c360_insights_account_restore(ins, id + 2, &r, diag);
            break;
        case 'x':
            err = c360_insights_external_restore(ins, id + 2, &r, diag);
            break;
        case 'p':
            err = restore_party(ins, id + 2, &r, diag);
            break;
        case 's':
            err = restore_subject(ins, id + 2, &r, diag);
            break;
        default:
            err = c360_diag_fail(diag, C360_ERR_INVALID, NULL, "not an insights key");
            break;
        }
    }
    /* Parties made on the way are no change to report. */
    ins->n_touched = 0;
    if (err)
        goto fail;
    return C360_OK;
fail:
    c360_diag_at(diag, id, 0);
    return err;
}

enum c360_err c360_insights_restore_end(struct c360_insights *ins, struct c360_diag *diag)
{
    enum c360_err err;
    if (!ins->meta_restored &&
        (ins->accounts.live || ins->externals.live || ins->parties.live || ins->subjects.live))
        return c360_diag_fail(diag, C360_ERR_INVALID, META_KEY, "items without the meta item");
    if (ins->accounts.live && ins->watermark == INT32_MIN)
        return c360_diag_fail(diag, C360_ERR_INVALID, "watermark", "accounts without a date");
    for (uint32_t i = 0; i < ins->accounts.n; i++) {
        struct c360_insights_account *acct = c360_insights_account_at(ins, i);
        char key[KEY_MAX + 1];
        if (acct->key && (err = c360_insights_balance_settle(
                              acct, ins->watermark - C360_INSIGHTS_WINDOW_DAYS, diag))) {
            snprintf(key, sizeof(key), "a:%s", acct->key);
            c360_diag_at(diag, key, 0);
            return err;
        }
    }
    for (uint32_t i = 0; i < ins->subjects.n; i++) {
        if (!(*c360_insights_pool_marks(&ins->subjects, i) & C360_INSIGHTS_MARK_STORED))
            return c360_diag_fail(diag, C360_ERR_INVALID, "subject",
                                  "\"%s\" is named by an owner key but has no item",
                                  *(char **)c360_insights_pool_at(&ins->subjects, i));
    }
    /* Restoring marked nothing dirty: from here on the lists say it all. */
    ins->subjects.dirty_all = ins->accounts.dirty_all = false;
    ins->externals.dirty_all = ins->parties.dirty_all = false;
    ins->n_touched = 0;
    return C360_OK;
}
