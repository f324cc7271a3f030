/*
 * c360 codec — Avro in the Confluent Schema Registry wire format: byte 0 is
 * the magic byte 0, bytes 1-4 the big-endian id of the writer schema, then
 * one Avro binary datum ("Wire format", Confluent Schema Registry docs).
 *
 * Per writer schema id the decoder keeps a plan, made once: the writer schema
 * (from the registry, or given directly for fuzzing and benchmarks) resolved
 * against the topic's canonical reader schema and compiled into nodes, one
 * per pair of a writer schema node and the reader node its values land in
 * (or none: the reader lacks it and it is skipped). Plans are capped
 * (C360_CODEC_AVRO_WRITERS_MAX) and never evicted.
 *
 * A message is read from its bytes in two passes over the compiled nodes:
 *  1. the scan checks the whole datum: truncation, lengths, nesting and item
 *     caps, trailing bytes, and what avro-c's resolved reader refuses (a
 *     union branch the reader cannot take, an int out of range); it notes
 *     where each top-level field starts;
 *  2. the fields c360 reads are taken from there in the reader schema's order
 *     straight into struct c360_record (strings copied into its arena), then
 *     the record is validated.
 * Two passes keep the diagnostics of the avro-c reader this replaced, which
 * read the whole datum into a generic value before c360 looked at a field:
 * faults in the bytes first, then avro-c's refusals, then the first bad
 * field in reader order.
 *
 * avro-c parses writer schemas and, at plan time only, checks them: its
 * avro_resolved_writer_new gives the resolution errors. Its resolved reader
 * is kept behind c360_avro_decode_reference (the former decoder, unchanged),
 * which the fuzz target compares with this one; nothing else calls it.
 *
 * What avro-c 1.11 does not do, this file does:
 *  - Reader fields missing from the writer: avro-c refuses them even with a
 *    default. The reader schema is projected onto the writer's fields first;
 *    a dropped field reads as absent, which is what c360's defaults (null,
 *    [], {}) mean. A missing field that has no such default is refused.
 *  - Enums: avro-c copies the writer's symbol index unmapped. The projection
 *    keeps the writer's enum, and symbols are mapped by name here, with the
 *    reader defaults the schemas declare (AccountType OTHER, AccountStatus
 *    PENDING) for symbols c360 does not know.
 *  - Logical types: avro-c drops them. The scale of the writer's decimal
 *    (Money.amount) is read from the writer schema's JSON text.
 *  - Caps: avro-c trusts lengths and counts from the input. The scan bounds
 *    nesting, array/map items and lengths, and finds truncated data and
 *    trailing bytes before anything is read.
 *
 * avro_value_t and avro_schema_t stay in this file. Not thread-safe: a plan
 * holds where the fields of the current message start, so one codec serves
 * one thread.
 */
#include "codec_int.h"

#include "c360/registry.h"
#include "c360/schema.h"
#include "c360/time.h"

#include <avro.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AVRO_HEADER_LEN 5
/* Nesting of a datum (records, unions, arrays, maps); c360's schemas need 4. */
#define AVRO_DEPTH_MAX 32
/* Array and map items in one datum, all together: a short message may claim
 * billions of items of a type that takes no bytes. */
#define AVRO_ITEMS_MAX 65536
/* Nodes of one compiled writer schema (pairs of writer and reader node). */
#define AVRO_NODES_MAX 4096
/* Enum symbols of the enums c360 reads from one writer schema. */
#define AVRO_SYMBOLS_MAX 65536
/* Decimal scales a writer may use for Money.amount. */
#define AVRO_SCALE_MAX 18
enum c360_err c360_codec_avro_header(const char *bytes, size_t len, int32_t *id,
                                     struct c360_diag *diag)
{
    const unsigned char *b = (const unsigned char *)bytes;
    if (len > C360_CODEC_VALUE_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "the value of %zu bytes is larger than %d bytes", len,
                              C360_CODEC_VALUE_MAX);
    if (len < AVRO_HEADER_LEN)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "a message of %zu bytes is shorter than the 5-byte Schema Registry "
                              "header (magic byte 0, 4-byte schema id)",
                              len);
    if (b[0] != 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "wrong magic byte 0x%02x, expected 0 (Schema Registry wire format)",
                              b[0]);
    *id = (int32_t)((uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4]);
    return C360_OK;
}

/* --- What each canonical field becomes in struct c360_record. */

enum slot {
    SLOT_STR,          /* const char * */
    SLOT_TIME,         /* int64_t epoch ms, from timestamp-millis */
    SLOT_DATE,         /* int32_t days, from date */
    SLOT_MONEY,        /* struct c360_money, from Money */
    SLOT_STRS,         /* struct c360_strs, from array<string> */
    SLOT_CHANGE,       /* enum c360_change, from ChangeType */
    SLOT_ACCOUNT_TYPE, /* enum c360_account_type, from AccountType */
    SLOT_STATUS,       /* enum c360_account_status, from AccountStatus */
    SLOT_DIRECTION,    /* enum c360_direction, from Direction */
    SLOT_SYMBOL,       /* const char *, an enum's symbol (objectType) */
    SLOT_SOURCE,       /* SourceRef {system, recordId} */
    SLOT_ADDRESSES,    /* array<Address> */
    SLOT_IDENTIFIERS,  /* array<PartyIdentifier> */
    SLOT_ORG_FIELDS,   /* map<[null, string]> */
    SLOT_SECONDS,      /* int64_t from a non-negative int */
};

struct rule {
    const char *name; /* field name in schemas/ */
    enum slot slot;
    size_t offset; /* in struct c360_record */
};

#define R(name, slot, member)                                                                      \
    {                                                                                              \
        name, slot, offsetof(struct c360_record, member)                                           \
    }

static const struct rule common_rules[] = {
    R("eventId", SLOT_STR, event_id),
    R("changeType", SLOT_CHANGE, change),
    R("occurredAt", SLOT_TIME, occurred_at),
    R("source", SLOT_SOURCE, source_system),
    R("globalPartyId", SLOT_STR, global_party_id),
    {NULL, SLOT_STR, 0},
};

static const struct rule individual_rules[] = {
    R("firstName", SLOT_STR, as.individual.first_name),
    R("lastName", SLOT_STR, as.individual.last_name),
    R("birthDate", SLOT_DATE, as.individual.birth_date),
    R("emails", SLOT_STRS, as.individual.emails),
    R("phones", SLOT_STRS, as.individual.phones),
    R("addresses", SLOT_ADDRESSES, as.individual.addresses),
    R("partyIdentifiers", SLOT_IDENTIFIERS, as.individual.identifiers),
    R("fscAccountId", SLOT_STR, as.individual.fsc_account_id),
    R("preferredChannel", SLOT_STR, as.individual.preferred_channel),
    R("householdId", SLOT_STR, as.individual.household_id),
    {NULL, SLOT_STR, 0},
};

static const struct rule account_rules[] = {
    R("globalAccountId", SLOT_STR, as.account.global_account_id),
    R("jointOwnerIds", SLOT_STRS, as.account.joint_owner_ids),
    R("accountType", SLOT_ACCOUNT_TYPE, as.account.account_type),
    R("status", SLOT_STATUS, as.account.status),
    R("balance", SLOT_MONEY, as.account.balance),
    R("balanceAsOf", SLOT_TIME, as.account.balance_as_of),
    R("openedDate", SLOT_DATE, as.account.opened_date),
    R("closedDate", SLOT_DATE, as.account.closed_date),
    {NULL, SLOT_STR, 0},
};

static const struct rule transaction_rules[] = {
    R("globalTransactionId", SLOT_STR, as.transaction.global_transaction_id),
    R("globalAccountId", SLOT_STR, as.transaction.global_account_id),
    R("amount", SLOT_MONEY, as.transaction.amount),
    R("direction", SLOT_DIRECTION, as.transaction.direction),
    R("transactionDate", SLOT_DATE, as.transaction.transaction_date),
    R("status", SLOT_STR, as.transaction.status),
    R("runningBalance", SLOT_MONEY, as.transaction.running_balance),
    {NULL, SLOT_STR, 0},
};

static const struct rule external_rules[] = {
    R("externalAccountId", SLOT_STR, as.external.external_account_id),
    R("institutionName", SLOT_STR, as.external.institution_name),
    R("accountType", SLOT_ACCOUNT_TYPE, as.external.account_type),
    R("status", SLOT_STATUS, as.external.status),
    R("averageDailyBalance", SLOT_MONEY, as.external.average_daily_balance),
    R("asOf", SLOT_TIME, as.external.as_of),
    {NULL, SLOT_STR, 0},
};

static const struct rule web_rules[] = {
    R("engagementId", SLOT_STR, as.web.engagement_id),
    R("email", SLOT_STR, as.web.email),
    R("sessionId", SLOT_STR, as.web.session_id),
    R("pageUrl", SLOT_STR, as.web.page_url),
    R("subject", SLOT_STR, as.web.subject),
    R("durationSeconds", SLOT_SECONDS, as.web.duration_seconds),
    {NULL, SLOT_STR, 0},
};

static const struct rule org_rules[] = {
    R("orgId", SLOT_STR, as.org.org_id),
    R("objectType", SLOT_SYMBOL, as.org.object_type),
    R("recordId", SLOT_STR, as.org.record_id),
    R("globalCustomerId", SLOT_STR, as.org.global_customer_id),
    R("commitTimestamp", SLOT_TIME, as.org.commit_timestamp),
    R("commitUser", SLOT_STR, as.org.commit_user),
    R("changedFields", SLOT_STRS, as.org.changed_fields),
    R("nulledFields", SLOT_STRS, as.org.nulled_fields),
    R("fields", SLOT_ORG_FIELDS, as.org.fields),
    {NULL, SLOT_STR, 0},
};

static const struct rule *const entity_rules[C360_ENTITY_COUNT] = {
    [C360_ENTITY_INDIVIDUAL] = individual_rules,
    [C360_ENTITY_FINANCIAL_ACCOUNT] = account_rules,
    [C360_ENTITY_FINANCIAL_TRANSACTION] = transaction_rules,
    [C360_ENTITY_EXTERNAL_ACCOUNT] = external_rules,
    [C360_ENTITY_WEB_ENGAGEMENT] = web_rules,
    [C360_ENTITY_ORG_ACCOUNT] = org_rules,
    [C360_ENTITY_ORG_CONTACT] = org_rules,
};

/* The rule for a top-level field of entity, or NULL (a field c360 ignores). */
static const struct rule *rule_find(enum c360_entity entity, const char *name)
{
    for (const struct rule *r = common_rules; r->name; r++) {
        if (strcmp(r->name, name) == 0)
            return r;
    }
    for (const struct rule *r = entity_rules[entity]; r->name; r++) {
        if (strcmp(r->name, name) == 0)
            return r;
    }
    return NULL;
}

/* Fields of the nested records c360 reads (SourceRef, Money, Address,
 * PartyIdentifier), by name. */
