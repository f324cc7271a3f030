/*
 * c360 runtime — the imperative shell around the engine: the processor on
 * Kafka (`c360 run`, and `c360 demo` in-process) and process signals.
 *
 * The processor joins its consumer group on the declared input topics,
 * decodes each record, applies it to the engine and produces every output
 * the engine returns to its topic; a record that cannot be decoded or
 * applied goes to the dead-letter topic and its partition keeps flowing.
 * Exactly-once state (DESIGN.md §6): records go in batches; a batch's state
 * changes and the input offsets after it are committed together to the
 * state store (state.dir), once every output and dead letter of the batch
 * is confirmed delivered, and a restarted processor resumes from there.
 * Owns its Kafka handles, the engine and the store; never interprets record
 * contents itself.
 * Its counters, published once per step, are what the metrics and health
 * probes of its HTTP endpoint read, from the endpoint's own thread.
 */
#ifndef C360_RUNTIME_H
#define C360_RUNTIME_H

#include "c360/config.h"
#include "c360/engine.h"
#include "c360/err.h"
#include "c360/http.h"
#include "c360/topic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct c360_registry;

/* The Schema Registry client that cfg's schema.registry.* settings describe;
 * *out is new (c360_registry_destroy), or NULL when schema.registry.url is
 * empty. diag names the setting at fault. Sends no request. */
enum c360_err c360_runtime_registry_new(const struct c360_config *cfg, struct c360_registry **out,
                                        struct c360_diag *diag) C360_MUST_USE;

/*
 * Blocks SIGINT and SIGTERM in the calling thread. Long-running commands call
 * it before creating any librdkafka handle: librdkafka's threads inherit the
 * mask, so a stop signal stays pending until c360_runtime_signal_take()
 * collects it and no asynchronous handler ever runs. One-shot commands never
 * block them and keep the default behaviour.
 */
void c360_runtime_signal_block(void);

/* Waits up to timeout_ms (0: just look, -1: forever) for SIGINT or SIGTERM;
 * returns the signal number, or 0 if none came. Once a signal is taken the
 * calling thread unblocks them again, so while the process winds down a
 * second Ctrl-C ends it at once (the default action). */
int c360_runtime_signal_take(int timeout_ms);

/* Runs the processor until SIGINT/SIGTERM, then leaves the group; with its
 * HTTP endpoint (c360_runtime_endpoint_new) when http.port is set. Returns
 * C360_OK after a clean stop; C360_ERR_INVALID when the configuration asks the
 * consumer for what c360 owns (kafka.group.id, kafka.enable.auto.commit) or
 * http.bind is no address; other errors when the client cannot be created,
 * the endpoint cannot listen, an output cannot be delivered or librdkafka
 * reports a fatal error. Every failure is logged here, where it is handled. */
enum c360_err c360_runtime_run(const struct c360_config *cfg,
                               const struct c360_topic_set *topics) C360_MUST_USE;

/* --- The processor one step at a time, for a caller with its own loop
 * (`c360 demo` runs it in a thread of its own). One processor is used by one
 * thread at a time; only c360_runtime_stats may be called from any thread. */

struct c360_runtime;

/* Steps are counted by how long their batch took, in buckets whose upper
 * bounds these are (microseconds; a last bucket takes the rest). */
#define C360_RUNTIME_LATENCY_BUCKETS 16
extern const int64_t c360_runtime_latency_bounds_us[C360_RUNTIME_LATENCY_BUCKETS];
/* Partitions whose consumer lag the stats list, at most; more are left out. */
#define C360_RUNTIME_LAG_MAX 1024

/* One declared topic's traffic. */
struct c360_runtime_topic_stats {
    const char *name; /* borrowed from the processor's topic set */
    enum c360_topic_role role;
    long long received;  /* records consumed (inputs) */
    long long delivered; /* messages confirmed delivered; -1: the processor writes none */
};

/* How far one owned partition's consumer is behind its end. */
struct c360_runtime_lag {
    const char *topic; /* borrowed from the processor's topic set */
    int32_t partition;
    int64_t lag; /* the high watermark minus the consumer's position */
};

