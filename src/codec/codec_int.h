/*
 * c360 codec — what the decoders of this module share: building a canonical
 * record from a JSON object with canonical field names, the last step of
 * every JSON-based format after its envelope is taken apart.
 */
#ifndef C360_CODEC_INT_H
#define C360_CODEC_INT_H

#include "c360/codec.h"

#include <jansson.h>
#include <stdbool.h>

/* Fills rec (already reset to its entity) from obj (borrowed), field by field,
 * then validates. diag names the field in canonical spelling. */
enum c360_err c360_codec_record_from_json(json_t *obj, struct c360_record *rec,
                                          struct c360_diag *diag) C360_MUST_USE;

/*
 * Canonical JSON straight into rec (already reset to its entity) in one
 * checking pass without a DOM (src/codec/jsonread.c), then validates. Accepts
 * and refuses what c360_codec_parse_json + c360_codec_record_from_json do,
 * with the same diagnostics, but for three things done on purpose:
 *   - it nests at most 64 levels (jansson: 2048);
 *   - a money amount given as a JSON real with more than 15 significant
 *     digits, or too small for a double, is refused; through a double some
 *     were taken as a rounded amount (1.0000000000000001 as 1.00, 1e-400 as 0);
 *   - a NUL byte right after a number or a literal is refused; jansson's
 *     stream drops it and accepts [1\0].
 */
enum c360_err c360_codec_json_read(const char *bytes, size_t len, struct c360_record *rec,
                                   struct c360_diag *diag) C360_MUST_USE;

/* Parses a message part (`what`: "the value", "the key") of at most
 * C360_CODEC_VALUE_MAX bytes; *out is new. Accepts, refuses and words
 * exactly as json_loadb with JSON_REJECT_DUPLICATES (jansson refuses invalid
 * UTF-8 and nesting deeper than its fixed limit), which
 * c360_codec_parse_json_jansson calls alone: the reference of the
 * differential tests. c360_codec_parse_json builds the tree with
 * c360_json_dom_read where it can. */
enum c360_err c360_codec_parse_json(const char *bytes, size_t len, const char *what, json_t **out,
                                    struct c360_diag *diag) C360_MUST_USE;
enum c360_err c360_codec_parse_json_jansson(const char *bytes, size_t len, const char *what,
                                            json_t **out, struct c360_diag *diag) C360_MUST_USE;

/* v as json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) writes it, byte for
 * byte (src/codec/jsondump.c), into *buf: grown with realloc (*cap its size,
 * both kept by the caller across calls), NUL-terminated, *len bytes.
 * C360_ERR_NOMEM leaves *buf valid for free. */
enum c360_err c360_json_dump_sorted(json_t *v, char **buf, size_t *cap, size_t *len) C360_MUST_USE;

/* A parsed stream mapping (src/codec/mapping.c). */
struct c360_mapping;

/* Parses mapping text from a topic declaration; "" gives *out = NULL (the
 * input is canonical). *out is new. */
enum c360_err c360_mapping_parse(const char *text, struct c360_mapping **out,
                                 struct c360_diag *diag) C360_MUST_USE;
void c360_mapping_destroy(struct c360_mapping *m);

/*
 * A source row: the fields a mapping takes apart. Either a JSON object (plain
 * JSON, Avro rows, Salesforce CDC, and Connect messages the DOM path reads)
 * or the columns a Connect payload was read into without a DOM
 * (src/codec/connect.c), one per field of its schema, in schema order.
 */
enum c360_row_kind {
    C360_ROW_NULL, /* null, or absent from the payload */
    C360_ROW_STR,  /* str, len: decoded UTF-8 without NUL, not NUL-terminated */
    C360_ROW_INT,
    C360_ROW_REAL,
    C360_ROW_TRUE,
    C360_ROW_FALSE,
    C360_ROW_ROW,   /* a nested struct: row */
    C360_ROW_ARRAY, /* str, len: the array's checked JSON text */
    C360_ROW_JSON,  /* json: an object or array of a JSON row (borrowed) */
};

struct c360_row;

struct c360_row_val {
    enum c360_row_kind kind;
    const char *str;
    size_t len;
    union {
        int64_t i;
        double d;
        const struct c360_row *row;
        json_t *json;
    } as;
};

struct c360_row_col {
    const char *name; /* NUL-terminated */
    struct c360_row_val val;
};

struct c360_row {
    json_t *obj; /* a JSON object (borrowed), or NULL: the columns below */
    const struct c360_row_col *cols;
    size_t n_cols;
    /* Members this row does not have are looked up here (NULL: none): a few
     * members laid over a larger row without copying it. */
    const struct c360_row *under;
};

/* The member `name` of row, else of the rows under it (a borrowed view),
 * into *out; false when none has it. A JSON row's scalars come back typed,
 * its objects and arrays as C360_ROW_JSON. */
