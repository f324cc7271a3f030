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
 */
#include "segment_int.h"

#include <string.h>

__extension__ typedef __int128 i128;

/* One end of an interval: num / den, den ≥ 1; or none. */
struct end {
    int64_t num, den;
    bool none;     /* no bound on this side */
    bool overflow; /* none because the evaluator may overflow here */
};

/* What a node may give: BOOL with the answers it may take, a NUMBER or
 * MONEY within [lo, hi], or ANY: anything at all. */
struct span {
    enum c360_segment_kind kind;
    bool may_false, may_true;
    struct end lo, hi;
    char currency[4]; /* MONEY */
};

struct bound_state {
    const struct c360_segment *seg;
    bool (*bound)(void *ctx, const struct c360_segment_call *c, struct c360_segment_bounds *out);
    void *ctx;
    struct span memo[C360_SEGMENT_CALLS_MAX];
    bool done[C360_SEGMENT_CALLS_MAX];
    /* Some node the evaluator may reach may make it refuse, and a refused
     * expression answers false. */
    bool may_fail;
};

static const struct span anything = {.kind = C360_SEGMENT_ANY};

static struct span boolean(bool may_false, bool may_true)
{
    return (struct span){.kind = C360_SEGMENT_BOOL, .may_false = may_false, .may_true = may_true};
}

static bool numeric(const struct span *s)
{
    return s->kind == C360_SEGMENT_NUMBER || s->kind == C360_SEGMENT_MONEY;
}

static struct end end_of(int64_t value, int64_t den, bool none)
{
    return (struct end){.num = value, .den = den, .none = none};
}

static struct span span_of_literal(const struct c360_segment_value *v)
{
    switch (v->kind) {
    case C360_SEGMENT_BOOL:
        return boolean(!v->boolean, v->boolean);
    case C360_SEGMENT_NUMBER: {
        struct span s = {.kind = C360_SEGMENT_NUMBER};
        s.lo = s.hi = end_of(v->number, 1, false);
        return s;
    }
    default:
        return anything; /* strings, symbols and lists only meet literals */
    }
}

static struct span span_of_bounds(const struct c360_segment_bounds *b)
{
    struct span s = {.kind = b->kind};
    if (b->kind == C360_SEGMENT_BOOL) {
        s.may_false = b->may_false;
        s.may_true = b->may_true;
        return s;
    }
    if (b->kind != C360_SEGMENT_NUMBER && b->kind != C360_SEGMENT_MONEY)
        return anything;
    if (!b->lo_open && !b->hi_open && b->lo > b->hi)
        return anything; /* no interval at all */
    int64_t den = 1;
    if (b->kind == C360_SEGMENT_MONEY) {
        memcpy(s.currency, b->currency, sizeof(s.currency));
        s.currency[3] = '\0';
        if (b->divisor < 0 ||
            (s.currency[0] && c360_money_check_currency(s.currency, NULL) != C360_OK))
            return anything;
        den = b->divisor > 0 ? b->divisor : 1;
    }
    s.lo = end_of(b->lo, den, b->lo_open);
    s.hi = end_of(b->hi, den, b->hi_open);
    return s;
}

/* -1, 0 or 1: the order of two bounded ends. */
static int end_cmp(const struct end *x, const struct end *y)
{
    i128 l = (i128)x->num * y->den, r = (i128)y->num * x->den;
    return l < r ? -1 : l > r;
}

static bool is_zero_point(const struct span *s)
{
    return !s->lo.none && !s->hi.none && s->lo.num == 0 && s->hi.num == 0;
}

/* As the evaluator's currency rule: equal currencies, or an exact zero
 * with none. *out gets the currency of the result. */
static bool currency_join(const struct span *a, const struct span *b, char out[4])
{
    if (a->kind != C360_SEGMENT_MONEY || b->kind != C360_SEGMENT_MONEY) {
        memcpy(out, a->kind == C360_SEGMENT_MONEY ? a->currency : b->currency, 4);
        return true;
    }
    if (strcmp(a->currency, b->currency) == 0 || (!b->currency[0] && is_zero_point(b))) {
        memcpy(out, a->currency, 4);
        return true;
    }
    if (!a->currency[0] && is_zero_point(a)) {
        memcpy(out, b->currency, 4);
        return true;
    }
    return false;
}

