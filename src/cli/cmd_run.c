/*
 * c360 cli — `c360 run`: the processor on Kafka.
 */
#include "c360/runtime.h"
#include "cli.h"

#include <stdio.h>

static void usage(FILE *out)
{
    fputs("usage: c360 run [-c FILE] [-X key=value]... [--bootstrap LIST]\n"
          "\n"
          "Runs the processor: joins consumer group `group.id` on every input topic of\n"
          "topics.dir, applies each record to the engine and produces every output to\n"
          "its topic (a record it cannot decode or apply goes to the dead-letter topic).\n"
          "An input offset is committed once every output of the records before it is\n"
          "delivered. Runs until SIGINT or SIGTERM, then commits, leaves the group\n"
          "cleanly and exits 0 (1 when outputs could not be delivered).\n"
          "\n"
          "  -c, --config FILE     properties file (key=value, # comments)\n"
          "  -X key=value          override one setting (repeatable); kafka.* goes to librdkafka\n"
          "      --bootstrap LIST  same as -X kafka.bootstrap.servers=LIST\n"
          "  -h, --help            this text\n",
          out);
}

int c360_cli_run(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    const struct option longopts[] = {C360_CLI_CONF_OPTIONS, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        }
        if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "c360 run: unexpected argument '%s'\n", argv[optind]);
        return C360_EXIT_USAGE;
    }

    /* Before librdkafka starts a thread, so its threads inherit the mask and
     * the stop signal waits for this thread to take it. */
    c360_runtime_signal_block();
    struct c360_config *cfg = NULL;
    struct c360_topic_set *topics = NULL;
    int rc = C360_EXIT_USAGE;
    if (c360_cli_conf_load(&cc, &cfg) || c360_cli_topics_load(cfg, &topics))
        goto done;
    if (!c360_config_kafka_get(cfg, "bootstrap.servers")) {
        fprintf(stderr, "c360 run: kafka.bootstrap.servers is not set (use --bootstrap or "
                        "-X kafka.bootstrap.servers=host:port)\n");
        goto done;
    }
    enum c360_err err = c360_runtime_run(cfg, topics);
    rc = err == C360_ERR_INVALID ? C360_EXIT_USAGE : err ? C360_EXIT_FAIL : C360_EXIT_OK;
done:
    c360_topic_set_destroy(topics);
    c360_config_destroy(cfg);
    return rc;
}
