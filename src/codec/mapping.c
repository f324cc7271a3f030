/*
 * c360 codec — stream mappings: how the fields of a source system's record
 * become canonical fields (DESIGN.md §1: "the mapping to canonical fields").
 *
 * A mapping is declared per input topic in topics/<topic>.json as
 *   "mapping": { "<canonical path>": <rule>, … }
 * where the canonical path is dotted ("balance.amount", "source.system",
 * "emails.0", "addresses.0.city": a number indexes a list) and a rule is
 *   "SOURCE_FIELD"                          the value as is (dotted for nested)
 *   {"from": "F"}                           the same
 *   {"from": "F", "values": {"a": "A", …}}  a value map; anything else is an error
 *   {"from": "F", "split": ","}             a list held in one text field
 *   {"const": <json>}                       a fixed value
 *   any rule object may add "if": "F": the rule applies only when source
 *   field F has a value (the type beside an identifier value, the currency
 *   of an optional amount)
 *   {"meta": "key" | "position" | "timestamp"}  from the Kafka message
 * Source values that are null or absent leave the canonical field absent.
 *
 * The source is a row (codec_int.h): a JSON object, or the columns a Kafka
 * Connect payload was read into without a DOM; both read alike here.
 *
 * Two ways to apply a mapping: c360_mapping_apply builds the canonical JSON
 * object (the reference, and what Salesforce CDC merges), and
 * c360_mapping_record writes straight into a record when every target is a
 * record field, handing back whatever it cannot decide exactly alike.
 */
#include "codec_int.h"

#include "c360/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A mapping is written by people: a few dozen fields at most. */
#define MAPPING_RULES_MAX 128
#define MAPPING_PATH_DEPTH 4
#define MAPPING_INDEX_MAX 31

enum rule_kind { RULE_FROM, RULE_VALUES, RULE_SPLIT, RULE_CONST, RULE_META };
enum meta_kind { META_KEY, META_POSITION, META_TIMESTAMP };

struct rule {
    char *target; /* canonical path */
    enum rule_kind kind;
    char *from;     /* source path */
    json_t *values; /* RULE_VALUES map; RULE_CONST value (owned) */
    char *split;    /* RULE_SPLIT delimiter */
    char *cond;     /* "if": source path that must have a value, or NULL */
    enum meta_kind meta;
};

struct direct;

struct c360_mapping {
    struct rule rules[MAPPING_RULES_MAX];
    size_t count;
    struct direct *direct; /* c360_mapping_direct; NULL: the jansson path only */
};

void c360_mapping_destroy(struct c360_mapping *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++) {
        free(m->rules[i].target);
        free(m->rules[i].from);
        free(m->rules[i].split);
        free(m->rules[i].cond);
        json_decref(m->rules[i].values);
    }
    free(m->direct);
    free(m);
}

static enum c360_err rule_parse(const char *target, json_t *spec, struct rule *r,
                                struct c360_diag *diag)
{
    if (!(r->target = strdup(target)))
        return C360_ERR_NOMEM;
    if (json_is_string(spec)) {
        r->kind = RULE_FROM;
        r->from = strdup(json_string_value(spec));
        return r->from ? C360_OK : C360_ERR_NOMEM;
    }
    if (!json_is_object(spec))
        return c360_diag_fail(diag, C360_ERR_INVALID, target,
                              "a rule is a source field name or an object");
    json_t *from = json_object_get(spec, "from"), *values = json_object_get(spec, "values"),
           *split = json_object_get(spec, "split"), *cnst = json_object_get(spec, "const"),
           *meta = json_object_get(spec, "meta");
    json_t *cond = json_object_get(spec, "if");
    if (cond && !json_is_string(cond))
        return c360_diag_fail(diag, C360_ERR_INVALID, target,
                              "\"if\" names the source field the rule depends on");
    if (cond && !(r->cond = strdup(json_string_value(cond))))
        return C360_ERR_NOMEM;
    if (cnst) {
        r->kind = RULE_CONST;
        r->values = json_incref(cnst);
        return C360_OK;
    }
    if (meta) {
        const char *name = json_string_value(meta);
        r->kind = RULE_META;
        if (name && strcmp(name, "key") == 0)
            r->meta = META_KEY;
        else if (name && strcmp(name, "position") == 0)
            r->meta = META_POSITION;
        else if (name && strcmp(name, "timestamp") == 0)
            r->meta = META_TIMESTAMP;
        else
            return c360_diag_fail(diag, C360_ERR_INVALID, target,
                                  "meta is key, position or timestamp");
        return C360_OK;
    }
    if (!json_is_string(from))
        return c360_diag_fail(diag, C360_ERR_INVALID, target,
                              "a rule needs \"from\", \"const\" or \"meta\"");
    if (!(r->from = strdup(json_string_value(from))))
        return C360_ERR_NOMEM;
    if (json_is_object(values)) {
        const char *k;
        json_t *v;
        json_object_foreach(values, k, v)
        {
            if (!json_is_string(v))
                return c360_diag_fail(diag, C360_ERR_INVALID, target,
                                      "the value map gives strings");
        }
        r->kind = RULE_VALUES;
        r->values = json_incref(values);
        return C360_OK;
    }
    if (json_is_string(split) && json_string_length(split) > 0) {
        r->kind = RULE_SPLIT;
        r->split = strdup(json_string_value(split));
        return r->split ? C360_OK : C360_ERR_NOMEM;
    }
    if (values || split)
        return c360_diag_fail(diag, C360_ERR_INVALID, target,
                              "\"values\" is an object of strings, \"split\" a non-empty string");
    r->kind = RULE_FROM; /* {"from": "F", "if": "G"} */
    return C360_OK;
}

