/*
 * c360 codec — Avro in the Confluent Schema Registry wire format: byte 0 is
 * the magic byte 0, bytes 1-4 the big-endian id of the writer schema, then
 * one Avro binary datum ("Wire format", Confluent Schema Registry docs).
 *
 * Per writer schema id the decoder keeps a plan: the writer schema (from the
 * registry, or given directly for fuzzing and benchmarks), avro-c's resolver
 * from it to the topic's canonical reader schema, and a compiled copy of the
 * writer schema used to check a datum's bytes before avro-c reads them.
 * Plans are capped (C360_CODEC_AVRO_WRITERS_MAX) and never evicted.
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
 *  - Caps: avro-c trusts lengths and counts from the input. A pre-scan over
 *    the compiled writer schema bounds nesting, array/map items and lengths,
 *    and finds truncated data and trailing bytes before avro-c allocates.
 *
 * avro_value_t and avro_schema_t stay in this file. Not thread-safe: a plan
 * holds the values it reads into, so one codec serves one thread.
 */
#include "codec_int.h"

#include "c360/registry.h"
#include "c360/schema.h"
#include "c360/time.h"

#include <avro.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AVRO_HEADER_LEN 5
/* Nesting of a datum (records, unions, arrays, maps); c360's schemas need 4. */
#define AVRO_DEPTH_MAX 32
/* Array and map items in one datum, all together: a short message may claim
 * billions of items of a type that takes no bytes. */
#define AVRO_ITEMS_MAX 65536
/* Named and unnamed nodes of one compiled writer schema. */
#define AVRO_NODES_MAX 4096
/* Decimal scales a writer may use for Money.amount. */
#define AVRO_SCALE_MAX 18

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

/* --- Compiled writer schemas, for the pre-scan. */

struct wnode {
    avro_type_t type;
    uint32_t count; /* record fields, union branches, enum symbols, fixed size */
    uint32_t kids;  /* first child in plan->kids: fields, branches, items, values */
};

struct plan {
    int32_t id;
    avro_schema_t writer;    /* owned reference */
    avro_schema_t projected; /* owned: the reader schema cut to the writer's fields */
    avro_value_iface_t *resolver, *reader_class;
    avro_value_t resolved, value; /* value holds the datum; resolved writes into it */
    bool values_made;
    int money_scale; /* scale of the writer's Money.amount; -1 when it has none */
    size_t n_fields; /* top-level fields of projected */
    const struct rule **rules;
    struct wnode *nodes;
    avro_schema_t *node_schemas; /* only while compiling */
    uint32_t n_nodes, cap_nodes;
    uint32_t *kids;
    uint32_t n_kids, cap_kids;
};

struct c360_avro {
    enum c360_entity entity;
    char *schema_file;         /* the topic's reader schema, e.g. "financial_transaction.avsc" */
    avro_schema_t reader;      /* owned reference; NULL until set up */
    struct c360_registry *reg; /* borrowed; NULL: only writers added directly */
    avro_reader_t in;
    struct plan *plans[C360_CODEC_AVRO_WRITERS_MAX];
    size_t n_plans;
    struct plan *last; /* most messages of a topic share one id */
};

static avro_schema_t deref(avro_schema_t s)
{
    while (s && is_avro_link(s))
        s = avro_schema_link_target(s);
    return s;
}

static enum c360_err node_add(struct plan *p, avro_schema_t s, int depth, uint32_t *out,
                              struct c360_diag *diag);

/* Room for n children of a node; *first is their index in p->kids. */
static enum c360_err kids_reserve(struct plan *p, uint32_t n, uint32_t *first,
                                  struct c360_diag *diag)
{
    if (n > AVRO_NODES_MAX || p->n_kids + n > AVRO_NODES_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "the writer schema has more than %d nodes", AVRO_NODES_MAX);
    if (p->n_kids + n > p->cap_kids) {
        uint32_t cap = p->cap_kids ? p->cap_kids : 64;
        while (cap < p->n_kids + n)
            cap *= 2;
        uint32_t *kids = realloc(p->kids, cap * sizeof(*kids));
        if (!kids)
            return C360_ERR_NOMEM;
        p->kids = kids;
        p->cap_kids = cap;
    }
    *first = p->n_kids;
    p->n_kids += n;
    return C360_OK;
}

