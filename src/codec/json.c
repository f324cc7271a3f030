/*
 * c360 codec — canonical JSON in and out.
 */
#include "c360/time.h"
#include "codec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Puts the canonical field name on a diagnostic that does not have one yet. */
static enum c360_err at_field(enum c360_err err, const char *field, struct c360_diag *diag)
{
    if (err && diag && !diag->field[0])
        snprintf(diag->field, sizeof(diag->field), "%s", field);
    return err;
}

static enum c360_err wrong_type(const char *field, const char *want, struct c360_diag *diag)
{
    return c360_diag_fail(diag, C360_ERR_INVALID, field, "must be %s", want);
}

/* The member `key` of obj, or NULL when absent or JSON null (borrowed). */
static json_t *member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static enum c360_err get_str(struct c360_record *rec, json_t *obj, const char *key,
                             const char *field, const char **out, struct c360_diag *diag)
{
    json_t *v = member(obj, key);
    if (!v)
        return C360_OK;
    if (!json_is_string(v))
        return wrong_type(field, "a string", diag);
    return at_field(c360_record_str(rec, json_string_value(v), json_string_length(v), out, diag),
                    field, diag);
}

static enum c360_err get_time(json_t *obj, const char *key, const char *field, int64_t *out,
                              struct c360_diag *diag)
{
    json_t *v = member(obj, key);
    if (!v)
        return C360_OK;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return at_field(c360_time_check(*out, diag), field, diag);
    }
    if (!json_is_string(v))
        return wrong_type(field, "an RFC 3339 string or epoch milliseconds", diag);
    return at_field(c360_time_parse(json_string_value(v), out, diag), field, diag);
}

static enum c360_err get_date(json_t *obj, const char *key, const char *field, int32_t *out,
                              struct c360_diag *diag)
{
    json_t *v = member(obj, key);
    if (!v)
        return C360_OK;
    if (!json_is_string(v))
        return wrong_type(field, "a YYYY-MM-DD string", diag);
    return at_field(c360_date_parse(json_string_value(v), out, diag), field, diag);
}

/* An amount as a decimal string, an integer or a JSON real, exactly. */
static enum c360_err get_amount(json_t *v, const char *field, int64_t *minor,
                                struct c360_diag *diag)
{
    if (json_is_string(v))
        return at_field(c360_money_parse(json_string_value(v), minor, diag), field, diag);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i > C360_MONEY_MAX_MINOR / C360_MONEY_SCALE ||
            i < -C360_MONEY_MAX_MINOR / C360_MONEY_SCALE)
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "%lld is out of range for money",
                                  (long long)i);
        *minor = i * C360_MONEY_SCALE;
        return C360_OK;
    }
    if (json_is_real(v))
        return at_field(c360_money_from_double(json_real_value(v), minor, diag), field, diag);
    return wrong_type(field, "a decimal string or number", diag);
}

static enum c360_err get_currency(json_t *v, const char *field, struct c360_money *out,
                                  struct c360_diag *diag)
{
    if (!json_is_string(v))
        return wrong_type(field, "an ISO 4217 code", diag);
    const char *code = json_string_value(v);
    if (c360_money_check_currency(code, NULL))
        return c360_diag_fail(diag, C360_ERR_INVALID, field,
                              "'%.16s' is not an ISO 4217 currency code", code);
    memcpy(out->currency, code, 4);
    return C360_OK;
}

/* "key.member" into field (96 bytes); snprintf would cost more than the rest
 * of a money member's reading (key names are ours, at most 19 bytes). */
static const char *field_of(char field[96], const char *key, const char *member_name)
{
    size_t k = strnlen(key, 80), m = strnlen(member_name, 14);
    memcpy(field, key, k);
    field[k] = '.';
    memcpy(field + k + 1, member_name, m);
    field[k + 1 + m] = '\0';
    return field;
}