enum c360_err c360_mapping_parse(const char *text, struct c360_mapping **out,
                                 struct c360_diag *diag)
{
    json_error_t jerr;
    *out = NULL;
    if (!text || !*text)
        return C360_OK; /* no mapping: the input is canonical already */
    json_t *obj = json_loads(text, JSON_REJECT_DUPLICATES, &jerr); /* new */
    if (!json_is_object(obj)) {
        json_decref(obj);
        return c360_diag_fail(diag, C360_ERR_INVALID, "mapping", "not a JSON object");
    }
    enum c360_err err = C360_OK;
    struct c360_mapping *m = calloc(1, sizeof(*m));
    if (!m) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    const char *target;
    json_t *spec;
    json_object_foreach(obj, target, spec)
    {
        if (m->count == MAPPING_RULES_MAX) {
            err = c360_diag_fail(diag, C360_ERR_LIMIT, "mapping", "more than %d rules",
                                 MAPPING_RULES_MAX);
            goto fail;
        }
        if ((err = rule_parse(target, spec, &m->rules[m->count++], diag)))
            goto fail;
    }
    *out = m;
    m = NULL;
fail:
    c360_mapping_destroy(m);
    json_decref(obj);
    return err;
}

/* The value at a dotted path of row into *out (a borrowed view); C360_ROW_NULL
 * when absent or null. A name that exists as a whole is taken first, so
 * "Global Party ID" or "a.b" columns work. */
static void source_get(const struct c360_row *row, const char *path, struct c360_row_val *out)
{
    bool whole = c360_row_get(row, path, out);
    if (whole || !strchr(path, '.')) {
        if (!whole)
            out->kind = C360_ROW_NULL;
        return;
    }
    char seg[256];
    struct c360_row at = *row;
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len >= sizeof(seg))
            break;
        memcpy(seg, p, len);
        seg[len] = '\0';
        if (!c360_row_get(&at, seg, out))
            break;
        if (!dot || !dot[1])
            return;
        p = dot + 1;
        /* Deeper: only into a nested object. */
        if (out->kind == C360_ROW_ROW)
            at = *out->as.row;
        else if (out->kind == C360_ROW_JSON && json_is_object(out->as.json))
            at = (struct c360_row){.obj = out->as.json};
        else
            break;
    }
    out->kind = C360_ROW_NULL;
}

static bool is_index(const char *seg, size_t *index)
{
    if (!*seg)
        return false;
    char *end;
    unsigned long v = strtoul(seg, &end, 10);
    if (*end || v > MAPPING_INDEX_MAX)
        return false;
    *index = v;
    return true;
}

/* Sets value (stolen) at a dotted canonical path of root, creating objects
 * and lists on the way. Paths come from the mapping text, which jansson has
 * checked as UTF-8, so keys are set without checking again. */
static enum c360_err target_set(json_t *root, const char *path, json_t *value,
                                struct c360_diag *diag)
{
    char segs[MAPPING_PATH_DEPTH][128];
    size_t n = 0;
    for (const char *p = path; *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (n == MAPPING_PATH_DEPTH || len >= sizeof(segs[0])) {
            json_decref(value);
            return c360_diag_fail(diag, C360_ERR_INVALID, path, "path too deep or too long");
        }
        memcpy(segs[n], p, len);
        segs[n++][len] = '\0';
        p = dot ? dot + 1 : p + len;
    }
    json_t *node = root; /* borrowed */
    for (size_t i = 0; i < n; i++) {
        bool last = i + 1 == n;
        size_t index = 0, next_index;
        bool next_is_list = !last && is_index(segs[i + 1], &next_index);
        json_t *child;
        if (json_is_array(node)) {
            if (!is_index(segs[i], &index))
                goto bad;
            while (json_array_size(node) <= index)
                json_array_append_new(node, json_null());
            if (last)
                return json_array_set_new(node, index, value) ? C360_ERR_NOMEM : C360_OK;
            child = json_array_get(node, index);
            if (json_is_null(child)) {
                child = next_is_list ? json_array() : json_object();
                json_array_set_new(node, index, child);
            }
        } else {
            if (last)
                return json_object_set_new_nocheck(node, segs[i], value) ? C360_ERR_NOMEM : C360_OK;
            child = json_object_get(node, segs[i]);
            if (!child) {
                child = next_is_list ? json_array() : json_object();
                json_object_set_new_nocheck(node, segs[i], child);
            }
        }
        if (!json_is_object(child) && !json_is_array(child))
            goto bad;
        node = child;
    }
bad:
    json_decref(value);
    return c360_diag_fail(diag, C360_ERR_INVALID, path,
                          "mapping targets conflict (a field and a list at one path)");
}

/* The first delim (dlen bytes, at least one) in [p, stop), or NULL. */
static const char *find_delim(const char *p, const char *stop, const char *delim, size_t dlen)
{
    for (; (size_t)(stop - p) >= dlen; p++) {
        if (*p == delim[0] && memcmp(p, delim, dlen) == 0)
            return p;
    }
    return NULL;
}

/* A list from one text field of len bytes: trimmed, empty items dropped. */
static json_t *split_list(const char *text, size_t len, const char *delim)
{
    json_t *arr = json_array();
    size_t dlen = strlen(delim);
    const char *p = text, *text_end = text + len;
    while (arr) {
        const char *end = find_delim(p, text_end, delim, dlen);
        const char *stop = end ? end : text_end;
        const char *a = p, *b = stop;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a && json_array_size(arr) <= MAPPING_INDEX_MAX)
            json_array_append_new(arr, json_stringn(a, (size_t)(b - a)));
        if (!end)
            break;
        p = end + dlen;
    }
    return arr;
}

static json_t *meta_value(enum meta_kind meta, const struct c360_codec_msg *msg)
{
    char buf[512];
    switch (meta) {
    case META_KEY:
        return msg->key ? json_stringn(msg->key, msg->key_len) : NULL;
    case META_POSITION:
        snprintf(buf, sizeof(buf), "%s:%d:%lld", msg->topic ? msg->topic : "", (int)msg->partition,
                 (long long)msg->offset);
        return json_string(buf);
    case META_TIMESTAMP:
        return msg->timestamp == C360_TIME_NONE ? NULL : json_integer(msg->timestamp);
    }
    return NULL;
}

/* Drops the holes that list targets leave when some sources are absent
 * ("emails.1" given, "emails.0" not). */
static void compact_lists(json_t *node, int depth)
{
    if (depth > MAPPING_PATH_DEPTH)
        return;
    if (json_is_array(node)) {
        for (size_t i = json_array_size(node); i-- > 0;) {
            if (json_is_null(json_array_get(node, i)))
                json_array_remove(node, i);
            else
                compact_lists(json_array_get(node, i), depth + 1);
        }
    } else if (json_is_object(node)) {
        const char *k;
        json_t *v;
        json_object_foreach(node, k, v) compact_lists(v, depth + 1);
    }
}