enum member {
    M_SYSTEM,
    M_RECORD_ID,
    M_AMOUNT,
    M_CURRENCY,
    M_LINE1,
    M_CITY,
    M_POSTAL_CODE,
    M_COUNTRY,
    M_TYPE,
    M_VALUE,
    M_COUNT,
};

static const char *const member_names[M_COUNT] = {
    "system", "recordId",   "amount",  "currency", "line1",
    "city",   "postalCode", "country", "type",     "value",
};

static uint16_t member_find(const char *name)
{
    for (uint16_t m = 0; m < M_COUNT; m++) {
        if (strcmp(member_names[m], name) == 0)
            return m;
    }
    return UINT16_MAX;
}

/* --- Compiled writer schemas. */

/* A union branch (in plan->kids) the reader cannot take: avro-c refuses the
 * datum when it is written. The index of its node is in the other bits. */
#define KID_BAD 0x80000000u
/* A record field (in plan->fslots) c360 does not read. */
#define FSLOT_NONE UINT16_MAX

struct wnode {
    avro_type_t type;  /* the writer's, links followed */
    avro_type_t rtype; /* read nodes: the reader's type of the value (int read as long...) */
    bool read;         /* avro-c's resolved reader reads it; false: it skips it */
    bool wrapped;      /* read nodes: the reader holds the value in a union */
    uint32_t count;    /* record fields, union branches, enum symbols, fixed size */
    uint32_t kids;     /* first child in plan->kids: fields, branches, items, values */
    uint32_t syms;     /* read enums: first symbol in plan->syms */
    const char *rname; /* read unions: avro-c's name of the reader schema, for its error */
};

struct plan {
    int32_t id;
    avro_schema_t writer;         /* owned reference */
    avro_schema_t projected;      /* owned: the reader schema cut to the writer's fields */
    avro_value_iface_t *resolver; /* owned: avro-c's check of the schemas; the reference path */
    /* The reference path only, made when it first runs. */
    avro_value_iface_t *reader_class;
    avro_value_t resolved, value; /* value holds the datum; resolved writes into it */
    bool values_made;
    int money_scale; /* scale of the writer's Money.amount; -1 when it has none */
    size_t n_fields; /* top-level fields of projected */
    const struct rule **rules;
    uint32_t *field_nodes;          /* per top-level field: the writer node it is read from */
    const unsigned char **starts;   /* per top-level field: where the scan found it */
    struct wnode *nodes;            /* node 0 is the writer's root record */
    avro_schema_t *node_w, *node_r; /* only while compiling */
    uint32_t n_nodes, cap_nodes;
    uint32_t *kids;
    uint16_t *fslots; /* beside kids, for records: the top-level field (root) or member fed */
    uint32_t n_kids, cap_kids;
    const char **syms; /* borrowed from writer */
    uint32_t n_syms, cap_syms;
};

struct org_entry; /* the entries of a map being read, see map_entries */

struct c360_avro {
    enum c360_entity entity;
    char *schema_file;         /* the topic's reader schema, e.g. "financial_transaction.avsc" */
    avro_schema_t reader;      /* owned reference; NULL until set up */
    struct c360_registry *reg; /* borrowed; NULL: only writers added directly */
    struct plan *plans[C360_CODEC_AVRO_WRITERS_MAX];
    size_t n_plans;
    struct plan *last;         /* most messages of a topic share one id */
    struct org_entry *entries; /* made on the first map read */
    uint16_t *entry_slots;     /* a hash table of entries by key */
    avro_reader_t in;          /* the reference path only */
};

static avro_schema_t deref(avro_schema_t s)
{
    while (s && is_avro_link(s))
        s = avro_schema_link_target(s);
    return s;
}

/*
 * avro-c's schema resolution (resolved-writer.c, 1.11), mirrored: the plan
 * must know which writer union branches avro-c cannot resolve and where each
 * value lands, though avro_resolved_writer_new has accepted the schemas as a
 * whole. For w and r dereferenced and not unions: 1 when w resolves to r, 0
 * when not, -1 when they are of a kind but their contents do not resolve
 * (avro-c then tries no other branch of a reader union).
 */
static int resolves_to(avro_schema_t w, avro_schema_t r, int depth);

/* The node of reader r (r, or a branch of it) that writer w (not a union)
 * resolves to: the first that fits, as avro-c takes it; NULL for none. */
static avro_schema_t reader_target(avro_schema_t w, avro_schema_t r, int depth)
{
    if (!is_avro_union(r))
        return resolves_to(w, r, depth) > 0 ? r : NULL;
    for (size_t i = 0; i < avro_schema_union_size(r); i++) {
        avro_schema_t b = deref(avro_schema_union_branch(r, (int)i));
        int fit = resolves_to(w, b, depth);
        if (fit > 0)
            return b;
        if (fit < 0)
            return NULL;
    }
    return NULL;
}

/* Whether writer w resolves against reader r; a writer union does when one
 * branch does. */
static bool resolves(avro_schema_t w, avro_schema_t r, int depth)
{
    w = deref(w);
    r = deref(r);
    if (depth > AVRO_DEPTH_MAX)
        return false;
    if (!is_avro_union(w))
        return reader_target(w, r, depth + 1) != NULL;
    for (size_t i = 0; i < avro_schema_union_size(w); i++) {
        if (resolves(avro_schema_union_branch(w, (int)i), r, depth + 1))
            return true;
    }
    return false;
}

static int resolves_to(avro_schema_t w, avro_schema_t r, int depth)
{
    switch (avro_typeof(w)) {
    case AVRO_NULL:
        return is_avro_null(r) ? 1 : 0;
    case AVRO_BOOLEAN:
        return is_avro_boolean(r) ? 1 : 0;
    case AVRO_BYTES:
        return is_avro_bytes(r) ? 1 : 0;
    case AVRO_STRING:
        return is_avro_string(r) ? 1 : 0;
    case AVRO_DOUBLE:
        return is_avro_double(r) ? 1 : 0;
    /* The promotions of the spec ("Schema Resolution") that avro-c makes. */
    case AVRO_FLOAT:
        return is_avro_float(r) || is_avro_double(r) ? 1 : 0;
    case AVRO_INT64:
        return is_avro_int64(r) || is_avro_float(r) || is_avro_double(r) ? 1 : 0;
    case AVRO_INT32:
        return is_avro_int32(r) || is_avro_int64(r) || is_avro_float(r) || is_avro_double(r) ? 1
                                                                                             : 0;
    case AVRO_ENUM:
        return is_avro_enum(r) && strcmp(avro_schema_name(w), avro_schema_name(r)) == 0 ? 1 : 0;
    case AVRO_FIXED:
        return avro_schema_equal(w, r) ? 1 : 0;
    case AVRO_ARRAY:
        if (!is_avro_array(r))
            return 0;
        return resolves(avro_schema_array_items(w), avro_schema_array_items(r), depth + 1) ? 1 : -1;
    case AVRO_MAP:
        if (!is_avro_map(r))
            return 0;
        return resolves(avro_schema_map_values(w), avro_schema_map_values(r), depth + 1) ? 1 : -1;
    case AVRO_RECORD:
        if (!is_avro_record(r) || strcmp(avro_schema_name(w), avro_schema_name(r)) != 0)
            return 0;
        /* Every reader field must be written: the projection made sure. */
        for (size_t i = 0; i < avro_schema_record_size(r); i++) {
            int wi =
                avro_schema_record_field_get_index(w, avro_schema_record_field_name(r, (int)i));
            if (wi < 0 || !resolves(avro_schema_record_field_get_by_index(w, wi),
                                    avro_schema_record_field_get_by_index(r, (int)i), depth + 1))
                return -1;
        }
        return 1;
    default:
        return 0;
    }
}

static enum c360_err too_many_nodes(struct c360_diag *diag)
{
    return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "the writer schema has more than %d nodes",
                          AVRO_NODES_MAX);
}

/* Room for n children of a node; *first is their index in p->kids. */
static enum c360_err kids_reserve(struct plan *p, uint32_t n, uint32_t *first,
                                  struct c360_diag *diag)
{
    if (n > AVRO_NODES_MAX || p->n_kids + n > AVRO_NODES_MAX)
        return too_many_nodes(diag);
    if (p->n_kids + n > p->cap_kids) {
        uint32_t cap = p->cap_kids ? p->cap_kids : 64;
        while (cap < p->n_kids + n)
            cap *= 2;
        uint32_t *kids = realloc(p->kids, cap * sizeof(*kids));
        if (!kids)
            return C360_ERR_NOMEM;
        p->kids = kids;
        uint16_t *fslots = realloc(p->fslots, cap * sizeof(*fslots));
        if (!fslots)
            return C360_ERR_NOMEM;
        p->fslots = fslots;
        p->cap_kids = cap;
    }
    *first = p->n_kids;
    for (uint32_t i = 0; i < n; i++)
        p->fslots[p->n_kids + i] = FSLOT_NONE;
    p->n_kids += n;
    return C360_OK;
}

/* The symbols of writer enum s, kept for reading them by index. */
static enum c360_err syms_add(struct plan *p, avro_schema_t s, uint32_t n, uint32_t *first,
                              struct c360_diag *diag)
{
    if (n > AVRO_SYMBOLS_MAX || p->n_syms + n > AVRO_SYMBOLS_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "the writer schema's enums have more than %d symbols",
                              AVRO_SYMBOLS_MAX);
    if (p->n_syms + n > p->cap_syms) {
        uint32_t cap = p->cap_syms ? p->cap_syms : 32;
        while (cap < p->n_syms + n)
            cap *= 2;
        const char **syms = realloc(p->syms, cap * sizeof(*syms));
        if (!syms)
            return C360_ERR_NOMEM;
        p->syms = syms;
        p->cap_syms = cap;
    }
    *first = p->n_syms;
    for (uint32_t i = 0; i < n; i++) {
        if (!(p->syms[p->n_syms + i] = avro_schema_enum_get(s, (int)i)))
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                  "enum %s of the writer schema lacks symbol %u",
                                  avro_schema_name(s), i);
    }
    p->n_syms += n;
    return C360_OK;
}

/* A new node for writer w read into reader r (NULL: skipped); *idx its index. */
static enum c360_err node_new(struct plan *p, avro_schema_t w, avro_schema_t r, uint32_t *idx,
                              struct c360_diag *diag)
{
    if (p->n_nodes == AVRO_NODES_MAX)
        return too_many_nodes(diag);
    if (p->n_nodes == p->cap_nodes) {
        uint32_t cap = p->cap_nodes ? p->cap_nodes * 2 : 32;
        struct wnode *nodes = realloc(p->nodes, cap * sizeof(*nodes));
        if (!nodes)
            return C360_ERR_NOMEM;
        p->nodes = nodes;
        avro_schema_t *ws = realloc(p->node_w, cap * sizeof(*ws));
        if (!ws)
            return C360_ERR_NOMEM;
        p->node_w = ws;
        avro_schema_t *rs = realloc(p->node_r, cap * sizeof(*rs));
        if (!rs)
            return C360_ERR_NOMEM;
        p->node_r = rs;
        p->cap_nodes = cap;
    }
    *idx = p->n_nodes++;
    p->node_w[*idx] = w;
    p->node_r[*idx] = r;
    p->nodes[*idx] = (struct wnode){.type = avro_typeof(w), .rtype = AVRO_NULL, .read = r != NULL};
    return C360_OK;
}

