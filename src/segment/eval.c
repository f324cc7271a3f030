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
    /* The trace is the memo: each call's value is stored once, where the
     * caller reads it, and read in place from there. Per call slot, 1 +
     * the index of its value in res->trace, or 0 while not asked. */
    uint8_t traced[C360_SEGMENT_CALLS_MAX];
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
    /* What a call is declared to give is among what insights give (the
     * parser checks the table): one test passes a value of that kind. */
    if ((unsigned)v->kind <= C360_SEGMENT_LIST &&
        (seg->call_kinds[slot] & C360_SEGMENT_BIT(v->kind)))
        goto checked;
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
checked:
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

/* The call's value, asked of the callback once per call: *out points into
 * res->trace. A value is written there before it is checked, so a refused
 * one lies past n_trace, which is all a failed evaluation promises. */
static enum c360_err eval_call(struct eval_state *st, size_t node,
                               const struct c360_segment_value **out)
{
    size_t slot = st->seg->nodes[node].slot;
    struct c360_segment_result *res = st->res;
    enum c360_err err;
    if (!st->traced[slot]) {
        struct c360_segment_traced *t = &res->trace[res->n_trace];
        t->call = &st->seg->calls[slot];
        memset(&t->value, 0, sizeof(t->value));
        if ((err = st->call(st->ctx, t->call, &t->value, st->diag)) ||
            (err = check_result(st, node, slot, &t->value)))
            return err;
        st->traced[slot] = (uint8_t)++res->n_trace;
    }
    *out = &res->trace[st->traced[slot] - 1].value;
    return C360_OK;
}

/* --- Exact numbers: value = num / den, den ≥ 1, in hundredths. */

static bool is_numeric(const struct c360_segment_value *v)
{
    return v->kind == C360_SEGMENT_NUMBER || v->kind == C360_SEGMENT_MONEY;
}

/* A numeric value's num and den: money over its divisor, a number over 1. */
static int64_t num_of(const struct c360_segment_value *v)
{
    return v->kind == C360_SEGMENT_MONEY ? v->money.minor : v->number;
}

static int64_t den_of(const struct c360_segment_value *v)
{
    return v->kind == C360_SEGMENT_MONEY ? v->divisor : 1;
}

/* Two amounts meet when their currencies are equal, or when one of them is
 * zero with no currency (an insight over no accounts). The currency of the
 * result, or NULL when they do not meet. */
