/*
 * c360 codec — canonical JSON read without a DOM.
 *
 * Building a jansson tree and then looking fields up in it took three
 * quarters of the decode time (bench/RESULTS.md). This reader makes one
 * strict pass over the bytes (RFC 8259, plus what jansson refuses by default:
 * NUL in strings, duplicate keys, integers beyond int64, reals beyond double),
 * remembering where the value of each top-level member the entity knows lies.
 * Then it fills the record from those spans in the order json.c looks fields
 * up, so a record with several faults gets the same first diagnostic from
 * either path, and a syntax error anywhere wins over a field error, as it
 * does when the whole value is parsed first. Unknown members are checked and
 * skipped, never copied.
 *
 * Owns nothing between calls. Allocates only when an object has more members
 * than the stack tables hold (duplicate detection) or a text is longer than a
 * stack buffer; both are bounded by C360_CODEC_VALUE_MAX. Money is never a
 * double: a JSON number's own digits go to c360_money_parse.
 *
 * Syntax diagnostics keep jansson's wording ("invalid token near 'tru'") and
 * its byte offsets, so dead letters read the same whichever path refused them.
 * Where it answers otherwise than jansson on purpose, codec_int.h says so;
 * tests/fuzz/fuzz_json_diff.c holds the two paths to that.
 */
#include "c360/time.h"
#include "codec_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Canonical records nest four levels (record, list, item, value); jansson
 * allows 2048, which only lets hostile input recurse deeper. */
#define JR_DEPTH_MAX 64
/* jansson quotes the token in a diagnostic only up to this many bytes. */
#define JR_CONTEXT_MAX 20
/* Members tracked for duplicate detection before the tables move to the heap. */
#define JR_KEYS_INLINE 64
#define JR_TABLE_INLINE 128
/* Texts handed to the NUL-terminated parsers (times, dates, enums) fit here
 * unless hostile; longer ones are copied to the heap. */
#define JR_TEXT_INLINE 256

enum jr_kind { JR_ABSENT, JR_NULL, JR_FALSE, JR_TRUE, JR_INT, JR_REAL, JR_STR, JR_OBJ, JR_ARR };

/* A value inside the input: a string's raw content (between the quotes, escapes
 * still escaped), a number's text, or a container from its bracket to its
 * closing bracket. Already checked, so reading it again cannot fail. */
struct jr_val {
    const char *p;
    size_t len;
    enum jr_kind kind;
    bool escaped; /* a string with a backslash in it */
};

/* Top-level members some entity reads; each entity lists its own below. */
enum jr_field {
    F_CHANGE_TYPE,
    F_SOURCE,
    F_EVENT_ID,
    F_OCCURRED_AT,
    F_GLOBAL_PARTY_ID,
    F_FIRST_NAME,
    F_LAST_NAME,
    F_BIRTH_DATE,
    F_EMAILS,
    F_PHONES,
    F_FSC_ACCOUNT_ID,
    F_PREFERRED_CHANNEL,
    F_HOUSEHOLD_ID,
    F_ADDRESSES,
    F_PARTY_IDENTIFIERS,
    F_ACCOUNT_TYPE,
    F_STATUS,
    F_GLOBAL_ACCOUNT_ID,
    F_JOINT_OWNER_IDS,
    F_BALANCE,
    F_BALANCE_AS_OF,
    F_OPENED_DATE,
    F_CLOSED_DATE,
    F_DIRECTION,
    F_GLOBAL_TRANSACTION_ID,
    F_TRANSACTION_DATE,
    F_RUNNING_BALANCE,
    F_AMOUNT,
    F_CURRENCY,
    F_EXTERNAL_ACCOUNT_ID,
    F_INSTITUTION_NAME,
    F_AVERAGE_DAILY_BALANCE,
    F_AS_OF,
    F_ENGAGEMENT_ID,
    F_EMAIL,
    F_SESSION_ID,
    F_PAGE_URL,
    F_SUBJECT,
    F_DURATION_SECONDS,
    F_ORG_ID,
    F_OBJECT_TYPE,
    F_RECORD_ID,
    F_GLOBAL_CUSTOMER_ID,
    F_COMMIT_TIMESTAMP,
    F_COMMIT_USER,
    F_CHANGE_ORIGIN,
    F_CHANGED_FIELDS,
    F_NULLED_FIELDS,
    F_FIELDS,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    [F_CHANGE_TYPE] = "changeType",
    [F_SOURCE] = "source",
    [F_EVENT_ID] = "eventId",
    [F_OCCURRED_AT] = "occurredAt",
    [F_GLOBAL_PARTY_ID] = "globalPartyId",
    [F_FIRST_NAME] = "firstName",
    [F_LAST_NAME] = "lastName",
    [F_BIRTH_DATE] = "birthDate",
    [F_EMAILS] = "emails",
    [F_PHONES] = "phones",
    [F_FSC_ACCOUNT_ID] = "fscAccountId",
    [F_PREFERRED_CHANNEL] = "preferredChannel",
    [F_HOUSEHOLD_ID] = "householdId",
    [F_ADDRESSES] = "addresses",
    [F_PARTY_IDENTIFIERS] = "partyIdentifiers",
    [F_ACCOUNT_TYPE] = "accountType",
    [F_STATUS] = "status",
    [F_GLOBAL_ACCOUNT_ID] = "globalAccountId",
    [F_JOINT_OWNER_IDS] = "jointOwnerIds",
    [F_BALANCE] = "balance",
    [F_BALANCE_AS_OF] = "balanceAsOf",
    [F_OPENED_DATE] = "openedDate",
    [F_CLOSED_DATE] = "closedDate",
    [F_DIRECTION] = "direction",
    [F_GLOBAL_TRANSACTION_ID] = "globalTransactionId",
    [F_TRANSACTION_DATE] = "transactionDate",
    [F_RUNNING_BALANCE] = "runningBalance",
    [F_AMOUNT] = "amount",
    [F_CURRENCY] = "currency",
    [F_EXTERNAL_ACCOUNT_ID] = "externalAccountId",
    [F_INSTITUTION_NAME] = "institutionName",
    [F_AVERAGE_DAILY_BALANCE] = "averageDailyBalance",
    [F_AS_OF] = "asOf",
    [F_ENGAGEMENT_ID] = "engagementId",
    [F_EMAIL] = "email",
    [F_SESSION_ID] = "sessionId",
    [F_PAGE_URL] = "pageUrl",
    [F_SUBJECT] = "subject",
    [F_DURATION_SECONDS] = "durationSeconds",
    [F_ORG_ID] = "orgId",
    [F_OBJECT_TYPE] = "objectType",
    [F_RECORD_ID] = "recordId",
    [F_GLOBAL_CUSTOMER_ID] = "globalCustomerId",
    [F_COMMIT_TIMESTAMP] = "commitTimestamp",
    [F_COMMIT_USER] = "commitUser",
    [F_CHANGE_ORIGIN] = "changeOrigin",
    [F_CHANGED_FIELDS] = "changedFields",
    [F_NULLED_FIELDS] = "nulledFields",
    [F_FIELDS] = "fields",
};

/* The members each entity reads, so a key is compared with a dozen names, not all. */
#define COMMON_FIELDS F_CHANGE_TYPE, F_SOURCE, F_EVENT_ID, F_OCCURRED_AT, F_GLOBAL_PARTY_ID
static const unsigned char individual_fields[] = {
    COMMON_FIELDS,  F_FIRST_NAME, F_LAST_NAME,         F_BIRTH_DATE,
    F_EMAILS,       F_PHONES,     F_FSC_ACCOUNT_ID,    F_PREFERRED_CHANNEL,
    F_HOUSEHOLD_ID, F_ADDRESSES,  F_PARTY_IDENTIFIERS, F_COUNT};
static const unsigned char account_fields[] = {
    COMMON_FIELDS, F_ACCOUNT_TYPE,  F_STATUS,      F_GLOBAL_ACCOUNT_ID, F_JOINT_OWNER_IDS,
    F_BALANCE,     F_BALANCE_AS_OF, F_OPENED_DATE, F_CLOSED_DATE,       F_COUNT};
static const unsigned char transaction_fields[] = {
    COMMON_FIELDS,      F_DIRECTION, F_GLOBAL_TRANSACTION_ID, F_GLOBAL_ACCOUNT_ID,
    F_TRANSACTION_DATE, F_STATUS,    F_RUNNING_BALANCE,       F_AMOUNT,
    F_CURRENCY,         F_COUNT};
static const unsigned char external_fields[] = {
    COMMON_FIELDS,      F_ACCOUNT_TYPE,          F_STATUS, F_EXTERNAL_ACCOUNT_ID,
    F_INSTITUTION_NAME, F_AVERAGE_DAILY_BALANCE, F_AS_OF,  F_COUNT};
static const unsigned char web_fields[] = {COMMON_FIELDS,      F_ENGAGEMENT_ID, F_EMAIL,
                                           F_SESSION_ID,       F_PAGE_URL,      F_SUBJECT,
                                           F_DURATION_SECONDS, F_COUNT};
static const unsigned char org_fields[] = {
    COMMON_FIELDS,        F_ORG_ID,           F_OBJECT_TYPE, F_RECORD_ID,
    F_GLOBAL_CUSTOMER_ID, F_COMMIT_TIMESTAMP, F_COMMIT_USER, F_CHANGE_ORIGIN,
    F_CHANGED_FIELDS,     F_NULLED_FIELDS,    F_FIELDS,      F_COUNT};

static const unsigned char no_fields[] = {F_COUNT}; /* members of no entity's */

static const unsigned char *entity_fields(enum c360_entity entity)
{
    switch (entity) {
    case C360_ENTITY_INDIVIDUAL:
        return individual_fields;
    case C360_ENTITY_FINANCIAL_ACCOUNT:
        return account_fields;
    case C360_ENTITY_FINANCIAL_TRANSACTION:
        return transaction_fields;
    case C360_ENTITY_EXTERNAL_ACCOUNT:
        return external_fields;
    case C360_ENTITY_WEB_ENGAGEMENT:
        return web_fields;
    case C360_ENTITY_ORG_ACCOUNT:
    case C360_ENTITY_ORG_CONTACT:
        return org_fields;
    }
    return org_fields + sizeof(org_fields) - 1; /* unreachable: the empty list */
}

/* --- Strings: UTF-8 and escapes. */

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The four hex digits at p, or -1. */
static int32_t hex4(const char *p)
{
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the unit at *p of an already checked string (a byte or an escape,
 * a surrogate pair being one) into out; advances *p; returns the bytes written. */
static size_t unescape_one(const char **p, char out[4])
{
    const char *s = *p;
    if (*s != '\\') {
        out[0] = *s;
        *p = s + 1;
        return 1;
    }
    char c = s[1];
    *p = s + 2;
    switch (c) {
    case 'b':
        out[0] = '\b';
        return 1;
    case 'f':
        out[0] = '\f';
        return 1;
    case 'n':
        out[0] = '\n';
        return 1;
    case 'r':
        out[0] = '\r';
        return 1;
    case 't':
        out[0] = '\t';
        return 1;
    case 'u':
        break;
    default: /* '"', '\\', '/' */
        out[0] = c;
        return 1;
    }
    uint32_t cp = (uint32_t)hex4(s + 2);
    *p = s + 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)hex4(s + 8) - 0xDC00);
        *p = s + 12;
    }
    return utf8_put(cp, out);
}

