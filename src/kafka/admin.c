/*
 * c360 kafka — declared topics against a real cluster: metadata for existence
 * and partition counts, DescribeConfigs for cleanup.policy, CreateTopics for
 * what is missing. Every wait is bounded by the caller's timeout.
 */
#include "c360/kafka.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const struct c360_kafka_default admin_defaults[] = {
    {"client.id", "c360-admin"},
    {NULL, NULL},
};

static enum c360_err admin_client_new(const struct c360_config *cfg, rd_kafka_t **out,
                                      struct c360_diag *diag)
{
    char errstr[512];
    rd_kafka_conf_t *conf;
    enum c360_err err = c360_kafka_conf_new(cfg, admin_defaults, &conf, diag);
    if (err)
        return err;
    if (!c360_config_kafka_get(cfg, "bootstrap.servers")) {
        rd_kafka_conf_destroy(conf);
        return c360_diag_fail(diag, C360_ERR_INVALID, "kafka.bootstrap.servers",
                              "not set: pass --bootstrap or -X kafka.bootstrap.servers=…");
    }
    *out = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!*out) {
        rd_kafka_conf_destroy(conf);
        return c360_diag_fail(diag, C360_ERR_KAFKA, NULL, "cannot create client: %s", errstr);
    }
    return C360_OK;
}

static enum c360_err kafka_fail(struct c360_diag *diag, rd_kafka_resp_err_t kerr, const char *what,
                                const char *detail)
{
    enum c360_err err = C360_ERR_KAFKA;
    if (kerr == RD_KAFKA_RESP_ERR__TIMED_OUT)
        err = C360_ERR_TIMEOUT;
    if (kerr == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
        kerr == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION)
        err = C360_ERR_UNSUPPORTED;
    return c360_diag_fail(diag, err, NULL, "%s: %s", what,
                          detail ? detail : rd_kafka_err2str(kerr));
}

/*
 * Fills exists/partitions of every state from one metadata request, and says
 * whether the cluster has a controller to serve Admin API requests: librdkafka's
 * mock cluster (the embedded broker) names controller 0 while its brokers are
 * numbered from 1, and an admin request would wait for broker 0 until its
 * timeout. The controller id was learnt from this very metadata response.
 */
static enum c360_err read_metadata(rd_kafka_t *rk, const struct c360_topic_set *topics,
                                   int timeout_ms, struct c360_kafka_topic_state *states,
                                   bool *has_controller, struct c360_diag *diag)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t kerr = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (kerr)
        return kafka_fail(diag, kerr, "cannot read cluster metadata", NULL);
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        struct c360_kafka_topic_state *s = &states[i];
        s->exists = false;
        s->partitions = 0;
        for (int j = 0; j < md->topic_cnt; j++) {
            if (strcmp(md->topics[j].topic, s->topic->name) == 0 && !md->topics[j].err) {
                s->exists = true;
                s->partitions = md->topics[j].partition_cnt;
            }
        }
    }
    int32_t controller = rd_kafka_controllerid(rk, 0);
    *has_controller = false;
    for (int b = 0; b < md->broker_cnt; b++)
        *has_controller |= controller >= 0 && md->brokers[b].id == controller;
    rd_kafka_metadata_destroy(md);
    return C360_OK;
}

#define NO_CONTROLLER                                                                              \
    "the cluster names no controller among its brokers, so it cannot serve the Admin API (the "    \
    "embedded broker, "                                                                            \
    "c360 broker, is such a cluster)"

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Waits for the one admin result of `type` on q; NULL after timeout_ms. */
static rd_kafka_event_t *wait_result(rd_kafka_queue_t *q, rd_kafka_event_type_t type,
                                     int timeout_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        long elapsed = elapsed_ms(&start);
        if (elapsed >= timeout_ms)
            return NULL;
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)(timeout_ms - elapsed)); /* new */
        if (!ev)
            return NULL;
        if (rd_kafka_event_type(ev) == type)
            return ev;
        rd_kafka_event_destroy(ev); /* logs and errors have their callbacks */
    }
}

/* Reads cleanup.policy of every existing topic. A broker that cannot describe
 * configs (the embedded one) leaves cleanup_known false with the reason. */
