/*
 * c360 cli — `c360 topics list|verify|create`.
 */
#include "c360/kafka.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("usage: c360 topics list [-c FILE] [-X key=value]...\n"
          "       c360 topics verify --bootstrap LIST [options]\n"
          "       c360 topics create --bootstrap LIST [--replication-factor N] [options]\n"
          "\n"
          "list    prints the topics declared in topics.dir\n"
          "verify  checks that each declared topic exists on the cluster with its partition\n"
          "        count and cleanup.policy; exits 1 when anything differs\n"
          "create  creates the missing ones through the Admin API, then verifies. Existing\n"
          "        topics are never altered. The embedded broker has no CreateTopics API\n"
          "        (it creates its topics itself at start); create says so and exits 1.\n"
          "\n"
          "      --bootstrap LIST          same as -X kafka.bootstrap.servers=LIST\n"
          "      --replication-factor N    for create; default -1, the broker's default\n"
          "      --timeout-ms N            for each cluster request (default 10000)\n"
          "  -c, --config FILE             properties file (key=value, # comments)\n"
          "  -X key=value                  override one setting (repeatable)\n"
          "  -h, --help                    this text\n",
          out);
}

static bool parse_int(const char *text, long min, long max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || !*text || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

static void print_list(const struct c360_topic_set *topics)
{
    printf("%-36s %-6s %5s  %-14s %-15s %s\n", "NAME", "ROLE", "PARTS", "CLEANUP", "FORMAT", "KEY");
    /* Inputs, then outputs, then the dead-letter topic: the order of the data flow. */
    for (int role = C360_TOPIC_INPUT; role <= C360_TOPIC_DLQ; role++) {
        for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
            const struct c360_topic *t = c360_topic_set_at(topics, i);
            if ((int)t->role != role)
                continue;
            printf("%-36s %-6s %5d  %-14s %-15s %s\n", t->name, c360_topic_role_str(t->role),
                   t->partitions, c360_topic_cleanup_str(t->cleanup), *t->format ? t->format : "-",
                   t->key);
        }
    }
}

static void print_states(const struct c360_kafka_topic_state *states, size_t n)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        const struct c360_kafka_topic_state *s = &states[i];
        const struct c360_topic *t = s->topic;
        const char *declared = c360_topic_cleanup_str(t->cleanup);
        if (!s->exists) {
            printf("MISSING  %-36s declared partitions=%d cleanup.policy=%s\n", t->name,
                   t->partitions, declared);
        } else if (s->partitions != t->partitions ||
                   (s->cleanup_known && strcmp(s->cleanup, declared) != 0)) {
            printf("DIFFERS  %-36s partitions=%d (declared %d) cleanup.policy=%s (declared %s)\n",
                   t->name, s->partitions, t->partitions, s->cleanup_known ? s->cleanup : "?",
                   declared);
        } else {
            ok++;
            printf("%-8s %-36s partitions=%d cleanup.policy=%s\n", s->created ? "CREATED" : "ok",
                   t->name, s->partitions, s->cleanup_known ? s->cleanup : "(not checked)");
        }
        if (s->error[0])
            printf("         %-36s note: %s\n", "", s->error);
    }
    printf("%zu of %zu declared topics as declared\n", ok, n);
}

int c360_cli_topics(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    int replication = -1, timeout_ms = 10000;
    enum { OPT_REPLICATION = C360_OPT_FIRST_COMMAND, OPT_TIMEOUT };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"replication-factor", required_argument, NULL, OPT_REPLICATION},
        {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        } else if (opt == OPT_REPLICATION) {
            if (!parse_int(optarg, -1, 32767, &replication) || replication == 0) {
                fprintf(stderr, "c360 topics: --replication-factor takes -1 or 1-32767\n");
                return C360_EXIT_USAGE;
            }
        } else if (opt == OPT_TIMEOUT) {
            if (!parse_int(optarg, 1, 600000, &timeout_ms)) {
                fprintf(stderr, "c360 topics: --timeout-ms takes 1-600000\n");
                return C360_EXIT_USAGE;
            }
        } else if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return C360_EXIT_USAGE;
    }
    const char *action = argv[optind];
    bool list = strcmp(action, "list") == 0, verify = strcmp(action, "verify") == 0,
         create = strcmp(action, "create") == 0;
    if (!list && !verify && !create) {
        fprintf(stderr, "c360 topics: unknown action '%s' (list, verify or create)\n", action);
        return C360_EXIT_USAGE;
    }

    struct c360_config *cfg = NULL;
    struct c360_topic_set *topics = NULL;
    struct c360_kafka_topic_state states[C360_TOPIC_SET_MAX];
    struct c360_diag diag;
    int rc = C360_EXIT_USAGE;
    c360_diag_clear(&diag);
    if (c360_cli_conf_load(&cc, &cfg) || c360_cli_topics_load(cfg, &topics))
        goto done;
    if (list) {
        print_list(topics);
        rc = C360_EXIT_OK;
        goto done;
    }
    enum c360_err err =
        verify ? c360_kafka_topics_verify(cfg, topics, timeout_ms, states, &diag)
               : c360_kafka_topics_create(cfg, topics, replication, timeout_ms, states, &diag);
    if (err == C360_OK || err == C360_ERR_MISMATCH) {
        print_states(states, c360_topic_set_count(topics));
        rc = err ? C360_EXIT_FAIL : C360_EXIT_OK;
        goto done;
    }
    c360_cli_report("topics", err, &diag);
    if (err == C360_ERR_UNSUPPORTED && create)
        fprintf(stderr, "c360 topics: the embedded broker creates the declared topics itself "
                        "when it starts; restart it with the topics folder you want.\n");
    if (err == C360_ERR_INVALID)
        goto done;
    rc = C360_EXIT_FAIL;
done:
    c360_topic_set_destroy(topics);
    c360_config_destroy(cfg);
    return rc;
}
