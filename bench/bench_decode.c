/*
 * Decode + map throughput per wire format, one core: N generated messages
 * (distinct ids and amounts) decoded into canonical records through the
 * shipped topic declarations. Prints messages/s and MB/s per format.
 * Avro messages carry schema id 1, resolved up front through the decoder's
 * private entry point (no registry): the timed loop runs the real decode
 * path, schema-id lookup in the decoder's cache included.
 *
 *   build/release/bench/bench_decode [N [FORMAT]]   (default 1,000,000, every format)
 *
 * With FORMAT (canonical, json, connect-json, debezium) only that one runs,
 * so a profile (valgrind --tool=callgrind) shows one decoder.
 */
#include "c360/codec.h"
#include "c360/file.h"
#include "c360/schema.h"
#include "codec_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const connect_schema =
    "{\"type\":\"struct\",\"optional\":false,\"name\":\"C360.FINANCIAL_ACCOUNTS_V\",\"fields\":["
    "{\"type\":\"string\",\"optional\":false,\"field\":\"GLOBAL_ACCOUNT_ID\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"PRIMARY_GLOBAL_PARTY_ID\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"JOINT_OWNER_IDS\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"ACCOUNT_TYPE\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"STATUS\"},"
    "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\","
    "\"version\":1,\"parameters\":{\"scale\":\"2\"},\"field\":\"BALANCE\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"CURRENCY_CODE\"},"
    "{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Timestamp\","
    "\"version\":1,\"field\":\"BALANCE_AS_OF\"},"
    "{\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\","
    "\"version\":1,\"field\":\"OPENED_DATE\"},"
    "{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Timestamp\","
    "\"version\":1,\"field\":\"UPDATED_AT\"}]}";

/* Base64 of a 3-byte big-endian unscaled value (enough for the amounts here). */
static void b64_3(unsigned v, char out[5])
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out[0] = tab[(v >> 18) & 63];
    out[1] = tab[(v >> 12) & 63];
    out[2] = tab[(v >> 6) & 63];
    out[3] = tab[v & 63];
    out[4] = '\0';
}

/* Avro binary (spec, "Binary Encoding"): zig-zag varints, length-prefixed
 * strings and bytes, a union as its branch index and then the value. */
static size_t zz(int64_t v, char *out)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    do {
        out[n] = (char)(u & 0x7f);
        u >>= 7;
        out[n++] |= u ? (char)0x80 : 0;
    } while (u);
    return n;
}

static size_t avro_str(const char *s, char *out)
{
    size_t len = strlen(s), n = zz((int64_t)len, out);
    memcpy(out + n, s, len);
    return n + len;
}

/* A financial transaction of the canonical schema in the wire format. */
static int make_avro(long i, char *buf)
{
    char id[32];
    unsigned cents = (unsigned)(i * 7919 % 8000000);
    size_t n = 0;
    memcpy(buf, "\0\0\0\0\1", 5);
    n = 5;
    snprintf(id, sizeof(id), "e-%ld", i);
    n += avro_str(id, buf + n);
    n += zz(0, buf + n); /* UPSERT */
    n += zz(1795426200000 + i, buf + n);
    n += avro_str("snowflake", buf + n);
    snprintf(id, sizeof(id), "TX-%ld", i);
    n += avro_str(id, buf + n);
    snprintf(id, sizeof(id), "gp-%ld", i % 100000);
    n += avro_str(id, buf + n);
    snprintf(id, sizeof(id), "TX-%ld", i);
    n += avro_str(id, buf + n);
    snprintf(id, sizeof(id), "ACC-%ld", i % 200000);
    n += avro_str(id, buf + n);
    n += zz(1, buf + n); /* amount: Money */
    n += zz(3, buf + n); /* 3 bytes of big-endian unscaled value */
    buf[n++] = (char)(cents >> 16);
    buf[n++] = (char)(cents >> 8);
    buf[n++] = (char)cents;
    n += avro_str("USD", buf + n);
    n += zz(1, buf + n);
    n += zz(i % 2, buf + n); /* CREDIT or DEBIT */
    n += zz(1, buf + n);
    n += zz(20776, buf + n); /* 2026-11-19 */
    n += zz(1, buf + n);
    n += avro_str("POSTED", buf + n);
    n += zz(0, buf + n); /* no runningBalance */
    return (int)n;
}

