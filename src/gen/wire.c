/*
 * c360 gen — each row as its source writes it, with the field names the
 * topic's shipped mapping reads (topics/<id>.json):
 *
 *   individual             Salesforce CDC events of FSC person accounts as the
 *                          Salesforce CDC source connector writes them
 *                          (ChangeEventHeader, compound Name and address)
 *   financial-account      Kafka Connect JsonConverter {schema, payload} of the
 *                          Snowflake view C360.FINANCIAL_ACCOUNTS_V (Decimal as
 *                          base64, the converter's default decimal.format)
 *   financial-transaction  rows of EDW.C360.FINANCIAL_TRANSACTION as plain JSON
 *   external-financial-account  the aggregator's CSV headers as plain JSON
 *   web-engagement         columns of the Databricks table as plain JSON
 *
 * Text comes from the generator's own tables, which hold no quote, backslash
 * or control character; json_str escapes them anyway so a table edit cannot
 * break a line.
 */
#include "gen_int.h"

#include "c360/money.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The integration user that writes person accounts from the bank's MDM, and
 * a branch user who creates one by hand. */
#define SF_INTEGRATION_USER "0055f000005mc66AAA"
#define SF_BRANCH_USER "0055f000008BrN2AAK"
#define SF_PERSON_RECORD_TYPE "0125f000000qTYUAA2"
#define SF_CHANGE_ORIGIN "com/salesforce/api/soap/60.0;client=SfdcInternalAPI/"
/* What the connector puts in _EventType: the event schema's id. */
#define SF_EVENT_TYPE "kYbXCjeDH3s8KSNrFu3ttg"

static void put(struct gen_buf *b, const char *fmt, ...) C360_PRINTF(2, 3);

static void put(struct gen_buf *b, const char *fmt, ...)
{
    if (b->over)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(b->text) - b->len)
        b->over = true;
    else
        b->len += (size_t)n;
}

static void put_raw(struct gen_buf *b, const char *text)
{
    size_t n = strlen(text);
    if (b->over || n >= sizeof(b->text) - b->len) {
        b->over = true;
        return;
    }
    memcpy(b->text + b->len, text, n + 1);
    b->len += n;
}

/* "text", or null for NULL or "". */
static void json_str(struct gen_buf *b, const char *s)
{
    if (!s || !*s) {
        put_raw(b, "null");
        return;
    }
    put_raw(b, "\"");
    for (const char *c = s; *c && !b->over; c++) {
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) {
            put(b, "\\u%04x", (unsigned)(unsigned char)*c);
        } else if (b->len + 1 < sizeof(b->text)) {
            b->text[b->len++] = *c;
            b->text[b->len] = '\0';
        } else {
            b->over = true;
        }
    }
    put_raw(b, "\"");
}

/* `"name":value,` with value a string or null. */
static void field(struct gen_buf *b, const char *name, const char *value)
{
    put(b, "\"%s\":", name);
    json_str(b, value);
    put_raw(b, ",");
}

static void put_time(struct gen_buf *b, int64_t ms)
{
    char text[32];
    put(b, "\"%s\"", c360_time_format(ms, text, sizeof(text)));
}

static void put_money(struct gen_buf *b, int64_t minor)
{
    char text[32];
    put(b, "\"%s\"", c360_money_format(minor, text, sizeof(text)));
}

/* A stable pseudo-random number for a row: no generator state is used, so
 * writing does not change what is generated. */
static uint64_t row_hash(const struct gen_unit *u, uint64_t a, uint64_t b)
{
    struct gen_rng mix = {u->seed ^ (a * UINT64_C(0x9E3779B97F4A7C15)) ^ (b << 32)};
    return gen_rng_next(&mix);
}

/* --- individual: Salesforce CDC. */

enum cdc_body { CDC_FULL, CDC_DUPLICATE, CDC_EMAIL, CDC_NONE };

