/*
 * c360 insights — the state object: its pools and owner keys ("parties"),
 * dispatch of records to the account, external-account and web parts,
 * pruning, and the byte count.
 *
 * A party that ends up owning nothing is freed at the start of the next
 * change, not at once, so the keys reported as touched stay readable until
 * then.
 */
#include "insights_int.h"

#include "c360/money.h"
#include "c360/time.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

uint32_t c360_insights_party_find(const struct c360_insights *ins, const char *key)
{
    return c360_insights_index_get(&ins->by_party, key, &ins->parties);
}

void c360_insights_touch(struct c360_insights *ins, uint32_t party)
{
    for (uint32_t i = 0; i < ins->n_touched; i++) {
        if (ins->touched[i] == party)
            return;
    }
    /* Room by construction: an account's old and new owners, or two parties. */
    if (ins->n_touched < sizeof(ins->touched) / sizeof(ins->touched[0]))
        ins->touched[ins->n_touched++] = party;
}

enum c360_err c360_insights_party_get(struct c360_insights *ins, const char *key, uint32_t *out,
                                      struct c360_diag *diag)
{
    enum c360_err err;
    uint32_t i = c360_insights_party_find(ins, key);
    if (i != C360_INSIGHTS_NONE) {
        *out = i;
        return C360_OK;
    }
    size_t len = strnlen(key, C360_RECORD_STRING_MAX + 1);
    if (len == 0 || len > C360_RECORD_STRING_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "globalPartyId",
                              "an owner key must have 1 to %d bytes", C360_RECORD_STRING_MAX);
    err = c360_insights_pool_take(&ins->parties, ins->cfg.parties_max, &i);
    if (err == C360_ERR_LIMIT)
        return c360_diag_fail(diag, err, "globalPartyId", "cannot hold more than %zu owner keys",
                              ins->cfg.parties_max);
    if (err)
        return err;
    struct c360_insights_party *party = c360_insights_party_at(ins, i);
    if (!(party->key = malloc(len + 1))) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    memcpy(party->key, key, len + 1);
    if ((err = c360_insights_index_put(&ins->by_party, party->key, i, &ins->parties)))
        goto fail;
    /* Touched, so that it is freed again if the change leaves it empty. */
    c360_insights_touch(ins, i);
    *out = i;
    return C360_OK;
fail:
    free(party->key);
    c360_insights_pool_give(&ins->parties, i);
    return err;
}

enum c360_err c360_insights_party_reserve(struct c360_insights *ins, uint32_t i,
                                          struct c360_diag *diag)
{
    struct c360_insights_party *party = c360_insights_party_at(ins, i);
    if (party->n_refs < party->cap_refs)
        return C360_OK;
    if (party->n_refs >= C360_INSIGHTS_OWNER_REFS_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "globalPartyId",
                              "an owner key holds at most %d accounts",
                              C360_INSIGHTS_OWNER_REFS_MAX);
    if (party->cap_refs < C360_INSIGHTS_REFS_INLINE) {
        party->cap_refs = C360_INSIGHTS_REFS_INLINE;
        return C360_OK;
    }
    unsigned cap = party->cap_refs * 2u;
    if (cap > C360_INSIGHTS_OWNER_REFS_MAX)
        cap = C360_INSIGHTS_OWNER_REFS_MAX;
    bool inline_refs = party->cap_refs <= C360_INSIGHTS_REFS_INLINE;
    uint32_t *refs = realloc(inline_refs ? NULL : party->refs.out, cap * sizeof(*refs));
    if (!refs)
        return C360_ERR_NOMEM;
    if (inline_refs)
        memcpy(refs, party->refs.in, party->n_refs * sizeof(*refs));
    party->refs.out = refs;
    party->cap_refs = (uint16_t)cap;
    return C360_OK;
}

void c360_insights_party_ref_add(struct c360_insights *ins, uint32_t i, uint32_t ref)
{
    struct c360_insights_party *party = c360_insights_party_at(ins, i);
    c360_insights_party_refs(party)[party->n_refs++] = ref; /* reserved */
}

void c360_insights_party_ref_del(struct c360_insights *ins, uint32_t i, uint32_t ref)
{
    struct c360_insights_party *party = c360_insights_party_at(ins, i);
    uint32_t *refs = c360_insights_party_refs(party);
    for (uint16_t k = 0; k < party->n_refs; k++) {
        if (refs[k] == ref) {
            refs[k] = refs[--party->n_refs];
            return;
        }
    }
}

static void party_refs_free(struct c360_insights_party *party)
{
    if (party->cap_refs > C360_INSIGHTS_REFS_INLINE)
        free(party->refs.out);
}