/*
 * Compiles writer schema w as read into reader schema r (NULL: skipped),
 * links followed and each pair once, so recursive schemas end; *out is its
 * node. root: w is the writer's record, whose fields feed the top-level
 * fields of the reader.
 */
static enum c360_err node_add(struct plan *p, avro_schema_t w, avro_schema_t r, bool root,
                              int depth, uint32_t *out, struct c360_diag *diag)
{
    enum c360_err err;
    avro_schema_t target = NULL;
    uint32_t idx = 0, first = 0, n = 0;
    w = deref(w);
    r = deref(r);
    if (depth > AVRO_DEPTH_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "the writer schema is nested deeper than %d", AVRO_DEPTH_MAX);
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        if (p->node_w[i] == w && p->node_r[i] == r) {
            *out = i;
            return C360_OK;
        }
    }
    if ((err = node_new(p, w, r, &idx, diag)))
        return err;
    if (r && is_avro_union(w)) {
        p->nodes[idx].rname = avro_schema_type_name(r);
    } else if (r) {
        if (!(target = reader_target(w, r, 0)))
            return c360_diag_fail(diag, C360_ERR_MISMATCH, NULL,
                                  "c360 cannot resolve a %s of the writer schema as avro-c does",
                                  avro_schema_type_name(w));
        p->nodes[idx].rtype = avro_typeof(target);
        p->nodes[idx].wrapped = is_avro_union(r);
    }
    switch (avro_typeof(w)) {
    case AVRO_RECORD:
        n = (uint32_t)avro_schema_record_size(w);
        break;
    case AVRO_UNION:
        n = (uint32_t)avro_schema_union_size(w);
        break;
    case AVRO_ARRAY:
    case AVRO_MAP:
        n = 1;
        break;
    case AVRO_ENUM:
        p->nodes[idx].count = (uint32_t)avro_schema_enum_number_of_symbols(w);
        if (r && (err = syms_add(p, w, p->nodes[idx].count, &p->nodes[idx].syms, diag)))
            return err;
        break;
    case AVRO_FIXED:
        p->nodes[idx].count = (uint32_t)avro_schema_fixed_size(w);
        break;
    default:
        break;
    }
    if (n == 0) {
        *out = idx;
        return C360_OK;
    }
    if ((err = kids_reserve(p, n, &first, diag)))
        return err;
    p->nodes[idx].count = n;
    p->nodes[idx].kids = first;
    for (uint32_t i = 0; i < n; i++) {
        avro_schema_t kid_w, kid_r = NULL;
        uint16_t fslot = FSLOT_NONE;
        uint32_t k;
        switch (avro_typeof(w)) {
        case AVRO_RECORD: {
            const char *name = avro_schema_record_field_name(w, (int)i);
            int ri = target ? avro_schema_record_field_get_index(target, name) : -1;
            kid_w = avro_schema_record_field_get_by_index(w, (int)i);
            if (ri >= 0) {
                kid_r = avro_schema_record_field_get_by_index(target, ri);
                fslot = root ? (uint16_t)ri : member_find(name);
            }
            break;
        }
        case AVRO_UNION:
            kid_w = avro_schema_union_branch(w, (int)i);
            kid_r = r;
            break;
        case AVRO_ARRAY:
            kid_w = avro_schema_array_items(w);
            kid_r = target ? avro_schema_array_items(target) : NULL;
            break;
        default:
            kid_w = avro_schema_map_values(w);
            kid_r = target ? avro_schema_map_values(target) : NULL;
            break;
        }
        /* A branch avro-c cannot resolve is skipped, and refused when written. */
        bool bad = kid_r && is_avro_union(w) && !resolves(kid_w, kid_r, 0);
        if ((err = node_add(p, kid_w, bad ? NULL : kid_r, false, depth + 1, &k, diag)))
            return err;
        p->kids[first + i] = bad ? k | KID_BAD : k;
        p->fslots[first + i] = fslot;
        if (root && fslot != FSLOT_NONE && fslot < p->n_fields)
            p->field_nodes[fslot] = k;
    }
    *out = idx;
    return C360_OK;
}

/* --- Pass 1, the scan: walks a datum's bytes with the compiled nodes. The
 * reads of pass 2 use the same cursor and checks. */

struct scan {
    const unsigned char *start, *p, *end;
    long items, items_max;
    const unsigned char **starts; /* NULL, or where each top-level field starts */
    /* What avro-c's resolved reader refuses, the first in the datum: */
    bool refused;
    int refused_branch;         /* a union branch the reader cannot take; -1: an int */
    const char *refused_reader; /* avro-c's name of the reader schema of that union */
};

static enum c360_err scan_fail(const struct scan *s, const char *what, struct c360_diag *diag)
{
    /* Offsets count from the start of the message, header included. */
    return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "%s at byte %td of the message", what,
                          s->p - s->start + AVRO_HEADER_LEN);
}

/* A zig-zag varint of at most 10 bytes (Avro spec, "Binary Encoding"). */
static enum c360_err scan_long_slow(struct scan *s, int64_t *out, struct c360_diag *diag)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (s->p == s->end)
            return scan_fail(s, "the datum is truncated", diag);
        unsigned char b = *s->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return C360_OK;
        }
    }
    return scan_fail(s, "a varint longer than 10 bytes", diag);
}

/* Most varints (lengths, branches, indexes, counts) are one byte. */
static inline enum c360_err scan_long(struct scan *s, int64_t *out, struct c360_diag *diag)
{
    if (s->p < s->end && !(*s->p & 0x80)) {
        unsigned char b = *s->p++;
        *out = (int64_t)(b >> 1) ^ -(int64_t)(b & 1);
        return C360_OK;
    }
    return scan_long_slow(s, out, diag);
}

static enum c360_err scan_skip(struct scan *s, int64_t n, struct c360_diag *diag)
{
    if (n < 0)
        return scan_fail(s, "a negative length", diag);
    if (n > s->end - s->p)
        return scan_fail(s, "the datum is truncated", diag);
    s->p += n;
    return C360_OK;
}

/* Notes avro-c's first refusal; the scan goes on, as faults in the bytes
 * come first (the avro-c reader read only datums this scan had passed). */
static void scan_refuse(struct scan *s, int branch, const char *reader)
{
    if (s->refused)
        return;
    s->refused = true;
    s->refused_branch = branch;
    s->refused_reader = reader;
}

/* Steps to the next item of an array or map; *left is what is left of the
 * current block (0 at the start); *more is false after the last item. */
static enum c360_err scan_item(struct scan *s, int64_t *left, bool *more, struct c360_diag *diag)
{
    enum c360_err err;
    int64_t size;
    while (*left == 0) {
        /* Blocks of items until a zero count; a negative count is followed
         * by the block's size in bytes, which we do not need. */
        if ((err = scan_long(s, left, diag)))
            return err;
        if (*left == 0) {
            *more = false;
            return C360_OK;
        }
        if (*left < 0) {
            if (*left == INT64_MIN)
                return scan_fail(s, "an item count out of range", diag);
            *left = -*left;
            if ((err = scan_long(s, &size, diag)))
                return err;
        }
        if (*left > s->items_max - s->items)
            return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                                  "the datum has more than %d array or map items", AVRO_ITEMS_MAX);
        s->items += (long)*left;
    }
    (*left)--;
    *more = true;
    return C360_OK;
}

static enum c360_err scan_node(struct scan *s, const struct plan *p, uint32_t idx, int depth,
                               struct c360_diag *diag)
{
    enum c360_err err;
    const struct wnode *node = &p->nodes[idx];
    int64_t v;
    if (depth > AVRO_DEPTH_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "the datum is nested deeper than %d",
                              AVRO_DEPTH_MAX);
    switch (node->type) {
    case AVRO_NULL:
        return C360_OK;
    case AVRO_BOOLEAN:
        return scan_skip(s, 1, diag);
    case AVRO_INT32:
        if ((err = scan_long(s, &v, diag)))
            return err;
        /* avro-c reads an int as a long and refuses it out of range; a
         * skipped one it does not look at. */
        if (node->read && (v < INT32_MIN || v > INT32_MAX))
            scan_refuse(s, -1, NULL);
        return C360_OK;
    case AVRO_INT64:
        return scan_long(s, &v, diag);
    case AVRO_FLOAT:
        return scan_skip(s, 4, diag);
    case AVRO_DOUBLE:
        return scan_skip(s, 8, diag);
    case AVRO_STRING:
    case AVRO_BYTES:
        if ((err = scan_long(s, &v, diag)))
            return err;
        return scan_skip(s, v, diag);
    case AVRO_FIXED:
        return scan_skip(s, node->count, diag);
    case AVRO_ENUM:
        if ((err = scan_long(s, &v, diag)))
            return err;
        if (v < 0 || v >= node->count)
            return scan_fail(s, "an enum index out of range", diag);
        return C360_OK;
    case AVRO_UNION: {
        if ((err = scan_long(s, &v, diag)))
            return err;
        if (v < 0 || v >= node->count)
            return scan_fail(s, "a union branch out of range", diag);
        uint32_t kid = p->kids[node->kids + v];
        if (kid & KID_BAD)
            scan_refuse(s, (int)v, node->rname);
        return scan_node(s, p, kid & ~KID_BAD, depth + 1, diag);
    }
    case AVRO_RECORD:
        for (uint32_t i = 0; i < node->count; i++) {
            uint16_t slot = p->fslots[node->kids + i];
            if (depth == 0 && s->starts && slot != FSLOT_NONE)
                s->starts[slot] = s->p;
            if ((err = scan_node(s, p, p->kids[node->kids + i], depth + 1, diag)))
                return err;
        }
        return C360_OK;
    case AVRO_ARRAY:
    case AVRO_MAP: {
        int64_t left = 0;
        bool more;
        for (;;) {
            if ((err = scan_item(s, &left, &more, diag)))
                return err;
            if (!more)
                return C360_OK;
            if (node->type == AVRO_MAP) {
                if ((err = scan_long(s, &v, diag)) || (err = scan_skip(s, v, diag)))
                    return err;
            }
            if ((err = scan_node(s, p, p->kids[node->kids], depth + 1, diag)))
                return err;
        }
    }
    default:
        return c360_diag_fail(diag, C360_ERR_UNSUPPORTED, NULL,
                              "the writer schema has a type c360 cannot read");
    }
}
/* --- Projection of the reader schema onto a writer schema. */

/* The node of writer schema w that reader node r (dereferenced, named)
 * reads from: w itself or one of its union branches, of r's type and name. */
