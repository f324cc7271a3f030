/*
 * c360 cli — `c360 demo`: the whole product in one process (DESIGN.md §2).
 * The embedded broker with the declared topics; a generated bank (src/gen)
 * published to the input topics by a producer, keyed as its sources key it;
 * the processor (c360_runtime) on those topics in a thread of its own, on
 * the event clock so the bank's today applies; and a live view (demo_view.c)
 * of what comes out. Once every record published is processed and every
 * output delivered, a summary.
 *
 * The processor is the one `c360 run` is: same consumer group protocol,
 * same producer, same commits. The bank goes out in two waves, the people
 * (Salesforce person accounts) first and, once they are processed, the
 * rest, as a CRM's customers exist before their accounts' balances flow:
 * the engine sends a member's CSR message on entry only when it holds the
 * person record with the FSC account to post it to (README, Status). The bank's transactions are
 * published as the JSON rows gen writes, so their topic is declared so here (a real EDW sends them
 * as Avro through the Schema Registry, which the demo has not).
 */
#include "c360/gen.h"
#include "c360/kafka.h"
#include "c360/log.h"
#include "c360/runtime.h"
#include "c360/time.h"
#include "cli.h"
#include "demo.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEMO_DRAW_MS 200
/* The processor making no progress this long with records left means
 * something is wrong: the demo gives up rather than hang. */
#define DEMO_STALL_MS 60000

static void usage(FILE *out)
{
    fputs("usage: c360 demo [--customers N] [--seed S] [--today YYYY-MM-DD]\n"
          "                 [-c FILE] [-X key=value]...\n"
          "\n"
          "Runs everything in this process: the embedded broker with every declared\n"
          "topic, a synthetic bank (as `c360 gen` makes it) published to the input\n"
          "topics, and the processor (as `c360 run` runs it) on the event clock, so the\n"
          "bank's today applies. Shows the records processed against those published,\n"
          "the event rate, segment ENTER and EXIT as read back from Kafka, and a few\n"
          "CSR messages as they appear; then a summary. Ctrl-C stops it early.\n"
          "\n"
          "      --customers N    customers to generate (default 10000)\n"
          "      --seed S         seed of the random bank (default 1)\n"
          "      --today DATE     the bank's today (default " C360_GEN_TODAY_DEFAULT ")\n"
          "  -c, --config FILE    properties file (key=value, # comments)\n"
          "  -X key=value         override one setting (repeatable); clock=event and\n"
          "                       log.level=warn unless given; -X http.port=9360 serves\n"
          "                       /metrics, /healthz and /readyz while it runs\n"
          "  -h, --help           this text\n",
          out);
}

/* The producer that publishes the bank, and what it confirmed. */
struct publisher {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkts[C360_GEN_STREAMS]; /* NULL for the truth */
    long long queued, delivered, failed;
};

struct demo {
    struct c360_config *cfg;
    struct c360_topic_set *topics;
    struct c360_kafka_mock *mock;
    struct c360_cli_view *view;
    struct publisher pub;
    struct c360_runtime *rt;
    struct c360_runtime_endpoint *endpoint; /* NULL unless http.port is set */
    pthread_t thread;
    bool thread_started, publishing, interrupted;
    bool people; /* the wave being published: the people, or everything else */
    atomic_bool stop;
    atomic_bool processor_ended;
    enum c360_err processor_err;
    struct c360_runtime_stats stats;
    long long start_ms, first_ms, next_draw_ms; /* first_ms: the first record seen processed */
    long long rate_ms, rate_n, progress_ms, progress_n;
    double rate;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *processor_main(void *arg)
{
    struct demo *d = arg;
    enum c360_err err = C360_OK;
    while (!atomic_load(&d->stop) && !err)
        err = c360_runtime_step(d->rt, 100);
    d->processor_err = err;
    atomic_store(&d->processor_ended, true);
    return NULL;
}

/* Delivery reports of the publisher: counted; a failure names no record. */
static void publisher_delivery_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    struct publisher *pub = opaque;
    if (msg->err) {
        if (!pub->failed)
            c360_log(C360_LOG_ERROR, "demo",
                     "a record of the bank was not published topic=%s "
                     "error=%s",
                     rd_kafka_topic_name(msg->rkt), rd_kafka_err2name(msg->err));
        pub->failed++;
    } else {
        pub->delivered++;
    }
}