/* Decodes a string value into buf (at most cap bytes); returns its full
 * decoded length, which may exceed cap. */
static size_t unescape(const struct jr_val *v, char *buf, size_t cap)
{
    if (!v->escaped) {
        memcpy(buf, v->p, v->len < cap ? v->len : cap);
        return v->len;
    }
    const char *p = v->p, *end = v->p + v->len;
    size_t n = 0;
    char unit[4];
    while (p < end) {
        size_t k = unescape_one(&p, unit);
        for (size_t i = 0; i < k; i++, n++) {
            if (n < cap)
                buf[n] = unit[i];
        }
    }
    return n;
}

/* Decoded bytes of a string one at a time, for hashing and comparing keys. */
struct jr_decoder {
    const char *p, *end;
    char unit[4];
    size_t n, i;
};

static int decoder_next(struct jr_decoder *d)
{
    if (d->i == d->n) {
        if (d->p >= d->end)
            return -1;
        d->n = unescape_one(&d->p, d->unit);
        d->i = 0;
    }
    return (unsigned char)d->unit[d->i++];
}

/* Does the (decoded) string v equal name? */
static bool str_is(const struct jr_val *v, const char *name, size_t name_len)
{
    if (!v->escaped)
        return v->len == name_len && memcmp(v->p, name, name_len) == 0;
    struct jr_decoder d = {.p = v->p, .end = v->p + v->len};
    for (size_t i = 0; i < name_len; i++) {
        if (decoder_next(&d) != (unsigned char)name[i])
            return false;
    }
    return decoder_next(&d) < 0;
}

static bool str_eq(const struct jr_val *a, const struct jr_val *b)
{
    if (!a->escaped && !b->escaped)
        return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
    struct jr_decoder da = {.p = a->p, .end = a->p + a->len};
    struct jr_decoder db = {.p = b->p, .end = b->p + b->len};
    int ca, cb;
    do {
        ca = decoder_next(&da);
        cb = decoder_next(&db);
        if (ca != cb)
            return false;
    } while (ca >= 0);
    return true;
}

/* FNV-1a of the decoded string. */
static uint32_t str_hash(const struct jr_val *v)
{
    uint32_t h = 2166136261u;
    if (!v->escaped) {
        for (size_t i = 0; i < v->len; i++)
            h = (h ^ (unsigned char)v->p[i]) * 16777619u;
        return h;
    }
    struct jr_decoder d = {.p = v->p, .end = v->p + v->len};
    for (int c; (c = decoder_next(&d)) >= 0;)
        h = (h ^ (unsigned)c) * 16777619u;
    return h;
}

/* --- The checking pass. */

enum jr_tok {
    TOK_EOF,
    TOK_INVALID, /* not a token; what was wrong depends on what was expected */
    TOK_OBJ_OPEN,
    TOK_OBJ_CLOSE,
    TOK_ARR_OPEN,
    TOK_ARR_CLOSE,
    TOK_COLON,
    TOK_COMMA,
    TOK_STR,
    TOK_INT,
    TOK_REAL,
    TOK_TRUE,
    TOK_FALSE,
    TOK_NULL,
};

/* A member seen in an object still open, for duplicate detection. */
struct jr_key {
    struct jr_val name;
    uint32_t hash;
    uint32_t slot; /* its place in the table */
};

struct jr_parser {
    const char *buf;
    size_t len;
    size_t pos;       /* next byte to read */
    size_t tok;       /* where the current token starts (quoted in diagnostics) */
    enum jr_tok kind; /* the current token */
    struct jr_val val;
    bool str_nul; /* the current string token decodes to text with a NUL */
    int depth;
    const unsigned char *known;    /* the entity's top-level members */
    struct jr_val fields[F_COUNT]; /* their values; JR_ABSENT when absent or null */
    /* Keys of the objects being read: a stack, and an open-addressing table
     * of their indexes + 1 (0 = empty). Keys leave in the reverse order they
     * came in, so emptying their slots restores the table exactly. */
    struct jr_key *keys;
    size_t n_keys, cap_keys;
    uint32_t *table;
    size_t table_size; /* a power of two, at least twice n_keys */
    struct c360_diag *diag;
    struct jr_key keys_inline[JR_KEYS_INLINE];
    uint32_t table_inline[JR_TABLE_INLINE];
};

/* A syntax error, worded as jansson words it: the reason, the token read so
 * far (when it is short), and the offset of the next unread byte. */
C360_PRINTF(3, 4)
static enum c360_err syntax(struct jr_parser *jp, bool bad_utf8, const char *fmt, ...)
{
    char reason[128], context[64] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    size_t n = jp->pos - jp->tok;
    const char *t = jp->buf + jp->tok;
    if (n > 0 && t[0] != '\0') {
        if (n <= JR_CONTEXT_MAX)
            snprintf(context, sizeof(context), " near '%.*s'", (int)strnlen(t, n), t);
    } else if (!bad_utf8) {
        snprintf(context, sizeof(context), " near end of file");
    }
    return c360_diag_fail(jp->diag, C360_ERR_INVALID, NULL,
                          "the value is not JSON: %s%s (at byte %zu)", reason, context, jp->pos);
}

static enum c360_err bad_utf8(struct jr_parser *jp)
{
    return syntax(jp, true, "unable to decode byte 0x%x", (unsigned char)jp->buf[jp->pos]);
}

/* The byte after a number or a word was looked at to end it: jansson
 * refuses it there if it starts no well-formed UTF-8 sequence. */
static enum c360_err check_lookahead(struct jr_parser *jp)
{
    const unsigned char *b = (const unsigned char *)jp->buf;
    if (jp->pos < jp->len && b[jp->pos] >= 0x80 && !utf8_len(b + jp->pos, jp->len - jp->pos))
        return bad_utf8(jp);
    return C360_OK;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * The decimal form of a checked number: its significant digits (the first
 * cap go to sig; *k counts them up to the last non-zero one) and x, the
 * exponent when written d.ddd × 10^x. False when the number is zero.
 */
static bool decimal_of(const char *p, size_t len, char *sig, size_t cap, size_t *k, long *x)
{
    const char *end = p + len;
    long pos = 0, point = -1, first = -1, e = 0;
    size_t n = 0;
    *k = 0;
    if (*p == '-')
        p++;
    for (; p < end && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            point = pos;
            continue;
        }
        if (first < 0 && *p == '0') {
            pos++;
            continue;
        }
        if (first < 0)
            first = pos;
        if (n < cap)
            sig[n] = *p;
        n++;
        if (*p != '0')
            *k = n;
        pos++;
    }
    if (point < 0)
        point = pos;
    if (first < 0)
        return false;
    if (p < end) { /* e[+-]digits; past 10^8 the value is out of any range anyway */
        bool neg = *++p == '-';
        if (*p == '-' || *p == '+')
            p++;
        for (; p < end; p++)
            e = e < 100000000 ? e * 10 + (*p - '0') : e;
        e = neg ? -e : e;
    }
    *x = point - first - 1 + e;
    return true;
}

/* Whether a real overflows a double, which jansson refuses. The exponent
 * decides, but for values within a factor of ten of DBL_MAX. */
static enum c360_err real_overflows(const char *s, size_t n, bool *overflow)
{
    size_t k;
    long x;
    *overflow = false;
    if (!decimal_of(s, n, NULL, 0, &k, &x) || x <= 307)
        return C360_OK;
    if (x >= 309) {
        *overflow = true;
        return C360_OK;
    }
    char *copy = malloc(n + 1); /* n ≤ C360_CODEC_VALUE_MAX */
    if (!copy)
        return C360_ERR_NOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    errno = 0;
    double d = strtod(copy, NULL);
    *overflow = errno == ERANGE && isinf(d);
    free(copy);
    return C360_OK;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — anything shorter is an
 * invalid token ending where it stopped making sense, as jansson reads it. */
static enum c360_err lex_number(struct jr_parser *jp)
{
    const char *b = jp->buf;
    size_t i = jp->tok, n = jp->len;
    enum c360_err err;
    jp->kind = TOK_INVALID;
    if (b[i] == '-')
        i++;
    if (i < n && b[i] == '0') {
        i++;
        if (i < n && is_digit(b[i]))
            goto invalid;
    } else if (i < n && is_digit(b[i])) {
        while (i < n && is_digit(b[i]))
            i++;
    } else {
        goto invalid;
    }
    bool real = false;
    if (i < n && b[i] == '.') {
        real = true;
        if (++i >= n || !is_digit(b[i]))
            goto invalid;
        while (i < n && is_digit(b[i]))
            i++;
    }
    if (i < n && (b[i] == 'e' || b[i] == 'E')) {
        real = true;
        i++;
        if (i < n && (b[i] == '+' || b[i] == '-'))
            i++;
        if (i >= n || !is_digit(b[i]))
            goto invalid;
        while (i < n && is_digit(b[i]))
            i++;
    }
    jp->pos = i;
    if ((err = check_lookahead(jp)))
        return err;
    jp->val =
        (struct jr_val){.p = b + jp->tok, .len = i - jp->tok, .kind = real ? JR_REAL : JR_INT};
    if (!real) {
        /* int64, as jansson's strtoll: 19 digits may fit, 20 never do. */
        const char *d = jp->val.p + (b[jp->tok] == '-');
        size_t nd = (size_t)(b + i - d);
        const char *lim = b[jp->tok] == '-' ? "9223372036854775808" : "9223372036854775807";
        if (nd > 19 || (nd == 19 && memcmp(d, lim, 19) > 0))
            return syntax(jp, false, "%s",
                          b[jp->tok] == '-' ? "too big negative integer" : "too big integer");
    } else {
        bool overflow;
        if ((err = real_overflows(jp->val.p, jp->val.len, &overflow)))
            return err;
        if (overflow)
            return syntax(jp, false, "real number overflow");
    }
    jp->kind = real ? TOK_REAL : TOK_INT;
    return C360_OK;
invalid:
    jp->pos = i;
    return check_lookahead(jp);
}

/* Bytes a string scan passes over without a second look: not a control,
 * not '"' or '\\', not the start of a multi-byte sequence. */
static const unsigned char plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* A string token. Escapes are checked for form as they come; a bad surrogate
 * is only reported once the closing quote is found, as jansson decodes after
 * scanning. */
static enum c360_err lex_string(struct jr_parser *jp)
{
    const unsigned char *b = (const unsigned char *)jp->buf;
    size_t i = jp->tok + 1, n = jp->len;
    bool escaped = false, nul = false;
    int32_t bad_cp = -1, bad_cp2 = -1; /* the first bad \u escape, if any */
    jp->kind = TOK_INVALID;
    for (;;) {
        while (i < n && plain[b[i]])
            i++;
        if (i >= n) {
            jp->pos = n;
            return syntax(jp, false, "premature end of input");
        }
        unsigned char c = b[i];
        if (c == '"')
            break;
        if (c < 0x20) {
            jp->pos = i;
            return c == '\n' ? syntax(jp, false, "unexpected newline")
                             : syntax(jp, false, "control character 0x%x", c);
        }
        if (c >= 0x80) {
            size_t k = utf8_len(b + i, n - i);
            if (!k) {
                jp->pos = i;
                return bad_utf8(jp);
            }
            i += k;
            continue;
        }
        /* A backslash. */
        escaped = true;
        if (++i >= n) {
            jp->pos = n;
            return syntax(jp, false, "invalid escape");
        }
        c = b[i];
        if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
            c == 't') {
            i++;
            continue;
        }
        if (c != 'u') {
            jp->pos = i;
            if (c >= 0x80 && !utf8_len(b + i, n - i))
                return bad_utf8(jp);
            jp->pos = i + 1;
            return syntax(jp, false, "invalid escape");
        }
        for (int k = 0; k < 4; k++) {
            if (++i >= n || hex_value((char)b[i]) < 0) {
                jp->pos = i;
                if (i < n && b[i] >= 0x80 && !utf8_len(b + i, n - i))
                    return bad_utf8(jp);
                jp->pos = i < n ? i + 1 : n;
                return syntax(jp, false, "invalid escape");
            }
        }
        int32_t cp = hex4((const char *)b + i - 3);
        i++;
        if (cp == 0)
            nul = true;
        if (bad_cp >= 0)
            continue;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            bad_cp = cp;
        } else if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* A pair is read here whole; a malformed second escape is left
             * to the next turn, which reports it as jansson's scan does. */
            int32_t cp2 =
                i + 6 <= n && b[i] == '\\' && b[i + 1] == 'u' ? hex4((const char *)b + i + 2) : -1;
            if (cp2 >= 0xDC00 && cp2 <= 0xDFFF) {
                i += 6;
            } else if (cp2 >= 0 || !(i + 1 < n && b[i] == '\\' && b[i + 1] == 'u')) {
                bad_cp = cp;
                bad_cp2 = cp2;
            }
        }
    }
    jp->pos = i + 1;
    if (bad_cp >= 0)
        return bad_cp2 >= 0 ? syntax(jp, false, "invalid Unicode '\\u%04X\\u%04X'",
                                     (unsigned)bad_cp, (unsigned)bad_cp2)
                            : syntax(jp, false, "invalid Unicode '\\u%04X'", (unsigned)bad_cp);
    jp->val = (struct jr_val){
        .p = jp->buf + jp->tok + 1, .len = i - jp->tok - 1, .kind = JR_STR, .escaped = escaped};
    jp->str_nul = nul;
    jp->kind = TOK_STR;
    return C360_OK;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Reads the next token. Fails only on what jansson's lexer itself refuses
 * (bad UTF-8, bad strings, numbers out of range); TOK_INVALID is left to the
 * parser, whose message depends on what it expected. */
