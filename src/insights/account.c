/*
 * c360 insights — internal and external accounts (DESIGN.md §3, §5): the
 * latest event of an account gives its fields and owners, every event with a
 * balance gives an observation, a DELETE removes the account.
 *
 * Each change first does everything that can fail (owner keys, room in their
 * lists, the account's slot and key, room for the observation), then commits
 * with steps that cannot fail, so an error leaves the state as it was.
 */
#include "insights_int.h"

#include "c360/time.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void c360_insights_account_free(struct c360_insights_account *acct)
{
    free(acct->key);
    free(acct->bal);
}

static bool owns(const struct c360_insights_account *acct, uint32_t party)
{
    if (acct->owner == party)
        return true;
    const uint32_t *joint = c360_insights_account_joint(acct);
    for (uint8_t k = 0; k < acct->n_joint; k++) {
        if (joint[k] == party)
            return true;
    }
    return false;
}

static bool listed(const uint32_t *owners, uint8_t n, uint32_t party)
{
    for (uint8_t k = 0; k < n; k++) {
        if (owners[k] == party)
            return true;
    }
    return false;
}

/* Whether an event gives acct the fields and owners it has: a newer event
 * that only restates them changes no answer. */
static bool restates(const struct c360_insights_account *acct,
                     const struct c360_financial_account *fa, const uint32_t *owners,
                     uint8_t n_owners)
{
    if (acct->type != fa->account_type || acct->status != fa->status ||
        acct->opened != fa->opened_date || acct->closed != fa->closed_date ||
        acct->owner != owners[0] || acct->n_joint != n_owners - 1)
        return false;
    const uint32_t *joint = c360_insights_account_joint(acct);
    for (uint8_t k = 0; k < acct->n_joint; k++) {
        if (joint[k] != owners[k + 1])
            return false;
    }
    return true;
}

/* A copy of an id for the state to own: ids come from validated records,
 * which cap strings at C360_RECORD_STRING_MAX. */
static enum c360_err copy_id(const char *id, const char *field, char **out, struct c360_diag *diag)
{
    size_t len = id ? strnlen(id, C360_RECORD_STRING_MAX + 1) : 0;
    if (len == 0 || len > C360_RECORD_STRING_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "must have 1 to %d bytes",
                              C360_RECORD_STRING_MAX);
    if (!(*out = malloc(len + 1)))
        return C360_ERR_NOMEM;
    memcpy(*out, id, len + 1);
    return C360_OK;
}

/* Enumerations index the summary's arrays, so only their values pass. */
static enum c360_err check_kind(enum c360_account_type type, enum c360_account_status status,
                                struct c360_diag *diag)
{
    if (type <= C360_ACCOUNT_TYPE_NONE || type > C360_ACCOUNT_OTHER)
        return c360_diag_fail(diag, C360_ERR_INVALID, "accountType", "is missing or unknown");
    if (status <= C360_STATUS_NONE || status > C360_STATUS_PENDING)
        return c360_diag_fail(diag, C360_ERR_INVALID, "status", "is missing or unknown");
    return C360_OK;
}

static void account_remove(struct c360_insights *ins, uint32_t i)
{
    struct c360_insights_account *acct = c360_insights_account_at(ins, i);
    c360_insights_touch(ins, acct->owner);
    c360_insights_party_ref_del(ins, acct->owner, i);
    const uint32_t *joint = c360_insights_account_joint(acct);
    for (uint8_t k = 0; k < acct->n_joint; k++) {
        c360_insights_touch(ins, joint[k]);
        c360_insights_party_ref_del(ins, joint[k], i);
    }
    c360_insights_index_del(&ins->by_account, acct->key, &ins->accounts);
    free(acct->bal);
    c360_insights_pool_drop(&ins->accounts, i); /* the key too, unless stored */
}