enum c360_err c360_mapping_apply(const struct c360_mapping *m, const struct c360_row *source,
                                 const struct c360_codec_msg *msg, json_t **out,
                                 struct c360_diag *diag)
{
    enum c360_err err;
    json_t *canon = json_object(); /* new */
    if (!canon)
        return C360_ERR_NOMEM;
    for (size_t i = 0; i < m->count; i++) {
        const struct rule *r = &m->rules[i];
        json_t *value = NULL; /* new, or NULL for absent */
        struct c360_row_val src = {.kind = C360_ROW_NULL}, cond;
        if (r->from && (source_get(source, r->from, &src), src.kind == C360_ROW_NULL))
            continue;
        if (r->cond && (source_get(source, r->cond, &cond), cond.kind == C360_ROW_NULL))
            continue;
        bool text = src.kind == C360_ROW_STR;
        switch (r->kind) {
        case RULE_FROM:
            value = c360_row_val_json(&src);
            break;
        case RULE_VALUES: {
            json_t *mapped = text ? json_object_getn(r->values, src.str, src.len) : NULL;
            if (!mapped) {
                char shown[64];
                if (text)
                    snprintf(shown, sizeof(shown), "%.*s", (int)src.len, src.str);
                else
                    snprintf(shown, sizeof(shown), "(not text)");
                err =
                    c360_diag_fail(diag, C360_ERR_INVALID, r->target,
                                   "'%s' of %s is not in the mapping's value map", shown, r->from);
                goto fail;
            }
            value = json_incref(mapped);
            break;
        }
        case RULE_SPLIT:
            if (!text) {
                err = c360_diag_fail(diag, C360_ERR_INVALID, r->target, "%s must be text to split",
                                     r->from);
                goto fail;
            }
            value = split_list(src.str, src.len, r->split);
            break;
        case RULE_CONST:
            value = json_incref(r->values);
            break;
        case RULE_META:
            value = meta_value(r->meta, msg);
            if (!value)
                continue;
            break;
        }
        if (!value) {
            err = C360_ERR_NOMEM;
            goto fail;
        }
        if ((err = target_set(canon, r->target, value, diag)))
            goto fail;
    }
    compact_lists(canon, 0);
    *out = canon;
    return C360_OK;
fail:
    json_decref(canon);
    return err;
}

/* --- Straight into the record.
 *
 * Building the canonical object and reading it back (record_from_json) was
 * over half of decoding a mapped message (bench/RESULTS.md). For a mapping
 * whose every target is a field of the entity's record, each rule's target
 * is resolved once, when the codec is made, and its value goes straight into
 * the record, read in the order and with the conversions json.c applies.
 *
 * Only what is sure to end as the jansson path ends is done here: a value
 * of a type the field does not take, a conversion that fails, or a rule that
 * would fail is handed back (C360_ERR_UNSUPPORTED), and the caller decodes
 * the message again through c360_mapping_apply and record_from_json, which
 * stay the reference for every refusal and its diagnostic. */

/* Every canonical field a mapping target can name directly. */
enum field {
    F_CHANGE_TYPE,
    F_EVENT_ID,
    F_OCCURRED_AT,
    F_GLOBAL_PARTY_ID,
    F_SOURCE_SYSTEM,
    F_SOURCE_RECORD_ID,
    /* individual */
    F_FIRST_NAME,
    F_LAST_NAME,
    F_BIRTH_DATE,
    F_FSC_ACCOUNT_ID,
    F_PREFERRED_CHANNEL,
    F_HOUSEHOLD_ID,
    /* financial account, external account */
    F_GLOBAL_ACCOUNT_ID,
    F_ACCOUNT_TYPE,
    F_ACCOUNT_STATUS,
    F_BALANCE_AMOUNT,
    F_BALANCE_CURRENCY,
    F_BALANCE_AS_OF,
    F_OPENED_DATE,
    F_CLOSED_DATE,
    F_EXTERNAL_ACCOUNT_ID,
    F_INSTITUTION_NAME,
    F_ADB_AMOUNT,
    F_ADB_CURRENCY,
    F_AS_OF,
    /* financial transaction */
    F_DIRECTION,
    F_GLOBAL_TRANSACTION_ID,
    F_TRANSACTION_DATE,
    F_TRANSACTION_STATUS,
    F_RUNNING_AMOUNT,
    F_RUNNING_CURRENCY,
    F_AMOUNT,          /* "amount" as a plain amount */
    F_CURRENCY,        /* "currency" beside it */
    F_AMOUNT_AMOUNT,   /* "amount.amount" */
    F_AMOUNT_CURRENCY, /* "amount.currency" */
    /* web engagement */
    F_ENGAGEMENT_ID,
    F_EMAIL,
    F_SESSION_ID,
    F_PAGE_URL,
    F_SUBJECT,
    F_DURATION_SECONDS,
    /* org records */
    F_ORG_ID,
    F_OBJECT_TYPE,
    F_RECORD_ID,
    F_GLOBAL_CUSTOMER_ID,
    F_COMMIT_TIMESTAMP,
    F_COMMIT_USER,
    F_CHANGE_ORIGIN,
    F_COUNT,
};

/* Lists of strings: a whole list ("emails", from a split) or its items ("emails.0"). */
enum list { L_EMAILS, L_PHONES, L_JOINT_OWNER_IDS, L_CHANGED_FIELDS, L_NULLED_FIELDS, L_COUNT };

#define LIST_ITEMS (MAPPING_INDEX_MAX + 1)
#define ADDRESS_PARTS 4    /* line1, city, postalCode, country */
#define IDENTIFIER_PARTS 2 /* type, value */

#define E_IND (1u << C360_ENTITY_INDIVIDUAL)
#define E_ACC (1u << C360_ENTITY_FINANCIAL_ACCOUNT)
#define E_TXN (1u << C360_ENTITY_FINANCIAL_TRANSACTION)
#define E_EXT (1u << C360_ENTITY_EXTERNAL_ACCOUNT)
#define E_WEB (1u << C360_ENTITY_WEB_ENGAGEMENT)
#define E_ORG (1u << C360_ENTITY_ORG_ACCOUNT | 1u << C360_ENTITY_ORG_CONTACT)
#define E_ALL (E_IND | E_ACC | E_TXN | E_EXT | E_WEB | E_ORG)

