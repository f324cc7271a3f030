/*
 * c360 codec — what the decoders of this module share: building a canonical
 * record from a JSON object with canonical field names, the last step of
 * every JSON-based format after its envelope is taken apart.
 */
#ifndef C360_CODEC_INT_H
#define C360_CODEC_INT_H

#include "c360/codec.h"

#include <jansson.h>

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
 * C360_CODEC_VALUE_MAX bytes; *out is new. jansson refuses invalid UTF-8 and
 * nesting deeper than its fixed limit. */
enum c360_err c360_codec_parse_json(const char *bytes, size_t len, const char *what, json_t **out,
                                    struct c360_diag *diag) C360_MUST_USE;

/* A parsed stream mapping (src/codec/mapping.c). */
struct c360_mapping;

/* Parses mapping text from a topic declaration; "" gives *out = NULL (the
 * input is canonical). *out is new. */
enum c360_err c360_mapping_parse(const char *text, struct c360_mapping **out,
                                 struct c360_diag *diag) C360_MUST_USE;
void c360_mapping_destroy(struct c360_mapping *m);

/* Builds the canonical object (*out new) from a flat source object (borrowed). */
enum c360_err c360_mapping_apply(const struct c360_mapping *m, json_t *source,
                                 const struct c360_codec_msg *msg, json_t **out,
                                 struct c360_diag *diag) C360_MUST_USE;

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
 * Connect envelope removed) through mapping m; see c360_codec_decode_part. */
enum c360_err c360_codec_sfcdc_decode(const struct c360_mapping *m, struct c360_codec_rows *rows,
                                      json_t *root, const struct c360_codec_msg *msg, size_t part,
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