static avro_schema_t writer_named(avro_schema_t r, avro_schema_t w)
{
    w = deref(w);
    if (!w)
        return NULL;
    if (is_avro_union(w)) {
        for (size_t i = 0; i < avro_schema_union_size(w); i++) {
            avro_schema_t b = writer_named(r, avro_schema_union_branch(w, (int)i));
            if (b)
                return b;
        }
        return NULL;
    }
    if (avro_typeof(w) != avro_typeof(r))
        return NULL;
    if (is_avro_record(r) || is_avro_enum(r))
        return strcmp(avro_schema_name(w), avro_schema_name(r)) == 0 ? w : NULL;
    return w;
}

/* Whether a reader field absent from the writer reads as absent: c360's
 * schemas give null to nullable fields (null first in the union), [] to
 * arrays and {} to maps, and no default to anything else
 * (check_avro.c checks that every shipped input schema keeps to this). */
static bool reads_as_absent(avro_schema_t r)
{
    r = deref(r);
    if (is_avro_union(r))
        return avro_schema_union_size(r) > 0 && is_avro_null(deref(avro_schema_union_branch(r, 0)));
    return is_avro_array(r) || is_avro_map(r);
}

/* *out (new) is reader node r with every record cut to the fields writer
 * node w has and every enum replaced by the writer's, so avro-c can resolve
 * and the symbols the writer wrote can be read by name. */
static enum c360_err project(avro_schema_t r, avro_schema_t w, const char *field, int depth,
                             avro_schema_t *out, struct c360_diag *diag)
{
    enum c360_err err = C360_ERR_NOMEM;
    avro_schema_t result = NULL, wn, kid = NULL;
    r = deref(r);
    if (depth > AVRO_DEPTH_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, field, "the reader schema is nested too deep");
    switch (avro_typeof(r)) {
    case AVRO_RECORD:
        if (!(wn = writer_named(r, w)))
            break; /* avro-c reports what does not match */
        if (!(result = avro_schema_record(avro_schema_name(r), avro_schema_namespace(r))))
            goto fail;
        for (size_t i = 0; i < avro_schema_record_size(r); i++) {
            const char *name = avro_schema_record_field_name(r, (int)i);
            avro_schema_t rf = avro_schema_record_field_get_by_index(r, (int)i);
            int wi = avro_schema_record_field_get_index(wn, name);
            if (wi < 0) {
                if (reads_as_absent(rf))
                    continue;
                err = c360_diag_fail(diag, C360_ERR_MISMATCH, name,
                                     "the writer schema lacks this field and c360's schema gives "
                                     "it no default");
                goto fail;
            }
            if ((err = project(rf, avro_schema_record_field_get_by_index(wn, wi), name, depth + 1,
                               &kid, diag)))
                goto fail;
            err = C360_ERR_NOMEM;
            if (avro_schema_record_field_append(result, name, kid))
                goto fail;
            avro_schema_decref(kid);
            kid = NULL;
        }
        *out = result;
        return C360_OK;
    case AVRO_ENUM:
        if ((wn = writer_named(r, w))) {
            *out = avro_schema_incref(wn);
            return C360_OK;
        }
        break;
    case AVRO_UNION:
        if (!(result = avro_schema_union()))
            goto fail;
        for (size_t i = 0; i < avro_schema_union_size(r); i++) {
            if ((err =
                     project(avro_schema_union_branch(r, (int)i), w, field, depth + 1, &kid, diag)))
                goto fail;
            err = C360_ERR_NOMEM;
            if (avro_schema_union_append(result, kid))
                goto fail;
            avro_schema_decref(kid);
            kid = NULL;
        }
        *out = result;
        return C360_OK;
    case AVRO_ARRAY:
    case AVRO_MAP:
        wn = writer_named(r, w);
        if (is_avro_array(r))
            err = project(avro_schema_array_items(r), wn ? avro_schema_array_items(wn) : NULL,
                          field, depth + 1, &kid, diag);
        else
            err = project(avro_schema_map_values(r), wn ? avro_schema_map_values(wn) : NULL, field,
                          depth + 1, &kid, diag);
        if (err)
            goto fail;
        err = C360_ERR_NOMEM;
        result = is_avro_array(r) ? avro_schema_array(kid) : avro_schema_map(kid);
        avro_schema_decref(kid);
        kid = NULL;
        if (!result)
            goto fail;
        *out = result;
        return C360_OK;
    default:
        break;
    }
    /* Primitives, and named types without a writer counterpart, as they are. */
    *out = avro_schema_incref(r);
    return C360_OK;
fail:
    if (kid)
        avro_schema_decref(kid);
    if (result)
        avro_schema_decref(result);
    return err;
}

/* --- The writer's decimal scale, which avro-c does not keep. */

static const char *short_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

/* Finds the definition of record `Money` anywhere in a schema's JSON and
 * gives the scale of its amount; -1 when there is none. */
static int find_money_scale(json_t *node, int depth)
{
    if (depth > AVRO_DEPTH_MAX * 4)
        return -1;
    if (json_is_array(node)) {
        size_t i;
        json_t *item;
        json_array_foreach(node, i, item)
        {
            int scale = find_money_scale(item, depth + 1);
            if (scale != -1)
                return scale;
        }
        return -1;
    }
    if (!json_is_object(node))
        return -1;
    const char *type = json_string_value(json_object_get(node, "type"));
    const char *name = json_string_value(json_object_get(node, "name"));
    if (type && name && strcmp(type, "record") == 0 && strcmp(short_name(name), "Money") == 0) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(node, "fields"), i, f)
        {
            const char *fname = json_string_value(json_object_get(f, "name"));
            json_t *ftype = json_object_get(f, "type");
            if (!fname || strcmp(fname, "amount") != 0)
                continue;
            const char *logical = json_string_value(json_object_get(ftype, "logicalType"));
            json_t *scale = json_object_get(ftype, "scale");
            if (!logical || strcmp(logical, "decimal") != 0)
                return -2;
            if (!scale) /* the spec's default */
                return 0;
            return json_is_integer(scale) && json_integer_value(scale) >= 0 &&
                           json_integer_value(scale) <= AVRO_SCALE_MAX
                       ? (int)json_integer_value(scale)
                       : -3;
        }
        return -2;
    }
    const char *key;
    json_t *value;
    json_object_foreach(node, key, value)
    {
        int scale = find_money_scale(value, depth + 1);
        if (scale != -1)
            return scale;
    }
    return -1;
}

/* --- Plans. */

static void plan_destroy(struct plan *p)
{
    if (!p)
        return;
    if (p->values_made) {
        avro_value_decref(&p->resolved);
        avro_value_decref(&p->value);
    }
    if (p->resolver)
        avro_value_iface_decref(p->resolver);
    if (p->reader_class)
        avro_value_iface_decref(p->reader_class);
    if (p->projected)
        avro_schema_decref(p->projected);
    if (p->writer)
        avro_schema_decref(p->writer);
    free((void *)p->rules);
    free(p->field_nodes);
    free((void *)p->starts);
    free(p->nodes);
    free(p->node_w);
    free(p->node_r);
    free(p->kids);
    free(p->fslots);
    free((void *)p->syms);
    free(p);
}

/* avro-c error text can be long; it names schema parts, never datum values. */
static const char *avro_why(void)
{
    const char *why = avro_strerror();
    return why && *why ? why : "no reason given";
}

/* Resolves writer (borrowed) with text (its JSON) against the reader; *out new. */
static enum c360_err plan_new(const struct c360_avro *a, int32_t id, avro_schema_t writer,
                              const char *text, struct plan **out, struct c360_diag *diag)
{
    enum c360_err err = C360_ERR_NOMEM;
    uint32_t root;
    struct plan *p = calloc(1, sizeof(*p));
    if (!p)
        return C360_ERR_NOMEM;
    p->id = id;
    p->writer = avro_schema_incref(writer);
    if (!is_avro_record(deref(writer))) {
        err = c360_diag_fail(diag, C360_ERR_MISMATCH, NULL,
                             "schema id %d is not a record schema and does not resolve against "
                             "%s",
                             (int)id, a->schema_file);
        goto fail;
    }
    if ((err = project(a->reader, writer, NULL, 0, &p->projected, diag))) {
        if (err == C360_ERR_MISMATCH && diag)
            snprintf(diag->text, sizeof(diag->text),
                     "schema id %d does not resolve against %s: the writer schema lacks this "
                     "field and it has no default",
                     (int)id, a->schema_file);
        goto fail;
    }
    /* avro-c's resolver judges the schemas, and its errors say why not. */
    if (!(p->resolver = avro_resolved_writer_new(writer, p->projected))) {
        err = c360_diag_fail(diag, C360_ERR_MISMATCH, NULL,
                             "schema id %d does not resolve against %s: %s", (int)id,
                             a->schema_file, avro_why());
        goto fail;
    }

    /* Which rule reads each top-level field of the projected reader. */
    err = C360_ERR_NOMEM;
    p->n_fields = avro_schema_record_size(p->projected);
    size_t room = p->n_fields ? p->n_fields : 1;
    if (!(p->rules = calloc(room, sizeof(*p->rules))) ||
        !(p->field_nodes = calloc(room, sizeof(*p->field_nodes))) ||
        !(p->starts = calloc(room, sizeof(*p->starts))))
        goto fail;
    for (size_t i = 0; i < p->n_fields; i++)
        p->rules[i] = rule_find(a->entity, avro_schema_record_field_name(p->projected, (int)i));

    json_t *root_json = text ? json_loads(text, 0, NULL) : NULL; /* new */
    p->money_scale = find_money_scale(root_json, 0);
    json_decref(root_json);
    if (p->money_scale < -1) {
        err = c360_diag_fail(diag, C360_ERR_MISMATCH, "Money.amount",
                             "schema id %d: the writer's Money.amount must be bytes with "
                             "logicalType decimal and a scale of 0-%d",
                             (int)id, AVRO_SCALE_MAX);
        goto fail;
    }
    if ((err = node_add(p, writer, p->projected, true, 0, &root, diag)))
        goto fail;
    free(p->node_w); /* only compiling needs the schemas */
    free(p->node_r);
    p->node_w = p->node_r = NULL;
    *out = p;
    return C360_OK;
fail:
    plan_destroy(p);
    return err;
}
static enum c360_err plan_insert(struct c360_avro *a, struct plan *p, struct c360_diag *diag)
{
    if (a->n_plans == C360_CODEC_AVRO_WRITERS_MAX) {
        plan_destroy(p);
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "schema id %d: this topic already has %d writer schemas", (int)p->id,
                              C360_CODEC_AVRO_WRITERS_MAX);
    }
    a->plans[a->n_plans++] = p;
    a->last = p;
    return C360_OK;
}

static struct plan *plan_find(struct c360_avro *a, int32_t id)
{
    if (a->last && a->last->id == id)
        return a->last;
    for (size_t i = 0; i < a->n_plans; i++) {
        if (a->plans[i]->id == id)
            return a->last = a->plans[i];
    }
    return NULL;
}

