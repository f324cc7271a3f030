/*
 * c360 config — properties-file parsing and typed access over the property
 * table in props.c.
 */
#include "c360/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A line longer than this is not a setting someone wrote. */
#define CONFIG_LINE_MAX 8192
#define CONFIG_ORIGIN_MAX 300

struct kafka_entry {
    char *key; /* without the kafka. prefix */
    char *value;
    char *origin;
};

struct c360_config {
    char **values; /* per table row; NULL means the default */
    struct kafka_entry kafka[C360_CONFIG_KAFKA_MAX];
    size_t kafka_count;
};

static size_t prop_count(void)
{
    size_t n = 0;
    while (c360_config_props[n].key)
        n++;
    return n;
}

static const struct c360_config_prop *prop_find(const char *key, size_t *index)
{
    for (size_t i = 0; c360_config_props[i].key; i++) {
        if (strcmp(c360_config_props[i].key, key) == 0) {
            if (index)
                *index = i;
            return &c360_config_props[i];
        }
    }
    return NULL;
}

enum c360_err c360_config_new(struct c360_config **out)
{
    struct c360_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        return C360_ERR_NOMEM;
    cfg->values = calloc(prop_count() + 1, sizeof(*cfg->values));
    if (!cfg->values) {
        free(cfg);
        return C360_ERR_NOMEM;
    }
    *out = cfg;
    return C360_OK;
}

void c360_config_destroy(struct c360_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; c360_config_props[i].key; i++)
        free(cfg->values[i]);
    free(cfg->values);
    for (size_t i = 0; i < cfg->kafka_count; i++) {
        free(cfg->kafka[i].key);
        free(cfg->kafka[i].value);
        free(cfg->kafka[i].origin);
    }
    free(cfg);
}

/* Levenshtein distance capped at a small bound: enough to suggest a key for a typo. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

static enum c360_err fail_unknown_key(const char *key, struct c360_diag *diag)
{
    const char *best = NULL;
    size_t best_d = 3; /* suggest only close matches */
    for (size_t i = 0; c360_config_props[i].key; i++) {
        size_t d = edit_distance(key, c360_config_props[i].key);
        if (d < best_d) {
            best_d = d;
            best = c360_config_props[i].key;
        }
    }
    if (best)
        return c360_diag_fail(diag, C360_ERR_INVALID, key,
                              "unknown configuration key (did you mean '%s'?)", best);
    return c360_diag_fail(diag, C360_ERR_INVALID, key,
                          "unknown configuration key (librdkafka settings take the prefix "
                          "'" C360_CONFIG_KAFKA_PREFIX "')");
}

static enum c360_err parse_int(const char *text, int64_t *out)
{
    if (!*text)
        return C360_ERR_INVALID;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end)
        return C360_ERR_INVALID;
    *out = v;
    return C360_OK;
}

static enum c360_err parse_bool(const char *text, bool *out)
{
    if (strcmp(text, "true") == 0) {
        *out = true;
        return C360_OK;
    }
    if (strcmp(text, "false") == 0) {
        *out = false;
        return C360_OK;
    }
    return C360_ERR_INVALID;
}

static bool enum_has(const char *choices, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, value, n) == 0)
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}

