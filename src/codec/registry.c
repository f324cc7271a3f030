/*
 * c360 registry — writer schemas from the Confluent Schema Registry
 * (GET /schemas/ids/{id}), fetched with libcurl and cached by id.
 */
#include "c360/registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REG_WHERE "schema registry"
#define REG_URL_MAX 2048
/* Room after the base URL for "/schemas/ids/-2147483648" and the NUL. */
#define REG_PATH_ROOM 32
/* Registry messages quoted in a diagnostic are cut to this many bytes. */
#define REG_MESSAGE_MAX 200

struct reg_entry {
    int32_t id;
    avro_schema_t schema; /* owned */
    char *text;           /* owned: the schema as the registry wrote it */
};

struct c360_registry {
    CURL *curl;
    struct curl_slist *headers;
    char *url; /* the base URL, then the path of the current request */
    size_t base_len;
    int max_attempts;
    long backoff_ms;
    long backoff_max_ms;
    char errbuf[CURL_ERROR_SIZE];
    /* The response body, NUL-terminated; at most C360_REGISTRY_BODY_MAX bytes. */
    char *body;
    size_t body_len;
    size_t body_cap;
    bool body_over;
    bool body_nomem;
    /* The cache, sorted by id; never more than cache_max entries. */
    struct reg_entry *entries;
    size_t count;
    size_t cap;
    size_t cache_max;
};

/* What one request came back with. */
struct reg_answer {
    CURLcode rc;
    long status; /* the HTTP status when rc is CURLE_OK */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe in every libcurl build, so it runs
 * once for the process; curl_global_cleanup is never called because other
 * libcurl users in the process may remain. */
static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Sets the diagnostic of a failed call; the registry is always the place.
 * The text may quote the registry, jansson or avro-c, all of which may quote
 * bytes from the network: control characters become '?', so none can split a
 * log line or a DLQ header. */
static enum c360_err reg_fail(struct c360_diag *diag, enum c360_err err, const char *field,
                              const char *fmt, ...) C360_PRINTF(4, 5);

static enum c360_err reg_fail(struct c360_diag *diag, enum c360_err err, const char *field,
                              const char *fmt, ...)
{
    char text[sizeof(diag->text)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (char *c = text; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    }
    c360_diag_at(diag, REG_WHERE, 0);
    return c360_diag_fail(diag, err, field, "%s", text);
}

static size_t body_write(char *data, size_t size, size_t nmemb, void *opaque)
{
    struct c360_registry *reg = opaque;
    size_t n = size * nmemb; /* libcurl promises size == 1 */
    if (n > C360_REGISTRY_BODY_MAX - reg->body_len) {
        reg->body_over = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (reg->body_len + n + 1 > reg->body_cap) {
        size_t cap = reg->body_cap ? reg->body_cap : 4096;
        while (cap < reg->body_len + n + 1)
            cap *= 2;
        if (cap > C360_REGISTRY_BODY_MAX + 1)
            cap = C360_REGISTRY_BODY_MAX + 1;
        char *body = realloc(reg->body, cap);
        if (!body) {
            reg->body_nomem = true;
            return 0;
        }
        reg->body = body;
        reg->body_cap = cap;
    }
    memcpy(reg->body + reg->body_len, data, n);
    reg->body_len += n;
    reg->body[reg->body_len] = '\0';
    return n;
}

void c360_registry_destroy(struct c360_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->count; i++) {
        avro_schema_decref(reg->entries[i].schema);
        free(reg->entries[i].text);
    }
    free(reg->entries);
    free(reg->body);
    curl_easy_cleanup(reg->curl);
    curl_slist_free_all(reg->headers);
    free(reg->url);
    free(reg);
}

static enum c360_err opts_check(const struct c360_registry_opts *opts, struct c360_diag *diag)
{
    const char *url = opts->url;
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return reg_fail(diag, C360_ERR_INVALID, "url", "must start with http:// or https://");
    if (strlen(url) > REG_URL_MAX)
        return reg_fail(diag, C360_ERR_INVALID, "url", "longer than %d bytes", REG_URL_MAX);
    if (opts->timeout_ms <= 0)
        return reg_fail(diag, C360_ERR_INVALID, "timeout_ms", "must be positive, not %ld",
                        opts->timeout_ms);
    if (opts->max_attempts < 1 || opts->max_attempts > C360_REGISTRY_ATTEMPTS_MAX)
        return reg_fail(diag, C360_ERR_INVALID, "max_attempts", "must be 1 to %d, not %d",
                        C360_REGISTRY_ATTEMPTS_MAX, opts->max_attempts);
    if (opts->backoff_ms < 0)
        return reg_fail(diag, C360_ERR_INVALID, "backoff_ms", "must not be negative");
    if (opts->backoff_max_ms < opts->backoff_ms)
        return reg_fail(diag, C360_ERR_INVALID, "backoff_max_ms", "must be at least backoff_ms");
    if (opts->cache_max > C360_REGISTRY_CACHE_MAX)
        return reg_fail(diag, C360_ERR_INVALID, "cache_max", "must be at most %d",
                        C360_REGISTRY_CACHE_MAX);
    /* The value is a secret: the message never quotes it. */
    if (opts->basic_auth && !strchr(opts->basic_auth, ':'))
        return reg_fail(diag, C360_ERR_INVALID, "basic_auth", "must be user:password");
    return C360_OK;
}

/* The options every request shares. NOSIGNAL because c360 is threaded and
 * libcurl's signal use (SIGALRM for DNS timeouts) is process-wide; the
 * size cap is checked twice: up front from Content-Length
 * (CURLOPT_MAXFILESIZE_LARGE) and as bytes arrive (body_write). */
static bool curl_configure(struct c360_registry *reg, const struct c360_registry_opts *opts)
{
    CURL *curl = reg->curl;
    if (curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) ||
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") ||
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L) ||
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, opts->timeout_ms) ||
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, opts->timeout_ms) ||
        curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)C360_REGISTRY_BODY_MAX) ||
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_write) ||
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, reg) ||
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, reg->errbuf) ||
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "c360") ||
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, reg->headers))
        return false;
    if (opts->basic_auth && (curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) ||
                             curl_easy_setopt(curl, CURLOPT_USERPWD, opts->basic_auth)))
        return false;
    return true;
}

