/*
 * c360 segment — the evaluator: walks the compiled tree, asks the caller for
 * each distinct insight call once, and computes exactly. Numbers and money
 * are both counted in hundredths (a cent is a minor unit), money over a
 * divisor; comparisons cross-multiply in 128 bits, so `adb >= 3000` with
 * adb = Σ/30 compares Σ with 30 × 300000 and nothing is ever rounded.
 */
#include "segment_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef __int128 i128;

struct eval_state {
    const struct c360_segment *seg;
    enum c360_err (*call)(void *ctx, const struct c360_segment_call *c,
                          struct c360_segment_value *out, struct c360_diag *diag);
    void *ctx;
    struct c360_segment_result *res;
    struct c360_diag *diag;
    struct c360_segment_value memo[C360_SEGMENT_CALLS_MAX];
    bool done[C360_SEGMENT_CALLS_MAX];
};

static enum c360_err fail_at(const struct eval_state *st, enum c360_err err, size_t node,
                             const char *fmt, ...) C360_PRINTF(4, 5);

static enum c360_err fail_at(const struct eval_state *st, enum c360_err err, size_t node,
                             const char *fmt, ...)
{
    const struct c360_segment *seg = st->seg;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return c360_segment_fail_at(st->diag, err, seg->src, seg->len, seg->nodes[node].pos, "%s", msg);
}

/* The text of a node's operator, for messages. */
static const char *op_text(const struct c360_segment_node *node)
{
    static const char *const cmps[] = {"'=='", "'!='", "'<'", "'<='", "'>'", "'>='"};
    switch (node->op) {
    case C360_SEGMENT_OP_AND:
        return "'and'";
    case C360_SEGMENT_OP_OR:
        return "'or'";
    case C360_SEGMENT_OP_NOT:
        return "'not'";
    case C360_SEGMENT_OP_NEG:
    case C360_SEGMENT_OP_SUB:
        return "'-'";
    case C360_SEGMENT_OP_ADD:
        return "'+'";
    case C360_SEGMENT_OP_CMP:
        return cmps[node->cmp];
    case C360_SEGMENT_OP_LITERAL:
    case C360_SEGMENT_OP_CALL:
        break;
    }
    return "this";
}

/* A callback's value must be one the language computes with, of the kind
 * the table declared; money is normalised to a divisor ≥ 1. */
static enum c360_err check_result(const struct eval_state *st, size_t node, size_t slot,
                                  struct c360_segment_value *v)
{
    const struct c360_segment *seg = st->seg;
    const char *name = seg->calls[slot].name;
    if (v->kind <= C360_SEGMENT_ANY || v->kind > C360_SEGMENT_LIST ||
        !(C360_SEGMENT_RESULTS & C360_SEGMENT_BIT(v->kind)))
        return c360_segment_fail_at(st->diag, C360_ERR_INVALID, seg->src, seg->len,
                                    seg->nodes[node].pos,
                                    "insight %s gave %s; insights give a boolean, a number or "
                                    "money",
                                    name,
                                    v->kind > C360_SEGMENT_ANY && v->kind <= C360_SEGMENT_LIST
                                        ? c360_segment_kind_name(v->kind)
                                        : "no value");
    if (!(seg->call_kinds[slot] & C360_SEGMENT_BIT(v->kind)))
        return c360_segment_fail_at(st->diag, C360_ERR_INVALID, seg->src, seg->len,
                                    seg->nodes[node].pos, "insight %s gave %s, declared %s", name,
                                    c360_segment_kind_name(v->kind),
                                    c360_segment_kinds_name(seg->call_kinds[slot]));
    if (v->kind != C360_SEGMENT_MONEY)
        return C360_OK;
    if (v->divisor < 0)
        return c360_segment_fail_at(st->diag, C360_ERR_INVALID, seg->src, seg->len,
                                    seg->nodes[node].pos,
                                    "insight %s gave money over a negative divisor", name);
    if (v->divisor == 0)
        v->divisor = 1;
    if (v->money.currency[0] && c360_money_check_currency(v->money.currency, NULL) != C360_OK)
        return c360_segment_fail_at(
            st->diag, C360_ERR_INVALID, seg->src, seg->len, seg->nodes[node].pos,
            "insight %s gave money in '%.3s', not an ISO 4217 currency", name, v->money.currency);
    return C360_OK;
}

static enum c360_err eval_call(struct eval_state *st, size_t node, struct c360_segment_value *out)
{
    size_t slot = st->seg->nodes[node].slot;
    enum c360_err err;
    if (!st->done[slot]) {
        const struct c360_segment_call *c = &st->seg->calls[slot];
        struct c360_segment_value v = {0};
        if ((err = st->call(st->ctx, c, &v, st->diag)) || (err = check_result(st, node, slot, &v)))
            return err;
        st->memo[slot] = v;
        st->done[slot] = true;
        st->res->trace[st->res->n_trace++] = (struct c360_segment_traced){.call = c, .value = v};
    }
    *out = st->memo[slot];
    return C360_OK;
}

/* --- Exact numbers: value = num / den, den ≥ 1, in hundredths. */