static void read_cleanup(rd_kafka_t *rk, const struct c360_topic_set *topics, int timeout_ms,
                         bool has_controller, struct c360_kafka_topic_state *states)
{
    size_t n = c360_topic_set_count(topics), cnt = 0;
    rd_kafka_ConfigResource_t *res[C360_TOPIC_SET_MAX];
    size_t owner[C360_TOPIC_SET_MAX];
    char reason[200] = "";

    for (size_t i = 0; i < n; i++) {
        if (!states[i].exists)
            continue;
        res[cnt] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, states[i].topic->name);
        owner[cnt++] = i;
    }
    if (cnt == 0)
        return;
    if (!has_controller) {
        for (size_t k = 0; k < cnt; k++)
            snprintf(states[owner[k]].error, sizeof(states[owner[k]].error),
                     "cleanup.policy not checked: %s", NO_CONTROLLER);
        rd_kafka_ConfigResource_destroy_array(res, cnt);
        return;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_DescribeConfigs(rk, res, cnt, opts, q);
    rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout_ms + 1000);

    if (!ev) {
        snprintf(reason, sizeof(reason), "DescribeConfigs timed out");
    } else if (rd_kafka_event_error(ev)) {
        snprintf(reason, sizeof(reason), "%s", rd_kafka_event_error_string(ev));
    } else {
        size_t rcnt;
        const rd_kafka_ConfigResource_t **rres = rd_kafka_DescribeConfigs_result_resources(
            rd_kafka_event_DescribeConfigs_result(ev), &rcnt);
        for (size_t r = 0; r < rcnt; r++) {
            const char *name = rd_kafka_ConfigResource_name(rres[r]);
            for (size_t k = 0; k < cnt; k++) {
                struct c360_kafka_topic_state *s = &states[owner[k]];
                if (strcmp(s->topic->name, name) != 0)
                    continue;
                if (rd_kafka_ConfigResource_error(rres[r])) {
                    snprintf(s->error, sizeof(s->error), "cleanup.policy not checked: %s",
                             rd_kafka_ConfigResource_error_string(rres[r]));
                    continue;
                }
                size_t ecnt;
                const rd_kafka_ConfigEntry_t **entries =
                    rd_kafka_ConfigResource_configs(rres[r], &ecnt);
                for (size_t e = 0; e < ecnt; e++) {
                    if (strcmp(rd_kafka_ConfigEntry_name(entries[e]), "cleanup.policy") == 0 &&
                        rd_kafka_ConfigEntry_value(entries[e])) {
                        snprintf(s->cleanup, sizeof(s->cleanup), "%s",
                                 rd_kafka_ConfigEntry_value(entries[e]));
                        s->cleanup_known = true;
                    }
                }
            }
        }
    }
    if (reason[0]) {
        for (size_t k = 0; k < cnt; k++)
            snprintf(states[owner[k]].error, sizeof(states[owner[k]].error),
                     "cleanup.policy not checked: %s", reason);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy_array(res, cnt);
}

static bool state_matches(const struct c360_kafka_topic_state *s)
{
    if (!s->exists || s->partitions != s->topic->partitions)
        return false;
    return !s->cleanup_known || strcmp(s->cleanup, c360_topic_cleanup_str(s->topic->cleanup)) == 0;
}

static void states_init(const struct c360_topic_set *topics, struct c360_kafka_topic_state *states)
{
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        memset(&states[i], 0, sizeof(states[i]));
        states[i].topic = c360_topic_set_at(topics, i);
    }
}

static enum c360_err verify_with(rd_kafka_t *rk, const struct c360_topic_set *topics,
                                 int timeout_ms, struct c360_kafka_topic_state *states,
                                 struct c360_diag *diag)
{
    bool has_controller;
    enum c360_err err = read_metadata(rk, topics, timeout_ms, states, &has_controller, diag);
    if (err)
        return err;
    read_cleanup(rk, topics, timeout_ms, has_controller, states);
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        if (!state_matches(&states[i]))
            return C360_ERR_MISMATCH;
    }
    return C360_OK;
}

enum c360_err c360_kafka_topics_verify(const struct c360_config *cfg,
                                       const struct c360_topic_set *topics, int timeout_ms,
                                       struct c360_kafka_topic_state *states,
                                       struct c360_diag *diag)
{
    rd_kafka_t *rk;
    states_init(topics, states);
    enum c360_err err = admin_client_new(cfg, &rk, diag);
    if (err)
        return err;
    err = verify_with(rk, topics, timeout_ms, states, diag);
    rd_kafka_destroy(rk);
    return err;
}

