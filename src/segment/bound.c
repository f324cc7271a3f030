/*
 * c360 segment — bounds: which answers an expression may give while each of
 * its insights stays within bounds the caller gives, e.g. tenureDays ≥ 400
 * and adb([SAVINGS]) between 1200 and 2900 from tomorrow on. The engine asks
 * it whether the passing of time alone could change a membership, and sets
 * no timer for a profile whose memberships are settled (DESIGN.md §5).
 *
 * Interval arithmetic over exact fractions: a sum's bounds are the sums of
 * its operands' bounds; a comparison may be true when some pair of values in
 * the operands' bounds makes it true. The same call on both sides of an
 * operator is bounded independently, which only widens the answer. Where
 * the evaluator may refuse (mixed kinds, two currencies, an overflow, a
 * call the caller cannot bound) the answer may be false, as a refused
 * evaluation's is: never narrower than the truth.
 *
 * The engine asks this a few times per profile it evaluates, for
 * expressions of a handful of nodes, so the walk is kept lean: connectives
 * and comparisons answer without building a span, a call's span is read
 * in place from the memo, and what may make the evaluator refuse is noted
 * where it arises rather than carried in the spans.
 */
#include "segment_int.h"

#include <string.h>

__extension__ typedef __int128 i128;

/* One end of an interval: num / den with den ≥ 1; den 0 is no bound on
 * this side. */
struct end {
    int64_t num, den;
};

static const struct end unbounded = {0, 0};

/* What a node may give: BOOL with the answers it may take, a NUMBER or
 * MONEY within [lo, hi], or ANY: anything at all. Only the fields of its
 * kind are meaningful. */
struct span {
    enum c360_segment_kind kind;
    bool may_false, may_true; /* BOOL */
    char currency[4];         /* MONEY */
    struct end lo, hi;        /* NUMBER, MONEY */
};

static const struct span anything = {.kind = C360_SEGMENT_ANY};

/* The answers a boolean operand may give. */
struct answers {
    bool may_false, may_true;
};

static const struct answers either = {true, true};

struct bound_state {
    const struct c360_segment *seg;
    bool (*bound)(void *ctx, const struct c360_segment_call *c, struct c360_segment_bounds *out);
    void *ctx;
    uint32_t asked; /* bit slot: memo[slot] holds that call's span */
    struct span memo[C360_SEGMENT_CALLS_MAX];
    /* Some node the evaluator may reach may make it refuse (a kind it
     * cannot compute with, two currencies, an overflow), and a refused
     * expression answers false. */
    bool may_fail;
};

_Static_assert(C360_SEGMENT_CALLS_MAX <= 32, "asked holds a bit per call");

static bool numeric(const struct span *s)
{
    return s->kind == C360_SEGMENT_NUMBER || s->kind == C360_SEGMENT_MONEY;
}

/* The span of the call's bounds into *s; ANY where they bound nothing the
 * evaluator would accept. */
static void span_of_bounds(const struct c360_segment_bounds *b, struct span *s)
{
    s->kind = b->kind;
    if (b->kind == C360_SEGMENT_BOOL) {
        s->may_false = b->may_false;
        s->may_true = b->may_true;
        return;
    }
    if ((b->kind != C360_SEGMENT_NUMBER && b->kind != C360_SEGMENT_MONEY) ||
        (!b->lo_open && !b->hi_open && b->lo > b->hi)) { /* no interval at all */
        s->kind = C360_SEGMENT_ANY;
        return;
    }
    int64_t den = 1;
    if (b->kind == C360_SEGMENT_MONEY) {
        memcpy(s->currency, b->currency, sizeof(s->currency));
        s->currency[3] = '\0';
        if (b->divisor < 0 ||
            (s->currency[0] && c360_money_check_currency(s->currency, NULL) != C360_OK)) {
            s->kind = C360_SEGMENT_ANY;
            return;
        }
        den = b->divisor > 0 ? b->divisor : 1;
    }
    s->lo = b->lo_open ? unbounded : (struct end){b->lo, den};
    s->hi = b->hi_open ? unbounded : (struct end){b->hi, den};
}