/* The canonical spelling of each field (json.c reads exactly these), and the
 * entities whose records have it. */
static const struct {
    const char *path;
    unsigned entities;
    int field;
} direct_fields[] = {
    {"changeType", E_ALL, F_CHANGE_TYPE},
    {"eventId", E_ALL, F_EVENT_ID},
    {"occurredAt", E_ALL, F_OCCURRED_AT},
    {"globalPartyId", E_ALL, F_GLOBAL_PARTY_ID},
    {"source.system", E_ALL, F_SOURCE_SYSTEM},
    {"source.recordId", E_ALL, F_SOURCE_RECORD_ID},
    {"firstName", E_IND, F_FIRST_NAME},
    {"lastName", E_IND, F_LAST_NAME},
    {"birthDate", E_IND, F_BIRTH_DATE},
    {"fscAccountId", E_IND, F_FSC_ACCOUNT_ID},
    {"preferredChannel", E_IND, F_PREFERRED_CHANNEL},
    {"householdId", E_IND, F_HOUSEHOLD_ID},
    {"globalAccountId", E_ACC | E_TXN, F_GLOBAL_ACCOUNT_ID},
    {"accountType", E_ACC | E_EXT, F_ACCOUNT_TYPE},
    {"status", E_ACC | E_EXT, F_ACCOUNT_STATUS},
    {"balance.amount", E_ACC, F_BALANCE_AMOUNT},
    {"balance.currency", E_ACC, F_BALANCE_CURRENCY},
    {"balanceAsOf", E_ACC, F_BALANCE_AS_OF},
    {"openedDate", E_ACC, F_OPENED_DATE},
    {"closedDate", E_ACC, F_CLOSED_DATE},
    {"externalAccountId", E_EXT, F_EXTERNAL_ACCOUNT_ID},
    {"institutionName", E_EXT, F_INSTITUTION_NAME},
    {"averageDailyBalance.amount", E_EXT, F_ADB_AMOUNT},
    {"averageDailyBalance.currency", E_EXT, F_ADB_CURRENCY},
    {"asOf", E_EXT, F_AS_OF},
    {"direction", E_TXN, F_DIRECTION},
    {"globalTransactionId", E_TXN, F_GLOBAL_TRANSACTION_ID},
    {"transactionDate", E_TXN, F_TRANSACTION_DATE},
    {"status", E_TXN, F_TRANSACTION_STATUS},
    {"runningBalance.amount", E_TXN, F_RUNNING_AMOUNT},
    {"runningBalance.currency", E_TXN, F_RUNNING_CURRENCY},
    {"amount", E_TXN, F_AMOUNT},
    {"currency", E_TXN, F_CURRENCY},
    {"amount.amount", E_TXN, F_AMOUNT_AMOUNT},
    {"amount.currency", E_TXN, F_AMOUNT_CURRENCY},
    {"engagementId", E_WEB, F_ENGAGEMENT_ID},
    {"email", E_WEB, F_EMAIL},
    {"sessionId", E_WEB, F_SESSION_ID},
    {"pageUrl", E_WEB, F_PAGE_URL},
    {"subject", E_WEB, F_SUBJECT},
    {"durationSeconds", E_WEB, F_DURATION_SECONDS},
    {"orgId", E_ORG, F_ORG_ID},
    {"objectType", E_ORG, F_OBJECT_TYPE},
    {"recordId", E_ORG, F_RECORD_ID},
    {"globalCustomerId", E_ORG, F_GLOBAL_CUSTOMER_ID},
    {"commitTimestamp", E_ORG, F_COMMIT_TIMESTAMP},
    {"commitUser", E_ORG, F_COMMIT_USER},
    {"changeOrigin", E_ORG, F_CHANGE_ORIGIN},
};

static const struct {
    const char *name;
    unsigned entities;
} direct_lists[L_COUNT] = {
    [L_EMAILS] = {"emails", E_IND},
    [L_PHONES] = {"phones", E_IND},
    [L_JOINT_OWNER_IDS] = {"jointOwnerIds", E_ACC},
    [L_CHANGED_FIELDS] = {"changedFields", E_ORG},
    [L_NULLED_FIELDS] = {"nulledFields", E_ORG},
};

static const char *const address_parts[ADDRESS_PARTS] = {"line1", "city", "postalCode", "country"};
static const char *const identifier_parts[IDENTIFIER_PARTS] = {"type", "value"};

/* The rule (its index) that gives each target, or -1. */
struct direct {
    int16_t field[F_COUNT];
    int16_t list[L_COUNT];
    int16_t item[L_COUNT][LIST_ITEMS];
    int16_t address[LIST_ITEMS][ADDRESS_PARTS];
    int16_t identifier[LIST_ITEMS][IDENTIFIER_PARTS];
};

/* A list index as target_set reads one, but only in its canonical spelling
 * ("7", not "07" or "+7"), so that two targets never name one item. */
static bool canonical_index(const char *seg, size_t len, size_t *index)
{
    if (len == 0 || len > 2 || (len == 2 && seg[0] == '0'))
        return false;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (seg[i] < '0' || seg[i] > '9')
            return false;
        v = v * 10 + (size_t)(seg[i] - '0');
    }
    if (v > MAPPING_INDEX_MAX)
        return false;
    *index = v;
    return true;
}

/* "name.N" or "name.N.part" of a list: N into *index, the rest into *rest
 * ("" for none). */
static bool list_target(const char *target, const char *name, size_t *index, const char **rest)
{
    size_t n = strlen(name);
    if (strncmp(target, name, n) != 0 || target[n] != '.')
        return false;
    const char *seg = target + n + 1, *dot = strchr(seg, '.');
    size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
    if (!canonical_index(seg, len, index))
        return false;
    *rest = dot ? dot + 1 : "";
    return !dot || dot[1];
}

static bool part_of(const char *rest, const char *const *parts, size_t n, size_t *part)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rest, parts[i]) == 0) {
            *part = i;
            return true;
        }
    }
    return false;
}

/* Resolves one rule's target into d; false when it is not a field of the
 * entity the direct path fills (or a second rule for one field). */