/* The plan of schema id: cached, or resolved from the registry's schema. */
static enum c360_err plan_get(struct c360_avro *a, int32_t id, struct plan **out,
                              struct c360_diag *diag)
{
    enum c360_err err;
    avro_schema_t writer;
    if ((*out = plan_find(a, id)))
        return C360_OK;
    if (!a->reg)
        return c360_diag_fail(diag, C360_ERR_INVALID, "schema.registry.url",
                              "schema id %d: no Schema Registry is configured", (int)id);
    if (a->n_plans == C360_CODEC_AVRO_WRITERS_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "schema id %d: this topic already has %d writer schemas", (int)id,
                              C360_CODEC_AVRO_WRITERS_MAX);
    if ((err = c360_registry_schema(a->reg, id, &writer, diag)) ||
        (err = plan_new(a, id, writer, c360_registry_schema_text(a->reg, id), out, diag)))
        return err;
    return plan_insert(a, *out, diag);
}

/* --- Pass 2: the fields c360 reads, from where the scan found them. Checks
 * stay on every read, though the scan has passed the bytes. */

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, at most U+10FFFF;
 * what jansson accepts, so every record can be written as JSON. */
static bool utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = c >= 0xC2 && c <= 0xDF   ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        if (n == 0 || len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        }
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) ||
            (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
            return false;
        i += n;
    }
    return true;
}

static enum c360_err bad_type(const char *field, const char *want, struct c360_diag *diag)
{
    return c360_diag_fail(diag, C360_ERR_MISMATCH, field, "the reader schema does not give %s",
                          want);
}

/* One value as the reader holds it, its bytes borrowed from the message. */
struct val {
    avro_type_t type;        /* the reader's; AVRO_NULL for null and for absent */
    bool wrapped;            /* held in a union of the reader */
    uint32_t node;           /* the writer's node, unions resolved */
    const unsigned char *at; /* strings, bytes: the bytes; records, arrays, maps: their start */
    size_t len;
    int64_t num; /* int, long, enum index */
};

static bool is_container(avro_type_t type)
{
    return type == AVRO_RECORD || type == AVRO_ARRAY || type == AVRO_MAP;
}

/* The value of node idx at s. A record, array or map is left for the caller
 * to read from v->at: s stays at its start. */
static enum c360_err read_value(struct scan *s, const struct plan *p, uint32_t idx, struct val *v,
                                struct c360_diag *diag)
{
    enum c360_err err;
    int64_t n;
    const struct wnode *node = &p->nodes[idx];
    if (node->type == AVRO_UNION) {
        if ((err = scan_long(s, &n, diag)))
            return err;
        if (n < 0 || n >= node->count)
            return scan_fail(s, "a union branch out of range", diag);
        idx = p->kids[node->kids + n];
        if (idx & KID_BAD) /* the scan has refused it */
            return scan_fail(s, "a union branch the reader cannot take", diag);
        node = &p->nodes[idx];
    }
    *v = (struct val){.type = node->type == AVRO_NULL ? AVRO_NULL : node->rtype,
                      .wrapped = node->wrapped,
                      .node = idx,
                      .at = s->p};
    switch (node->type) {
    case AVRO_INT32:
    case AVRO_INT64:
    case AVRO_ENUM:
        return scan_long(s, &v->num, diag);
    case AVRO_STRING:
    case AVRO_BYTES:
        if ((err = scan_long(s, &n, diag)))
            return err;
        v->at = s->p;
        if ((err = scan_skip(s, n, diag)))
            return err;
        v->len = (size_t)n;
        return C360_OK;
    case AVRO_RECORD:
    case AVRO_ARRAY:
    case AVRO_MAP:
        return C360_OK;
    default: /* null, boolean, float, double, fixed: nothing c360 reads */
        return scan_node(s, p, idx, 0, diag);
    }
}

/* Moves s past v, a record, array or map read_value left at its start. */
static enum c360_err skip_value(struct scan *s, const struct plan *p, const struct val *v,
                                struct c360_diag *diag)
{
    if (!is_container(p->nodes[v->node].type))
        return C360_OK;
    s->p = v->at;
    return scan_node(s, p, v->node, 0, diag);
}

/* The members c360 reads of v (vals[M_COUNT]; absent ones AVRO_NULL), and s
 * past v. A value that is not a record has no members, as a generic value's
 * avro_value_get_by_name finds none. */
static enum c360_err members(struct scan *s, const struct plan *p, const struct val *v,
                             struct val *vals, struct c360_diag *diag)
{
    enum c360_err err;
    for (int m = 0; m < M_COUNT; m++)
        vals[m] = (struct val){.type = AVRO_NULL};
    if (v->type != AVRO_RECORD)
        return skip_value(s, p, v, diag);
    const struct wnode *node = &p->nodes[v->node];
    s->p = v->at;
    for (uint32_t i = 0; i < node->count; i++) {
        uint32_t kid = p->kids[node->kids + i];
        uint16_t m = p->fslots[node->kids + i];
        if (m >= M_COUNT) {
            if ((err = scan_node(s, p, kid, 0, diag)))
                return err;
        } else if ((err = read_value(s, p, kid, &vals[m], diag)) ||
                   (err = skip_value(s, p, &vals[m], diag))) {
            return err;
        }
    }
    return C360_OK;
}

/* The items of array or map v, counted by walking them. */
static enum c360_err count_items(struct scan s, const struct plan *p, const struct val *v,
                                 size_t *n, struct c360_diag *diag)
{
    enum c360_err err;
    const struct wnode *node = &p->nodes[v->node];
    int64_t left = 0, len;
    bool more;
    *n = 0;
    s.p = v->at;
    for (;;) {
        if ((err = scan_item(&s, &left, &more, diag)))
            return err;
        if (!more)
            return C360_OK;
        if (node->type == AVRO_MAP &&
            ((err = scan_long(&s, &len, diag)) || (err = scan_skip(&s, len, diag))))
            return err;
        if ((err = scan_node(&s, p, p->kids[node->kids], 0, diag)))
            return err;
        (*n)++;
    }
}

/* v as text: a string of the reader, valid UTF-8. */
static enum c360_err text_of(const struct val *v, const char *field, struct c360_diag *diag)
{
    if (v->type != AVRO_STRING)
        return bad_type(field, "a string", diag);
    if (!utf8_valid(v->at, v->len))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "not valid UTF-8");
    return C360_OK;
}

static enum c360_err put_str(struct c360_record *rec, const struct val *v, const char *field,
                             const char **out, struct c360_diag *diag)
{
    enum c360_err err = text_of(v, field, diag);
    if (!err && (err = c360_record_str(rec, (const char *)v->at, v->len, out, diag)) && diag &&
        !diag->field[0])
        snprintf(diag->field, sizeof(diag->field), "%s", field);
    return err;
}

static enum c360_err put_member(struct c360_record *rec, const struct val *v, const char *field,
                                const char **out, struct c360_diag *diag)
{
    return v->type != AVRO_NULL ? put_str(rec, v, field, out, diag) : C360_OK;
}

/* Big-endian two's complement unscaled value at the writer's scale → minor
 * units (scale 2), exactly: digits beyond the second decimal must be zero. */
static enum c360_err decimal_minor(const unsigned char *b, size_t n, int scale, const char *field,
                                   int64_t *minor, struct c360_diag *diag)
{
    __extension__ typedef __int128 i128;
    __extension__ typedef unsigned __int128 u128;
    if (n == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "an empty decimal");
    bool negative = b[0] & 0x80;
    /* Bytes beyond sixteen must be sign extension. */
    for (size_t i = 0; i + 16 < n; i++) {
        if (b[i] != (negative ? 0xFF : 0x00))
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "out of range for money");
    }
    i128 v = negative ? -1 : 0;
    for (size_t i = n > 16 ? n - 16 : 0; i < n; i++)
        v = (i128)((u128)v << 8 | b[i]);
    i128 limit = C360_MONEY_MAX_MINOR;
    for (int s = scale; s > 2; s--) {
        if (v % 10 != 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                  "has more than 2 decimals (decimal scale %d)", scale);
        v /= 10;
    }
    for (int s = scale; s < 2; s++) {
        if (v > limit || v < -limit)
            break; /* already out of range; multiplying could overflow */
        v *= 10;
    }
    if (v > limit || v < -limit)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "out of range for money");
    *minor = (int64_t)v;
    return C360_OK;
}

/* A currency code, as the avro-c reader saw it: up to its first NUL. */
static enum c360_err put_currency(const unsigned char *code, size_t len, char out[4],
                                  struct c360_diag *diag)
{
    char text[4] = {0};
    if (len == 3)
        memcpy(text, code, 3);
    if (len != 3 || c360_money_check_currency(text, NULL)) {
        const unsigned char *nul = memchr(code, '\0', len);
        size_t shown = nul ? (size_t)(nul - code) : len;
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "'%.*s' is not an ISO 4217 currency code",
                              (int)(shown < 16 ? shown : 16), (const char *)code);
    }
    memcpy(out, text, 4);
    return C360_OK;
}

/* The Money record's parts; *part says which one failed. Field names are
 * put on the diagnostic by put_money, only on failure (this is per record). */
static enum c360_err money_parts(struct scan *s, const struct plan *p, const struct val *money,
                                 struct c360_money *out, const char **part, struct c360_diag *diag)
{
    struct val m[M_COUNT];
    enum c360_err err;
    *part = "amount";
    if ((err = members(s, p, money, m, diag)))
        return err;
    const struct val *amount = &m[M_AMOUNT], *currency = &m[M_CURRENCY];
    if (amount->type == AVRO_NULL)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "required field is missing");
    if (amount->type != AVRO_BYTES)
        return bad_type(NULL, "bytes", diag);
    if (p->money_scale < 0)
        return c360_diag_fail(diag, C360_ERR_MISMATCH, NULL,
                              "the writer schema gives no decimal scale");
    if ((err = decimal_minor(amount->at, amount->len, p->money_scale, NULL, &out->minor, diag)))
        return err;
    *part = "currency";
    if (currency->type == AVRO_NULL)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "required field is missing");
    if ((err = text_of(currency, NULL, diag)))
        return err;
    return put_currency(currency->at, currency->len, out->currency, diag);
}

static enum c360_err put_money(struct scan *s, const struct plan *p, const struct val *v,
                               const char *name, struct c360_money *out, struct c360_diag *diag)
{
    const char *part;
    enum c360_err err = money_parts(s, p, v, out, &part, diag);
    if (err && diag)
        snprintf(diag->field, sizeof(diag->field), "%s.%s", name, part);
    return err;
}

