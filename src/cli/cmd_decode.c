/*
 * c360 cli — `c360 decode`: messages of an input topic, one per line, to
 * canonical JSON or the precise reason they cannot be decoded.
 */
#include "c360/codec.h"
#include "c360/registry.h"
#include "c360/runtime.h"
#include "c360/schema.h"
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One message per line; a line longer than the largest value (in hex for
 * Avro) is refused. */
#define DECODE_LINE_MAX (2 * C360_CODEC_VALUE_MAX + 2)

static void usage(FILE *out)
{
    fputs("usage: c360 decode --topic TOPIC [--format FORMAT] [FILE] [-c FILE] [-X key=value]...\n"
          "\n"
          "Decodes the messages in FILE (default: standard input), one JSON document per\n"
          "line, as values of the input topic TOPIC (its name or id from topics.dir) with\n"
          "the topic's mapping, and prints each as canonical JSON on one line. Line N is\n"
          "taken as offset N-1 of partition 0 (for ids drawn from the position). A message\n"
          "that cannot be decoded is reported on stderr as 'line N: field: reason'; then\n"
          "the exit code is 2. Salesforce CDC updates are merged onto the records the\n"
          "earlier lines created; an event of several records prints one line each.\n"
          "Avro messages (Schema Registry wire format) are given in hex, one message per\n"
          "line; writer schemas come from schema.registry.url.\n"
          "\n"
          "      --topic TOPIC    input topic whose entity the messages are\n"
          "      --format FORMAT  wire format (default: the topic's declared format);\n"
          "                       decoders so far: canonical, json, connect-json, debezium,\n"
          "                       salesforce-cdc, avro\n"
          "  -c, --config FILE    properties file (key=value, # comments)\n"
          "  -X key=value         override one setting (repeatable)\n"
          "  -h, --help           this text\n",
          out);
}

/* Reads one line of at most size-1 bytes into buf (newline dropped); returns
 * its length, -1 at end of input, -2 when the line is too long (skipped). */