struct exact {
    i128 num, den;
    bool money;
    const char *currency; /* money only */
};

static bool is_numeric(const struct c360_segment_value *v)
{
    return v->kind == C360_SEGMENT_NUMBER || v->kind == C360_SEGMENT_MONEY;
}

static struct exact exact_of(const struct c360_segment_value *v)
{
    if (v->kind == C360_SEGMENT_MONEY)
        return (struct exact){v->money.minor, v->divisor, true, v->money.currency};
    return (struct exact){v->number, 1, false, NULL};
}

/* Two amounts meet when their currencies are equal, or when one of them is
 * zero with no currency (an insight over no accounts). */
static bool currency_join(const struct c360_segment_value *a, const struct c360_segment_value *b,
                          const char **out)
{
    if (a->kind != C360_SEGMENT_MONEY || b->kind != C360_SEGMENT_MONEY) {
        *out = a->kind == C360_SEGMENT_MONEY ? a->money.currency : b->money.currency;
        return true;
    }
    if (strcmp(a->money.currency, b->money.currency) == 0 ||
        (!b->money.currency[0] && b->money.minor == 0)) {
        *out = a->money.currency;
        return true;
    }
    if (!a->money.currency[0] && a->money.minor == 0) {
        *out = b->money.currency;
        return true;
    }
    return false;
}

static const char *currency_name(const struct c360_segment_value *v)
{
    return v->money.currency[0] ? v->money.currency : "no currency";
}