enum c360_err c360_registry_new(const struct c360_registry_opts *opts, struct c360_registry **out,
                                struct c360_diag *diag)
{
    enum c360_err err;
    struct c360_registry *reg = NULL;

    if ((err = opts_check(opts, diag)))
        return err;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return reg_fail(diag, C360_ERR_UNSUPPORTED, NULL, "libcurl does not initialise: %s",
                        curl_easy_strerror(curl_init_rc));
    if (!(reg = calloc(1, sizeof(*reg))))
        return C360_ERR_NOMEM;
    reg->max_attempts = opts->max_attempts;
    reg->backoff_ms = opts->backoff_ms;
    reg->backoff_max_ms = opts->backoff_max_ms;
    reg->cache_max = opts->cache_max ? opts->cache_max : C360_REGISTRY_CACHE_MAX;
    /* Trailing slashes go, so "http://h:8081/" and "http://h:8081" ask for the same path. */
    reg->base_len = strlen(opts->url);
    while (reg->base_len > 0 && opts->url[reg->base_len - 1] == '/')
        reg->base_len--;
    err = C360_ERR_NOMEM;
    if (!(reg->url = malloc(reg->base_len + REG_PATH_ROOM)))
        goto fail;
    memcpy(reg->url, opts->url, reg->base_len);
    reg->url[reg->base_len] = '\0';
    /* The media types Confluent's registry documents, newest first. */
    reg->headers = curl_slist_append(NULL, "Accept: application/vnd.schemaregistry.v1+json, "
                                           "application/vnd.schemaregistry+json, "
                                           "application/json");
    if (!reg->headers || !(reg->curl = curl_easy_init()))
        goto fail;
    if (!curl_configure(reg, opts)) {
        err = reg_fail(diag, C360_ERR_UNSUPPORTED, NULL,
                       "libcurl %s refuses an option c360 needs (7.85 or later is required)",
                       curl_version_info(CURLVERSION_NOW)->version);
        goto fail;
    }
    *out = reg;
    return C360_OK;
fail:
    c360_registry_destroy(reg);
    return err;
}