/* x + sign·y, an unbounded end when either is or the evaluator would
 * overflow. */
static struct end end_add(const struct end *x, const struct end *y, int sign)
{
    if (x->none || y->none) /* a value beyond any bound may overflow */
        return (struct end){.none = true, .overflow = true};
    i128 num, den;
    if (x->den == y->den) {
        num = (i128)x->num + sign * (i128)y->num;
        den = x->den;
    } else {
        num = (i128)x->num * y->den + sign * (i128)y->num * x->den;
        den = (i128)x->den * y->den;
        i128 g = c360_segment_gcd(num, den);
        if (g > 1) {
            num /= g;
            den /= g;
        }
    }
    if (num > INT64_MAX || num < INT64_MIN || den > INT64_MAX)
        return (struct end){.none = true, .overflow = true};
    return (struct end){.num = (int64_t)num, .den = (int64_t)den};
}

static struct span arith(const struct span *a, const struct span *b, bool add)
{
    struct span s = {.kind = a->kind == C360_SEGMENT_MONEY || b->kind == C360_SEGMENT_MONEY
                                 ? C360_SEGMENT_MONEY
                                 : C360_SEGMENT_NUMBER};
    if (!numeric(a) || !numeric(b) || !currency_join(a, b, s.currency))
        return anything;
    if (add) {
        s.lo = end_add(&a->lo, &b->lo, 1);
        s.hi = end_add(&a->hi, &b->hi, 1);
    } else {
        s.lo = end_add(&a->lo, &b->hi, -1);
        s.hi = end_add(&a->hi, &b->lo, -1);
    }
    return s;
}

static struct span negate(const struct span *a)
{
    if (!numeric(a))
        return anything;
    struct span s = *a;
    /* -INT64_MIN overflows in the evaluator, and an unbounded value may
     * be INT64_MIN. */
    s.lo = a->hi.none || a->hi.num == INT64_MIN ? (struct end){.none = true, .overflow = true}
                                                : (struct end){-a->hi.num, a->hi.den, false, false};
    s.hi = a->lo.none || a->lo.num == INT64_MIN ? (struct end){.none = true, .overflow = true}
                                                : (struct end){-a->lo.num, a->lo.den, false, false};
    return s;
}

static struct span compare(enum c360_segment_cmp cmp, const struct span *a, const struct span *b)
{
    bool lt, eq, gt; /* whether some pair of values compares so */
    char currency[4];
    if (a->kind == C360_SEGMENT_BOOL && b->kind == C360_SEGMENT_BOOL &&
        (cmp == C360_SEGMENT_EQ || cmp == C360_SEGMENT_NE)) {
        eq = (a->may_true && b->may_true) || (a->may_false && b->may_false);
        lt = gt = (a->may_true && b->may_false) || (a->may_false && b->may_true);
    } else if (numeric(a) && numeric(b) && currency_join(a, b, currency)) {
        lt = a->lo.none || b->hi.none || end_cmp(&a->lo, &b->hi) < 0;
        gt = a->hi.none || b->lo.none || end_cmp(&a->hi, &b->lo) > 0;
        eq = (a->lo.none || b->hi.none || end_cmp(&a->lo, &b->hi) <= 0) &&
             (b->lo.none || a->hi.none || end_cmp(&b->lo, &a->hi) <= 0);
    } else {
        return anything;
    }
    switch (cmp) {
    case C360_SEGMENT_EQ:
        return boolean(lt || gt, eq);
    case C360_SEGMENT_NE:
        return boolean(eq, lt || gt);
    case C360_SEGMENT_LT:
        return boolean(eq || gt, lt);
    case C360_SEGMENT_LE:
        return boolean(gt, lt || eq);
    case C360_SEGMENT_GT:
        return boolean(lt || eq, gt);
    case C360_SEGMENT_GE:
        return boolean(lt, gt || eq);
    }
    return anything;
}

/* The answers a boolean operand may give. */
struct answers {
    bool may_false, may_true;
};

