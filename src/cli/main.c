/*
 * c360 cli — `c360 <command> [options]`: dispatches to one command.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"broker", c360_cli_broker, "run the embedded Kafka broker with the declared topics"},
    {"run", c360_cli_run, "run the processor against a Kafka cluster"},
    {"demo", c360_cli_demo, "publish a generated bank to an embedded broker and process it live"},
    {"topics", c360_cli_topics, "list declared topics; verify or create them on a cluster"},
    {"decode", c360_cli_decode, "decode messages of an input topic to canonical JSON"},
    {"explain", c360_cli_explain, "show the records of a profile and the edges that joined them"},
    {"replay", c360_cli_replay, "run the engine on files of input, write its outputs as files"},
    {"gen", c360_cli_gen, "write a synthetic bank as replay input, with ground truth"},
    {"config", c360_cli_config, "print the effective configuration or the reference"},
    {"version", c360_cli_version, "print the version of c360 and its libraries"},
};

static void usage(FILE *out)
{
    fputs("usage: c360 <command> [options]\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\nEvery command takes --help. Configuration: -c FILE (key=value lines) and\n"
          "-X key=value overrides; `c360 config --reference` lists every key.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return C360_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return C360_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0)
        name = "version";
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "c360: unknown command '%s'\n\n", name);
    usage(stderr);
    return C360_EXIT_USAGE;
}
