/*
 * Suite kafka: librdkafka configurations from c360's config
 * (src/kafka/kafka.c), the embedded broker (src/kafka/mock.c) and topic
 * verification/creation against it (src/kafka/admin.c). The broker here is
 * librdkafka's real mock cluster, in-process.
 */
#include "c360/kafka.h"

#include <check.h>
#include <string.h>

static struct c360_config *cfg;

static void setup(void)
{
    ck_assert_int_eq(c360_config_new(&cfg), C360_OK);
}

static void teardown(void)
{
    c360_config_destroy(cfg);
}

static void conf_expect(rd_kafka_conf_t *conf, const char *key, const char *want)
{
    char value[256];
    size_t size = sizeof(value);
    ck_assert_int_eq(rd_kafka_conf_get(conf, key, value, &size), RD_KAFKA_CONF_OK);
    ck_assert_str_eq(value, want);
}

START_TEST(test_c360_kafka_conf_new_applies_defaults_then_user_settings)
{
    const struct c360_kafka_default defaults[] = {
        {"client.id", "c360-default"},
        {"linger.ms", "7"},
        {NULL, NULL},
    };
    rd_kafka_conf_t *conf;
    ck_assert_int_eq(c360_config_set_arg(cfg, "kafka.client.id=mine", NULL), C360_OK);
    ck_assert_int_eq(c360_config_set_arg(cfg, "kafka.bootstrap.servers=h:1", NULL), C360_OK);
    ck_assert_int_eq(c360_kafka_conf_new(cfg, defaults, &conf, NULL), C360_OK);
    conf_expect(conf, "client.id", "mine");
    conf_expect(conf, "linger.ms", "7");
    conf_expect(conf, "bootstrap.servers", "h:1");
    conf_expect(conf, "socket.nagle.disable", "true");
    rd_kafka_conf_destroy(conf);
}
END_TEST

/* Nagle's algorithm is off for every client unless the user turns it back on. */
START_TEST(test_c360_kafka_conf_new_disables_nagle_unless_user_enables_it)
{
    rd_kafka_conf_t *conf;
    ck_assert_int_eq(c360_kafka_conf_new(cfg, NULL, &conf, NULL), C360_OK);
    conf_expect(conf, "socket.nagle.disable", "true");
    rd_kafka_conf_destroy(conf);
    ck_assert_int_eq(c360_config_set_arg(cfg, "kafka.socket.nagle.disable=false", NULL), C360_OK);
    ck_assert_int_eq(c360_kafka_conf_new(cfg, NULL, &conf, NULL), C360_OK);
    conf_expect(conf, "socket.nagle.disable", "false");
    rd_kafka_conf_destroy(conf);
}
END_TEST

/* Settings librdkafka refuses, with words of its own message. */
static const struct {
    const char *arg, *expect;
} rejected[] = {
    {"kafka.no.such.property=1", "No such configuration property"},
    {"kafka.acks=maybe", "acks"},
    {"kafka.linger.ms=-3", "linger.ms"},
    {"kafka.security.protocol=carrier-pigeon", "security.protocol"},
};

START_TEST(test_c360_kafka_conf_check_rejects_with_librdkafka_message)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_config_set_arg(cfg, rejected[_i].arg, NULL), C360_OK);
    ck_assert_int_eq(c360_kafka_conf_check(cfg, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.where, "-X");
    ck_assert_ptr_nonnull(strstr(diag.text, "librdkafka rejects it"));
    ck_assert_msg(strstr(diag.text, rejected[_i].expect), "got '%s'", diag.text);
}
END_TEST

START_TEST(test_c360_kafka_conf_check_accepts_valid_settings)
{
    ck_assert_int_eq(c360_config_set_arg(cfg, "kafka.acks=all", NULL), C360_OK);
    ck_assert_int_eq(c360_config_set_arg(cfg, "kafka.security.protocol=plaintext", NULL), C360_OK);
    ck_assert_int_eq(c360_kafka_conf_check(cfg, NULL), C360_OK);
}
END_TEST

static struct c360_topic_set *shipped_topics(void)
{
    struct c360_topic_set *topics;
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    return topics;
}

START_TEST(test_c360_kafka_mock_new_creates_declared_topics)
{
    struct c360_topic_set *topics = shipped_topics();
    struct c360_kafka_mock *mock;
    struct c360_diag diag;
    ck_assert_int_eq(c360_kafka_mock_new(cfg, 2, topics, &mock, &diag), C360_OK);
    const char *bootstraps = c360_kafka_mock_bootstraps(mock);
    ck_assert_ptr_nonnull(strstr(bootstraps, "127.0.0.1:"));
    ck_assert_ptr_nonnull(strchr(bootstraps, ','));

    /* An ordinary client sees every topic with its declared partitions. */
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof(errstr));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    ck_assert_ptr_nonnull(rk);
    const struct rd_kafka_metadata *md;
    ck_assert_int_eq(rd_kafka_metadata(rk, 1, NULL, &md, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    ck_assert_int_eq(md->broker_cnt, 2);
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        const struct c360_topic *t = c360_topic_set_at(topics, i);
        int found = -1;
        for (int j = 0; j < md->topic_cnt; j++) {
            if (strcmp(md->topics[j].topic, t->name) == 0)
                found = md->topics[j].partition_cnt;
        }
        ck_assert_msg(found == t->partitions, "%s has %d partitions", t->name, found);
    }
    rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);
    c360_kafka_mock_destroy(mock);
    c360_topic_set_destroy(topics);
}
END_TEST

