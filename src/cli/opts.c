/*
 * c360 cli — option handling shared by every command.
 */
#include "cli.h"

#include "c360/kafka.h"
#include "c360/log.h"
#include "c360/schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int c360_cli_conf_opt(struct c360_cli_conf *cc, int opt, const char *arg)
{
    switch (opt) {
    case 'c':
        cc->file = arg;
        return 1;
    case 'X':
        if (cc->n_overrides == C360_CLI_OVERRIDES_MAX) {
            fprintf(stderr, "c360: more than %d -X options\n", C360_CLI_OVERRIDES_MAX);
            return -1;
        }
        cc->overrides[cc->n_overrides++] = arg;
        return 1;
    case C360_OPT_BOOTSTRAP:
        cc->bootstrap = arg;
        return 1;
    default:
        return 0;
    }
}

void c360_cli_report(const char *command, enum c360_err err, const struct c360_diag *diag)
{
    char text[1024];
    c360_diag_format(diag, text, sizeof(text));
    fprintf(stderr, "c360 %s: %s\n", command, text[0] ? text : c360_err_str(err));
}

enum c360_err c360_cli_conf_load(const struct c360_cli_conf *cc, struct c360_config **out)
{
    struct c360_config *cfg = NULL;
    struct c360_diag diag;
    enum c360_err err;

    c360_diag_clear(&diag);
    if ((err = c360_config_new(&cfg)))
        goto fail;
    if (cc->file && (err = c360_config_load_file(cfg, cc->file, &diag)))
        goto fail;
    for (size_t i = 0; i < cc->n_overrides; i++) {
        c360_diag_clear(&diag);
        if ((err = c360_config_set_arg(cfg, cc->overrides[i], &diag)))
            goto fail;
    }
    c360_diag_clear(&diag);
    if (cc->bootstrap && (err = c360_config_set(cfg, C360_CONFIG_KAFKA_PREFIX "bootstrap.servers",
                                                cc->bootstrap, "--bootstrap", &diag)))
        goto fail;
    if ((err = c360_kafka_conf_check(cfg, &diag)))
        goto fail;
    enum c360_log_level level = C360_LOG_INFO;
    if (c360_log_level_parse(c360_config_str(cfg, "log.level"), &level) == C360_OK)
        c360_log_set_level(level);
    *out = cfg;
    return C360_OK;
fail:
    c360_cli_report("config", err, &diag);
    c360_config_destroy(cfg);
    return err;
}

enum c360_err c360_cli_topics_load(const struct c360_config *cfg, struct c360_topic_set **out)
{
    struct c360_diag diag;
    struct c360_topic_set *topics = NULL;
    struct c360_schema_set *schemas = NULL;
    const char *what = "topics";
    enum c360_err err;

    c360_diag_clear(&diag);
    if ((err = c360_topic_set_load_dir(c360_config_str(cfg, "topics.dir"), &topics, &diag)))
        goto fail;
    what = "schemas";
    if ((err = c360_schema_set_load_dir(c360_config_str(cfg, "schemas.dir"), &schemas, &diag)))
        goto fail;
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        if (*t->schema && !c360_schema_set_find(schemas, t->schema)) {
            c360_diag_at(&diag, c360_config_str(cfg, "schemas.dir"), 0);
            err = c360_diag_fail(&diag, C360_ERR_NOT_FOUND, t->schema,
                                 "topic %s names this schema, which is not in the folder", t->name);
            goto fail;
        }
    }
    c360_schema_set_destroy(schemas);
    *out = topics;
    return C360_OK;
fail:
    c360_cli_report(what, err, &diag);
    c360_schema_set_destroy(schemas);
    c360_topic_set_destroy(topics);
    return err;
}

bool c360_cli_parse_u64(const char *text, unsigned long long min, unsigned long long max,
                        unsigned long long *out)
{
    char *end;
    if (!text[0] || text[0] == '-' || text[0] == '+')
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}
