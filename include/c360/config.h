/*
 * c360 config — the processor's settings: a properties file (`key=value`, `#`
 * comments) plus `-X key=value` overrides, checked against one property table
 * (key, type, default, doc) that also generates the configuration reference.
 *
 * Unknown keys fail, naming the key. Keys under `kafka.` are not interpreted
 * here: they are kept, in order, for the kafka module to hand to librdkafka,
 * which is the judge of their validity.
 *
 * Owns the strings it stores; does no logging.
 */
#ifndef C360_CONFIG_H
#define C360_CONFIG_H

#include "c360/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Everything after this prefix goes to librdkafka unchanged. */
#define C360_CONFIG_KAFKA_PREFIX "kafka."

/* Caps: a configuration is written by people, never megabytes of it. */
#define C360_CONFIG_FILE_MAX (1024 * 1024)
#define C360_CONFIG_KAFKA_MAX 256

enum c360_config_prop_type {
    C360_CONFIG_PROP_STRING,
    C360_CONFIG_PROP_PATH,
    C360_CONFIG_PROP_INT,
    C360_CONFIG_PROP_BOOL,
    C360_CONFIG_PROP_ENUM,
};

/* One row of the property table. */
struct c360_config_prop {
    const char *key;
    enum c360_config_prop_type type;
    const char *def;       /* default as text */
    const char *def_shown; /* default as the reference shows it, when def is machine-specific */
    const char *doc;
    int64_t min, max;    /* C360_CONFIG_PROP_INT bounds, inclusive */
    const char *choices; /* C360_CONFIG_PROP_ENUM: "a|b|c" */
};

/* The table, in the order the reference lists it; ends with a zeroed row. */
extern const struct c360_config_prop c360_config_props[];

struct c360_config;

/* A new configuration holding the defaults; *out is new (c360_config_destroy). */
enum c360_err c360_config_new(struct c360_config **out) C360_MUST_USE;
void c360_config_destroy(struct c360_config *cfg);

/* Applies every line of a properties stream; `name` (a file name) goes into
 * diagnostics. Reading stops at the first bad line. */
enum c360_err c360_config_load_stream(struct c360_config *cfg, FILE *in, const char *name,
                                      struct c360_diag *diag) C360_MUST_USE;

/* Applies every line of a properties file. diag gets file:line and the key. */
enum c360_err c360_config_load_file(struct c360_config *cfg, const char *path,
                                    struct c360_diag *diag) C360_MUST_USE;

/* Sets one key (table key or kafka.*); validates its value by type. `origin`
 * (e.g. "c360.properties:4" or "-X") is remembered for later error messages. */
enum c360_err c360_config_set(struct c360_config *cfg, const char *key, const char *value,
                              const char *origin, struct c360_diag *diag) C360_MUST_USE;

/* Sets "key=value" as given to -X. */
enum c360_err c360_config_set_arg(struct c360_config *cfg, const char *arg,
                                  struct c360_diag *diag) C360_MUST_USE;

/* Typed getters for table keys (borrowed strings). A key not in the table is a
 * programming error: str returns NULL, int 0, bool false. */
const char *c360_config_str(const struct c360_config *cfg, const char *key);
int64_t c360_config_int(const struct c360_config *cfg, const char *key);
bool c360_config_bool(const struct c360_config *cfg, const char *key);

/* The kafka.* settings in the order they were set (later ones replace earlier
 * ones in place). key is without the prefix; all strings borrowed. */
size_t c360_config_kafka_count(const struct c360_config *cfg);
void c360_config_kafka_at(const struct c360_config *cfg, size_t i, const char **key,
                          const char **value, const char **origin);
/* The value of kafka.<key>, or NULL. */
const char *c360_config_kafka_get(const struct c360_config *cfg, const char *key);

/* Writes the effective configuration as a properties file; secrets masked. */
enum c360_err c360_config_write(const struct c360_config *cfg, FILE *out) C360_MUST_USE;

/* Writes the configuration reference (Markdown) generated from the table. */
enum c360_err c360_config_write_reference(FILE *out) C360_MUST_USE;

#endif