/* The event's owners as parties: primary first, each once. */
static enum c360_err event_owners(struct c360_insights *ins, const struct c360_record *rec,
                                  uint32_t *owners, uint8_t *n, struct c360_diag *diag)
{
    enum c360_err err;
    const struct c360_strs *joint = &rec->as.account.joint_owner_ids;
    if (joint->count > C360_INSIGHTS_JOINT_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "jointOwnerIds", "more than %d",
                              C360_INSIGHTS_JOINT_MAX);
    if ((err = c360_insights_party_get(ins, rec->global_party_id, &owners[0], diag)))
        return err;
    *n = 1;
    for (uint16_t k = 0; k < joint->count; k++) {
        uint32_t party;
        if (!joint->items[k] || !*joint->items[k])
            continue;
        if ((err = c360_insights_party_get(ins, joint->items[k], &party, diag)))
            return err;
        if (!listed(owners, *n, party))
            owners[(*n)++] = party;
    }
    return C360_OK;
}

enum c360_err c360_insights_apply_account(struct c360_insights *ins, const struct c360_record *rec,
                                          struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    const struct c360_financial_account *fa = &rec->as.account;
    uint32_t owners[1 + C360_INSIGHTS_JOINT_MAX];
    uint8_t n_owners = 0;
    void *joint_block = NULL;
    bool created = false, indexed = false, changed;
    if (!fa->global_account_id || !*fa->global_account_id)
        return c360_diag_fail(diag, C360_ERR_INVALID, "globalAccountId", "is missing");
    uint32_t i = c360_insights_index_get(&ins->by_account, fa->global_account_id, &ins->accounts);
    if (rec->change == C360_CHANGE_DELETE) {
        if (i != C360_INSIGHTS_NONE)
            account_remove(ins, i);
        return C360_OK;
    }
    if (!rec->global_party_id || !*rec->global_party_id)
        return c360_diag_fail(diag, C360_ERR_INVALID, "globalPartyId", "is missing");
    if ((err = check_kind(fa->account_type, fa->status, diag)))
        return err;
    if ((fa->opened_date != C360_DATE_NONE && !c360_insights_day_ok(fa->opened_date)) ||
        (fa->closed_date != C360_DATE_NONE && !c360_insights_day_ok(fa->closed_date)))
        return c360_diag_fail(diag, C360_ERR_INVALID, "openedDate", "or closedDate is no date");
    bool has_obs = fa->balance.currency[0] != '\0' && fa->balance_as_of != C360_TIME_NONE;
    if (has_obs && c360_time_check(fa->balance_as_of, NULL))
        return c360_diag_fail(diag, C360_ERR_INVALID, "balanceAsOf", "is out of range");
    bool home = has_obs && strcmp(fa->balance.currency, ins->cfg.currency) == 0;
    /* At equal occurredAt the later arrival wins: replays stay deterministic. */
    bool newer = i == C360_INSIGHTS_NONE ||
                 rec->occurred_at >= c360_insights_account_at(ins, i)->occurred_at;

    if (newer) {
        if ((err = event_owners(ins, rec, owners, &n_owners, diag)))
            goto fail;
        for (uint8_t k = 0; k < n_owners; k++) {
            if (i != C360_INSIGHTS_NONE && owns(c360_insights_account_at(ins, i), owners[k]))
                continue;
            if ((err = c360_insights_party_reserve(ins, owners[k], diag)))
                goto fail;
        }
    }
    if (i == C360_INSIGHTS_NONE) {
        err = c360_insights_pool_take(&ins->accounts, ins->cfg.accounts_max, &i);
        if (err == C360_ERR_LIMIT)
            err = c360_diag_fail(diag, err, "globalAccountId", "cannot hold more than %zu accounts",
                                 ins->cfg.accounts_max);
        if (err)
            goto fail;
        created = true;
        struct c360_insights_account *acct = c360_insights_account_at(ins, i);
        acct->owner = C360_INSIGHTS_NONE;
        acct->opened = acct->closed = C360_DATE_NONE;
        acct->base_day = ins->watermark - C360_INSIGHTS_WINDOW_DAYS;
        if ((err = copy_id(fa->global_account_id, "globalAccountId", &acct->key, diag)) ||
            (err = c360_insights_index_put(&ins->by_account, acct->key, i, &ins->accounts)))
            goto fail;
        indexed = true;
    }
    struct c360_insights_account *acct = c360_insights_account_at(ins, i);
    /* Folded history stays folded if what follows fails: marked now. */
    if (c360_insights_balance_rebase(acct, ins->watermark - C360_INSIGHTS_WINDOW_DAYS))
        c360_insights_pool_mark(&ins->accounts, i);
    if (home &&
        (err = c360_insights_balance_reserve(acct, fa->balance_as_of, fa->balance.minor, diag)))
        goto fail;
    if (newer && (err = c360_insights_joint_reserve(acct, (uint8_t)(n_owners - 1), &joint_block)))
        goto fail;

    /* Whether any answer may change, before the commit changes acct (a new
     * one has no owner yet, so it restates nothing). */
    ins->changed |=
        (newer && !restates(acct, fa, owners, n_owners)) ||
        (home && c360_insights_balance_moves(acct, fa->balance_as_of, fa->balance.minor)) ||
        (!home && has_obs && !(acct->flags & C360_INSIGHTS_FOREIGN));

    /* Commit: nothing below fails. */
    changed = newer;
    if (home) {
        changed |= c360_insights_balance_add(acct, fa->balance_as_of, fa->balance.minor);
    } else if (has_obs && !(acct->flags & C360_INSIGHTS_FOREIGN)) {
        acct->flags |= C360_INSIGHTS_FOREIGN;
        changed = true;
    }
    if (changed)
        c360_insights_pool_mark(&ins->accounts, i);
    if (acct->owner != C360_INSIGHTS_NONE)
        c360_insights_touch(ins, acct->owner);
    const uint32_t *joint = c360_insights_account_joint(acct);
    for (uint8_t k = 0; k < acct->n_joint; k++)
        c360_insights_touch(ins, joint[k]);
    if (!newer)
        return C360_OK;
    for (uint8_t k = 0; k < n_owners; k++) {
        if (!owns(acct, owners[k]))
            c360_insights_party_ref_add(ins, owners[k], i);
        c360_insights_touch(ins, owners[k]);
    }
    if (acct->owner != C360_INSIGHTS_NONE && !listed(owners, n_owners, acct->owner))
        c360_insights_party_ref_del(ins, acct->owner, i);
    for (uint8_t k = 0; k < acct->n_joint; k++) {
        if (!listed(owners, n_owners, joint[k]))
            c360_insights_party_ref_del(ins, joint[k], i);
    }
    c360_insights_joint_set(acct, owners + 1, (uint8_t)(n_owners - 1), joint_block);
    acct->owner = owners[0];
    acct->occurred_at = rec->occurred_at;
    acct->type = (uint8_t)fa->account_type;
    acct->status = (uint8_t)fa->status;
    acct->opened = fa->opened_date;
    acct->closed = fa->closed_date;
    return C360_OK;
fail:
    free(joint_block);
    if (created) {
        struct c360_insights_account *gone = c360_insights_account_at(ins, i);
        if (indexed)
            c360_insights_index_del(&ins->by_account, gone->key, &ins->accounts);
        c360_insights_account_free(gone);
        c360_insights_pool_give(&ins->accounts, i);
    }
    return err;
}

