/*
 * c360 record — canonical records: their arena, names and validation.
 */
#include "c360/record.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The first chunk fits a typical record, so reuse never allocates. */
#define ARENA_FIRST_CHUNK (16 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    alignas(max_align_t) char data[];
};

struct c360_record_arena {
    struct arena_chunk *first, *current;
    size_t total; /* bytes handed out since the last reset */
};

static struct arena_chunk *chunk_new(size_t size)
{
    struct arena_chunk *c = malloc(sizeof(*c) + size);
    if (c) {
        c->next = NULL;
        c->size = size;
        c->used = 0;
    }
    return c;
}

static void *arena_alloc(struct c360_record_arena *a, size_t size)
{
    size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (a->total + size > C360_RECORD_ARENA_MAX)
        return NULL;
    struct arena_chunk *c = a->current;
    if (c->size - c->used < size) {
        size_t want = size > ARENA_FIRST_CHUNK ? size : ARENA_FIRST_CHUNK;
        struct arena_chunk *fresh = chunk_new(want);
        if (!fresh)
            return NULL;
        c->next = fresh;
        a->current = c = fresh;
    }
    void *p = c->data + c->used;
    c->used += size;
    a->total += size;
    return p;
}

enum c360_err c360_record_new(enum c360_entity entity, struct c360_record **out)
{
    struct c360_record *rec = calloc(1, sizeof(*rec));
    struct c360_record_arena *arena = calloc(1, sizeof(*arena));
    struct arena_chunk *first = chunk_new(ARENA_FIRST_CHUNK);
    if (!rec || !arena || !first) {
        free(rec);
        free(arena);
        free(first);
        return C360_ERR_NOMEM;
    }
    arena->first = arena->current = first;
    rec->arena = arena;
    c360_record_reset(rec, entity);
    *out = rec;
    return C360_OK;
}

void c360_record_reset(struct c360_record *rec, enum c360_entity entity)
{
    struct c360_record_arena *a = rec->arena;
    struct arena_chunk *c = a->first->next;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->first->next = NULL;
    a->first->used = 0;
    a->current = a->first;
    a->total = 0;

    memset(rec, 0, sizeof(*rec));
    rec->arena = a;
    rec->entity = entity;
    rec->occurred_at = C360_TIME_NONE;
    switch (entity) {
    case C360_ENTITY_INDIVIDUAL:
        rec->as.individual.birth_date = C360_DATE_NONE;
        break;
    case C360_ENTITY_FINANCIAL_ACCOUNT:
        rec->as.account.balance_as_of = C360_TIME_NONE;
        rec->as.account.opened_date = C360_DATE_NONE;
        rec->as.account.closed_date = C360_DATE_NONE;
        break;
    case C360_ENTITY_FINANCIAL_TRANSACTION:
        rec->as.transaction.transaction_date = C360_DATE_NONE;
        break;
    case C360_ENTITY_EXTERNAL_ACCOUNT:
        rec->as.external.as_of = C360_TIME_NONE;
        break;
    case C360_ENTITY_WEB_ENGAGEMENT:
        rec->as.web.duration_seconds = -1;
        break;
    case C360_ENTITY_ORG_ACCOUNT:
    case C360_ENTITY_ORG_CONTACT:
        rec->as.org.commit_timestamp = C360_TIME_NONE;
        break;
    }
}

void c360_record_destroy(struct c360_record *rec)
{
    if (!rec)
        return;
    struct arena_chunk *c = rec->arena->first;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(rec->arena);
    free(rec);
}

enum c360_err c360_record_str(struct c360_record *rec, const char *text, size_t len,
                              const char **out, struct c360_diag *diag)
{
    if (len > C360_RECORD_STRING_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "text of %zu bytes exceeds %d", len,
                              C360_RECORD_STRING_MAX);
    if (memchr(text, '\0', len))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "text contains a NUL character");
    char *copy = arena_alloc(rec->arena, len + 1);
    if (!copy)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "record larger than %d bytes",
                              C360_RECORD_ARENA_MAX);
    memcpy(copy, text, len);
    copy[len] = '\0';
    *out = copy;
    return C360_OK;
}