/* -1, 0 or 1: the order of two bounded ends. */
static int end_cmp(struct end x, struct end y)
{
    if (x.den == y.den) /* most ends: numbers, or money over the same divisor */
        return x.num < y.num ? -1 : x.num > y.num;
    i128 l = (i128)x.num * y.den, r = (i128)y.num * x.den;
    return l < r ? -1 : l > r;
}

static bool is_zero_point(const struct span *s)
{
    return s->lo.den && s->hi.den && s->lo.num == 0 && s->hi.num == 0;
}

/* As the evaluator's currency rule: equal currencies, or an exact zero
 * with none. *out gets the currency of the result; NULL when the two do
 * not meet. */
static const char *currency_join(const struct span *a, const struct span *b)
{
    if (a->kind != C360_SEGMENT_MONEY)
        return b->currency; /* meaningful only when b is money */
    if (b->kind != C360_SEGMENT_MONEY)
        return a->currency;
    if (strcmp(a->currency, b->currency) == 0 || (!b->currency[0] && is_zero_point(b)))
        return a->currency;
    if (!a->currency[0] && is_zero_point(a))
        return b->currency;
    return NULL;
}

/* x + sign·y, an unbounded end when either is or the evaluator would
 * overflow (a value beyond any bound may overflow): that may refuse. */
static struct end end_add(struct bound_state *st, struct end x, struct end y, int sign)
{
    if (!x.den || !y.den) {
        st->may_fail = true;
        return unbounded;
    }
    i128 num, den;
    if (x.den == y.den) {
        num = (i128)x.num + sign * (i128)y.num;
        den = x.den;
    } else {
        num = (i128)x.num * y.den + sign * (i128)y.num * x.den;
        den = (i128)x.den * y.den;
        i128 g = c360_segment_gcd(num, den);
        if (g > 1) {
            num /= g;
            den /= g;
        }
    }
    if (num > INT64_MAX || num < INT64_MIN || den > INT64_MAX) {
        st->may_fail = true;
        return unbounded;
    }
    return (struct end){(int64_t)num, (int64_t)den};
}

/* -x, unbounded where the evaluator would overflow: -INT64_MIN does, and
 * an unbounded value may be INT64_MIN. */
static struct end end_neg(struct bound_state *st, struct end x)
{
    if (!x.den || x.num == INT64_MIN) {
        st->may_fail = true;
        return unbounded;
    }
    return (struct end){-x.num, x.den};
}

/* a ± b into *out (which may be neither a nor b); &anything when the
 * evaluator would refuse. */
static const struct span *arith(struct bound_state *st, const struct span *a, const struct span *b,
                                bool add, struct span *out)
{
    const char *currency;
    if (!numeric(a) || !numeric(b) || !(currency = currency_join(a, b))) {
        st->may_fail = true;
        return &anything;
    }
    out->kind = C360_SEGMENT_NUMBER;
    if (a->kind == C360_SEGMENT_MONEY || b->kind == C360_SEGMENT_MONEY) {
        out->kind = C360_SEGMENT_MONEY;
        memcpy(out->currency, currency, sizeof(out->currency));
    }
    if (add) {
        out->lo = end_add(st, a->lo, b->lo, 1);
        out->hi = end_add(st, a->hi, b->hi, 1);
    } else {
        out->lo = end_add(st, a->lo, b->hi, -1);
        out->hi = end_add(st, a->hi, b->lo, -1);
    }
    return out;
}

/* The orders in which some pair of values of two intervals compares, from
 * low, the first's lowest against the second's highest, and high, the
 * first's highest against the second's lowest (end_cmp's -1, 0 or 1). */
