/*
 * libFuzzer target: the segment expression language (src/segment/) on any
 * bytes. Whatever parses must evaluate without crashing against insight
 * values chosen from the input (extremes, wrong kinds, failures included),
 * must render its calls as the parser recorded them, and its fully
 * parenthesised tree must parse back to the same tree, and bounds around
 * those values must allow the answer they give. Input that starts
 * with '{' also goes through the segments.json reader.
 */
#include "c360/segment.h"
#include "segment_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = {"CHECKING", "SAVINGS", "MONEY_MARKET", NULL};

static const struct c360_segment_insight insights[] = {
    {"tenureDays", C360_SEGMENT_NUMBER, 0, 0, {0}, NULL},
    {"holds", C360_SEGMENT_BOOL, 1, 1, {C360_SEGMENT_ARG_NAME}, types},
    {"adb", C360_SEGMENT_MONEY, 1, 2, {C360_SEGMENT_ARG_NAMES, C360_SEGMENT_ARG_NUMBER}, types},
    {"externalAdb", C360_SEGMENT_MONEY, 1, 1, {C360_SEGMENT_ARG_NAMES}, types},
    {"qualifyingVisit",
     C360_SEGMENT_BOOL,
     3,
     3,
     {C360_SEGMENT_ARG_NAME, C360_SEGMENT_ARG_NUMBER, C360_SEGMENT_ARG_NUMBER},
     NULL},
    {"flag", C360_SEGMENT_BOOL, 1, 1, {C360_SEGMENT_ARG_BOOL}, NULL},
    {"x", C360_SEGMENT_ANY, 0, C360_SEGMENT_ARGS_MAX, {0}, NULL},
    {"y", C360_SEGMENT_ANY, 0, 2, {0}, NULL},
};
#define N_INSIGHTS (sizeof(insights) / sizeof(insights[0]))