bool c360_row_get(const struct c360_row *row, const char *name, struct c360_row_val *out);
/* The same view of one JSON value (borrowed). */
void c360_row_val_of_json(json_t *v, struct c360_row_val *out);
/* v as a new JSON value (NULL: no memory), as the DOM path would have built it. */
json_t *c360_row_val_json(const struct c360_row_val *v);
/* The whole row as a new JSON object (NULL: no memory). */
json_t *c360_row_json(const struct c360_row *row);

/* Builds the canonical object (*out new) from a source row (borrowed). */
enum c360_err c360_mapping_apply(const struct c360_mapping *m, const struct c360_row *source,
                                 const struct c360_codec_msg *msg, json_t **out,
                                 struct c360_diag *diag) C360_MUST_USE;

/*
 * The mapping straight into a record, without the canonical object
 * (src/codec/mapping.c). c360_mapping_direct decides once, for the entity
 * the records are of, whether every target of m is a record field it can
 * fill; c360_mapping_is_direct says what it decided.
 */
void c360_mapping_direct(struct c360_mapping *m, enum c360_entity entity);
bool c360_mapping_is_direct(const struct c360_mapping *m);

/* What codec.c's to_record sets when the mapping does not: the change (of a
 * Debezium envelope; C360_CHANGE_NONE: the mapping's), the time
 * (C360_TIME_NONE: none) and the event id (the message position, or NULL). */
struct c360_mapping_defaults {
    enum c360_change change;
    int64_t occurred_at;
    const char *event_id;
    const char *source_record_id; /* Salesforce CDC's record id, or NULL */
};

/*
 * Fills rec (already reset to its entity) from source as c360_mapping_apply,
 * the defaults and c360_codec_record_from_json would, then validates it.
 * C360_ERR_UNSUPPORTED: not decided here (a mapping that is not direct, or a
 * message the jansson path refuses or reads in a way only it does); rec is
 * then half filled, and the caller resets it and takes the jansson path,
 * which gives the diagnostic. Any other error is final, with diag filled.
 */
enum c360_err c360_mapping_record(const struct c360_mapping *m, const struct c360_row *source,
                                  const struct c360_codec_msg *msg,
                                  const struct c360_mapping_defaults *defaults,
                                  struct c360_record *rec, struct c360_diag *diag) C360_MUST_USE;

/* --- Kafka Connect JSON without a DOM (src/codec/connect.c, jsonread.c). */

/* Memory for one decode's rows and decoded texts, released at once. Every
 * allocation is bounded by the message (C360_CODEC_VALUE_MAX). */
#define C360_ARENA_INLINE 4096
struct c360_arena_chunk;
struct c360_arena {
    struct c360_arena_chunk *chunks; /* on the heap, beyond the inline block */
    char *next;
    size_t left;
    _Alignas(16) char inline_block[C360_ARENA_INLINE];
};

void c360_arena_init(struct c360_arena *arena);
/* n bytes, 16-aligned, valid until c360_arena_release; NULL: no memory. */
void *c360_arena_alloc(struct c360_arena *arena, size_t n);
void c360_arena_release(struct c360_arena *arena);

/*
 * A Connect schema compiled into what converting a payload by it takes: per
 * struct field, the logical type to apply. It decides exactly as the DOM
 * path's connect_convert (codec.c) does; a schema it cannot express so
 * (arrays of converted items, a struct nested as deep as the DOM path's
 * limit, a field named twice) gets no plan and its messages take the DOM path.
 */
enum c360_plan_kind {
    C360_PLAN_ASIS, /* the value as it is */
    C360_PLAN_DECIMAL,
    C360_PLAN_MICROS, /* io.debezium.time.MicroTimestamp → epoch ms */
    C360_PLAN_NANOS,  /* io.debezium.time.NanoTimestamp → epoch ms */
    C360_PLAN_TIMESTAMP,
    C360_PLAN_DATE,
    C360_PLAN_STRUCT,
};

struct c360_plan_field;

struct c360_plan {
    enum c360_plan_kind kind;
    int scale;                      /* C360_PLAN_DECIMAL: the "scale" parameter, -1 when absent */
    struct c360_plan_field *fields; /* C360_PLAN_STRUCT */
    size_t n_fields;
};

struct c360_plan_field {
    char *name;
    size_t len;
    struct c360_plan plan;
};

/* Connect schemas nest structs in structs; real ones are a few levels deep. */
#define C360_CONNECT_DEPTH_MAX 16
/* Schemas one codec keeps compiled (the least recently used one goes), and
 * the largest it keeps: a bigger one is read through the DOM each time. */