static enum c360_err lex(struct jr_parser *jp)
{
    const char *b = jp->buf;
    size_t i = jp->pos, n = jp->len;
    while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
        i++;
    jp->tok = jp->pos = i;
    if (i >= n) {
        jp->kind = TOK_EOF;
        return C360_OK;
    }
    jp->pos = i + 1;
    switch (b[i]) {
    case '{':
        jp->kind = TOK_OBJ_OPEN;
        return C360_OK;
    case '}':
        jp->kind = TOK_OBJ_CLOSE;
        return C360_OK;
    case '[':
        jp->kind = TOK_ARR_OPEN;
        return C360_OK;
    case ']':
        jp->kind = TOK_ARR_CLOSE;
        return C360_OK;
    case ':':
        jp->kind = TOK_COLON;
        return C360_OK;
    case ',':
        jp->kind = TOK_COMMA;
        return C360_OK;
    case '"':
        return lex_string(jp);
    default:
        break;
    }
    if (b[i] == '-' || is_digit(b[i]))
        return lex_number(jp);
    jp->kind = TOK_INVALID;
    if (is_alpha(b[i])) {
        while (i < n && is_alpha(b[i]))
            i++;
        jp->pos = i;
        size_t w = i - jp->tok;
        const char *word = b + jp->tok;
        if (w == 4 && memcmp(word, "true", 4) == 0)
            jp->kind = TOK_TRUE;
        else if (w == 5 && memcmp(word, "false", 5) == 0)
            jp->kind = TOK_FALSE;
        else if (w == 4 && memcmp(word, "null", 4) == 0)
            jp->kind = TOK_NULL;
        return check_lookahead(jp);
    }
    if ((unsigned char)b[i] >= 0x80) {
        size_t k = utf8_len((const unsigned char *)b + i, n - i);
        jp->pos = i;
        if (!k)
            return bad_utf8(jp);
        jp->pos = i + k; /* quoted whole in the diagnostic */
    }
    return C360_OK;
}

/* Room for one more key: the stack and the table grow together, bounded by
 * the input (a member takes at least four bytes). */
static enum c360_err keys_reserve(struct jr_parser *jp)
{
    if (jp->n_keys < jp->cap_keys && (jp->n_keys + 1) * 2 <= jp->table_size)
        return C360_OK;
    if (jp->cap_keys > C360_CODEC_VALUE_MAX / 4)
        return c360_diag_fail(jp->diag, C360_ERR_LIMIT, NULL, "too many object members");
    size_t cap = jp->cap_keys * 2, size = jp->table_size * 2;
    struct jr_key *keys = malloc(cap * sizeof(*keys));
    uint32_t *table = calloc(size, sizeof(*table));
    if (!keys || !table) {
        free(keys);
        free(table);
        return C360_ERR_NOMEM;
    }
    memcpy(keys, jp->keys, jp->n_keys * sizeof(*keys));
    for (size_t k = 0; k < jp->n_keys; k++) {
        size_t s = keys[k].hash & (size - 1);
        while (table[s])
            s = (s + 1) & (size - 1);
        table[s] = (uint32_t)k + 1;
        keys[k].slot = (uint32_t)s;
    }
    if (jp->keys != jp->keys_inline)
        free(jp->keys);
    if (jp->table != jp->table_inline)
        free(jp->table);
    jp->keys = keys;
    jp->table = table;
    jp->cap_keys = cap;
    jp->table_size = size;
    return C360_OK;
}

/* Adds the current string token as a key of the object whose keys start at
 * base; false if that object already has it. */
static bool keys_add(struct jr_parser *jp, size_t base)
{
    uint32_t hash = str_hash(&jp->val);
    size_t mask = jp->table_size - 1, s = hash & mask;
    for (uint32_t k; (k = jp->table[s]); s = (s + 1) & mask) {
        const struct jr_key *other = &jp->keys[k - 1];
        if (k - 1 >= base && other->hash == hash && str_eq(&other->name, &jp->val))
            return false;
    }
    jp->table[s] = (uint32_t)jp->n_keys + 1;
    jp->keys[jp->n_keys++] = (struct jr_key){.name = jp->val, .hash = hash, .slot = (uint32_t)s};
    return true;
}

static void keys_pop_to(struct jr_parser *jp, size_t base)
{
    while (jp->n_keys > base)
        jp->table[jp->keys[--jp->n_keys].slot] = 0;
}

static enum c360_err parse_value(struct jr_parser *jp, struct jr_val *out);

/* After '{'; the root object (record) also notes its known members. */
static enum c360_err parse_object(struct jr_parser *jp, bool root)
{
    enum c360_err err;
    size_t base = jp->n_keys;
    if ((err = lex(jp)))
        return err;
    if (jp->kind == TOK_OBJ_CLOSE)
        return C360_OK;
    for (;;) {
        if (jp->kind != TOK_STR)
            return syntax(jp, false, "string or '}' expected");
        if (jp->str_nul)
            return syntax(jp, false, "NUL byte in object key not supported");
        if ((err = keys_reserve(jp)))
            return err;
        if (!keys_add(jp, base))
            return syntax(jp, false, "duplicate object key");
        struct jr_val *slot = NULL, ignored;
        if (root) {
            const struct jr_val *key = &jp->keys[jp->n_keys - 1].name;
            for (const unsigned char *f = jp->known; *f != F_COUNT; f++) {
                const char *name = field_names[*f];
                if ((key->escaped || (key->len && key->p[0] == name[0])) &&
                    str_is(key, name, strlen(name))) {
                    slot = &jp->fields[*f];
                    break;
                }
            }
        }
        if ((err = lex(jp)))
            return err;
        if (jp->kind != TOK_COLON)
            return syntax(jp, false, "':' expected");
        if ((err = lex(jp)) || (err = parse_value(jp, slot ? slot : &ignored)))
            return err;
        if ((err = lex(jp)))
            return err;
        if (jp->kind != TOK_COMMA)
            break;
        if ((err = lex(jp)))
            return err;
    }
    if (jp->kind != TOK_OBJ_CLOSE)
        return syntax(jp, false, "'}' expected");
    keys_pop_to(jp, base);
    return C360_OK;
}

/* After '['. */
static enum c360_err parse_array(struct jr_parser *jp)
{
    enum c360_err err;
    struct jr_val ignored;
    if ((err = lex(jp)))
        return err;
    if (jp->kind == TOK_ARR_CLOSE)
        return C360_OK;
    /* The end of input where an item should be is a missing ']' to jansson. */
    while (jp->kind != TOK_EOF) {
        if ((err = parse_value(jp, &ignored)) || (err = lex(jp)))
            return err;
        if (jp->kind != TOK_COMMA)
            break;
        if ((err = lex(jp)))
            return err;
    }
    if (jp->kind != TOK_ARR_CLOSE)
        return syntax(jp, false, "']' expected");
    return C360_OK;
}

/* The value starting with the current token; *out says where it lies (null
 * reads as absent, as json.c's member() has it). */
static enum c360_err parse_value(struct jr_parser *jp, struct jr_val *out)
{
    enum c360_err err = C360_OK;
    size_t start = jp->tok;
    if (++jp->depth > JR_DEPTH_MAX)
        return syntax(jp, false, "maximum parsing depth reached");
    *out = (struct jr_val){.kind = JR_ABSENT};
    switch (jp->kind) {
    case TOK_STR:
        if (jp->str_nul)
            return syntax(jp, false, "\\u0000 is not allowed without JSON_ALLOW_NUL");
        *out = jp->val;
        break;
    case TOK_INT:
    case TOK_REAL:
        *out = jp->val;
        break;
    case TOK_TRUE:
        out->kind = JR_TRUE;
        break;
    case TOK_FALSE:
        out->kind = JR_FALSE;
        break;
    case TOK_NULL:
        break;
    case TOK_OBJ_OPEN:
    case TOK_ARR_OPEN: {
        bool object = jp->kind == TOK_OBJ_OPEN;
        if ((err = object ? parse_object(jp, jp->depth == 1) : parse_array(jp)))
            return err;
        *out = (struct jr_val){
            .p = jp->buf + start, .len = jp->pos - start, .kind = object ? JR_OBJ : JR_ARR};
        break;
    }
    case TOK_INVALID:
        return syntax(jp, false, "invalid token");
    default:
        return syntax(jp, false, "unexpected token");
    }
    jp->depth--;
    return err;
}