/* FNV-1a: values depend on the call and the whole input, deterministically. */
static uint64_t hash(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static enum c360_err fake(void *ctx, const struct c360_segment_call *c,
                          struct c360_segment_value *out, struct c360_diag *diag)
{
    static const int64_t amounts[] = {0, 1, -1, 300000, 9000000, INT64_MAX, INT64_MIN, 299999};
    static const int64_t divisors[] = {0, 1, 30, 3, -1, INT64_MAX};
    static const char *const currencies[] = {"USD", "USD", "EUR", "", "usd"};
    uint64_t h = hash(c->text, strlen(c->text), *(const uint64_t *)ctx);
    enum c360_segment_kind kind = insights[c->insight].result;
    if (kind == C360_SEGMENT_ANY) {
        static const enum c360_segment_kind any[] = {C360_SEGMENT_BOOL, C360_SEGMENT_NUMBER,
                                                     C360_SEGMENT_MONEY, C360_SEGMENT_STRING,
                                                     C360_SEGMENT_ANY};
        kind = any[h % 5];
    }
    if ((h >> 8) % 23 == 0)
        return c360_diag_fail(diag, C360_ERR_NOT_FOUND, NULL, "no value for %s", c->text);
    *out = (struct c360_segment_value){.kind = kind};
    switch (kind) {
    case C360_SEGMENT_BOOL:
        out->boolean = (h >> 12) & 1;
        break;
    case C360_SEGMENT_NUMBER:
        out->number = (h >> 16) % 3 ? (int64_t)((h >> 20) % 200000) : amounts[(h >> 20) % 8];
        break;
    case C360_SEGMENT_MONEY:
        out->money.minor = (h >> 16) % 3 ? (int64_t)((h >> 20) % 20000000) : amounts[(h >> 20) % 8];
        strcpy(out->money.currency, currencies[(h >> 32) % 5]);
        out->divisor = divisors[(h >> 40) % 6];
        break;
    case C360_SEGMENT_STRING:
        out->text = "s";
        break;
    default:
        break;
    }
    return C360_OK;
}

/* Bounds around the value fake gives: it, and on either side a step of a
 * size from the seed or no end at all. */
static bool fake_bounds(void *ctx, const struct c360_segment_call *c,
                        struct c360_segment_bounds *out)
{
    struct c360_segment_value v;
    if (fake(ctx, c, &v, NULL) != C360_OK)
        return false;
    uint64_t h = hash(c->text, strlen(c->text), ~*(const uint64_t *)ctx);
    int64_t below = (int64_t)(h % 1000), above = (int64_t)((h >> 10) % 1000);
    out->kind = v.kind;
    switch (v.kind) {
    case C360_SEGMENT_BOOL:
        out->may_false = !v.boolean || (h >> 20) % 2;
        out->may_true = v.boolean || (h >> 21) % 2;
        return true;
    case C360_SEGMENT_NUMBER:
    case C360_SEGMENT_MONEY: {
        int64_t x = v.kind == C360_SEGMENT_MONEY ? v.money.minor : v.number;
        out->lo_open = (h >> 22) % 4 == 0 || __builtin_sub_overflow(x, below, &out->lo);
        out->hi_open = (h >> 24) % 4 == 0 || __builtin_add_overflow(x, above, &out->hi);
        if (v.kind == C360_SEGMENT_MONEY) {
            out->divisor = v.divisor;
            memcpy(out->currency, v.money.currency, sizeof(out->currency));
        }
        return true;
    }
    default:
        out->kind = v.kind;
        return true;
    }
}

static void check_segment(const struct c360_segment *seg, uint64_t seed)
{
    /* Bounds that hold the values are never narrower than the answer. */
    struct c360_segment_result answer;
    bool may_false, may_true;
    bool member = c360_segment_eval(seg, fake, &seed, &answer, NULL) == C360_OK && answer.member;
    c360_segment_bound(seg, fake_bounds, &seed, &may_false, &may_true);
    if (member ? !may_true : !may_false)
        abort();

    struct c360_segment_result res, again;
    struct c360_segment_thresholds th;
    char text[C360_SEGMENT_EXPR_MAX * 2 + 64];
    enum c360_err err = c360_segment_eval(seg, fake, &seed, &res, NULL);
    if (err == C360_OK) {
        if (res.n_trace > C360_SEGMENT_CALLS_MAX)
            abort();
        for (size_t i = 0; i < res.n_trace; i++) {
            if (c360_segment_call_text(res.trace[i].call, text, sizeof(text)) != C360_OK ||
                strcmp(text, res.trace[i].call->text) != 0 ||
                c360_segment_value_text(&res.trace[i].value, text, sizeof(text)) != C360_OK)
                abort();
        }
        /* Deterministic: the same values give the same answer. */
        if (c360_segment_eval(seg, fake, &seed, &again, NULL) != C360_OK ||
            again.member != res.member || again.n_trace != res.n_trace)
            abort();
    }
    for (size_t i = 0; i < N_INSIGHTS; i++) {
        c360_segment_thresholds(seg, insights[i].name, &th);
        if (th.count > C360_SEGMENT_THRESHOLDS_MAX)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_segment *seg, *back;
    char tree[C360_SEGMENT_EXPR_MAX * 4], tree2[C360_SEGMENT_EXPR_MAX * 4];
    uint64_t seed = hash(data, size, 0xcbf29ce484222325ULL);
    if (size > 0 && data[0] == '{') {
        struct c360_segment_set *set;
        if (c360_segment_set_parse((const char *)data, size, "fuzz", insights, N_INSIGHTS, &set,
                                   NULL) == C360_OK) {
            for (size_t i = 0; i < c360_segment_set_count(set); i++)
                check_segment(c360_segment_set_at(set, i)->seg, seed);
            c360_segment_set_free(set);
        }
        return 0;
    }
    struct c360_diag diag;
    c360_diag_clear(&diag);
    if (c360_segment_parse((const char *)data, size, insights, N_INSIGHTS, &seg, &diag) !=
        C360_OK) {
        /* Every refusal says where: "line:column: …". */
        if (diag.text[0] < '1' || diag.text[0] > '9' || !strchr(diag.text, ':'))
            abort();
        return 0;
    }
    check_segment(seg, seed);
    /* The printed tree reads back as itself, unless the added parentheses
     * cross a cap. */
    if (c360_segment_dump(seg, tree, sizeof(tree)) != C360_OK)
        abort();
    enum c360_err err = c360_segment_parse(tree, strlen(tree), insights, N_INSIGHTS, &back, NULL);
    if (err == C360_OK) {
        if (c360_segment_dump(back, tree2, sizeof(tree2)) != C360_OK || strcmp(tree, tree2) != 0)
            abort();
        c360_segment_free(back);
    } else if (err != C360_ERR_LIMIT) {
        abort();
    }
    c360_segment_free(seg);
    return 0;
}