#define C360_CONNECT_SCHEMAS_MAX 8
#define C360_CONNECT_SCHEMA_BYTES_MAX (64 * 1024)
/* Fields of one struct a plan holds; more takes the DOM path. */
#define C360_CONNECT_FIELDS_MAX 512

struct c360_connect_cache;

/* *out is new (c360_connect_cache_destroy). */
enum c360_err c360_connect_cache_new(struct c360_connect_cache **out) C360_MUST_USE;
void c360_connect_cache_destroy(struct c360_connect_cache *cache);

/* A cached schema whose exact bytes begin at p (avail bytes there): *len is
 * its length and the result its plan (NULL: a schema the DOM path reads).
 * False when no cached schema matches. */
bool c360_connect_cache_find(struct c360_connect_cache *cache, const char *p, size_t avail,
                             size_t *len, const struct c360_plan **plan);
/* Compiles the schema text [p, p + len), already checked JSON, and caches it
 * when it is small enough; *plan as for find (borrowed from the cache, valid
 * until the next add). */
enum c360_err c360_connect_cache_add(struct c360_connect_cache *cache, const char *p, size_t len,
                                     const struct c360_plan **plan) C360_MUST_USE;

/* What a cache has done, for tests: lookups that hit, schemas compiled, and
 * schemas held now. */
struct c360_connect_cache_stats {
    size_t hits, compiled, held;
};
void c360_connect_cache_stats(const struct c360_connect_cache *cache,
                              struct c360_connect_cache_stats *out);

/*
 * Reads a Connect message {"schema": {…}, "payload": {…}} (these two members
 * in this order, nothing else) into the row of its payload, converted by the
 * schema's plan, in one checking pass: a schema whose bytes are cached is
 * skipped with one comparison. The rows live in arena.
 *
 * C360_OK and C360_ERR_NOMEM are final. Anything else means "not read here"
 * (malformed JSON, a value its schema refuses, a shape without a plan): the
 * caller reads the message through the DOM path, which gives the diagnostic.
 */
enum c360_err c360_connect_read(struct c360_connect_cache *cache, const char *bytes, size_t len,
                                struct c360_arena *arena,
                                const struct c360_row **payload) C360_MUST_USE;

/*
 * Reads a plain JSON message, one object, into a row with a column per
 * member in the message's order (src/codec/jsonread.c): scalars typed as
 * c360_row_val_of_json types them, arrays as their checked text. The rows
 * live in arena. As c360_connect_read: C360_OK and C360_ERR_NOMEM are final;
 * anything else (malformed JSON, a duplicate member, an object inside the
 * row, a NUL in a text) leaves the message to the DOM path.
 */
enum c360_err c360_json_row_read(const char *bytes, size_t len, struct c360_arena *arena,
                                 const struct c360_row **row) C360_MUST_USE;

/*
 * Builds the jansson tree json_loadb(bytes, len, JSON_REJECT_DUPLICATES)
 * would, in one pass of this reader (src/codec/jsonread.c), several times
 * faster. C360_OK (*out new) and C360_ERR_NOMEM are final; anything else
 * means "not built here" (what json_loadb refuses, and what this reader
 * refuses on purpose, as c360_codec_json_read does): the caller asks
 * json_loadb, which gives the diagnostic.
 */
enum c360_err c360_json_dom_read(const char *bytes, size_t len, json_t **out) C360_MUST_USE;

/* A Connect Decimal (base64 text of b64_len bytes: big-endian two's
 * complement, unscaled) as decimal text with `scale` digits after the point. */
enum c360_err c360_codec_connect_decimal(const char *b64, size_t b64_len, int scale,
                                         const char *field, char *buf, size_t size,
                                         struct c360_diag *diag) C360_MUST_USE;

/* The codec's schema cache (NULL unless connect-json or debezium), and a
 * switch that sends every message through the DOM path (differential tests). */
struct c360_connect_cache *c360_codec_connect_cache(const struct c360_codec *codec);
void c360_codec_set_dom_only(struct c360_codec *codec, bool dom_only);
/* A switch that maps every message through the canonical object
 * (c360_mapping_apply), never straight into the record (differential tests). */
void c360_codec_set_mapping_json(struct c360_codec *codec, bool mapping_json);
/* Whether the codec's mapping goes straight into the record. */
bool c360_codec_mapping_direct(const struct c360_codec *codec);

/* A decimal's unscaled value must fit int64; scales as Connect and Avro write them. */
#define C360_CODEC_DECIMAL_SCALE_MAX 18

/* A big-endian two's-complement unscaled value of n bytes (Connect Decimal,
 * Avro decimal) as decimal text with `scale` digits after the point. */
enum c360_err c360_codec_decimal_text(const unsigned char *bytes, size_t n, int scale,
                                      const char *field, char *buf, size_t size,
                                      struct c360_diag *diag) C360_MUST_USE;

