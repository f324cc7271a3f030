/*
 * c360 registry — the Confluent Schema Registry client the Avro decoder uses
 * to turn the schema id of a record (wire format: magic byte 0, 4-byte
 * big-endian id) into the writer schema: GET {url}/schemas/ids/{id} with
 * libcurl, the answer's "schema" string parsed by avro-c, and the result
 * cached for the life of the client.
 *
 * Owns one libcurl easy handle (connections are reused across requests), a
 * capped response buffer, and the cached schemas. Never logs and never touches
 * Kafka: every failure comes back as an enum c360_err with the schema id and
 * the reason in the diag, and the caller decides (the decoder sends the record
 * to the DLQ). Not thread-safe: one client per thread, or a lock around it.
 *
 * Waiting is bounded: a call makes at most max_attempts requests of at most
 * timeout_ms each, with backoffs between them that start at backoff_ms, double
 * and stop growing at backoff_max_ms.
 */
#ifndef C360_REGISTRY_H
#define C360_REGISTRY_H

#include "c360/err.h"

#include <avro.h>
#include <stddef.h>
#include <stdint.h>

/* A response body larger than this is refused (C360_ERR_LIMIT); real Avro
 * schemas are a few KiB. */
#define C360_REGISTRY_BODY_MAX (1024 * 1024)
/* Most schema ids one client caches; also the default when opts leave it 0. */
#define C360_REGISTRY_CACHE_MAX 4096
/* Most attempts per call opts may ask for. */
#define C360_REGISTRY_ATTEMPTS_MAX 100

struct c360_registry_opts {
    const char *url;        /* base URL, e.g. "http://registry:8081" (a trailing '/' is fine) */
    long timeout_ms;        /* per request, connecting included; > 0 */
    int max_attempts;       /* requests per call, 1..C360_REGISTRY_ATTEMPTS_MAX */
    long backoff_ms;        /* pause after the first failed attempt; >= 0 */
    long backoff_max_ms;    /* the pause doubles up to this; >= backoff_ms */
    const char *basic_auth; /* "user:password" for HTTP basic auth, or NULL */
    size_t cache_max;       /* ids cached at most; 0 = C360_REGISTRY_CACHE_MAX, the maximum */
};

struct c360_registry;

/*
 * A client for the registry at opts->url; *out is new (c360_registry_destroy),
 * untouched on failure. Copies what it needs from opts. Bad options are
 * C360_ERR_INVALID naming the option. Sends no request.
 *
 * The first call initialises libcurl globally (once, under pthread_once); the
 * process never calls curl_global_cleanup, as other libcurl users may remain.
 */
enum c360_err c360_registry_new(const struct c360_registry_opts *opts, struct c360_registry **out,
                                struct c360_diag *diag) C360_MUST_USE;
void c360_registry_destroy(struct c360_registry *reg);

/*
 * The writer schema with this id; *out is borrowed, valid until
 * c360_registry_destroy (avro_schema_incref to keep it longer). A cached id
 * sends no request; failures are not cached, so the next call asks again.
 *
 * Transport errors, HTTP 5xx, 404 (a registry replica may not have the id
 * yet) and 429 (rate limited) are retried; after the last attempt a 404 is
 * C360_ERR_NOT_FOUND and the others C360_ERR_IO. Any other status is
 * C360_ERR_IO at once. A body over C360_REGISTRY_BODY_MAX is C360_ERR_LIMIT, an
 * answer that is not {"schema": "<text>", ...} or whose text avro-c rejects is
 * C360_ERR_INVALID, a schemaType other than AVRO or schema references are
 * C360_ERR_UNSUPPORTED. A negative id is C360_ERR_INVALID without a request;
 * a new id when the cache is full is C360_ERR_LIMIT without a request (entries
 * are never evicted, so borrowed schemas stay valid).
 */
enum c360_err c360_registry_schema(struct c360_registry *reg, int32_t id, avro_schema_t *out,
                                   struct c360_diag *diag) C360_MUST_USE;

/* The JSON text of a schema c360_registry_schema has cached for id, exactly as
 * the registry sent it, or NULL. Borrowed like the schema. avro-c 1.11 drops
 * attributes it does not model (logicalType, scale, defaults); readers that
 * need them parse this text. */
const char *c360_registry_schema_text(const struct c360_registry *reg, int32_t id);

#endif
