/*
 * c360 cli — `c360 broker`: the embedded broker (librdkafka's mock cluster)
 * with every declared topic, until SIGINT/SIGTERM.
 */
#include "c360/kafka.h"
#include "c360/log.h"
#include "c360/runtime.h"
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("usage: c360 broker [--brokers N] [--bootstrap-file FILE] [-c FILE] [-X key=value]...\n"
          "\n"
          "Starts librdkafka's mock cluster on loopback, creates every topic declared in\n"
          "topics.dir with its partition count, prints the bootstrap list on stdout and\n"
          "runs until SIGINT or SIGTERM. For demos and tests only: in memory, about 5 MiB\n"
          "or 100,000 message sets per partition (oldest dropped), no CreateTopics, no\n"
          "real transactions (see README).\n"
          "\n"
          "      --brokers N            number of brokers, 1-32 (default 3)\n"
          "      --bootstrap-file FILE  also write the bootstrap list to FILE (removed on exit)\n"
          "  -c, --config FILE          properties file (key=value, # comments)\n"
          "  -X key=value               override one setting (repeatable)\n"
          "  -h, --help                 this text\n",
          out);
}

/* Written to a temporary name and renamed, so a reader polling for the file
 * never sees half a list. */
static enum c360_err bootstrap_file_write(const char *path, const char *bootstraps)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return C360_ERR_INVALID;
    FILE *out = fopen(tmp, "w");
    if (!out)
        return C360_ERR_IO;
    fprintf(out, "%s\n", bootstraps);
    if (fclose(out) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return C360_ERR_IO;
    }
    return C360_OK;
}

static bool parse_brokers(const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < 1 || v > 32)
        return false;
    *out = (int)v;
    return true;
}

int c360_cli_broker(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    int brokers = 3;
    const char *bootstrap_file = NULL;
    enum { OPT_BROKERS = C360_OPT_FIRST_COMMAND, OPT_FILE };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"brokers", required_argument, NULL, OPT_BROKERS},
        {"bootstrap-file", required_argument, NULL, OPT_FILE},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        } else if (opt == OPT_BROKERS) {
            if (!parse_brokers(optarg, &brokers)) {
                fprintf(stderr, "c360 broker: --brokers takes a number from 1 to 32\n");
                return C360_EXIT_USAGE;
            }
        } else if (opt == OPT_FILE) {
            bootstrap_file = optarg;
        } else if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "c360 broker: unexpected argument '%s'\n", argv[optind]);
        return C360_EXIT_USAGE;
    }

    /* Before librdkafka starts a thread, so its threads inherit the mask and
     * the stop signal waits for this thread to take it. */
    c360_runtime_signal_block();
    struct c360_config *cfg = NULL;
    struct c360_topic_set *topics = NULL;
    struct c360_kafka_mock *mock = NULL;
    struct c360_diag diag;
    int rc = C360_EXIT_USAGE;
    c360_diag_clear(&diag);
    if (c360_cli_conf_load(&cc, &cfg) || c360_cli_topics_load(cfg, &topics))
        goto done;
    rc = C360_EXIT_FAIL;
    enum c360_err err = c360_kafka_mock_new(cfg, brokers, topics, &mock, &diag);
    if (err) {
        c360_cli_report("broker", err, &diag);
        goto done;
    }
    const char *bootstraps = c360_kafka_mock_bootstraps(mock);
    if (bootstrap_file && bootstrap_file_write(bootstrap_file, bootstraps)) {
        fprintf(stderr, "c360 broker: cannot write %s: %s\n", bootstrap_file, strerror(errno));
        goto done;
    }
    printf("%s\n", bootstraps);
    fflush(stdout);
    c360_log(C360_LOG_INFO, "broker", "ready bootstrap=%s brokers=%d topics=%zu", bootstraps,
             brokers, c360_topic_set_count(topics));

    int sig;
    while (!(sig = c360_runtime_signal_take(1000)))
        c360_kafka_mock_poll(mock);
    c360_log(C360_LOG_INFO, "broker", "stopping signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (bootstrap_file)
        remove(bootstrap_file);
    rc = C360_EXIT_OK;
done:
    c360_kafka_mock_destroy(mock);
    c360_topic_set_destroy(topics);
    c360_config_destroy(cfg);
    return rc;
}
