/*
 * c360 cli — private interface of the command-line front end: one function per
 * subcommand and the option handling they share. The CLI parses arguments,
 * loads configuration, calls into runtime/kafka and reports; it owns no state
 * beyond one command's run.
 */
#ifndef C360_CLI_H
#define C360_CLI_H

#include "c360/config.h"
#include "c360/err.h"
#include "c360/record.h"
#include "c360/topic.h"

#include <getopt.h>
#include <stdbool.h>

/* Exit codes shared by every command. */
#define C360_EXIT_OK 0
#define C360_EXIT_FAIL 1  /* the command ran and failed, or found a difference */
#define C360_EXIT_USAGE 2 /* bad arguments or configuration */

#define C360_CLI_OVERRIDES_MAX 128

/* getopt codes of the shared long-only options. */
enum { C360_OPT_BOOTSTRAP = 1000, C360_OPT_FIRST_COMMAND = 1100 };

/* The configuration sources a command was given, applied in this order: the
 * file, then -X overrides in argument order, then --bootstrap. */
struct c360_cli_conf {
    const char *file;
    const char *overrides[C360_CLI_OVERRIDES_MAX];
    size_t n_overrides;
    const char *bootstrap;
};

/* Shared options: -c/--config FILE, -X key=value, --bootstrap LIST, -h/--help. */
#define C360_CLI_CONF_OPTIONS                                                                      \
    {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},                    \
    {                                                                                              \
        "bootstrap", required_argument, NULL, C360_OPT_BOOTSTRAP                                   \
    }
#define C360_CLI_CONF_SHORT "c:X:h"

/* Takes a shared option. Returns 1 when handled, 0 when not a shared option,
 * -1 on a usage error (reported here). */
int c360_cli_conf_opt(struct c360_cli_conf *cc, int opt, const char *arg);

/* Builds the configuration, applies log.level and checks the kafka.* settings
 * with librdkafka. Errors are reported here; *out is new on success. */
enum c360_err c360_cli_conf_load(const struct c360_cli_conf *cc,
                                 struct c360_config **out) C360_MUST_USE;

/* Loads the topics folder of cfg and the schemas folder, and checks that every
 * topic's value schema exists there and parses; errors are reported here. */
enum c360_err c360_cli_topics_load(const struct c360_config *cfg,
                                   struct c360_topic_set **out) C360_MUST_USE;

/* What reading replay input does with each record and each refused line. */
struct c360_cli_replay_sink {
    /* A decoded record (part `part` of line `line`, 0-based); an error stops the read. */
    enum c360_err (*record)(void *arg, const struct c360_topic *t, int64_t line, size_t part,
                            struct c360_record *rec);
    /* A line that does not decode: its bytes and why. */
    void (*refused)(void *arg, const struct c360_topic *t, int64_t line, const char *value,
                    size_t len, const struct c360_diag *diag);
    void *arg;
};

/* Reads DIR/<topic name>.jsonl, one message value per line in the topic's
 * wire format (an Avro topic's lines are JSON rows), in line order, into
 * rec; a missing file is no input (C360_OK). */
enum c360_err c360_cli_replay_read(const char *dir, const struct c360_topic *t,
                                   struct c360_record *rec,
                                   const struct c360_cli_replay_sink *sink) C360_MUST_USE;

/* A decimal number in [min, max] (no sign); false for anything else. */
bool c360_cli_parse_u64(const char *text, unsigned long long min, unsigned long long max,
                        unsigned long long *out);

/* Prints "c360 <command>: <diag>" to stderr. */
void c360_cli_report(const char *command, enum c360_err err, const struct c360_diag *diag);

int c360_cli_broker(int argc, char **argv);
int c360_cli_config(int argc, char **argv);
int c360_cli_decode(int argc, char **argv);
int c360_cli_demo(int argc, char **argv);
int c360_cli_explain(int argc, char **argv);
int c360_cli_replay(int argc, char **argv);
int c360_cli_gen(int argc, char **argv);
int c360_cli_run(int argc, char **argv);
int c360_cli_topics(int argc, char **argv);
int c360_cli_version(int argc, char **argv);

#endif