static const char *currency_join(const struct c360_segment_value *a,
                                 const struct c360_segment_value *b)
{
    if (a->kind != C360_SEGMENT_MONEY)
        return b->money.currency; /* read only when b is money */
    if (b->kind != C360_SEGMENT_MONEY)
        return a->money.currency;
    if (strcmp(a->money.currency, b->money.currency) == 0 ||
        (!b->money.currency[0] && b->money.minor == 0))
        return a->money.currency;
    if (!a->money.currency[0] && a->money.minor == 0)
        return b->money.currency;
    return NULL;
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
    if (!(currency = currency_join(a, b)))
        return fail_at(st, C360_ERR_INVALID, node, "cannot %s money in %s and %s",
                       add ? "add" : "subtract", currency_name(a), currency_name(b));
    i128 xn = num_of(a), xd = den_of(a), yn = num_of(b), yd = den_of(b);
    /* |num| < 2^63 and den < 2^63: the products fit in 127 bits, the sum in 128. */
    i128 num, den;
    if (xd == yd) {
        num = add ? xn + yn : xn - yn;
        den = xd;
    } else {
        num = add ? xn * yd + yn * xd : xn * yd - yn * xd;
        den = xd * yd;
        i128 g = c360_segment_gcd(num, den);
        if (g > 1) {
            num /= g;
            den /= g;
        }
    }
    if (num > INT64_MAX || num < INT64_MIN || den > INT64_MAX)
        return fail_at(st, C360_ERR_LIMIT, node, "the %s overflows", add ? "sum" : "difference");
    if (a->kind != C360_SEGMENT_MONEY && b->kind != C360_SEGMENT_MONEY) {
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
    int64_t v = num_of(a);
    if (v == INT64_MIN)
        return fail_at(st, C360_ERR_LIMIT, node, "the negation overflows");
    *out = *a;
    if (a->kind == C360_SEGMENT_MONEY)
        out->money.minor = -v;
    else
        out->number = -v;
    return C360_OK;
}

/* The orders at which each comparison holds (segment_int.h). */
const unsigned c360_segment_holds_at[] = {
    [C360_SEGMENT_EQ] = C360_SEGMENT_ORDER_EQ,
    [C360_SEGMENT_NE] = C360_SEGMENT_ORDER_LT | C360_SEGMENT_ORDER_GT,
    [C360_SEGMENT_LT] = C360_SEGMENT_ORDER_LT,
    [C360_SEGMENT_LE] = C360_SEGMENT_ORDER_LT | C360_SEGMENT_ORDER_EQ,
    [C360_SEGMENT_GT] = C360_SEGMENT_ORDER_GT,
    [C360_SEGMENT_GE] = C360_SEGMENT_ORDER_GT | C360_SEGMENT_ORDER_EQ,
};

static enum c360_err compare(const struct eval_state *st, size_t node,
                             const struct c360_segment_value *a, const struct c360_segment_value *b,
                             bool *out)
{
    enum c360_segment_cmp cmp = st->seg->nodes[node].cmp;
    bool ordered = cmp != C360_SEGMENT_EQ && cmp != C360_SEGMENT_NE;
    bool stringlike_a = a->kind == C360_SEGMENT_STRING || a->kind == C360_SEGMENT_SYMBOL;
    bool stringlike_b = b->kind == C360_SEGMENT_STRING || b->kind == C360_SEGMENT_SYMBOL;
    unsigned order;
    if (is_numeric(a) && is_numeric(b)) {
        /* Currencies meet unless both are money. */
        if (a->kind == C360_SEGMENT_MONEY && b->kind == C360_SEGMENT_MONEY && !currency_join(a, b))
            return fail_at(st, C360_ERR_INVALID, node, "cannot compare money in %s and %s",
                           currency_name(a), currency_name(b));
        int64_t xn = num_of(a), xd = den_of(a), yn = num_of(b), yd = den_of(b);
        if (xd == yd) { /* dens ≥ 1: the order of the nums is the order */
            order = xn < yn   ? C360_SEGMENT_ORDER_LT
                    : xn > yn ? C360_SEGMENT_ORDER_GT
                              : C360_SEGMENT_ORDER_EQ;
        } else {
            i128 l = (i128)xn * yd, r = (i128)yn * xd;
            order = l < r   ? C360_SEGMENT_ORDER_LT
                    : l > r ? C360_SEGMENT_ORDER_GT
                            : C360_SEGMENT_ORDER_EQ;
        }
    } else if (!ordered && a->kind == C360_SEGMENT_BOOL && b->kind == C360_SEGMENT_BOOL) {
        order = a->boolean != b->boolean ? C360_SEGMENT_ORDER_GT : C360_SEGMENT_ORDER_EQ;
    } else if (!ordered && stringlike_a && stringlike_b) {
        order = strcmp(a->text, b->text) != 0 ? C360_SEGMENT_ORDER_GT : C360_SEGMENT_ORDER_EQ;
    } else {
        return fail_at(st, C360_ERR_INVALID, node, "%s cannot compare %s with %s",
                       op_text(&st->seg->nodes[node]), c360_segment_kind_name(a->kind),
                       c360_segment_kind_name(b->kind));
    }
    *out = c360_segment_holds_at[cmp] & order;
    return C360_OK;
}

static enum c360_err eval_value(struct eval_state *st, size_t n, struct c360_segment_value *tmp,
                                const struct c360_segment_value **out);

/* Node n's value as eval_value gives it, without a call for the operands
 * most tests have: a literal or an insight. */
static inline enum c360_err eval_operand(struct eval_state *st, size_t n,
                                         struct c360_segment_value *tmp,
                                         const struct c360_segment_value **out)
{
    const struct c360_segment_node *node = &st->seg->nodes[n];
    if (node->op == C360_SEGMENT_OP_LITERAL) {
        *out = &node->value;
        return C360_OK;
    }
    return node->op == C360_SEGMENT_OP_CALL ? eval_call(st, n, out) : eval_value(st, n, tmp, out);
}

/* The answer of the predicate whose first test is seg->tests[t]: one test
 * after another, as each answer leads, to TRUE or FALSE. Short-circuit:
 * the insights of the tests skipped are not even asked for, so the trace
 * holds only what decided the answer. */
static enum c360_err eval_plan(struct eval_state *st, size_t t, bool *out)
{
    static const char *const sides[] = {
        [C360_SEGMENT_SIDE_ONLY] = "",
        [C360_SEGMENT_SIDE_LEFT] = " on its left",
        [C360_SEGMENT_SIDE_RIGHT] = " on its right",
    };
    const struct c360_segment *seg = st->seg;
    const struct c360_segment_value *a, *b;
    struct c360_segment_value ta, tb;
    enum c360_err err;
    bool x;
    for (;;) {
        const struct c360_segment_test *test = &seg->tests[t];
        const struct c360_segment_node *node = &seg->nodes[test->node];
        if (node->op == C360_SEGMENT_OP_CMP) {
            if ((err = eval_operand(st, node->left, &ta, &a)) ||
                (err = eval_operand(st, node->right, &tb, &b)) ||
                (err = compare(st, test->node, a, b, &x)))
                return err;
        } else {
            if ((err = eval_operand(st, test->node, &ta, &a)))
                return err;
            if (a->kind != C360_SEGMENT_BOOL && test->parent == C360_SEGMENT_NO_PARENT)
                return c360_segment_fail_at(st->diag, C360_ERR_INVALID, seg->src, seg->len, 0,
                                            "the expression gave %s; a segment needs true or "
                                            "false",
                                            c360_segment_kind_name(a->kind));
            if (a->kind != C360_SEGMENT_BOOL)
                return fail_at(st, C360_ERR_INVALID, test->parent,
                               "%s needs true or false%s, not %s",
                               op_text(&seg->nodes[test->parent]), sides[test->side],
                               c360_segment_kind_name(a->kind));
            x = a->boolean;
        }
        t = x ? test->on_true : test->on_false;
        if (t >= C360_SEGMENT_TEST_FALSE) {
            *out = t == C360_SEGMENT_TEST_TRUE;
            return C360_OK;
        }
    }
}

/* Node n's value into *out: the literal in the tree, the call's in the
 * trace, or one computed into *tmp. */
static enum c360_err eval_value(struct eval_state *st, size_t n, struct c360_segment_value *tmp,
                                const struct c360_segment_value **out)
{
    const struct c360_segment_node *node = &st->seg->nodes[n];
    const struct c360_segment_value *a, *b;
    struct c360_segment_value ta, tb;
    enum c360_err err;
    bool x;
    switch (node->op) {
    case C360_SEGMENT_OP_LITERAL:
        *out = &node->value;
        return C360_OK;
    case C360_SEGMENT_OP_CALL:
        return eval_call(st, n, out);
    case C360_SEGMENT_OP_NOT:
    case C360_SEGMENT_OP_AND:
    case C360_SEGMENT_OP_OR:
        if ((err = eval_plan(st, node->test, &x)))
            return err;
        *tmp = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL, .boolean = x};
        break;
    case C360_SEGMENT_OP_CMP:
        if ((err = eval_operand(st, node->left, &ta, &a)) ||
            (err = eval_operand(st, node->right, &tb, &b)) || (err = compare(st, n, a, b, &x)))
            return err;
        *tmp = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL, .boolean = x};
        break;
    case C360_SEGMENT_OP_NEG:
        if ((err = eval_value(st, node->left, &ta, &a)) || (err = negate(st, n, a, tmp)))
            return err;
        break;
    case C360_SEGMENT_OP_ADD:
    case C360_SEGMENT_OP_SUB:
        if ((err = eval_value(st, node->left, &ta, &a)) ||
            (err = eval_value(st, node->right, &tb, &b)) || (err = arith(st, n, a, b, tmp)))
            return err;
        break;
    default:
        return fail_at(st, C360_ERR_INVALID, n, "unknown operator");
    }
    *out = tmp;
    return C360_OK;
}

enum c360_err c360_segment_eval(const struct c360_segment *seg,
                                enum c360_err (*call)(void *ctx, const struct c360_segment_call *c,
                                                      struct c360_segment_value *out,
                                                      struct c360_diag *diag),
                                void *ctx, struct c360_segment_result *res, struct c360_diag *diag)
{
    struct eval_state st;
    st.seg = seg;
    st.call = call;
    st.ctx = ctx;
    st.res = res;
    st.diag = diag;
    memset(st.traced, 0, sizeof(st.traced));
    res->member = false;
    res->n_trace = 0;
    return eval_plan(&st, seg->nodes[seg->root].test, &res->member);
}