static enum c360_err prop_validate(const struct c360_config_prop *prop, const char *value,
                                   struct c360_diag *diag)
{
    int64_t i;
    bool b;
    switch (prop->type) {
    case C360_CONFIG_PROP_STRING:
    case C360_CONFIG_PROP_PATH:
        /* Empty means "not set", which only a setting that is unset by default allows. */
        if (!*value && *prop->def)
            return c360_diag_fail(diag, C360_ERR_INVALID, prop->key, "must not be empty");
        return C360_OK;
    case C360_CONFIG_PROP_INT:
        if (parse_int(value, &i) != C360_OK)
            return c360_diag_fail(diag, C360_ERR_INVALID, prop->key, "'%s' is not an integer",
                                  value);
        if (i < prop->min || i > prop->max)
            return c360_diag_fail(diag, C360_ERR_INVALID, prop->key,
                                  "%lld is out of range [%lld, %lld]", (long long)i,
                                  (long long)prop->min, (long long)prop->max);
        return C360_OK;
    case C360_CONFIG_PROP_BOOL:
        if (parse_bool(value, &b) != C360_OK)
            return c360_diag_fail(diag, C360_ERR_INVALID, prop->key,
                                  "'%s' is not a boolean (true|false)", value);
        return C360_OK;
    case C360_CONFIG_PROP_ENUM:
        if (!enum_has(prop->choices, value))
            return c360_diag_fail(diag, C360_ERR_INVALID, prop->key, "'%s' is not one of %s", value,
                                  prop->choices);
        return C360_OK;
    }
    return c360_diag_fail(diag, C360_ERR_INVALID, prop->key, "unknown property type");
}

static enum c360_err kafka_set(struct c360_config *cfg, const char *key, const char *value,
                               const char *origin, struct c360_diag *diag)
{
    if (!*key)
        return c360_diag_fail(diag, C360_ERR_INVALID, C360_CONFIG_KAFKA_PREFIX,
                              "a librdkafka property name must follow the prefix");
    struct kafka_entry *e = NULL;
    for (size_t i = 0; i < cfg->kafka_count && !e; i++) {
        if (strcmp(cfg->kafka[i].key, key) == 0)
            e = &cfg->kafka[i];
    }
    if (!e && cfg->kafka_count == C360_CONFIG_KAFKA_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, key, "more than %d kafka.* settings",
                              C360_CONFIG_KAFKA_MAX);

    /* A repeated key keeps its place and takes the new value and origin. */
    char *k = e ? NULL : strdup(key), *v = strdup(value), *o = strdup(origin ? origin : "");
    if (!v || !o || (!e && !k)) {
        free(k);
        free(v);
        free(o);
        return C360_ERR_NOMEM;
    }
    if (e) {
        free(e->value);
        free(e->origin);
        e->value = v;
        e->origin = o;
    } else {
        cfg->kafka[cfg->kafka_count++] = (struct kafka_entry){k, v, o};
    }
    return C360_OK;
}

enum c360_err c360_config_set(struct c360_config *cfg, const char *key, const char *value,
                              const char *origin, struct c360_diag *diag)
{
    size_t plen = strlen(C360_CONFIG_KAFKA_PREFIX);
    if (strncmp(key, C360_CONFIG_KAFKA_PREFIX, plen) == 0)
        return kafka_set(cfg, key + plen, value, origin, diag);

    size_t index;
    const struct c360_config_prop *prop = prop_find(key, &index);
    if (!prop)
        return fail_unknown_key(key, diag);
    enum c360_err err = prop_validate(prop, value, diag);
    if (err)
        return err;
    char *copy = strdup(value);
    if (!copy)
        return C360_ERR_NOMEM;
    free(cfg->values[index]);
    cfg->values[index] = copy;
    return C360_OK;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* Splits "key=value" in place; both sides trimmed. */
static enum c360_err split_setting(char *text, char **key, char **value, struct c360_diag *diag)
{
    char *eq = strchr(text, '=');
    if (!eq)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "expected key=value");
    *eq = '\0';
    *key = trim(text);
    *value = trim(eq + 1);
    if (!**key)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "empty key before '='");
    return C360_OK;
}

enum c360_err c360_config_set_arg(struct c360_config *cfg, const char *arg, struct c360_diag *diag)
{
    char *copy = strdup(arg);
    if (!copy)
        return C360_ERR_NOMEM;
    c360_diag_at(diag, "-X", 0);
    char *key, *value;
    enum c360_err err = split_setting(copy, &key, &value, diag);
    if (err == C360_OK)
        err = c360_config_set(cfg, key, value, "-X", diag);
    free(copy);
    return err;
}

