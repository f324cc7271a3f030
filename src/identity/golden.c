/*
 * c360 identity — reconciliation: each golden attribute of a unified profile
 * chosen from its source records by that attribute's strategy (DESIGN.md §4:
 * most recent, source priority, most frequent). Pure; borrows everything.
 */
#include "c360/identity.h"

#include <string.h>

static const char *const attr_names[C360_GOLDEN_ATTRS] = {
    [C360_GOLDEN_GLOBAL_PARTY_ID] = "globalPartyId",
    [C360_GOLDEN_FIRST_NAME] = "firstName",
    [C360_GOLDEN_LAST_NAME] = "lastName",
    [C360_GOLDEN_BIRTH_DATE] = "birthDate",
    [C360_GOLDEN_EMAIL] = "email",
    [C360_GOLDEN_PHONE] = "phone",
    [C360_GOLDEN_ADDRESS] = "address",
    [C360_GOLDEN_FSC_ACCOUNT_ID] = "fscAccountId",
    [C360_GOLDEN_PREFERRED_CHANNEL] = "preferredChannel",
    [C360_GOLDEN_HOUSEHOLD_ID] = "householdId",
};

const char *c360_golden_attr_name(enum c360_golden_attr attr)
{
    return (size_t)attr < C360_GOLDEN_ATTRS ? attr_names[attr] : NULL;
}

/* One record's value of an attribute, as text to compare (the address: its
 * first line, enough to tell values apart), or NULL. */
static const char *text_of(const struct c360_record *rec, enum c360_golden_attr attr)
{
    const struct c360_individual *p = &rec->as.individual;
    switch (attr) {
    case C360_GOLDEN_GLOBAL_PARTY_ID:
        return rec->global_party_id;
    case C360_GOLDEN_FIRST_NAME:
        return p->first_name;
    case C360_GOLDEN_LAST_NAME:
        return p->last_name;
    case C360_GOLDEN_EMAIL:
        return p->emails.count ? p->emails.items[0] : NULL;
    case C360_GOLDEN_PHONE:
        return p->phones.count ? p->phones.items[0] : NULL;
    case C360_GOLDEN_ADDRESS:
        return p->n_addresses ? p->addresses[0].line1 : NULL;
    case C360_GOLDEN_FSC_ACCOUNT_ID:
        return p->fsc_account_id;
    case C360_GOLDEN_PREFERRED_CHANNEL:
        return p->preferred_channel;
    case C360_GOLDEN_HOUSEHOLD_ID:
        return p->household_id;
    case C360_GOLDEN_BIRTH_DATE:
        return NULL; /* compared as a number */
    }
    return NULL;
}

static bool has(const struct c360_record *rec, enum c360_golden_attr attr)
{
    if (rec->entity != C360_ENTITY_INDIVIDUAL)
        return false;
    if (attr == C360_GOLDEN_BIRTH_DATE)
        return rec->as.individual.birth_date != C360_DATE_NONE;
    const char *t = text_of(rec, attr);
    return t && *t;
}

static bool same_value(const struct c360_record *a, const struct c360_record *b,
                       enum c360_golden_attr attr)
{
    if (attr == C360_GOLDEN_BIRTH_DATE)
        return a->as.individual.birth_date == b->as.individual.birth_date;
    return strcmp(text_of(a, attr), text_of(b, attr)) == 0;
}

static const char *key_of(const struct c360_record *rec)
{
    return rec->source_record_id ? rec->source_record_id : "";
}

/* True when a wins the tie-break over b: later occurredAt, then the
 * smaller record key (system, then id). */
static bool newer(const struct c360_record *a, const struct c360_record *b)
{
    if (a->occurred_at != b->occurred_at)
        return a->occurred_at > b->occurred_at;
    int c =
        strcmp(a->source_system ? a->source_system : "", b->source_system ? b->source_system : "");
    return c != 0 ? c < 0 : strcmp(key_of(a), key_of(b)) < 0;
}

static size_t source_rank(const struct c360_golden_rule *rule, const struct c360_record *rec)
{
    for (size_t i = 0; i < rule->n_sources; i++) {
        if (rec->source_system && strcmp(rec->source_system, rule->sources[i]) == 0)
            return i;
    }
    return rule->n_sources; /* unlisted sources come last */
}

/* The record whose value the attribute takes, or NULL. */
static const struct c360_record *choose(const struct c360_golden_rule *rule,
                                        const struct c360_record *const *recs, size_t n,
                                        enum c360_golden_attr attr)
{
    const struct c360_record *best = NULL;
    size_t best_rank = 0, best_count = 0;
    if (n == 1) /* most profiles: nothing to rank */
        return has(recs[0], attr) ? recs[0] : NULL;
    for (size_t i = 0; i < n; i++) {
        const struct c360_record *r = recs[i];
        if (!has(r, attr))
            continue;
        size_t rank = 0, count = 0;
        if (rule->strategy == C360_GOLDEN_SOURCE_PRIORITY)
            rank = source_rank(rule, r);
        if (rule->strategy == C360_GOLDEN_MOST_FREQUENT) {
            for (size_t j = 0; j < n; j++)
                count += has(recs[j], attr) && same_value(r, recs[j], attr);
        }
        bool better = !best || (rule->strategy == C360_GOLDEN_SOURCE_PRIORITY && rank != best_rank
                                    ? rank < best_rank
                                : rule->strategy == C360_GOLDEN_MOST_FREQUENT && count != best_count
                                    ? count > best_count
                                    : newer(r, best));
        if (better) {
            best = r;
            best_rank = rank;
            best_count = count;
        }
    }
    return best;
}

void c360_golden_reconcile(const struct c360_golden_rule rules[C360_GOLDEN_ATTRS],
                           const struct c360_record *const *recs, size_t n, struct c360_golden *out)
{
    memset(out, 0, sizeof(*out));
    out->birth_date = C360_DATE_NONE;
    for (int a = 0; a < C360_GOLDEN_ATTRS; a++) {
        const struct c360_record *r = choose(&rules[a], recs, n, (enum c360_golden_attr)a);
        if (!r)
            continue;
        const struct c360_individual *p = &r->as.individual;
        switch ((enum c360_golden_attr)a) {
        case C360_GOLDEN_BIRTH_DATE:
            out->birth_date = p->birth_date;
            break;
        case C360_GOLDEN_ADDRESS:
            out->address = &p->addresses[0];
            break;
        case C360_GOLDEN_GLOBAL_PARTY_ID:
            out->global_party_id = text_of(r, C360_GOLDEN_GLOBAL_PARTY_ID);
            break;
        case C360_GOLDEN_FIRST_NAME:
            out->first_name = p->first_name;
            break;
        case C360_GOLDEN_LAST_NAME:
            out->last_name = p->last_name;
            break;
        case C360_GOLDEN_EMAIL:
            out->email = p->emails.items[0];
            break;
        case C360_GOLDEN_PHONE:
            out->phone = p->phones.items[0];
            break;
        case C360_GOLDEN_FSC_ACCOUNT_ID:
            out->fsc_account_id = p->fsc_account_id;
            break;
        case C360_GOLDEN_PREFERRED_CHANNEL:
            out->preferred_channel = p->preferred_channel;
            break;
        case C360_GOLDEN_HOUSEHOLD_ID:
            out->household_id = p->household_id;
            break;
        }
    }
}