static void party_free_if_empty(struct c360_insights *ins, uint32_t i)
{
    struct c360_insights_party *party = c360_insights_party_at(ins, i);
    if (!c360_insights_pool_live(&ins->parties, i) || party->n_refs || party->n_visits)
        return;
    c360_insights_index_del(&ins->by_party, party->key, &ins->parties);
    party_refs_free(party);
    c360_insights_party_visits_free(party);
    c360_insights_pool_drop(&ins->parties, i);
}

/* Ends the previous change: frees the parties it left empty. */
static void flush_touched(struct c360_insights *ins)
{
    for (uint32_t i = 0; i < ins->n_touched; i++)
        party_free_if_empty(ins, ins->touched[i]);
    ins->n_touched = 0;
}

enum c360_err c360_insights_new(const struct c360_insights_config *cfg, struct c360_insights **out,
                                struct c360_diag *diag)
{
    enum c360_err err;
    if ((err = c360_money_check_currency(cfg->currency, diag)))
        return err;
    if (cfg->visit_days_max < 0 || cfg->visit_days_max > C360_INSIGHTS_VISIT_DAYS_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "visit_days_max", "must be 0 to %d",
                              C360_INSIGHTS_VISIT_DAYS_MAX);
    struct c360_insights *ins = calloc(1, sizeof(*ins));
    if (!ins)
        return C360_ERR_NOMEM;
    ins->cfg = *cfg;
    ins->watermark = INT32_MIN;
    c360_insights_pool_init(&ins->parties, sizeof(struct c360_insights_party),
                            offsetof(struct c360_insights_party, refs));
    c360_insights_pool_init(&ins->accounts, sizeof(struct c360_insights_account),
                            offsetof(struct c360_insights_account, owner));
    c360_insights_pool_init(&ins->externals, sizeof(struct c360_insights_external),
                            offsetof(struct c360_insights_external, owner));
    c360_insights_pool_init(&ins->subjects, sizeof(char *), 0);
    *out = ins;
    return C360_OK;
}

void c360_insights_destroy(struct c360_insights *ins)
{
    if (!ins)
        return;
    /* Tombstones hold their key only; free slots nothing. */
    for (uint32_t i = 0; i < ins->parties.n; i++) {
        struct c360_insights_party *party = c360_insights_party_at(ins, i);
        free(party->key);
        party_refs_free(party);
        c360_insights_party_visits_free(party);
    }
    for (uint32_t i = 0; i < ins->accounts.n; i++)
        c360_insights_account_free(c360_insights_account_at(ins, i));
    for (uint32_t i = 0; i < ins->externals.n; i++)
        free(c360_insights_external_at(ins, i)->key);
    for (uint32_t i = 0; i < ins->subjects.n; i++)
        free(*(char **)c360_insights_pool_at(&ins->subjects, i));
    c360_insights_pool_free(&ins->subjects);
    c360_insights_pool_free(&ins->parties);
    c360_insights_pool_free(&ins->accounts);
    c360_insights_pool_free(&ins->externals);
    c360_insights_index_free(&ins->by_party);
    c360_insights_index_free(&ins->by_account);
    c360_insights_index_free(&ins->by_external);
    c360_insights_index_free(&ins->by_subject);
    free(ins);
}

/* c360_date_of's floor division, as a constant expression: day_ok is asked
 * once per record and per query. */
#define DAY_OF(ms) ((ms) / C360_MS_PER_DAY - ((ms) % C360_MS_PER_DAY < 0))

bool c360_insights_day_ok(int32_t day)
{
    return day >= DAY_OF(C360_TIME_MIN_MS) && day <= DAY_OF(C360_TIME_MAX_MS);
}

/* Moves the pruning day forward only: a today behind one already seen must
 * not bring pruned history back into question. */
static void advance(struct c360_insights *ins, int32_t today)
{
    if (today > ins->watermark) {
        ins->watermark = today;
        ins->meta_dirty = true;
    }
}

