/*
 * Suite codec: the canonical JSON reader (src/codec/jsonread.c) behind
 * c360_codec_json_decode. Table tests of JSON it refuses (with jansson's
 * wording and byte offsets), of records it reads for each entity, and a
 * check that every table input gets the same answer from the jansson path
 * (c360_codec_parse_json_jansson + c360_codec_record_from_json) unless the
 * difference is one codec_int.h documents.
 */
#include "c360/codec.h"
#include "codec_int.h"

#include "check_codec.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* String literals may hold NUL bytes: the length comes from sizeof. */
#define LIT(s) s, sizeof(s) - 1

struct syntax_case {
    const char *json;
    size_t len;
    const char *text; /* the whole diagnostic text */
    bool by_design;   /* jansson answers otherwise, as codec_int.h says */
};

static const struct syntax_case syntax_cases[] = {
    {LIT("{\"eventId\": \"e-1\", \"changeType\": \"UPS"),
     "the value is not JSON: premature end of input near '\"UPS' (at byte 37)", false},
    {LIT(""), "the value is not JSON: '[' or '{' expected near end of file (at byte 0)", false},
    {LIT("\"x\""), "the value is not JSON: '[' or '{' expected near '\"x\"' (at byte 3)", false},
    {LIT("[1.]"), "the value is not JSON: invalid token near '1.' (at byte 3)", false},
    {LIT("[1e]"), "the value is not JSON: invalid token near '1e' (at byte 3)", false},
    {LIT("[-]"), "the value is not JSON: invalid token near '-' (at byte 2)", false},
    {LIT("{\"a\":01}"), "the value is not JSON: invalid token near '0' (at byte 6)", false},
    {LIT("[1 01]"), "the value is not JSON: ']' expected near '0' (at byte 4)", false},
    {LIT("[tru]"), "the value is not JSON: invalid token near 'tru' (at byte 4)", false},
    {LIT("[nullx]"), "the value is not JSON: invalid token near 'nullx' (at byte 6)", false},
    {LIT("[1,]"), "the value is not JSON: unexpected token near ']' (at byte 4)", false},
    {LIT("[1,"), "the value is not JSON: ']' expected near end of file (at byte 3)", false},
    {LIT("{\"a\":1,}"), "the value is not JSON: string or '}' expected near '}' (at byte 8)",
     false},
    {LIT("{\"a\" 1}"), "the value is not JSON: ':' expected near '1' (at byte 6)", false},
    {LIT("{\"a\":"), "the value is not JSON: unexpected token near end of file (at byte 5)", false},
    {LIT("{\"a\":1"), "the value is not JSON: '}' expected near end of file (at byte 6)", false},
    {LIT("[1]x"), "the value is not JSON: end of file expected near 'x' (at byte 4)", false},
    {LIT("[1e400]"), "the value is not JSON: real number overflow near '1e400' (at byte 6)", false},
    {LIT("[1.7976931348623159e308]"), "the value is not JSON: real number overflow (at byte 23)",
     false},
    {LIT("[99999999999999999999]"),
     "the value is not JSON: too big integer near '99999999999999999999' (at byte 21)", false},
    {LIT("[-9223372036854775809]"),
     "the value is not JSON: too big negative integer near '-9223372036854775809' (at byte 21)",
     false},
    {LIT("{\"a\":1,\"\\u0061\":2}"),
     "the value is not JSON: duplicate object key near '\"\\u0061\"' (at byte 15)", false},
    {LIT("{\"a\":{\"b\":1,\"b\":2}}"),
     "the value is not JSON: duplicate object key near '\"b\"' (at byte 15)", false},
    {LIT("{\"a\":\"\\u0000\"}"),
     "the value is not JSON: \\u0000 is not allowed without "
     "JSON_ALLOW_NUL near '\"\\u0000\"' (at byte 13)",
     false},
    {LIT("{\"\\u0000\":1}"),
     "the value is not JSON: NUL byte in object key not supported near '\"\\u0000\"' (at byte 9)",
     false},
    {LIT("{\"a\":\"\\uD800\"}"),
     "the value is not JSON: invalid Unicode '\\uD800' near '\"\\uD800\"' (at byte 13)", false},
    {LIT("{\"a\":\"\\udc00x\"}"),
     "the value is not JSON: invalid Unicode '\\uDC00' near '\"\\udc00x\"' (at byte 14)", false},
    {LIT("{\"a\":\"\\uD800\\u0041\"}"),
     "the value is not JSON: invalid Unicode "
     "'\\uD800\\u0041' near '\"\\uD800\\u0041\"' (at byte 19)",
     false},
    {LIT("{\"a\":\"\\u12x\"}"),
     "the value is not JSON: invalid escape near '\"\\u12x' (at byte 11)", false},
    {LIT("{\"a\":\"\\q\"}"), "the value is not JSON: invalid escape near '\"\\q' (at byte 8)",
     false},
    {LIT("{\"a\":\"\x01\"}"), "the value is not JSON: control character 0x1 near '\"' (at byte 6)",
     false},
    {LIT("{\"a\":\"\n\"}"), "the value is not JSON: unexpected newline near '\"' (at byte 6)",
     false},
    {LIT("[1\xff]"), "the value is not JSON: unable to decode byte 0xff near '1' (at byte 2)",
     false},
    {LIT("[\xc3\xa9]"), "the value is not JSON: invalid token near '\xc3\xa9' (at byte 3)", false},
    /* Overlong, a UTF-16 surrogate in UTF-8, past U+10FFFF, cut short. */
    {LIT("[\"\xc0\x80\"]"),
     "the value is not JSON: unable to decode byte 0xc0 near '\"' (at byte 2)", false},
    {LIT("[\"\xe0\x80\xaf\"]"),
     "the value is not JSON: unable to decode byte 0xe0 near '\"' (at byte 2)", false},
    {LIT("[\"\xed\xa0\x80\"]"),
     "the value is not JSON: unable to decode byte 0xed near '\"' (at byte 2)", false},
    {LIT("[\"\xf4\x90\x80\x80\"]"),
     "the value is not JSON: unable to decode byte 0xf4 near '\"' (at byte 2)", false},
    {LIT("[\"\xe2\x82"), "the value is not JSON: unable to decode byte 0xe2 near '\"' (at byte 2)",
     false},
    {LIT("[\"\xe2\x82\xac\"]x"), "the value is not JSON: end of file expected near 'x' (at byte 8)",
     false},
    {LIT("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
     "the value is not JSON: premature end of input (at byte 30)", false},
    {LIT("[\0]"), "the value is not JSON: invalid token near end of file (at byte 2)", false},
    /* jansson drops a NUL that follows a number and accepts this. */
    {LIT("{\"a\":1\0}"), "the value is not JSON: '}' expected near end of file (at byte 7)", true},
};

/* What every record below starts with, as read and as written back. */
#define COMMON                                                                                     \
    "\"eventId\":\"e\",\"changeType\":\"UPSERT\",\"occurredAt\":\"2026-11-20T09:30:00Z\","         \
    "\"source\":{\"system\":\"s\",\"recordId\":\"r\"},\"globalPartyId\":\"gp\""
#define COMMON_OUT                                                                                 \
    "{\"eventId\":\"e\",\"changeType\":\"UPSERT\",\"occurredAt\":\"2026-11-20T09:30:00.000Z\","    \
    "\"source\":{\"system\":\"s\",\"recordId\":\"r\"},\"globalPartyId\":\"gp\""
#define ACCOUNT(balance)                                                                           \
    "{" COMMON ",\"globalAccountId\":\"A\",\"accountType\":\"CD\",\"status\":\"OPEN\","            \
    "\"balance\":{\"amount\":" balance ",\"currency\":\"USD\"}}"
#define ACCOUNT_OUT(balance)                                                                       \
    COMMON_OUT ",\"globalAccountId\":\"A\",\"accountType\":\"CD\",\"status\":\"OPEN\","            \
               "\"balance\":{\"amount\":\"" balance "\",\"currency\":\"USD\"}}"

struct record_case {
    enum c360_entity entity;
    const char *json;
    const char *want; /* compact canonical JSON, or "field: text" when refused */
    bool by_design;
};

static const struct record_case record_cases[] = {
    /* Escapes decode into the record; unknown members, however nested, and
     * nulls leave nothing behind. */
    {C360_ENTITY_INDIVIDUAL,
     "{" COMMON ",\"firstName\":\"A\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\\\/\",\"lastName\":null,"
     "\"emails\":[\"a@b.c\"],\"addresses\":[{\"line1\":\"1 Main\",\"city\":null,"
     "\"zip\":{\"deep\":[1,2,{\"x\":null}]}}],\"partyIdentifiers\":[{\"type\":\"SSN\","
     "\"value\":\"1\"}],\"unknown\":[{\"a\":{\"b\":[true,false,null,-1.5e-3]}}]}",
     COMMON_OUT ",\"firstName\":\"A\xc3\xa9\xf0\x9f\x98\x80\\n\\t\\\"\\\\/\",\"emails\":"
                "[\"a@b.c\"],\"addresses\":[{\"line1\":\"1 Main\"}],\"partyIdentifiers\":[{"
                "\"type\":\"SSN\",\"value\":\"1\"}]}",
     false},
    /* A key is matched once decoded. */
    {C360_ENTITY_INDIVIDUAL,
     "{\"\\u0065ventId\":\"e\",\"changeType\":\"UPSERT\",\"occurredAt\":1795432800000,"
     "\"source\":{\"syst\\u0065m\":\"s\",\"recordId\":\"r\"}}",
     "{\"eventId\":\"e\",\"changeType\":\"UPSERT\",\"occurredAt\":\"2026-11-23T11:20:00.000Z\","
     "\"source\":{\"system\":\"s\",\"recordId\":\"r\"}}",
     false},
    /* Field checks come in the DOM path's order, not the document's. */
    {C360_ENTITY_INDIVIDUAL, "{\"eventId\":42,\"changeType\":\"MERGE\"}",
     "changeType: 'MERGE' is not a known changeType", false},
    {C360_ENTITY_INDIVIDUAL, "{" COMMON ",\"emails\":[\"a@b.c\",1]}",
     "emails: must be an array of strings", false},
    {C360_ENTITY_INDIVIDUAL, "{" COMMON ",\"addresses\":[{},[]]}",
     "addresses: must be an array of objects", false},
    {C360_ENTITY_INDIVIDUAL, "{" COMMON ",\"partyIdentifiers\":[{\"type\":\"SSN\"}]}",
     "partyIdentifiers: each identifier needs a type and a value", false},
    {C360_ENTITY_INDIVIDUAL, "{" COMMON ",\"eventId\":\"\"}",
     ": the value is not JSON: duplicate object key near '\"eventId\"' (at byte 142)", false},
    {C360_ENTITY_INDIVIDUAL, "{\"eventId\":\"\",\"changeType\":\"UPSERT\"}",
     "eventId: required field is missing", false},
    {C360_ENTITY_INDIVIDUAL, "[{" COMMON "}]", ": a record is a JSON object", false},
    /* Big integers and the types json.c tells apart. */
    {C360_ENTITY_INDIVIDUAL, "{\"eventId\":\"e\",\"occurredAt\":9223372036854775807}",
     "occurredAt: 9223372036854775807 ms is outside years 0001-9999", false},
    {C360_ENTITY_INDIVIDUAL, "{\"eventId\":\"e\",\"occurredAt\":-9223372036854775808}",
     "occurredAt: -9223372036854775808 ms is outside years 0001-9999", false},
    {C360_ENTITY_INDIVIDUAL, "{\"eventId\":\"e\",\"occurredAt\":1e3}",
     "occurredAt: must be an RFC 3339 string or epoch milliseconds", false},
    /* Money from JSON numbers, exactly. */
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("1.5e3"), ACCOUNT_OUT("1500.00"), false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("1E+2"), ACCOUNT_OUT("100.00"), false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("-0.0"), ACCOUNT_OUT("0.00"), false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("0.10"), ACCOUNT_OUT("0.10"), false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("12345678901234.5"), ACCOUNT_OUT("12345678901234.50"),
     false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("99999999999999"), ACCOUNT_OUT("99999999999999.00"),
     false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("\"1.5E+2\""), ACCOUNT_OUT("150.00"), false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("100000000000000"),
     "balance.amount: 100000000000000 is out of range for money", false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("0.000001"),
     "balance.amount: '1e-06' has more than 2 decimals", false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("4210.175"),
     "balance.amount: '4210.175' has more than 2 decimals", false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("1e20"),
     "balance.amount: '1e+20' is out of range for money", false},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("123456789012345.6"),
     "balance.amount: a JSON number with more than 15 significant digits cannot be read "
     "exactly; send the amount as a decimal string",
     false},
    /* A double rounds these to 1.00 and 0.00; they are not exact. */
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("1.0000000000000001"),
     "balance.amount: a JSON number with more than 15 significant digits cannot be read "
     "exactly; send the amount as a decimal string",
     true},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("1e-400"),
     "balance.amount: '1e-400' is out of range for money", true},
    {C360_ENTITY_FINANCIAL_ACCOUNT, ACCOUNT("{}"),
     "balance.amount: must be a decimal string or number", false},
    {C360_ENTITY_FINANCIAL_TRANSACTION,
     "{" COMMON ",\"globalTransactionId\":\"T\",\"globalAccountId\":\"A\",\"amount\":12.5,"
     "\"currency\":\"EUR\",\"direction\":\"DEBIT\",\"transactionDate\":\"2026-11-20\"}",
     COMMON_OUT ",\"globalTransactionId\":\"T\",\"globalAccountId\":\"A\",\"amount\":{"
                "\"amount\":\"12.50\",\"currency\":\"EUR\"},\"direction\":\"DEBIT\","
                "\"transactionDate\":\"2026-11-20\"}",
     false},
    {C360_ENTITY_FINANCIAL_TRANSACTION,
     "{" COMMON ",\"globalTransactionId\":\"T\",\"amount\":12.5,\"currency\":\"eur\"}",
     "currency: 'eur' is not an ISO 4217 currency code", false},
    {C360_ENTITY_EXTERNAL_ACCOUNT,
     "{" COMMON ",\"externalAccountId\":\"X\",\"accountType\":\"LOAN\",\"status\":\"CLOSED\","
     "\"averageDailyBalance\":{\"amount\":\"-3.1\",\"currency\":\"GBP\"},\"asOf\":0}",
     COMMON_OUT ",\"externalAccountId\":\"X\",\"accountType\":\"LOAN\",\"status\":\"CLOSED\","
                "\"averageDailyBalance\":{\"amount\":\"-3.10\",\"currency\":\"GBP\"},"
                "\"asOf\":\"1970-01-01T00:00:00.000Z\"}",
     false},
    {C360_ENTITY_WEB_ENGAGEMENT,
     "{" COMMON ",\"engagementId\":\"E\",\"sessionId\":\"S\",\"durationSeconds\":0}",
     COMMON_OUT ",\"engagementId\":\"E\",\"sessionId\":\"S\",\"durationSeconds\":0}", false},
    {C360_ENTITY_WEB_ENGAGEMENT,
     "{" COMMON ",\"engagementId\":\"E\",\"sessionId\":\"S\",\"durationSeconds\":1.0}",
     "durationSeconds: must be a non-negative integer", false},
    {C360_ENTITY_WEB_ENGAGEMENT,
     "{" COMMON ",\"engagementId\":\"E\",\"sessionId\":\"S\","
     "\"durationSeconds\":9223372036854775807}",
     "durationSeconds: 9223372036854775807 is more than a week", false},
    /* Org field values are kept as text: JSON other than strings as
     * jansson's compact encoder writes it. */
    {C360_ENTITY_ORG_CONTACT,
     "{" COMMON ",\"orgId\":\"o\",\"recordId\":\"r\",\"fields\":{\"N\":1.5e5,\"I\":-0,"
     "\"B\":true,\"O\":{\"k\":[1,\"x\\u001f\\/\",null,{}],\"e\":[]},\"S\":\"\\u00e9\","
     "\"Z\":null,\"R\":1e-7}}",
     COMMON_OUT ",\"orgId\":\"o\",\"recordId\":\"r\",\"fields\":{\"N\":\"150000.0\",\"I\":\"0\","
                "\"B\":\"true\",\"O\":\"{\\\"k\\\":[1,\\\"x\\\\u001F/\\\",null,{}],\\\"e\\\":[]}\","
                "\"S\":\"\xc3\xa9\",\"Z\":null,\"R\":\"9.9999999999999995e-8\"}}",
     false},
    {C360_ENTITY_ORG_ACCOUNT, "{" COMMON ",\"orgId\":\"o\",\"recordId\":\"r\",\"fields\":[]}",
     "fields: must be an object of field values", false},
};