static void external_remove(struct c360_insights *ins, uint32_t i)
{
    struct c360_insights_external *ext = c360_insights_external_at(ins, i);
    c360_insights_touch(ins, ext->owner);
    c360_insights_party_ref_del(ins, ext->owner, i | C360_INSIGHTS_EXT_BIT);
    c360_insights_index_del(&ins->by_external, ext->key, &ins->externals);
    c360_insights_pool_drop(&ins->externals, i); /* the key too, unless stored */
}

enum c360_err c360_insights_apply_external(struct c360_insights *ins, const struct c360_record *rec,
                                           struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    const struct c360_external_account *x = &rec->as.external;
    bool created = false, indexed = false;
    uint32_t party;
    if (!x->external_account_id || !*x->external_account_id)
        return c360_diag_fail(diag, C360_ERR_INVALID, "externalAccountId", "is missing");
    uint32_t i =
        c360_insights_index_get(&ins->by_external, x->external_account_id, &ins->externals);
    if (rec->change == C360_CHANGE_DELETE) {
        if (i != C360_INSIGHTS_NONE)
            external_remove(ins, i);
        return C360_OK;
    }
    if (!rec->global_party_id || !*rec->global_party_id)
        return c360_diag_fail(diag, C360_ERR_INVALID, "globalPartyId", "is missing");
    if ((err = check_kind(x->account_type, x->status, diag)))
        return err;
    if (i != C360_INSIGHTS_NONE) {
        /* The latest record is the one with the greatest asOf (the ADB's
         * own date), then occurredAt; at equal both, the later arrival. An
         * absent asOf (C360_TIME_NONE) is older than any. */
        const struct c360_insights_external *ext = c360_insights_external_at(ins, i);
        if (x->as_of < ext->as_of ||
            (x->as_of == ext->as_of && rec->occurred_at < ext->occurred_at))
            return C360_OK;
    }
    if ((err = c360_insights_party_get(ins, rec->global_party_id, &party, diag)))
        goto fail;
    if ((i == C360_INSIGHTS_NONE || c360_insights_external_at(ins, i)->owner != party) &&
        (err = c360_insights_party_reserve(ins, party, diag)))
        goto fail;
    if (i == C360_INSIGHTS_NONE) {
        err = c360_insights_pool_take(&ins->externals, ins->cfg.externals_max, &i);
        if (err == C360_ERR_LIMIT)
            err = c360_diag_fail(diag, err, "externalAccountId",
                                 "cannot hold more than %zu external accounts",
                                 ins->cfg.externals_max);
        if (err)
            goto fail;
        created = true;
        struct c360_insights_external *ext = c360_insights_external_at(ins, i);
        ext->owner = C360_INSIGHTS_NONE;
        if ((err = copy_id(x->external_account_id, "externalAccountId", &ext->key, diag)) ||
            (err = c360_insights_index_put(&ins->by_external, ext->key, i, &ins->externals)))
            goto fail;
        indexed = true;
    }

    /* Commit: nothing below fails. */
    struct c360_insights_external *ext = c360_insights_external_at(ins, i);
    uint32_t ref = i | C360_INSIGHTS_EXT_BIT;
    if (ext->owner != party) {
        if (ext->owner != C360_INSIGHTS_NONE) {
            c360_insights_touch(ins, ext->owner);
            c360_insights_party_ref_del(ins, ext->owner, ref);
        }
        c360_insights_party_ref_add(ins, party, ref);
        ext->owner = party;
    }
    c360_insights_touch(ins, party);
    ext->as_of = x->as_of;
    ext->occurred_at = rec->occurred_at;
    ext->adb = x->average_daily_balance.minor;
    ext->foreign = strcmp(x->average_daily_balance.currency, ins->cfg.currency) != 0;
    ext->type = (uint8_t)x->account_type;
    ext->status = (uint8_t)x->status;
    c360_insights_pool_mark(&ins->externals, i);
    return C360_OK;
fail:
    if (created) {
        struct c360_insights_external *gone = c360_insights_external_at(ins, i);
        if (indexed)
            c360_insights_index_del(&ins->by_external, gone->key, &ins->externals);
        free(gone->key);
        c360_insights_pool_give(&ins->externals, i);
    }
    return err;
}