/* Compiles schema s (links followed, each named node once, so recursive
 * schemas end) and gives its node index. */
static enum c360_err node_add(struct plan *p, avro_schema_t s, int depth, uint32_t *out,
                              struct c360_diag *diag)
{
    enum c360_err err;
    s = deref(s);
    if (depth > AVRO_DEPTH_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "the writer schema is nested deeper than %d", AVRO_DEPTH_MAX);
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        if (p->node_schemas[i] == s) {
            *out = i;
            return C360_OK;
        }
    }
    if (p->n_nodes == AVRO_NODES_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "the writer schema has more than %d nodes", AVRO_NODES_MAX);
    if (p->n_nodes == p->cap_nodes) {
        uint32_t cap = p->cap_nodes ? p->cap_nodes * 2 : 32;
        struct wnode *nodes = realloc(p->nodes, cap * sizeof(*nodes));
        if (!nodes)
            return C360_ERR_NOMEM;
        p->nodes = nodes;
        avro_schema_t *schemas = realloc(p->node_schemas, cap * sizeof(*schemas));
        if (!schemas)
            return C360_ERR_NOMEM;
        p->node_schemas = schemas;
        p->cap_nodes = cap;
    }
    uint32_t idx = p->n_nodes++, first = 0, n = 0;
    p->node_schemas[idx] = s;
    p->nodes[idx] = (struct wnode){.type = avro_typeof(s)};
    switch (avro_typeof(s)) {
    case AVRO_RECORD:
        n = (uint32_t)avro_schema_record_size(s);
        break;
    case AVRO_UNION:
        n = (uint32_t)avro_schema_union_size(s);
        break;
    case AVRO_ARRAY:
    case AVRO_MAP:
        n = 1;
        break;
    case AVRO_ENUM:
        p->nodes[idx].count = (uint32_t)avro_schema_enum_number_of_symbols(s);
        break;
    case AVRO_FIXED:
        p->nodes[idx].count = (uint32_t)avro_schema_fixed_size(s);
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
        avro_schema_t kid = avro_typeof(s) == AVRO_RECORD
                                ? avro_schema_record_field_get_by_index(s, (int)i)
                            : avro_typeof(s) == AVRO_UNION ? avro_schema_union_branch(s, i)
                            : avro_typeof(s) == AVRO_ARRAY ? avro_schema_array_items(s)
                                                           : avro_schema_map_values(s);
        uint32_t k;
        if ((err = node_add(p, kid, depth + 1, &k, diag)))
            return err;
        p->kids[first + i] = k;
    }
    *out = idx;
    return C360_OK;
}

/* --- The pre-scan: walks a datum's bytes with the compiled writer schema. */

struct scan {
    const unsigned char *start, *p, *end;
    long items;
};

static enum c360_err scan_fail(const struct scan *s, const char *what, struct c360_diag *diag)
{
    /* Offsets count from the start of the message, header included. */
    return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "%s at byte %td of the message", what,
                          s->p - s->start + AVRO_HEADER_LEN);
}

/* A zig-zag varint of at most 10 bytes (Avro spec, "Binary Encoding"). */
static enum c360_err scan_long(struct scan *s, int64_t *out, struct c360_diag *diag)
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