static enum c360_err decode(enum c360_entity entity, const char *json, size_t len,
                            struct c360_diag *diag, char **out)
{
    struct c360_record *rec;
    *out = NULL;
    c360_diag_clear(diag);
    ck_assert_int_eq(c360_record_new(entity, &rec), C360_OK);
    enum c360_err err = c360_codec_json_decode(json, len, rec, diag);
    if (!err)
        ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_COMPACT, out), C360_OK);
    c360_record_destroy(rec);
    return err;
}

/* The same input through jansson and c360_codec_record_from_json. */
static enum c360_err decode_dom(enum c360_entity entity, const char *json, size_t len,
                                struct c360_diag *diag, char **out)
{
    struct c360_record *rec;
    json_t *obj;
    *out = NULL;
    c360_diag_clear(diag);
    ck_assert_int_eq(c360_record_new(entity, &rec), C360_OK);
    enum c360_err err = c360_codec_parse_json_jansson(json, len, "the value", &obj, diag);
    if (!err) {
        err = c360_codec_record_from_json(obj, rec, diag);
        json_decref(obj);
    }
    if (!err)
        ck_assert_int_eq(c360_codec_json_encode(rec, C360_CODEC_COMPACT, out), C360_OK);
    c360_record_destroy(rec);
    return err;
}