/* The whole value: one object or array, nothing after it. */
static enum c360_err parse_root(struct jr_parser *jp, struct jr_val *root)
{
    enum c360_err err;
    if ((err = lex(jp)))
        return err;
    if (jp->kind != TOK_OBJ_OPEN && jp->kind != TOK_ARR_OPEN)
        return syntax(jp, false, "'[' or '{' expected");
    if ((err = parse_value(jp, root)) || (err = lex(jp)))
        return err;
    if (jp->kind != TOK_EOF)
        return syntax(jp, false, "end of file expected");
    return C360_OK;
}

/* --- Reading checked values again. */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* Reads the checked value at p into v; returns the byte after it. */
static const char *read_value(const char *p, struct jr_val *v)
{
    const char *s = p;
    switch (*p) {
    case '"':
        v->escaped = false;
        for (p++; *p != '"'; p++) {
            if (*p == '\\') {
                v->escaped = true;
                p++;
            }
        }
        v->p = s + 1;
        v->len = (size_t)(p - s - 1);
        v->kind = JR_STR;
        return p + 1;
    case '{':
    case '[': {
        int depth = 0;
        do {
            if (*p == '"') {
                for (p++; *p != '"'; p++)
                    p += *p == '\\';
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                depth--;
            }
            p++;
        } while (depth > 0);
        v->p = s;
        v->len = (size_t)(p - s);
        v->kind = *s == '{' ? JR_OBJ : JR_ARR;
        return p;
    }
    case 't':
        v->kind = JR_TRUE;
        return p + 4;
    case 'f':
        v->kind = JR_FALSE;
        return p + 5;
    case 'n':
        v->kind = JR_NULL;
        return p + 4;
    default:
        v->kind = JR_INT;
        for (; is_digit(*p) || *p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E'; p++)
            v->kind = *p == '.' || *p == 'e' || *p == 'E' ? JR_REAL : v->kind;
        v->p = s;
        v->len = (size_t)(p - s);
        return p;
    }
}

/* Members (key non-NULL) or items of a checked container, in order. */
struct jr_iter {
    const char *p, *end;
};

/* Nothing to visit unless v is a container. */
static struct jr_iter iter_of(const struct jr_val *v)
{
    if (v->kind != JR_OBJ && v->kind != JR_ARR)
        return (struct jr_iter){.p = NULL, .end = NULL};
    return (struct jr_iter){.p = v->p + 1, .end = v->p + v->len - 1};
}

static bool iter_next(struct jr_iter *it, struct jr_val *key, struct jr_val *val)
{
    const char *p = skip_ws(it->p, it->end);
    if (p < it->end && *p == ',')
        p = skip_ws(p + 1, it->end);
    if (p >= it->end)
        return false;
    if (key) {
        p = read_value(p, key);
        p = skip_ws(p, it->end) + 1; /* ':' */
        p = skip_ws(p, it->end);
    }
    it->p = read_value(p, val);
    return true;
}

static size_t iter_count(const struct jr_val *v, bool object)
{
    struct jr_iter it = iter_of(v);
    struct jr_val key, val;
    size_t n = 0;
    while (iter_next(&it, object ? &key : NULL, &val))
        n++;
    return n;
}

/* The member `name` of a checked object, JR_ABSENT when missing or null (or
 * when obj is no object, as jansson's lookups in NULL give nothing). */
static struct jr_val member(const struct jr_val *obj, const char *name)
{
    struct jr_val key, val = {.kind = JR_ABSENT};
    if (obj->kind != JR_OBJ)
        return val;
    struct jr_iter it = iter_of(obj);
    size_t len = strlen(name);
    while (iter_next(&it, &key, &val)) {
        if (str_is(&key, name, len))
            return val.kind == JR_NULL ? (struct jr_val){.kind = JR_ABSENT} : val;
    }
    return (struct jr_val){.kind = JR_ABSENT};
}

/* A checked integer (it fits int64). */
static int64_t int_value(const struct jr_val *v)
{
    const char *p = v->p, *end = v->p + v->len;
    bool neg = *p == '-';
    uint64_t u = 0;
    for (p += neg; p < end; p++)
        u = u * 10 + (uint64_t)(*p - '0');
    return neg ? (int64_t)(0 - u) : (int64_t)u;
}

/* A NUL-terminated copy of a string value (or a number's text) for the
 * parsers that want one: on the stack when short. */
struct jr_text {
    char *s;
    char inline_buf[JR_TEXT_INLINE];
};

static enum c360_err text_of(const struct jr_val *v, struct jr_text *t)
{
    size_t n = v->kind == JR_STR ? unescape(v, t->inline_buf, sizeof(t->inline_buf) - 1) : v->len;
    t->s = t->inline_buf;
    if (n >= sizeof(t->inline_buf)) {
        if (!(t->s = malloc(n + 1))) /* n ≤ C360_CODEC_VALUE_MAX */
            return C360_ERR_NOMEM;
    }
    if (v->kind == JR_STR)
        unescape(v, t->s, n);
    else
        memcpy(t->s, v->p, n);
    t->s[n] = '\0';
    return C360_OK;
}

static void text_free(struct jr_text *t)
{
    if (t->s != t->inline_buf)
        free(t->s);
}

/* --- Filling the record: json.c's checks, in json.c's order. */

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

/* Copies a string value into rec (or onto list), decoded. A string longer
 * than the record takes is decoded on the heap (it is shorter than the
 * input) so that c360_record_str refuses it with its true length. */
static enum c360_err copy_str(struct c360_record *rec, const struct jr_val *v, const char **out,
                              struct c360_strs *list, size_t list_max, struct c360_diag *diag)
{
    char buf[C360_RECORD_STRING_MAX], *heap = NULL;
    const char *text = v->p;
    size_t n = v->len;
    if (v->escaped) {
        text = buf;
        if ((n = unescape(v, buf, sizeof(buf))) > sizeof(buf)) {
            if (!(heap = malloc(n)))
                return C360_ERR_NOMEM;
            text = heap;
            unescape(v, heap, n);
        }
    }
    enum c360_err err = list ? c360_record_strs_add_upto(rec, list, list_max, text, n, diag)
                             : c360_record_str(rec, text, n, out, diag);
    free(heap);
    return err;
}

static enum c360_err get_str(struct c360_record *rec, const struct jr_val *v, const char *field,
                             const char **out, struct c360_diag *diag)
{
    if (v->kind == JR_ABSENT)
        return C360_OK;
    if (v->kind != JR_STR)
        return wrong_type(field, "a string", diag);
    return at_field(copy_str(rec, v, out, NULL, 0, diag), field, diag);
}

static enum c360_err get_time(const struct jr_val *v, const char *field, int64_t *out,
                              struct c360_diag *diag)
{
    struct jr_text t;
    if (v->kind == JR_ABSENT)
        return C360_OK;
    if (v->kind == JR_INT) {
        *out = int_value(v);
        return at_field(c360_time_check(*out, diag), field, diag);
    }
    if (v->kind != JR_STR)
        return wrong_type(field, "an RFC 3339 string or epoch milliseconds", diag);
    enum c360_err err = text_of(v, &t);
    if (err)
        return err;
    err = at_field(c360_time_parse(t.s, out, diag), field, diag);
    text_free(&t);
    return err;
}

static enum c360_err get_date(const struct jr_val *v, const char *field, int32_t *out,
                              struct c360_diag *diag)
{
    struct jr_text t;
    if (v->kind == JR_ABSENT)
        return C360_OK;
    if (v->kind != JR_STR)
        return wrong_type(field, "a YYYY-MM-DD string", diag);
    enum c360_err err = text_of(v, &t);
    if (err)
        return err;
    err = at_field(c360_date_parse(t.s, out, diag), field, diag);
    text_free(&t);
    return err;
}

/*
 * A JSON real as money, by c360_money_from_double's rule but on the digits
 * as written: at most 15 significant digits, then the text "%.15g" would
 * print for it (so diagnostics quote the same text) goes to c360_money_parse.
 * Unlike a double, this never takes 1.0000000000000001 for 1.00, nor an
 * amount too small for a double for 0.
 */
static enum c360_err money_real(const struct jr_val *v, const char *field, int64_t *minor,
                                struct c360_diag *diag)
{
    char sig[15], text[64];
    size_t k;
    long x;
    const char *sign = v->p[0] == '-' ? "-" : "";
    if (!decimal_of(v->p, v->len, sig, sizeof(sig), &k, &x)) {
        snprintf(text, sizeof(text), "%s0", sign);
    } else if (k > sizeof(sig)) {
        return c360_diag_fail(diag, C360_ERR_INVALID, field,
                              "a JSON number with more than 15 significant digits cannot be "
                              "read exactly; send the amount as a decimal string");
    } else if (x < -4 || x >= 15) { /* %g's exponent form, at least two exponent digits */
        snprintf(text, sizeof(text), "%s%c%s%.*se%c%02ld", sign, sig[0], k > 1 ? "." : "",
                 (int)k - 1, sig + 1, x < 0 ? '-' : '+', x < 0 ? -x : x);
    } else if (x < 0) {
        snprintf(text, sizeof(text), "%s0.%.*s%.*s", sign, (int)(-x - 1), "000", (int)k, sig);
    } else if ((long)k <= x + 1) {
        snprintf(text, sizeof(text), "%s%.*s%.*s", sign, (int)k, sig, (int)(x + 1 - (long)k),
                 "00000000000000");
    } else {
        snprintf(text, sizeof(text), "%s%.*s.%.*s", sign, (int)(x + 1), sig, (int)(k - 1 - x),
                 sig + x + 1);
    }
    return at_field(c360_money_parse(text, minor, diag), field, diag);
}

static enum c360_err get_amount(const struct jr_val *v, const char *field, int64_t *minor,
                                struct c360_diag *diag)
{
    struct jr_text t;
    if (v->kind == JR_STR) {
        enum c360_err err = text_of(v, &t);
        if (err)
            return err;
        err = at_field(c360_money_parse(t.s, minor, diag), field, diag);
        text_free(&t);
        return err;
    }
    if (v->kind == JR_INT) {
        int64_t i = int_value(v);
        if (i > C360_MONEY_MAX_MINOR / C360_MONEY_SCALE ||
            i < -C360_MONEY_MAX_MINOR / C360_MONEY_SCALE)
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "%lld is out of range for money",
                                  (long long)i);
        *minor = i * C360_MONEY_SCALE;
        return C360_OK;
    }
    if (v->kind == JR_REAL)
        return money_real(v, field, minor, diag);
    return wrong_type(field, "a decimal string or number", diag);
}