static void cdc_header(struct gen_buf *b, const struct gen_unit *u, const struct gen_person *p,
                       const char *id, const char *change, int64_t ms, const char *user,
                       const char *changed)
{
    uint64_t h = row_hash(u, p->index, (uint64_t)ms);
    put(b,
        "{\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":[\"%s\"],"
        "\"changeType\":\"%s\",\"changeOrigin\":\"%s\",\"transactionKey\":\"%08x-%04x-4%03x-"
        "%04x-%012llx\",\"sequenceNumber\":1,\"commitTimestamp\":%lld,\"commitNumber\":%lld,"
        "\"commitUser\":\"%s\",\"nulledFields\":[],\"diffFields\":[],\"changedFields\":[%s]},",
        id, change, SF_CHANGE_ORIGIN, (unsigned)(h >> 32), (unsigned)(h >> 16) & 0xFFFF,
        (unsigned)(h >> 4) & 0xFFF, (unsigned)(0x8000 | (h & 0x3FFF)),
        (unsigned long long)(row_hash(u, h, 1) & UINT64_C(0xFFFFFFFFFFFF)), (long long)ms,
        (long long)(ms / 100), user, changed);
}

/* The body: every field of the event schema, null where the event carries
 * no value (an UPDATE carries the changed fields only; a DELETE none). */
static void cdc_body(struct gen_buf *b, const struct gen_person *p, enum cdc_body what, int64_t ms,
                     const char *user)
{
    bool full = what == CDC_FULL || what == CDC_DUPLICATE;
    bool dup = what == CDC_DUPLICATE;
    char date[16];
    put_raw(b, "\"Name\":{");
    field(b, "Salutation", full ? p->salutation : NULL);
    field(b, "FirstName", full ? p->first : NULL);
    put_raw(b, "\"LastName\":");
    json_str(b, full ? p->last : NULL);
    put_raw(b, "},");
    field(b, "RecordTypeId", full ? SF_PERSON_RECORD_TYPE : NULL);
    field(b, "Phone", full && !dup ? p->phone : NULL);
    field(b, "PersonMobilePhone", full ? p->mobile : NULL);
    field(b, "PersonHomePhone", full && !dup ? p->home : NULL);
    field(b, "PersonEmail", what == CDC_EMAIL ? p->new_email : full ? p->email : NULL);
    field(b, "PersonBirthdate",
          full && !dup ? c360_date_format(p->birth, date, sizeof(date)) : NULL);
    put_raw(b, "\"PersonMailingAddress\":{");
    field(b, "Street", full ? p->street : NULL);
    field(b, "City", full ? p->city : NULL);
    field(b, "State", full ? p->state : NULL);
    field(b, "PostalCode", full ? p->zip : NULL);
    put_raw(b, "\"Country\":");
    json_str(b, full ? "US" : NULL);
    put_raw(b, "},");
    /* A duplicate keyed in at a branch has no master-data id or tax id. */
    field(b, "Global_Party_Id__c", full && !dup ? p->gp : NULL);
    field(b, "FinServ__TaxId__pc", full && !dup ? p->tin : NULL);
    field(b, "FinServ__PreferredCommunicationChannel__pc", full ? p->channel : NULL);
    field(b, "FinServ__PrimaryHousehold__pc", full && !dup ? p->household : NULL);
    field(b, "OwnerId", full ? user : NULL);
    if (full)
        put(b, "\"CreatedDate\":%lld,", (long long)ms);
    else
        put_raw(b, "\"CreatedDate\":null,");
    field(b, "CreatedById", full ? user : NULL);
    if (what != CDC_NONE)
        put(b, "\"LastModifiedDate\":%lld,", (long long)ms);
    else
        put_raw(b, "\"LastModifiedDate\":null,");
    field(b, "LastModifiedById", what != CDC_NONE ? user : NULL);
    put(b, "\"IsPersonAccount\":%s,\"_ObjectType\":\"Account\",\"_EventType\":\"%s\"}",
        full ? "true" : "null", SF_EVENT_TYPE);
}

static void individual(const struct gen_unit *u, const struct gen_row *r, struct gen_buf *b)
{
    const struct gen_person *p = &u->people[r->ref];
    switch ((enum gen_row_kind)r->kind) {
    case GEN_ROW_EMAIL_UPDATE:
        cdc_header(b, u, p, p->sfid, "UPDATE", p->email_changed, SF_INTEGRATION_USER,
                   "\"PersonEmail\",\"LastModifiedDate\"");
        cdc_body(b, p, CDC_EMAIL, p->email_changed, SF_INTEGRATION_USER);
        break;
    case GEN_ROW_DUP_CREATE:
        cdc_header(b, u, p, p->dup_sfid, "CREATE", p->dup_created, SF_BRANCH_USER, "");
        cdc_body(b, p, CDC_DUPLICATE, p->dup_created, SF_BRANCH_USER);
        break;
    case GEN_ROW_DUP_DELETE:
        /* Merged into the master record: the loser is deleted. */
        cdc_header(b, u, p, p->dup_sfid, "DELETE", p->dup_deleted, SF_INTEGRATION_USER, "");
        cdc_body(b, p, CDC_NONE, p->dup_deleted, SF_INTEGRATION_USER);
        break;
    default:
        cdc_header(b, u, p, p->sfid, "CREATE", p->created, SF_INTEGRATION_USER, "");
        cdc_body(b, p, CDC_FULL, p->created, SF_INTEGRATION_USER);
        break;
    }
}

/* --- financial-account: Kafka Connect JsonConverter, schemas.enable=true. */

/* The JDBC source connector's schema of C360.FINANCIAL_ACCOUNTS_V: NUMBER(18,2)
 * as Decimal, TIMESTAMP_NTZ as Timestamp, DATE as Date. */
static const char connect_schema[] =
    "{\"type\":\"struct\",\"optional\":false,\"name\":\"C360.FINANCIAL_ACCOUNTS_V\",\"fields\":["
    "{\"type\":\"string\",\"optional\":false,\"field\":\"GLOBAL_ACCOUNT_ID\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"PRIMARY_GLOBAL_PARTY_ID\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"JOINT_OWNER_IDS\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"ACCOUNT_TYPE\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"STATUS\"},"
    "{\"type\":\"bytes\",\"optional\":true,\"field\":\"BALANCE\","
    "\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
    "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"18\"}},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"CURRENCY_CODE\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"BALANCE_AS_OF\","
    "\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},"
    "{\"type\":\"int32\",\"optional\":true,\"field\":\"OPENED_DATE\","
    "\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},"
    "{\"type\":\"int32\",\"optional\":true,\"field\":\"CLOSED_DATE\","
    "\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"UPDATED_AT\","
    "\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}]}";

/* A Connect Decimal: the unscaled value as big-endian two's complement in
 * the fewest bytes, base64-encoded. */
static void put_decimal(struct gen_buf *b, int64_t minor)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char bytes[8];
    int n = 8;
    for (int i = 7; i >= 0; i--)
        bytes[i] = (unsigned char)((uint64_t)minor >> (8 * (7 - i)));
    int start = 0;
    /* Drop a leading byte while the next one still carries the sign. */
    while (start < 7 && ((bytes[start] == 0x00 && !(bytes[start + 1] & 0x80)) ||
                         (bytes[start] == 0xFF && (bytes[start + 1] & 0x80))))
        start++;
    n -= start;
    put_raw(b, "\"");
    for (int i = 0; i < n; i += 3) {
        const unsigned char *s = bytes + start + i;
        unsigned v =
            (unsigned)s[0] << 16 | (i + 1 < n ? (unsigned)s[1] << 8 : 0) | (i + 2 < n ? s[2] : 0);
        put(b, "%c%c%c%c", b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=',
            i + 2 < n ? b64[v & 63] : '=');
    }
    put_raw(b, "\"");
}