/* {"amount": …, "currency": "USD"} */
static enum c360_err get_money(json_t *obj, const char *key, struct c360_money *out,
                               struct c360_diag *diag)
{
    char field[96];
    json_t *v = member(obj, key);
    if (!v)
        return C360_OK;
    if (!json_is_object(v))
        return wrong_type(key, "an object {amount, currency}", diag);
    json_t *amount = member(v, "amount"), *currency = member(v, "currency");
    field_of(field, key, "amount");
    if (!amount)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "required field is missing");
    enum c360_err err = get_amount(amount, field, &out->minor, diag);
    if (err)
        return err;
    field_of(field, key, "currency");
    if (!currency)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "required field is missing");
    return get_currency(currency, field, out, diag);
}

static enum c360_err get_strs_upto(struct c360_record *rec, json_t *obj, const char *key,
                                   size_t max, struct c360_strs *out, struct c360_diag *diag)
{
    json_t *v = member(obj, key), *item;
    size_t i;
    if (!v)
        return C360_OK;
    if (!json_is_array(v))
        return wrong_type(key, "an array of strings", diag);
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item))
            return wrong_type(key, "an array of strings", diag);
        enum c360_err err = c360_record_strs_add_upto(rec, out, max, json_string_value(item),
                                                      json_string_length(item), diag);
        if (err)
            return at_field(err, key, diag);
    }
    return C360_OK;
}

static enum c360_err get_strs(struct c360_record *rec, json_t *obj, const char *key,
                              struct c360_strs *out, struct c360_diag *diag)
{
    return get_strs_upto(rec, obj, key, C360_RECORD_LIST_MAX, out, diag);
}

/* An array of objects: room for its items in rec, or NULL when absent. */
static enum c360_err get_objects(struct c360_record *rec, json_t *obj, const char *key, size_t size,
                                 void **items, uint16_t *count, struct c360_diag *diag)
{
    json_t *v = member(obj, key), *item;
    size_t i;
    if (!v)
        return C360_OK;
    if (!json_is_array(v))
        return wrong_type(key, "an array of objects", diag);
    json_array_foreach(v, i, item)
    {
        if (!json_is_object(item))
            return wrong_type(key, "an array of objects", diag);
    }
    enum c360_err err = c360_record_alloc(rec, json_array_size(v), size, items, diag);
    if (err)
        return at_field(err, key, diag);
    *count = (uint16_t)json_array_size(v);
    return C360_OK;
}

/* An enum spelled exactly as the schema does. */
#define GET_ENUM(obj, key, parse, out, diag)                                                       \
    do {                                                                                           \
        json_t *v_ = member(obj, key);                                                             \
        if (v_) {                                                                                  \
            if (!json_is_string(v_))                                                               \
                return wrong_type(key, "a string", diag);                                          \
            if (parse(json_string_value(v_), out))                                                 \
                return c360_diag_fail(diag, C360_ERR_INVALID, key, "'%.40s' is not a known %s",    \
                                      json_string_value(v_), key);                                 \
        }                                                                                          \
    } while (0)

static enum c360_err decode_common(json_t *obj, struct c360_record *rec, struct c360_diag *diag)
{
    enum c360_err err;
    GET_ENUM(obj, "changeType", c360_change_parse, &rec->change, diag);
    json_t *source = member(obj, "source");
    if (source && !json_is_object(source))
        return wrong_type("source", "an object {system, recordId}", diag);
    if ((err = get_str(rec, obj, "eventId", "eventId", &rec->event_id, diag)) ||
        (err = get_time(obj, "occurredAt", "occurredAt", &rec->occurred_at, diag)) ||
        (err = get_str(rec, obj, "globalPartyId", "globalPartyId", &rec->global_party_id, diag)) ||
        (err = get_str(rec, source, "system", "source.system", &rec->source_system, diag)) ||
        (err = get_str(rec, source, "recordId", "source.recordId", &rec->source_record_id, diag)))
        return err;
    return C360_OK;
}