static void bound_value(struct bound_state *st, size_t n, struct span *out);

/* A boolean operand: anything else may be either answer, or a refusal.
 * Connectives are answered here, without a span. */
static struct answers bound_pred(struct bound_state *st, size_t n)
{
    const struct c360_segment_node *node = &st->seg->nodes[n];
    struct answers a, b;
    struct span s;
    switch (node->op) {
    case C360_SEGMENT_OP_NOT:
        a = bound_pred(st, node->left);
        return (struct answers){a.may_true, a.may_false};
    case C360_SEGMENT_OP_AND:
        a = bound_pred(st, node->left);
        if (!a.may_true)
            return a;
        b = bound_pred(st, node->right);
        return (struct answers){a.may_false || b.may_false, b.may_true};
    case C360_SEGMENT_OP_OR:
        a = bound_pred(st, node->left);
        if (!a.may_false)
            return a;
        b = bound_pred(st, node->right);
        return (struct answers){b.may_false, a.may_true || b.may_true};
    default:
        bound_value(st, n, &s);
        if (s.kind == C360_SEGMENT_BOOL)
            return (struct answers){s.may_false, s.may_true};
        st->may_fail = true;
        return (struct answers){true, true};
    }
}

static void bound_call(struct bound_state *st, size_t n, struct span *out)
{
    size_t slot = st->seg->nodes[n].slot;
    if (!st->done[slot]) {
        struct c360_segment_bounds b;
        memset(&b, 0, sizeof(b));
        /* As the evaluator checks a callback's value: of the kind the
         * table declared (span_of_bounds checks the currency). */
        bool ok = st->bound(st->ctx, &st->seg->calls[slot], &b) && b.kind <= C360_SEGMENT_LIST &&
                  (st->seg->call_kinds[slot] & C360_SEGMENT_BIT(b.kind));
        st->memo[slot] = ok ? span_of_bounds(&b) : anything;
        st->done[slot] = true;
    }
    *out = st->memo[slot];
}

/* A node's bounds into *out; what may make the evaluator refuse is noted. */
static void bound_value(struct bound_state *st, size_t n, struct span *out)
{
    const struct c360_segment_node *node = &st->seg->nodes[n];
    struct span a, b;
    struct answers p;
    switch (node->op) {
    case C360_SEGMENT_OP_LITERAL:
        *out = span_of_literal(&node->value);
        break;
    case C360_SEGMENT_OP_CALL:
        bound_call(st, n, out);
        break;
    case C360_SEGMENT_OP_NOT:
    case C360_SEGMENT_OP_AND:
    case C360_SEGMENT_OP_OR:
        p = bound_pred(st, n);
        *out = boolean(p.may_false, p.may_true);
        return; /* a boolean: nothing to note */
    case C360_SEGMENT_OP_NEG:
        bound_value(st, node->left, &a);
        *out = negate(&a);
        break;
    case C360_SEGMENT_OP_ADD:
    case C360_SEGMENT_OP_SUB:
        bound_value(st, node->left, &a);
        bound_value(st, node->right, &b);
        *out = arith(&a, &b, node->op == C360_SEGMENT_OP_ADD);
        break;
    case C360_SEGMENT_OP_CMP:
        bound_value(st, node->left, &a);
        bound_value(st, node->right, &b);
        *out = compare(node->cmp, &a, &b);
        break;
    default:
        *out = anything;
        break;
    }
    if (out->kind == C360_SEGMENT_ANY || out->lo.overflow || out->hi.overflow)
        st->may_fail = true;
}

void c360_segment_bound(const struct c360_segment *seg,
                        bool (*bound)(void *ctx, const struct c360_segment_call *c,
                                      struct c360_segment_bounds *out),
                        void *ctx, bool *may_false, bool *may_true)
{
    struct bound_state st;
    st.seg = seg;
    st.bound = bound;
    st.ctx = ctx;
    st.may_fail = false;
    memset(st.done, 0, sizeof(st.done));
    struct answers s = bound_pred(&st, seg->root);
    *may_false = s.may_false || st.may_fail;
    *may_true = s.may_true;
}