enum c360_err c360_insights_apply(struct c360_insights *ins, const struct c360_record *rec,
                                  const char *owner_key, int32_t today,
                                  struct c360_insights_touched *touched, struct c360_diag *diag)
{
    enum c360_err err;
    flush_touched(ins);
    if (touched)
        *touched = (struct c360_insights_touched){ins->touched_keys, 0, false};
    if (!c360_insights_day_ok(today))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "today (%ld) is not a date",
                              (long)today);
    if (rec->change != C360_CHANGE_UPSERT && rec->change != C360_CHANGE_DELETE)
        return c360_diag_fail(diag, C360_ERR_INVALID, "changeType", "must be UPSERT or DELETE");
    if (c360_time_check(rec->occurred_at, NULL))
        return c360_diag_fail(diag, C360_ERR_INVALID, "occurredAt", "is missing or out of range");
    advance(ins, today);
    /* Only account events tell when they restate what is held. */
    ins->changed =
        rec->entity != C360_ENTITY_FINANCIAL_ACCOUNT || rec->change == C360_CHANGE_DELETE;
    switch (rec->entity) {
    case C360_ENTITY_FINANCIAL_ACCOUNT:
        err = c360_insights_apply_account(ins, rec, diag);
        break;
    case C360_ENTITY_EXTERNAL_ACCOUNT:
        err = c360_insights_apply_external(ins, rec, diag);
        break;
    case C360_ENTITY_WEB_ENGAGEMENT:
        err = c360_insights_apply_web(ins, rec, owner_key, diag);
        break;
    case C360_ENTITY_FINANCIAL_TRANSACTION:
        err = C360_OK; /* runningBalance has no instant: see insights.h */
        break;
    default:
        err = c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a %s record is not an insights input",
                             c360_entity_name(rec->entity));
        break;
    }
    if (err)
        return err;
    for (uint32_t i = 0; i < ins->n_touched; i++)
        ins->touched_keys[i] = c360_insights_party_at(ins, ins->touched[i])->key;
    if (touched) {
        touched->count = ins->n_touched;
        touched->changed = ins->changed;
    }
    return C360_OK;
}

void c360_insights_prune(struct c360_insights *ins, int32_t today)
{
    flush_touched(ins);
    if (!c360_insights_day_ok(today))
        return;
    advance(ins, today);
    /* Only what a prune changes is marked for the store: an account whose
     * history folded, an owner key whose visits went. */
    for (uint32_t i = 0; i < ins->accounts.n; i++) {
        if (c360_insights_pool_live(&ins->accounts, i) &&
            c360_insights_balance_prune(c360_insights_account_at(ins, i),
                                        ins->watermark - C360_INSIGHTS_WINDOW_DAYS))
            c360_insights_pool_mark(&ins->accounts, i);
    }
    for (uint32_t i = 0; i < ins->parties.n; i++) {
        struct c360_insights_party *party = c360_insights_party_at(ins, i);
        if (!c360_insights_pool_live(&ins->parties, i) || !party->n_visits)
            continue;
        c360_insights_visits_prune(ins, i);
        party_free_if_empty(ins, i);
    }
}

static size_t key_bytes(const char *key)
{
    return key ? strlen(key) + 1 : 0;
}

size_t c360_insights_bytes(const struct c360_insights *ins)
{
    size_t bytes = sizeof(*ins);
    bytes += c360_insights_pool_bytes(&ins->parties) + c360_insights_pool_bytes(&ins->accounts) +
             c360_insights_pool_bytes(&ins->externals) + c360_insights_pool_bytes(&ins->subjects);
    bytes += ((size_t)ins->by_party.size + ins->by_account.size + ins->by_external.size +
              ins->by_subject.size) *
             sizeof(struct c360_insights_slot);
    for (uint32_t i = 0; i < ins->subjects.n; i++)
        bytes += key_bytes(*(char **)c360_insights_pool_at(&ins->subjects, i));
    for (uint32_t i = 0; i < ins->parties.n; i++) {
        const struct c360_insights_party *party = c360_insights_party_at(ins, i);
        bytes += key_bytes(party->key);
        if (party->cap_refs > C360_INSIGHTS_REFS_INLINE)
            bytes += party->cap_refs * sizeof(*party->refs.out);
        bytes += party->cap_visits * sizeof(*party->visits);
        for (uint8_t v = 0; v < party->n_visits; v++)
            bytes += party->visits[v].cap_ev * sizeof(*party->visits[v].ev);
    }
    for (uint32_t i = 0; i < ins->accounts.n; i++) {
        const struct c360_insights_account *acct = c360_insights_account_at(ins, i);
        bytes += key_bytes(acct->key) + c360_insights_balance_bytes(acct);
    }
    for (uint32_t i = 0; i < ins->externals.n; i++)
        bytes += key_bytes(c360_insights_external_at(ins, i)->key);
    return bytes;
}

void c360_insights_stats(const struct c360_insights *ins, struct c360_insights_stats *out)
{
    *out = (struct c360_insights_stats){
        .accounts = ins->accounts.live,
        .externals = ins->externals.live,
        .visits_evicted = ins->visits_evicted,
    };
    for (uint32_t i = 0; i < ins->parties.n; i++) {
        const struct c360_insights_party *party = c360_insights_party_at(ins, i);
        /* Keys left empty by the last change wait for the next one to be
         * freed: not counted, so that the count is what a restore gives. */
        if (party->n_refs || party->n_visits)
            out->parties++;
        out->visits += party->n_visits;
        for (uint8_t v = 0; v < party->n_visits; v++)
            out->engagements += party->visits[v].n_ev;
    }
    for (uint32_t i = 0; i < ins->accounts.n; i++)
        out->balances += c360_insights_account_at(ins, i)->n_bal;
}