/* Sends one CreateTopics request for the missing topics and records results. */
static enum c360_err create_missing(rd_kafka_t *rk, const struct c360_topic_set *topics,
                                    int replication, int timeout_ms, bool has_controller,
                                    struct c360_kafka_topic_state *states, struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    rd_kafka_NewTopic_t *nts[C360_TOPIC_SET_MAX];
    size_t cnt = 0;
    char errstr[256];

    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = states[i].topic;
        if (states[i].exists)
            continue;
        nts[cnt] =
            rd_kafka_NewTopic_new(t->name, t->partitions, replication, errstr, sizeof(errstr));
        if (!nts[cnt]) {
            err = c360_diag_fail(diag, C360_ERR_INVALID, t->name, "%s", errstr);
            goto fail;
        }
        cnt++;
        rd_kafka_NewTopic_set_config(nts[cnt - 1], "cleanup.policy",
                                     c360_topic_cleanup_str(t->cleanup));
    }
    if (cnt == 0)
        return C360_OK;
    if (!has_controller) {
        err = c360_diag_fail(diag, C360_ERR_UNSUPPORTED, NULL, "cannot create %zu topic(s): %s",
                             cnt, NO_CONTROLLER);
        goto fail;
    }

    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_CreateTopics(rk, nts, cnt, opts, q);
    rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout_ms + 1000);
    if (!ev) {
        err = c360_diag_fail(diag, C360_ERR_TIMEOUT, NULL, "CreateTopics got no answer in %d ms",
                             timeout_ms);
    } else if (rd_kafka_event_error(ev)) {
        err = kafka_fail(diag, rd_kafka_event_error(ev), "CreateTopics failed",
                         rd_kafka_event_error_string(ev));
    } else {
        size_t rcnt;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &rcnt);
        for (size_t r = 0; r < rcnt; r++) {
            for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
                struct c360_kafka_topic_state *s = &states[i];
                if (strcmp(s->topic->name, rd_kafka_topic_result_name(res[r])) != 0)
                    continue;
                rd_kafka_resp_err_t terr = rd_kafka_topic_result_error(res[r]);
                if (!terr)
                    s->created = true;
                else if (terr != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                    snprintf(s->error, sizeof(s->error), "create failed: %s",
                             rd_kafka_topic_result_error_string(res[r]));
            }
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
fail:
    rd_kafka_NewTopic_destroy_array(nts, cnt);
    return err;
}

enum c360_err c360_kafka_topics_create(const struct c360_config *cfg,
                                       const struct c360_topic_set *topics, int replication,
                                       int timeout_ms, struct c360_kafka_topic_state *states,
                                       struct c360_diag *diag)
{
    rd_kafka_t *rk;
    states_init(topics, states);
    enum c360_err err = admin_client_new(cfg, &rk, diag);
    if (err)
        return err;
    bool has_controller;
    if ((err = read_metadata(rk, topics, timeout_ms, states, &has_controller, diag)))
        goto fail;
    if ((err = create_missing(rk, topics, replication, timeout_ms, has_controller, states, diag)))
        goto fail;
    /* Metadata on a multi-broker cluster can lag CreateTopics (a new topic may
     * still lack leaders), so verify again with backoff while what this call
     * created is not visible yet, within the caller's timeout. */
    bool created[C360_TOPIC_SET_MAX], any_created = false;
    for (size_t i = 0; i < c360_topic_set_count(topics); i++)
        any_created |= created[i] = states[i].created;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long backoff_ms = 100;; backoff_ms = backoff_ms < 1000 ? backoff_ms * 2 : 1000) {
        err = verify_with(rk, topics, timeout_ms, states, diag);
        if (err != C360_ERR_MISMATCH || !any_created ||
            elapsed_ms(&start) + backoff_ms > timeout_ms)
            break;
        struct timespec pause = {0, backoff_ms * 1000000L};
        nanosleep(&pause, NULL);
    }
    for (size_t i = 0; i < c360_topic_set_count(topics); i++)
        states[i].created = created[i];
fail:
    rd_kafka_destroy(rk);
    return err;
}
