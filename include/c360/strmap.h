/*
 * c360 core — a map from strings to 32-bit values (open addressing, linear
 * probing, FNV-1a), for indexes the engine keeps: record keys to records,
 * blocking keys to posting lists. Keys are copied in; the map grows by
 * doubling up to a hard cap on entries given at creation, so input never
 * decides how much memory it takes. No I/O, no logging.
 */
#ifndef C360_STRMAP_H
#define C360_STRMAP_H

#include "c360/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct c360_strmap;

/* A map of at most max entries; *out is new (c360_strmap_destroy). */
enum c360_err c360_strmap_new(size_t max, struct c360_strmap **out) C360_MUST_USE;
void c360_strmap_destroy(struct c360_strmap *map);

/* The value of key, true when present. */
bool c360_strmap_get(const struct c360_strmap *map, const char *key, uint32_t *value);
/* Sets key (copied) to value; C360_ERR_LIMIT when a new key would exceed the cap. */
enum c360_err c360_strmap_put(struct c360_strmap *map, const char *key,
                              uint32_t value) C360_MUST_USE;
/* Removes key; false when it was absent. */
bool c360_strmap_del(struct c360_strmap *map, const char *key);
size_t c360_strmap_count(const struct c360_strmap *map);
/* Bytes the map holds (table and keys), for state-size reports. */
size_t c360_strmap_bytes(const struct c360_strmap *map);

#endif