/* "field: text" of a refusal, or the record's JSON. */
static void answer(enum c360_err err, const struct c360_diag *diag, const char *json, char *buf,
                   size_t size)
{
    if (err)
        snprintf(buf, size, "%s: %s", diag->field, diag->text);
    else
        snprintf(buf, size, "%s", json ? json : "(no JSON)");
}

START_TEST(test_c360_codec_json_decode_refuses_bad_json_as_jansson_words_it)
{
    const struct syntax_case *c = &syntax_cases[_i];
    struct c360_diag diag;
    char *json = NULL;
    enum c360_err err = decode(C360_ENTITY_INDIVIDUAL, c->json, c->len, &diag, &json);
    ck_assert_msg(err == C360_ERR_INVALID, "case %d accepted: %s", _i, json);
    ck_assert_str_eq(diag.field, "");
    ck_assert_str_eq(diag.text, c->text);
}
END_TEST

START_TEST(test_c360_codec_json_decode_reads_each_entity)
{
    const struct record_case *c = &record_cases[_i];
    struct c360_diag diag;
    char *json, got[2048];
    enum c360_err err = decode(c->entity, c->json, strlen(c->json), &diag, &json);
    answer(err, &diag, json, got, sizeof(got));
    ck_assert_msg(strcmp(got, c->want) == 0, "case %d:\n got  %s\n want %s", _i, got, c->want);
    free(json);
}
END_TEST