static enum c360_err scan_skip(struct scan *s, int64_t n, struct c360_diag *diag)
{
    if (n < 0)
        return scan_fail(s, "a negative length", diag);
    if (n > s->end - s->p)
        return scan_fail(s, "the datum is truncated", diag);
    s->p += n;
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
    case AVRO_UNION:
        if ((err = scan_long(s, &v, diag)))
            return err;
        if (v < 0 || v >= node->count)
            return scan_fail(s, "a union branch out of range", diag);
        return scan_node(s, p, p->kids[node->kids + v], depth + 1, diag);
    case AVRO_RECORD:
        for (uint32_t i = 0; i < node->count; i++) {
            if ((err = scan_node(s, p, p->kids[node->kids + i], depth + 1, diag)))
                return err;
        }
        return C360_OK;
    case AVRO_ARRAY:
    case AVRO_MAP:
        /* Blocks of items until a zero count; a negative count is followed by
         * the block's size in bytes, which we do not need. */
        for (;;) {
            int64_t count, size;
            if ((err = scan_long(s, &count, diag)))
                return err;
            if (count == 0)
                return C360_OK;
            if (count < 0) {
                if (count == INT64_MIN)
                    return scan_fail(s, "an item count out of range", diag);
                count = -count;
                if ((err = scan_long(s, &size, diag)))
                    return err;
            }
            if (count > AVRO_ITEMS_MAX - s->items)
                return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                                      "the datum has more than %d array or map items",
                                      AVRO_ITEMS_MAX);
            s->items += (long)count;
            for (int64_t i = 0; i < count; i++) {
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
    free(p->nodes);
    free(p->node_schemas);
    free(p->kids);
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
    if (!(p->resolver = avro_resolved_writer_new(writer, p->projected))) {
        err = c360_diag_fail(diag, C360_ERR_MISMATCH, NULL,
                             "schema id %d does not resolve against %s: %s", (int)id,
                             a->schema_file, avro_why());
        goto fail;
    }
    err = C360_ERR_NOMEM;
    if (!(p->reader_class = avro_generic_class_from_schema(p->projected)))
        goto fail;
    if (avro_generic_value_new(p->reader_class, &p->value))
        goto fail;
    if (avro_resolved_writer_new_value(p->resolver, &p->resolved)) {
        avro_value_decref(&p->value);
        goto fail;
    }
    p->values_made = true;
    avro_resolved_writer_set_dest(&p->resolved, &p->value);

    /* Which rule reads each top-level field of the projected reader. */
    p->n_fields = avro_schema_record_size(p->projected);
    if (!(p->rules = calloc(p->n_fields ? p->n_fields : 1, sizeof(*p->rules))))
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
    if ((err = node_add(p, writer, 0, &root, diag)))
        goto fail;
    free(p->node_schemas); /* only compiling needs the schemas */
    p->node_schemas = NULL;
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

/* --- Reading the resolved value into the record. */

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

/* v, or its union branch; false when that is null. */
static bool present(avro_value_t *v, avro_value_t *out)
{
    if (avro_value_get_type(v) == AVRO_UNION) {
        if (avro_value_get_current_branch(v, out))
            return false;
    } else {
        *out = *v;
    }
    return avro_value_get_type(out) != AVRO_NULL;
}

static enum c360_err get_text(avro_value_t *v, const char *field, const char **text, size_t *len,
                              struct c360_diag *diag)
{
    size_t size;
    if (avro_value_get_string(v, text, &size) || size == 0)
        return bad_type(field, "a string", diag);
    *len = size - 1; /* avro-c counts the NUL it adds */
    if (!utf8_valid((const unsigned char *)*text, *len))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "not valid UTF-8");
    return C360_OK;
}

static enum c360_err put_str(struct c360_record *rec, avro_value_t *v, const char *field,
                             const char **out, struct c360_diag *diag)
{
    const char *text;
    size_t len;
    enum c360_err err = get_text(v, field, &text, &len, diag);
    if (!err && (err = c360_record_str(rec, text, len, out, diag)) && diag && !diag->field[0])
        snprintf(diag->field, sizeof(diag->field), "%s", field);
    return err;
}

/* A field of a small nested record, by name; false when absent or null. */
static bool member(avro_value_t *rec, const char *name, avro_value_t *out)
{
    avro_value_t v;
    if (avro_value_get_by_name(rec, name, &v, NULL))
        return false;
    return present(&v, out);
}

static enum c360_err put_member(struct c360_record *rec, avro_value_t *obj, const char *name,
                                const char *field, const char **out, struct c360_diag *diag)
{
    avro_value_t v;
    return member(obj, name, &v) ? put_str(rec, &v, field, out, diag) : C360_OK;
}

/* The symbol of an enum value, by the writer's symbol list. */
static enum c360_err get_symbol(avro_value_t *v, const char *field, const char **symbol,
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

/* The Money record's parts; *part says which one failed. Field names are
 * put on the diagnostic by put_money, only on failure (this is per record). */
static enum c360_err money_parts(avro_value_t *money, int scale, struct c360_money *out,
                                 const char **part, struct c360_diag *diag)
{
    avro_value_t amount, currency;
    const void *bytes;
    size_t n;
    const char *code;
    size_t len;
    enum c360_err err;
    *part = "amount";
    if (!member(money, "amount", &amount))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "required field is missing");
    if (avro_value_get_bytes(&amount, &bytes, &n))
        return bad_type(NULL, "bytes", diag);
    if (scale < 0)
        return c360_diag_fail(diag, C360_ERR_MISMATCH, NULL,
                              "the writer schema gives no decimal scale");
    if ((err = decimal_minor(bytes, n, scale, NULL, &out->minor, diag)))
        return err;
    *part = "currency";
    if (!member(money, "currency", &currency))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "required field is missing");
    if ((err = get_text(&currency, NULL, &code, &len, diag)))
        return err;
    if (len != 3 || c360_money_check_currency(code, NULL))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "'%.16s' is not an ISO 4217 currency code", code);
    memcpy(out->currency, code, 4);
    return C360_OK;
}