/*
 * Reads one line (without its newline) into buf; *eof is set when the input
 * had no more. Every byte counts against the file cap, and a NUL byte is
 * refused: it would end the line early for string functions and let the text
 * after it pass as a setting.
 */
static enum c360_err read_line(FILE *in, char *buf, size_t size, size_t *total, bool *eof,
                               struct c360_diag *diag)
{
    size_t len = 0;
    int c;
    while ((c = getc(in)) != EOF) {
        if (++*total > C360_CONFIG_FILE_MAX)
            return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "file is larger than %d bytes",
                                  C360_CONFIG_FILE_MAX);
        if (c == '\n')
            break;
        if (c == '\0')
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "NUL byte in the file");
        if (len == size - 1)
            return c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "line longer than %zu bytes",
                                  size - 1);
        buf[len++] = (char)c;
    }
    if (ferror(in))
        return c360_diag_fail(diag, C360_ERR_IO, NULL, "read error");
    buf[len] = '\0';
    *eof = c == EOF && len == 0;
    return C360_OK;
}

enum c360_err c360_config_load_stream(struct c360_config *cfg, FILE *in, const char *name,
                                      struct c360_diag *diag)
{
    enum c360_err err;
    char line[CONFIG_LINE_MAX];
    char origin[CONFIG_ORIGIN_MAX];
    size_t total = 0;
    bool eof = false;

    for (long lineno = 1;; lineno++) {
        c360_diag_at(diag, name, lineno);
        if ((err = read_line(in, line, sizeof(line), &total, &eof, diag)))
            return err;
        if (eof)
            break;
        char *text = trim(line);
        if (!*text || *text == '#')
            continue;
        char *key, *value;
        if ((err = split_setting(text, &key, &value, diag)))
            return err;
        snprintf(origin, sizeof(origin), "%s:%ld", name, lineno);
        if ((err = c360_config_set(cfg, key, value, origin, diag)))
            return err;
    }
    c360_diag_at(diag, name, 0);
    return C360_OK;
}

enum c360_err c360_config_load_file(struct c360_config *cfg, const char *path,
                                    struct c360_diag *diag)
{
    c360_diag_at(diag, path, 0);
    FILE *in = fopen(path, "r");
    if (!in)
        return c360_diag_fail(diag, C360_ERR_IO, NULL, "cannot open: %s", strerror(errno));
    enum c360_err err = c360_config_load_stream(cfg, in, path, diag);
    fclose(in);
    return err;
}

const char *c360_config_str(const struct c360_config *cfg, const char *key)
{
    size_t index;
    const struct c360_config_prop *prop = prop_find(key, &index);
    if (!prop)
        return NULL;
    return cfg->values[index] ? cfg->values[index] : prop->def;
}

int64_t c360_config_int(const struct c360_config *cfg, const char *key)
{
    const char *text = c360_config_str(cfg, key);
    int64_t v = 0;
    if (!text || parse_int(text, &v) != C360_OK)
        return 0;
    return v;
}

bool c360_config_bool(const struct c360_config *cfg, const char *key)
{
    const char *text = c360_config_str(cfg, key);
    bool v = false;
    if (!text || parse_bool(text, &v) != C360_OK)
        return false;
    return v;
}

size_t c360_config_kafka_count(const struct c360_config *cfg)
{
    return cfg->kafka_count;
}

void c360_config_kafka_at(const struct c360_config *cfg, size_t i, const char **key,
                          const char **value, const char **origin)
{
    const struct kafka_entry *e = &cfg->kafka[i];
    if (key)
        *key = e->key;
    if (value)
        *value = e->value;
    if (origin)
        *origin = e->origin;
}

const char *c360_config_kafka_get(const struct c360_config *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->kafka_count; i++) {
        if (strcmp(cfg->kafka[i].key, key) == 0)
            return cfg->kafka[i].value;
    }
    return NULL;
}