enum c360_err c360_record_alloc(struct c360_record *rec, size_t n, size_t size, void **out,
                                struct c360_diag *diag)
{
    if (n > C360_RECORD_FIELDS_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "more than %d items",
                              C360_RECORD_FIELDS_MAX);
    void *p = arena_alloc(rec->arena, n * size);
    if (!p)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "record larger than %d bytes",
                              C360_RECORD_ARENA_MAX);
    memset(p, 0, n * size);
    *out = p;
    return C360_OK;
}

enum c360_err c360_record_strs_add(struct c360_record *rec, struct c360_strs *list,
                                   const char *text, size_t len, struct c360_diag *diag)
{
    return c360_record_strs_add_upto(rec, list, C360_RECORD_LIST_MAX, text, len, diag);
}

enum c360_err c360_record_strs_add_upto(struct c360_record *rec, struct c360_strs *list, size_t max,
                                        const char *text, size_t len, struct c360_diag *diag)
{
    enum c360_err err;
    if (list->count >= max)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "more than %zu items", max);
    /* Room grows in powers of two from 8; the old room stays in the arena,
     * which the arena cap bounds. */
    size_t room = 8;
    while (room < list->count)
        room *= 2;
    if (!list->items || list->count == room) {
        size_t want = list->items ? room * 2 : room;
        void *items = NULL;
        if ((err = c360_record_alloc(rec, want, sizeof(char *), &items, diag)))
            return err;
        if (list->count)
            memcpy(items, list->items, list->count * sizeof(char *));
        list->items = items;
    }
    const char *copy;
    if ((err = c360_record_str(rec, text, len, &copy, diag)))
        return err;
    list->items[list->count++] = copy;
    return C360_OK;
}

/* --- Names. Each table is indexed by its enum; NULL marks NONE. */

static const char *const entity_names[] = {
    [C360_ENTITY_INDIVIDUAL] = "individual",
    [C360_ENTITY_FINANCIAL_ACCOUNT] = "financial-account",
    [C360_ENTITY_FINANCIAL_TRANSACTION] = "financial-transaction",
    [C360_ENTITY_EXTERNAL_ACCOUNT] = "external-financial-account",
    [C360_ENTITY_WEB_ENGAGEMENT] = "web-engagement",
    [C360_ENTITY_ORG_ACCOUNT] = "org-account",
    [C360_ENTITY_ORG_CONTACT] = "org-contact",
};
static const char *const change_names[] = {NULL, "UPSERT", "DELETE", "RESYNC"};
static const char *const account_type_names[] = {
    NULL,          "CHECKING", "SAVINGS",  "MONEY_MARKET", "CD",
    "CREDIT_CARD", "LOAN",     "MORTGAGE", "INVESTMENT",   "OTHER",
};
static const char *const status_names[] = {NULL, "OPEN", "CLOSED", "ON_HOLD", "PENDING"};
static const char *const direction_names[] = {NULL, "CREDIT", "DEBIT"};

#define NAME_OF(table, v) ((size_t)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : NULL)

static int name_find(const char *const *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i] && strcmp(table[i], name) == 0)
            return (int)i;
    }
    return -1;
}

#define PARSE_NAME(table, name, out, type)                                                         \
    do {                                                                                           \
        int i_ = name_find(table, sizeof(table) / sizeof(table[0]), name);                         \
        if (i_ < 0)                                                                                \
            return C360_ERR_INVALID;                                                               \
        *(out) = (type)i_;                                                                         \
        return C360_OK;                                                                            \
    } while (0)

const char *c360_entity_name(enum c360_entity entity)
{
    return NAME_OF(entity_names, entity);
}

enum c360_err c360_entity_parse(const char *name, enum c360_entity *out)
{
    PARSE_NAME(entity_names, name, out, enum c360_entity);
}

const char *c360_change_name(enum c360_change change)
{
    return NAME_OF(change_names, change);
}

enum c360_err c360_change_parse(const char *name, enum c360_change *out)
{
    /* Salesforce and Debezium speak of creates and updates; both are upserts here. */
    if (strcmp(name, "CREATE") == 0 || strcmp(name, "UPDATE") == 0) {
        *out = C360_CHANGE_UPSERT;
        return C360_OK;
    }
    if (strcmp(name, "RESYNC") == 0)
        return C360_ERR_INVALID;
    PARSE_NAME(change_names, name, out, enum c360_change);
}