c360_segment_i128 c360_segment_gcd(c360_segment_i128 a, c360_segment_i128 b)
{
    a = a < 0 ? -a : a;
    while (b) {
        c360_segment_i128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static enum c360_err arith(const struct eval_state *st, size_t node,
                           const struct c360_segment_value *a, const struct c360_segment_value *b,
                           struct c360_segment_value *out)
{
    bool add = st->seg->nodes[node].op == C360_SEGMENT_OP_ADD;
    const char *currency;
    if (!is_numeric(a) || !is_numeric(b))
        return fail_at(st, C360_ERR_INVALID, node, "'%c' needs numbers or money, not %s and %s",
                       add ? '+' : '-', c360_segment_kind_name(a->kind),
                       c360_segment_kind_name(b->kind));
    if (!currency_join(a, b, &currency))
        return fail_at(st, C360_ERR_INVALID, node, "cannot %s money in %s and %s",
                       add ? "add" : "subtract", currency_name(a), currency_name(b));
    struct exact x = exact_of(a), y = exact_of(b);
    /* |num| < 2^63 and den < 2^63: the products fit in 127 bits, the sum in 128. */
    i128 num, den;
    if (x.den == y.den) {
        num = add ? x.num + y.num : x.num - y.num;
        den = x.den;
    } else {
        num = add ? x.num * y.den + y.num * x.den : x.num * y.den - y.num * x.den;
        den = x.den * y.den;
        i128 g = c360_segment_gcd(num, den);
        if (g > 1) {
            num /= g;
            den /= g;
        }
    }
    if (num > INT64_MAX || num < INT64_MIN || den > INT64_MAX)
        return fail_at(st, C360_ERR_LIMIT, node, "the %s overflows", add ? "sum" : "difference");
    if (!x.money && !y.money) {
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_NUMBER, .number = (int64_t)num};
        return C360_OK;
    }
    *out = (struct c360_segment_value){.kind = C360_SEGMENT_MONEY, .divisor = (int64_t)den};
    out->money.minor = (int64_t)num;
    memcpy(out->money.currency, currency, sizeof(out->money.currency));
    return C360_OK;
}

static enum c360_err negate(const struct eval_state *st, size_t node,
                            const struct c360_segment_value *a, struct c360_segment_value *out)
{
    if (!is_numeric(a))
        return fail_at(st, C360_ERR_INVALID, node, "'-' needs a number or money, not %s",
                       c360_segment_kind_name(a->kind));
    int64_t v = a->kind == C360_SEGMENT_MONEY ? a->money.minor : a->number;
    if (v == INT64_MIN)
        return fail_at(st, C360_ERR_LIMIT, node, "the negation overflows");
    *out = *a;
    if (a->kind == C360_SEGMENT_MONEY)
        out->money.minor = -v;
    else
        out->number = -v;
    return C360_OK;
}

static bool comparison_holds(enum c360_segment_cmp cmp, int order)
{
    switch (cmp) {
    case C360_SEGMENT_EQ:
        return order == 0;
    case C360_SEGMENT_NE:
        return order != 0;
    case C360_SEGMENT_LT:
        return order < 0;
    case C360_SEGMENT_LE:
        return order <= 0;
    case C360_SEGMENT_GT:
        return order > 0;
    case C360_SEGMENT_GE:
        return order >= 0;
    }
    return false;
}

static enum c360_err compare(const struct eval_state *st, size_t node,
                             const struct c360_segment_value *a, const struct c360_segment_value *b,
                             bool *out)
{
    enum c360_segment_cmp cmp = st->seg->nodes[node].cmp;
    bool ordered = cmp != C360_SEGMENT_EQ && cmp != C360_SEGMENT_NE;
    bool stringlike_a = a->kind == C360_SEGMENT_STRING || a->kind == C360_SEGMENT_SYMBOL;
    bool stringlike_b = b->kind == C360_SEGMENT_STRING || b->kind == C360_SEGMENT_SYMBOL;
    const char *currency;
    int order;
    if (is_numeric(a) && is_numeric(b)) {
        if (!currency_join(a, b, &currency))
            return fail_at(st, C360_ERR_INVALID, node, "cannot compare money in %s and %s",
                           currency_name(a), currency_name(b));
        struct exact x = exact_of(a), y = exact_of(b);
        i128 l = x.num * y.den, r = y.num * x.den; /* dens ≥ 1: the order holds */
        order = l < r ? -1 : l > r;
    } else if (!ordered && a->kind == C360_SEGMENT_BOOL && b->kind == C360_SEGMENT_BOOL) {
        order = a->boolean != b->boolean;
    } else if (!ordered && stringlike_a && stringlike_b) {
        order = strcmp(a->text, b->text) != 0;
    } else {
        return fail_at(st, C360_ERR_INVALID, node, "%s cannot compare %s with %s",
                       op_text(&st->seg->nodes[node]), c360_segment_kind_name(a->kind),
                       c360_segment_kind_name(b->kind));
    }
    *out = comparison_holds(cmp, order);
    return C360_OK;
}

static enum c360_err eval_node(struct eval_state *st, size_t n, struct c360_segment_value *out);

static enum c360_err eval_bool(struct eval_state *st, size_t parent, size_t n, const char *side,
                               bool *out)
{
    struct c360_segment_value v;
    enum c360_err err = eval_node(st, n, &v);
    if (err)
        return err;
    if (v.kind != C360_SEGMENT_BOOL) {
        return fail_at(st, C360_ERR_INVALID, parent, "%s needs true or false%s, not %s",
                       op_text(&st->seg->nodes[parent]), side, c360_segment_kind_name(v.kind));
    }
    *out = v.boolean;
    return C360_OK;
}

static enum c360_err eval_node(struct eval_state *st, size_t n, struct c360_segment_value *out)
{
    const struct c360_segment_node *node = &st->seg->nodes[n];
    struct c360_segment_value a, b;
    enum c360_err err;
    bool x = false;
    switch (node->op) {
    case C360_SEGMENT_OP_LITERAL:
        *out = node->value;
        return C360_OK;
    case C360_SEGMENT_OP_CALL:
        return eval_call(st, n, out);
    case C360_SEGMENT_OP_NOT:
        if ((err = eval_bool(st, n, node->left, "", &x)))
            return err;
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL, .boolean = !x};
        return C360_OK;
    case C360_SEGMENT_OP_AND:
    case C360_SEGMENT_OP_OR:
        /* Short-circuit: the right side's insights are not even asked for,
         * so the trace holds only what decided the answer. */
        if ((err = eval_bool(st, n, node->left, " on its left", &x)))
            return err;
        if (x == (node->op == C360_SEGMENT_OP_AND) &&
            (err = eval_bool(st, n, node->right, " on its right", &x)))
            return err;
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL, .boolean = x};
        return C360_OK;
    case C360_SEGMENT_OP_NEG:
        if ((err = eval_node(st, node->left, &a)))
            return err;
        return negate(st, n, &a, out);
    case C360_SEGMENT_OP_ADD:
    case C360_SEGMENT_OP_SUB:
        if ((err = eval_node(st, node->left, &a)) || (err = eval_node(st, node->right, &b)))
            return err;
        return arith(st, n, &a, &b, out);
    case C360_SEGMENT_OP_CMP:
        if ((err = eval_node(st, node->left, &a)) || (err = eval_node(st, node->right, &b)) ||
            (err = compare(st, n, &a, &b, &x)))
            return err;
        *out = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL, .boolean = x};
        return C360_OK;
    }
    return fail_at(st, C360_ERR_INVALID, n, "unknown operator");
}

enum c360_err c360_segment_eval(const struct c360_segment *seg,
                                enum c360_err (*call)(void *ctx, const struct c360_segment_call *c,
                                                      struct c360_segment_value *out,
                                                      struct c360_diag *diag),
                                void *ctx, struct c360_segment_result *res, struct c360_diag *diag)
{
    /* memo is read only where done says so: not cleared, as it is larger
     * than the rest of an evaluation of a short expression. */
    struct eval_state st;
    st.seg = seg;
    st.call = call;
    st.ctx = ctx;
    st.res = res;
    st.diag = diag;
    memset(st.done, 0, sizeof(st.done));
    struct c360_segment_value v;
    enum c360_err err;
    res->member = false;
    res->n_trace = 0;
    if ((err = eval_node(&st, seg->root, &v)))
        return err;
    if (v.kind != C360_SEGMENT_BOOL)
        return c360_segment_fail_at(diag, C360_ERR_INVALID, seg->src, seg->len, 0,
                                    "the expression gave %s; a segment needs true or false",
                                    c360_segment_kind_name(v.kind));
    res->member = v.boolean;
    return C360_OK;
}