static enum c360_err publisher_new(struct demo *d)
{
    struct c360_diag diag;
    rd_kafka_conf_t *conf;
    char errstr[512];
    enum c360_err err;
    /* Keys partitioned as Java clients do, so a party's records of every
     * source share a partition number (DESIGN.md §6); zstd keeps the bank's
     * Kafka Connect rows, schema and all, far below the embedded broker's
     * 5 MiB per partition. */
    static const struct c360_kafka_default defaults[] = {
        {"client.id", "c360-demo-bank"},
        {"enable.idempotence", "true"},
        {"partitioner", "murmur2_random"},
        {"compression.codec", "zstd"},
        {"linger.ms", "20"},
        {NULL, NULL},
    };
    c360_diag_clear(&diag);
    if ((err = c360_kafka_conf_new(d->cfg, defaults, &conf, &diag))) {
        c360_cli_report("demo", err, &diag);
        return err;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, publisher_delivery_cb);
    rd_kafka_conf_set_opaque(conf, &d->pub);
    if (!(d->pub.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "c360 demo: cannot create the bank's producer: %s\n", errstr);
        return C360_ERR_KAFKA;
    }
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        const char *id = c360_gen_stream_topic((enum c360_gen_stream)s);
        const struct c360_topic *t = id ? c360_topic_set_find(d->topics, id) : NULL;
        if (id && !t) {
            fprintf(stderr, "c360 demo: no input topic '%s' is declared for the bank\n", id);
            return C360_ERR_NOT_FOUND;
        }
        if (t && !(d->pub.rkts[s] = rd_kafka_topic_new(d->pub.rk, t->name, NULL)))
            return C360_ERR_KAFKA;
    }
    return C360_OK;
}

static void publisher_destroy(struct publisher *pub)
{
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        if (pub->rkts[s])
            rd_kafka_topic_destroy(pub->rkts[s]);
    }
    if (pub->rk)
        rd_kafka_destroy(pub->rk);
}

/* Keeps everything moving while the demo waits or publishes: the broker's
 * host client, the view, and the stop signal. Returns false when the demo
 * must stop (Ctrl-C, or the processor ended). */
static bool demo_tick(struct demo *d)
{
    long long now = mono_ms();
    rd_kafka_poll(d->pub.rk, 0);
    if (c360_runtime_signal_take(0)) {
        d->interrupted = true;
        return false;
    }
    if (now < d->next_draw_ms && !atomic_load(&d->processor_ended))
        return true;
    d->next_draw_ms = now + DEMO_DRAW_MS;
    c360_kafka_mock_poll(d->mock);
    c360_runtime_stats(d->rt, &d->stats);
    c360_cli_view_poll(d->view);
    if (now - d->rate_ms >= 1000) {
        d->rate = (double)(d->stats.received - d->rate_n) * 1000.0 / (double)(now - d->rate_ms);
        d->rate_ms = now;
        d->rate_n = d->stats.received;
    }
    if (d->stats.received && !d->first_ms)
        d->first_ms = now;
    if (d->stats.received != d->progress_n) {
        d->progress_n = d->stats.received;
        d->progress_ms = now;
    }
    struct c360_cli_progress pr = {
        .published = d->pub.delivered,
        .publishing = d->publishing,
        .processed = d->stats.received,
        .rate = d->rate,
        .elapsed = (double)(now - d->start_ms) / 1000.0,
    };
    c360_cli_view_draw(d->view, &pr);
    return !atomic_load(&d->processor_ended);
}

/* The gen sink: each line of an input stream is published, keyed as gen
 * says its source keys it. */
static enum c360_err publish_line(const struct c360_gen_line *line, void *arg)
{
    struct demo *d = arg;
    rd_kafka_topic_t *rkt = d->pub.rkts[line->stream];
    if (!rkt || (line->stream == C360_GEN_INDIVIDUAL) != d->people)
        return C360_OK; /* another wave's, or the truth (for tests) */
    for (;;) {
        rd_kafka_resp_err_t kerr = rd_kafka_producev(
            d->pub.rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(line->key, line->key ? strlen(line->key) : 0),
            RD_KAFKA_V_VALUE((void *)line->value, line->len), RD_KAFKA_V_END);
        if (kerr == RD_KAFKA_RESP_ERR_NO_ERROR)
            break;
        if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "c360 demo: cannot publish the bank: %s\n", rd_kafka_err2str(kerr));
            return C360_ERR_KAFKA;
        }
        rd_kafka_poll(d->pub.rk, 50); /* room comes as deliveries complete */
        if (!demo_tick(d))
            return C360_ERR_UNSUPPORTED; /* stopped: d says why */
    }
    if (++d->pub.queued % 1024 == 0 && !demo_tick(d))
        return C360_ERR_UNSUPPORTED;
    return C360_OK;
}