static enum c360_err put_strs(struct scan *s, const struct plan *p, struct c360_record *rec,
                              const struct val *arr, const char *field, struct c360_strs *out,
                              struct c360_diag *diag)
{
    enum c360_err err;
    int64_t left = 0;
    bool more;
    if (arr->type != AVRO_ARRAY)
        return bad_type(field, "an array of strings", diag);
    uint32_t item = p->kids[p->nodes[arr->node].kids];
    s->p = arr->at;
    for (;;) {
        struct val v;
        if ((err = scan_item(s, &left, &more, diag)))
            return err;
        if (!more)
            return C360_OK;
        if ((err = read_value(s, p, item, &v, diag)))
            return err;
        /* An item in a union is no string to avro_value_get_string. */
        if (v.wrapped)
            v.type = AVRO_UNION;
        if ((err = text_of(&v, field, diag)))
            return err;
        if ((err = c360_record_strs_add(rec, out, (const char *)v.at, v.len, diag))) {
            if (diag && !diag->field[0])
                snprintf(diag->field, sizeof(diag->field), "%s", field);
            return err;
        }
    }
}

/* Room in rec for the n items of an array or map. */
static enum c360_err put_items(struct c360_record *rec, size_t n, const char *field, size_t size,
                               void **items, struct c360_diag *diag)
{
    enum c360_err err = c360_record_alloc(rec, n, size, items, diag);
    if (err && diag && !diag->field[0])
        snprintf(diag->field, sizeof(diag->field), "%s", field);
    return err;
}

/* The records of array arr, each with its members c360 reads, for put. */
static enum c360_err each_record(struct scan *s, const struct plan *p, const struct val *arr,
                                 const char *field, const char *want,
                                 enum c360_err (*put)(struct c360_record *, size_t,
                                                      const struct val *, struct c360_diag *),
                                 struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    int64_t left = 0;
    bool more;
    uint32_t item = p->kids[p->nodes[arr->node].kids];
    s->p = arr->at;
    for (size_t i = 0;; i++) {
        struct val v, m[M_COUNT];
        if ((err = scan_item(s, &left, &more, diag)))
            return err;
        if (!more)
            return C360_OK;
        if ((err = read_value(s, p, item, &v, diag)))
            return err;
        if (v.type == AVRO_NULL)
            return bad_type(field, want, diag);
        if ((err = members(s, p, &v, m, diag)) || (err = put(rec, i, m, diag)))
            return err;
    }
}

static enum c360_err put_address(struct c360_record *rec, size_t i, const struct val *m,
                                 struct c360_diag *diag)
{
    struct c360_address *ad = (struct c360_address *)&rec->as.individual.addresses[i];
    enum c360_err err;
    if ((err = put_member(rec, &m[M_LINE1], "addresses.line1", &ad->line1, diag)) ||
        (err = put_member(rec, &m[M_CITY], "addresses.city", &ad->city, diag)) ||
        (err = put_member(rec, &m[M_POSTAL_CODE], "addresses.postalCode", &ad->postal_code, diag)))
        return err;
    return put_member(rec, &m[M_COUNTRY], "addresses.country", &ad->country, diag);
}

static enum c360_err put_identifier(struct c360_record *rec, size_t i, const struct val *m,
                                    struct c360_diag *diag)
{
    struct c360_party_identifier *id =
        (struct c360_party_identifier *)&rec->as.individual.identifiers[i];
    enum c360_err err;
    if ((err = put_member(rec, &m[M_TYPE], "partyIdentifiers.type", &id->type, diag)) ||
        (err = put_member(rec, &m[M_VALUE], "partyIdentifiers.value", &id->value, diag)))
        return err;
    if (!id->type || !id->value)
        return c360_diag_fail(diag, C360_ERR_INVALID, "partyIdentifiers",
                              "each identifier needs a type and a value");
    return C360_OK;
}

static enum c360_err put_addresses(struct scan *s, const struct plan *p, struct c360_record *rec,
                                   const struct val *arr, struct c360_diag *diag)
{
    struct c360_individual *ind = &rec->as.individual;
    void *items;
    size_t n;
    enum c360_err err;
    if (arr->type != AVRO_ARRAY)
        return bad_type("addresses", "an array or map", diag);
    if ((err = count_items(*s, p, arr, &n, diag)) ||
        (err = put_items(rec, n, "addresses", sizeof(struct c360_address), &items, diag)))
        return err;
    ind->addresses = items;
    ind->n_addresses = (uint16_t)n;
    return each_record(s, p, arr, "addresses", "an array of Address", put_address, rec, diag);
}

static enum c360_err put_identifiers(struct scan *s, const struct plan *p, struct c360_record *rec,
                                     const struct val *arr, struct c360_diag *diag)
{
    struct c360_individual *ind = &rec->as.individual;
    void *items;
    size_t n;
    enum c360_err err;
    if (arr->type != AVRO_ARRAY)
        return bad_type("partyIdentifiers", "an array or map", diag);
    if ((err = count_items(*s, p, arr, &n, diag)) ||
        (err = put_items(rec, n, "partyIdentifiers", sizeof(struct c360_party_identifier), &items,
                         diag)))
        return err;
    ind->identifiers = items;
    ind->n_identifiers = (uint16_t)n;
    return each_record(s, p, arr, "partyIdentifiers", "an array of PartyIdentifier", put_identifier,
                       rec, diag);
}

/* A map entry: its key up to the first NUL, where avro-c's generic map ends
 * it; a key written twice keeps its first place and its last value. */
struct org_entry {
    const unsigned char *key;
    size_t key_len;
    struct val value;
};

/* Slots of the hash table of entries: a power of two over twice the cap. */
#define ENTRY_SLOTS 4096

static uint32_t key_hash(const unsigned char *key, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 16777619u;
    return h;
}

/* The distinct keys of map v with their last values into a->entries, in the
 * order of their first appearance; *n of them. More than
 * C360_RECORD_FIELDS_MAX stop the reading: c360_record_alloc refuses them. */
static enum c360_err map_entries(struct c360_avro *a, struct scan *s, const struct plan *p,
                                 const struct val *map, size_t *n, struct c360_diag *diag)
{
    enum c360_err err;
    int64_t left = 0, len;
    bool more;
    uint32_t item = p->kids[p->nodes[map->node].kids];
    if (!a->entries) {
        a->entries = calloc(C360_RECORD_FIELDS_MAX + 1, sizeof(*a->entries));
        a->entry_slots = calloc(ENTRY_SLOTS, sizeof(*a->entry_slots));
        if (!a->entries || !a->entry_slots)
            return C360_ERR_NOMEM;
    }
    memset(a->entry_slots, 0, ENTRY_SLOTS * sizeof(*a->entry_slots));
    *n = 0;
    s->p = map->at;
    for (;;) {
        struct org_entry e;
        if ((err = scan_item(s, &left, &more, diag)))
            return err;
        if (!more)
            return C360_OK;
        if ((err = scan_long(s, &len, diag)))
            return err;
        e.key = s->p;
        if ((err = scan_skip(s, len, diag)))
            return err;
        const unsigned char *nul = memchr(e.key, '\0', (size_t)len);
        e.key_len = nul ? (size_t)(nul - e.key) : (size_t)len;
        if ((err = read_value(s, p, item, &e.value, diag)) ||
            (err = skip_value(s, p, &e.value, diag)))
            return err;
        uint32_t slot = key_hash(e.key, e.key_len) & (ENTRY_SLOTS - 1);
        for (;; slot = (slot + 1) & (ENTRY_SLOTS - 1)) {
            uint16_t at = a->entry_slots[slot];
            if (at == 0) {
                if (*n == C360_RECORD_FIELDS_MAX) {
                    *n += 1;
                    return C360_OK;
                }
                a->entries[*n] = e;
                a->entry_slots[slot] = (uint16_t)++ * n;
                break;
            }
            struct org_entry *old = &a->entries[at - 1];
            if (old->key_len == e.key_len && memcmp(old->key, e.key, e.key_len) == 0) {
                old->value = e.value;
                break;
            }
        }
    }
}

static enum c360_err put_org_fields(struct c360_avro *a, struct scan *s, const struct plan *p,
                                    struct c360_record *rec, const struct val *map,
                                    struct c360_diag *diag)
{
    struct c360_org_record *o = &rec->as.org;
    void *items;
    size_t n;
    enum c360_err err;
    if (map->type != AVRO_MAP)
        return bad_type("fields", "a map", diag);
    if ((err = map_entries(a, s, p, map, &n, diag)) ||
        (err = put_items(rec, n, "fields", sizeof(struct c360_org_field), &items, diag)))
        return err;
    struct c360_org_field *f = items;
    o->fields = f;
    for (size_t i = 0; i < n; i++) {
        const struct org_entry *e = &a->entries[i];
        if (!utf8_valid(e->key, e->key_len))
            return c360_diag_fail(diag, C360_ERR_INVALID, "fields", "a key is not valid UTF-8");
        if ((err = c360_record_str(rec, (const char *)e->key, e->key_len, &f[i].name, diag)) ||
            (e->value.type != AVRO_NULL &&
             (err = put_str(rec, &e->value, "fields", &f[i].value, diag)))) {
            if (diag && !diag->field[0])
                snprintf(diag->field, sizeof(diag->field), "fields");
            return err;
        }
        o->n_fields++;
    }
    return C360_OK;
}

/* A symbol into its slot. */
static enum c360_err put_symbol(struct c360_record *rec, const struct rule *rule,
                                const char *symbol, struct c360_diag *diag)
{
    void *slot = (char *)rec + rule->offset;
    switch (rule->slot) {
    case SLOT_CHANGE:
        if (c360_change_parse(symbol, slot))
            break;
        return C360_OK;
    case SLOT_DIRECTION:
        if (c360_direction_parse(symbol, slot))
            break;
        return C360_OK;
    /* The enum defaults of schemas/ (Avro spec, "Schema Resolution": a
     * symbol the reader lacks reads as the reader's default). */
    case SLOT_ACCOUNT_TYPE:
        if (c360_account_type_parse(symbol, slot))
            *(enum c360_account_type *)slot = C360_ACCOUNT_OTHER;
        return C360_OK;
    case SLOT_STATUS:
        if (c360_account_status_parse(symbol, slot))
            *(enum c360_account_status *)slot = C360_STATUS_PENDING;
        return C360_OK;
    default:
        return c360_record_str(rec, symbol, strlen(symbol), slot, diag);
    }
    return c360_diag_fail(diag, C360_ERR_INVALID, rule->name, "'%.40s' is not a known %s", symbol,
                          rule->name);
}

