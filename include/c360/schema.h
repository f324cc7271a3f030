/*
 * c360 schema — the Avro schemas in `schemas/` (.avsc), parsed with avro-c.
 * They describe every canonical input and every output record; the Avro
 * decoder resolves writer schemas against them, and the topic declarations
 * name them.
 *
 * Owns the parsed schemas; does no network I/O and no logging. avro-c types
 * stay in the codec layer and never cross into the engine.
 */
#ifndef C360_SCHEMA_H
#define C360_SCHEMA_H

#include "c360/err.h"

#include <avro.h>
#include <stddef.h>

#define C360_SCHEMA_FILE_MAX (256 * 1024)
#define C360_SCHEMA_SET_MAX 64

struct c360_schema_set;

/* Parses every *.avsc in dir (in name order); *out is new
 * (c360_schema_set_destroy), untouched on failure. Fails on the first file
 * avro-c rejects, with avro-c's message in diag. */
enum c360_err c360_schema_set_load_dir(const char *dir, struct c360_schema_set **out,
                                       struct c360_diag *diag) C360_MUST_USE;
void c360_schema_set_destroy(struct c360_schema_set *set);

size_t c360_schema_set_count(const struct c360_schema_set *set);
/* The file name (e.g. "individual.avsc") of schema i; borrowed. */
const char *c360_schema_set_file(const struct c360_schema_set *set, size_t i);
/* The parsed schema of a file, or NULL; borrowed (avro_schema_incref to keep). */
avro_schema_t c360_schema_set_find(const struct c360_schema_set *set, const char *file);

#endif