static bool direct_resolve(struct direct *d, unsigned entity_bit, const char *target, int16_t rule)
{
    int16_t *slot = NULL;
    size_t index, part;
    const char *rest;
    for (size_t i = 0; !slot && i < sizeof(direct_fields) / sizeof(direct_fields[0]); i++) {
        if ((direct_fields[i].entities & entity_bit) && strcmp(direct_fields[i].path, target) == 0)
            slot = &d->field[direct_fields[i].field];
    }
    for (size_t l = 0; !slot && l < L_COUNT; l++) {
        if (!(direct_lists[l].entities & entity_bit))
            continue;
        if (strcmp(target, direct_lists[l].name) == 0)
            slot = &d->list[l];
        else if (list_target(target, direct_lists[l].name, &index, &rest) && !*rest)
            slot = &d->item[l][index];
    }
    if (!slot && (entity_bit & E_IND) && list_target(target, "addresses", &index, &rest) &&
        part_of(rest, address_parts, ADDRESS_PARTS, &part))
        slot = &d->address[index][part];
    if (!slot && (entity_bit & E_IND) && list_target(target, "partyIdentifiers", &index, &rest) &&
        part_of(rest, identifier_parts, IDENTIFIER_PARTS, &part))
        slot = &d->identifier[index][part];
    if (!slot || *slot >= 0)
        return false;
    *slot = rule;
    return true;
}

/* Targets that target_set would refuse together when both have values: a
 * whole list and its items, a plain amount and an amount object. */
static bool direct_conflicts(const struct direct *d)
{
    for (size_t l = 0; l < L_COUNT; l++) {
        for (size_t i = 0; d->list[l] >= 0 && i < LIST_ITEMS; i++) {
            if (d->item[l][i] >= 0)
                return true;
        }
    }
    return d->field[F_AMOUNT] >= 0 &&
           (d->field[F_AMOUNT_AMOUNT] >= 0 || d->field[F_AMOUNT_CURRENCY] >= 0);
}

/* A constant the direct path takes as it is: text or a number. */
static bool direct_const(json_t *value)
{
    return json_is_string(value) || json_is_integer(value) ||
           (json_is_real(value) && isfinite(json_real_value(value)));
}

void c360_mapping_direct(struct c360_mapping *m, enum c360_entity entity)
{
    free(m->direct);
    m->direct = NULL;
    struct direct *d = malloc(sizeof(*d));
    if (!d)
        return;                  /* the jansson path, which needs no more memory than before */
    memset(d, 0xff, sizeof(*d)); /* every slot -1 */
    unsigned bit = 1u << entity;
    for (size_t i = 0; i < m->count; i++) {
        const struct rule *r = &m->rules[i];
        if ((r->kind == RULE_CONST && !direct_const(r->values)) ||
            !direct_resolve(d, bit, r->target, (int16_t)i)) {
            free(d);
            return;
        }
    }
    if (direct_conflicts(d)) {
        free(d);
        return;
    }
    m->direct = d;
}

bool c360_mapping_is_direct(const struct c360_mapping *m)
{
    return m && m->direct;
}

/* One rule's value as c360_mapping_apply would set it, without a JSON value. */
enum dval_kind {
    DV_NONE,  /* absent: the rule set nothing */
    DV_STR,   /* str, len */
    DV_INT,   /* i */
    DV_REAL,  /* d, finite */
    DV_SPLIT, /* str, len split at delim: a list of strings */
    DV_OTHER, /* true or false: no canonical field takes one */
};

struct dval {
    enum dval_kind kind;
    const char *str;
    size_t len;
    const char *delim;
    int64_t i;
    double d;
};

/* Bytes json_stringn takes as they are: ASCII (NUL included). Anything else
 * goes the jansson way, which checks it as UTF-8. */
static bool ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return false;
    }
    return true;
}

/* The value of rule r for source into *v; C360_ERR_UNSUPPORTED where
 * c360_mapping_apply would fail (it then says why). */
static enum c360_err direct_value(const struct rule *r, const struct c360_row *source,
                                  const struct c360_codec_msg *msg, struct dval *v)
{
    struct c360_row_val src = {.kind = C360_ROW_NULL}, cond;
    v->kind = DV_NONE;
    if (r->from && (source_get(source, r->from, &src), src.kind == C360_ROW_NULL))
        return C360_OK;
    if (r->cond && (source_get(source, r->cond, &cond), cond.kind == C360_ROW_NULL))
        return C360_OK;
    bool text = src.kind == C360_ROW_STR;
    switch (r->kind) {
    case RULE_FROM:
        if (text)
            *v = (struct dval){.kind = DV_STR, .str = src.str, .len = src.len};
        else if (src.kind == C360_ROW_INT)
            *v = (struct dval){.kind = DV_INT, .i = src.as.i};
        else if (src.kind == C360_ROW_REAL && isfinite(src.as.d))
            *v = (struct dval){.kind = DV_REAL, .d = src.as.d};
        else if (src.kind == C360_ROW_TRUE || src.kind == C360_ROW_FALSE)
            v->kind = DV_OTHER;
        else /* objects and arrays are copied there, which may fail */
            return C360_ERR_UNSUPPORTED;
        return C360_OK;
    case RULE_VALUES: {
        json_t *mapped = text ? json_object_getn(r->values, src.str, src.len) : NULL;
        if (!mapped)
            return C360_ERR_UNSUPPORTED;
        *v = (struct dval){
            .kind = DV_STR, .str = json_string_value(mapped), .len = json_string_length(mapped)};
        return C360_OK;
    }
    case RULE_SPLIT:
        if (!text)
            return C360_ERR_UNSUPPORTED;
        *v = (struct dval){.kind = DV_SPLIT, .str = src.str, .len = src.len, .delim = r->split};
        return C360_OK;
    case RULE_CONST:
        if (json_is_string(r->values))
            *v = (struct dval){.kind = DV_STR,
                               .str = json_string_value(r->values),
                               .len = json_string_length(r->values)};
        else if (json_is_integer(r->values))
            *v = (struct dval){.kind = DV_INT, .i = json_integer_value(r->values)};
        else
            *v = (struct dval){.kind = DV_REAL, .d = json_real_value(r->values)};
        return C360_OK;
    case RULE_META:
        switch (r->meta) {
        case META_KEY:
            if (msg->key && !ascii(msg->key, msg->key_len))
                return C360_ERR_UNSUPPORTED;
            if (msg->key)
                *v = (struct dval){.kind = DV_STR, .str = msg->key, .len = msg->key_len};
            return C360_OK;
        case META_POSITION:
            /* Rare, and its text must outlive this call: the jansson path. */
            return C360_ERR_UNSUPPORTED;
        case META_TIMESTAMP:
            if (msg->timestamp != C360_TIME_NONE)
                *v = (struct dval){.kind = DV_INT, .i = msg->timestamp};
            return C360_OK;
        }
    }
    return C360_ERR_UNSUPPORTED;
}

