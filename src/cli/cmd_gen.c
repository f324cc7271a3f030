/*
 * c360 cli — `c360 gen`: a synthetic bank (src/gen) written as replay input,
 * one file per input topic named after the topic's declaration, plus the
 * ground truth of the threshold customers. Files are written under a
 * temporary name and renamed once complete, so a folder never holds half a
 * bank next to a whole truth file.
 */
#include "c360/gen.h"
#include "c360/time.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define GEN_OUT_BUFFER (1 << 20)
#define GEN_TRUTH_FILE "truth"

static void usage(FILE *out)
{
    fputs("usage: c360 gen --out DIR [--customers N] [--seed S] [--today YYYY-MM-DD]\n"
          "                [--key-delimiter D] [-c FILE] [-X key=value]...\n"
          "\n"
          "Writes a synthetic bank into DIR as replay input, the same bytes for the same\n"
          "options: <topic name>.jsonl for each input topic of topics.dir, one message\n"
          "value per line in the topic's wire format with the fields its mapping reads\n"
          "(Salesforce CDC person accounts, Kafka Connect rows of accounts with 40 days\n"
          "of balances, transactions as JSON rows, S3 external accounts, web sessions).\n"
          "The first customers sit at the thresholds of the default segments;\n"
          "DIR/truth.jsonl says, per such customer, whether they are a member on\n"
          "today and when time alone changes that. The latest events fall on the\n"
          "morning of today. Prints the lines written per file on stderr.\n"
          "\n"
          "      --out DIR        folder to write (created if missing; files replaced)\n"
          "      --customers N    customers to generate (default 10000)\n"
          "      --seed S         seed of the random bank (default 1)\n"
          "      --today DATE     the bank's today (default " C360_GEN_TODAY_DEFAULT ")\n"
          "      --key-delimiter D\n"
          "                       write each message as its key, D and its value, as\n"
          "                       `kcat -P -K D` reads them (no longer replay input)\n"
          "  -c, --config FILE    properties file (key=value, # comments)\n"
          "  -X key=value         override one setting (repeatable)\n"
          "  -h, --help           this text\n",
          out);
}

struct out_file {
    FILE *f;
    char path[4096], tmp[4096];
    char *buf;
    unsigned long long lines;
};

struct out {
    struct out_file files[C360_GEN_STREAMS];
    const char *key_delimiter; /* NULL: values only */
};

static enum c360_err emit(const struct c360_gen_line *line, void *arg)
{
    struct out *out = arg;
    struct out_file *o = &out->files[line->stream];
    if (out->key_delimiter && line->key &&
        (fputs(line->key, o->f) == EOF || fputs(out->key_delimiter, o->f) == EOF))
        return C360_ERR_IO;
    if (fwrite(line->value, 1, line->len, o->f) != line->len || putc('\n', o->f) == EOF)
        return C360_ERR_IO;
    o->lines++;
    return C360_OK;
}

/* The topic stream s is written for, checked against what gen writes. */
static const struct c360_topic *stream_topic(const struct c360_topic_set *topics,
                                             enum c360_gen_stream s, const char *dir)
{
    const char *id = c360_gen_stream_topic(s), *format = c360_gen_stream_format(s);
    const struct c360_topic *t = c360_topic_set_find(topics, id);
    if (!t || t->role != C360_TOPIC_INPUT) {
        fprintf(stderr, "c360 gen: %s declares no input topic '%s'\n", dir, id);
        return NULL;
    }
    /* Replay input gives an Avro topic's records as JSON lines. */
    if (strcmp(t->format, format) != 0 &&
        !(strcmp(format, "json") == 0 && strcmp(t->format, "avro") == 0)) {
        fprintf(stderr, "c360 gen: topic %s is declared as %s; gen writes %s\n", t->name, t->format,
                format);
        return NULL;
    }
    return t;
}