static enum c360_err decode_individual(json_t *obj, struct c360_record *rec, struct c360_diag *diag)
{
    struct c360_individual *p = &rec->as.individual;
    enum c360_err err;
    void *items = NULL;
    json_t *item;
    size_t i;
    if ((err = get_str(rec, obj, "firstName", "firstName", &p->first_name, diag)) ||
        (err = get_str(rec, obj, "lastName", "lastName", &p->last_name, diag)) ||
        (err = get_date(obj, "birthDate", "birthDate", &p->birth_date, diag)) ||
        (err = get_strs(rec, obj, "emails", &p->emails, diag)) ||
        (err = get_strs(rec, obj, "phones", &p->phones, diag)) ||
        (err = get_str(rec, obj, "fscAccountId", "fscAccountId", &p->fsc_account_id, diag)) ||
        (err = get_str(rec, obj, "preferredChannel", "preferredChannel", &p->preferred_channel,
                       diag)) ||
        (err = get_str(rec, obj, "householdId", "householdId", &p->household_id, diag)))
        return err;

    if ((err = get_objects(rec, obj, "addresses", sizeof(struct c360_address), &items,
                           &p->n_addresses, diag)))
        return err;
    struct c360_address *addresses = items;
    p->addresses = addresses;
    json_array_foreach(member(obj, "addresses"), i, item)
    {
        struct c360_address *a = &addresses[i];
        if ((err = get_str(rec, item, "line1", "addresses.line1", &a->line1, diag)) ||
            (err = get_str(rec, item, "city", "addresses.city", &a->city, diag)) ||
            (err =
                 get_str(rec, item, "postalCode", "addresses.postalCode", &a->postal_code, diag)) ||
            (err = get_str(rec, item, "country", "addresses.country", &a->country, diag)))
            return err;
    }

    if ((err = get_objects(rec, obj, "partyIdentifiers", sizeof(struct c360_party_identifier),
                           &items, &p->n_identifiers, diag)))
        return err;
    struct c360_party_identifier *ids = items;
    p->identifiers = ids;
    json_array_foreach(member(obj, "partyIdentifiers"), i, item)
    {
        if ((err = get_str(rec, item, "type", "partyIdentifiers.type", &ids[i].type, diag)) ||
            (err = get_str(rec, item, "value", "partyIdentifiers.value", &ids[i].value, diag)))
            return err;
        if (!ids[i].type || !ids[i].value)
            return c360_diag_fail(diag, C360_ERR_INVALID, "partyIdentifiers",
                                  "each identifier needs a type and a value");
    }
    return C360_OK;
}

static enum c360_err decode_account(json_t *obj, struct c360_record *rec, struct c360_diag *diag)
{
    struct c360_financial_account *a = &rec->as.account;
    enum c360_err err;
    GET_ENUM(obj, "accountType", c360_account_type_parse, &a->account_type, diag);
    GET_ENUM(obj, "status", c360_account_status_parse, &a->status, diag);
    if ((err = get_str(rec, obj, "globalAccountId", "globalAccountId", &a->global_account_id,
                       diag)) ||
        (err = get_strs(rec, obj, "jointOwnerIds", &a->joint_owner_ids, diag)) ||
        (err = get_money(obj, "balance", &a->balance, diag)) ||
        (err = get_time(obj, "balanceAsOf", "balanceAsOf", &a->balance_as_of, diag)) ||
        (err = get_date(obj, "openedDate", "openedDate", &a->opened_date, diag)) ||
        (err = get_date(obj, "closedDate", "closedDate", &a->closed_date, diag)))
        return err;
    return C360_OK;
}