static enum c360_err get_currency(const struct jr_val *v, const char *field, struct c360_money *out,
                                  struct c360_diag *diag)
{
    struct jr_text t;
    if (v->kind != JR_STR)
        return wrong_type(field, "an ISO 4217 code", diag);
    enum c360_err err = text_of(v, &t);
    if (err)
        return err;
    if (c360_money_check_currency(t.s, NULL))
        err = c360_diag_fail(diag, C360_ERR_INVALID, field,
                             "'%.16s' is not an ISO 4217 currency code", t.s);
    else
        memcpy(out->currency, t.s, 4);
    text_free(&t);
    return err;
}

/* "key.member" into field (96 bytes, as json.c has it); snprintf would cost
 * more than the rest of a money member's reading. */
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
static enum c360_err get_money(const struct jr_val *v, const char *key, struct c360_money *out,
                               struct c360_diag *diag)
{
    char field[96];
    if (v->kind == JR_ABSENT)
        return C360_OK;
    if (v->kind != JR_OBJ)
        return wrong_type(key, "an object {amount, currency}", diag);
    struct jr_val amount = member(v, "amount"), currency = member(v, "currency");
    field_of(field, key, "amount");
    if (amount.kind == JR_ABSENT)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "required field is missing");
    enum c360_err err = get_amount(&amount, field, &out->minor, diag);
    if (err)
        return err;
    field_of(field, key, "currency");
    if (currency.kind == JR_ABSENT)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "required field is missing");
    return get_currency(&currency, field, out, diag);
}

static enum c360_err get_strs_upto(struct c360_record *rec, const struct jr_val *v, const char *key,
                                   size_t max, struct c360_strs *out, struct c360_diag *diag)
{
    struct jr_val item;
    if (v->kind == JR_ABSENT)
        return C360_OK;
    if (v->kind != JR_ARR)
        return wrong_type(key, "an array of strings", diag);
    struct jr_iter it = iter_of(v);
    while (iter_next(&it, NULL, &item)) {
        if (item.kind != JR_STR)
            return wrong_type(key, "an array of strings", diag);
        enum c360_err err = copy_str(rec, &item, NULL, out, max, diag);
        if (err)
            return at_field(err, key, diag);
    }
    return C360_OK;
}

static enum c360_err get_strs(struct c360_record *rec, const struct jr_val *v, const char *key,
                              struct c360_strs *out, struct c360_diag *diag)
{
    return get_strs_upto(rec, v, key, C360_RECORD_LIST_MAX, out, diag);
}

/* An array of objects: room for its items in rec (none when absent). */
static enum c360_err get_objects(struct c360_record *rec, const struct jr_val *v, const char *key,
                                 size_t size, void **items, uint16_t *count, struct c360_diag *diag)
{
    struct jr_val item;
    size_t n = 0;
    if (v->kind == JR_ABSENT)
        return C360_OK;
    if (v->kind != JR_ARR)
        return wrong_type(key, "an array of objects", diag);
    struct jr_iter it = iter_of(v);
    for (; iter_next(&it, NULL, &item); n++) {
        if (item.kind != JR_OBJ)
            return wrong_type(key, "an array of objects", diag);
    }
    enum c360_err err = c360_record_alloc(rec, n, size, items, diag);
    if (err)
        return at_field(err, key, diag);
    *count = (uint16_t)n;
    return C360_OK;
}

/* The text of an enum member (t->s NULL when absent). */
static enum c360_err enum_text(const struct jr_val *v, const char *key, struct jr_text *t,
                               struct c360_diag *diag)
{
    t->s = NULL;
    if (v->kind == JR_ABSENT)
        return C360_OK;
    if (v->kind != JR_STR)
        return wrong_type(key, "a string", diag);
    return text_of(v, t);
}

/* An enum spelled exactly as the schema does. */
#define GET_ENUM(v, key, parse, out, diag)                                                         \
    do {                                                                                           \
        struct jr_text t_;                                                                         \
        enum c360_err err_ = enum_text(v, key, &t_, diag);                                         \
        if (!err_ && t_.s) {                                                                       \
            if (parse(t_.s, out))                                                                  \
                err_ = c360_diag_fail(diag, C360_ERR_INVALID, key, "'%.40s' is not a known %s",    \
                                      t_.s, key);                                                  \
            text_free(&t_);                                                                        \
        }                                                                                          \
        if (err_)                                                                                  \
            return err_;                                                                           \
    } while (0)

static enum c360_err read_common(const struct jr_val *f, struct c360_record *rec,
                                 struct c360_diag *diag)
{
    enum c360_err err;
    GET_ENUM(&f[F_CHANGE_TYPE], "changeType", c360_change_parse, &rec->change, diag);
    const struct jr_val *source = &f[F_SOURCE];
    if (source->kind != JR_ABSENT && source->kind != JR_OBJ)
        return wrong_type("source", "an object {system, recordId}", diag);
    struct jr_val system = member(source, "system"), record_id = member(source, "recordId");
    if ((err = get_str(rec, &f[F_EVENT_ID], "eventId", &rec->event_id, diag)) ||
        (err = get_time(&f[F_OCCURRED_AT], "occurredAt", &rec->occurred_at, diag)) ||
        (err = get_str(rec, &f[F_GLOBAL_PARTY_ID], "globalPartyId", &rec->global_party_id, diag)) ||
        (err = get_str(rec, &system, "source.system", &rec->source_system, diag)) ||
        (err = get_str(rec, &record_id, "source.recordId", &rec->source_record_id, diag)))
        return err;
    return C360_OK;
}

static enum c360_err read_individual(const struct jr_val *f, struct c360_record *rec,
                                     struct c360_diag *diag)
{
    struct c360_individual *p = &rec->as.individual;
    enum c360_err err;
    void *items = NULL;
    struct jr_iter it;
    struct jr_val item;
    if ((err = get_str(rec, &f[F_FIRST_NAME], "firstName", &p->first_name, diag)) ||
        (err = get_str(rec, &f[F_LAST_NAME], "lastName", &p->last_name, diag)) ||
        (err = get_date(&f[F_BIRTH_DATE], "birthDate", &p->birth_date, diag)) ||
        (err = get_strs(rec, &f[F_EMAILS], "emails", &p->emails, diag)) ||
        (err = get_strs(rec, &f[F_PHONES], "phones", &p->phones, diag)) ||
        (err = get_str(rec, &f[F_FSC_ACCOUNT_ID], "fscAccountId", &p->fsc_account_id, diag)) ||
        (err = get_str(rec, &f[F_PREFERRED_CHANNEL], "preferredChannel", &p->preferred_channel,
                       diag)) ||
        (err = get_str(rec, &f[F_HOUSEHOLD_ID], "householdId", &p->household_id, diag)))
        return err;

    if ((err = get_objects(rec, &f[F_ADDRESSES], "addresses", sizeof(struct c360_address), &items,
                           &p->n_addresses, diag)))
        return err;
    struct c360_address *addresses = items;
    p->addresses = addresses;
    for (it = iter_of(&f[F_ADDRESSES]); iter_next(&it, NULL, &item);) {
        struct c360_address *a = addresses++;
        struct jr_val line1 = member(&item, "line1"), city = member(&item, "city"),
                      postal = member(&item, "postalCode"), country = member(&item, "country");
        if ((err = get_str(rec, &line1, "addresses.line1", &a->line1, diag)) ||
            (err = get_str(rec, &city, "addresses.city", &a->city, diag)) ||
            (err = get_str(rec, &postal, "addresses.postalCode", &a->postal_code, diag)) ||
            (err = get_str(rec, &country, "addresses.country", &a->country, diag)))
            return err;
    }

    if ((err = get_objects(rec, &f[F_PARTY_IDENTIFIERS], "partyIdentifiers",
                           sizeof(struct c360_party_identifier), &items, &p->n_identifiers, diag)))
        return err;
    struct c360_party_identifier *ids = items;
    p->identifiers = ids;
    for (it = iter_of(&f[F_PARTY_IDENTIFIERS]); iter_next(&it, NULL, &item); ids++) {
        struct jr_val type = member(&item, "type"), value = member(&item, "value");
        if ((err = get_str(rec, &type, "partyIdentifiers.type", &ids->type, diag)) ||
            (err = get_str(rec, &value, "partyIdentifiers.value", &ids->value, diag)))
            return err;
        if (!ids->type || !ids->value)
            return c360_diag_fail(diag, C360_ERR_INVALID, "partyIdentifiers",
                                  "each identifier needs a type and a value");
    }
    return C360_OK;
}

static enum c360_err read_account(const struct jr_val *f, struct c360_record *rec,
                                  struct c360_diag *diag)
{
    struct c360_financial_account *a = &rec->as.account;
    enum c360_err err;
    GET_ENUM(&f[F_ACCOUNT_TYPE], "accountType", c360_account_type_parse, &a->account_type, diag);
    GET_ENUM(&f[F_STATUS], "status", c360_account_status_parse, &a->status, diag);
    if ((err = get_str(rec, &f[F_GLOBAL_ACCOUNT_ID], "globalAccountId", &a->global_account_id,
                       diag)) ||
        (err = get_strs(rec, &f[F_JOINT_OWNER_IDS], "jointOwnerIds", &a->joint_owner_ids, diag)) ||
        (err = get_money(&f[F_BALANCE], "balance", &a->balance, diag)) ||
        (err = get_time(&f[F_BALANCE_AS_OF], "balanceAsOf", &a->balance_as_of, diag)) ||
        (err = get_date(&f[F_OPENED_DATE], "openedDate", &a->opened_date, diag)) ||
        (err = get_date(&f[F_CLOSED_DATE], "closedDate", &a->closed_date, diag)))
        return err;
    return C360_OK;
}

static enum c360_err read_transaction(const struct jr_val *f, struct c360_record *rec,
                                      struct c360_diag *diag)
{
    struct c360_financial_transaction *t = &rec->as.transaction;
    enum c360_err err;
    GET_ENUM(&f[F_DIRECTION], "direction", c360_direction_parse, &t->direction, diag);
    if ((err = get_str(rec, &f[F_GLOBAL_TRANSACTION_ID], "globalTransactionId",
                       &t->global_transaction_id, diag)) ||
        (err = get_str(rec, &f[F_GLOBAL_ACCOUNT_ID], "globalAccountId", &t->global_account_id,
                       diag)) ||
        (err = get_date(&f[F_TRANSACTION_DATE], "transactionDate", &t->transaction_date, diag)) ||
        (err = get_str(rec, &f[F_STATUS], "status", &t->status, diag)) ||
        (err = get_money(&f[F_RUNNING_BALANCE], "runningBalance", &t->running_balance, diag)))
        return err;
    /* The amount as a Money object, or as "amount" and "currency" side by side. */
    const struct jr_val *amount = &f[F_AMOUNT];
    if (amount->kind == JR_OBJ)
        return get_money(amount, "amount", &t->amount, diag);
    if (amount->kind != JR_ABSENT) {
        if ((err = get_amount(amount, "amount", &t->amount.minor, diag)))
            return err;
        if (f[F_CURRENCY].kind == JR_ABSENT)
            return c360_diag_fail(diag, C360_ERR_INVALID, "currency",
                                  "required with a plain amount");
        return get_currency(&f[F_CURRENCY], "currency", &t->amount, diag);
    }
    return C360_OK;
}