/* A Snowflake row as a JDBC source connector writes it with the AvroConverter
 * (tests/data/avro/financial-transaction/row-jdbc-full/writer.avsc). */
static int make_avro_row(long i, char *buf)
{
    char id[32];
    unsigned cents = (unsigned)(i * 7919 % 8000000);
    size_t n = 0;
    memcpy(buf, "\0\0\0\0\2", 5);
    n = 5;
    n += zz(i, buf + n); /* ROW_ID */
    snprintf(id, sizeof(id), "TX-%ld", i);
    n += avro_str(id, buf + n);
    snprintf(id, sizeof(id), "ACC-%ld", i % 200000);
    n += zz(1, buf + n);
    n += avro_str(id, buf + n);
    snprintf(id, sizeof(id), "gp-%ld", i % 100000);
    n += zz(1, buf + n);
    n += avro_str(id, buf + n);
    n += zz(1, buf + n); /* AMOUNT: 3 bytes of unscaled value */
    n += zz(3, buf + n);
    buf[n++] = (char)(cents >> 16);
    buf[n++] = (char)(cents >> 8);
    buf[n++] = (char)cents;
    n += zz(1, buf + n);
    n += avro_str("USD", buf + n);
    n += zz(1, buf + n);
    n += avro_str(i % 2 ? "CR" : "DR", buf + n);
    n += zz(1, buf + n);
    n += zz(20776, buf + n); /* TRANSACTION_DATE */
    n += zz(1, buf + n);
    n += avro_str("POSTED", buf + n);
    n += zz(0, buf + n); /* no RUNNING_BALANCE */
    n += zz(1, buf + n);
    n += zz(1795426200000 + i, buf + n); /* UPDATED_AT */
    return (int)n;
}

/* Salesforce CDC of FSC person accounts: the first CDC_RECORDS messages
 * create the records, every later one updates a created record's email and
 * mobile phone, merged onto the stored row (the steady state). */
