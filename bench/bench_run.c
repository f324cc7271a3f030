/*
 * `c360 run` end to end through the embedded broker, with the state store
 * on (issue 6, item 9: ≥ 100k events/s on two cores, and event → segment
 * change p99 ≤ 50 ms at a steady 10k events/s).
 *
 * One process: librdkafka's mock cluster with the declared topics, a bank
 * from `c360 gen` (people first, then everything else, as in `c360 demo`),
 * the processor (c360_runtime_*) in a thread of its own with its state in a
 * temporary directory, and a consumer of c360.out.segment-changes.
 *
 *   build/release/bench/bench_run [customers=N] [rate=R] [sync=0|1] [batch=B]
 *                                 [fetch_wait=MS] [seed=S]
 *
 * rate=0 (the default) measures throughput: the whole bank is published
 * first, then the processor starts and is timed (wall clock) from its first
 * record to its last batch committed, every output delivered. rate=R
 * publishes the people, waits for them, then paces the rest at R records/s
 * while the processor runs, and measures the latency of each segment change
 * an input caused: from the moment the earliest record of its recordKey
 * still unanswered was handed to the producer, to the moment the change was
 * read back from Kafka. When several records of one account are in flight
 * the earliest is taken, so the figure errs high, never low. Prints events/s,
 * latency percentiles, batches, state-store size and the CPU time each kind
 * of thread used meanwhile (c360-processor, c360-decode, librdkafka's rdk).
 */
#include "c360/codec.h"
#include "c360/config.h"
#include "c360/gen.h"
#include "c360/kafka.h"
#include "c360/log.h"
#include "c360/runtime.h"
#include "c360/strmap.h"
#include "c360/time.h"
#include "c360/topic.h"

#include <dirent.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define KEYS_MAX 20000000

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what, enum c360_err err, const struct c360_diag *diag)
{
    fprintf(stderr, "bench_run: %s: %s %s\n", what, c360_err_str(err), diag ? diag->text : "");
    exit(1);
}

/* One generated line to publish. */
struct line {
    int stream;
    char *key, *value;
    size_t len;
    uint32_t rkey; /* index of its record key in the latency table, or UINT32_MAX */
};

struct bench {
    struct c360_config *cfg;
    struct c360_topic_set *topics;
    struct c360_kafka_mock *mock;
    rd_kafka_t *pub;
    rd_kafka_topic_t *rkts[C360_GEN_STREAMS];
    struct line *lines;
    size_t n_lines, cap_lines;
    /* Latency: per record key, the earliest send not yet answered (µs, 0: none). */
    struct c360_strmap *keys;
    int64_t *pending;
    size_t n_keys;
    int64_t *samples;
    size_t n_samples, cap_samples;
    /* The processor. */
    struct c360_runtime *rt;
    pthread_t thread;
    atomic_bool stop;
    enum c360_err err;
};

static enum c360_err keep_line(const struct c360_gen_line *gl, void *arg)
{
    struct bench *b = arg;
    if (gl->stream == C360_GEN_TRUTH)
        return C360_OK;
    if (b->n_lines == b->cap_lines) {
        b->cap_lines = b->cap_lines ? 2 * b->cap_lines : 65536;
        b->lines = realloc(b->lines, b->cap_lines * sizeof(*b->lines));
        if (!b->lines)
            return C360_ERR_NOMEM;
    }
    b->lines[b->n_lines++] = (struct line){gl->stream, gl->key ? strdup(gl->key) : NULL,
                                           strdup(gl->value), gl->len, UINT32_MAX};
    return C360_OK;
}

/* Gives each line that is not a person its record key (system:recordId),
 * decoded as the processor will decode it. */