static enum c360_err read_external(const struct jr_val *f, struct c360_record *rec,
                                   struct c360_diag *diag)
{
    struct c360_external_account *x = &rec->as.external;
    enum c360_err err;
    GET_ENUM(&f[F_ACCOUNT_TYPE], "accountType", c360_account_type_parse, &x->account_type, diag);
    GET_ENUM(&f[F_STATUS], "status", c360_account_status_parse, &x->status, diag);
    if ((err = get_str(rec, &f[F_EXTERNAL_ACCOUNT_ID], "externalAccountId", &x->external_account_id,
                       diag)) ||
        (err =
             get_str(rec, &f[F_INSTITUTION_NAME], "institutionName", &x->institution_name, diag)) ||
        (err = get_money(&f[F_AVERAGE_DAILY_BALANCE], "averageDailyBalance",
                         &x->average_daily_balance, diag)) ||
        (err = get_time(&f[F_AS_OF], "asOf", &x->as_of, diag)))
        return err;
    return C360_OK;
}

static enum c360_err read_web(const struct jr_val *f, struct c360_record *rec,
                              struct c360_diag *diag)
{
    struct c360_web_engagement *w = &rec->as.web;
    enum c360_err err;
    if ((err = get_str(rec, &f[F_ENGAGEMENT_ID], "engagementId", &w->engagement_id, diag)) ||
        (err = get_str(rec, &f[F_EMAIL], "email", &w->email, diag)) ||
        (err = get_str(rec, &f[F_SESSION_ID], "sessionId", &w->session_id, diag)) ||
        (err = get_str(rec, &f[F_PAGE_URL], "pageUrl", &w->page_url, diag)) ||
        (err = get_str(rec, &f[F_SUBJECT], "subject", &w->subject, diag)))
        return err;
    const struct jr_val *d = &f[F_DURATION_SECONDS];
    if (d->kind != JR_ABSENT) {
        if (d->kind != JR_INT || int_value(d) < 0)
            return wrong_type("durationSeconds", "a non-negative integer", diag);
        w->duration_seconds = int_value(d);
    }
    return C360_OK;
}

/* Output of dump(): keeps the first cap bytes, counts them all, so a text
 * too long for the record is refused with its true length. */
struct jr_out {
    char *buf;
    size_t cap, len;
};

static void out_put(struct jr_out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->len++) {
        if (o->len < o->cap)
            o->buf[o->len] = s[i];
    }
}

/* A string as jansson's encoder writes it: only '"', '\\' and controls escaped. */
static void dump_string(struct jr_out *o, const struct jr_val *v)
{
    struct jr_decoder d = {.p = v->p, .end = v->p + v->len};
    char esc[8];
    out_put(o, "\"", 1);
    for (int c; (c = decoder_next(&d)) >= 0;) {
        const char *short_esc = c == '"'    ? "\\\""
                                : c == '\\' ? "\\\\"
                                : c == '\b' ? "\\b"
                                : c == '\f' ? "\\f"
                                : c == '\n' ? "\\n"
                                : c == '\r' ? "\\r"
                                : c == '\t' ? "\\t"
                                            : NULL;
        if (short_esc) {
            out_put(o, short_esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)c);
            out_put(o, esc, 6);
        } else {
            char ch = (char)c;
            out_put(o, &ch, 1);
        }
    }
    out_put(o, "\"", 1);
}

/* A real as jansson's encoder writes it ("%.17g", then a ".0" when it would
 * read back as an integer, and no '+' or leading zeros in the exponent). Org
 * field values are free text, not money, so the double is what was meant. */
static enum c360_err dump_real(struct jr_out *o, const struct jr_val *v)
{
    struct jr_text t;
    char buf[40];
    enum c360_err err = text_of(v, &t);
    if (err)
        return err;
    snprintf(buf, sizeof(buf) - 2, "%.17g", strtod(t.s, NULL));
    text_free(&t);
    if (!strchr(buf, '.') && !strchr(buf, 'e'))
        strcat(buf, ".0");
    char *e = strchr(buf, 'e');
    if (e) {
        char *from = e + 1, *to = e + 1;
        if (*from == '+')
            from++;
        else if (*from == '-')
            from = ++to;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
    }
    out_put(o, buf, strlen(buf));
    return C360_OK;
}

/* A checked value as compact JSON, the text json_dumps(JSON_COMPACT) gives. */
static enum c360_err dump(struct jr_out *o, const struct jr_val *v)
{
    struct jr_val key, item;
    struct jr_iter it;
    enum c360_err err;
    char num[24];
    bool first = true;
    switch (v->kind) {
    case JR_ABSENT:
    case JR_NULL:
        out_put(o, "null", 4);
        return C360_OK;
    case JR_TRUE:
        out_put(o, "true", 4);
        return C360_OK;
    case JR_FALSE:
        out_put(o, "false", 5);
        return C360_OK;
    case JR_INT:
        snprintf(num, sizeof(num), "%lld", (long long)int_value(v));
        out_put(o, num, strlen(num));
        return C360_OK;
    case JR_REAL:
        return dump_real(o, v);
    case JR_STR:
        dump_string(o, v);
        return C360_OK;
    case JR_OBJ:
    case JR_ARR:
        break;
    }
    bool object = v->kind == JR_OBJ;
    out_put(o, object ? "{" : "[", 1);
    for (it = iter_of(v); iter_next(&it, object ? &key : NULL, &item); first = false) {
        if (!first)
            out_put(o, ",", 1);
        if (object) {
            dump_string(o, &key);
            out_put(o, ":", 1);
        }
        if ((err = dump(o, &item)))
            return err;
    }
    out_put(o, object ? "}" : "]", 1);
    return C360_OK;
}

/* One org field: its name, and its value as text (NULL for null). */
static enum c360_err read_org_field(struct c360_record *rec, const struct jr_val *key,
                                    const struct jr_val *v, struct c360_org_field *f,
                                    struct c360_diag *diag)
{
    char buf[C360_RECORD_STRING_MAX];
    enum c360_err err;
    if ((err = copy_str(rec, key, &f->name, NULL, 0, diag)))
        return err;
    if (v->kind == JR_NULL)
        return C360_OK;
    if (v->kind == JR_STR)
        return copy_str(rec, v, &f->value, NULL, 0, diag);
    struct jr_out o = {.buf = buf, .cap = sizeof(buf)};
    if ((err = dump(&o, v)))
        return err;
    if (o.len > o.cap) {
        /* Too long for the record; written out whole (at most a few times
         * the input) so that c360_record_str refuses it with its length. */
        o = (struct jr_out){.buf = malloc(o.len), .cap = o.len};
        if (!o.buf)
            return C360_ERR_NOMEM;
        if (!(err = dump(&o, v)))
            err = c360_record_str(rec, o.buf, o.len, &f->value, diag);
        free(o.buf);
        return err;
    }
    return c360_record_str(rec, buf, o.len, &f->value, diag);
}

static enum c360_err read_org(const struct jr_val *f, struct c360_record *rec,
                              struct c360_diag *diag)
{
    struct c360_org_record *o = &rec->as.org;
    enum c360_err err;
    if ((err = get_str(rec, &f[F_ORG_ID], "orgId", &o->org_id, diag)) ||
        (err = get_str(rec, &f[F_OBJECT_TYPE], "objectType", &o->object_type, diag)) ||
        (err = get_str(rec, &f[F_RECORD_ID], "recordId", &o->record_id, diag)) ||
        (err = get_str(rec, &f[F_GLOBAL_CUSTOMER_ID], "globalCustomerId", &o->global_customer_id,
                       diag)) ||
        (err = get_time(&f[F_COMMIT_TIMESTAMP], "commitTimestamp", &o->commit_timestamp, diag)) ||
        (err = get_str(rec, &f[F_COMMIT_USER], "commitUser", &o->commit_user, diag)) ||
        (err = get_str(rec, &f[F_CHANGE_ORIGIN], "changeOrigin", &o->change_origin, diag)) ||
        (err = get_strs_upto(rec, &f[F_CHANGED_FIELDS], "changedFields", C360_RECORD_FIELDS_MAX,
                             &o->changed_fields, diag)) ||
        (err = get_strs_upto(rec, &f[F_NULLED_FIELDS], "nulledFields", C360_RECORD_FIELDS_MAX,
                             &o->nulled_fields, diag)))
        return err;
    const struct jr_val *fields = &f[F_FIELDS];
    if (fields->kind == JR_ABSENT)
        return C360_OK;
    if (fields->kind != JR_OBJ)
        return wrong_type("fields", "an object of field values", diag);
    void *items;
    if ((err = c360_record_alloc(rec, iter_count(fields, true), sizeof(struct c360_org_field),
                                 &items, diag)))
        return at_field(err, "fields", diag);
    struct c360_org_field *field = items;
    o->fields = field;
    struct jr_iter it = iter_of(fields);
    struct jr_val key, v;
    while (iter_next(&it, &key, &v)) {
        if ((err = read_org_field(rec, &key, &v, field++, diag)))
            return at_field(err, "fields", diag);
        o->n_fields++;
    }
    return C360_OK;
}

/* A parser at the start of bytes, noting the top-level members known (a
 * list ending in F_COUNT); diag NULL words no diagnostic. Set up field by
 * field: zeroing the inline key stack would cost more than reading a
 * typical record. */
static void parser_init(struct jr_parser *jp, const char *bytes, size_t len,
                        const unsigned char *known, struct c360_diag *diag)
{
    jp->buf = bytes;
    jp->len = len;
    jp->pos = jp->tok = 0;
    jp->depth = 0;
    jp->known = known;
    jp->keys = jp->keys_inline;
    jp->n_keys = 0;
    jp->cap_keys = JR_KEYS_INLINE;
    jp->table = jp->table_inline;
    jp->table_size = JR_TABLE_INLINE;
    memset(jp->table_inline, 0, sizeof(jp->table_inline));
    jp->diag = diag;
}

static void parser_free(struct jr_parser *jp)
{
    if (jp->keys != jp->keys_inline)
        free(jp->keys);
    if (jp->table != jp->table_inline)
        free(jp->table);
}

