/*
 * c360 identity — rules as configuration: config/identity.json read into the
 * graph's configuration, with the blocklist of junk values and the nickname
 * table. Only c360_identity_rules_load reads files.
 */
#include "c360/file.h"
#include "c360/identity.h"
#include "c360/strmap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES_FILE_MAX (1024 * 1024)
#define NAME_MAX_LEN 64
#define BLOCKLIST_MAX 65536

struct c360_identity_rules {
    struct c360_identity_config cfg;
    char names[C360_IDENTITY_RULES_MAX][NAME_MAX_LEN];
    char default_cc[8];
    char default_country[8];
    char nicknames_file[256];
    struct c360_nicknames *nicknames;
    struct c360_strmap *blocked; /* "kind|value" of every blocklisted value */
    struct c360_golden_rule golden[C360_GOLDEN_ATTRS];
    char golden_sources[C360_GOLDEN_ATTRS][C360_GOLDEN_SOURCES_MAX][NAME_MAX_LEN];
};

static const struct {
    const char *name;
    enum c360_golden_strategy strategy;
} strategies[] = {
    {"mostRecent", C360_GOLDEN_MOST_RECENT},
    {"sourcePriority", C360_GOLDEN_SOURCE_PRIORITY},
    {"mostFrequent", C360_GOLDEN_MOST_FREQUENT},
};

static enum c360_err strategy_of(json_t *v, const char *field, enum c360_golden_strategy *out,
                                 struct c360_diag *diag)
{
    const char *name = json_string_value(v);
    for (size_t i = 0; name && i < sizeof(strategies) / sizeof(strategies[0]); i++) {
        if (strcmp(name, strategies[i].name) == 0) {
            *out = strategies[i].strategy;
            return C360_OK;
        }
    }
    return c360_diag_fail(diag, C360_ERR_INVALID, field,
                          "strategy is mostRecent, sourcePriority or mostFrequent");
}

/* "golden": {"default": S, "attributes": {attr: {"strategy": S, "sources": [...]}}} */
static enum c360_err parse_golden(struct c360_identity_rules *rules, json_t *golden,
                                  struct c360_diag *diag)
{
    enum c360_golden_strategy def = C360_GOLDEN_MOST_RECENT;
    enum c360_err err;
    if (golden && !json_is_object(golden))
        return c360_diag_fail(diag, C360_ERR_INVALID, "golden", "must be an object");
    json_t *d = json_object_get(golden, "default");
    if (d && (err = strategy_of(d, "golden.default", &def, diag)))
        return err;
    for (int a = 0; a < C360_GOLDEN_ATTRS; a++)
        rules->golden[a] = (struct c360_golden_rule){.strategy = def};
    json_t *attrs = json_object_get(golden, "attributes"), *spec;
    const char *name;
    if (attrs && !json_is_object(attrs))
        return c360_diag_fail(diag, C360_ERR_INVALID, "golden.attributes", "must be an object");
    json_object_foreach(attrs, name, spec)
    {
        char field[96];
        int a = 0;
        snprintf(field, sizeof(field), "golden.attributes.%.60s", name);
        while (a < C360_GOLDEN_ATTRS && strcmp(c360_golden_attr_name(a), name) != 0)
            a++;
        if (a == C360_GOLDEN_ATTRS)
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "is not a golden attribute");
        struct c360_golden_rule *rule = &rules->golden[a];
        if ((err = strategy_of(json_object_get(spec, "strategy"), field, &rule->strategy, diag)))
            return err;
        json_t *sources = json_object_get(spec, "sources"), *src;
        size_t i;
        if (rule->strategy == C360_GOLDEN_SOURCE_PRIORITY &&
            (!json_is_array(sources) || json_array_size(sources) == 0 ||
             json_array_size(sources) > C360_GOLDEN_SOURCES_MAX))
            return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                  "sourcePriority needs a list of 1-%d sources",
                                  C360_GOLDEN_SOURCES_MAX);
        json_array_foreach(sources, i, src)
        {
            const char *system = json_string_value(src);
            if (!system || !*system || strlen(system) >= NAME_MAX_LEN ||
                i >= C360_GOLDEN_SOURCES_MAX)
                return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                      "sources are source system names");
            snprintf(rules->golden_sources[a][i], NAME_MAX_LEN, "%s", system);
            rule->sources[i] = rules->golden_sources[a][i];
            rule->n_sources = i + 1;
        }
    }
    return C360_OK;
}

static const struct {
    const char *name;
    enum c360_identity_kind kind;
} kinds[] = {
    {"globalPartyId", C360_IDENTITY_GLOBAL_PARTY_ID},
    {"partyIdentifier", C360_IDENTITY_PARTY_IDENTIFIER},
    {"email", C360_IDENTITY_EMAIL},
    {"phone", C360_IDENTITY_PHONE},
    {"address", C360_IDENTITY_ADDRESS},
};

void c360_identity_rules_free(struct c360_identity_rules *rules)
{
    if (!rules)
        return;
    c360_nicknames_free(rules->nicknames);
    c360_strmap_destroy(rules->blocked);
    free(rules);
}