/* Every table input, as each entity: the reader answers as the DOM path does. */
START_TEST(test_c360_codec_json_decode_agrees_with_the_dom_path)
{
    const char *input;
    size_t len;
    bool by_design;
    if (_i < (int)(sizeof(syntax_cases) / sizeof(syntax_cases[0]))) {
        input = syntax_cases[_i].json;
        len = syntax_cases[_i].len;
        by_design = syntax_cases[_i].by_design;
    } else {
        const struct record_case *c =
            &record_cases[_i - (int)(sizeof(syntax_cases) / sizeof(syntax_cases[0]))];
        input = c->json;
        len = strlen(c->json);
        by_design = c->by_design;
    }
    for (int e = 0; e < C360_ENTITY_COUNT; e++) {
        struct c360_diag diag;
        char *json = NULL, *dom_json = NULL, got[2048], want[2048];
        answer(decode((enum c360_entity)e, input, len, &diag, &json), &diag, json, got,
               sizeof(got));
        answer(decode_dom((enum c360_entity)e, input, len, &diag, &dom_json), &diag, dom_json, want,
               sizeof(want));
        ck_assert_msg(by_design || strcmp(got, want) == 0,
                      "input %d as %s:\n reader  %s\n dom     %s", _i,
                      c360_entity_name((enum c360_entity)e), got, want);
        free(json);
        free(dom_json);
    }
}
END_TEST