START_TEST(test_c360_kafka_mock_new_rejects_broker_count)
{
    struct c360_topic_set *topics = shipped_topics();
    struct c360_kafka_mock *mock = NULL;
    ck_assert_int_eq(c360_kafka_mock_new(cfg, 0, topics, &mock, NULL), C360_ERR_INVALID);
    ck_assert_int_eq(c360_kafka_mock_new(cfg, 33, topics, &mock, NULL), C360_ERR_INVALID);
    ck_assert_ptr_null(mock);
    c360_topic_set_destroy(topics);
}
END_TEST

/* A topic the embedded broker was not started with. */
static const char *const extra_topic =
    "{\"id\":\"extra\",\"name\":\"c360.extra\",\"role\":\"output\",\"partitions\":2,"
    "\"cleanupPolicy\":\"compact\",\"key\":\"k\",\"schema\":\"s.avsc\",\"doc\":\"d\"}";

START_TEST(test_c360_kafka_topics_verify_against_embedded_broker)
{
    struct c360_topic_set *topics = shipped_topics();
    struct c360_kafka_mock *mock;
    struct c360_kafka_topic_state states[C360_TOPIC_SET_MAX];
    struct c360_diag diag;
    ck_assert_int_eq(c360_kafka_mock_new(cfg, 1, topics, &mock, NULL), C360_OK);
    ck_assert_int_eq(c360_config_set(cfg, "kafka.bootstrap.servers",
                                     c360_kafka_mock_bootstraps(mock), "t", NULL),
                     C360_OK);

    ck_assert_int_eq(c360_kafka_topics_verify(cfg, topics, 10000, states, &diag), C360_OK);
    for (size_t i = 0; i < c360_topic_set_count(topics); i++) {
        ck_assert(states[i].exists);
        ck_assert_int_eq(states[i].partitions, states[i].topic->partitions);
        /* The mock cannot describe configs; verify says so rather than guess. */
        ck_assert(!states[i].cleanup_known);
        ck_assert_ptr_nonnull(strstr(states[i].error, "names no controller"));
    }

    ck_assert_int_eq(c360_topic_set_add_json(topics, extra_topic, strlen(extra_topic), "x", NULL),
                     C360_OK);
    ck_assert_int_eq(c360_kafka_topics_verify(cfg, topics, 10000, states, &diag),
                     C360_ERR_MISMATCH);
    size_t last = c360_topic_set_count(topics) - 1;
    ck_assert_str_eq(states[last].topic->name, "c360.extra");
    ck_assert(!states[last].exists);

    /* create refuses at once: the embedded broker has no CreateTopics. */
    ck_assert_int_eq(c360_kafka_topics_create(cfg, topics, -1, 10000, states, &diag),
                     C360_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(diag.text, "embedded broker"));

    c360_kafka_mock_destroy(mock);
    c360_topic_set_destroy(topics);
}
END_TEST

START_TEST(test_c360_kafka_topics_verify_needs_bootstrap)
{
    struct c360_topic_set *topics = shipped_topics();
    struct c360_kafka_topic_state states[C360_TOPIC_SET_MAX];
    struct c360_diag diag;
    ck_assert_int_eq(c360_kafka_topics_verify(cfg, topics, 1000, states, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.field, "kafka.bootstrap.servers");
    c360_topic_set_destroy(topics);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("kafka");
    TCase *tc = tcase_create("c360_kafka_conf_new");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_c360_kafka_conf_new_applies_defaults_then_user_settings);
    tcase_add_test(tc, test_c360_kafka_conf_new_disables_nagle_unless_user_enables_it);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_kafka_conf_check");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_c360_kafka_conf_check_rejects_with_librdkafka_message, 0,
                        sizeof(rejected) / sizeof(rejected[0]));
    tcase_add_test(tc, test_c360_kafka_conf_check_accepts_valid_settings);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_kafka_mock_new");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_c360_kafka_mock_new_creates_declared_topics);
    tcase_add_test(tc, test_c360_kafka_mock_new_rejects_broker_count);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_kafka_topics_verify");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_c360_kafka_topics_verify_against_embedded_broker);
    tcase_add_test(tc, test_c360_kafka_topics_verify_needs_bootstrap);
    suite_add_tcase(s, tc);
    return s;
}