static void index_keys(struct bench *b)
{
    struct c360_codec *codecs[C360_GEN_STREAMS] = {0};
    struct c360_record *rec;
    if (c360_record_new(C360_ENTITY_INDIVIDUAL, &rec) || c360_strmap_new(KEYS_MAX, &b->keys))
        die("memory", C360_ERR_NOMEM, NULL);
    b->pending = calloc(b->n_lines, sizeof(*b->pending));
    for (size_t i = 0; i < b->n_lines; i++) {
        struct line *l = &b->lines[i];
        if (l->stream == C360_GEN_INDIVIDUAL)
            continue;
        const char *id = c360_gen_stream_topic((enum c360_gen_stream)l->stream);
        const struct c360_topic *t = c360_topic_set_find(b->topics, id);
        struct c360_diag diag;
        c360_diag_clear(&diag);
        if (!codecs[l->stream] && c360_codec_new(t, NULL, &codecs[l->stream], &diag))
            die("codec", C360_ERR_INVALID, &diag);
        struct c360_codec_msg msg = {.topic = t->name,
                                     .value = l->value,
                                     .len = l->len,
                                     .key = l->key,
                                     .key_len = l->key ? strlen(l->key) : 0,
                                     .timestamp = C360_TIME_NONE};
        c360_record_reset(rec, C360_ENTITY_INDIVIDUAL);
        if (c360_codec_decode(codecs[l->stream], &msg, rec, &diag))
            continue; /* the processor dead-letters it: no change to wait for */
        char key[600];
        uint32_t at;
        snprintf(key, sizeof(key), "%s:%s", rec->source_system, rec->source_record_id);
        if (!c360_strmap_get(b->keys, key, &at)) {
            at = (uint32_t)b->n_keys++;
            if (c360_strmap_put(b->keys, key, at))
                die("memory", C360_ERR_NOMEM, NULL);
        }
        l->rkey = at;
    }
    for (int s = 0; s < C360_GEN_STREAMS; s++)
        c360_codec_destroy(codecs[s]);
    c360_record_destroy(rec);
}

static void publisher_new(struct bench *b)
{
    struct c360_diag diag;
    rd_kafka_conf_t *conf;
    char errstr[512];
    static const struct c360_kafka_default defaults[] = {
        {"client.id", "bench-bank"},
        {"enable.idempotence", "true"},
        {"partitioner", "murmur2_random"},
        {"compression.codec", "zstd"},
        {"linger.ms", "1"},
        {NULL, NULL},
    };
    c360_diag_clear(&diag);
    if (c360_kafka_conf_new(b->cfg, defaults, &conf, &diag))
        die("publisher", C360_ERR_INVALID, &diag);
    if (!(b->pub = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr))))
        die(errstr, C360_ERR_KAFKA, NULL);
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        const char *id = c360_gen_stream_topic((enum c360_gen_stream)s);
        const struct c360_topic *t = id ? c360_topic_set_find(b->topics, id) : NULL;
        if (t)
            b->rkts[s] = rd_kafka_topic_new(b->pub, t->name, NULL);
    }
}

static void publish(struct bench *b, const struct line *l)
{
    for (;;) {
        rd_kafka_resp_err_t kerr = rd_kafka_producev(
            b->pub, RD_KAFKA_V_RKT(b->rkts[l->stream]), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(l->key, l->key ? strlen(l->key) : 0), RD_KAFKA_V_VALUE(l->value, l->len),
            RD_KAFKA_V_END);
        if (!kerr)
            return;
        if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            die(rd_kafka_err2str(kerr), C360_ERR_KAFKA, NULL);
        rd_kafka_poll(b->pub, 10);
    }
}

static void publish_flush(struct bench *b)
{
    while (rd_kafka_outq_len(b->pub) > 0)
        rd_kafka_flush(b->pub, 100);
}

/* CPU time by thread name (/proc/self/task/<tid>/stat), to tell where the
 * two cores went while the processor ran. Threads of one name add up. */
#define CPU_NAMES 32

struct cpu_use {
    char name[CPU_NAMES][20];
    double secs[CPU_NAMES];
    size_t n;
};

static void cpu_add(struct cpu_use *u, const char *name, double secs)
{
    size_t i = 0;
    while (i < u->n && strcmp(u->name[i], name) != 0)
        i++;
    if (i == u->n) {
        if (u->n == CPU_NAMES)
            return;
        snprintf(u->name[u->n++], sizeof(u->name[0]), "%s", name);
        u->secs[i] = 0;
    }
    u->secs[i] += secs;
}

static void cpu_snapshot(struct cpu_use *u)
{
    u->n = 0;
    DIR *dir = opendir("/proc/self/task");
    if (!dir)
        return;
    double tick = (double)sysconf(_SC_CLK_TCK);
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], line[1024];
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(line, 1, sizeof(line) - 1, f);
        fclose(f);
        line[n] = '\0';
        /* "tid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
         * majflt cmajflt utime stime ...": comm may hold spaces, not ')'. */
        char *open = strchr(line, '('), *close = strrchr(line, ')');
        unsigned long long ut, st;
        if (!open || !close || close < open ||
            sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) !=
                2)
            continue;
        *close = '\0';
        /* librdkafka names a broker's thread after its address: by kind. */
        char name[20];
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(open + 1, "/:"), open + 1);
        cpu_add(u, name, (double)(ut + st) / tick);
    }
    closedir(dir);
}