/* Nesting deeper than a record needs is refused at 64 levels, not 2048. */
START_TEST(test_c360_codec_json_decode_limits_depth)
{
    char deep[200], *json;
    struct c360_diag diag;
    for (int levels = 64; levels <= 65; levels++) {
        memset(deep, '[', (size_t)levels);
        memset(deep + levels, ']', (size_t)levels);
        enum c360_err err = decode(C360_ENTITY_INDIVIDUAL, deep, 2 * (size_t)levels, &diag, &json);
        ck_assert_int_eq(err, C360_ERR_INVALID);
        ck_assert_str_eq(diag.text, levels == 64
                                        ? "a record is a JSON object"
                                        : "the value is not JSON: maximum parsing depth reached "
                                          "near '[' (at byte 65)");
    }
}
END_TEST

/* Past the stack tables: duplicates are still found among many members, in
 * nested objects too, and distinct members are not taken for duplicates. */
START_TEST(test_c360_codec_json_decode_finds_duplicates_among_many_members)
{
    size_t size = 64 * 1024, n = 0;
    char *big = malloc(size), *json;
    struct c360_diag diag;
    n += (size_t)snprintf(big + n, size - n, "{" COMMON ",\"x\":{");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(big + n, size - n, "%s\"k%d\":{\"k%d\":%d}", i ? "," : "", i, i, i);
    n += (size_t)snprintf(big + n, size - n, "}}");
    ck_assert_int_eq(decode(C360_ENTITY_INDIVIDUAL, big, n, &diag, &json), C360_OK);
    free(json);
    n -= 2;
    n += (size_t)snprintf(big + n, size - n, ",\"k500\":1}}");
    ck_assert_int_eq(decode(C360_ENTITY_INDIVIDUAL, big, n, &diag, &json), C360_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(diag.text, "duplicate object key near '\"k500\"'"));
    free(big);
}
END_TEST