static unsigned interval_orders(int low, int high)
{
    return (low < 0 ? C360_SEGMENT_ORDER_LT : 0) | (high > 0 ? C360_SEGMENT_ORDER_GT : 0) |
           (low <= 0 && high >= 0 ? C360_SEGMENT_ORDER_EQ : 0); /* the intervals meet */
}

/* The answers a comparison may give when its operands may compare in the
 * orders given. */
static struct answers answers_at(enum c360_segment_cmp cmp, unsigned orders)
{
    return (struct answers){orders & ~c360_segment_holds_at[cmp],
                            orders & c360_segment_holds_at[cmp]};
}

/* Whether a cmp b may be false and may be true, into *out; false when the
 * evaluator would refuse to compare them. */
static bool compare(enum c360_segment_cmp cmp, const struct span *a, const struct span *b,
                    struct answers *out)
{
    unsigned orders; /* those some pair of values compares in */
    if (a->kind == C360_SEGMENT_BOOL && b->kind == C360_SEGMENT_BOOL &&
        (cmp == C360_SEGMENT_EQ || cmp == C360_SEGMENT_NE)) {
        bool eq = (a->may_true && b->may_true) || (a->may_false && b->may_false);
        bool ne = (a->may_true && b->may_false) || (a->may_false && b->may_true);
        orders = (eq ? C360_SEGMENT_ORDER_EQ : 0) |
                 (ne ? C360_SEGMENT_ORDER_LT | C360_SEGMENT_ORDER_GT : 0);
    } else if (numeric(a) && numeric(b) && currency_join(a, b)) {
        /* a's lowest against b's highest, a's highest against b's lowest;
         * an unbounded end reaches past the other. */
        int low = !a->lo.den || !b->hi.den ? -1 : end_cmp(a->lo, b->hi);
        int high = !a->hi.den || !b->lo.den ? 1 : end_cmp(a->hi, b->lo);
        orders = interval_orders(low, high);
    } else {
        return false;
    }
    *out = answers_at(cmp, orders);
    return true;
}

/* Whether s cmp n may be false and may be true, for a NUMBER or MONEY span
 * s and a number n: compare's answer when b is the literal n, without its
 * span (n meets money of any currency). */
static struct answers against_number(enum c360_segment_cmp cmp, const struct span *s, int64_t n)
{
    struct end e = {n, 1};
    int low = !s->lo.den ? -1 : end_cmp(s->lo, e);
    int high = !s->hi.den ? 1 : end_cmp(s->hi, e);
    return answers_at(cmp, interval_orders(low, high));
}

/* Asks the callback for call slot's bounds, into its memo. */
static const struct span *ask(struct bound_state *st, size_t slot)
{
    struct span *s = &st->memo[slot];
    st->asked |= UINT32_C(1) << slot;
    struct c360_segment_bounds b;
    memset(&b, 0, sizeof(b));
    /* As the evaluator checks a callback's value: of the kind the table
     * declared (span_of_bounds checks the currency). */
    if (st->bound(st->ctx, &st->seg->calls[slot], &b) && b.kind <= C360_SEGMENT_LIST &&
        (st->seg->call_kinds[slot] & C360_SEGMENT_BIT(b.kind)))
        span_of_bounds(&b, s);
    else
        s->kind = C360_SEGMENT_ANY;
    return s;
}

/* Call slot's span, asked of the callback once and then read in place:
 * the memo outlives every use within one c360_segment_bound. */
static inline const struct span *bound_call(struct bound_state *st, size_t slot)
{
    if (st->asked & (UINT32_C(1) << slot))
        return &st->memo[slot];
    return ask(st, slot);
}

static bool is_number(const struct c360_segment_node *node)
{
    return node->op == C360_SEGMENT_OP_LITERAL && node->value.kind == C360_SEGMENT_NUMBER;
}

static struct answers bound_plan(struct bound_state *st, size_t first);
static const struct span *bound_value(struct bound_state *st, size_t n, struct span *tmp);