/*
 * Item values (persist.c). An account: its primary owner's and joint
 * owners' keys (not parties' slot numbers, which a restore renumbers), the
 * fields of its latest event, and its observations (balance.c). An external
 * account: its owner's key and the fields of its latest record.
 */
void c360_insights_account_encode(const struct c360_insights *ins,
                                  const struct c360_insights_account *acct,
                                  struct c360_persist_writer *w)
{
    c360_persist_str(w, c360_insights_party_at(ins, acct->owner)->key);
    c360_persist_u64(w, acct->n_joint);
    const uint32_t *joint = c360_insights_account_joint(acct);
    for (uint8_t k = 0; k < acct->n_joint; k++)
        c360_persist_str(w, c360_insights_party_at(ins, joint[k])->key);
    c360_persist_i64(w, acct->occurred_at);
    c360_persist_u64(w, acct->type);
    c360_persist_u64(w, acct->status);
    c360_persist_i64(w, acct->opened);
    c360_persist_i64(w, acct->closed);
    c360_persist_bool(w, acct->flags & C360_INSIGHTS_FOREIGN);
    c360_insights_balance_encode(acct, w);
}

void c360_insights_external_encode(const struct c360_insights *ins,
                                   const struct c360_insights_external *ext,
                                   struct c360_persist_writer *w)
{
    c360_persist_str(w, c360_insights_party_at(ins, ext->owner)->key);
    c360_persist_i64(w, ext->as_of);
    c360_persist_i64(w, ext->occurred_at);
    c360_persist_i64(w, ext->adb);
    c360_persist_u64(w, ext->type);
    c360_persist_u64(w, ext->status);
    c360_persist_bool(w, ext->foreign);
}

