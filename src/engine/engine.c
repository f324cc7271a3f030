/*
 * c360 engine — applying records and time to the state (see
 * include/c360/engine.h).
 *
 * Identity: individuals are graph records keyed system:recordId; every
 * globalPartyId an account, external account, transaction or web engagement
 * names is a record "party:<id>" of its own, so accounts meet their owners
 * through the exact globalPartyId rule whatever arrives first; a web session
 * is a record "<system>:session:<sessionId>" carrying the visitor's
 * globalPartyId or email. A profile's insight owners are its party ids and
 * its sessions.
 */
#include "engine_int.h"

#include "c360/time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static const char *const topic_ids[C360_OUT_COUNT] = {
    [C360_OUT_IDENTITY_CHANGES] = "identity-changes",
    [C360_OUT_IDENTITY_LINKS] = "identity-links",
    [C360_OUT_UNIFIED_PROFILE] = "unified-profile",
    [C360_OUT_SEGMENT_CHANGES] = "segment-changes",
    [C360_OUT_SEGMENT_MEMBERSHIP] = "segment-membership",
    [C360_OUT_ACTIVATION_MARKETING] = "activation-marketing",
    [C360_OUT_ACTIVATION_CSR] = "activation-csr-insight",
};

const char *c360_engine_topic_id(enum c360_engine_topic topic)
{
    return topic < C360_OUT_COUNT ? topic_ids[topic] : "";
}

static int32_t day_of(int64_t ms)
{
    return (int32_t)(ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS));
}

/* --- Outputs. */

static enum c360_err grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return C360_OK;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return C360_ERR_NOMEM;
    *p = q;
    *cap = n;
    return C360_OK;
}

/* Text lives in one buffer that may move: outputs hold offsets until the
 * call returns, then pointers (outputs_publish). */
static enum c360_err text_add(struct c360_engine *eng, const char *s, size_t n, size_t *off)
{
    enum c360_err err;
    if ((err = grow((void **)&eng->text, &eng->text_cap, eng->text_len + n + 1, 1)))
        return err;
    memcpy(eng->text + eng->text_len, s, n);
    eng->text[eng->text_len + n] = '\0';
    *off = eng->text_len;
    eng->text_len += n + 1;
    return C360_OK;
}

enum c360_err engine_emit(struct c360_engine *eng, enum c360_engine_topic topic, const char *key,
                          const char *value, size_t value_len)
{
    enum c360_err err;
    size_t koff, voff = 0;
    if ((err = grow((void **)&eng->outs, &eng->cap_outs, eng->n_outs + 1, sizeof(*eng->outs))) ||
        (err = text_add(eng, key, strlen(key), &koff)) ||
        (value && (err = text_add(eng, value, value_len, &voff))))
        return err;
    eng->outs[eng->n_outs++] = (struct c360_engine_output){
        .topic = topic,
        .key = (const char *)(uintptr_t)koff,
        .key_len = strlen(key),
        .value = value ? (const char *)(uintptr_t)(voff + 1) : NULL, /* 0 stays NULL */
        .value_len = value ? value_len : 0,
    };
    return C360_OK;
}

static void outputs_begin(struct c360_engine *eng)
{
    eng->n_outs = 0;
    eng->text_len = 0;
}

static void outputs_publish(struct c360_engine *eng, struct c360_engine_outputs *outs)
{
    for (size_t i = 0; i < eng->n_outs; i++) {
        struct c360_engine_output *o = &eng->outs[i];
        o->key = eng->text + (uintptr_t)o->key;
        if (o->value)
            o->value = eng->text + ((uintptr_t)o->value - 1);
    }
    outs->items = eng->outs;
    outs->count = eng->n_outs;
}

void engine_event_id(struct c360_engine *eng, char buf[17])
{
    char tail[32];
    uint64_t h = 14695981039346656037ull;
    int n = snprintf(tail, sizeof(tail), "#%zu", eng->out_index++);
    for (const char *p = eng->position; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (int i = 0; i < n; i++)
        h = (h ^ (unsigned char)tail[i]) * 1099511628211ull;
    snprintf(buf, 17, "%016" PRIx64, h);
}

static void position_set(struct c360_engine *eng, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void position_set(struct c360_engine *eng, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(eng->position, sizeof(eng->position), fmt, ap);
    va_end(ap);
    eng->out_index = 0;
}