static void financial_account(const struct gen_unit *u, const struct gen_row *r, struct gen_buf *b)
{
    const struct gen_account *a = &u->accounts[r->ref];
    /* sub < 0: the closing row of an account closed before the history. */
    int32_t day = r->sub < 0 ? a->closed : u->today - GEN_HIST + r->sub;
    int64_t balance = r->sub < 0 ? 0 : a->eod[r->sub];
    bool closed = a->closed != GEN_NO_DATE && day >= a->closed;
    put(b, "{\"schema\":%s,\"payload\":{", connect_schema);
    field(b, "GLOBAL_ACCOUNT_ID", a->id);
    field(b, "PRIMARY_GLOBAL_PARTY_ID", u->people[a->owner].gp);
    field(b, "JOINT_OWNER_IDS", a->joint >= 0 ? u->people[a->joint].gp : NULL);
    field(b, "ACCOUNT_TYPE", gen_kind_source(a->kind));
    field(b, "STATUS", closed ? "Closed" : a->status);
    put_raw(b, "\"BALANCE\":");
    put_decimal(b, balance);
    /* The balance at the end of its day: the last second, as the EDW stamps it. */
    put(b, ",\"CURRENCY_CODE\":\"USD\",\"BALANCE_AS_OF\":%lld,\"OPENED_DATE\":%ld,",
        (long long)(gen_day_ms(day) + C360_MS_PER_DAY - 1000), (long)a->opened);
    if (closed)
        put(b, "\"CLOSED_DATE\":%ld,", (long)a->closed);
    else
        put_raw(b, "\"CLOSED_DATE\":null,");
    put(b, "\"UPDATED_AT\":%lld}}", (long long)r->at);
}

