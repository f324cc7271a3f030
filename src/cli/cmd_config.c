/*
 * c360 cli — `c360 config`: the effective configuration, or the reference
 * generated from the property table.
 */
#include "cli.h"

#include <stdio.h>

static void usage(FILE *out)
{
    fputs("usage: c360 config [-c FILE] [-X key=value]... [--reference]\n"
          "\n"
          "Prints the effective configuration (defaults, then FILE, then -X) as a\n"
          "properties file, secrets masked. Fails like `c360 run` would on an unknown\n"
          "key, a bad value or a kafka.* setting librdkafka rejects.\n"
          "\n"
          "  -c, --config FILE   properties file (key=value, # comments)\n"
          "  -X key=value        override one setting (repeatable)\n"
          "      --reference     print the configuration reference (Markdown)\n"
          "  -h, --help          this text\n",
          out);
}

int c360_cli_config(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    bool reference = false;
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"reference", no_argument, NULL, C360_OPT_FIRST_COMMAND},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        }
        if (opt == C360_OPT_FIRST_COMMAND) {
            reference = true;
            continue;
        }
        if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "c360 config: unexpected argument '%s'\n", argv[optind]);
        return C360_EXIT_USAGE;
    }
    if (reference)
        return c360_config_write_reference(stdout) ? C360_EXIT_FAIL : C360_EXIT_OK;

    struct c360_config *cfg;
    if (c360_cli_conf_load(&cc, &cfg))
        return C360_EXIT_USAGE;
    enum c360_err err = c360_config_write(cfg, stdout);
    c360_config_destroy(cfg);
    return err ? C360_EXIT_FAIL : C360_EXIT_OK;
}