static enum c360_err size_member(json_t *root, const char *key, size_t def, size_t min, size_t max,
                                 size_t *out, struct c360_diag *diag)
{
    json_t *v = json_object_get(root, key);
    if (!v) {
        *out = def;
        return C360_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min ||
        json_integer_value(v) > (json_int_t)max)
        return c360_diag_fail(diag, C360_ERR_INVALID, key, "must be an integer from %zu to %zu",
                              min, max);
    *out = (size_t)json_integer_value(v);
    return C360_OK;
}

static enum c360_err parse_rule(struct c360_identity_rules *rules, size_t i, json_t *spec,
                                struct c360_diag *diag)
{
    char field[32];
    snprintf(field, sizeof(field), "rules[%zu]", i);
    const char *name = json_string_value(json_object_get(spec, "name"));
    const char *kind = json_string_value(json_object_get(spec, "kind"));
    json_t *threshold = json_object_get(spec, "threshold");
    json_t *nameless = json_object_get(spec, "attachNameless");
    struct c360_identity_rule *r = &rules->cfg.rules[i];
    if (!name || !*name || strlen(name) >= NAME_MAX_LEN)
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "needs a name of 1-%d characters",
                              NAME_MAX_LEN - 1);
    size_t k = 0;
    while (k < sizeof(kinds) / sizeof(kinds[0]) && (!kind || strcmp(kind, kinds[k].name) != 0))
        k++;
    if (k == sizeof(kinds) / sizeof(kinds[0]))
        return c360_diag_fail(diag, C360_ERR_INVALID, field,
                              "kind is globalPartyId, partyIdentifier, email, phone or address");
    snprintf(rules->names[i], NAME_MAX_LEN, "%s", name);
    r->name = rules->names[i];
    r->kind = kinds[k].kind;
    r->threshold = 0.92;
    if (threshold) {
        if (!json_is_number(threshold) || json_number_value(threshold) <= 0 ||
            json_number_value(threshold) > 1)
            return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                  "threshold is a Jaro-Winkler similarity in (0, 1]");
        r->threshold = json_number_value(threshold);
    }
    if (nameless && (!json_is_boolean(nameless) || r->kind != C360_IDENTITY_EMAIL))
        return c360_diag_fail(diag, C360_ERR_INVALID, field,
                              "attachNameless is true or false, on an email rule");
    r->attach_nameless = json_is_true(nameless);
    for (size_t j = 0; j < i; j++) {
        if (strcmp(rules->names[j], name) == 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "a second rule named '%s'", name);
    }
    return C360_OK;
}

/* The blocklist's key of value in list (a one-digit index): "<list>|<value>".
 * false when it does not fit. Built for every value of every record, so
 * without printf. */
#define BLOCK_KEY_SIZE 1024
static bool blocklist_key(size_t list, const char *value, char key[BLOCK_KEY_SIZE])
{
    size_t len = strlen(value);
    if (list > 9 || len + 3 > BLOCK_KEY_SIZE)
        return false;
    key[0] = (char)('0' + list);
    key[1] = '|';
    memcpy(key + 2, value, len + 1);
    return true;
}

static enum c360_err parse_blocklist(struct c360_identity_rules *rules, json_t *blocklist,
                                     struct c360_diag *diag)
{
    static const char *const lists[] = {"globalPartyIds", "emails", "phones", "identifiers"};
    char key[BLOCK_KEY_SIZE];
    enum c360_err err;
    if (!blocklist)
        return C360_OK;
    if (!json_is_object(blocklist))
        return c360_diag_fail(diag, C360_ERR_INVALID, "blocklist", "must be an object of lists");
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        json_t *arr = json_object_get(blocklist, lists[l]), *item;
        size_t i;
        if (arr && !json_is_array(arr))
            return c360_diag_fail(diag, C360_ERR_INVALID, "blocklist",
                                  "%s must be a list of strings", lists[l]);
        json_array_foreach(arr, i, item)
        {
            const char *v = json_string_value(item);
            if (!v || !blocklist_key(l, v, key))
                return c360_diag_fail(diag, C360_ERR_INVALID, "blocklist",
                                      "%s must be a list of strings", lists[l]);
            if ((err = c360_strmap_put(rules->blocked, key, 1)))
                return c360_diag_fail(diag, err, "blocklist", "more than %d values", BLOCKLIST_MAX);
        }
    }
    return C360_OK;
}

