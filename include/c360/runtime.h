/*
 * c360 runtime — the imperative shell around the engine: the processor on
 * Kafka (`c360 run`, and `c360 demo` in-process) and process signals.
 *
 * The processor joins its consumer group on the declared input topics,
 * decodes each record, applies it to the engine and produces every output
 * the engine returns to its topic; a record that cannot be decoded or
 * applied goes to the dead-letter topic and its partition keeps flowing.
 * At-least-once: an input offset is committed only once every output and
 * dead letter of the records before it is confirmed delivered. Owns its
 * Kafka handles and the engine; never interprets record contents itself.
 */
#ifndef C360_RUNTIME_H
#define C360_RUNTIME_H

#include "c360/config.h"
#include "c360/engine.h"
#include "c360/err.h"
#include "c360/topic.h"

#include <stddef.h>

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

/* Runs the processor until SIGINT/SIGTERM, then leaves the group. Returns
 * C360_OK after a clean stop; C360_ERR_INVALID when the configuration asks the
 * consumer for what c360 owns (kafka.group.id, kafka.enable.auto.commit); other
 * errors when the client cannot be created, an output cannot be delivered or
 * librdkafka reports a fatal error. Every failure is logged here, where it is
 * handled. */
enum c360_err c360_runtime_run(const struct c360_config *cfg,
                               const struct c360_topic_set *topics) C360_MUST_USE;

/* --- The processor one step at a time, for a caller with its own loop
 * (`c360 demo` runs it in a thread of its own). One processor is used by one
 * thread at a time; only c360_runtime_stats may be called from any thread. */

struct c360_runtime;

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

#endif