/* The value rule gave, or NULL when there is no rule or it set nothing. */
static const struct dval *slot_val(const struct dval *vals, int16_t rule)
{
    return rule >= 0 && vals[rule].kind != DV_NONE ? &vals[rule] : NULL;
}

/* Text as json_string_value gives it: NUL-terminated, read up to a NUL. */
static bool direct_cstr(const struct dval *v, char *buf, size_t size)
{
    if (v->kind != DV_STR || v->len >= size)
        return false;
    memcpy(buf, v->str, v->len);
    buf[v->len] = '\0';
    return true;
}

/* Each put_* reads one field as json.c's get_* does; any refusal is
 * C360_ERR_UNSUPPORTED or another error without a diagnostic, and the caller
 * lets json.c refuse it. */
static enum c360_err put_str(struct c360_record *rec, const struct dval *v, const char **out)
{
    if (!v)
        return C360_OK;
    if (v->kind != DV_STR)
        return C360_ERR_UNSUPPORTED;
    return c360_record_str(rec, v->str, v->len, out, NULL);
}

static enum c360_err put_time(const struct dval *v, int64_t *out)
{
    char buf[64];
    if (!v)
        return C360_OK;
    if (v->kind == DV_INT) {
        *out = v->i;
        return c360_time_check(*out, NULL);
    }
    if (!direct_cstr(v, buf, sizeof(buf)))
        return C360_ERR_UNSUPPORTED;
    return c360_time_parse(buf, out, NULL);
}

static enum c360_err put_date(const struct dval *v, int32_t *out)
{
    char buf[64];
    if (!v)
        return C360_OK;
    if (!direct_cstr(v, buf, sizeof(buf)))
        return C360_ERR_UNSUPPORTED;
    return c360_date_parse(buf, out, NULL);
}

/* An enum spelled exactly as the schema does (json.c's GET_ENUM). */
#define PUT_ENUM(v, parse, out)                                                                    \
    do {                                                                                           \
        char buf_[64];                                                                             \
        if ((v) && (!direct_cstr((v), buf_, sizeof(buf_)) || parse(buf_, (out))))                  \
            return C360_ERR_UNSUPPORTED;                                                           \
    } while (0)

static enum c360_err put_amount(const struct dval *v, int64_t *minor)
{
    char buf[64];
    if (v->kind == DV_INT) {
        if (v->i > C360_MONEY_MAX_MINOR / C360_MONEY_SCALE ||
            v->i < -C360_MONEY_MAX_MINOR / C360_MONEY_SCALE)
            return C360_ERR_UNSUPPORTED;
        *minor = v->i * C360_MONEY_SCALE;
        return C360_OK;
    }
    if (v->kind == DV_REAL)
        return c360_money_from_double(v->d, minor, NULL);
    if (!direct_cstr(v, buf, sizeof(buf)))
        return C360_ERR_UNSUPPORTED;
    return c360_money_parse(buf, minor, NULL);
}

static enum c360_err put_currency(const struct dval *v, struct c360_money *out)
{
    char buf[64];
    if (!v || !direct_cstr(v, buf, sizeof(buf)) || c360_money_check_currency(buf, NULL))
        return C360_ERR_UNSUPPORTED;
    memcpy(out->currency, buf, 4);
    return C360_OK;
}

/* {"amount": …, "currency": …} from two targets ("balance.amount", …). */
static enum c360_err put_money(const struct dval *vals, int16_t amount_rule, int16_t currency_rule,
                               struct c360_money *out)
{
    const struct dval *amount = slot_val(vals, amount_rule),
                      *currency = slot_val(vals, currency_rule);
    if (!amount && !currency)
        return C360_OK;
    if (!amount)
        return C360_ERR_UNSUPPORTED; /* json.c: required field is missing */
    enum c360_err err = put_amount(amount, &out->minor);
    return err ? err : put_currency(currency, out);
}

/* A list of strings: split from one text (split_list's items), or its items
 * one target each, in index order without the holes (compact_lists). */
static enum c360_err put_list(struct c360_record *rec, const struct direct *d,
                              const struct dval *vals, enum list l, size_t max,
                              struct c360_strs *out)
{
    enum c360_err err;
    const struct dval *whole = slot_val(vals, d->list[l]);
    if (whole) {
        if (whole->kind != DV_SPLIT)
            return C360_ERR_UNSUPPORTED;
        size_t dlen = strlen(whole->delim), n = 0;
        const char *p = whole->str, *text_end = whole->str + whole->len;
        for (;;) {
            const char *end = find_delim(p, text_end, whole->delim, dlen);
            const char *stop = end ? end : text_end;
            const char *a = p, *b = stop;
            while (a < b && (*a == ' ' || *a == '\t'))
                a++;
            while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
                b--;
            if (b > a && n <= MAPPING_INDEX_MAX) {
                n++;
                if ((err = c360_record_strs_add_upto(rec, out, max, a, (size_t)(b - a), NULL)))
                    return err;
            }
            if (!end)
                return C360_OK;
            p = end + dlen;
        }
    }
    for (size_t i = 0; i < LIST_ITEMS; i++) {
        const struct dval *v = slot_val(vals, d->item[l][i]);
        if (!v)
            continue;
        if (v->kind != DV_STR)
            return C360_ERR_UNSUPPORTED;
        if ((err = c360_record_strs_add_upto(rec, out, max, v->str, v->len, NULL)))
            return err;
    }
    return C360_OK;
}

