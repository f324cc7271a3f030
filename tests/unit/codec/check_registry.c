/*
 * Suite codec: the Schema Registry client (src/codec/registry.c) against a
 * stub registry on loopback (http_stub.c) that counts what it is asked.
 */
#include "c360/registry.h"

#include "check_codec.h"

#include "http_stub.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An Avro record schema as the registry returns it: JSON text escaped as the
 * content of a JSON string. */
#define TXN_SCHEMA                                                                                 \
    "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Txn\\\",\\\"fields\\\":[{\\\"name\\\":"         \
    "\\\"id\\\",\\\"type\\\":\\\"string\\\"}]}"
#define TXN_ANSWER "{\"schema\":\"" TXN_SCHEMA "\"}"
#define NOT_FOUND_ANSWER "{\"error_code\":40403,\"message\":\"Schema not found\"}"

static const struct http_stub_reply ok[] = {{.status = 200, .body = TXN_ANSWER}};
static const struct http_stub_reply not_found[] = {{.status = 404, .body = NOT_FOUND_ANSWER}};

/* libcurl honours proxy variables; the stub is on loopback and must be
 * reached directly whatever the environment says. */
static void setup(void)
{
    static const char *const vars[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

/* Options that make tests quick: short pauses, three attempts. */
static struct c360_registry_opts test_opts(const char *url)
{
    struct c360_registry_opts opts = {
        .url = url,
        .timeout_ms = 5000,
        .max_attempts = 3,
        .backoff_ms = 1,
        .backoff_max_ms = 4,
    };
    return opts;
}

static struct c360_registry *registry_new(const struct c360_registry_opts *opts)
{
    struct c360_registry *reg = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_registry_new(opts, &reg, &diag) == C360_OK, "%s: %s", diag.field, diag.text);
    return reg;
}

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Options the constructor refuses, and the option it names. */
static const struct {
    const char *field;
    struct c360_registry_opts opts;
} bad_opts[] = {
    {"url", {NULL, 100, 1, 0, 0, NULL, 0}},
    {"url", {"", 100, 1, 0, 0, NULL, 0}},
    {"url", {"ftp://registry:8081", 100, 1, 0, 0, NULL, 0}},
    {"url", {"registry:8081", 100, 1, 0, 0, NULL, 0}},
    {"timeout_ms", {"http://r:8081", 0, 1, 0, 0, NULL, 0}},
    {"max_attempts", {"http://r:8081", 100, 0, 0, 0, NULL, 0}},
    {"max_attempts", {"http://r:8081", 100, C360_REGISTRY_ATTEMPTS_MAX + 1, 0, 0, NULL, 0}},
    {"backoff_ms", {"http://r:8081", 100, 1, -1, 0, NULL, 0}},
    {"backoff_max_ms", {"http://r:8081", 100, 1, 50, 49, NULL, 0}},
    {"basic_auth", {"http://r:8081", 100, 1, 0, 0, "no-colon-secret", 0}},
    {"cache_max", {"http://r:8081", 100, 1, 0, 0, NULL, C360_REGISTRY_CACHE_MAX + 1}},
};

START_TEST(test_c360_registry_new_rejects_bad_options)
{
    struct c360_registry *reg = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_registry_new(&bad_opts[_i].opts, &reg, &diag), C360_ERR_INVALID);
    ck_assert_ptr_null(reg);
    ck_assert_str_eq(diag.field, bad_opts[_i].field);
    ck_assert_str_eq(diag.where, "schema registry");
    /* A secret is never quoted back. */
    ck_assert_ptr_null(strstr(diag.text, "no-colon-secret"));
}
END_TEST