/* librdkafka's secret-bearing properties all say so in their names. */
static bool is_secret(const char *key)
{
    return strstr(key, "password") || strstr(key, "secret") || strstr(key, "sasl.jaas") ||
           strstr(key, "key.pem") || strstr(key, "token") || strstr(key, "user.info");
}

enum c360_err c360_config_write(const struct c360_config *cfg, FILE *out)
{
    for (size_t i = 0; c360_config_props[i].key; i++) {
        const char *key = c360_config_props[i].key, *value = c360_config_str(cfg, key);
        fprintf(out, "%s=%s\n", key, is_secret(key) && *value ? "********" : value);
    }
    for (size_t i = 0; i < cfg->kafka_count; i++) {
        const struct kafka_entry *e = &cfg->kafka[i];
        fprintf(out, C360_CONFIG_KAFKA_PREFIX "%s=%s\n", e->key,
                is_secret(e->key) ? "********" : e->value);
    }
    return ferror(out) ? C360_ERR_IO : C360_OK;
}

static const char *type_name(const struct c360_config_prop *prop)
{
    switch (prop->type) {
    case C360_CONFIG_PROP_STRING:
        return "string";
    case C360_CONFIG_PROP_PATH:
        return "path";
    case C360_CONFIG_PROP_INT:
        return "integer";
    case C360_CONFIG_PROP_BOOL:
        return "boolean";
    case C360_CONFIG_PROP_ENUM:
        return "one of";
    }
    return "?";
}

enum c360_err c360_config_write_reference(FILE *out)
{
    fputs("# c360 configuration reference\n\n"
          "<!-- Generated by `c360 config --reference` from src/config/props.c; "
          "a test fails when this file is stale. -->\n\n"
          "Settings come from a properties file (`c360 <command> -c FILE`: `key=value` lines, "
          "`#` starts a comment) and from `-X key=value` arguments, which win over the file. "
          "An unknown key fails start-up and names the key.\n\n"
          "| key | type | default | description |\n"
          "|---|---|---|---|\n",
          out);
    for (size_t i = 0; c360_config_props[i].key; i++) {
        const struct c360_config_prop *p = &c360_config_props[i];
        fprintf(out, "| `%s` | %s", p->key, type_name(p));
        if (p->type == C360_CONFIG_PROP_ENUM) {
            /* A bare | splits a Markdown table cell, even inside backticks. */
            fputs(" ", out);
            for (const char *c = p->choices; *c; c++) {
                if (*c == '|')
                    fputs(" \\| ", out);
                else
                    fputc(*c, out);
            }
        }
        if (p->type == C360_CONFIG_PROP_INT)
            fprintf(out, " %lld–%lld", (long long)p->min, (long long)p->max);
        if (p->def_shown)
            fprintf(out, " | %s | %s |\n", p->def_shown, p->doc);
        else
            fprintf(out, " | `%s` | %s |\n", p->def, p->doc);
    }
    fputs("| `kafka.<property>` | librdkafka | librdkafka's | Passed to librdkafka without the "
          "`kafka.` prefix, e.g. `kafka.bootstrap.servers`, `kafka.security.protocol`, "
          "`kafka.sasl.mechanisms`. librdkafka validates each at start-up; a rejected one is "
          "fatal with librdkafka's message. c360 changes one default for every client: "
          "`socket.nagle.disable` is `true` (Java clients' behaviour; with Nagle's algorithm "
          "small requests wait ~40 ms for the peer's delayed ACK). The processor's consumer "
          "also has `queued.max.messages.kbytes` at `262144` (256 MiB) and "
          "`queued.min.messages` at `1000000`: while its queue is full librdkafka fetches "
          "nothing for up to a second. See librdkafka's CONFIGURATION.md. |\n",
          out);
    return ferror(out) ? C360_ERR_IO : C360_OK;
}