enum c360_err c360_identity_rules_parse(const char *text, size_t len, const char *where,
                                        struct c360_identity_rules **out, struct c360_diag *diag)
{
    json_error_t jerr;
    enum c360_err err;
    struct c360_identity_rules *rules = calloc(1, sizeof(*rules));
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    c360_diag_at(diag, where, 0);
    if (!rules || (err = c360_strmap_new(BLOCKLIST_MAX, &rules->blocked))) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    if (!json_is_object(root)) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, NULL, "not a JSON object: %s (line %d)",
                             root ? "another value" : jerr.text, jerr.line);
        goto fail;
    }
    json_t *list = json_object_get(root, "rules"), *spec;
    size_t i;
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > C360_IDENTITY_RULES_MAX) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "rules", "must be a list of 1-%d rules",
                             C360_IDENTITY_RULES_MAX);
        goto fail;
    }
    json_array_foreach(list, i, spec)
    {
        if ((err = parse_rule(rules, i, spec, diag)))
            goto fail;
    }
    rules->cfg.n_rules = json_array_size(list);
    if ((err = size_member(root, "postingsMax", 50, 2, 100000, &rules->cfg.postings_max, diag)) ||
        (err = size_member(root, "clusterMax", 100, 2, 1000000, &rules->cfg.cluster_max, diag)) ||
        (err = size_member(root, "recordsMax", 10000000, 1, 1000000000, &rules->cfg.records_max,
                           diag)) ||
        (err = parse_blocklist(rules, json_object_get(root, "blocklist"), diag)) ||
        (err = parse_golden(rules, json_object_get(root, "golden"), diag)))
        goto fail;
    const char *cc = json_string_value(json_object_get(root, "defaultCountryCode"));
    if (cc && (strlen(cc) == 0 || strlen(cc) > 3 || strspn(cc, "0123456789") != strlen(cc))) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "defaultCountryCode",
                             "is a calling code of 1-3 digits, e.g. 1 or 44");
        goto fail;
    }
    snprintf(rules->default_cc, sizeof(rules->default_cc), "%s", cc ? cc : "");
    const char *country = json_string_value(json_object_get(root, "defaultCountry"));
    if (country && (strlen(country) != 2 || strspn(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 2)) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "defaultCountry",
                             "is an ISO 3166-1 alpha-2 code, e.g. US");
        goto fail;
    }
    snprintf(rules->default_country, sizeof(rules->default_country), "%s", country ? country : "");
    const char *nick = json_string_value(json_object_get(root, "nicknames"));
    snprintf(rules->nicknames_file, sizeof(rules->nicknames_file), "%s", nick ? nick : "");
    json_decref(root);
    *out = rules;
    return C360_OK;
fail:
    json_decref(root);
    c360_identity_rules_free(rules);
    return err;
}

enum c360_err c360_identity_rules_load(const char *path, struct c360_identity_rules **out,
                                       struct c360_diag *diag)
{
    char *text = NULL;
    size_t len;
    enum c360_err err;
    struct c360_identity_rules *rules = NULL;
    if ((err = c360_file_read(path, RULES_FILE_MAX, &text, &len, diag)) ||
        (err = c360_identity_rules_parse(text, len, path, &rules, diag)))
        goto done;
    if (rules->nicknames_file[0]) {
        char nick_path[4096];
        const char *slash = strrchr(path, '/');
        if (rules->nicknames_file[0] == '/' || !slash)
            snprintf(nick_path, sizeof(nick_path), "%s", rules->nicknames_file);
        else
            snprintf(nick_path, sizeof(nick_path), "%.*s/%s", (int)(slash - path), path,
                     rules->nicknames_file);
        if ((err = c360_nicknames_load(nick_path, &rules->nicknames, diag)))
            goto done;
        rules->cfg.nicknames = rules->nicknames;
    }
    *out = rules;
    rules = NULL;
done:
    c360_identity_rules_free(rules);
    free(text);
    return err;
}

const struct c360_identity_config *
c360_identity_rules_config(const struct c360_identity_rules *rules)
{
    return &rules->cfg;
}

const struct c360_golden_rule *c360_identity_rules_golden(const struct c360_identity_rules *rules)
{
    return rules->golden;
}

static bool blocked(const struct c360_identity_rules *rules, size_t list, const char *value)
{
    char key[BLOCK_KEY_SIZE];
    return blocklist_key(list, value, key) && c360_strmap_get(rules->blocked, key, NULL);
}

/* Drops blocklisted values from one of the input's lists, in place. */
static uint8_t filter(const struct c360_identity_rules *rules, size_t list, const char **values,
                      uint8_t n)
{
    uint8_t kept = 0;
    for (uint8_t i = 0; i < n; i++) {
        if (!blocked(rules, list, values[i]))
            values[kept++] = values[i];
    }
    return kept;
}

enum c360_err c360_identity_rules_input(const struct c360_identity_rules *rules,
                                        const struct c360_record *rec, char *buf, size_t size,
                                        struct c360_identity_input *in)
{
    enum c360_err err = c360_identity_input_from_record(
        rec, rules->default_cc, rules->default_country[0] ? rules->default_country : NULL, buf,
        size, in);
    if (err)
        return err;
    if (in->global_party_id && blocked(rules, 0, in->global_party_id))
        in->global_party_id = NULL;
    in->n_emails = filter(rules, 1, in->emails, in->n_emails);
    in->n_phones = filter(rules, 2, in->phones, in->n_phones);
    in->n_identifiers = filter(rules, 3, in->identifiers, in->n_identifiers);
    return C360_OK;
}