static enum c360_err put_money(avro_value_t *money, int scale, const char *name,
                               struct c360_money *out, struct c360_diag *diag)
{
    const char *part;
    enum c360_err err = money_parts(money, scale, out, &part, diag);
    if (err && diag)
        snprintf(diag->field, sizeof(diag->field), "%s.%s", name, part);
    return err;
}

static enum c360_err put_strs(struct c360_record *rec, avro_value_t *arr, const char *field,
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
        if ((err = get_text(&item, field, &text, &len, diag)))
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
static enum c360_err put_items(struct c360_record *rec, avro_value_t *v, const char *field,
                               size_t size, void **items, uint16_t *count, struct c360_diag *diag)
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

static enum c360_err put_addresses(struct c360_record *rec, avro_value_t *arr,
                                   struct c360_diag *diag)
{
    struct c360_individual *p = &rec->as.individual;
    void *items;
    enum c360_err err;
    if ((err = put_items(rec, arr, "addresses", sizeof(struct c360_address), &items,
                         &p->n_addresses, diag)))
        return err;
    struct c360_address *addresses = items;
    p->addresses = addresses;
    for (uint16_t i = 0; i < p->n_addresses; i++) {
        avro_value_t item;
        struct c360_address *ad = &addresses[i];
        if (avro_value_get_by_index(arr, i, &item, NULL) || !present(&item, &item))
            return bad_type("addresses", "an array of Address", diag);
        if ((err = put_member(rec, &item, "line1", "addresses.line1", &ad->line1, diag)) ||
            (err = put_member(rec, &item, "city", "addresses.city", &ad->city, diag)) ||
            (err = put_member(rec, &item, "postalCode", "addresses.postalCode", &ad->postal_code,
                              diag)) ||
            (err = put_member(rec, &item, "country", "addresses.country", &ad->country, diag)))
            return err;
    }
    return C360_OK;
}

static enum c360_err put_identifiers(struct c360_record *rec, avro_value_t *arr,
                                     struct c360_diag *diag)
{
    struct c360_individual *p = &rec->as.individual;
    void *items;
    enum c360_err err;
    if ((err = put_items(rec, arr, "partyIdentifiers", sizeof(struct c360_party_identifier), &items,
                         &p->n_identifiers, diag)))
        return err;
    struct c360_party_identifier *ids = items;
    p->identifiers = ids;
    for (uint16_t i = 0; i < p->n_identifiers; i++) {
        avro_value_t item;
        if (avro_value_get_by_index(arr, i, &item, NULL) || !present(&item, &item))
            return bad_type("partyIdentifiers", "an array of PartyIdentifier", diag);
        if ((err = put_member(rec, &item, "type", "partyIdentifiers.type", &ids[i].type, diag)) ||
            (err = put_member(rec, &item, "value", "partyIdentifiers.value", &ids[i].value, diag)))
            return err;
        if (!ids[i].type || !ids[i].value)
            return c360_diag_fail(diag, C360_ERR_INVALID, "partyIdentifiers",
                                  "each identifier needs a type and a value");
    }
    return C360_OK;
}

static enum c360_err put_org_fields(struct c360_record *rec, avro_value_t *map,
                                    struct c360_diag *diag)
{
    struct c360_org_record *o = &rec->as.org;
    void *items;
    uint16_t n;
    enum c360_err err;
    if (avro_value_get_type(map) != AVRO_MAP)
        return bad_type("fields", "a map", diag);
    if ((err = put_items(rec, map, "fields", sizeof(struct c360_org_field), &items, &n, diag)))
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
            (present(&v, &v) && (err = put_str(rec, &v, "fields", &f[i].value, diag)))) {
            if (diag && !diag->field[0])
                snprintf(diag->field, sizeof(diag->field), "fields");
            return err;
        }
        o->n_fields++;
    }
    return C360_OK;
}