static enum c360_err put_field(struct c360_avro *a, struct scan *s, const struct plan *p,
                               const struct rule *rule, const struct val *v,
                               struct c360_record *rec, struct c360_diag *diag)
{
    void *slot = (char *)rec + rule->offset;
    const char *name = rule->name;
    enum c360_err err;
    struct val m[M_COUNT];
    switch (rule->slot) {
    case SLOT_STR:
        return put_str(rec, v, name, slot, diag);
    case SLOT_TIME:
        if (v->type != AVRO_INT64)
            return bad_type(name, "a timestamp-millis long", diag);
        if (c360_time_check(v->num, NULL))
            return c360_diag_fail(diag, C360_ERR_INVALID, name,
                                  "%lld is not an instant in years 0001-9999", (long long)v->num);
        *(int64_t *)slot = v->num;
        return C360_OK;
    case SLOT_DATE:
        /* Bounded like every date c360 takes: years 0001-9999. */
        if (v->type != AVRO_INT32)
            return bad_type(name, "a date int", diag);
        if (v->num < C360_TIME_MIN_MS / C360_MS_PER_DAY ||
            v->num > C360_TIME_MAX_MS / C360_MS_PER_DAY)
            return c360_diag_fail(diag, C360_ERR_INVALID, name,
                                  "a date is days since 1970-01-01 within years 0001-9999");
        *(int32_t *)slot = (int32_t)v->num;
        return C360_OK;
    case SLOT_MONEY:
        return put_money(s, p, v, name, slot, diag);
    case SLOT_STRS:
        return put_strs(s, p, rec, v, name, slot, diag);
    case SLOT_SECONDS:
        if (v->type != AVRO_INT32)
            return bad_type(name, "an int", diag);
        if (v->num < 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, name, "must not be negative");
        *(int64_t *)slot = v->num;
        return C360_OK;
    case SLOT_SOURCE:
        if (v->type != AVRO_RECORD)
            return bad_type(name, "a SourceRef record", diag);
        if ((err = members(s, p, v, m, diag)) ||
            (err = put_member(rec, &m[M_SYSTEM], "source.system", &rec->source_system, diag)))
            return err;
        return put_member(rec, &m[M_RECORD_ID], "source.recordId", &rec->source_record_id, diag);
    case SLOT_ADDRESSES:
        return put_addresses(s, p, rec, v, diag);
    case SLOT_IDENTIFIERS:
        return put_identifiers(s, p, rec, v, diag);
    case SLOT_ORG_FIELDS:
        return put_org_fields(a, s, p, rec, v, diag);
    default:
        break;
    }
    /* Enums, by the writer's symbols. */
    if (v->type != AVRO_ENUM)
        return bad_type(name, "an enum", diag);
    const struct wnode *node = &p->nodes[v->node];
    if (v->num < 0 || v->num >= node->count)
        return c360_diag_fail(diag, C360_ERR_INVALID, name, "enum index %d out of range",
                              (int)v->num);
    return put_symbol(rec, rule, p->syms[node->syms + v->num], diag);
}

/* Pass 2 over the datum from start to end, which the scan has passed. */
static enum c360_err fill(struct c360_avro *a, const struct plan *p, const unsigned char *start,
                          const unsigned char *end, struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    /* The scan has capped the items; reading some twice must not count. */
    struct scan s = {.start = start, .p = start, .end = end, .items_max = LONG_MAX};
    for (size_t i = 0; i < p->n_fields; i++) {
        struct val v;
        if (!p->rules[i] || !p->starts[i])
            continue;
        s.p = p->starts[i];
        if ((err = read_value(&s, p, p->field_nodes[i], &v, diag)))
            return err;
        if (v.type != AVRO_NULL && (err = put_field(a, &s, p, p->rules[i], &v, rec, diag)))
            return err;
    }
    return c360_record_validate(rec, diag);
}
/* --- The reference path: avro-c's resolved reader into a generic value, then
 * the record filled from it; the decoder before the two passes, unchanged.
 * Only c360_avro_decode_reference runs it, for the fuzz target to compare. */

/* v, or its union branch; false when that is null. */
static bool ref_present(avro_value_t *v, avro_value_t *out)
{
    if (avro_value_get_type(v) == AVRO_UNION) {
        if (avro_value_get_current_branch(v, out))
            return false;
    } else {
        *out = *v;
    }
    return avro_value_get_type(out) != AVRO_NULL;
}

static enum c360_err ref_get_text(avro_value_t *v, const char *field, const char **text,
                                  size_t *len, struct c360_diag *diag)
{
    size_t size;
    if (avro_value_get_string(v, text, &size) || size == 0)
        return bad_type(field, "a string", diag);
    *len = size - 1; /* avro-c counts the NUL it adds */
    if (!utf8_valid((const unsigned char *)*text, *len))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "not valid UTF-8");
    return C360_OK;
}

static enum c360_err ref_put_str(struct c360_record *rec, avro_value_t *v, const char *field,
                                 const char **out, struct c360_diag *diag)
{
    const char *text;
    size_t len;
    enum c360_err err = ref_get_text(v, field, &text, &len, diag);
    if (!err && (err = c360_record_str(rec, text, len, out, diag)) && diag && !diag->field[0])
        snprintf(diag->field, sizeof(diag->field), "%s", field);
    return err;
}

/* A field of a small nested record, by name; false when absent or null. */
static bool ref_member(avro_value_t *rec, const char *name, avro_value_t *out)
{
    avro_value_t v;
    if (avro_value_get_by_name(rec, name, &v, NULL))
        return false;
    return ref_present(&v, out);
}

static enum c360_err ref_put_member(struct c360_record *rec, avro_value_t *obj, const char *name,
                                    const char *field, const char **out, struct c360_diag *diag)
{
    avro_value_t v;
    return ref_member(obj, name, &v) ? ref_put_str(rec, &v, field, out, diag) : C360_OK;
}

/* The symbol of an enum value, by the writer's symbol list. */
static enum c360_err ref_get_symbol(avro_value_t *v, const char *field, const char **symbol,
                                    struct c360_diag *diag)
{
    int idx;
    avro_schema_t schema = avro_value_get_schema(v);
    if (avro_value_get_enum(v, &idx) || !is_avro_enum(schema))
        return bad_type(field, "an enum", diag);
    if (idx < 0 || idx >= avro_schema_enum_number_of_symbols(schema))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "enum index %d out of range", idx);
    if (!(*symbol = avro_schema_enum_get(schema, idx)))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "enum index %d has no symbol", idx);
    return C360_OK;
}

/* The Money record's parts; *part says which one failed. Field names are
 * put on the diagnostic by put_money, only on failure (this is per record). */
static enum c360_err ref_money_parts(avro_value_t *money, int scale, struct c360_money *out,
                                     const char **part, struct c360_diag *diag)
{
    avro_value_t amount, currency;
    const void *bytes;
    size_t n;
    const char *code;
    size_t len;
    enum c360_err err;
    *part = "amount";
    if (!ref_member(money, "amount", &amount))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "required field is missing");
    if (avro_value_get_bytes(&amount, &bytes, &n))
        return bad_type(NULL, "bytes", diag);
    if (scale < 0)
        return c360_diag_fail(diag, C360_ERR_MISMATCH, NULL,
                              "the writer schema gives no decimal scale");
    if ((err = decimal_minor(bytes, n, scale, NULL, &out->minor, diag)))
        return err;
    *part = "currency";
    if (!ref_member(money, "currency", &currency))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "required field is missing");
    if ((err = ref_get_text(&currency, NULL, &code, &len, diag)))
        return err;
    if (len != 3 || c360_money_check_currency(code, NULL))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "'%.16s' is not an ISO 4217 currency code", code);
    memcpy(out->currency, code, 4);
    return C360_OK;
}

static enum c360_err ref_put_money(avro_value_t *money, int scale, const char *name,
                                   struct c360_money *out, struct c360_diag *diag)
{
    const char *part;
    enum c360_err err = ref_money_parts(money, scale, out, &part, diag);
    if (err && diag)
        snprintf(diag->field, sizeof(diag->field), "%s.%s", name, part);
    return err;
}

static enum c360_err ref_put_strs(struct c360_record *rec, avro_value_t *arr, const char *field,
                                  struct c360_strs *out, struct c360_diag *diag)
{
    size_t n;
    if (avro_value_get_size(arr, &n) || avro_value_get_type(arr) != AVRO_ARRAY)
        return bad_type(field, "an array of strings", diag);
    for (size_t i = 0; i < n; i++) {
        avro_value_t item;
        const char *text;
        size_t len;
        enum c360_err err;
        if (avro_value_get_by_index(arr, i, &item, NULL))
            return bad_type(field, "an array of strings", diag);
        if ((err = ref_get_text(&item, field, &text, &len, diag)))
            return err;
        if ((err = c360_record_strs_add(rec, out, text, len, diag))) {
            if (diag && !diag->field[0])
                snprintf(diag->field, sizeof(diag->field), "%s", field);
            return err;
        }
    }
    return C360_OK;
}

/* Room in rec for the items of an array or map. */
static enum c360_err ref_put_items(struct c360_record *rec, avro_value_t *v, const char *field,
                                   size_t size, void **items, uint16_t *count,
                                   struct c360_diag *diag)
{
    size_t n;
    enum c360_err err;
    if (avro_value_get_size(v, &n))
        return bad_type(field, "an array or map", diag);
    if ((err = c360_record_alloc(rec, n, size, items, diag))) {
        if (diag && !diag->field[0])
            snprintf(diag->field, sizeof(diag->field), "%s", field);
        return err;
    }
    *count = (uint16_t)n;
    return C360_OK;
}

static enum c360_err ref_put_addresses(struct c360_record *rec, avro_value_t *arr,
                                       struct c360_diag *diag)
{
    struct c360_individual *p = &rec->as.individual;
    void *items;
    enum c360_err err;
    if ((err = ref_put_items(rec, arr, "addresses", sizeof(struct c360_address), &items,
                             &p->n_addresses, diag)))
        return err;
    struct c360_address *addresses = items;
    p->addresses = addresses;
    for (uint16_t i = 0; i < p->n_addresses; i++) {
        avro_value_t item;
        struct c360_address *ad = &addresses[i];
        if (avro_value_get_by_index(arr, i, &item, NULL) || !ref_present(&item, &item))
            return bad_type("addresses", "an array of Address", diag);
        if ((err = ref_put_member(rec, &item, "line1", "addresses.line1", &ad->line1, diag)) ||
            (err = ref_put_member(rec, &item, "city", "addresses.city", &ad->city, diag)) ||
            (err = ref_put_member(rec, &item, "postalCode", "addresses.postalCode",
                                  &ad->postal_code, diag)) ||
            (err = ref_put_member(rec, &item, "country", "addresses.country", &ad->country, diag)))
            return err;
    }
    return C360_OK;
}

static enum c360_err ref_put_identifiers(struct c360_record *rec, avro_value_t *arr,
                                         struct c360_diag *diag)
{
    struct c360_individual *p = &rec->as.individual;
    void *items;
    enum c360_err err;
    if ((err = ref_put_items(rec, arr, "partyIdentifiers", sizeof(struct c360_party_identifier),
                             &items, &p->n_identifiers, diag)))
        return err;
    struct c360_party_identifier *ids = items;
    p->identifiers = ids;
    for (uint16_t i = 0; i < p->n_identifiers; i++) {
        avro_value_t item;
        if (avro_value_get_by_index(arr, i, &item, NULL) || !ref_present(&item, &item))
            return bad_type("partyIdentifiers", "an array of PartyIdentifier", diag);
        if ((err =
                 ref_put_member(rec, &item, "type", "partyIdentifiers.type", &ids[i].type, diag)) ||
            (err = ref_put_member(rec, &item, "value", "partyIdentifiers.value", &ids[i].value,
                                  diag)))
            return err;
        if (!ids[i].type || !ids[i].value)
            return c360_diag_fail(diag, C360_ERR_INVALID, "partyIdentifiers",
                                  "each identifier needs a type and a value");
    }
    return C360_OK;
}