/* Node n's span as bound_value gives it, without a call for the operands
 * most tests have: an insight or a number. */
static inline const struct span *bound_operand(struct bound_state *st, size_t n, struct span *tmp)
{
    const struct c360_segment_node *node = &st->seg->nodes[n];
    if (is_number(node)) {
        tmp->kind = C360_SEGMENT_NUMBER;
        tmp->lo = tmp->hi = (struct end){node->value.number, 1};
        return tmp;
    }
    if (node->op == C360_SEGMENT_OP_CALL) {
        const struct span *s = bound_call(st, node->slot);
        if (s->kind != C360_SEGMENT_ANY)
            return s;
    }
    return bound_value(st, n, tmp);
}

/* A node's span: the memo's for a call, &anything, or built in *tmp.
 * Whatever may make the evaluator refuse on the way is noted. */
static const struct span *bound_value(struct bound_state *st, size_t n, struct span *tmp)
{
    const struct c360_segment_node *node = &st->seg->nodes[n];
    const struct span *s;
    struct span a, b;
    struct answers p;
    switch (node->op) {
    case C360_SEGMENT_OP_LITERAL:
        if (node->value.kind == C360_SEGMENT_NUMBER) {
            tmp->kind = C360_SEGMENT_NUMBER;
            tmp->lo = tmp->hi = (struct end){node->value.number, 1};
            return tmp;
        }
        if (node->value.kind == C360_SEGMENT_BOOL) {
            tmp->kind = C360_SEGMENT_BOOL;
            tmp->may_false = !node->value.boolean;
            tmp->may_true = node->value.boolean;
            return tmp;
        }
        break; /* strings, symbols and lists only meet literals */
    case C360_SEGMENT_OP_CALL:
        s = bound_call(st, node->slot);
        if (s->kind != C360_SEGMENT_ANY)
            return s;
        break;
    case C360_SEGMENT_OP_NOT:
    case C360_SEGMENT_OP_AND:
    case C360_SEGMENT_OP_OR:
        p = bound_plan(st, node->test);
        tmp->kind = C360_SEGMENT_BOOL;
        tmp->may_false = p.may_false;
        tmp->may_true = p.may_true;
        return tmp;
    case C360_SEGMENT_OP_NEG:
        s = bound_value(st, node->left, &a);
        if (!numeric(s))
            break;
        *tmp = *s; /* s is never tmp */
        tmp->lo = end_neg(st, s->hi);
        tmp->hi = end_neg(st, s->lo);
        return tmp;
    case C360_SEGMENT_OP_ADD:
    case C360_SEGMENT_OP_SUB:
        s = bound_value(st, node->left, &a);
        return arith(st, s, bound_value(st, node->right, &b), node->op == C360_SEGMENT_OP_ADD, tmp);
    case C360_SEGMENT_OP_CMP:
        s = bound_operand(st, node->left, &a);
        if (!compare(node->cmp, s, bound_operand(st, node->right, &b), &p))
            break;
        tmp->kind = C360_SEGMENT_BOOL;
        tmp->may_false = p.may_false;
        tmp->may_true = p.may_true;
        return tmp;
    }
    st->may_fail = true;
    return &anything;
}

/* bound_test for the tests it does not answer itself. */
static struct answers bound_test_other(struct bound_state *st, const struct c360_segment_node *node)
{
    size_t n = (size_t)(node - st->seg->nodes);
    const struct span *s;
    struct span a, b;
    struct answers x;
    if (node->op == C360_SEGMENT_OP_CMP) {
        s = bound_operand(st, node->left, &a);
        if (compare(node->cmp, s, bound_operand(st, node->right, &b), &x))
            return x;
    } else {
        s = bound_operand(st, n, &a);
        if (s->kind == C360_SEGMENT_BOOL)
            return (struct answers){s->may_false, s->may_true};
    }
    st->may_fail = true;
    return either;
}

/* The answers one test may give: anything but a boolean may be either
 * answer, or a refusal. */
