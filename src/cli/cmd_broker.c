/*
 * c360 cli — `c360 broker`: the embedded broker (librdkafka's mock cluster)
 * with every declared topic, until SIGINT/SIGTERM. With --control, faults
 * are injected through the mock API while it runs: lines appended to a
 * file, read every 100 ms, so a test script can take a broker down, bring
 * it up, or make requests fail, at the moment it chooses.
 */
#include "c360/kafka.h"

#include "c360/log.h"
#include "c360/runtime.h"
#include "cli.h"
#include <librdkafka/rdkafka_mock.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("usage: c360 broker [--brokers N] [--bootstrap-file FILE] [--control FILE] [-c FILE]\n"
          "                   [-X key=value]...\n"
          "\n"
          "Starts librdkafka's mock cluster on loopback, creates every topic declared in\n"
          "topics.dir with its partition count, prints the bootstrap list on stdout and\n"
          "runs until SIGINT or SIGTERM. For demos and tests only: in memory, about 5 MiB\n"
          "or 100,000 message sets per partition (oldest dropped), no CreateTopics, no\n"
          "real transactions (see README).\n"
          "\n"
          "      --brokers N            number of brokers, 1-32 (default 3)\n"
          "      --bootstrap-file FILE  also write the bootstrap list to FILE (removed on exit)\n"
          "      --control FILE         apply the fault lines appended to FILE while running:\n"
          "                               down ID | up ID        a broker (1..N) down or up\n"
          "                               rtt ID MS              a broker's round-trip time\n"
          "                               errors API N ERROR...  the next N requests of API\n"
          "                                                      (Produce, Fetch, OffsetCommit,\n"
          "                                                      Metadata, Heartbeat, JoinGroup,\n"
          "                                                      FindCoordinator, ...) fail with\n"
          "                                                      the ERRORs (names as in\n"
          "                                                      librdkafka, e.g.\n"
          "                                                      NOT_LEADER_FOR_PARTITION)\n"
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

/* Kafka API keys by name (the protocol's numbers). */
static const struct {
    const char *name;
    int16_t key;
} apis[] = {
    {"Produce", 0},         {"Fetch", 1},       {"ListOffsets", 2},      {"Metadata", 3},
    {"OffsetCommit", 8},    {"OffsetFetch", 9}, {"FindCoordinator", 10}, {"JoinGroup", 11},
    {"Heartbeat", 12},      {"LeaveGroup", 13}, {"SyncGroup", 14},       {"ApiVersions", 18},
    {"InitProducerId", 22},
};

/* An error code by its librdkafka name (without RD_KAFKA_RESP_ERR_). */
static bool error_by_name(const char *name, rd_kafka_resp_err_t *out)
{
    for (int code = -200; code < 200; code++) {
        if (strcmp(rd_kafka_err2name((rd_kafka_resp_err_t)code), name) == 0) {
            *out = (rd_kafka_resp_err_t)code;
            return true;
        }
    }
    return false;
}

/* Applies one control line; false when it is not one. */
static bool control_apply(rd_kafka_mock_cluster_t *mc, int brokers, char *line)
{
    char *save, *verb = strtok_r(line, " \t", &save);
    char *arg = verb ? strtok_r(NULL, " \t", &save) : NULL;
    if (!verb || !arg)
        return false;
    long n = strtol(arg, NULL, 10);
    if (strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0 || strcmp(verb, "rtt") == 0) {
        if (n < 1 || n > brokers)
            return false;
        if (verb[0] == 'd')
            return rd_kafka_mock_broker_set_down(mc, (int32_t)n) == RD_KAFKA_RESP_ERR_NO_ERROR;
        if (verb[0] == 'u')
            return rd_kafka_mock_broker_set_up(mc, (int32_t)n) == RD_KAFKA_RESP_ERR_NO_ERROR;
        char *ms = strtok_r(NULL, " \t", &save);
        return ms &&
               rd_kafka_mock_broker_set_rtt(mc, (int32_t)n, atoi(ms)) == RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (strcmp(verb, "errors") != 0)
        return false;
    int16_t key = -1;
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
        if (strcmp(apis[i].name, arg) == 0)
            key = apis[i].key;
    char *count = strtok_r(NULL, " \t", &save);
    long cnt = count ? strtol(count, NULL, 10) : 0;
    rd_kafka_resp_err_t errs[64];
    size_t n_errs = 0;
    for (char *e; n_errs < 64 && (e = strtok_r(NULL, " \t", &save));)
        if (!error_by_name(e, &errs[n_errs++]))
            return false;
    if (key < 0 || cnt < 1 || cnt > 64 || n_errs == 0)
        return false;
    rd_kafka_resp_err_t all[64];
    for (long i = 0; i < cnt; i++)
        all[i] = errs[(size_t)i % n_errs];
    rd_kafka_mock_push_request_errors_array(mc, key, (size_t)cnt, all);
    return true;
}

/* Applies the complete lines appended to path since *done bytes. */
static void control_poll(struct c360_kafka_mock *mock, int brokers, const char *path, long *done)
{
    FILE *in = fopen(path, "r");
    char line[1024];
    if (!in)
        return;
    if (fseek(in, *done, SEEK_SET) == 0) {
        while (fgets(line, sizeof(line), in)) {
            size_t len = strlen(line);
            if (len == 0 || line[len - 1] != '\n')
                break; /* half written: next time */
            *done += (long)len;
            line[len - 1] = '\0';
            char copy[1024];
            snprintf(copy, sizeof(copy), "%s", line);
            bool ok = control_apply(c360_kafka_mock_cluster(mock), brokers, line);
            c360_log(ok ? C360_LOG_INFO : C360_LOG_WARN, "broker", "%s control=\"%s\"",
                     ok ? "fault applied" : "control line not understood", copy);
        }
    }
    fclose(in);
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
    const char *bootstrap_file = NULL, *control = NULL;
    long control_done = 0;
    enum { OPT_BROKERS = C360_OPT_FIRST_COMMAND, OPT_FILE, OPT_CONTROL };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"brokers", required_argument, NULL, OPT_BROKERS},
        {"bootstrap-file", required_argument, NULL, OPT_FILE},
        {"control", required_argument, NULL, OPT_CONTROL},
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
        } else if (opt == OPT_CONTROL) {
            control = optarg;
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
    while (!(sig = c360_runtime_signal_take(control ? 100 : 1000))) {
        c360_kafka_mock_poll(mock);
        if (control)
            control_poll(mock, brokers, control, &control_done);
    }
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