const char *c360_account_type_name(enum c360_account_type type)
{
    return NAME_OF(account_type_names, type);
}

enum c360_err c360_account_type_parse(const char *name, enum c360_account_type *out)
{
    PARSE_NAME(account_type_names, name, out, enum c360_account_type);
}

const char *c360_account_status_name(enum c360_account_status status)
{
    return NAME_OF(status_names, status);
}

enum c360_err c360_account_status_parse(const char *name, enum c360_account_status *out)
{
    PARSE_NAME(status_names, name, out, enum c360_account_status);
}

const char *c360_direction_name(enum c360_direction direction)
{
    return NAME_OF(direction_names, direction);
}

enum c360_err c360_direction_parse(const char *name, enum c360_direction *out)
{
    PARSE_NAME(direction_names, name, out, enum c360_direction);
}

/* --- Validation. */

static enum c360_err need_str(const char *value, const char *field, struct c360_diag *diag)
{
    if (!value || !*value)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "required field is missing");
    return C360_OK;
}

static enum c360_err need(bool present, const char *field, struct c360_diag *diag)
{
    return present ? C360_OK
                   : c360_diag_fail(diag, C360_ERR_INVALID, field, "required field is missing");
}

/* Present money must carry a valid currency; absent money has none. */
static enum c360_err check_money(const struct c360_money *m, const char *field, bool required,
                                 struct c360_diag *diag)
{
    if (!m->currency[0])
        return required ? need(false, field, diag) : C360_OK;
    if (c360_money_check_currency(m->currency, NULL))
        return c360_diag_fail(diag, C360_ERR_INVALID, field,
                              "'%s' is not an ISO 4217 currency code", m->currency);
    return C360_OK;
}

static enum c360_err validate_account(const struct c360_record *rec, bool upsert,
                                      struct c360_diag *diag)
{
    const struct c360_financial_account *a = &rec->as.account;
    enum c360_err err;
    if ((err = need_str(a->global_account_id, "globalAccountId", diag)))
        return err;
    if (!upsert)
        return C360_OK; /* a DELETE names what it deletes, nothing more */
    if ((err = need_str(rec->global_party_id, "globalPartyId", diag)) ||
        (err = need(a->account_type != C360_ACCOUNT_TYPE_NONE, "accountType", diag)) ||
        (err = need(a->status != C360_STATUS_NONE, "status", diag)) ||
        (err = check_money(&a->balance, "balance", false, diag)))
        return err;
    if (a->closed_date != C360_DATE_NONE && a->opened_date != C360_DATE_NONE &&
        a->closed_date < a->opened_date)
        return c360_diag_fail(diag, C360_ERR_INVALID, "closedDate", "is before openedDate");
    return C360_OK;
}

static enum c360_err validate_transaction(const struct c360_record *rec, bool upsert,
                                          struct c360_diag *diag)
{
    const struct c360_financial_transaction *t = &rec->as.transaction;
    enum c360_err err;
    if ((err = need_str(t->global_transaction_id, "globalTransactionId", diag)))
        return err;
    if (!upsert)
        return C360_OK; /* a DELETE names what it deletes, nothing more */
    if ((err = need_str(t->global_account_id, "globalAccountId", diag)) ||
        (err = check_money(&t->amount, "amount", true, diag)) ||
        (err = need(t->direction != C360_DIRECTION_NONE, "direction", diag)) ||
        (err = need(t->transaction_date != C360_DATE_NONE, "transactionDate", diag)) ||
        (err = check_money(&t->running_balance, "runningBalance", false, diag)))
        return err;
    if (t->amount.minor < 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "amount",
                              "must not be negative (direction says CREDIT or DEBIT)");
    return C360_OK;
}