/* What a processor has done so far. */
struct c360_runtime_stats {
    long long received;                  /* records consumed */
    long long applied;                   /* records decoded and applied (re-syncs included) */
    long long dead_lettered;             /* records sent to the dead-letter topic */
    long long resyncs;                   /* Salesforce CDC re-sync requests sent */
    long long outputs[C360_OUT_COUNT];   /* engine outputs queued, by enum c360_engine_topic */
    long long queued, delivered, failed; /* every message produced: outputs, re-syncs, DLQ */
    long long dlq_delivered;             /* dead letters confirmed delivered */
    long long commits;                   /* offset commits the group coordinator accepted */
    size_t in_flight;   /* consumed records whose outputs are not all delivered yet */
    size_t uncommitted; /* owned partitions with a committable offset not yet committed */
    size_t identity_records, identity_capped_keys, timers;
    size_t profiles;              /* unified profiles held */
    size_t state_bytes;           /* the engine's state (c360_engine_bytes), counted every 10 s */
    size_t store_bytes;           /* the state store's pages in use */
    long long batches;            /* batches committed to the state store */
    long long batch_ms_last;      /* first change to commit, of the last batch */
    long long partitions_rebuilt; /* assigned with no local state: read from the start */
    /* Per declared topic, in the topic set's order. */
    struct c360_runtime_topic_stats topics[C360_TOPIC_SET_MAX];
    size_t n_topics;
    /* Steps that consumed records, by how long processing their batch took
     * (c360_runtime_observe_latency). */
    long long latency[C360_RUNTIME_LATENCY_BUCKETS + 1];
    long long latency_count, latency_sum_us;
    /* Partitions owned, and the lag of those whose position and high
     * watermark are both known (sampled once a second). */
    size_t assigned;
    struct c360_runtime_lag lag[C360_RUNTIME_LAG_MAX];
    size_t n_lag;
    int64_t published_ms; /* CLOCK_MONOTONIC time of this copy; 0: no step yet */
    bool closing;         /* c360_runtime_close has begun */
};

/* Builds the processor of cfg on topics (borrowed for its life): codecs,
 * engine, producer, and a consumer subscribed to the decodable inputs.
 * *out is new (c360_runtime_destroy). Failures are logged here; errors as for
 * c360_runtime_run. */
enum c360_err c360_runtime_new(const struct c360_config *cfg, const struct c360_topic_set *topics,
                               struct c360_runtime **out) C360_MUST_USE;

/* Waits up to timeout_ms for records and processes what came, serves
 * delivery reports, fires the engine's timers (clock=wall, once a second)
 * and commits offsets when due. An error means the processor must stop
 * (logged here): a fatal client error, an output that cannot be delivered,
 * memory exhausted. */
enum c360_err c360_runtime_step(struct c360_runtime *rt, int timeout_ms) C360_MUST_USE;

/* A copy of the counters, as of the last step; safe from any thread. */
void c360_runtime_stats(struct c360_runtime *rt, struct c360_runtime_stats *out);

/* Stops: waits for the outputs in flight, commits the offsets they allow,
 * leaves the group and logs the counters. Returns an error when outputs were
 * left undelivered or had failed (so offsets stay behind them). The
 * processor can then only be destroyed. */
enum c360_err c360_runtime_close(struct c360_runtime *rt) C360_MUST_USE;
void c360_runtime_destroy(struct c360_runtime *rt);

/* --- Metrics and health (src/runtime/metrics.c): pure functions of the
 * stats, so they can be checked without a broker. Metric names and labels
 * never carry customer data: label values are topic names and partitions. */

/* Counts one step whose batch took us microseconds. */
void c360_runtime_observe_latency(struct c360_runtime_stats *s, int64_t us);

/* The Prometheus text exposition (format 0.0.4) of s. *out is new (free),
 * NUL-terminated, *len bytes long. */
#define C360_RUNTIME_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
enum c360_err c360_runtime_render_metrics(const struct c360_runtime_stats *s, char **out,
                                          size_t *len) C360_MUST_USE;

/* The answer to GET path given s, at now_ms (CLOCK_MONOTONIC):
 * /metrics; /healthz, 200 while the loop published within live_ms, else 503;
 * /readyz, 200 while it is live, owns partitions and is not closing, else
 * 503; 404 otherwise. reply->body is new. */
enum c360_err c360_runtime_answer_http(const struct c360_runtime_stats *s, int64_t now_ms,
                                       int64_t live_ms, const char *path,
                                       struct c360_http_reply *reply) C360_MUST_USE;

/* The HTTP endpoint of a processor (src/runtime/endpoint.c): http.bind and
 * http.port of cfg, answering from c360_runtime_stats in the server's thread
 * (never touching Kafka or the engine). *out is new
 * (c360_runtime_endpoint_destroy, before the processor), or NULL when
 * http.port is 0. Failures are logged here. */
struct c360_runtime_endpoint;
enum c360_err c360_runtime_endpoint_new(struct c360_runtime *rt, const struct c360_config *cfg,
                                        struct c360_runtime_endpoint **out) C360_MUST_USE;
void c360_runtime_endpoint_destroy(struct c360_runtime_endpoint *ep);
/* The port it listens on. */
int c360_runtime_endpoint_port(const struct c360_runtime_endpoint *ep);

#endif