/* Where id is in the cache, or where it would go; *found says which. */
static size_t cache_search(const struct c360_registry *reg, int32_t id, bool *found)
{
    size_t lo = 0, hi = reg->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (reg->entries[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < reg->count && reg->entries[lo].id == id;
    return lo;
}

/* Inserts at pos, which cache_search gave; the cache takes the schema. The
 * caller has checked that count < cache_max. */
static enum c360_err cache_insert(struct c360_registry *reg, size_t pos, int32_t id,
                                  avro_schema_t schema, char *text)
{
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 16;
        if (cap > reg->cache_max)
            cap = reg->cache_max;
        struct reg_entry *entries = realloc(reg->entries, cap * sizeof(*entries));
        if (!entries)
            return C360_ERR_NOMEM;
        reg->entries = entries;
        reg->cap = cap;
    }
    memmove(reg->entries + pos + 1, reg->entries + pos,
            (reg->count - pos) * sizeof(reg->entries[0]));
    reg->entries[pos].id = id;
    reg->entries[pos].schema = schema;
    reg->entries[pos].text = text;
    reg->count++;
    return C360_OK;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/* One GET of the URL already set; the body lands in reg->body. */
static struct reg_answer request(struct c360_registry *reg)
{
    struct reg_answer ans = {CURLE_OK, 0};
    reg->body_len = 0;
    reg->body_over = false;
    reg->body_nomem = false;
    reg->errbuf[0] = '\0';
    if (reg->body)
        reg->body[0] = '\0';
    ans.rc = curl_easy_perform(reg->curl);
    if (ans.rc == CURLE_OK)
        curl_easy_getinfo(reg->curl, CURLINFO_RESPONSE_CODE, &ans.status);
    return ans;
}

/* Registries answer errors with {"error_code": 40403, "message": "…"}; this
 * quotes them, or says the body held neither. */
static void error_message(const struct c360_registry *reg, char *buf, size_t size)
{
    json_t *root = reg->body_len ? json_loadb(reg->body, reg->body_len, 0, NULL) : NULL; /* new */
    json_t *message = json_object_get(root, "message");
    json_t *code = json_object_get(root, "error_code");
    if (json_is_string(message) && json_is_integer(code))
        snprintf(buf, size, "%.*s (error_code %" JSON_INTEGER_FORMAT ")", REG_MESSAGE_MAX,
                 json_string_value(message), json_integer_value(code));
    else if (json_is_string(message))
        snprintf(buf, size, "%.*s", REG_MESSAGE_MAX, json_string_value(message));
    else
        snprintf(buf, size, "no error message");
    json_decref(root);
}

/* The diagnostic of the last failed attempt. */
static enum c360_err fetch_fail(struct c360_registry *reg, int32_t id, struct reg_answer ans,
                                int attempts, struct c360_diag *diag)
{
    const char *plural = attempts == 1 ? "" : "s";
    char message[REG_MESSAGE_MAX + 64];
    if (ans.rc != CURLE_OK)
        return reg_fail(diag, C360_ERR_IO, NULL,
                        "schema id %" PRId32 ": registry unreachable after %d attempt%s: %s (%s)",
                        id, attempts, plural, reg->errbuf, curl_easy_strerror(ans.rc));
    error_message(reg, message, sizeof(message));
    if (ans.status == 404)
        return reg_fail(diag, C360_ERR_NOT_FOUND, NULL,
                        "schema id %" PRId32 " not found in the registry after %d attempt%s: %s",
                        id, attempts, plural, message);
    return reg_fail(diag, C360_ERR_IO, NULL,
                    "schema id %" PRId32 ": registry answered HTTP %ld after %d attempt%s: %s", id,
                    ans.status, attempts, plural, message);
}

/* A failure another attempt may cure: the network, a registry in trouble
 * (5xx), one that throttles us (429), or a replica that has not yet caught
 * up with the id a producer just registered (404). Any other status is a
 * final answer (bad credentials, a bad request). */
static bool retryable(struct reg_answer ans)
{
    return ans.rc != CURLE_OK || ans.status == 404 || ans.status == 429 ||
           (ans.status >= 500 && ans.status <= 599);
}

/* GETs /schemas/ids/{id} until a 200 or the last attempt; a 200's body is in
 * reg->body. */
static enum c360_err fetch(struct c360_registry *reg, int32_t id, struct c360_diag *diag)
{
    snprintf(reg->url + reg->base_len, REG_PATH_ROOM, "/schemas/ids/%" PRId32, id);
    if (curl_easy_setopt(reg->curl, CURLOPT_URL, reg->url) != CURLE_OK)
        return C360_ERR_NOMEM; /* libcurl copies the URL; nothing else can fail */
    long backoff = reg->backoff_ms;
    for (int attempt = 1;; attempt++) {
        struct reg_answer ans = request(reg);
        if (reg->body_nomem)
            return C360_ERR_NOMEM;
        /* A body over the cap would be as large the next time. */
        if (reg->body_over || ans.rc == CURLE_FILESIZE_EXCEEDED)
            return reg_fail(diag, C360_ERR_LIMIT, NULL,
                            "schema id %" PRId32 ": the registry's answer exceeds %d bytes", id,
                            C360_REGISTRY_BODY_MAX);
        if (ans.rc == CURLE_OK && ans.status == 200)
            return C360_OK;
        if (!retryable(ans) || attempt == reg->max_attempts)
            return fetch_fail(reg, id, ans, attempt, diag);
        pause_ms(backoff);
        backoff = backoff > reg->backoff_max_ms / 2 ? reg->backoff_max_ms : backoff * 2;
    }
}

/* Turns a 200 answer, {"schema": "<Avro schema JSON>", "schemaType": …,
 * "references": […]}, into a schema; *out is new. The body is at most
 * C360_REGISTRY_BODY_MAX bytes and jansson caps nesting at
 * JSON_PARSER_MAX_DEPTH, so parsing is bounded. */
static enum c360_err parse(const struct c360_registry *reg, int32_t id, avro_schema_t *out,
                           char **text, struct c360_diag *diag)
{
    enum c360_err err;
    json_error_t jerr;
    /* An empty answer leaves the buffer unallocated; jansson wants a buffer. */
    const char *body = reg->body ? reg->body : "";
    json_t *root = json_loadb(body, reg->body_len, JSON_REJECT_DUPLICATES, &jerr); /* new */
    if (!root)
        return reg_fail(diag, C360_ERR_INVALID, NULL,
                        "schema id %" PRId32 ": the registry's answer is not JSON: %s (line %d, "
                        "column %d)",
                        id, jerr.text, jerr.line, jerr.column);
    if (!json_is_object(root)) {
        err = reg_fail(diag, C360_ERR_INVALID, NULL,
                       "schema id %" PRId32 ": the registry's answer is not a JSON object", id);
        goto fail;
    }
    /* The registry leaves schemaType out for Avro, the type it began with. */
    json_t *type = json_object_get(root, "schemaType");
    if (type && !json_is_null(type)) {
        if (!json_is_string(type)) {
            err = reg_fail(diag, C360_ERR_INVALID, "schemaType",
                           "schema id %" PRId32 ": not a string", id);
            goto fail;
        }
        if (strcmp(json_string_value(type), "AVRO") != 0) {
            err = reg_fail(diag, C360_ERR_UNSUPPORTED, "schemaType",
                           "schema id %" PRId32 " is a %.32s schema; c360 decodes only AVRO", id,
                           json_string_value(type));
            goto fail;
        }
    }
    /* Referenced schemas would need more requests, by subject and version,
     * and avro-c cannot parse a schema against named types it does not hold. */
    json_t *refs = json_object_get(root, "references");
    if (refs && !json_is_null(refs) && (!json_is_array(refs) || json_array_size(refs) > 0)) {
        err = reg_fail(diag, C360_ERR_UNSUPPORTED, "references",
                       "schema id %" PRId32 " refers to other schemas; c360 does not resolve "
                       "schema references",
                       id);
        goto fail;
    }
    json_t *schema_text = json_object_get(root, "schema");
    if (!json_is_string(schema_text)) {
        err = reg_fail(diag, C360_ERR_INVALID, "schema",
                       "schema id %" PRId32 ": the registry's answer has no \"schema\" string", id);
        goto fail;
    }
    avro_schema_t schema;
    if (avro_schema_from_json_length(json_string_value(schema_text),
                                     json_string_length(schema_text), &schema) != 0) {
        err = reg_fail(diag, C360_ERR_INVALID, "schema",
                       "schema id %" PRId32 ": avro-c rejects the schema: %s", id, avro_strerror());
        goto fail;
    }
    if (!(*text = strdup(json_string_value(schema_text)))) {
        avro_schema_decref(schema);
        err = C360_ERR_NOMEM;
        goto fail;
    }
    *out = schema;
    err = C360_OK;
fail:
    json_decref(root);
    return err;
}

enum c360_err c360_registry_schema(struct c360_registry *reg, int32_t id, avro_schema_t *out,
                                   struct c360_diag *diag)
{
    enum c360_err err;
    bool found;
    avro_schema_t schema;
    char *text;

    if (id < 0)
        return reg_fail(diag, C360_ERR_INVALID, NULL,
                        "schema id %" PRId32 " is negative; registries assign none", id);
    size_t pos = cache_search(reg, id, &found);
    if (found) {
        *out = reg->entries[pos].schema;
        return C360_OK;
    }
    /* Evicting would free schemas callers still borrow, so a full cache
     * refuses new ids instead. */
    if (reg->count >= reg->cache_max)
        return reg_fail(diag, C360_ERR_LIMIT, NULL,
                        "schema id %" PRId32 ": the schema cache is full (%zu ids)", id,
                        reg->cache_max);
    if ((err = fetch(reg, id, diag)) || (err = parse(reg, id, &schema, &text, diag)))
        return err;
    if ((err = cache_insert(reg, pos, id, schema, text))) {
        avro_schema_decref(schema);
        free(text);
        return err;
    }
    *out = schema;
    return C360_OK;
}

const char *c360_registry_schema_text(const struct c360_registry *reg, int32_t id)
{
    bool found;
    size_t pos = cache_search(reg, id, &found);
    return found ? reg->entries[pos].text : NULL;
}
