/*
 * c360 record — the canonical model (DESIGN.md §3): one change event of one
 * input entity, whatever wire format it came in, validated and ready for the
 * engine. Codecs fill records through this interface; the engine reads them.
 *
 * A record owns every string and list it holds in one arena with a hard cap,
 * so untrusted input never decides how much memory is used, and reusing a
 * record (c360_record_reset) costs no allocation on the hot path.
 *
 * Never does I/O or logging, and knows nothing of JSON, Avro or Kafka.
 */
#ifndef C360_RECORD_H
#define C360_RECORD_H

#include "c360/err.h"
#include "c360/money.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps on one record: what a change event of a customer can reasonably hold. */
#define C360_RECORD_ARENA_MAX (256 * 1024) /* all strings and lists together */
#define C360_RECORD_STRING_MAX 4096        /* one string, in bytes */
#define C360_RECORD_LIST_MAX 32            /* items in one list of a person or account */
/* Fields of one Salesforce org record (and its changed/nulled field lists): an
 * object has at most 800 custom fields plus its standard ones. */
#define C360_RECORD_FIELDS_MAX 1024

/* Absent dates and times (every real value is far from these). */
#define C360_DATE_NONE INT32_MIN
#define C360_TIME_NONE INT64_MIN

enum c360_entity {
    C360_ENTITY_INDIVIDUAL,
    C360_ENTITY_FINANCIAL_ACCOUNT,
    C360_ENTITY_FINANCIAL_TRANSACTION,
    C360_ENTITY_EXTERNAL_ACCOUNT,
    C360_ENTITY_WEB_ENGAGEMENT,
    C360_ENTITY_ORG_ACCOUNT,
    C360_ENTITY_ORG_CONTACT,
};
#define C360_ENTITY_COUNT 7

enum c360_change {
    C360_CHANGE_NONE, /* not set: validation refuses it */
    C360_CHANGE_UPSERT,
    C360_CHANGE_DELETE,
    /* Not a change but a request to re-read records from their source (a
     * Salesforce CDC gap event, or an update of a record c360 holds no state
     * for): rec->as.resync says what to fetch. Never parsed from input. */
    C360_CHANGE_RESYNC,
};

/* Enumerations start with NONE so a zeroed record never claims a value. */
enum c360_account_type {
    C360_ACCOUNT_TYPE_NONE,
    C360_ACCOUNT_CHECKING,
    C360_ACCOUNT_SAVINGS,
    C360_ACCOUNT_MONEY_MARKET,
    C360_ACCOUNT_CD,
    C360_ACCOUNT_CREDIT_CARD,
    C360_ACCOUNT_LOAN,
    C360_ACCOUNT_MORTGAGE,
    C360_ACCOUNT_INVESTMENT,
    C360_ACCOUNT_OTHER,
};

enum c360_account_status {
    C360_STATUS_NONE,
    C360_STATUS_OPEN,
    C360_STATUS_CLOSED,
    C360_STATUS_ON_HOLD,
    C360_STATUS_PENDING,
};

enum c360_direction {
    C360_DIRECTION_NONE,
    C360_DIRECTION_CREDIT,
    C360_DIRECTION_DEBIT,
};

/* A list of strings; items live in the record's arena. */
struct c360_strs {
    const char **items;
    uint16_t count;
};

struct c360_address {
    const char *line1, *city, *postal_code, *country;
};

struct c360_party_identifier {
    const char *type, *value;
};

/* A field of a Salesforce org record; value NULL means "set to null". */
struct c360_org_field {
    const char *name, *value;
};

struct c360_individual {
    const char *first_name, *last_name;
    int32_t birth_date; /* days since 1970-01-01, or C360_DATE_NONE */
    struct c360_strs emails, phones;
    const struct c360_address *addresses;
    uint16_t n_addresses;
    const struct c360_party_identifier *identifiers;
    uint16_t n_identifiers;
    const char *fsc_account_id, *preferred_channel, *household_id;
};

struct c360_financial_account {
    const char *global_account_id;
    struct c360_strs joint_owner_ids;
    enum c360_account_type account_type;
    enum c360_account_status status;
    struct c360_money balance; /* absent when balance.currency is "" */
    int64_t balance_as_of;     /* epoch ms, or C360_TIME_NONE */
    int32_t opened_date, closed_date;
};

struct c360_financial_transaction {
    const char *global_transaction_id, *global_account_id;
    struct c360_money amount;
    enum c360_direction direction;
    int32_t transaction_date;
    const char *status;
    struct c360_money running_balance; /* optional */
};