enum c360_err c360_codec_json_read(const char *bytes, size_t len, struct c360_record *rec,
                                   struct c360_diag *diag)
{
    enum c360_err err;
    struct jr_val root;
    if (len > C360_CODEC_VALUE_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "the value of %zu bytes is larger than %d bytes", len,
                              C360_CODEC_VALUE_MAX);
    struct jr_parser parser, *jp = &parser;
    parser_init(jp, bytes, len, entity_fields(rec->entity), diag);
    for (size_t i = 0; i < F_COUNT; i++)
        jp->fields[i].kind = JR_ABSENT;
    if ((err = parse_root(jp, &root)))
        goto fail;
    if (root.kind != JR_OBJ) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a record is a JSON object");
        goto fail;
    }
    if ((err = read_common(jp->fields, rec, diag)))
        goto fail;
    switch (rec->entity) {
    case C360_ENTITY_INDIVIDUAL:
        err = read_individual(jp->fields, rec, diag);
        break;
    case C360_ENTITY_FINANCIAL_ACCOUNT:
        err = read_account(jp->fields, rec, diag);
        break;
    case C360_ENTITY_FINANCIAL_TRANSACTION:
        err = read_transaction(jp->fields, rec, diag);
        break;
    case C360_ENTITY_EXTERNAL_ACCOUNT:
        err = read_external(jp->fields, rec, diag);
        break;
    case C360_ENTITY_WEB_ENGAGEMENT:
        err = read_web(jp->fields, rec, diag);
        break;
    case C360_ENTITY_ORG_ACCOUNT:
    case C360_ENTITY_ORG_CONTACT:
        err = read_org(jp->fields, rec, diag);
        break;
    }
    if (!err)
        err = c360_record_validate(rec, diag);
fail:
    parser_free(jp);
    return err;
}

/* --- Kafka Connect messages (connect.c has the plans and the why). Every
 * failure here only sends the message to the DOM path, so nothing below
 * words a diagnostic of its own: the parser's diag is NULL. */

/* Not read here: the DOM path decides. */
#define CONNECT_ELSEWHERE C360_ERR_UNSUPPORTED

/* A real token's value, as jansson reads it (lex checked it is in range). */
static enum c360_err real_value(const struct jr_val *v, double *out)
{
    struct jr_text t;
    enum c360_err err = text_of(v, &t);
    if (err)
        return err;
    *out = strtod(t.s, NULL);
    text_free(&t);
    return C360_OK;
}

/* --- A jansson tree built in one checking pass, for the formats read
 * through a DOM (jansson's own reader takes a callback per byte). It builds
 * only what jansson would build the same; whatever it refuses (malformed
 * JSON, duplicate keys, NUL in a text, deeper than JR_DEPTH_MAX) it leaves
 * to json_loadb, which also words the diagnostic. */

#define DOM_ELSEWHERE C360_ERR_UNSUPPORTED

static enum c360_err dom_value(struct jr_parser *jp, json_t **out);

/* A string token's decoded text as a jansson string (checked UTF-8). */
static json_t *dom_text(const struct jr_val *v)
{
    if (!v->escaped)
        return json_stringn_nocheck(v->p, v->len);
    char inline_buf[JR_TEXT_INLINE];
    char *buf = v->len <= sizeof(inline_buf) ? inline_buf : malloc(v->len);
    if (!buf)
        return NULL;
    json_t *text = json_stringn_nocheck(buf, unescape(v, buf, v->len)); /* never longer */
    if (buf != inline_buf)
        free(buf);
    return text;
}

/* After '{': its members into obj. */
static enum c360_err dom_object(struct jr_parser *jp, json_t *obj)
{
    enum c360_err err;
    char inline_key[JR_TEXT_INLINE];
    if ((err = lex(jp)))
        return err;
    if (jp->kind == TOK_OBJ_CLOSE)
        return C360_OK;
    for (;;) {
        if (jp->kind != TOK_STR || jp->str_nul)
            return DOM_ELSEWHERE;
        const struct jr_val name = jp->val;
        char *key = name.len <= sizeof(inline_key) ? inline_key : malloc(name.len);
        if (!key)
            return C360_ERR_NOMEM;
        size_t key_len = unescape(&name, key, name.len);
        json_t *value = NULL;
        if (json_object_getn(obj, key, key_len))
            err = DOM_ELSEWHERE; /* a duplicate key */
        else if (!(err = lex(jp)) && jp->kind != TOK_COLON)
            err = DOM_ELSEWHERE;
        else if (!err && !(err = lex(jp)) && !(err = dom_value(jp, &value)) &&
                 json_object_setn_new_nocheck(obj, key, key_len, value))
            err = C360_ERR_NOMEM; /* value is freed by the failed set */
        if (key != inline_key)
            free(key);
        if (err || (err = lex(jp)))
            return err;
        if (jp->kind != TOK_COMMA)
            break;
        if ((err = lex(jp)))
            return err;
    }
    return jp->kind == TOK_OBJ_CLOSE ? C360_OK : DOM_ELSEWHERE;
}

/* After '[': its items into arr. */
static enum c360_err dom_array(struct jr_parser *jp, json_t *arr)
{
    enum c360_err err;
    if ((err = lex(jp)))
        return err;
    if (jp->kind == TOK_ARR_CLOSE)
        return C360_OK;
    for (;;) {
        json_t *item;
        if ((err = dom_value(jp, &item)))
            return err;
        if (json_array_append_new(arr, item))
            return C360_ERR_NOMEM;
        if ((err = lex(jp)))
            return err;
        if (jp->kind != TOK_COMMA)
            break;
        if ((err = lex(jp)))
            return err;
    }
    return jp->kind == TOK_ARR_CLOSE ? C360_OK : DOM_ELSEWHERE;
}

/* The value starting with the current token, as a new jansson value. */
static enum c360_err dom_value(struct jr_parser *jp, json_t **out)
{
    enum c360_err err = C360_OK;
    *out = NULL;
    if (++jp->depth > JR_DEPTH_MAX)
        return DOM_ELSEWHERE;
    switch (jp->kind) {
    case TOK_STR:
        if (jp->str_nul)
            return DOM_ELSEWHERE;
        *out = dom_text(&jp->val);
        break;
    case TOK_INT:
        *out = json_integer(int_value(&jp->val));
        break;
    case TOK_REAL: {
        double d;
        if ((err = real_value(&jp->val, &d)))
            return err;
        *out = json_real(d);
        break;
    }
    case TOK_TRUE:
        *out = json_true();
        break;
    case TOK_FALSE:
        *out = json_false();
        break;
    case TOK_NULL:
        *out = json_null();
        break;
    case TOK_OBJ_OPEN:
        if ((*out = json_object()) && (err = dom_object(jp, *out))) {
            json_decref(*out);
            *out = NULL;
            return err;
        }
        break;
    case TOK_ARR_OPEN:
        if ((*out = json_array()) && (err = dom_array(jp, *out))) {
            json_decref(*out);
            *out = NULL;
            return err;
        }
        break;
    default:
        return DOM_ELSEWHERE;
    }
    if (!*out)
        return C360_ERR_NOMEM;
    jp->depth--;
    return C360_OK;
}

enum c360_err c360_json_dom_read(const char *bytes, size_t len, json_t **out)
{
    enum c360_err err;
    struct jr_parser parser, *jp = &parser;
    *out = NULL;
    if (len > C360_CODEC_VALUE_MAX)
        return DOM_ELSEWHERE;
    parser_init(jp, bytes, len, no_fields, NULL);
    if (!(err = lex(jp)) && jp->kind != TOK_OBJ_OPEN && jp->kind != TOK_ARR_OPEN)
        err = DOM_ELSEWHERE;
    if (!err && !(err = dom_value(jp, out)) && !(err = lex(jp)) && jp->kind != TOK_EOF)
        err = DOM_ELSEWHERE;
    parser_free(jp);
    if (err) {
        json_decref(*out);
        *out = NULL;
        if (err != C360_ERR_NOMEM)
            err = DOM_ELSEWHERE;
    }
    return err;
}

static enum c360_err connect_value(struct jr_parser *jp, struct c360_arena *arena,
                                   const struct c360_plan *plan, struct c360_row_val *out);

/* A string token's decoded text, in the arena when it has escapes. */
static enum c360_err connect_text(struct c360_arena *arena, const struct jr_val *v,
                                  struct c360_row_val *out)
{
    out->kind = C360_ROW_STR;
    out->str = v->p;
    out->len = v->len;
    if (!v->escaped)
        return C360_OK;
    char *buf = c360_arena_alloc(arena, v->len); /* decoding never lengthens */
    if (!buf)
        return C360_ERR_NOMEM;
    out->len = unescape(v, buf, v->len);
    out->str = buf;
    return C360_OK;
}

/* A short converted text (a decimal, a time, a date) into the arena. */
static enum c360_err connect_copy(struct c360_arena *arena, const char *text,
                                  struct c360_row_val *out)
{
    size_t n = strlen(text);
    char *buf = c360_arena_alloc(arena, n);
    if (!buf)
        return C360_ERR_NOMEM;
    memcpy(buf, text, n);
    *out = (struct c360_row_val){.kind = C360_ROW_STR, .str = buf, .len = n};
    return C360_OK;
}

/* An integer token by a temporal plan, as connect_convert converts it. */
static enum c360_err connect_temporal(struct c360_arena *arena, const struct c360_plan *plan,
                                      int64_t v, struct c360_row_val *out)
{
    char buf[64];
    switch (plan->kind) {
    case C360_PLAN_MICROS:
    case C360_PLAN_NANOS: {
        int64_t per_ms = plan->kind == C360_PLAN_MICROS ? 1000 : 1000000;
        int64_t ms = v / per_ms - (v % per_ms < 0); /* floor before 1970 too */
        if (c360_time_check(ms, NULL))
            return CONNECT_ELSEWHERE;
        *out = (struct c360_row_val){.kind = C360_ROW_INT, .as.i = ms};
        return C360_OK;
    }
    case C360_PLAN_TIMESTAMP:
        if (c360_time_check(v, NULL))
            return CONNECT_ELSEWHERE;
        return connect_copy(arena, c360_time_format(v, buf, sizeof(buf)), out);
    case C360_PLAN_DATE:
        if (v < C360_TIME_MIN_MS / C360_MS_PER_DAY || v > C360_TIME_MAX_MS / C360_MS_PER_DAY)
            return CONNECT_ELSEWHERE;
        return connect_copy(arena, c360_date_format((int32_t)v, buf, sizeof(buf)), out);
    default:
        return CONNECT_ELSEWHERE;
    }
}

/* After '{' of a struct: its row, one column per field of the plan, in the
 * plan's order; members the plan does not name are checked and dropped, as
 * connect_struct drops them. */