START_TEST(test_c360_registry_new_sends_no_request)
{
    const struct http_stub_route routes[] = {{"/schemas/ids/1", ok, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    c360_registry_destroy(reg);
    ck_assert_int_eq(http_stub_requests(stub, NULL), 0);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_destroy_accepts_null)
{
    c360_registry_destroy(NULL);
}
END_TEST

START_TEST(test_c360_registry_schema_fetches_parses_and_caches)
{
    const struct http_stub_route routes[] = {
        {"/schemas/ids/9", ok, 1}, {"/schemas/ids/3", ok, 1}, {"/schemas/ids/7", ok, 1}};
    const int32_t ids[] = {9, 3, 7}; /* out of order: the cache keeps them sorted */
    avro_schema_t first[3];
    char head[8192];
    struct http_stub *stub = http_stub_start(routes, 3);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);

    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(c360_registry_schema(reg, ids[i], &first[i], NULL), C360_OK);
        ck_assert(is_avro_record(first[i]));
        ck_assert_str_eq(avro_schema_name(first[i]), "Txn");
    }
    http_stub_last_head(stub, head, sizeof(head));
    ck_assert_ptr_nonnull(strstr(head, "GET /schemas/ids/7 HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(head, "\r\nAccept: application/vnd.schemaregistry.v1+json"));
    /* Second round: the same schemas, no new request. */
    for (size_t i = 0; i < 3; i++) {
        avro_schema_t again;
        ck_assert_int_eq(c360_registry_schema(reg, ids[i], &again, NULL), C360_OK);
        ck_assert_ptr_eq(again, first[i]);
    }
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/9"), 1);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/3"), 1);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/7"), 1);
    ck_assert_int_eq(http_stub_requests(stub, NULL), 3);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_retries_then_succeeds)
{
    const struct http_stub_reply replies[] = {
        {.status = 500, .body = "{\"error_code\":50001,\"message\":\"store error\"}"},
        {.status = 500, .body = ""},
        {.status = 200, .body = TXN_ANSWER},
    };
    const struct http_stub_route routes[] = {{"/schemas/ids/12", replies, 3}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    ck_assert_int_eq(c360_registry_schema(reg, 12, &schema, NULL), C360_OK);
    ck_assert(is_avro_record(schema));
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/12"), 3);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

/* A replica that has not caught up answers 404 before it has the id; 429 is
 * a registry throttling us. Both are worth another attempt. */
START_TEST(test_c360_registry_schema_retries_404_and_429)
{
    const struct http_stub_reply replies[] = {
        {.status = 404, .body = NOT_FOUND_ANSWER},
        {.status = 429, .body = "{\"error_code\":42901,\"message\":\"Rate limit exceeded\"}"},
        {.status = 200, .body = TXN_ANSWER},
    };
    const struct http_stub_route routes[] = {{"/schemas/ids/2", replies, 3}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    ck_assert_int_eq(c360_registry_schema(reg, 2, &schema, NULL), C360_OK);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/2"), 3);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_reports_not_found_after_max_attempts)
{
    const struct http_stub_route routes[] = {{"/schemas/ids/5", not_found, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    opts.max_attempts = 4;
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_registry_schema(reg, 5, &schema, &diag), C360_ERR_NOT_FOUND);
    ck_assert_ptr_null(schema);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/5"), 4);
    ck_assert_msg(strstr(diag.text, "schema id 5 not found in the registry after 4 attempts"), "%s",
                  diag.text);
    ck_assert_msg(strstr(diag.text, "Schema not found (error_code 40403)"), "%s", diag.text);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_reports_server_error_after_max_attempts)
{
    /* The message carries a newline: it must not reach the diag as one. */
    const struct http_stub_reply replies[] = {
        {.status = 503, .body = "{\"error_code\":50003,\"message\":\"leader\\nunknown\"}"}};
    const struct http_stub_route routes[] = {{"/schemas/ids/8", replies, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_registry_schema(reg, 8, &schema, &diag), C360_ERR_IO);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/8"), 3);
    ck_assert_msg(strstr(diag.text, "schema id 8: registry answered HTTP 503 after 3 attempts: "
                                    "leader?unknown (error_code 50003)"),
                  "%s", diag.text);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_does_not_retry_other_4xx)
{
    const struct http_stub_reply replies[] = {
        {.status = 400, .body = "{\"error_code\":400,\"message\":\"Bad Request\"}"}};
    const struct http_stub_route routes[] = {{"/schemas/ids/4", replies, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_registry_schema(reg, 4, &schema, &diag), C360_ERR_IO);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/4"), 1);
    ck_assert_msg(strstr(diag.text, "HTTP 400 after 1 attempt: Bad Request"), "%s", diag.text);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_reports_registry_down)
{
    char url[64];
    struct timespec start;
    http_stub_unused_url(url, sizeof(url));
    struct c360_registry_opts opts = test_opts(url);
    opts.timeout_ms = 1000;
    opts.backoff_ms = 10;
    opts.backoff_max_ms = 20;
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    clock_gettime(CLOCK_MONOTONIC, &start);
    ck_assert_int_eq(c360_registry_schema(reg, 1, &schema, &diag), C360_ERR_IO);
    /* Three attempts of at most 1 s and 30 ms of pauses; refused connections
     * fail at once, so this is far inside the bound. */
    ck_assert_int_lt(elapsed_ms(&start), 3100);
    ck_assert_msg(strstr(diag.text, "schema id 1: registry unreachable after 3 attempts"), "%s",
                  diag.text);
    c360_registry_destroy(reg);
}
END_TEST

START_TEST(test_c360_registry_schema_times_out_a_silent_registry)
{
    /* The stub would answer after 30 s; the client gives up after 200 ms. */
    const struct http_stub_reply replies[] = {
        {.status = 200, .body = TXN_ANSWER, .delay_ms = 30000}};
    const struct http_stub_route routes[] = {{"/schemas/ids/6", replies, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    opts.timeout_ms = 200;
    opts.max_attempts = 2;
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    struct c360_diag diag;
    struct timespec start;
    c360_diag_clear(&diag);
    clock_gettime(CLOCK_MONOTONIC, &start);
    ck_assert_int_eq(c360_registry_schema(reg, 6, &schema, &diag), C360_ERR_IO);
    ck_assert_int_lt(elapsed_ms(&start), 10000);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/6"), 2);
    ck_assert_msg(strstr(diag.text, "unreachable after 2 attempts"), "%s", diag.text);
    ck_assert_msg(strstr(diag.text, "Timeout was reached"), "%s", diag.text);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_backs_off_exponentially)
{
    const struct http_stub_route routes[] = {{"/schemas/ids/3", not_found, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    opts.max_attempts = 4;
    opts.backoff_ms = 100;
    opts.backoff_max_ms = 1000;
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    ck_assert_int_eq(c360_registry_schema(reg, 3, &schema, NULL), C360_ERR_NOT_FOUND);
    /* Pauses of 100, 200 and 400 ms; without doubling they would be 300. A
     * lower bound only: sleeping never ends early. */
    ck_assert_int_ge(elapsed_ms(&start), 700);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/3"), 4);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

/* Answers with status 200 and what the client makes of them; none is
 * retried. */
static const struct {
    const char *name, *body;
    enum c360_err err;
    const char *field, *text;
} answers[] = {
    {"malformed JSON", "{\"schema\":", C360_ERR_INVALID, "", "not JSON"},
    {"empty body", "", C360_ERR_INVALID, "", "not JSON"},
    {"not an object", "[\"" TXN_SCHEMA "\"]", C360_ERR_INVALID, "", "not a JSON object"},
    {"missing schema", "{\"schemaType\":\"AVRO\"}", C360_ERR_INVALID, "schema",
     "has no \"schema\" string"},
    {"schema not a string", "{\"schema\":{\"type\":\"string\"}}", C360_ERR_INVALID, "schema",
     "has no \"schema\" string"},
    {"duplicate key", "{\"schema\":\"\\\"int\\\"\",\"schema\":\"\\\"int\\\"\"}", C360_ERR_INVALID,
     "", "not JSON"},
    {"protobuf", "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}",
     C360_ERR_UNSUPPORTED, "schemaType", "is a PROTOBUF schema"},
    {"json schema", "{\"schemaType\":\"JSON\",\"schema\":\"{}\"}", C360_ERR_UNSUPPORTED,
     "schemaType", "is a JSON schema"},
    {"schemaType not a string", "{\"schemaType\":1,\"schema\":\"\\\"int\\\"\"}", C360_ERR_INVALID,
     "schemaType", "not a string"},
    {"references", "{\"schema\":\"\\\"int\\\"\",\"references\":[{\"name\":\"a\"}]}",
     C360_ERR_UNSUPPORTED, "references", "does not resolve schema references"},
    {"avro-c rejects", "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\"}\"}",
     C360_ERR_INVALID, "schema", "avro-c rejects the schema"},
    {"unknown type", "{\"schema\":\"\\\"NoSuchType\\\"\"}", C360_ERR_INVALID, "schema",
     "avro-c rejects the schema"},
    {"explicit AVRO", "{\"schemaType\":\"AVRO\",\"schema\":\"" TXN_SCHEMA "\"}", C360_OK, "", ""},
    {"empty references", "{\"schema\":\"" TXN_SCHEMA "\",\"references\":[]}", C360_OK, "", ""},
    {"primitive schema", "{\"schema\":\"\\\"string\\\"\",\"schemaType\":null}", C360_OK, "", ""},
    {"extra fields", "{\"schema\":\"" TXN_SCHEMA "\",\"id\":1,\"subject\":\"t-value\"}", C360_OK,
     "", ""},
};

START_TEST(test_c360_registry_schema_judges_answers)
{
    const struct http_stub_reply replies[] = {{.status = 200, .body = answers[_i].body}};
    const struct http_stub_route routes[] = {{"/schemas/ids/31", replies, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_registry_schema(reg, 31, &schema, &diag) == answers[_i].err, "%s: %s",
                  answers[_i].name, diag.text);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/31"), 1);
    if (answers[_i].err == C360_OK) {
        ck_assert_ptr_nonnull(schema);
    } else {
        ck_assert_ptr_null(schema);
        ck_assert_str_eq(diag.field, answers[_i].field);
        ck_assert_msg(strstr(diag.text, "schema id 31") && strstr(diag.text, answers[_i].text),
                      "%s: %s", answers[_i].name, diag.text);
    }
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_does_not_cache_failures)
{
    const struct http_stub_reply replies[] = {
        {.status = 200, .body = "{\"schema\":\"\\\"NoSuchType\\\"\"}"},
        {.status = 200, .body = TXN_ANSWER},
    };
    const struct http_stub_route routes[] = {{"/schemas/ids/10", replies, 2}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    ck_assert_int_eq(c360_registry_schema(reg, 10, &schema, NULL), C360_ERR_INVALID);
    ck_assert_int_eq(c360_registry_schema(reg, 10, &schema, NULL), C360_OK);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/10"), 2);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

/* A valid answer of exactly `size` bytes: a record schema padded with a doc. */
static char *answer_of_size(size_t size)
{
    static const char head[] =
        "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Big\\\","
        "\\\"doc\\\":\\\"";
    static const char tail[] = "\\\",\\\"fields\\\":[]}\"}";
    size_t pad = size - (sizeof(head) - 1) - (sizeof(tail) - 1);
    char *body = malloc(size + 1);
    ck_assert_ptr_nonnull(body);
    memcpy(body, head, sizeof(head) - 1);
    memset(body + sizeof(head) - 1, 'x', pad);
    memcpy(body + sizeof(head) - 1 + pad, tail, sizeof(tail));
    ck_assert_uint_eq(strlen(body), size);
    return body;
}

/* The cap holds whether the registry announces the size (Content-Length) or
 * not (the body ends when the connection closes). */
static const struct {
    size_t size;
    bool no_length;
    enum c360_err err;
} sizes[] = {
    {C360_REGISTRY_BODY_MAX, false, C360_OK},
    {C360_REGISTRY_BODY_MAX, true, C360_OK},
    {C360_REGISTRY_BODY_MAX + 1, false, C360_ERR_LIMIT},
    {C360_REGISTRY_BODY_MAX + 1, true, C360_ERR_LIMIT},
};

START_TEST(test_c360_registry_schema_caps_the_body)
{
    char *body = answer_of_size(sizes[_i].size);
    const struct http_stub_reply replies[] = {
        {.status = 200, .body = body, .no_length = sizes[_i].no_length}};
    const struct http_stub_route routes[] = {{"/schemas/ids/77", replies, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_registry_schema(reg, 77, &schema, &diag) == sizes[_i].err, "%s", diag.text);
    /* An answer over the cap would be as large the next time: not retried. */
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/77"), 1);
    if (sizes[_i].err == C360_ERR_LIMIT)
        ck_assert_msg(strstr(diag.text, "schema id 77: the registry's answer exceeds 1048576"),
                      "%s", diag.text);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
    free(body);
}
END_TEST

START_TEST(test_c360_registry_schema_refuses_announced_oversize_body)
{
    /* The stub claims 5 MiB and sends 2 bytes. A client that read on would
     * see a short transfer and retry it; this one refuses on the announced
     * length, at once. */
    const struct http_stub_reply replies[] = {
        {.status = 200, .body = "{}", .announce = 5 * 1024 * 1024}};
    const struct http_stub_route routes[] = {{"/schemas/ids/78", replies, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_registry_schema(reg, 78, &schema, &diag) == C360_ERR_LIMIT, "%s", diag.text);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/78"), 1);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_rejects_negative_id_without_request)
{
    const struct http_stub_route routes[] = {{"/schemas/ids/1", ok, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_registry_schema(reg, -1, &schema, &diag), C360_ERR_INVALID);
    ck_assert_int_eq(c360_registry_schema(reg, INT32_MIN, &schema, NULL), C360_ERR_INVALID);
    ck_assert_ptr_null(schema);
    ck_assert_ptr_nonnull(strstr(diag.text, "schema id -1"));
    ck_assert_int_eq(http_stub_requests(stub, NULL), 0);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_accepts_url_with_trailing_slash)
{
    const struct http_stub_route routes[] = {{"/schemas/ids/2147483647", ok, 1}};
    struct http_stub *stub = http_stub_start(routes, 1);
    char url[80];
    snprintf(url, sizeof(url), "%s//", http_stub_url(stub));
    struct c360_registry_opts opts = test_opts(url);
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t schema;
    ck_assert_int_eq(c360_registry_schema(reg, INT32_MAX, &schema, NULL), C360_OK);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/2147483647"), 1);
    ck_assert_int_eq(http_stub_requests(stub, NULL), 1);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_sends_basic_auth_when_configured)
{
    const struct http_stub_route routes[] = {{"/schemas/ids/1", ok, 1}, {"/schemas/ids/2", ok, 1}};
    struct http_stub *stub = http_stub_start(routes, 2);
    char head[8192];
    avro_schema_t schema;
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));

    struct c360_registry *reg = registry_new(&opts);
    ck_assert_int_eq(c360_registry_schema(reg, 1, &schema, NULL), C360_OK);
    http_stub_last_head(stub, head, sizeof(head));
    ck_assert_ptr_null(strstr(head, "Authorization:"));
    c360_registry_destroy(reg);

    opts.basic_auth = "svc-c360:s3cret:with-colon"; /* the password may hold colons */
    reg = registry_new(&opts);
    ck_assert_int_eq(c360_registry_schema(reg, 2, &schema, NULL), C360_OK);
    http_stub_last_head(stub, head, sizeof(head));
    /* base64("svc-c360:s3cret:with-colon") */
    ck_assert_msg(strstr(head, "\r\nAuthorization: Basic c3ZjLWMzNjA6czNjcmV0OndpdGgtY29sb24=\r\n"),
                  "%s", head);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

START_TEST(test_c360_registry_schema_refuses_new_ids_when_cache_full)
{
    const struct http_stub_route routes[] = {
        {"/schemas/ids/1", ok, 1}, {"/schemas/ids/2", ok, 1}, {"/schemas/ids/3", ok, 1}};
    struct http_stub *stub = http_stub_start(routes, 3);
    struct c360_registry_opts opts = test_opts(http_stub_url(stub));
    opts.cache_max = 2;
    struct c360_registry *reg = registry_new(&opts);
    avro_schema_t one, two, schema;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_registry_schema(reg, 1, &one, NULL), C360_OK);
    ck_assert_int_eq(c360_registry_schema(reg, 2, &two, NULL), C360_OK);
    ck_assert_int_eq(c360_registry_schema(reg, 3, &schema, &diag), C360_ERR_LIMIT);
    ck_assert_msg(strstr(diag.text, "schema cache is full (2 ids)"), "%s", diag.text);
    ck_assert_int_eq(http_stub_requests(stub, "/schemas/ids/3"), 0);
    /* What is cached stays cached, and borrowed pointers stay valid. */
    ck_assert_int_eq(c360_registry_schema(reg, 1, &schema, NULL), C360_OK);
    ck_assert_ptr_eq(schema, one);
    ck_assert_int_eq(c360_registry_schema(reg, 2, &schema, NULL), C360_OK);
    ck_assert_ptr_eq(schema, two);
    ck_assert_int_eq(http_stub_requests(stub, NULL), 2);
    c360_registry_destroy(reg);
    http_stub_stop(stub);
}
END_TEST

void c360_check_registry_add(Suite *s)
{
    TCase *tc = tcase_create("c360_registry_new");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_loop_test(tc, test_c360_registry_new_rejects_bad_options, 0,
                        sizeof(bad_opts) / sizeof(bad_opts[0]));
    tcase_add_test(tc, test_c360_registry_new_sends_no_request);
    suite_add_tcase(s, tc);

    tc = tcase_create("c360_registry_destroy");
    tcase_add_test(tc, test_c360_registry_destroy_accepts_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("c360_registry_schema");
    tcase_add_checked_fixture(tc, setup, NULL);
    /* Sanitizer builds move a MiB over loopback slowly; the default is 4 s. */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_c360_registry_schema_fetches_parses_and_caches);
    tcase_add_test(tc, test_c360_registry_schema_retries_then_succeeds);
    tcase_add_test(tc, test_c360_registry_schema_retries_404_and_429);
    tcase_add_test(tc, test_c360_registry_schema_reports_not_found_after_max_attempts);
    tcase_add_test(tc, test_c360_registry_schema_reports_server_error_after_max_attempts);
    tcase_add_test(tc, test_c360_registry_schema_does_not_retry_other_4xx);
    tcase_add_test(tc, test_c360_registry_schema_reports_registry_down);
    tcase_add_test(tc, test_c360_registry_schema_times_out_a_silent_registry);
    tcase_add_test(tc, test_c360_registry_schema_backs_off_exponentially);
    tcase_add_loop_test(tc, test_c360_registry_schema_judges_answers, 0,
                        sizeof(answers) / sizeof(answers[0]));
    tcase_add_test(tc, test_c360_registry_schema_does_not_cache_failures);
    tcase_add_loop_test(tc, test_c360_registry_schema_caps_the_body, 0,
                        sizeof(sizes) / sizeof(sizes[0]));
    tcase_add_test(tc, test_c360_registry_schema_refuses_announced_oversize_body);
    tcase_add_test(tc, test_c360_registry_schema_rejects_negative_id_without_request);
    tcase_add_test(tc, test_c360_registry_schema_accepts_url_with_trailing_slash);
    tcase_add_test(tc, test_c360_registry_schema_sends_basic_auth_when_configured);
    tcase_add_test(tc, test_c360_registry_schema_refuses_new_ids_when_cache_full);
    suite_add_tcase(s, tc);
}