#define CDC_RECORDS 10000
static int make_cdc(long i, char *buf, size_t size)
{
    long r = i % CDC_RECORDS;
    if (i < CDC_RECORDS)
        return snprintf(
            buf, size,
            "{\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":[\"001B%014ld\"],"
            "\"changeType\":\"CREATE\",\"changeOrigin\":\"com/salesforce/api/soap/60.0\","
            "\"transactionKey\":\"tk-%ld\",\"sequenceNumber\":1,\"commitTimestamp\":"
            "1795430000000,\"commitNumber\":1,\"commitUser\":\"0055f000005mc66AAA\","
            "\"nulledFields\":[],\"diffFields\":[],\"changedFields\":[]},"
            "\"Name\":{\"Salutation\":null,\"FirstName\":\"Jane\",\"LastName\":\"Doe%ld\"},"
            "\"PersonEmail\":\"jane%ld@example.com\",\"PersonBirthdate\":\"1984-03-09\","
            "\"Phone\":\"(415) 555-0100\",\"PersonMobilePhone\":null,"
            "\"PersonMailingAddress\":{\"Street\":\"415 Mission Street\",\"City\":"
            "\"San Francisco\",\"PostalCode\":\"94105\",\"Country\":\"US\"},"
            "\"Global_Party_Id__c\":\"gp-%ld\",\"LastModifiedDate\":1795430000000}",
            r, i, r, r, r);
    return snprintf(
        buf, size,
        "{\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":[\"001B%014ld\"],"
        "\"changeType\":\"UPDATE\",\"changeOrigin\":\"com/salesforce/api/soap/60.0\","
        "\"transactionKey\":\"tk-%ld\",\"sequenceNumber\":1,\"commitTimestamp\":%ld,"
        "\"commitNumber\":1,\"commitUser\":\"0055f000005mc66AAA\",\"nulledFields\":[],"
        "\"diffFields\":[],\"changedFields\":[\"PersonEmail\",\"PersonMobilePhone\","
        "\"LastModifiedDate\"]},\"Name\":null,\"PersonEmail\":\"jane.%ld@example.org\","
        "\"PersonBirthdate\":null,\"Phone\":null,\"PersonMobilePhone\":\"+1 415 555 %04ld\","
        "\"PersonMailingAddress\":null,\"Global_Party_Id__c\":null,\"LastModifiedDate\":%ld}",
        r, i, 1795430000000 + i, i, i % 10000, 1795430000000 + i);
}

static int make_message(const char *format, long i, char *buf, size_t size)
{
    unsigned cents = (unsigned)(i * 7919 % 8000000);
    if (strcmp(format, "avro") == 0)
        return make_avro(i, buf);
    if (strcmp(format, "avro-row") == 0)
        return make_avro_row(i, buf);
    if (strcmp(format, "salesforce-cdc") == 0)
        return make_cdc(i, buf, size);
    if (strcmp(format, "canonical") == 0)
        return snprintf(buf, size,
                        "{\"eventId\":\"e-%ld\",\"changeType\":\"UPSERT\",\"occurredAt\":"
                        "\"2026-11-20T09:30:00Z\",\"source\":{\"system\":\"snowflake\","
                        "\"recordId\":\"ACC-%ld\"},\"globalPartyId\":\"gp-%ld\","
                        "\"globalAccountId\":\"ACC-%ld\",\"accountType\":\"SAVINGS\","
                        "\"status\":\"OPEN\",\"balance\":{\"amount\":\"%u.%02u\",\"currency\":"
                        "\"USD\"},\"balanceAsOf\":\"2026-11-19T23:59:59Z\",\"openedDate\":"
                        "\"2019-03-15\"}",
                        i, i, i % 100000, i, cents / 100, cents % 100);
    if (strcmp(format, "json") == 0)
        return snprintf(buf, size,
                        "{\"engagement_id\":\"ENG-%ld\",\"global_party_id\":\"gp-%ld\","
                        "\"session_id\":\"S-%ld\",\"event_time\":\"2026-11-20T10:00:00.250Z\","
                        "\"page_url\":\"https://bank.example/mortgages/rates\",\"subject\":"
                        "\"real_estate\",\"duration_seconds\":%ld}",
                        i, i % 100000, i / 4, i % 3600);
    char b64[5];
    b64_3(cents, b64);
    char row[1024];
    snprintf(row, sizeof(row),
             "{\"GLOBAL_ACCOUNT_ID\":\"ACC-%ld\",\"PRIMARY_GLOBAL_PARTY_ID\":\"gp-%ld\","
             "\"JOINT_OWNER_IDS\":\"gp-%ld\",\"ACCOUNT_TYPE\":\"Savings\",\"STATUS\":\"Open\","
             "\"BALANCE\":\"%s\",\"CURRENCY_CODE\":\"USD\",\"BALANCE_AS_OF\":1795391999000,"
             "\"OPENED_DATE\":17970,\"UPDATED_AT\":1795426200000}",
             i, i % 100000, (i + 1) % 100000, b64);
    if (strcmp(format, "connect-json") == 0)
        return snprintf(buf, size, "{\"schema\":%s,\"payload\":%s}", connect_schema, row);
    /* Debezium through the JsonConverter with schemas (its usual form). */
    return snprintf(buf, size,
                    "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":["
                    "%.*s,\"field\":\"before\"},%.*s,\"field\":\"after\"},"
                    "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
                    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"}]},"
                    "\"payload\":{\"before\":null,\"after\":%s,\"op\":\"u\","
                    "\"ts_ms\":1795426201000}}",
                    (int)strlen(connect_schema) - 1, connect_schema,
                    (int)strlen(connect_schema) - 1, connect_schema, row);
}

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *only = argc > 2 ? argv[2] : NULL;
    static const struct {
        const char *topic, *format;
    } runs[] = {
        {"financial-account", "canonical"},    {"web-engagement", "json"},
        {"financial-account", "connect-json"}, {"financial-account", "debezium"},
        {"financial-transaction", "avro"},     {"financial-transaction", "avro-row"},
        {"individual", "salesforce-cdc"},
    };
    struct c360_topic_set *topics;
    struct c360_schema_set *schemas;
    struct c360_record *rec;
    char *writer, *row_writer;
    size_t writer_len;
    bool failed_any = false;
    if (n < 1 || c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL) ||
        c360_schema_set_load_dir(C360_SOURCE_DIR "/schemas", &schemas, NULL) ||
        c360_file_read(C360_SOURCE_DIR "/schemas/financial_transaction.avsc", 1 << 20, &writer,
                       &writer_len, NULL) ||
        c360_file_read(C360_SOURCE_DIR
                       "/tests/data/avro/financial-transaction/row-jdbc-full/writer.avsc",
                       1 << 20, &row_writer, &writer_len, NULL) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &rec))
        return 1;
    printf("decode + map, one core, %ld messages per format\n", n);
    printf("%-14s %12s %10s %12s\n", "format", "msg/s", "MB/s", "avg bytes");
    for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
        struct c360_codec *codec;
        struct c360_codec_rows *cdc_rows = NULL;
        if (only && strcmp(only, runs[r].format) != 0)
            continue;
        /* "avro" is canonical Avro (the topic without its mapping); "avro-row"
         * a JDBC row through the topic's mapping. */
        struct c360_topic topic = *c360_topic_set_find(topics, runs[r].topic);
        bool canonical_avro = strcmp(runs[r].format, "avro") == 0;
        bool row_avro = strcmp(runs[r].format, "avro-row") == 0;
        if (canonical_avro)
            topic.mapping = "";
        if (c360_codec_new(&topic, row_avro ? "avro" : runs[r].format, &codec, NULL))
            return 1;
        if (canonical_avro && (c360_codec_set_avro(codec, NULL, schemas, NULL) ||
                               c360_avro_add_writer(c360_codec_avro(codec), 1, writer, NULL)))
            return 1;
        if (row_avro && c360_avro_rows_add_writer(c360_codec_avro_rows(codec), 2, row_writer, NULL))
            return 1;
        if (strcmp(runs[r].format, "salesforce-cdc") == 0) {
            if (c360_codec_rows_new(CDC_RECORDS, &cdc_rows))
                return 1;
            c360_codec_set_rows(codec, cdc_rows);
        }
        /* Generate first, so only decoding is timed. */
        size_t cap = 1 << 20, used = 0;
        char *buf = malloc(cap), one[8192];
        size_t *off = malloc(sizeof(size_t) * (size_t)(n + 1));
        for (long i = 0; i < n; i++) {
            size_t len = (size_t)make_message(runs[r].format, i, one, sizeof(one));
            if (len >= sizeof(one))
                return 1;
            while (used + len > cap)
                buf = realloc(buf, cap *= 2);
            memcpy(buf + used, one, len);
            off[i] = used;
            used += len;
        }
        off[n] = used;
        double cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
        long failed = 0; /* a bench on failing input measures nothing */
        for (long i = 0; i < n; i++) {
            struct c360_codec_msg msg = {.topic = "bench",
                                         .offset = i,
                                         .timestamp = 1795426200000,
                                         .value = buf + off[i],
                                         .len = off[i + 1] - off[i]};
            failed += c360_codec_decode(codec, &msg, rec, NULL) != C360_OK;
        }
        double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
        printf("%-14s %12.0f %10.1f %12.0f%s\n", runs[r].format, (double)n / cpu,
               (double)used / cpu / 1e6, (double)used / (double)n,
               failed ? "  (some messages failed!)" : "");
        free(off);
        free(buf);
        c360_codec_destroy(codec);
        c360_codec_rows_destroy(cdc_rows);
        failed_any |= failed != 0;
        if (failed)
            break;
    }
    c360_record_destroy(rec);
    c360_schema_set_destroy(schemas);
    c360_topic_set_destroy(topics);
    free(writer);
    free(row_writer);
    return failed_any ? 1 : 0;
}
