/*
 * c360 kafka — librdkafka configurations built from c360's config, with
 * librdkafka's log and errors routed through c360's logger.
 */
#include "c360/kafka.h"

#include "c360/log.h"

#include <string.h>

static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    c360_log(c360_log_level_from_syslog(level), "rdkafka", "%s fac=%s client=%s", buf, fac,
             rd_kafka_name(rk));
}

/* Transport errors are retried by librdkafka itself; only fatal ones are ours
 * to act on, and those surface again where the client is used. */
static void kafka_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)opaque;
    bool fatal = err == RD_KAFKA_RESP_ERR__FATAL;
    c360_log(fatal ? C360_LOG_ERROR : C360_LOG_WARN, "rdkafka", "%s error=%s client=%s", reason,
             rd_kafka_err2name((rd_kafka_resp_err_t)err), rd_kafka_name(rk));
}

static enum c360_err conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                              const char *origin, struct c360_diag *diag)
{
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
        return C360_OK;
    c360_diag_at(diag, origin, 0);
    return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                          C360_CONFIG_KAFKA_PREFIX "%s: librdkafka rejects it: %s", key, errstr);
}

enum c360_err c360_kafka_conf_new(const struct c360_config *cfg,
                                  const struct c360_kafka_default *defaults, rd_kafka_conf_t **out,
                                  struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    rd_kafka_conf_t *conf = rd_kafka_conf_new(); /* new */
    if (!conf)
        return C360_ERR_NOMEM;
    /* librdkafka leaves Nagle's algorithm on (Java clients turn it off): a
     * small produce or fetch then waits for the peer's delayed ACK, about
     * 40 ms on Linux, which was most of a batch's cycle (bench/RESULTS.md). */
    if ((err = conf_set(conf, "socket.nagle.disable", "true", "c360 default", diag)))
        goto fail;
    for (const struct c360_kafka_default *d = defaults; d && d->key; d++) {
        if ((err = conf_set(conf, d->key, d->value, "c360 default", diag)))
            goto fail;
    }
    for (size_t i = 0; i < c360_config_kafka_count(cfg); i++) {
        const char *key, *value, *origin;
        c360_config_kafka_at(cfg, i, &key, &value, &origin);
        if ((err = conf_set(conf, key, value, origin, diag)))
            goto fail;
    }
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, kafka_error_cb);
    *out = conf;
    return C360_OK;
fail:
    rd_kafka_conf_destroy(conf);
    return err;
}

enum c360_err c360_kafka_conf_check(const struct c360_config *cfg, struct c360_diag *diag)
{
    rd_kafka_conf_t *conf;
    enum c360_err err = c360_kafka_conf_new(cfg, NULL, &conf, diag);
    if (err == C360_OK)
        rd_kafka_conf_destroy(conf);
    return err;
}