static bool make_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0777) == 0 || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
        return true;
    fprintf(stderr, "c360 gen: cannot create %s: %s\n", dir,
            errno == EEXIST ? "not a folder" : strerror(errno));
    return false;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int c360_cli_gen(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    const char *dir = NULL, *today_arg = C360_GEN_TODAY_DEFAULT;
    unsigned long long customers = 10000, seed = 1;
    const char *key_delimiter = NULL;
    enum { OPT_OUT = C360_OPT_FIRST_COMMAND, OPT_CUSTOMERS, OPT_SEED, OPT_TODAY, OPT_KEYS };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"out", required_argument, NULL, OPT_OUT},
        {"customers", required_argument, NULL, OPT_CUSTOMERS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"today", required_argument, NULL, OPT_TODAY},
        {"key-delimiter", required_argument, NULL, OPT_KEYS},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        } else if (opt == OPT_OUT) {
            dir = optarg;
        } else if (opt == OPT_CUSTOMERS) {
            if (!c360_cli_parse_u64(optarg, 1, C360_GEN_CUSTOMERS_MAX, &customers)) {
                fprintf(stderr, "c360 gen: --customers: '%s' is not a number from 1 to %u\n",
                        optarg, C360_GEN_CUSTOMERS_MAX);
                return C360_EXIT_USAGE;
            }
        } else if (opt == OPT_SEED) {
            if (!c360_cli_parse_u64(optarg, 0, UINT64_MAX, &seed)) {
                fprintf(stderr, "c360 gen: --seed: '%s' is not a number from 0 to %llu\n", optarg,
                        (unsigned long long)UINT64_MAX);
                return C360_EXIT_USAGE;
            }
        } else if (opt == OPT_TODAY) {
            today_arg = optarg;
        } else if (opt == OPT_KEYS) {
            if (!optarg[0]) {
                fprintf(stderr, "c360 gen: --key-delimiter: give at least one character\n");
                return C360_EXIT_USAGE;
            }
            key_delimiter = optarg;
        } else if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (!dir || optind != argc) {
        usage(stderr);
        return C360_EXIT_USAGE;
    }
    struct c360_gen_conf conf = {.customers = (uint32_t)customers, .seed = seed};
    struct c360_diag diag;
    c360_diag_clear(&diag);
    if (c360_date_parse(today_arg, &conf.today, &diag)) {
        fprintf(stderr, "c360 gen: --today: %s\n", diag.text);
        return C360_EXIT_USAGE;
    }

    struct c360_config *cfg = NULL;
    struct c360_topic_set *topics = NULL;
    struct out out;
    memset(&out, 0, sizeof(out));
    out.key_delimiter = key_delimiter;
    struct out_file *files = out.files;
    int rc = C360_EXIT_USAGE;
    if (c360_cli_conf_load(&cc, &cfg) || c360_cli_topics_load(cfg, &topics))
        goto done;
    const char *topics_dir = c360_config_str(cfg, "topics.dir");
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        const char *name = GEN_TRUTH_FILE;
        if (s != C360_GEN_TRUTH) {
            const struct c360_topic *t = stream_topic(topics, (enum c360_gen_stream)s, topics_dir);
            if (!t)
                goto done;
            name = t->name;
        }
        int n = snprintf(files[s].path, sizeof(files[s].path), "%s/%s.jsonl", dir, name);
        if (n < 0 || (size_t)n + 4 >= sizeof(files[s].tmp)) {
            fprintf(stderr, "c360 gen: the path %s is too long\n", dir);
            goto done;
        }
        snprintf(files[s].tmp, sizeof(files[s].tmp), "%s/%s.jsonl.tmp", dir, name);
    }
    rc = C360_EXIT_FAIL;
    if (!make_dir(dir))
        goto done;
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        if (!(files[s].f = fopen(files[s].tmp, "w"))) {
            fprintf(stderr, "c360 gen: cannot write %s: %s\n", files[s].tmp, strerror(errno));
            goto done;
        }
        if ((files[s].buf = malloc(GEN_OUT_BUFFER)))
            setvbuf(files[s].f, files[s].buf, _IOFBF, GEN_OUT_BUFFER);
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct c360_gen_sink sink = {.emit = emit, .arg = &out};
    enum c360_err err = c360_gen_run(&conf, &sink, &diag);
    if (err) {
        if (err == C360_ERR_IO)
            fprintf(stderr, "c360 gen: cannot write into %s: %s\n", dir, strerror(errno));
        else
            c360_cli_report("gen", err, &diag);
        goto done;
    }
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        int closed = fclose(files[s].f);
        files[s].f = NULL;
        if (closed != 0 || rename(files[s].tmp, files[s].path) != 0) {
            fprintf(stderr, "c360 gen: cannot write %s: %s\n", files[s].path, strerror(errno));
            goto done;
        }
        files[s].tmp[0] = '\0';
    }
    fprintf(stderr, "c360 gen: %llu customers, seed %llu, today %s, in %.2f s:\n", customers, seed,
            today_arg, seconds_since(&t0));
    for (int s = 0; s < C360_GEN_STREAMS; s++)
        fprintf(stderr, "  %10llu  %s\n", files[s].lines, files[s].path);
    rc = C360_EXIT_OK;
done:
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        if (files[s].f)
            fclose(files[s].f);
        if (files[s].tmp[0] && rc != C360_EXIT_OK && rc != C360_EXIT_USAGE)
            remove(files[s].tmp);
        free(files[s].buf);
    }
    c360_topic_set_destroy(topics);
    c360_config_destroy(cfg);
    return rc;
}