static enum c360_err decode_transaction(json_t *obj, struct c360_record *rec,
                                        struct c360_diag *diag)
{
    struct c360_financial_transaction *t = &rec->as.transaction;
    enum c360_err err;
    GET_ENUM(obj, "direction", c360_direction_parse, &t->direction, diag);
    if ((err = get_str(rec, obj, "globalTransactionId", "globalTransactionId",
                       &t->global_transaction_id, diag)) ||
        (err = get_str(rec, obj, "globalAccountId", "globalAccountId", &t->global_account_id,
                       diag)) ||
        (err = get_date(obj, "transactionDate", "transactionDate", &t->transaction_date, diag)) ||
        (err = get_str(rec, obj, "status", "status", &t->status, diag)) ||
        (err = get_money(obj, "runningBalance", &t->running_balance, diag)))
        return err;
    /* The amount as a Money object, or as "amount" and "currency" side by side. */
    json_t *amount = member(obj, "amount");
    if (json_is_object(amount))
        return get_money(obj, "amount", &t->amount, diag);
    if (amount) {
        json_t *currency = member(obj, "currency");
        if ((err = get_amount(amount, "amount", &t->amount.minor, diag)))
            return err;
        if (!currency)
            return c360_diag_fail(diag, C360_ERR_INVALID, "currency",
                                  "required with a plain amount");
        return get_currency(currency, "currency", &t->amount, diag);
    }
    return C360_OK;
}

static enum c360_err decode_external(json_t *obj, struct c360_record *rec, struct c360_diag *diag)
{
    struct c360_external_account *x = &rec->as.external;
    enum c360_err err;
    GET_ENUM(obj, "accountType", c360_account_type_parse, &x->account_type, diag);
    GET_ENUM(obj, "status", c360_account_status_parse, &x->status, diag);
    if ((err = get_str(rec, obj, "externalAccountId", "externalAccountId", &x->external_account_id,
                       diag)) ||
        (err =
             get_str(rec, obj, "institutionName", "institutionName", &x->institution_name, diag)) ||
        (err = get_money(obj, "averageDailyBalance", &x->average_daily_balance, diag)) ||
        (err = get_time(obj, "asOf", "asOf", &x->as_of, diag)))
        return err;
    return C360_OK;
}

static enum c360_err decode_web(json_t *obj, struct c360_record *rec, struct c360_diag *diag)
{
    struct c360_web_engagement *w = &rec->as.web;
    enum c360_err err;
    if ((err = get_str(rec, obj, "engagementId", "engagementId", &w->engagement_id, diag)) ||
        (err = get_str(rec, obj, "email", "email", &w->email, diag)) ||
        (err = get_str(rec, obj, "sessionId", "sessionId", &w->session_id, diag)) ||
        (err = get_str(rec, obj, "pageUrl", "pageUrl", &w->page_url, diag)) ||
        (err = get_str(rec, obj, "subject", "subject", &w->subject, diag)))
        return err;
    json_t *d = member(obj, "durationSeconds");
    if (d) {
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            return wrong_type("durationSeconds", "a non-negative integer", diag);
        w->duration_seconds = json_integer_value(d);
    }
    return C360_OK;
}

static enum c360_err decode_org(json_t *obj, struct c360_record *rec, struct c360_diag *diag)
{
    struct c360_org_record *o = &rec->as.org;
    enum c360_err err;
    if ((err = get_str(rec, obj, "orgId", "orgId", &o->org_id, diag)) ||
        (err = get_str(rec, obj, "objectType", "objectType", &o->object_type, diag)) ||
        (err = get_str(rec, obj, "recordId", "recordId", &o->record_id, diag)) ||
        (err = get_str(rec, obj, "globalCustomerId", "globalCustomerId", &o->global_customer_id,
                       diag)) ||
        (err = get_time(obj, "commitTimestamp", "commitTimestamp", &o->commit_timestamp, diag)) ||
        (err = get_str(rec, obj, "commitUser", "commitUser", &o->commit_user, diag)) ||
        (err = get_str(rec, obj, "changeOrigin", "changeOrigin", &o->change_origin, diag)) ||
        (err = get_strs_upto(rec, obj, "changedFields", C360_RECORD_FIELDS_MAX, &o->changed_fields,
                             diag)) ||
        (err = get_strs_upto(rec, obj, "nulledFields", C360_RECORD_FIELDS_MAX, &o->nulled_fields,
                             diag)))
        return err;
    json_t *fields = member(obj, "fields"), *v;
    if (!fields)
        return C360_OK;
    if (!json_is_object(fields))
        return wrong_type("fields", "an object of field values", diag);
    void *items;
    if ((err = c360_record_alloc(rec, json_object_size(fields), sizeof(struct c360_org_field),
                                 &items, diag)))
        return at_field(err, "fields", diag);
    struct c360_org_field *f = items;
    o->fields = f;
    const char *name;
    json_object_foreach(fields, name, v)
    {
        /* Field values are kept as text: orgs have custom fields of any type. */
        char *text = json_is_null(v)     ? NULL
                     : json_is_string(v) ? strdup(json_string_value(v))
                                         : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!json_is_null(v) && !text)
            return C360_ERR_NOMEM;
        err = c360_record_str(rec, name, strlen(name), &f->name, diag);
        if (!err && text)
            err = c360_record_str(rec, text, strlen(text), &f->value, diag);
        free(text);
        if (err)
            return at_field(err, "fields", diag);
        f++;
        o->n_fields++;
    }
    return C360_OK;
}