/* Publishes the wave d->people says and waits until the broker has
 * confirmed it. C360_ERR_UNSUPPORTED: stopped (interrupted, or the processor
 * ended). */
static enum c360_err publish_wave(struct demo *d, const struct c360_gen_conf *gen,
                                  struct c360_diag *diag)
{
    struct c360_gen_sink sink = {.emit = publish_line, .arg = d};
    enum c360_err err = c360_gen_run(gen, &sink, diag);
    while (!err && rd_kafka_outq_len(d->pub.rk) > 0) {
        rd_kafka_flush(d->pub.rk, 100);
        if (!demo_tick(d))
            err = C360_ERR_UNSUPPORTED;
    }
    return err;
}

/* Everything published is processed, every output delivered, and the view
 * has read back every segment change and CSR message. */
static bool demo_done(const struct demo *d)
{
    struct c360_cli_view_counts k;
    c360_cli_view_counts(d->view, &k);
    const struct c360_runtime_stats *s = &d->stats;
    return !d->publishing && s->received >= d->pub.delivered && s->in_flight == 0 &&
           s->delivered + s->failed == s->queued &&
           k.changes >= s->outputs[C360_OUT_SEGMENT_CHANGES] &&
           k.csr >= s->outputs[C360_OUT_ACTIVATION_CSR];
}

static void summary(const struct demo *d, const struct c360_gen_conf *gen, const char *today,
                    long long end_ms)
{
    char a[32], b[32], c[32], e[32];
    const struct c360_runtime_stats *s = &d->stats;
    struct c360_cli_view_counts k;
    c360_cli_view_counts(d->view, &k);
    double secs = (double)(end_ms - d->start_ms) / 1000.0;
    /* The rate of processing, from the first record seen processed (after
     * the group join) to the end. */
    double busy = d->first_ms ? (double)(end_ms - d->first_ms) / 1000.0 : 0;
    long long outputs = 0;
    for (int t = 0; t < C360_OUT_COUNT; t++)
        outputs += s->outputs[t];
    printf("\nc360 demo: %s in %.1f s\n", d->interrupted ? "interrupted" : "done", secs);
    printf("  bank        %s customers, seed %llu, today %s\n",
           c360_cli_view_num((long long)gen->customers, a, sizeof(a)),
           (unsigned long long)gen->seed, today);
    printf("  records     %s published, %s processed, %s dead-lettered; %s events/s\n",
           c360_cli_view_num(d->pub.delivered, a, sizeof(a)),
           c360_cli_view_num(s->received, b, sizeof(b)),
           c360_cli_view_num(s->dead_lettered, c, sizeof(c)),
           c360_cli_view_num(busy > 0 ? (long long)((double)s->received / busy) : 0, e, sizeof(e)));
    printf("  outputs     %s %s", c360_cli_view_num(outputs, a, sizeof(a)),
           s->failed || s->in_flight ? "produced, NOT all delivered" : "delivered");
    for (int t = 0; t < C360_OUT_COUNT; t++)
        printf("%s%s %s", t % 3 ? ", " : "\n              ",
               c360_engine_topic_id((enum c360_engine_topic)t),
               c360_cli_view_num(s->outputs[t], a, sizeof(a)));
    printf("\n");
    for (size_t i = 0; i < k.n_segments; i++)
        printf("  %-11s %-28s %s members (%s ENTER, %s EXIT)\n", i ? "" : "segments",
               k.segments[i].name,
               c360_cli_view_num(k.segments[i].enter - k.segments[i].exit, a, sizeof(a)),
               c360_cli_view_num(k.segments[i].enter, b, sizeof(b)),
               c360_cli_view_num(k.segments[i].exit, c, sizeof(c)));
    printf("  CSR         %s messages for the bank's advisors\n",
           c360_cli_view_num(k.csr, a, sizeof(a)));
    printf("  offsets     committed %s times for consumer group %s\n",
           c360_cli_view_num(s->commits, a, sizeof(a)), c360_config_str(d->cfg, "group.id"));
}

/* Stops the processor thread, then the processor (it commits and leaves
 * its group). */
static enum c360_err processor_stop(struct demo *d)
{
    enum c360_err err = C360_OK;
    if (d->thread_started) {
        atomic_store(&d->stop, true);
        pthread_join(d->thread, NULL);
        d->thread_started = false;
        err = d->processor_err;
    }
    if (d->rt) {
        enum c360_err cerr = c360_runtime_close(d->rt);
        c360_runtime_stats(d->rt, &d->stats);
        c360_runtime_endpoint_destroy(d->endpoint); /* it reads the processor's stats */
        d->endpoint = NULL;
        c360_runtime_destroy(d->rt);
        d->rt = NULL;
        if (!err)
            err = cerr;
    }
    return err;
}