struct c360_external_account {
    const char *external_account_id, *institution_name;
    enum c360_account_type account_type;
    enum c360_account_status status;
    struct c360_money average_daily_balance;
    int64_t as_of;
};

struct c360_web_engagement {
    const char *engagement_id, *email, *session_id, *page_url, *subject;
    int64_t duration_seconds; /* -1 when absent */
};

/* org-account and org-contact (DESIGN.md §7). */
struct c360_org_record {
    const char *org_id, *object_type, *record_id, *global_customer_id;
    int64_t commit_timestamp;
    const char *commit_user, *change_origin;
    struct c360_strs changed_fields, nulled_fields;
    const struct c360_org_field *fields;
    uint16_t n_fields;
};

/* A re-sync request (change C360_CHANGE_RESYNC; schemas/resync_request.avsc).
 * The org is rec->source_system; record_ids is empty for GAP_OVERFLOW. */
struct c360_resync {
    const char *entity_name, *change_type, *transaction_key, *reason;
    struct c360_strs record_ids;
    int64_t commit_timestamp;
};

struct c360_record_arena;

struct c360_record {
    enum c360_entity entity;
    enum c360_change change;
    const char *event_id;
    int64_t occurred_at; /* epoch ms, or C360_TIME_NONE */
    const char *source_system, *source_record_id;
    const char *global_party_id;
    union {
        struct c360_individual individual;
        struct c360_financial_account account;
        struct c360_financial_transaction transaction;
        struct c360_external_account external;
        struct c360_web_engagement web;
        struct c360_org_record org;
        struct c360_resync resync;
    } as;
    struct c360_record_arena *arena; /* private */
};

/* A new, empty record of entity; *out is new (c360_record_destroy). */
enum c360_err c360_record_new(enum c360_entity entity, struct c360_record **out) C360_MUST_USE;
/* Empties rec for reuse as entity, keeping its memory. */
void c360_record_reset(struct c360_record *rec, enum c360_entity entity);
void c360_record_destroy(struct c360_record *rec);

/* Copies len bytes of text into the record (NUL-terminated); *out borrowed
 * from rec. Over C360_RECORD_STRING_MAX or the arena cap: C360_ERR_LIMIT. */
enum c360_err c360_record_str(struct c360_record *rec, const char *text, size_t len,
                              const char **out, struct c360_diag *diag) C360_MUST_USE;
/* Appends a copy of text to a list of rec; C360_ERR_LIMIT past
 * C360_RECORD_LIST_MAX items. */
enum c360_err c360_record_strs_add(struct c360_record *rec, struct c360_strs *list,
                                   const char *text, size_t len,
                                   struct c360_diag *diag) C360_MUST_USE;
/* The same with another cap on items (C360_RECORD_FIELDS_MAX for org field lists). */
enum c360_err c360_record_strs_add_upto(struct c360_record *rec, struct c360_strs *list, size_t max,
                                        const char *text, size_t len,
                                        struct c360_diag *diag) C360_MUST_USE;
/* Zeroed room for n items of size bytes in rec's arena (n ≤ C360_RECORD_FIELDS_MAX). */
enum c360_err c360_record_alloc(struct c360_record *rec, size_t n, size_t size, void **out,
                                struct c360_diag *diag) C360_MUST_USE;

/*
 * Checks what DESIGN.md §3 requires of every record and of its entity:
 * common fields, identifiers always, descriptive fields on UPSERT, valid
 * currencies, dates in order. diag names the first offending field.
 */
enum c360_err c360_record_validate(const struct c360_record *rec,
                                   struct c360_diag *diag) C360_MUST_USE;

/* Names as they appear in topics, schemas and canonical JSON. Each parse
 * accepts exactly the canonical spelling (and CREATE/UPDATE for UPSERT;
 * never RESYNC, which only c360 itself makes). */
const char *c360_entity_name(enum c360_entity entity);
enum c360_err c360_entity_parse(const char *name, enum c360_entity *out) C360_MUST_USE;
const char *c360_change_name(enum c360_change change);
enum c360_err c360_change_parse(const char *name, enum c360_change *out) C360_MUST_USE;
const char *c360_account_type_name(enum c360_account_type type);
enum c360_err c360_account_type_parse(const char *name, enum c360_account_type *out) C360_MUST_USE;
const char *c360_account_status_name(enum c360_account_status status);
enum c360_err c360_account_status_parse(const char *name,
                                        enum c360_account_status *out) C360_MUST_USE;
const char *c360_direction_name(enum c360_direction direction);
enum c360_err c360_direction_parse(const char *name, enum c360_direction *out) C360_MUST_USE;

#endif