static void cpu_print(const struct cpu_use *before, const struct cpu_use *after, double wall)
{
    double total = 0;
    char text[1024] = "";
    size_t at = 0;
    for (size_t i = 0; i < after->n; i++) {
        double secs = after->secs[i];
        for (size_t j = 0; j < before->n; j++)
            if (strcmp(before->name[j], after->name[i]) == 0)
                secs -= before->secs[j];
        if (secs < 0) /* threads of the name ended meanwhile: their time is not known */
            continue;
        total += secs;
        if (secs >= 0.05 && at < sizeof(text))
            at += (size_t)snprintf(text + at, sizeof(text) - at, " %s %.2f", after->name[i], secs);
    }
    printf("  cpu         %.2f s, %.2f cores busy; by thread (s):%s\n", total, total / wall, text);
}

static void *processor_main(void *arg)
{
    struct bench *b = arg;
    enum c360_err err = C360_OK;
    prctl(PR_SET_NAME, "c360-processor");
    while (!atomic_load(&b->stop) && !err)
        err = c360_runtime_step(b->rt, 20);
    b->err = err;
    return NULL;
}

static void processor_start(struct bench *b)
{
    if (c360_runtime_new(b->cfg, b->topics, &b->rt))
        die("processor", C360_ERR_INVALID, NULL);
    pthread_create(&b->thread, NULL, processor_main, b);
}

/* Everything received was applied, every output delivered and committed. */
static bool processor_done(struct bench *b, size_t records, struct c360_runtime_stats *s)
{
    c360_runtime_stats(b->rt, s);
    return s->received >= (long long)records && s->in_flight == 0 &&
           s->delivered + s->failed == s->queued;
}

/* Reads what segment changes came, as latency samples. */
static void read_changes(struct bench *b, rd_kafka_t *con, int timeout_ms)
{
    rd_kafka_message_t *m;
    while ((m = rd_kafka_consumer_poll(con, timeout_ms))) {
        int64_t t = now_us();
        timeout_ms = 0;
        char text[8192];
        const char *at = NULL;
        if (!m->err && m->len < sizeof(text)) {
            memcpy(text, m->payload, m->len);
            text[m->len] = '\0';
            at = strstr(text, "\"recordKey\":\"");
        }
        if (at) {
            at += 13;
            const char *end = strchr(at, '"');
            char key[600];
            uint32_t i;
            if (end && (size_t)(end - at) < sizeof(key)) {
                memcpy(key, at, (size_t)(end - at));
                key[end - at] = '\0';
                if (c360_strmap_get(b->keys, key, &i) && b->pending[i]) {
                    if (b->n_samples == b->cap_samples) {
                        b->cap_samples = b->cap_samples ? 2 * b->cap_samples : 4096;
                        b->samples = realloc(b->samples, b->cap_samples * sizeof(*b->samples));
                    }
                    b->samples[b->n_samples++] = t - b->pending[i];
                    b->pending[i] = 0;
                }
            }
        }
        rd_kafka_message_destroy(m);
    }
}

static rd_kafka_t *changes_consumer(struct bench *b)
{
    struct c360_diag diag;
    rd_kafka_conf_t *conf;
    char errstr[512];
    static const struct c360_kafka_default defaults[] = {
        {"group.id", "bench-changes"},
        {"auto.offset.reset", "earliest"},
        {"fetch.wait.max.ms", "5"},
        {"enable.auto.commit", "false"},
        {NULL, NULL},
    };
    c360_diag_clear(&diag);
    if (c360_kafka_conf_new(b->cfg, defaults, &conf, &diag))
        die("consumer", C360_ERR_INVALID, &diag);
    rd_kafka_t *con = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!con)
        die(errstr, C360_ERR_KAFKA, NULL);
    rd_kafka_poll_set_consumer(con);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, c360_topic_set_find(b->topics, "segment-changes")->name,
                                      RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(con, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    return con;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, c = *(const int64_t *)y;
    return a < c ? -1 : a > c;
}

static double pct(const int64_t *v, size_t n, double p)
{
    return n ? (double)v[(size_t)(p * (double)(n - 1))] / 1000.0 : 0;
}

static void set(struct bench *b, const char *key, const char *value)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    if (c360_config_set(b->cfg, key, value, "bench_run", &diag))
        die(key, C360_ERR_INVALID, &diag);
}