/* A string the record cannot take is refused with its decoded length. */
START_TEST(test_c360_codec_json_decode_refuses_long_escaped_string)
{
    size_t size = 64 * 1024, n = 0;
    char *big = malloc(size), *json;
    struct c360_diag diag;
    n += (size_t)snprintf(big + n, size - n, "{" COMMON ",\"firstName\":\"");
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(big + n, size - n, "\\u00e9");
    n += (size_t)snprintf(big + n, size - n, "\"}");
    ck_assert_int_eq(decode(C360_ENTITY_INDIVIDUAL, big, n, &diag, &json), C360_ERR_LIMIT);
    ck_assert_str_eq(diag.field, "firstName");
    ck_assert_str_eq(diag.text, "text of 10000 bytes exceeds 4096");
    free(big);
}
END_TEST

/* --- c360_json_dom_read: the tree json_loadb builds, or the refusal it words. */

/* Values it builds: every kind, escapes, surrogate pairs, order, depth. */
static const char *const dom_cases[] = {
    "{}",
    "[]",
    " [ 1 , -0 , 2.50 , -1e-3 , 1E+2 , true , false , null ] ",
    "{\"b\":1,\"a\":{\"c\":[{}],\"d\":\"\"},\"\\u00e9\\n\":\"x\\\"y\\\\z\\/\"}",
    "[\"\\ud83d\\ude00 \xf0\x9f\x98\x80 \xc3\xa9\"]",
    "[9223372036854775807,-9223372036854775808,1.7976931348623157e308,4.9e-324,1e-400]",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
};