static long read_line(FILE *in, char *buf, size_t size)
{
    size_t len = 0;
    int c;
    bool any = false, too_long = false;
    while ((c = getc(in)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (len == size - 1)
            too_long = true;
        else
            buf[len++] = (char)c;
    }
    if (!any)
        return -1;
    buf[len] = '\0';
    return too_long ? -2 : (long)len;
}

static int hex_digit(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Hex (whitespace around it trimmed) to bytes, in place; -1 if not hex. */
static long unhex(char *line, long len)
{
    long start = 0, out = 0;
    while (start < len && isspace((unsigned char)line[start]))
        start++;
    while (len > start && isspace((unsigned char)line[len - 1]))
        len--;
    if ((len - start) % 2 != 0)
        return -1;
    for (long i = start; i < len; i += 2) {
        int hi = hex_digit((unsigned char)line[i]), lo = hex_digit((unsigned char)line[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        line[out++] = (char)(hi << 4 | lo);
    }
    return out;
}

static int decode_stream(FILE *in, const struct c360_codec *codec, const char *topic, bool hex,
                         struct c360_record *rec)
{
    int rc = C360_EXIT_OK;
    char *line = malloc(DECODE_LINE_MAX);
    if (!line)
        return C360_EXIT_FAIL;
    struct c360_diag diag;
    long n = 0, len;
    while ((len = read_line(in, line, DECODE_LINE_MAX)) != -1) {
        n++;
        if (len == -2) {
            fprintf(stderr, "line %ld: value larger than %d bytes\n", n, C360_CODEC_VALUE_MAX);
            rc = C360_EXIT_USAGE;
            continue;
        }
        if (len == 0)
            continue;
        if (hex && (len = unhex(line, len)) < 0) {
            fprintf(stderr, "line %ld: not a message in hex\n", n);
            rc = C360_EXIT_USAGE;
            continue;
        }
        struct c360_codec_msg msg = {
            .topic = topic,
            .offset = n - 1,
            .timestamp = C360_TIME_NONE,
            .value = line,
            .len = (size_t)len,
        };
        /* A Salesforce CDC event may hold several records: print each. */
        size_t parts = 1;
        for (size_t part = 0; part < parts; part++) {
            char *json = NULL;
            c360_diag_clear(&diag);
            if (c360_codec_decode_part(codec, &msg, part, rec, &parts, &diag) ||
                c360_codec_json_encode(rec, C360_CODEC_COMPACT, &json)) {
                fprintf(stderr, "line %ld: %s%s%s\n", n, diag.field, diag.field[0] ? ": " : "",
                        diag.text);
                rc = C360_EXIT_USAGE;
                break;
            }
            puts(json);
            free(json);
        }
    }
    free(line);
    return rc;
}

int c360_cli_decode(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    const char *topic_arg = NULL, *format = NULL;
    enum { OPT_TOPIC = C360_OPT_FIRST_COMMAND, OPT_FORMAT };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"topic", required_argument, NULL, OPT_TOPIC},
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        } else if (opt == OPT_TOPIC) {
            topic_arg = optarg;
        } else if (opt == OPT_FORMAT) {
            format = optarg;
        } else if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (!topic_arg || argc - optind > 1) {
        usage(stderr);
        return C360_EXIT_USAGE;
    }

    struct c360_config *cfg = NULL;
    struct c360_topic_set *topics = NULL;
    struct c360_record *rec = NULL;
    struct c360_codec *codec = NULL;
    struct c360_codec_rows *rows = NULL;
    struct c360_schema_set *schemas = NULL;
    struct c360_registry *reg = NULL;
    FILE *in = stdin;
    int rc = C360_EXIT_USAGE;
    if (c360_cli_conf_load(&cc, &cfg) || c360_cli_topics_load(cfg, &topics))
        goto done;
    const struct c360_topic *topic = NULL;
    for (size_t i = 0; i < c360_topic_set_count(topics) && !topic; i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        if (strcmp(t->name, topic_arg) == 0 || strcmp(t->id, topic_arg) == 0)
            topic = t;
    }
    if (!topic || topic->role != C360_TOPIC_INPUT) {
        fprintf(stderr, "c360 decode: '%s' is not an input topic of %s\n", topic_arg,
                c360_config_str(cfg, "topics.dir"));
        goto done;
    }
    struct c360_diag diag;
    c360_diag_clear(&diag);
    if (c360_codec_new(topic, format, &codec, &diag)) {
        fprintf(stderr, "c360 decode: %s%s%s\n", diag.field, diag.field[0] ? ": " : "", diag.text);
        goto done;
    }
    bool avro = strcmp(format ? format : topic->format, "avro") == 0;
    if (avro && !*c360_config_str(cfg, "schema.registry.url")) {
        fprintf(stderr,
                "c360 decode: schema.registry.url is not set; Avro writer schemas come from "
                "the Schema Registry (-X schema.registry.url=http://host:8081)\n");
        goto done;
    }
    if (avro && (c360_schema_set_load_dir(c360_config_str(cfg, "schemas.dir"), &schemas, &diag) ||
                 c360_runtime_registry_new(cfg, &reg, &diag) ||
                 c360_codec_set_avro(codec, reg, schemas, &diag))) {
        fprintf(stderr, "c360 decode: %s%s%s\n", diag.field, diag.field[0] ? ": " : "", diag.text);
        goto done;
    }
    if (optind < argc && !(in = fopen(argv[optind], "r"))) {
        perror(argv[optind]);
        in = stdin;
        goto done;
    }
    if (c360_record_new(C360_ENTITY_INDIVIDUAL, &rec) ||
        c360_codec_rows_new((size_t)c360_config_int(cfg, "cdc.rows.max"), &rows)) {
        rc = C360_EXIT_FAIL;
        goto done;
    }
    c360_codec_set_rows(codec, rows);
    rc = decode_stream(in, codec, topic->name, avro, rec);
done:
    if (in != stdin)
        fclose(in);
    c360_record_destroy(rec);
    c360_codec_destroy(codec);
    c360_codec_rows_destroy(rows);
    c360_registry_destroy(reg);
    c360_schema_set_destroy(schemas);
    c360_topic_set_destroy(topics);
    c360_config_destroy(cfg);
    return rc;
}