static enum c360_err put_field(const struct plan *p, const struct rule *rule, avro_value_t *v,
                               struct c360_record *rec, struct c360_diag *diag)
{
    void *slot = (char *)rec + rule->offset;
    const char *name = rule->name, *symbol = NULL;
    enum c360_err err;
    int32_t i32;
    int64_t i64;
    switch (rule->slot) {
    case SLOT_STR:
        return put_str(rec, v, name, slot, diag);
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
        return put_money(v, p->money_scale, name, slot, diag);
    case SLOT_STRS:
        return put_strs(rec, v, name, slot, diag);
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
        if ((err = put_member(rec, v, "system", "source.system", &rec->source_system, diag)))
            return err;
        return put_member(rec, v, "recordId", "source.recordId", &rec->source_record_id, diag);
    case SLOT_ADDRESSES:
        return put_addresses(rec, v, diag);
    case SLOT_IDENTIFIERS:
        return put_identifiers(rec, v, diag);
    case SLOT_ORG_FIELDS:
        return put_org_fields(rec, v, diag);
    case SLOT_CHANGE:
    case SLOT_ACCOUNT_TYPE:
    case SLOT_STATUS:
    case SLOT_DIRECTION:
    case SLOT_SYMBOL:
        break;
    }
    if ((err = get_symbol(v, name, &symbol, diag)))
        return err;
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
    return c360_diag_fail(diag, C360_ERR_INVALID, name, "'%.40s' is not a known %s", symbol, name);
}

static enum c360_err fill(const struct plan *p, struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    for (size_t i = 0; i < p->n_fields; i++) {
        avro_value_t field, v;
        if (!p->rules[i])
            continue;
        if (avro_value_get_by_index(&p->value, i, &field, NULL))
            return c360_diag_fail(diag, C360_ERR_INVALID, p->rules[i]->name,
                                  "avro-c cannot read the field: %s", avro_why());
        if (present(&field, &v) && (err = put_field(p, p->rules[i], &v, rec, diag)))
            return err;
    }
    return c360_record_validate(rec, diag);
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
    /* avro-c reads from a memory reader pointed at each message in turn. */
    if (!(a->schema_file = strdup(topic->schema)) || !(a->in = avro_reader_memory("", 0))) {
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

enum c360_err c360_avro_decode(struct c360_avro *a, const char *bytes, size_t len,
                               struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    struct plan *p;
    const unsigned char *b = (const unsigned char *)bytes;
    if (!a->reader)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "the Avro decoder has no reader schema (c360_codec_set_avro)");
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
    int32_t id =
        (int32_t)((uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4]);
    if ((err = plan_get(a, id, &p, diag)))
        return err;

    struct scan s = {.start = b + AVRO_HEADER_LEN, .p = b + AVRO_HEADER_LEN, .end = b + len};
    if ((err = scan_node(&s, p, 0, 0, diag)))
        return err;
    if (s.p != s.end)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "%td bytes after the end of the datum (schema id %d)", s.end - s.p,
                              (int)id);
    avro_reader_memory_set_source(a->in, bytes + AVRO_HEADER_LEN, (int64_t)(len - AVRO_HEADER_LEN));
    if (avro_value_read(a->in, &p->resolved))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "the datum does not decode with schema id %d: %s", (int)id,
                              avro_why());
    return fill(p, rec, diag);
}