static char *dump(json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    ck_assert_ptr_nonnull(text);
    return text;
}

START_TEST(test_c360_json_dom_read_builds_what_jansson_builds)
{
    const size_t n_dom = sizeof(dom_cases) / sizeof(dom_cases[0]), i = (size_t)_i;
    const char *json = i < n_dom ? dom_cases[i] : record_cases[i - n_dom].json;
    json_t *fast, *ref = json_loadb(json, strlen(json), JSON_REJECT_DUPLICATES, NULL);
    enum c360_err err = c360_json_dom_read(json, strlen(json), &fast);
    if (!ref) { /* a record case jansson refuses: so does the reader */
        ck_assert_int_eq(err, C360_ERR_UNSUPPORTED);
        return;
    }
    ck_assert_msg(err == C360_OK, "%s: %d", json, err);
    ck_assert(json_equal(fast, ref));
    char *a = dump(fast), *b = dump(ref);
    ck_assert_str_eq(a, b); /* member order too */
    free(a);
    free(b);
    json_decref(fast);
    json_decref(ref);
}
END_TEST

/* What jansson refuses the reader leaves to it: c360_codec_parse_json words
 * each refusal as json_loadb does, byte offset included. */
START_TEST(test_c360_json_dom_read_leaves_refusals_to_jansson)
{
    const struct syntax_case *c = &syntax_cases[_i];
    json_t *fast = NULL, *a = NULL, *b = NULL;
    struct c360_diag da, db;
    c360_diag_clear(&da);
    c360_diag_clear(&db);
    ck_assert_int_eq(c360_json_dom_read(c->json, c->len, &fast), C360_ERR_UNSUPPORTED);
    ck_assert_ptr_null(fast);
    enum c360_err ea = c360_codec_parse_json(c->json, c->len, "the value", &a, &da);
    enum c360_err eb = c360_codec_parse_json_jansson(c->json, c->len, "the value", &b, &db);
    ck_assert_int_eq(ea, eb);
    ck_assert_str_eq(da.text, db.text);
    json_decref(a);
    json_decref(b);
}
END_TEST

/* --- c360_json_dump_sorted: json_dumps(JSON_COMPACT | JSON_SORT_KEYS), byte for byte. */

static const char *const sorted_cases[] = {
    "{}",
    "[]",
    "\"\"",
    "{\"b\":1,\"a\":2,\"ab\":3,\"B\":4,\"\":5,\"\\u00e9\":6}",
    "[\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f \\\" \\\\ \\/ \xc3\xa9\"]",
    "[0.1,1.0,-0.0,1e20,1e21,1e-5,1.5e-7,-2.5e+300,123456789012345678.0,4.9e-324,100.0]",
    "[0,-1,9223372036854775807,-9223372036854775808,true,false,null]",
    "{\"z\":{\"y\":[{\"b\":[],\"a\":{}}]},\"Name\":{\"LastName\":\"Doe\",\"FirstName\":\"J\"}}",
};

