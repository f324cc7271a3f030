/*
 * c360 cli — `c360 explain`: why records are one profile. Until the state
 * store exists (issue 6) the graph is rebuilt from replay input: one file per
 * input topic, <topic name>.jsonl, one message value per line in the topic's
 * wire format. Prints the profile's records and every edge that joins them,
 * with the rule and the value the two records share. These are customer
 * values: explain is an operator's tool and writes to stdout only.
 */
#include "cli.h"

#include "c360/codec.h"
#include "c360/identity.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("usage: c360 explain --in DIR [-c FILE] [-X key=value]... RECORD-KEY|UNIFIED-ID\n"
          "\n"
          "Resolves the identities in DIR (replay input: <topic name>.jsonl per input\n"
          "topic, one message value per line in the topic's wire format) with the rules\n"
          "of identity.rules, then prints the profile of RECORD-KEY (system:recordId) or\n"
          "of UNIFIED-ID (u<number>): its records, and each edge between two of them with\n"
          "its rule and the value they share. Exit 1 when there is no such profile.\n"
          "\n"
          "      --in DIR         folder of replay input\n"
          "  -c, --config FILE    properties file (key=value, # comments)\n"
          "  -X key=value         override one setting (repeatable)\n"
          "  -h, --help           this text\n",
          out);
}

/* The entities that carry identity: individuals, and the party id or email
 * of external accounts and web engagements. */
static bool identity_topic(const struct c360_topic *t)
{
    return t->role == C360_TOPIC_INPUT &&
           (strcmp(t->id, "individual") == 0 || strcmp(t->id, "web-engagement") == 0 ||
            strcmp(t->id, "external-financial-account") == 0);
}

struct resolver {
    struct c360_identity *graph;
    const struct c360_identity_rules *rules;
    struct c360_record *rec;
    long applied, refused;
};

static enum c360_err apply(struct resolver *r)
{
    struct c360_identity_changes changes;
    struct c360_identity_input in;
    char buf[16384];
    enum c360_err err;
    if (r->rec->change == C360_CHANGE_RESYNC)
        return C360_OK;
    if ((err = c360_identity_rules_input(r->rules, r->rec, buf, sizeof(buf), &in)))
        return err;
    r->applied++;
    return r->rec->change == C360_CHANGE_DELETE ? c360_identity_delete(r->graph, in.key, &changes)
                                                : c360_identity_upsert(r->graph, &in, &changes);
}

static enum c360_err on_record(void *arg, const struct c360_topic *t, int64_t line, size_t part,
                               struct c360_record *rec)
{
    (void)t, (void)line, (void)part, (void)rec;
    return apply(arg);
}

static void on_refused(void *arg, const struct c360_topic *t, int64_t line, const char *value,
                       size_t len, const struct c360_diag *diag)
{
    struct resolver *r = arg;
    (void)value, (void)len;
    fprintf(stderr, "c360 explain: %s line %lld: %s%s%s\n", t->name, (long long)line + 1,
            diag->field, diag->field[0] ? ": " : "", diag->text);
    r->refused++;
}

static void print_record(const char *key, void *arg)
{
    (void)arg;
    printf("  record %s\n", key);
}

static void print_edge(const struct c360_identity_edge *e, void *arg)
{
    (void)arg;
    printf("  edge   %s -- %s  %s  %s\n", e->a, e->b, e->rule, e->matched);
}

int c360_cli_explain(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    const char *dir = NULL;
    enum { OPT_IN = C360_OPT_FIRST_COMMAND };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"in", required_argument, NULL, OPT_IN},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        } else if (opt == OPT_IN) {
            dir = optarg;
        } else if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (!dir || argc - optind != 1) {
        usage(stderr);
        return C360_EXIT_USAGE;
    }
    const char *what = argv[optind];

    struct c360_config *cfg = NULL;
    struct c360_topic_set *topics = NULL;
    struct c360_identity_rules *rules = NULL;
    struct resolver r = {0};
    struct c360_diag diag;
    int rc = C360_EXIT_USAGE;
    c360_diag_clear(&diag);
    if (c360_cli_conf_load(&cc, &cfg) || c360_cli_topics_load(cfg, &topics))
        goto done;
    if (c360_identity_rules_load(c360_config_str(cfg, "identity.rules"), &rules, &diag)) {
        c360_cli_report("explain", C360_ERR_INVALID, &diag);
        goto done;
    }
    rc = C360_EXIT_FAIL;
    r.rules = rules;
    if (c360_identity_new(c360_identity_rules_config(rules), &r.graph) ||
        c360_record_new(C360_ENTITY_INDIVIDUAL, &r.rec))
        goto done;
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        struct c360_cli_replay_sink sink = {on_record, on_refused, &r};
        if (identity_topic(t) && c360_cli_replay_read(dir, t, r.rec, &sink)) {
            fprintf(stderr, "c360 explain: cannot read %s/%s.jsonl\n", dir, t->name);
            goto done;
        }
    }
    const char *key = what;
    unsigned long long id = 0;
    char *end;
    if (what[0] == 'u' && (id = strtoull(what + 1, &end, 10)) > 0 && *end == '\0')
        key = c360_identity_record_of_profile(r.graph, id);
    uint64_t found;
    if (!key || !c360_identity_profile_of(r.graph, key, &found)) {
        fprintf(stderr, "c360 explain: no profile of %s among %zu records\n", what,
                c360_identity_count(r.graph));
        goto done;
    }
    printf("profile u%" PRIu64 "\n", found);
    if (!c360_identity_explain(r.graph, key, print_record, print_edge, NULL))
        goto done;
    rc = C360_EXIT_OK;
done:
    c360_record_destroy(r.rec);
    c360_identity_destroy(r.graph);
    c360_identity_rules_free(rules);
    c360_topic_set_destroy(topics);
    c360_config_destroy(cfg);
    return rc;
}