enum c360_err c360_codec_record_from_json(json_t *obj, struct c360_record *rec,
                                          struct c360_diag *diag)
{
    enum c360_err err;
    if (!json_is_object(obj))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a record is a JSON object");
    if ((err = decode_common(obj, rec, diag)))
        return err;
    switch (rec->entity) {
    case C360_ENTITY_INDIVIDUAL:
        err = decode_individual(obj, rec, diag);
        break;
    case C360_ENTITY_FINANCIAL_ACCOUNT:
        err = decode_account(obj, rec, diag);
        break;
    case C360_ENTITY_FINANCIAL_TRANSACTION:
        err = decode_transaction(obj, rec, diag);
        break;
    case C360_ENTITY_EXTERNAL_ACCOUNT:
        err = decode_external(obj, rec, diag);
        break;
    case C360_ENTITY_WEB_ENGAGEMENT:
        err = decode_web(obj, rec, diag);
        break;
    case C360_ENTITY_ORG_ACCOUNT:
    case C360_ENTITY_ORG_CONTACT:
        err = decode_org(obj, rec, diag);
        break;
    }
    if (err)
        return err;
    return c360_record_validate(rec, diag);
}

enum c360_err c360_codec_parse_json_jansson(const char *bytes, size_t len, const char *what,
                                            json_t **out, struct c360_diag *diag)
{
    json_error_t jerr;
    if (len > C360_CODEC_VALUE_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "%s of %zu bytes is larger than %d bytes",
                              what, len, C360_CODEC_VALUE_MAX);
    *out = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &jerr); /* new */
    if (!*out)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "%s is not JSON: %s (at byte %d)", what,
                              jerr.text, jerr.position);
    return C360_OK;
}

/* The tree is built by this project's reader (jsonread.c) when it can: the
 * Salesforce CDC decode spent most of its time in jansson's. */
enum c360_err c360_codec_parse_json(const char *bytes, size_t len, const char *what, json_t **out,
                                    struct c360_diag *diag)
{
    enum c360_err err = c360_json_dom_read(bytes, len, out); /* new */
    if (err != C360_ERR_UNSUPPORTED)
        return err;
    return c360_codec_parse_json_jansson(bytes, len, what, out, diag);
}

/* Canonical JSON needs no DOM: the reader of jsonread.c fills the record as
 * it goes, five to six times faster (bench/RESULTS.md). record_from_json
 * stays for the mapped formats whose canonical object is built, not read:
 * the messages and mappings the direct mapping (mapping.c) leaves. */
enum c360_err c360_codec_json_decode(const char *bytes, size_t len, struct c360_record *rec,
                                     struct c360_diag *diag)
{
    c360_record_reset(rec, rec->entity);
    return c360_codec_json_read(bytes, len, rec, diag);
}