/* Items of a list of objects that have at least one member ("addresses.2.city"). */
static size_t objects_present(const struct dval *vals, const int16_t *rules, size_t parts, size_t i)
{
    for (size_t k = 0; k < parts; k++) {
        if (slot_val(vals, rules[i * parts + k]))
            return 1;
    }
    return 0;
}

static enum c360_err put_individual(struct c360_record *rec, const struct direct *d,
                                    const struct dval *vals)
{
    struct c360_individual *p = &rec->as.individual;
    const int16_t *f = d->field;
    enum c360_err err;
    if ((err = put_str(rec, slot_val(vals, f[F_FIRST_NAME]), &p->first_name)) ||
        (err = put_str(rec, slot_val(vals, f[F_LAST_NAME]), &p->last_name)) ||
        (err = put_date(slot_val(vals, f[F_BIRTH_DATE]), &p->birth_date)) ||
        (err = put_list(rec, d, vals, L_EMAILS, C360_RECORD_LIST_MAX, &p->emails)) ||
        (err = put_list(rec, d, vals, L_PHONES, C360_RECORD_LIST_MAX, &p->phones)) ||
        (err = put_str(rec, slot_val(vals, f[F_FSC_ACCOUNT_ID]), &p->fsc_account_id)) ||
        (err = put_str(rec, slot_val(vals, f[F_PREFERRED_CHANNEL]), &p->preferred_channel)) ||
        (err = put_str(rec, slot_val(vals, f[F_HOUSEHOLD_ID]), &p->household_id)))
        return err;

    size_t n = 0;
    void *items;
    for (size_t i = 0; i < LIST_ITEMS; i++)
        n += objects_present(vals, &d->address[0][0], ADDRESS_PARTS, i);
    if (n) {
        if ((err = c360_record_alloc(rec, n, sizeof(struct c360_address), &items, NULL)))
            return err;
        struct c360_address *a = items;
        p->addresses = a;
        p->n_addresses = (uint16_t)n;
        for (size_t i = 0; i < LIST_ITEMS; i++) {
            const int16_t *r = d->address[i];
            if (!objects_present(vals, &d->address[0][0], ADDRESS_PARTS, i))
                continue;
            if ((err = put_str(rec, slot_val(vals, r[0]), &a->line1)) ||
                (err = put_str(rec, slot_val(vals, r[1]), &a->city)) ||
                (err = put_str(rec, slot_val(vals, r[2]), &a->postal_code)) ||
                (err = put_str(rec, slot_val(vals, r[3]), &a->country)))
                return err;
            a++;
        }
    }

    n = 0;
    for (size_t i = 0; i < LIST_ITEMS; i++)
        n += objects_present(vals, &d->identifier[0][0], IDENTIFIER_PARTS, i);
    if (n) {
        if ((err = c360_record_alloc(rec, n, sizeof(struct c360_party_identifier), &items, NULL)))
            return err;
        struct c360_party_identifier *id = items;
        p->identifiers = id;
        p->n_identifiers = (uint16_t)n;
        for (size_t i = 0; i < LIST_ITEMS; i++) {
            const int16_t *r = d->identifier[i];
            if (!objects_present(vals, &d->identifier[0][0], IDENTIFIER_PARTS, i))
                continue;
            if ((err = put_str(rec, slot_val(vals, r[0]), &id->type)) ||
                (err = put_str(rec, slot_val(vals, r[1]), &id->value)))
                return err;
            if (!id->type || !id->value)
                return C360_ERR_UNSUPPORTED; /* json.c: needs a type and a value */
            id++;
        }
    }
    return C360_OK;
}