/* The party of the next owner key in r (made if absent). */
static enum c360_err owner_read(struct c360_insights *ins, struct c360_persist_reader *r,
                                uint32_t *party, struct c360_diag *diag)
{
    char key[C360_RECORD_STRING_MAX + 1];
    if (!c360_persist_get_str(r, key, sizeof(key)) || !key[0])
        return c360_diag_fail(diag, C360_ERR_INVALID, "globalPartyId",
                              "an owner key is missing or corrupt");
    return c360_insights_party_get(ins, key, party, diag);
}

static bool day_or_none(int64_t day)
{
    return day == C360_DATE_NONE ||
           (day >= INT32_MIN && day <= INT32_MAX && c360_insights_day_ok((int32_t)day));
}

/* A new slot for an item of id, indexed. */
static enum c360_err restore_slot(struct c360_insights_pool *pool, struct c360_insights_index *ix,
                                  size_t max, const char *id, uint32_t *out, struct c360_diag *diag)
{
    enum c360_err err;
    uint32_t i;
    if (c360_insights_index_get(ix, id, pool) != C360_INSIGHTS_NONE)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "stored twice");
    if ((err = c360_insights_pool_take(pool, max, &i)) == C360_ERR_LIMIT)
        return c360_diag_fail(diag, err, NULL, "more items than the configuration holds (%zu)",
                              max);
    if (err)
        return err;
    char **key = c360_insights_pool_at(pool, i);
    if ((err = copy_id(id, "key", key, diag)) || (err = c360_insights_index_put(ix, *key, i, pool)))
        goto fail;
    *c360_insights_pool_marks(pool, i) = C360_INSIGHTS_MARK_STORED;
    *out = i;
    return C360_OK;
fail:
    free(*key);
    c360_insights_pool_give(pool, i);
    return err;
}

