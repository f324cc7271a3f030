/*
 * c360 kafka — c360's side of librdkafka: client configurations built from
 * c360's config (librdkafka's log routed through c360's logger), the embedded
 * broker (librdkafka's mock cluster with the declared topics), and topic
 * verification/creation through the Admin API.
 *
 * Owns the handles it creates; logs only through librdkafka's callbacks. It
 * never decides what a record means: that is the codec's and engine's job.
 */
#ifndef C360_KAFKA_H
#define C360_KAFKA_H

#include "c360/config.h"
#include "c360/err.h"
#include "c360/topic.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

/* A librdkafka property c360 sets for a client before the user's kafka.*
 * settings, which may override it. */
struct c360_kafka_default {
    const char *key;
    const char *value;
};

/*
 * A new librdkafka configuration: `defaults` (NULL-key terminated, may be
 * NULL), then every kafka.* setting of cfg, then c360's log and error
 * callbacks. A setting librdkafka rejects fails with librdkafka's message and
 * the setting's origin in diag. On success the caller owns *out (pass it to
 * rd_kafka_new, which takes ownership, or rd_kafka_conf_destroy it).
 */
enum c360_err c360_kafka_conf_new(const struct c360_config *cfg,
                                  const struct c360_kafka_default *defaults, rd_kafka_conf_t **out,
                                  struct c360_diag *diag) C360_MUST_USE;

/* Checks every kafka.* setting of cfg without keeping a configuration: used at
 * start-up so a bad one is fatal before anything connects. */
enum c360_err c360_kafka_conf_check(const struct c360_config *cfg,
                                    struct c360_diag *diag) C360_MUST_USE;

/* --- The embedded broker (DESIGN.md §8). */

struct c360_kafka_mock;

/* Starts a mock cluster of `brokers` brokers on loopback and creates every
 * topic of `topics` with its partition count (replication min(brokers, 3)).
 * *out is new (c360_kafka_mock_destroy), untouched on failure. */
enum c360_err c360_kafka_mock_new(const struct c360_config *cfg, int brokers,
                                  const struct c360_topic_set *topics, struct c360_kafka_mock **out,
                                  struct c360_diag *diag) C360_MUST_USE;
/* The bootstrap list, "127.0.0.1:port,…"; borrowed. */
const char *c360_kafka_mock_bootstraps(const struct c360_kafka_mock *mock);
/* Serves the host client's queued events (errors reach the logger through
 * their callback). Call it now and then while the broker runs. */
void c360_kafka_mock_poll(struct c360_kafka_mock *mock);
/* librdkafka's handle, for fault injection in tests; borrowed. */
struct rd_kafka_mock_cluster_s *c360_kafka_mock_cluster(struct c360_kafka_mock *mock);
void c360_kafka_mock_destroy(struct c360_kafka_mock *mock);

/* --- Topics on a cluster (c360 topics verify|create). */

/* What a cluster holds for one declared topic. */
struct c360_kafka_topic_state {
    const struct c360_topic *topic; /* borrowed from the set */
    bool exists;
    int partitions;     /* actual count; 0 when missing */
    bool cleanup_known; /* false when the broker could not say (no DescribeConfigs) */
    char cleanup[32];   /* actual cleanup.policy */
    bool created;       /* created by this call */
    char error[256];    /* a per-topic error, "" if none */
};

/* Looks up every declared topic on the cluster of cfg. states has one entry
 * per topic of the set, in set order. C360_ERR_MISMATCH when anything differs
 * from the declaration; C360_ERR_KAFKA / _TIMEOUT when the cluster cannot be
 * asked (diag says why). */
enum c360_err c360_kafka_topics_verify(const struct c360_config *cfg,
                                       const struct c360_topic_set *topics, int timeout_ms,
                                       struct c360_kafka_topic_state *states,
                                       struct c360_diag *diag) C360_MUST_USE;

/* Creates the declared topics that are missing (partitions and cleanup.policy
 * as declared, `replication` or -1 for the broker default), then verifies.
 * A broker without the CreateTopics API (the embedded one) gives
 * C360_ERR_UNSUPPORTED instead of a hang. */
enum c360_err c360_kafka_topics_create(const struct c360_config *cfg,
                                       const struct c360_topic_set *topics, int replication,
                                       int timeout_ms, struct c360_kafka_topic_state *states,
                                       struct c360_diag *diag) C360_MUST_USE;

#endif