/* --- financial-transaction: one posted transaction per balance change. */

static void financial_transaction(const struct gen_unit *u, const struct gen_row *r,
                                  struct gen_buf *b)
{
    const struct gen_account *a = &u->accounts[r->ref];
    int h = r->sub;
    int64_t before = h > 0 ? a->eod[h - 1] : 0, after = a->eod[h];
    int64_t delta = after - before;
    bool inflow = gen_kind_is_debt(a->kind) ? delta < 0 : delta > 0;
    char date[16];
    put_raw(b, "{\"GLOBAL_TRANSACTION_ID\":");
    put(b, "\"TX-%s-%02d\",", a->id + 4, h);
    field(b, "GLOBAL_ACCOUNT_ID", a->id);
    field(b, "GLOBAL_PARTY_ID", u->people[a->owner].gp);
    put_raw(b, "\"AMOUNT\":");
    put_money(b, delta < 0 ? -delta : delta);
    put(b, ",\"CURRENCY_CODE\":\"USD\",\"DIRECTION\":\"%s\",", inflow ? "CR" : "DR");
    field(b, "TRANSACTION_DATE", c360_date_format(u->today - GEN_HIST + h, date, sizeof(date)));
    put_raw(b, "\"STATUS\":\"POSTED\",\"RUNNING_BALANCE\":");
    put_money(b, after);
    put_raw(b, ",\"UPDATED_AT\":");
    put_time(b, r->at);
    put_raw(b, "}");
}

/* --- external-financial-account: the aggregator's monthly files. */

static void external_account(const struct gen_unit *u, const struct gen_row *r, struct gen_buf *b)
{
    const struct gen_external *x = &u->externals[r->ref];
    put_raw(b, "{");
    field(b, "External Account ID", x->id);
    field(b, "Global Party ID", u->people[x->owner].gp);
    field(b, "Institution Name", x->institution);
    field(b, "Account Type", x->type);
    field(b, "Status", x->closed ? "Closed" : "Open");
    put_raw(b, "\"Average Daily Balance\":");
    put_money(b, x->adb[r->sub]);
    put_raw(b, ",\"Currency\":\"USD\",\"As Of\":");
    put_time(b, x->as_of[r->sub]);
    put_raw(b, "}");
}

/* --- web-engagement: page views. */