static inline struct answers bound_test(struct bound_state *st, size_t n)
{
    const struct c360_segment_node *nodes = st->seg->nodes, *node = &nodes[n];
    /* Most tests are a call as a boolean, or a call against a number
     * (tenureDays >= 365): those are answered from the call's span alone,
     * with one place that asks a call. */
    const struct c360_segment_node *call =
        node->op == C360_SEGMENT_OP_CMP ? &nodes[node->left] : node;
    if (call->op == C360_SEGMENT_OP_CALL && (call == node || is_number(&nodes[node->right]))) {
        const struct span *s = bound_call(st, call->slot);
        if (call == node && s->kind == C360_SEGMENT_BOOL)
            return (struct answers){s->may_false, s->may_true};
        if (call != node && numeric(s))
            return against_number(node->cmp, s, nodes[node->right].value.number);
        st->may_fail = true; /* a call of another kind, or one refused */
        return either;
    }
    return bound_test_other(st, node);
}

/* Where a test's answer leads: to an answer of the predicate, into *out,
 * or to a later test, which is set pending: in *todo when it is in the
 * word being visited, else in words, *last being the last word set. Later
 * only (c360_segment_parse plans no test that leads back; its tests check
 * that), or todo &= todo - 1 below would clear the wrong bit. */
static inline void reach(uint16_t t, struct answers *out, size_t word, uint64_t *todo,
                         uint64_t *words, size_t *last)
{
    uint64_t bit = UINT64_C(1) << (t % 64);
    if (t == C360_SEGMENT_TEST_TRUE) {
        out->may_true = true;
    } else if (t == C360_SEGMENT_TEST_FALSE) {
        out->may_false = true;
    } else if (t / 64 == word) {
        *todo |= bit;
    } else {
        words[t / 64] |= bit;
        if (t / 64 > *last)
            *last = t / 64;
    }
}

/* The answers the predicate whose first test is seg->tests[first] may give:
 * the tests any answers lead to are visited in order, each once, as the
 * evaluator would reach them. A short-circuit only skips forward, so a
 * test leads only to later ones and the lowest pending test is the next.
 * The pending tests are a bit each by index, a word of them at a time in
 * todo: the common predicate of a few tests is followed in a register.
 * Each predicate has its own: one nested in a test's operand leaves its
 * caller's alone. */
static struct answers bound_plan(struct bound_state *st, size_t first)
{
    struct answers out = {false, false};
    uint64_t words[(C360_SEGMENT_NODES_MAX + 63) / 64]; /* all but todo's word */
    size_t last = first / 64;
    memset(words, 0, sizeof(words));
    words[first / 64] = UINT64_C(1) << (first % 64);
    for (size_t word = first / 64; word <= last; word++) {
        /* todo &= todo - 1 clears t, the lowest bit: reach sets only
         * later ones. */
        for (uint64_t todo = words[word]; todo; todo &= todo - 1) {
            size_t t = word * 64 + (size_t)__builtin_ctzll(todo);
            const struct c360_segment_test *test = &st->seg->tests[t];
            struct answers x = bound_test(st, test->node);
            if (x.may_true)
                reach(test->on_true, &out, word, &todo, words, &last);
            if (x.may_false)
                reach(test->on_false, &out, word, &todo, words, &last);
        }
    }
    return out;
}

void c360_segment_bound(const struct c360_segment *seg,
                        bool (*bound)(void *ctx, const struct c360_segment_call *c,
                                      struct c360_segment_bounds *out),
                        void *ctx, bool *may_false, bool *may_true)
{
    /* memo is read only where asked says so. */
    struct bound_state st;
    st.seg = seg;
    st.bound = bound;
    st.ctx = ctx;
    st.asked = 0;
    st.may_fail = false;
    struct answers s = bound_plan(&st, seg->nodes[seg->root].test);
    *may_false = s.may_false || st.may_fail;
    *may_true = s.may_true;
}
