/*
 * c360 runtime — the imperative shell around the engine: the processor loop
 * on Kafka (`c360 run`) and process signals.
 *
 * Today the loop joins its consumer group on the declared input topics,
 * follows rebalances, and leaves cleanly on SIGINT/SIGTERM; decoding, the
 * engine and the producer plug in here as they are built. Owns its Kafka
 * handles; never interprets record contents itself.
 */
#ifndef C360_RUNTIME_H
#define C360_RUNTIME_H

#include "c360/config.h"
#include "c360/err.h"
#include "c360/topic.h"

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
 * errors when the client cannot be created or librdkafka reports a fatal
 * error. Every failure is logged here, where it is handled. */
enum c360_err c360_runtime_run(const struct c360_config *cfg,
                               const struct c360_topic_set *topics) C360_MUST_USE;

#endif