int main(int argc, char **argv)
{
    struct bench b = {0};
    struct c360_diag diag;
    unsigned long customers = 10000, rate = 0, seed = 1;
    /* The embedded broker holds a fetch that finds no data for the whole
     * fetch.wait.max.ms (librdkafka's mock does not cut the wait short when a
     * producer writes, as a real broker does once fetch.min.bytes arrive), so
     * with librdkafka's 500 ms default the mock, not c360, sets the latency. */
    const char *sync = "true", *batch = NULL, *fetch_wait = "10";
    const char *kafka_args[16];
    int n_kafka_args = 0;
    for (int i = 1; i < argc; i++) {
        if (sscanf(argv[i], "customers=%lu", &customers) == 1 ||
            sscanf(argv[i], "rate=%lu", &rate) == 1 || sscanf(argv[i], "seed=%lu", &seed) == 1)
            continue;
        if (strncmp(argv[i], "sync=", 5) == 0)
            sync = argv[i][5] == '1' ? "true" : "false";
        else if (strncmp(argv[i], "batch=", 6) == 0)
            batch = argv[i] + 6;
        else if (strncmp(argv[i], "fetch_wait=", 11) == 0)
            fetch_wait = argv[i] + 11;
        else if (strncmp(argv[i], C360_CONFIG_KAFKA_PREFIX, strlen(C360_CONFIG_KAFKA_PREFIX)) ==
                     0 &&
                 strchr(argv[i], '=') && n_kafka_args < 16)
            kafka_args[n_kafka_args++] = argv[i];
        else {
            fprintf(stderr, "usage: bench_run [customers=N] [rate=R] [sync=0|1] [batch=B] "
                            "[fetch_wait=MS] [seed=S] [kafka.NAME=VALUE ...]\n");
            return 2;
        }
    }
    char state[] = "/tmp/c360-bench-run-XXXXXX";
    if (!mkdtemp(state))
        die("mkdtemp", C360_ERR_IO, NULL);
    c360_diag_clear(&diag);
    if (c360_config_new(&b.cfg))
        die("config", C360_ERR_NOMEM, NULL);
    set(&b, "log.level", "warn");
    set(&b, "clock", "event");
    set(&b, "state.dir", state);
    set(&b, "state.sync", sync);
    if (batch) /* else the configuration's default */
        set(&b, "batch.records", batch);
    set(&b, "group.id", "bench-run");
    set(&b, C360_CONFIG_KAFKA_PREFIX "fetch.wait.max.ms", fetch_wait);
    for (int i = 0; i < n_kafka_args; i++) {
        char name[256];
        const char *eq = strchr(kafka_args[i], '=');
        snprintf(name, sizeof(name), "%.*s", (int)(eq - kafka_args[i]), kafka_args[i]);
        set(&b, name, eq + 1);
    }
    c360_log_set_level(C360_LOG_WARN);
    if (c360_topic_set_load_dir(c360_config_str(b.cfg, "topics.dir"), &b.topics, &diag))
        die("topics", C360_ERR_INVALID, &diag);
    for (int s = 0; s < C360_GEN_STREAMS; s++) {
        const char *id = c360_gen_stream_topic((enum c360_gen_stream)s);
        if (id && c360_topic_set_format(b.topics, id,
                                        c360_gen_stream_format((enum c360_gen_stream)s), &diag))
            die("topics", C360_ERR_INVALID, &diag);
    }
    if (c360_kafka_mock_new(b.cfg, 1, b.topics, &b.mock, &diag))
        die("broker", C360_ERR_KAFKA, &diag);
    set(&b, C360_CONFIG_KAFKA_PREFIX "bootstrap.servers", c360_kafka_mock_bootstraps(b.mock));

    struct c360_gen_conf gen = {.customers = (uint32_t)customers, .seed = seed};
    struct c360_gen_sink sink = {keep_line, &b};
    if (c360_date_parse(C360_GEN_TODAY_DEFAULT, &gen.today, &diag) ||
        c360_gen_run(&gen, &sink, &diag))
        die("gen", C360_ERR_INVALID, &diag);
    size_t people = 0;
    for (size_t i = 0; i < b.n_lines; i++)
        people += b.lines[i].stream == C360_GEN_INDIVIDUAL;
    publisher_new(&b);
    printf("bench_run: %lu customers, %zu records (%zu people), state.sync=%s, batch.records=%s, "
           "%s\n",
           customers, b.n_lines, people, sync, c360_config_str(b.cfg, "batch.records"),
           rate ? "paced" : "throughput: published first, then processed");
    fflush(stdout);

    struct c360_runtime_stats s;
    struct cpu_use cpu0 = {0}, cpu1 = {0};
    int64_t t0, t1;
    if (!rate) {
        for (int wave = 0; wave < 2; wave++)
            for (size_t i = 0; i < b.n_lines; i++)
                if ((b.lines[i].stream == C360_GEN_INDIVIDUAL) == (wave == 0))
                    publish(&b, &b.lines[i]);
        publish_flush(&b);
        processor_start(&b);
        t0 = 0;
        while (!processor_done(&b, b.n_lines, &s) && !b.err) {
            if (!t0 && s.received) {
                t0 = now_us();
                cpu_snapshot(&cpu0);
            }
            c360_kafka_mock_poll(b.mock);
            nanosleep(&(struct timespec){0, 2000000}, NULL);
        }
        t1 = now_us();
        cpu_snapshot(&cpu1);
    } else {
        index_keys(&b);
        rd_kafka_t *con = changes_consumer(&b);
        processor_start(&b);
        for (size_t i = 0; i < b.n_lines; i++)
            if (b.lines[i].stream == C360_GEN_INDIVIDUAL)
                publish(&b, &b.lines[i]);
        publish_flush(&b);
        while (!processor_done(&b, people, &s) && !b.err) {
            read_changes(&b, con, 10);
            rd_kafka_poll(b.pub, 0);
        }
        b.n_samples = 0; /* the people's changes are not paced */
        t0 = now_us();
        cpu_snapshot(&cpu0);
        size_t sent = 0, i = 0;
        while (i < b.n_lines) {
            /* Every millisecond, what is due by then: no busy wait. */
            size_t due = (size_t)((now_us() - t0) * (int64_t)rate / 1000000);
            for (; i < b.n_lines && sent < due; i++) {
                struct line *l = &b.lines[i];
                if (l->stream == C360_GEN_INDIVIDUAL)
                    continue;
                if (l->rkey != UINT32_MAX && !b.pending[l->rkey])
                    b.pending[l->rkey] = now_us();
                publish(&b, l);
                sent++;
            }
            rd_kafka_poll(b.pub, 0);
            read_changes(&b, con, 1);
        }
        while (!processor_done(&b, b.n_lines, &s) && !b.err) {
            read_changes(&b, con, 10);
            rd_kafka_poll(b.pub, 0);
        }
        read_changes(&b, con, 500);
        t1 = now_us();
        cpu_snapshot(&cpu1);
        rd_kafka_consumer_close(con);
        rd_kafka_destroy(con);
    }
    atomic_store(&b.stop, true);
    pthread_join(b.thread, NULL);
    if (b.err)
        die("processor", b.err, NULL);
    if (c360_runtime_close(b.rt))
        die("processor close", C360_ERR_KAFKA, NULL);
    c360_runtime_stats(b.rt, &s);
    double secs = (double)(t1 - t0) / 1e6;
    long long outputs = 0;
    for (int t = 0; t < C360_OUT_COUNT; t++)
        outputs += s.outputs[t];
    printf("  processed   %lld records in %.2f s wall: %.0f events/s (%lld outputs, %lld dead "
           "letters)\n",
           s.received, secs, (double)(rate ? s.received - (long long)people : s.received) / secs,
           outputs, s.dead_lettered);
    printf("  batches     %lld committed; state store %.1f MB for %zu profiles\n", s.batches,
           (double)s.store_bytes / 1e6, s.profiles);
    cpu_print(&cpu0, &cpu1, secs);
    if (rate) {
        qsort(b.samples, b.n_samples, sizeof(*b.samples), cmp_i64);
        printf("  latency     %zu segment changes caused by an input at %lu records/s: p50 %.1f "
               "ms, p99 %.1f ms, max %.1f ms\n",
               b.n_samples, rate, pct(b.samples, b.n_samples, 0.50),
               pct(b.samples, b.n_samples, 0.99), pct(b.samples, b.n_samples, 1.0));
    }
    c360_runtime_destroy(b.rt);
    for (int st = 0; st < C360_GEN_STREAMS; st++)
        if (b.rkts[st])
            rd_kafka_topic_destroy(b.rkts[st]);
    rd_kafka_destroy(b.pub);
    c360_kafka_mock_destroy(b.mock);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", state);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_run: %s left behind\n", state);
    return 0;
}
