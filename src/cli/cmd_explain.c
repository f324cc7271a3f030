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

#define EXPLAIN_LINE_MAX (C360_CODEC_VALUE_MAX + 2)

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
    char *line;
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

/* Feeds one topic's file into the graph; a missing file is no input. */
static enum c360_err read_topic(struct resolver *r, const char *dir, const struct c360_topic *t)
{
    char path[4096];
    struct c360_codec *codec = NULL;
    struct c360_codec_rows *rows = NULL;
    struct c360_diag diag;
    enum c360_err err;
    snprintf(path, sizeof(path), "%s/%s.jsonl", dir, t->name);
    FILE *in = fopen(path, "r");
    if (!in)
        return errno == ENOENT ? C360_OK : C360_ERR_IO;
    c360_diag_clear(&diag);
    if ((err = c360_codec_new(t, NULL, &codec, &diag)) ||
        (err = c360_codec_rows_new(1000000, &rows))) {
        fprintf(stderr, "c360 explain: %s: %s\n", t->name, diag.text);
        goto done;
    }
    c360_codec_set_rows(codec, rows);
    for (int64_t n = 0; fgets(r->line, EXPLAIN_LINE_MAX, in); n++) {
        size_t len = strcspn(r->line, "\n");
        if (len == 0)
            continue;
        struct c360_codec_msg msg = {.topic = t->name,
                                     .offset = n,
                                     .timestamp = C360_TIME_NONE,
                                     .value = r->line,
                                     .len = len};
        size_t parts = 1;
        for (size_t part = 0; part < parts; part++) {
            c360_diag_clear(&diag);
            if (c360_codec_decode_part(codec, &msg, part, r->rec, &parts, &diag)) {
                /* As the processor does: the record is refused, the rest goes on. */
                fprintf(stderr, "c360 explain: %s line %lld: %s%s%s\n", t->name, (long long)n + 1,
                        diag.field, diag.field[0] ? ": " : "", diag.text);
                r->refused++;
                break;
            }
            if ((err = apply(r)))
                goto done;
        }
    }
    err = C360_OK;
done:
    fclose(in);
    c360_codec_destroy(codec);
    c360_codec_rows_destroy(rows);
    return err;
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
        c360_record_new(C360_ENTITY_INDIVIDUAL, &r.rec) || !(r.line = malloc(EXPLAIN_LINE_MAX)))
        goto done;
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        if (identity_topic(t) && read_topic(&r, dir, t)) {
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
    free(r.line);
    c360_record_destroy(r.rec);
    c360_identity_destroy(r.graph);
    c360_identity_rules_free(rules);
    c360_topic_set_destroy(topics);
    c360_config_destroy(cfg);
    return rc;
}