static enum c360_err put_entity(struct c360_record *rec, const struct direct *d,
                                const struct dval *vals)
{
    const int16_t *f = d->field;
    enum c360_err err = C360_OK;
    switch (rec->entity) {
    case C360_ENTITY_INDIVIDUAL:
        return put_individual(rec, d, vals);
    case C360_ENTITY_FINANCIAL_ACCOUNT: {
        struct c360_financial_account *a = &rec->as.account;
        PUT_ENUM(slot_val(vals, f[F_ACCOUNT_TYPE]), c360_account_type_parse, &a->account_type);
        PUT_ENUM(slot_val(vals, f[F_ACCOUNT_STATUS]), c360_account_status_parse, &a->status);
        (void)((err =
                    put_str(rec, slot_val(vals, f[F_GLOBAL_ACCOUNT_ID]), &a->global_account_id)) ||
               (err = put_list(rec, d, vals, L_JOINT_OWNER_IDS, C360_RECORD_LIST_MAX,
                               &a->joint_owner_ids)) ||
               (err = put_money(vals, f[F_BALANCE_AMOUNT], f[F_BALANCE_CURRENCY], &a->balance)) ||
               (err = put_time(slot_val(vals, f[F_BALANCE_AS_OF]), &a->balance_as_of)) ||
               (err = put_date(slot_val(vals, f[F_OPENED_DATE]), &a->opened_date)) ||
               (err = put_date(slot_val(vals, f[F_CLOSED_DATE]), &a->closed_date)));
        return err;
    }
    case C360_ENTITY_FINANCIAL_TRANSACTION: {
        struct c360_financial_transaction *t = &rec->as.transaction;
        PUT_ENUM(slot_val(vals, f[F_DIRECTION]), c360_direction_parse, &t->direction);
        if ((err = put_str(rec, slot_val(vals, f[F_GLOBAL_TRANSACTION_ID]),
                           &t->global_transaction_id)) ||
            (err = put_str(rec, slot_val(vals, f[F_GLOBAL_ACCOUNT_ID]), &t->global_account_id)) ||
            (err = put_date(slot_val(vals, f[F_TRANSACTION_DATE]), &t->transaction_date)) ||
            (err = put_str(rec, slot_val(vals, f[F_TRANSACTION_STATUS]), &t->status)) ||
            (err =
                 put_money(vals, f[F_RUNNING_AMOUNT], f[F_RUNNING_CURRENCY], &t->running_balance)))
            return err;
        /* The amount as a Money object, or as "amount" and "currency" side by side. */
        if (slot_val(vals, f[F_AMOUNT_AMOUNT]) || slot_val(vals, f[F_AMOUNT_CURRENCY]))
            return put_money(vals, f[F_AMOUNT_AMOUNT], f[F_AMOUNT_CURRENCY], &t->amount);
        const struct dval *amount = slot_val(vals, f[F_AMOUNT]);
        if (!amount)
            return C360_OK;
        if ((err = put_amount(amount, &t->amount.minor)))
            return err;
        return put_currency(slot_val(vals, f[F_CURRENCY]), &t->amount);
    }
    case C360_ENTITY_EXTERNAL_ACCOUNT: {
        struct c360_external_account *x = &rec->as.external;
        PUT_ENUM(slot_val(vals, f[F_ACCOUNT_TYPE]), c360_account_type_parse, &x->account_type);
        PUT_ENUM(slot_val(vals, f[F_ACCOUNT_STATUS]), c360_account_status_parse, &x->status);
        (void)((err = put_str(rec, slot_val(vals, f[F_EXTERNAL_ACCOUNT_ID]),
                              &x->external_account_id)) ||
               (err = put_str(rec, slot_val(vals, f[F_INSTITUTION_NAME]), &x->institution_name)) ||
               (err = put_money(vals, f[F_ADB_AMOUNT], f[F_ADB_CURRENCY],
                                &x->average_daily_balance)) ||
               (err = put_time(slot_val(vals, f[F_AS_OF]), &x->as_of)));
        return err;
    }
    case C360_ENTITY_WEB_ENGAGEMENT: {
        struct c360_web_engagement *w = &rec->as.web;
        if ((err = put_str(rec, slot_val(vals, f[F_ENGAGEMENT_ID]), &w->engagement_id)) ||
            (err = put_str(rec, slot_val(vals, f[F_EMAIL]), &w->email)) ||
            (err = put_str(rec, slot_val(vals, f[F_SESSION_ID]), &w->session_id)) ||
            (err = put_str(rec, slot_val(vals, f[F_PAGE_URL]), &w->page_url)) ||
            (err = put_str(rec, slot_val(vals, f[F_SUBJECT]), &w->subject)))
            return err;
        const struct dval *v = slot_val(vals, f[F_DURATION_SECONDS]);
        if (v && (v->kind != DV_INT || v->i < 0))
            return C360_ERR_UNSUPPORTED;
        if (v)
            w->duration_seconds = v->i;
        return C360_OK;
    }
    case C360_ENTITY_ORG_ACCOUNT:
    case C360_ENTITY_ORG_CONTACT: {
        struct c360_org_record *o = &rec->as.org;
        (void)((err = put_str(rec, slot_val(vals, f[F_ORG_ID]), &o->org_id)) ||
               (err = put_str(rec, slot_val(vals, f[F_OBJECT_TYPE]), &o->object_type)) ||
               (err = put_str(rec, slot_val(vals, f[F_RECORD_ID]), &o->record_id)) ||
               (err = put_str(rec, slot_val(vals, f[F_GLOBAL_CUSTOMER_ID]),
                              &o->global_customer_id)) ||
               (err = put_time(slot_val(vals, f[F_COMMIT_TIMESTAMP]), &o->commit_timestamp)) ||
               (err = put_str(rec, slot_val(vals, f[F_COMMIT_USER]), &o->commit_user)) ||
               (err = put_str(rec, slot_val(vals, f[F_CHANGE_ORIGIN]), &o->change_origin)) ||
               (err = put_list(rec, d, vals, L_CHANGED_FIELDS, C360_RECORD_FIELDS_MAX,
                               &o->changed_fields)) ||
               (err = put_list(rec, d, vals, L_NULLED_FIELDS, C360_RECORD_FIELDS_MAX,
                               &o->nulled_fields)));
        return err;
    }
    }
    return C360_ERR_UNSUPPORTED;
}

enum c360_err c360_mapping_record(const struct c360_mapping *m, const struct c360_row *source,
                                  const struct c360_codec_msg *msg,
                                  const struct c360_mapping_defaults *defaults,
                                  struct c360_record *rec, struct c360_diag *diag)
{
    const struct direct *d = m->direct;
    const int16_t *f;
    struct dval vals[MAPPING_RULES_MAX];
    enum c360_err err;
    if (!d)
        return C360_ERR_UNSUPPORTED;
    f = d->field;
    for (size_t i = 0; i < m->count; i++) {
        if (direct_value(&m->rules[i], source, msg, &vals[i]))
            return C360_ERR_UNSUPPORTED;
    }
    /* codec.c's to_record: the envelope's change, its time and the message
     * position stand in for what the mapping does not give. */
    if (defaults->change != C360_CHANGE_NONE)
        rec->change = defaults->change;
    else
        PUT_ENUM(slot_val(vals, f[F_CHANGE_TYPE]), c360_change_parse, &rec->change);
    const struct dval *event_id = slot_val(vals, f[F_EVENT_ID]),
                      *occurred = slot_val(vals, f[F_OCCURRED_AT]);
    struct dval position, occurred_default;
    if (!event_id && defaults->event_id) {
        position = (struct dval){
            .kind = DV_STR, .str = defaults->event_id, .len = strlen(defaults->event_id)};
        if (!ascii(position.str, position.len))
            return C360_ERR_UNSUPPORTED;
        event_id = &position;
    }
    if (!occurred && defaults->occurred_at != C360_TIME_NONE) {
        occurred_default = (struct dval){.kind = DV_INT, .i = defaults->occurred_at};
        occurred = &occurred_default;
    }
    const struct dval *record_id = slot_val(vals, f[F_SOURCE_RECORD_ID]);
    struct dval record_id_default;
    if (!record_id && defaults->source_record_id) {
        record_id_default = (struct dval){.kind = DV_STR,
                                          .str = defaults->source_record_id,
                                          .len = strlen(defaults->source_record_id)};
        record_id = &record_id_default;
    }
    if ((err = put_str(rec, event_id, &rec->event_id)) ||
        (err = put_time(occurred, &rec->occurred_at)) ||
        (err = put_str(rec, slot_val(vals, f[F_GLOBAL_PARTY_ID]), &rec->global_party_id)) ||
        (err = put_str(rec, slot_val(vals, f[F_SOURCE_SYSTEM]), &rec->source_system)) ||
        (err = put_str(rec, record_id, &rec->source_record_id)) || (err = put_entity(rec, d, vals)))
        return C360_ERR_UNSUPPORTED;
    return c360_record_validate(rec, diag);
}