static enum c360_err ref_put_org_fields(struct c360_record *rec, avro_value_t *map,
                                        struct c360_diag *diag)
{
    struct c360_org_record *o = &rec->as.org;
    void *items;
    uint16_t n;
    enum c360_err err;
    if (avro_value_get_type(map) != AVRO_MAP)
        return bad_type("fields", "a map", diag);
    if ((err = ref_put_items(rec, map, "fields", sizeof(struct c360_org_field), &items, &n, diag)))
        return err;
    struct c360_org_field *f = items;
    o->fields = f;
    for (uint16_t i = 0; i < n; i++) {
        avro_value_t v;
        const char *key;
        if (avro_value_get_by_index(map, i, &v, &key))
            return bad_type("fields", "a map", diag);
        if (!utf8_valid((const unsigned char *)key, strlen(key)))
            return c360_diag_fail(diag, C360_ERR_INVALID, "fields", "a key is not valid UTF-8");
        if ((err = c360_record_str(rec, key, strlen(key), &f[i].name, diag)) ||
            (ref_present(&v, &v) && (err = ref_put_str(rec, &v, "fields", &f[i].value, diag)))) {
            if (diag && !diag->field[0])
                snprintf(diag->field, sizeof(diag->field), "fields");
            return err;
        }
        o->n_fields++;
    }
    return C360_OK;
}

static enum c360_err ref_put_field(const struct plan *p, const struct rule *rule, avro_value_t *v,
                                   struct c360_record *rec, struct c360_diag *diag)
{
    void *slot = (char *)rec + rule->offset;
    const char *name = rule->name, *symbol = NULL;
    enum c360_err err;
    int32_t i32;
    int64_t i64;
    switch (rule->slot) {
    case SLOT_STR:
        return ref_put_str(rec, v, name, slot, diag);
    case SLOT_TIME:
        if (avro_value_get_long(v, &i64))
            return bad_type(name, "a timestamp-millis long", diag);
        if (c360_time_check(i64, NULL))
            return c360_diag_fail(diag, C360_ERR_INVALID, name,
                                  "%lld is not an instant in years 0001-9999", (long long)i64);
        *(int64_t *)slot = i64;
        return C360_OK;
    case SLOT_DATE:
        /* Bounded like every date c360 takes: years 0001-9999. */
        if (avro_value_get_int(v, &i32))
            return bad_type(name, "a date int", diag);
        if (i32 < C360_TIME_MIN_MS / C360_MS_PER_DAY || i32 > C360_TIME_MAX_MS / C360_MS_PER_DAY)
            return c360_diag_fail(diag, C360_ERR_INVALID, name,
                                  "a date is days since 1970-01-01 within years 0001-9999");
        *(int32_t *)slot = i32;
        return C360_OK;
    case SLOT_MONEY:
        return ref_put_money(v, p->money_scale, name, slot, diag);
    case SLOT_STRS:
        return ref_put_strs(rec, v, name, slot, diag);
    case SLOT_SECONDS:
        if (avro_value_get_int(v, &i32))
            return bad_type(name, "an int", diag);
        if (i32 < 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, name, "must not be negative");
        *(int64_t *)slot = i32;
        return C360_OK;
    case SLOT_SOURCE:
        if (avro_value_get_type(v) != AVRO_RECORD)
            return bad_type(name, "a SourceRef record", diag);
        if ((err = ref_put_member(rec, v, "system", "source.system", &rec->source_system, diag)))
            return err;
        return ref_put_member(rec, v, "recordId", "source.recordId", &rec->source_record_id, diag);
    case SLOT_ADDRESSES:
        return ref_put_addresses(rec, v, diag);
    case SLOT_IDENTIFIERS:
        return ref_put_identifiers(rec, v, diag);
    case SLOT_ORG_FIELDS:
        return ref_put_org_fields(rec, v, diag);
    case SLOT_CHANGE:
    case SLOT_ACCOUNT_TYPE:
    case SLOT_STATUS:
    case SLOT_DIRECTION:
    case SLOT_SYMBOL:
        break;
    }
    if ((err = ref_get_symbol(v, name, &symbol, diag)))
        return err;
    return put_symbol(rec, rule, symbol, diag);
}

static enum c360_err ref_fill(const struct plan *p, struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    for (size_t i = 0; i < p->n_fields; i++) {
        avro_value_t field, v;
        if (!p->rules[i])
            continue;
        if (avro_value_get_by_index(&p->value, i, &field, NULL))
            return c360_diag_fail(diag, C360_ERR_INVALID, p->rules[i]->name,
                                  "avro-c cannot read the field: %s", avro_why());
        if (ref_present(&field, &v) && (err = ref_put_field(p, p->rules[i], &v, rec, diag)))
            return err;
    }
    return c360_record_validate(rec, diag);
}

/* Values for the reference path, made when it first runs. */
static enum c360_err ref_values(struct plan *p)
{
    if (p->values_made)
        return C360_OK;
    if (!p->reader_class && !(p->reader_class = avro_generic_class_from_schema(p->projected)))
        return C360_ERR_NOMEM;
    if (avro_generic_value_new(p->reader_class, &p->value))
        return C360_ERR_NOMEM;
    if (avro_resolved_writer_new_value(p->resolver, &p->resolved)) {
        avro_value_decref(&p->value);
        return C360_ERR_NOMEM;
    }
    p->values_made = true;
    avro_resolved_writer_set_dest(&p->resolved, &p->value);
    return C360_OK;
}

/* --- The decoder. */

enum c360_err c360_avro_new(const struct c360_topic *topic, enum c360_entity entity,
                            struct c360_avro **out, struct c360_diag *diag)
{
    (void)diag;
    struct c360_avro *a = calloc(1, sizeof(*a));
    if (!a)
        return C360_ERR_NOMEM;
    a->entity = entity;
    if (!(a->schema_file = strdup(topic->schema))) {
        c360_avro_destroy(a);
        return C360_ERR_NOMEM;
    }
    *out = a;
    return C360_OK;
}

void c360_avro_destroy(struct c360_avro *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_plans; i++)
        plan_destroy(a->plans[i]);
    if (a->in)
        avro_reader_free(a->in);
    if (a->reader)
        avro_schema_decref(a->reader);
    free(a->entries);
    free(a->entry_slots);
    free(a->schema_file);
    free(a);
}

enum c360_err c360_avro_setup(struct c360_avro *a, struct c360_registry *reg,
                              const struct c360_schema_set *schemas, struct c360_diag *diag)
{
    avro_schema_t reader = c360_schema_set_find(schemas, a->schema_file);
    if (!reader)
        return c360_diag_fail(diag, C360_ERR_NOT_FOUND, "schema",
                              "the topic's schema %s is not in the schemas folder", a->schema_file);
    if (!is_avro_record(reader))
        return c360_diag_fail(diag, C360_ERR_INVALID, "schema", "%s is not a record schema",
                              a->schema_file);
    if (a->reader || a->n_plans)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "the Avro decoder is set up already");
    a->reader = avro_schema_incref(reader);
    a->reg = reg;
    return C360_OK;
}

enum c360_err c360_avro_add_writer(struct c360_avro *a, int32_t id, const char *schema_json,
                                   struct c360_diag *diag)
{
    enum c360_err err;
    avro_schema_t writer;
    struct plan *p;
    if (!a->reader)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "the Avro decoder is not set up");
    if (plan_find(a, id))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "schema id %d is known already",
                              (int)id);
    if (avro_schema_from_json_length(schema_json, strlen(schema_json), &writer))
        return c360_diag_fail(diag, C360_ERR_INVALID, "schema", "avro-c rejects the schema: %s",
                              avro_why());
    err = plan_new(a, id, writer, schema_json, &p, diag);
    avro_schema_decref(writer);
    return err ? err : plan_insert(a, p, diag);
}

/* The header of a message, its plan, and the scan of its datum: *s ends
 * where the datum does. */
static enum c360_err decode_scan(struct c360_avro *a, const char *bytes, size_t len,
                                 struct plan **plan, struct scan *s, struct c360_diag *diag)
{
    enum c360_err err;
    const unsigned char *b = (const unsigned char *)bytes;
    if (!a->reader)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "the Avro decoder has no reader schema (c360_codec_set_avro)");
    int32_t id;
    if ((err = c360_codec_avro_header(bytes, len, &id, diag)) ||
        (err = plan_get(a, id, plan, diag)))
        return err;
    *s = (struct scan){.start = b + AVRO_HEADER_LEN,
                       .p = b + AVRO_HEADER_LEN,
                       .end = b + len,
                       .items_max = AVRO_ITEMS_MAX,
                       .starts = (*plan)->starts};
    if ((err = scan_node(s, *plan, 0, 0, diag)))
        return err;
    if (s->p != s->end)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "%td bytes after the end of the datum (schema id %d)", s->end - s->p,
                              (int)id);
    return C360_OK;
}

enum c360_err c360_avro_decode(struct c360_avro *a, const char *bytes, size_t len,
                               struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    struct plan *p;
    struct scan s;
    if ((err = decode_scan(a, bytes, len, &p, &s, diag)))
        return err;
    /* As avro-c words its refusals (the datum read as avro_value_read did). */
    if (s.refused && s.refused_branch < 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "the datum does not decode with schema id %d: Cannot read int "
                              "value: Varint out of range for int type",
                              (int)p->id);
    if (s.refused)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "the datum does not decode with schema id %d: Writer union branch "
                              "%d is incompatible with reader schema \"%s\"",
                              (int)p->id, s.refused_branch, s.refused_reader);
    return fill(a, p, s.start, s.end, rec, diag);
}

enum c360_err c360_avro_decode_reference(struct c360_avro *a, const char *bytes, size_t len,
                                         struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    struct plan *p;
    struct scan s;
    if ((err = decode_scan(a, bytes, len, &p, &s, diag)))
        return err;
    if ((err = ref_values(p)))
        return err;
    if (!a->in && !(a->in = avro_reader_memory("", 0)))
        return C360_ERR_NOMEM;
    avro_reader_memory_set_source(a->in, bytes + AVRO_HEADER_LEN, (int64_t)(len - AVRO_HEADER_LEN));
    if (avro_value_read(a->in, &p->resolved))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "the datum does not decode with schema id %d: %s", (int)p->id,
                              avro_why());
    return ref_fill(p, rec, diag);
}