enum c360_err c360_insights_account_restore(struct c360_insights *ins, const char *id,
                                            struct c360_persist_reader *r, struct c360_diag *diag)
{
    enum c360_err err;
    uint32_t owners[1 + C360_INSIGHTS_JOINT_MAX], i = C360_INSIGHTS_NONE;
    uint8_t n_owners = 1;
    void *joint_block = NULL;
    /* Owner keys first: parties are made as in apply, and a party left
     * empty by a failure only waits for c360_insights_destroy (a failed
     * restore leaves a state fit for nothing else). */
    if ((err = owner_read(ins, r, &owners[0], diag)))
        goto fail;
    uint64_t n_joint = c360_persist_get_u64(r);
    if (n_joint > C360_INSIGHTS_JOINT_MAX) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "jointOwnerIds", "more than %d",
                             C360_INSIGHTS_JOINT_MAX);
        goto fail;
    }
    for (uint64_t k = 0; k < n_joint; k++) {
        uint32_t party;
        if ((err = owner_read(ins, r, &party, diag)))
            goto fail;
        if (listed(owners, n_owners, party)) {
            err = c360_diag_fail(diag, C360_ERR_INVALID, "jointOwnerIds", "an owner repeats");
            goto fail;
        }
        owners[n_owners++] = party;
    }
    int64_t occurred_at = c360_persist_get_i64(r);
    uint64_t type = c360_persist_get_u64(r), status = c360_persist_get_u64(r);
    int64_t opened = c360_persist_get_i64(r), closed = c360_persist_get_i64(r);
    bool foreign = c360_persist_get_bool(r);
    if ((err = check_kind(
             type > C360_ACCOUNT_OTHER ? C360_ACCOUNT_TYPE_NONE : (enum c360_account_type)type,
             status > C360_STATUS_PENDING ? C360_STATUS_NONE : (enum c360_account_status)status,
             diag)))
        goto fail;
    if (c360_time_check(occurred_at, NULL) || !day_or_none(opened) || !day_or_none(closed)) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "occurredAt",
                             "or openedDate or closedDate is corrupt");
        goto fail;
    }
    for (uint8_t k = 0; k < n_owners; k++) {
        if ((err = c360_insights_party_reserve(ins, owners[k], diag)))
            goto fail;
    }
    if ((err = restore_slot(&ins->accounts, &ins->by_account, ins->cfg.accounts_max, id, &i, diag)))
        goto fail;
    struct c360_insights_account *acct = c360_insights_account_at(ins, i);
    if ((err = c360_insights_balance_decode(acct, r, diag)) ||
        (err = c360_persist_reader_end(r, "account", diag)) ||
        (err = c360_insights_joint_reserve(acct, (uint8_t)(n_owners - 1), &joint_block)))
        goto fail;
    c360_insights_joint_set(acct, owners + 1, (uint8_t)(n_owners - 1), joint_block);
    acct->owner = owners[0];
    acct->occurred_at = occurred_at;
    acct->type = (uint8_t)type;
    acct->status = (uint8_t)status;
    acct->opened = (int32_t)opened;
    acct->closed = (int32_t)closed;
    if (foreign)
        acct->flags |= C360_INSIGHTS_FOREIGN;
    for (uint8_t k = 0; k < n_owners; k++)
        c360_insights_party_ref_add(ins, owners[k], i);
    return C360_OK;
fail:
    free(joint_block);
    if (i != C360_INSIGHTS_NONE) {
        struct c360_insights_account *gone = c360_insights_account_at(ins, i);
        c360_insights_index_del(&ins->by_account, gone->key, &ins->accounts);
        free(gone->bal);
        free(gone->key);
        c360_insights_pool_give(&ins->accounts, i);
    }
    return err;
}

enum c360_err c360_insights_external_restore(struct c360_insights *ins, const char *id,
                                             struct c360_persist_reader *r, struct c360_diag *diag)
{
    enum c360_err err;
    uint32_t party, i;
    if ((err = owner_read(ins, r, &party, diag)))
        return err;
    int64_t as_of = c360_persist_get_i64(r), occurred_at = c360_persist_get_i64(r);
    int64_t adb = c360_persist_get_i64(r);
    uint64_t type = c360_persist_get_u64(r), status = c360_persist_get_u64(r);
    bool foreign = c360_persist_get_bool(r);
    if ((err = c360_persist_reader_end(r, "external account", diag)))
        return err;
    if ((err = check_kind(
             type > C360_ACCOUNT_OTHER ? C360_ACCOUNT_TYPE_NONE : (enum c360_account_type)type,
             status > C360_STATUS_PENDING ? C360_STATUS_NONE : (enum c360_account_status)status,
             diag)))
        return err;
    if (c360_time_check(occurred_at, NULL) ||
        (as_of != C360_TIME_NONE && c360_time_check(as_of, NULL)))
        return c360_diag_fail(diag, C360_ERR_INVALID, "asOf", "or occurredAt is corrupt");
    if ((err = c360_insights_party_reserve(ins, party, diag)) ||
        (err = restore_slot(&ins->externals, &ins->by_external, ins->cfg.externals_max, id, &i,
                            diag)))
        return err;
    struct c360_insights_external *ext = c360_insights_external_at(ins, i);
    ext->owner = party;
    ext->as_of = as_of;
    ext->occurred_at = occurred_at;
    ext->adb = adb;
    ext->type = (uint8_t)type;
    ext->status = (uint8_t)status;
    ext->foreign = foreign;
    c360_insights_party_ref_add(ins, party, i | C360_INSIGHTS_EXT_BIT);
    return C360_OK;
}