static const char *page_path(const char *subject, int k)
{
    static const struct {
        const char *subject, *paths[2];
    } pages[] = {
        {"real_estate", {"mortgages/rates", "home-buying/guide"}},
        {"credit_cards", {"credit-cards/compare", "credit-cards/rewards"}},
        {"retirement", {"retirement/ira", "retirement/planner"}},
        {"savings", {"savings/high-yield", "savings/cd-rates"}},
        {"investing", {"investing/brokerage", "investing/managed"}},
        {"auto_loans", {"loans/auto", "loans/auto-refinance"}},
        {"checking", {"checking/compare", "checking/overdraft"}},
    };
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        if (strcmp(pages[i].subject, subject) == 0)
            return pages[i].paths[k & 1];
    }
    return "index";
}

static void web_engagement(const struct gen_unit *u, const struct gen_row *r, struct gen_buf *b)
{
    const struct gen_session *s = &u->sessions[r->ref];
    const struct gen_engagement *e = &s->e[r->sub];
    const struct gen_person *p = &u->people[s->owner];
    put(b, "{\"engagement_id\":\"ENG-%s-%d\",", s->id + 2, r->sub + 1);
    field(b, "global_party_id", s->logged_in ? p->gp : NULL);
    field(b, "email", s->logged_in ? NULL : p->email);
    field(b, "session_id", s->id);
    put_raw(b, "\"event_time\":");
    put_time(b, e->at);
    put(b, ",\"page_url\":\"https://www.bank.example/%s\",", page_path(e->subject, r->sub));
    field(b, "subject", e->subject);
    put(b, "\"duration_seconds\":%lld}", (long long)e->seconds);
}

/* --- truth. */

static void truth(const struct gen_unit *u, const struct gen_row *r, struct gen_buf *b)
{
    const struct gen_truth *t = &u->truths[r->ref];
    const struct gen_person *p = &u->people[t->person];
    char date[16];
    put_raw(b, "{");
    field(b, "globalPartyId", p->gp);
    field(b, "fscAccountId", p->sfid);
    field(b, "case", t->name);
    field(b, "segment", t->segment);
    put(b, "\"member\":%s,", t->member ? "true" : "false");
    if (t->next_days > 0)
        put(b, "\"next\":{\"date\":\"%s\",\"member\":%s},",
            c360_date_format(u->today + t->next_days, date, sizeof(date)),
            t->member ? "false" : "true");
    put_raw(b, "\"detail\":");
    json_str(b, t->detail);
    put_raw(b, "}");
}

void gen_wire_row(const struct gen_unit *u, const struct gen_row *r, struct gen_buf *b, char *key,
                  size_t key_size)
{
    b->len = 0;
    b->over = false;
    b->text[0] = '\0';
    const char *k = "";
    switch ((enum c360_gen_stream)r->stream) {
    case C360_GEN_INDIVIDUAL:
        individual(u, r, b);
        /* A duplicate has no global party id: its record id stands in. */
        k = r->kind == GEN_ROW_DUP_CREATE || r->kind == GEN_ROW_DUP_DELETE
                ? u->people[r->ref].dup_sfid
                : u->people[r->ref].gp;
        break;
    case C360_GEN_FINANCIAL_ACCOUNT:
        financial_account(u, r, b);
        k = u->people[u->accounts[r->ref].owner].gp;
        break;
    case C360_GEN_FINANCIAL_TRANSACTION:
        financial_transaction(u, r, b);
        k = u->people[u->accounts[r->ref].owner].gp;
        break;
    case C360_GEN_EXTERNAL_ACCOUNT:
        external_account(u, r, b);
        k = u->people[u->externals[r->ref].owner].gp;
        break;
    case C360_GEN_WEB_ENGAGEMENT: {
        const struct gen_session *s = &u->sessions[r->ref];
        web_engagement(u, r, b);
        k = s->logged_in ? u->people[s->owner].gp : u->people[s->owner].email;
        break;
    }
    case C360_GEN_TRUTH:
        truth(u, r, b);
        break;
    }
    snprintf(key, key_size, "%s", k);
}