/* The Schema Registry wire-format header (magic byte 0, 4-byte big-endian
 * schema id) of a message value of at most C360_CODEC_VALUE_MAX bytes. */
enum c360_err c360_codec_avro_header(const char *bytes, size_t len, int32_t *id,
                                     struct c360_diag *diag) C360_MUST_USE;

/* --- Avro rows for mapped topics (src/codec/avro_row.c): a datum read by
 * its writer schema alone, as a JSON object the topic's mapping takes apart
 * (a JDBC source connector's row, columns and all). */
struct c360_avro_rows;
struct c360_registry;

/* *out is new. reg is borrowed (NULL: only writers added by hand are known). */
enum c360_err c360_avro_rows_new(struct c360_registry *reg,
                                 struct c360_avro_rows **out) C360_MUST_USE;
void c360_avro_rows_destroy(struct c360_avro_rows *rows);
void c360_avro_rows_set_registry(struct c360_avro_rows *rows, struct c360_registry *reg);
/* The writer schema of id from its JSON text, without the registry. */
enum c360_err c360_avro_rows_add_writer(struct c360_avro_rows *rows, int32_t id,
                                        const char *schema_json,
                                        struct c360_diag *diag) C360_MUST_USE;
/* One message value (wire format) as a JSON value (*out new): records as
 * objects, decimals as decimal text, dates as YYYY-MM-DD, timestamps as epoch
 * ms, enums as their symbols, plain bytes as null (they are never mapped). */
enum c360_err c360_avro_rows_decode(struct c360_avro_rows *rows, const char *bytes, size_t len,
                                    json_t **out, struct c360_diag *diag) C360_MUST_USE;

/* A RESYNC record as schemas/resync_request.avsc in JSON (src/codec/sfcdc.c). */
enum c360_err c360_codec_resync_encode(const struct c360_record *rec, enum c360_codec_layout layout,
                                       char **out) C360_MUST_USE;

/* --- Salesforce CDC (src/codec/sfcdc.c). */

/* Decodes part `part` of one CDC event (root, borrowed: the value with any
 * Connect envelope removed) through mapping m; see c360_codec_decode_part.
 * direct: a direct mapping (c360_mapping_direct) may fill the record without
 * the canonical object. */
enum c360_err c360_codec_sfcdc_decode(const struct c360_mapping *m, bool direct,
                                      struct c360_codec_rows *rows, json_t *root,
                                      const struct c360_codec_msg *msg, size_t part,
                                      struct c360_record *rec, size_t *parts,
                                      struct c360_diag *diag) C360_MUST_USE;
/*
 * The Avro decoder of one topic (src/codec/avro.c): Schema Registry wire
 * format, writer schemas resolved against the topic's schema in schemas/.
 */
struct c360_avro;
struct c360_registry;
struct c360_schema_set;

/* A decoder for topic (its schema file is copied); *out is new. */
enum c360_err c360_avro_new(const struct c360_topic *topic, enum c360_entity entity,
                            struct c360_avro **out, struct c360_diag *diag) C360_MUST_USE;
void c360_avro_destroy(struct c360_avro *a);

/* Takes the reader schema from schemas (a reference is kept) and borrows reg
 * (NULL: only writers given to c360_avro_add_writer are known). Once. */
enum c360_err c360_avro_setup(struct c360_avro *a, struct c360_registry *reg,
                              const struct c360_schema_set *schemas,
                              struct c360_diag *diag) C360_MUST_USE;

/* Decodes one message value (wire format) into rec, already reset. */
enum c360_err c360_avro_decode(struct c360_avro *a, const char *bytes, size_t len,
                               struct c360_record *rec, struct c360_diag *diag) C360_MUST_USE;

/* The same with avro-c's resolved reader and generic values, the decoder
 * before the one reading straight from the bytes: kept only for the fuzz target, which
 * checks that both accept and refuse alike, with the same records and
 * diagnostics. */
enum c360_err c360_avro_decode_reference(struct c360_avro *a, const char *bytes, size_t len,
                                         struct c360_record *rec,
                                         struct c360_diag *diag) C360_MUST_USE;

/* Resolves schema_json (an Avro schema, copied) as the writer schema of id
 * without asking the registry: for fuzzing and benchmarks, which need no
 * HTTP. Decoding then runs the same path as for a registry schema. */
enum c360_err c360_avro_add_writer(struct c360_avro *a, int32_t id, const char *schema_json,
                                   struct c360_diag *diag) C360_MUST_USE;

/* The Avro decoder of an avro codec, NULL for other formats; borrowed. */
struct c360_avro *c360_codec_avro(const struct c360_codec *codec);
/* The Avro row reader of an avro codec with a mapping, else NULL; borrowed. */
struct c360_avro_rows *c360_codec_avro_rows(const struct c360_codec *codec);

#endif