static void sorted_same(json_t *v)
{
    char *buf = NULL;
    size_t cap = 0, len;
    char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    ck_assert_ptr_nonnull(want);
    ck_assert_int_eq(c360_json_dump_sorted(v, &buf, &cap, &len), C360_OK);
    ck_assert_str_eq(buf, want);
    ck_assert_uint_eq(len, strlen(want));
    free(want);
    free(buf);
}

START_TEST(test_c360_json_dump_sorted_writes_what_json_dumps_writes)
{
    const char *json = sorted_cases[_i];
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    ck_assert_msg(v != NULL, "%s", json);
    sorted_same(v);
    json_decref(v);
}
END_TEST

/* More members than it sorts on the stack, and one buffer grown across dumps. */
START_TEST(test_c360_json_dump_sorted_sorts_many_members_into_a_kept_buffer)
{
    json_t *obj = json_object();
    char name[16];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "k%d", (i * 7919) % 300);
        json_object_set_new(obj, name, json_integer(i));
        sorted_same(obj);
    }
    /* Names with a NUL (json_object_setn): bytes, then the shorter first. */
    json_object_setn_new(obj, "k1\0", 3, json_true());
    json_object_setn_new(obj, "k1\0a", 4, json_true());
    sorted_same(obj);
    char *buf = NULL, *want = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    size_t cap = 0, len;
    for (int round = 0; round < 3; round++) {
        ck_assert_int_eq(c360_json_dump_sorted(obj, &buf, &cap, &len), C360_OK);
        ck_assert_str_eq(buf, want);
    }
    ck_assert_uint_ge(cap, len + 1);
    free(want);
    free(buf);
    json_decref(obj);
}
END_TEST

void c360_check_jsonread_add(Suite *s)
{
    TCase *tc = tcase_create("c360_codec_json_decode (jsonread)");
    tcase_add_loop_test(tc, test_c360_codec_json_decode_refuses_bad_json_as_jansson_words_it, 0,
                        sizeof(syntax_cases) / sizeof(syntax_cases[0]));
    tcase_add_loop_test(tc, test_c360_codec_json_decode_reads_each_entity, 0,
                        sizeof(record_cases) / sizeof(record_cases[0]));
    tcase_add_loop_test(tc, test_c360_codec_json_decode_agrees_with_the_dom_path, 0,
                        sizeof(syntax_cases) / sizeof(syntax_cases[0]) +
                            sizeof(record_cases) / sizeof(record_cases[0]));
    tcase_add_test(tc, test_c360_codec_json_decode_limits_depth);
    tcase_add_test(tc, test_c360_codec_json_decode_finds_duplicates_among_many_members);
    tcase_add_test(tc, test_c360_codec_json_decode_refuses_long_escaped_string);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_json_dom_read");
    tcase_add_loop_test(tc, test_c360_json_dom_read_builds_what_jansson_builds, 0,
                        sizeof(dom_cases) / sizeof(dom_cases[0]) +
                            sizeof(record_cases) / sizeof(record_cases[0]));
    tcase_add_loop_test(tc, test_c360_json_dom_read_leaves_refusals_to_jansson, 0,
                        sizeof(syntax_cases) / sizeof(syntax_cases[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_json_dump_sorted");
    tcase_add_loop_test(tc, test_c360_json_dump_sorted_writes_what_json_dumps_writes, 0,
                        sizeof(sorted_cases) / sizeof(sorted_cases[0]));
    tcase_add_test(tc, test_c360_json_dump_sorted_sorts_many_members_into_a_kept_buffer);
    suite_add_tcase(s, tc);
}
