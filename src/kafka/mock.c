/*
 * c360 kafka — the embedded broker: librdkafka's mock cluster, a Kafka
 * protocol broker on loopback, with the declared topics created through the
 * mock API (the mock has no CreateTopics, DESIGN.md §8).
 */
#include "c360/kafka.h"

#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <string.h>

struct c360_kafka_mock {
    rd_kafka_t *rk; /* hosts the cluster and owns it */
    rd_kafka_mock_cluster_t *cluster;
};

enum c360_err c360_kafka_mock_new(const struct c360_config *cfg, int brokers,
                                  const struct c360_topic_set *topics, struct c360_kafka_mock **out,
                                  struct c360_diag *diag)
{
    enum c360_err err;
    char errstr[512];
    rd_kafka_conf_t *conf = NULL;
    char count[16];
    snprintf(count, sizeof(count), "%d", brokers);
    /* test.mock.num.brokers makes the host client start the cluster and
     * bootstrap from it (rather than from nothing, which librdkafka warns of). */
    const struct c360_kafka_default host_defaults[] = {
        {"client.id", "c360-broker"},
        {"test.mock.num.brokers", count},
        {NULL, NULL},
    };

    if (brokers < 1 || brokers > 32)
        return c360_diag_fail(diag, C360_ERR_INVALID, "brokers", "must be from 1 to 32");
    struct c360_kafka_mock *mock = calloc(1, sizeof(*mock));
    if (!mock)
        return C360_ERR_NOMEM;
    if ((err = c360_kafka_conf_new(cfg, host_defaults, &conf, diag)))
        goto fail;
    mock->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!mock->rk) {
        err = c360_diag_fail(diag, C360_ERR_KAFKA, NULL, "cannot create client: %s", errstr);
        goto fail;
    }
    conf = NULL;                                            /* rd_kafka_new took it */
    mock->cluster = rd_kafka_handle_mock_cluster(mock->rk); /* owned by rk */
    if (!mock->cluster) {
        err = c360_diag_fail(diag, C360_ERR_KAFKA, NULL, "cannot start the mock cluster");
        goto fail;
    }
    int replication = brokers < 3 ? brokers : 3;
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        rd_kafka_resp_err_t kerr =
            rd_kafka_mock_topic_create(mock->cluster, t->name, t->partitions, replication);
        if (kerr) {
            err = c360_diag_fail(diag, C360_ERR_KAFKA, t->name, "cannot create topic: %s",
                                 rd_kafka_err2str(kerr));
            goto fail;
        }
    }
    *out = mock;
    return C360_OK;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    c360_kafka_mock_destroy(mock);
    return err;
}

const char *c360_kafka_mock_bootstraps(const struct c360_kafka_mock *mock)
{
    return rd_kafka_mock_cluster_bootstraps(mock->cluster);
}

void c360_kafka_mock_poll(struct c360_kafka_mock *mock)
{
    rd_kafka_poll(mock->rk, 0);
}

struct rd_kafka_mock_cluster_s *c360_kafka_mock_cluster(struct c360_kafka_mock *mock)
{
    return mock->cluster;
}

void c360_kafka_mock_destroy(struct c360_kafka_mock *mock)
{
    if (!mock)
        return;
    if (mock->rk)
        rd_kafka_destroy(mock->rk);
    free(mock);
}