static enum c360_err demo_run(struct demo *d, const struct c360_gen_conf *gen, const char *today)
{
    struct c360_diag diag;
    enum c360_err err;
    c360_diag_clear(&diag);
    /* The topics carry what gen writes: transactions as JSON rows. */
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        const char *id = c360_gen_stream_topic((enum c360_gen_stream)s);
        if (id && c360_topic_set_find(d->topics, id) &&
            (err = c360_topic_set_format(d->topics, id,
                                         c360_gen_stream_format((enum c360_gen_stream)s), &diag)))
            goto fail;
    }
    if ((err = c360_kafka_mock_new(d->cfg, 1, d->topics, &d->mock, &diag)) ||
        (err = c360_config_set(d->cfg, C360_CONFIG_KAFKA_PREFIX "bootstrap.servers",
                               c360_kafka_mock_bootstraps(d->mock), "c360 demo", &diag)))
        goto fail;
    printf("c360 demo: %u customers (seed %llu, today %s) on the embedded broker at %s\n",
           gen->customers, (unsigned long long)gen->seed, today,
           c360_kafka_mock_bootstraps(d->mock));
    fflush(stdout);
    if ((err = c360_cli_view_new(d->cfg, d->topics, &d->view)) || (err = publisher_new(d)) ||
        (err = c360_runtime_new(d->cfg, d->topics, &d->rt)) ||
        (err = c360_runtime_endpoint_new(d->rt, d->cfg, &d->endpoint)))
        return err; /* reported where they failed */
    if (d->endpoint) {
        const char *bind = c360_config_str(d->cfg, "http.bind");
        printf("c360 demo: metrics at http://%s%s%s:%d/metrics (and /healthz, /readyz)\n",
               strchr(bind, ':') ? "[" : "", bind, strchr(bind, ':') ? "]" : "",
               c360_runtime_endpoint_port(d->endpoint));
        fflush(stdout);
    }
    if (pthread_create(&d->thread, NULL, processor_main, d) != 0) {
        fprintf(stderr, "c360 demo: cannot start the processor's thread\n");
        return C360_ERR_NOMEM;
    }
    d->thread_started = true;

    d->publishing = true;
    for (int wave = 0; wave < 2 && !err; wave++) {
        d->people = wave == 0;
        if ((err = publish_wave(d, gen, &diag)) || !d->people)
            break;
        /* The people processed before the rest is published. */
        d->progress_ms = mono_ms();
        while (!err && d->stats.received < d->pub.delivered) {
            if (!demo_tick(d))
                err = C360_ERR_UNSUPPORTED;
            else if (c360_runtime_signal_take(DEMO_DRAW_MS / 4))
                d->interrupted = true, err = C360_ERR_UNSUPPORTED;
            else if (mono_ms() - d->progress_ms > DEMO_STALL_MS)
                err = C360_ERR_TIMEOUT;
        }
    }
    d->publishing = false;
    if (err == C360_ERR_UNSUPPORTED)
        return C360_OK; /* interrupted or the processor ended: the caller says */
    if (err == C360_ERR_TIMEOUT) {
        fprintf(stderr, "c360 demo: the processor made no progress for %d s\n",
                DEMO_STALL_MS / 1000);
        return err;
    }
    if (err)
        goto fail;
    if (d->pub.failed) {
        fprintf(stderr, "c360 demo: %lld records of the bank were not published\n", d->pub.failed);
        return C360_ERR_KAFKA;
    }
    d->progress_ms = mono_ms();
    while (demo_tick(d) && !demo_done(d)) {
        if (mono_ms() - d->progress_ms > DEMO_STALL_MS && d->stats.received < d->pub.delivered) {
            fprintf(stderr, "c360 demo: the processor made no progress for %d s\n",
                    DEMO_STALL_MS / 1000);
            return C360_ERR_TIMEOUT;
        }
        if (c360_runtime_signal_take(DEMO_DRAW_MS / 4)) {
            d->interrupted = true;
            break;
        }
    }
    return C360_OK;
fail:
    c360_cli_report("demo", err, &diag);
    return err;
}

/* Removes the demo's state store (the files LMDB and c360 make in it). */
static void state_dir_remove(const char *dir)
{
    static const char *const files[] = {"data.mdb", "lock.mdb", "c360.lock"};
    char path[128];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        (void)unlink(path);
    }
    (void)rmdir(dir);
}