/* --- Encoding. Each put_* leaves absent values out. */

static int put_str(json_t *obj, const char *key, const char *value)
{
    return value ? json_object_set_new(obj, key, json_string(value)) : 0;
}

static int put_time(json_t *obj, const char *key, int64_t ms)
{
    char buf[32];
    return ms == C360_TIME_NONE
               ? 0
               : json_object_set_new(obj, key, json_string(c360_time_format(ms, buf, sizeof(buf))));
}

static int put_date(json_t *obj, const char *key, int32_t days)
{
    char buf[16];
    return days == C360_DATE_NONE
               ? 0
               : json_object_set_new(obj, key,
                                     json_string(c360_date_format(days, buf, sizeof(buf))));
}

static int put_money(json_t *obj, const char *key, const struct c360_money *m)
{
    char buf[32];
    if (!m->currency[0])
        return 0;
    return json_object_set_new(obj, key,
                               json_pack("{s:s, s:s}", "amount",
                                         c360_money_format(m->minor, buf, sizeof(buf)), "currency",
                                         m->currency));
}

static int put_strs(json_t *obj, const char *key, const struct c360_strs *list)
{
    if (list->count == 0)
        return 0;
    json_t *arr = json_array();
    for (uint16_t i = 0; i < list->count; i++)
        json_array_append_new(arr, json_string(list->items[i]));
    return json_object_set_new(obj, key, arr);
}

static int put_enum(json_t *obj, const char *key, const char *name)
{
    return put_str(obj, key, name);
}

static int encode_individual(json_t *obj, const struct c360_individual *p)
{
    int rc = put_str(obj, "firstName", p->first_name) | put_str(obj, "lastName", p->last_name) |
             put_date(obj, "birthDate", p->birth_date) | put_strs(obj, "emails", &p->emails) |
             put_strs(obj, "phones", &p->phones);
    if (p->n_addresses) {
        json_t *arr = json_array();
        for (uint16_t i = 0; i < p->n_addresses; i++) {
            json_t *a = json_object();
            rc |= put_str(a, "line1", p->addresses[i].line1) |
                  put_str(a, "city", p->addresses[i].city) |
                  put_str(a, "postalCode", p->addresses[i].postal_code) |
                  put_str(a, "country", p->addresses[i].country);
            rc |= json_array_append_new(arr, a);
        }
        rc |= json_object_set_new(obj, "addresses", arr);
    }
    if (p->n_identifiers) {
        json_t *arr = json_array();
        for (uint16_t i = 0; i < p->n_identifiers; i++)
            rc |= json_array_append_new(arr, json_pack("{s:s, s:s}", "type", p->identifiers[i].type,
                                                       "value", p->identifiers[i].value));
        rc |= json_object_set_new(obj, "partyIdentifiers", arr);
    }
    return rc | put_str(obj, "fscAccountId", p->fsc_account_id) |
           put_str(obj, "preferredChannel", p->preferred_channel) |
           put_str(obj, "householdId", p->household_id);
}