static enum c360_err validate_external(const struct c360_record *rec, bool upsert,
                                       struct c360_diag *diag)
{
    const struct c360_external_account *x = &rec->as.external;
    enum c360_err err;
    if ((err = need_str(x->external_account_id, "externalAccountId", diag)))
        return err;
    if (!upsert)
        return C360_OK; /* a DELETE names what it deletes, nothing more */
    if ((err = need_str(rec->global_party_id, "globalPartyId", diag)) ||
        (err = need(x->account_type != C360_ACCOUNT_TYPE_NONE, "accountType", diag)) ||
        (err = need(x->status != C360_STATUS_NONE, "status", diag)) ||
        (err = check_money(&x->average_daily_balance, "averageDailyBalance", true, diag)))
        return err;
    return C360_OK;
}

/* A visit longer than a week is a broken producer, not a customer. */
#define WEB_DURATION_MAX (7 * 24 * 3600)

static enum c360_err validate_web(const struct c360_record *rec, bool upsert,
                                  struct c360_diag *diag)
{
    const struct c360_web_engagement *w = &rec->as.web;
    enum c360_err err;
    if ((err = need_str(w->engagement_id, "engagementId", diag)))
        return err;
    if (!upsert)
        return C360_OK; /* a DELETE names what it deletes, nothing more */
    if (!(rec->global_party_id && *rec->global_party_id) && !(w->email && *w->email))
        return c360_diag_fail(diag, C360_ERR_INVALID, "globalPartyId",
                              "a web engagement needs globalPartyId or email");
    if ((err = need_str(w->session_id, "sessionId", diag)) ||
        (err = need(w->duration_seconds >= 0, "durationSeconds", diag)))
        return err;
    if (w->duration_seconds > WEB_DURATION_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "durationSeconds", "%lld is more than a week",
                              (long long)w->duration_seconds);
    return C360_OK;
}

static enum c360_err validate_org(const struct c360_record *rec, struct c360_diag *diag)
{
    const struct c360_org_record *o = &rec->as.org;
    enum c360_err err;
    if ((err = need_str(o->org_id, "orgId", diag)) ||
        (err = need_str(o->record_id, "recordId", diag)))
        return err;
    for (uint16_t i = 0; i < o->n_fields; i++) {
        if ((err = need_str(o->fields[i].name, "fields", diag)))
            return err;
    }
    return C360_OK;
}

static enum c360_err validate_resync(const struct c360_record *rec, struct c360_diag *diag)
{
    const struct c360_resync *r = &rec->as.resync;
    enum c360_err err;
    if ((err = need_str(rec->event_id, "eventId", diag)) ||
        (err = need(rec->occurred_at != C360_TIME_NONE, "occurredAt", diag)) ||
        (err = need_str(rec->source_system, "orgId", diag)) ||
        (err = need_str(r->entity_name, "entityName", diag)) ||
        (err = need_str(r->change_type, "changeType", diag)) ||
        (err = need(r->commit_timestamp != C360_TIME_NONE, "commitTimestamp", diag)) ||
        (err = need_str(r->reason, "reason", diag)))
        return err;
    return C360_OK;
}

enum c360_err c360_record_validate(const struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    if (rec->change == C360_CHANGE_RESYNC)
        return validate_resync(rec, diag);
    if ((err = need_str(rec->event_id, "eventId", diag)) ||
        (err = need(rec->change != C360_CHANGE_NONE, "changeType", diag)) ||
        (err = need(rec->occurred_at != C360_TIME_NONE, "occurredAt", diag)) ||
        (err = need_str(rec->source_system, "source.system", diag)) ||
        (err = need_str(rec->source_record_id, "source.recordId", diag)))
        return err;
    bool upsert = rec->change == C360_CHANGE_UPSERT;
    switch (rec->entity) {
    case C360_ENTITY_INDIVIDUAL:
        return C360_OK; /* identity needs no single field: any of them may match */
    case C360_ENTITY_FINANCIAL_ACCOUNT:
        return validate_account(rec, upsert, diag);
    case C360_ENTITY_FINANCIAL_TRANSACTION:
        return validate_transaction(rec, upsert, diag);
    case C360_ENTITY_EXTERNAL_ACCOUNT:
        return validate_external(rec, upsert, diag);
    case C360_ENTITY_WEB_ENGAGEMENT:
        return validate_web(rec, upsert, diag);
    case C360_ENTITY_ORG_ACCOUNT:
    case C360_ENTITY_ORG_CONTACT:
        return validate_org(rec, diag);
    }
    return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "unknown entity");
}