static enum c360_err connect_struct(struct jr_parser *jp, struct c360_arena *arena,
                                    const struct c360_plan *plan, const struct c360_row **out)
{
    enum c360_err err;
    struct c360_row *row = c360_arena_alloc(arena, sizeof(*row));
    struct c360_row_col *cols = c360_arena_alloc(arena, plan->n_fields * sizeof(*cols) + 1);
    if (!row || !cols)
        return C360_ERR_NOMEM;
    for (size_t i = 0; i < plan->n_fields; i++)
        cols[i] =
            (struct c360_row_col){.name = plan->fields[i].name, .val = {.kind = C360_ROW_NULL}};
    *row = (struct c360_row){.cols = cols, .n_cols = plan->n_fields};
    /* A duplicate key goes elsewhere: the plan's fields seen are bits, the
     * members it does not name go to the key table. */
    uint64_t seen[(C360_CONNECT_FIELDS_MAX + 63) / 64] = {0};
    size_t base = jp->n_keys, next = 0;
    if ((err = lex(jp)))
        return err;
    if (jp->kind != TOK_OBJ_CLOSE) {
        for (;;) {
            if (jp->kind != TOK_STR || jp->str_nul)
                return CONNECT_ELSEWHERE;
            /* Producers write the fields in schema order: try the next one first. */
            const struct jr_val *key = &jp->val;
            size_t f = next;
            if (f >= plan->n_fields || !str_is(key, plan->fields[f].name, plan->fields[f].len)) {
                for (f = 0; f < plan->n_fields; f++) {
                    if (str_is(key, plan->fields[f].name, plan->fields[f].len))
                        break;
                }
            }
            if (f < plan->n_fields) {
                if (seen[f / 64] & (UINT64_C(1) << (f % 64)))
                    return CONNECT_ELSEWHERE;
                seen[f / 64] |= UINT64_C(1) << (f % 64);
            } else if ((err = keys_reserve(jp)) || !keys_add(jp, base)) {
                return err ? err : CONNECT_ELSEWHERE;
            }
            if ((err = lex(jp)))
                return err;
            if (jp->kind != TOK_COLON)
                return CONNECT_ELSEWHERE;
            if ((err = lex(jp)))
                return err;
            struct jr_val ignored;
            if (f < plan->n_fields) {
                err = connect_value(jp, arena, &plan->fields[f].plan, &cols[f].val);
                next = f + 1;
            } else {
                err = parse_value(jp, &ignored);
            }
            if (err || (err = lex(jp)))
                return err;
            if (jp->kind != TOK_COMMA)
                break;
            if ((err = lex(jp)))
                return err;
        }
        if (jp->kind != TOK_OBJ_CLOSE)
            return CONNECT_ELSEWHERE;
    }
    keys_pop_to(jp, base);
    *out = row;
    return C360_OK;
}

/* The value starting with the current token, converted by plan. */
static enum c360_err connect_value(struct jr_parser *jp, struct c360_arena *arena,
                                   const struct c360_plan *plan, struct c360_row_val *out)
{
    enum c360_err err = C360_OK;
    *out = (struct c360_row_val){.kind = C360_ROW_NULL};
    if (jp->kind == TOK_ARR_OPEN && plan->kind == C360_PLAN_ASIS) {
        struct jr_val span;
        if ((err = parse_value(jp, &span))) /* counts its own depth */
            return err;
        *out = (struct c360_row_val){.kind = C360_ROW_ARRAY, .str = span.p, .len = span.len};
        return C360_OK;
    }
    if (++jp->depth > JR_DEPTH_MAX)
        return CONNECT_ELSEWHERE;
    bool asis = plan->kind == C360_PLAN_ASIS, decimal = plan->kind == C360_PLAN_DECIMAL;
    switch (jp->kind) {
    case TOK_NULL:
        break;
    case TOK_TRUE:
    case TOK_FALSE:
        if (!asis)
            return CONNECT_ELSEWHERE;
        out->kind = jp->kind == TOK_TRUE ? C360_ROW_TRUE : C360_ROW_FALSE;
        break;
    case TOK_INT:
        if (asis || decimal)
            *out = (struct c360_row_val){.kind = C360_ROW_INT, .as.i = int_value(&jp->val)};
        else
            err = connect_temporal(arena, plan, int_value(&jp->val), out);
        break;
    case TOK_REAL: {
        if (!asis && !decimal)
            return CONNECT_ELSEWHERE;
        double d;
        if ((err = real_value(&jp->val, &d)))
            return err;
        *out = (struct c360_row_val){.kind = C360_ROW_REAL, .as.d = d};
        break;
    }
    case TOK_STR:
        if (jp->str_nul || (!asis && !decimal))
            return CONNECT_ELSEWHERE;
        if ((err = connect_text(arena, &jp->val, out)) || asis)
            break;
        /* A Connect Decimal: base64 of its unscaled value. */
        char buf[64];
        if (plan->scale < 0 || plan->scale > C360_CODEC_DECIMAL_SCALE_MAX ||
            c360_codec_connect_decimal(out->str, out->len, plan->scale, NULL, buf, sizeof(buf),
                                       NULL))
            return CONNECT_ELSEWHERE;
        err = connect_copy(arena, buf, out);
        break;
    case TOK_OBJ_OPEN:
        if (plan->kind != C360_PLAN_STRUCT)
            return CONNECT_ELSEWHERE; /* an object kept as is: the DOM path */
        if ((err = connect_struct(jp, arena, plan, &out->as.row)))
            return err;
        out->kind = C360_ROW_ROW;
        break;
    default:
        return CONNECT_ELSEWHERE;
    }
    jp->depth--;
    return err;
}

/* Is the current token the string `name`? */
static bool token_is(const struct jr_parser *jp, const char *name)
{
    return jp->kind == TOK_STR && str_is(&jp->val, name, strlen(name));
}

enum c360_err c360_connect_read(struct c360_connect_cache *cache, const char *bytes, size_t len,
                                struct c360_arena *arena, const struct c360_row **payload)
{
    enum c360_err err;
    const struct c360_plan *plan;
    *payload = NULL;
    if (len > C360_CODEC_VALUE_MAX)
        return CONNECT_ELSEWHERE;
    struct jr_parser parser, *jp = &parser;
    parser_init(jp, bytes, len, no_fields, NULL);
    jp->depth = 1; /* inside the envelope */
    /* {"schema": */
    if ((err = lex(jp)) || jp->kind != TOK_OBJ_OPEN || (err = lex(jp)) || !token_is(jp, "schema") ||
        (err = lex(jp)) || jp->kind != TOK_COLON)
        goto done;
    const char *at = skip_ws(bytes + jp->pos, bytes + len);
    size_t schema_len;
    if (c360_connect_cache_find(cache, at, (size_t)(bytes + len - at), &schema_len, &plan)) {
        jp->pos = (size_t)(at - bytes) + schema_len; /* checked when it was cached */
    } else {
        struct jr_val schema;
        if ((err = lex(jp)) || jp->kind != TOK_OBJ_OPEN || (err = parse_value(jp, &schema)) ||
            (err = c360_connect_cache_add(cache, schema.p, schema.len, &plan)))
            goto done;
    }
    /* , "payload": {…} } and nothing after it */
    if (!plan || plan->kind != C360_PLAN_STRUCT || (err = lex(jp)) || jp->kind != TOK_COMMA ||
        (err = lex(jp)) || !token_is(jp, "payload") || (err = lex(jp)) || jp->kind != TOK_COLON ||
        (err = lex(jp)) || jp->kind != TOK_OBJ_OPEN)
        goto done;
    struct c360_row_val row;
    if ((err = connect_value(jp, arena, plan, &row)) || (err = lex(jp)) ||
        jp->kind != TOK_OBJ_CLOSE || (err = lex(jp)) || jp->kind != TOK_EOF)
        goto done;
    *payload = row.as.row;
done:
    parser_free(jp);
    if (err == C360_OK && !*payload)
        err = CONNECT_ELSEWHERE;
    return err;
}

/* --- Plain JSON rows: one object of scalars and arrays, each member a
 * column, as the DOM path's c360_row_get would see it. */

/* A member's value, from its first token. An object inside the row is left
 * to the DOM path, as a Connect object kept as is is. */
static enum c360_err plain_value(struct jr_parser *jp, struct c360_arena *arena,
                                 struct c360_row_val *out)
{
    static const struct c360_plan asis = {.kind = C360_PLAN_ASIS};
    if (jp->kind == TOK_OBJ_OPEN)
        return CONNECT_ELSEWHERE;
    return connect_value(jp, arena, &asis, out);
}

/* A member name as a NUL-terminated copy in the arena. */
static const char *plain_name(struct c360_arena *arena, const struct jr_val *key)
{
    char *name = c360_arena_alloc(arena, key->len + 1); /* decoding never lengthens */
    if (!name)
        return NULL;
    name[unescape(key, name, key->len)] = '\0';
    return name;
}

enum c360_err c360_json_row_read(const char *bytes, size_t len, struct c360_arena *arena,
                                 const struct c360_row **out)
{
    enum c360_err err;
    struct c360_row_col *cols = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    if (len > C360_CODEC_VALUE_MAX)
        return CONNECT_ELSEWHERE;
    struct jr_parser parser, *jp = &parser;
    parser_init(jp, bytes, len, no_fields, NULL);
    if ((err = lex(jp)) || jp->kind != TOK_OBJ_OPEN || (err = lex(jp)))
        goto done;
    jp->depth = 1;
    while (jp->kind != TOK_OBJ_CLOSE) {
        if (jp->kind != TOK_STR || jp->str_nul || (err = keys_reserve(jp)) || !keys_add(jp, 0))
            goto refused; /* not a key, or a duplicate one */
        if (n == cap) {
            size_t grown = cap ? 2 * cap : 16;
            struct c360_row_col *more = c360_arena_alloc(arena, grown * sizeof(*more));
            if (!more) {
                err = C360_ERR_NOMEM;
                goto done;
            }
            if (n)
                memcpy(more, cols, n * sizeof(*cols));
            cols = more;
            cap = grown;
        }
        if (!(cols[n].name = plain_name(arena, &jp->keys[jp->n_keys - 1].name))) {
            err = C360_ERR_NOMEM;
            goto done;
        }
        if ((err = lex(jp)) || jp->kind != TOK_COLON || (err = lex(jp)) ||
            (err = plain_value(jp, arena, &cols[n].val)) || (err = lex(jp)))
            goto refused;
        n++;
        if (jp->kind == TOK_COMMA) {
            if ((err = lex(jp)))
                goto refused;
            if (jp->kind == TOK_OBJ_CLOSE)
                goto refused; /* a trailing comma */
        } else if (jp->kind != TOK_OBJ_CLOSE) {
            goto refused;
        }
    }
    if ((err = lex(jp)) || jp->kind != TOK_EOF)
        goto refused;
    struct c360_row *row = c360_arena_alloc(arena, sizeof(*row));
    if (!row) {
        err = C360_ERR_NOMEM;
        goto done;
    }
    *row = (struct c360_row){.cols = cols, .n_cols = n};
    *out = row;
    goto done;
refused:
    if (err != C360_ERR_NOMEM)
        err = CONNECT_ELSEWHERE;
done:
    parser_free(jp);
    if (err == C360_OK && !*out)
        err = CONNECT_ELSEWHERE;
    return err;
}