static int encode_entity(json_t *obj, const struct c360_record *rec)
{
    switch (rec->entity) {
    case C360_ENTITY_INDIVIDUAL:
        return encode_individual(obj, &rec->as.individual);
    case C360_ENTITY_FINANCIAL_ACCOUNT: {
        const struct c360_financial_account *a = &rec->as.account;
        return put_str(obj, "globalAccountId", a->global_account_id) |
               put_strs(obj, "jointOwnerIds", &a->joint_owner_ids) |
               put_enum(obj, "accountType", c360_account_type_name(a->account_type)) |
               put_enum(obj, "status", c360_account_status_name(a->status)) |
               put_money(obj, "balance", &a->balance) |
               put_time(obj, "balanceAsOf", a->balance_as_of) |
               put_date(obj, "openedDate", a->opened_date) |
               put_date(obj, "closedDate", a->closed_date);
    }
    case C360_ENTITY_FINANCIAL_TRANSACTION: {
        const struct c360_financial_transaction *t = &rec->as.transaction;
        return put_str(obj, "globalTransactionId", t->global_transaction_id) |
               put_str(obj, "globalAccountId", t->global_account_id) |
               put_money(obj, "amount", &t->amount) |
               put_enum(obj, "direction", c360_direction_name(t->direction)) |
               put_date(obj, "transactionDate", t->transaction_date) |
               put_str(obj, "status", t->status) |
               put_money(obj, "runningBalance", &t->running_balance);
    }
    case C360_ENTITY_EXTERNAL_ACCOUNT: {
        const struct c360_external_account *x = &rec->as.external;
        return put_str(obj, "externalAccountId", x->external_account_id) |
               put_str(obj, "institutionName", x->institution_name) |
               put_enum(obj, "accountType", c360_account_type_name(x->account_type)) |
               put_enum(obj, "status", c360_account_status_name(x->status)) |
               put_money(obj, "averageDailyBalance", &x->average_daily_balance) |
               put_time(obj, "asOf", x->as_of);
    }
    case C360_ENTITY_WEB_ENGAGEMENT: {
        const struct c360_web_engagement *w = &rec->as.web;
        int rc = put_str(obj, "engagementId", w->engagement_id) | put_str(obj, "email", w->email) |
                 put_str(obj, "sessionId", w->session_id) | put_str(obj, "pageUrl", w->page_url) |
                 put_str(obj, "subject", w->subject);
        if (w->duration_seconds >= 0)
            rc |= json_object_set_new(obj, "durationSeconds",
                                      json_integer((json_int_t)w->duration_seconds));
        return rc;
    }
    case C360_ENTITY_ORG_ACCOUNT:
    case C360_ENTITY_ORG_CONTACT: {
        const struct c360_org_record *o = &rec->as.org;
        int rc = put_str(obj, "orgId", o->org_id) | put_str(obj, "objectType", o->object_type) |
                 put_str(obj, "recordId", o->record_id) |
                 put_str(obj, "globalCustomerId", o->global_customer_id) |
                 put_time(obj, "commitTimestamp", o->commit_timestamp) |
                 put_str(obj, "commitUser", o->commit_user) |
                 put_str(obj, "changeOrigin", o->change_origin) |
                 put_strs(obj, "changedFields", &o->changed_fields) |
                 put_strs(obj, "nulledFields", &o->nulled_fields);
        if (o->n_fields) {
            json_t *fields = json_object();
            for (uint16_t i = 0; i < o->n_fields; i++)
                rc |= json_object_set_new(fields, o->fields[i].name,
                                          o->fields[i].value ? json_string(o->fields[i].value)
                                                             : json_null());
            rc |= json_object_set_new(obj, "fields", fields);
        }
        return rc;
    }
    }
    return -1;
}

enum c360_err c360_codec_json_encode(const struct c360_record *rec, enum c360_codec_layout layout,
                                     char **out)
{
    if (rec->change == C360_CHANGE_RESYNC)
        return c360_codec_resync_encode(rec, layout, out);
    json_t *obj = json_object(); /* new */
    if (!obj)
        return C360_ERR_NOMEM;
    int rc = put_str(obj, "eventId", rec->event_id) |
             put_enum(obj, "changeType", c360_change_name(rec->change)) |
             put_time(obj, "occurredAt", rec->occurred_at);
    if (rec->source_system || rec->source_record_id) {
        json_t *source = json_object();
        rc |= put_str(source, "system", rec->source_system) |
              put_str(source, "recordId", rec->source_record_id) |
              json_object_set_new(obj, "source", source);
    }
    rc |= put_str(obj, "globalPartyId", rec->global_party_id) | encode_entity(obj, rec);
    size_t flags =
        JSON_PRESERVE_ORDER | (layout == C360_CODEC_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);
    *out = rc ? NULL : json_dumps(obj, flags);
    json_decref(obj);
    return *out ? C360_OK : C360_ERR_NOMEM;
}