int c360_cli_demo(int argc, char **argv)
{
    struct c360_cli_conf cc = {0};
    const char *today = C360_GEN_TODAY_DEFAULT;
    unsigned long long customers = 10000, seed = 1;
    enum { OPT_CUSTOMERS = C360_OPT_FIRST_COMMAND, OPT_SEED, OPT_TODAY };
    const struct option longopts[] = {
        C360_CLI_CONF_OPTIONS,
        {"customers", required_argument, NULL, OPT_CUSTOMERS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"today", required_argument, NULL, OPT_TODAY},
        {NULL, 0, NULL, 0},
    };
    /* -X is applied in order: these yield to the user's. */
    cc.overrides[cc.n_overrides++] = "clock=event";
    cc.overrides[cc.n_overrides++] = "log.level=warn";
    cc.overrides[cc.n_overrides++] = "group.id=c360-demo";
    /* The demo's broker lives in memory and dies with it: so does its state. */
    char state_dir[64] = "/tmp/c360-demo-XXXXXX", state_opt[80];
    if (!mkdtemp(state_dir)) {
        fprintf(stderr, "c360 demo: cannot make a state directory in /tmp: %s\n", strerror(errno));
        return C360_EXIT_FAIL;
    }
    snprintf(state_opt, sizeof(state_opt), "state.dir=%s", state_dir);
    cc.overrides[cc.n_overrides++] = state_opt;
    int opt;
    while ((opt = getopt_long(argc, argv, C360_CLI_CONF_SHORT, longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return C360_EXIT_OK;
        } else if (opt == OPT_CUSTOMERS) {
            if (!c360_cli_parse_u64(optarg, 1, C360_GEN_CUSTOMERS_MAX, &customers)) {
                fprintf(stderr, "c360 demo: --customers: '%s' is not a number from 1 to %u\n",
                        optarg, C360_GEN_CUSTOMERS_MAX);
                return C360_EXIT_USAGE;
            }
        } else if (opt == OPT_SEED) {
            if (!c360_cli_parse_u64(optarg, 0, UINT64_MAX, &seed)) {
                fprintf(stderr, "c360 demo: --seed: '%s' is not a number from 0 to %llu\n", optarg,
                        (unsigned long long)UINT64_MAX);
                return C360_EXIT_USAGE;
            }
        } else if (opt == OPT_TODAY) {
            today = optarg;
        } else if (c360_cli_conf_opt(&cc, opt, optarg) != 1) {
            usage(stderr);
            return C360_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        state_dir_remove(state_dir);
        return C360_EXIT_USAGE;
    }
    struct c360_gen_conf gen = {.customers = (uint32_t)customers, .seed = seed};
    struct c360_diag diag;
    c360_diag_clear(&diag);
    if (c360_date_parse(today, &gen.today, &diag)) {
        fprintf(stderr, "c360 demo: --today: %s\n", diag.text);
        state_dir_remove(state_dir);
        return C360_EXIT_USAGE;
    }

    /* Before librdkafka starts a thread, so its threads (and the
     * processor's) inherit the mask and Ctrl-C waits for this thread. */
    c360_runtime_signal_block();
    struct demo d = {.start_ms = mono_ms()};
    d.rate_ms = d.start_ms;
    int rc = C360_EXIT_USAGE;
    if (c360_cli_conf_load(&cc, &d.cfg) || c360_cli_topics_load(d.cfg, &d.topics))
        goto done;
    rc = C360_EXIT_FAIL;
    enum c360_err err = demo_run(&d, &gen, today);
    long long end_ms = mono_ms();
    if (d.view && d.rt) {
        c360_runtime_stats(d.rt, &d.stats);
        demo_tick(&d); /* the last drawing */
    }
    enum c360_err perr = processor_stop(&d);
    if (d.view) {
        c360_cli_view_end(d.view);
        if (!err && d.pub.rk)
            summary(&d, &gen, today, end_ms);
    }
    if (!err && perr) {
        fprintf(stderr, "c360 demo: the processor stopped: %s (see the log above)\n",
                c360_err_str(perr));
        err = perr;
    }
    if (!err && !d.interrupted && (d.stats.failed || d.pub.failed))
        err = C360_ERR_KAFKA;
    rc = err ? C360_EXIT_FAIL : C360_EXIT_OK;
done:
    (void)processor_stop(&d);
    c360_cli_view_destroy(d.view);
    publisher_destroy(&d.pub);
    c360_kafka_mock_destroy(d.mock);
    c360_topic_set_destroy(d.topics);
    c360_config_destroy(d.cfg);
    state_dir_remove(state_dir);
    return rc;
}
