/*
 * c360 cli — `c360 explain`: why records are one profile. The identity graph
 * is read from a processor's state store (--state, read-only, so a live
 * processor keeps running), or rebuilt from replay input (--in: one file per
 * input topic, <topic name>.jsonl, one message value per line in the topic's
 * wire format). Prints the profile's records and every edge that joins them,
 * with the rule and the value the two records share. These are customer
 * values: explain is an operator's tool and writes to stdout only.
 */
#include "cli.h"

#include "c360/codec.h"
#include "c360/identity.h"
#include "c360/state.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("usage: c360 explain (--state DIR | --in DIR) [-c FILE] [-X key=value]...\n"
          "                    RECORD-KEY|UNIFIED-ID\n"
          "\n"
          "Prints the profile of RECORD-KEY (system:recordId) or of UNIFIED-ID\n"
          "(u<number>): its records, and each edge between two of them with its rule and\n"
          "the value they share. The identity graph is the one in a processor's state\n"
          "store (--state: its state.dir, read while the processor runs), or the one the\n"
          "rules of identity.rules make of replay input (--in: <topic name>.jsonl per\n"
          "input topic, one message value per line in the topic's wire format). Exit 1\n"
          "when there is no such profile.\n"
          "\n"
          "      --state DIR      a processor's state store (state.dir)\n"
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

/* The identity graph's items of a state store. */
static enum c360_err restore_identity(void *arg, enum c360_persist_db db, const void *key,
                                      size_t key_len, const void *val, size_t val_len)
{
    struct resolver *r = arg;
    struct c360_diag diag;
    bool meta = db == C360_DB_META && key_len == 8 && memcmp(key, "identity", 8) == 0;
    if (db != C360_DB_IDENTITY && db != C360_DB_BLOCKING && !meta)
        return C360_OK;
    c360_diag_clear(&diag);
    enum c360_err err = c360_identity_restore(r->graph, db, key, key_len, val, val_len, &diag);
    if (err)
        c360_cli_report("explain", err, &diag);
    return err;
}

/* Loads the graph of the store in dir. */
static enum c360_err load_state(struct resolver *r, const char *dir)
{
    struct c360_state_opts opts = {.dir = dir, .map_size = 1 << 20, .read_only = true};
    struct c360_state *st = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_state_open(&opts, &st, &diag);
    if (!err && !(err = c360_state_load(st, restore_identity, r, &diag)))
        err = c360_identity_restore_end(r->graph, &diag);
    if (err && diag.text[0])
        c360_cli_report("explain", err, &diag);
    c360_state_close(st);
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
    const char *dir = NULL, *state = NULL;
    enum { OPT_IN = C360_OPT_FIRST_COMMAND, OPT_STATE };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"in", required_argument, NULL, OPT_IN},
        {"state", required_argument, NULL, OPT_STATE},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        } else if (opt == OPT_IN) {
            dir = optarg;
        } else if (opt == OPT_STATE) {
            state = optarg;
        } else if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (!dir == !state || argc - optind != 1) {
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
    if (state && load_state(&r, state))
        goto done;
    for (size_t i = 0; dir && i < c360_topic_set_count(topics); i++) {
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
