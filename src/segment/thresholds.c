/*
 * c360 segment — what time alone can change. The engine keeps a timer per
 * profile (DESIGN.md §5): for an insight that grows with the clock, such as
 * tenureDays, the constants it is compared with say on which day the answer
 * may flip; any other use of the insight leaves only daily re-evaluation.
 */
#include "segment_int.h"

#include <string.h>

/* A number known without evaluation: a literal, or sums and negations of
 * literals. False on an int64 overflow, which evaluation would refuse. */
static bool constant(const struct c360_segment *seg, size_t n, int64_t *out)
{
    const struct c360_segment_node *node = &seg->nodes[n];
    int64_t a, b;
    switch (node->op) {
    case C360_SEGMENT_OP_LITERAL:
        *out = node->value.number;
        return node->value.kind == C360_SEGMENT_NUMBER;
    case C360_SEGMENT_OP_NEG:
        if (!constant(seg, node->left, &a) || a == INT64_MIN)
            return false;
        *out = -a;
        return true;
    case C360_SEGMENT_OP_ADD:
        return constant(seg, node->left, &a) && constant(seg, node->right, &b) &&
               !__builtin_add_overflow(a, b, out);
    case C360_SEGMENT_OP_SUB:
        return constant(seg, node->left, &a) && constant(seg, node->right, &b) &&
               !__builtin_sub_overflow(a, b, out);
    default:
        return false;
    }
}

static bool is_insight(const struct c360_segment *seg, size_t n, const char *insight)
{
    const struct c360_segment_node *node = &seg->nodes[n];
    return node->op == C360_SEGMENT_OP_CALL && strcmp(seg->calls[node->slot].name, insight) == 0;
}

/* Zero-argument calls only: a call with arguments is another quantity. */
static bool is_bare(const struct c360_segment *seg, size_t n, const char *insight)
{
    return is_insight(seg, n, insight) && seg->calls[seg->nodes[n].slot].n_args == 0;
}

/* `365 <= x` is `x >= 365`. */
static enum c360_segment_cmp mirror(enum c360_segment_cmp cmp)
{
    switch (cmp) {
    case C360_SEGMENT_LT:
        return C360_SEGMENT_GT;
    case C360_SEGMENT_LE:
        return C360_SEGMENT_GE;
    case C360_SEGMENT_GT:
        return C360_SEGMENT_LT;
    case C360_SEGMENT_GE:
        return C360_SEGMENT_LE;
    case C360_SEGMENT_EQ:
    case C360_SEGMENT_NE:
        break;
    }
    return cmp;
}

static void add(struct c360_segment_thresholds *out, enum c360_segment_cmp op, int64_t value)
{
    for (size_t i = 0; i < out->count; i++) {
        if (out->items[i].op == op && out->items[i].value == value)
            return;
    }
    /* Beyond the cap, daily re-evaluation is still right, only slower. */
    if (out->count == C360_SEGMENT_THRESHOLDS_MAX) {
        out->elsewhere = true;
        return;
    }
    out->items[out->count++] = (struct c360_segment_threshold){.op = op, .value = value};
}

void c360_segment_thresholds(const struct c360_segment *seg, const char *insight,
                             struct c360_segment_thresholds *out)
{
    bool direct[C360_SEGMENT_NODES_MAX] = {false};
    int64_t value;
    memset(out, 0, sizeof(*out));
    for (size_t n = 0; n < seg->n_nodes; n++) {
        const struct c360_segment_node *node = &seg->nodes[n];
        if (node->op != C360_SEGMENT_OP_CMP)
            continue;
        if (is_bare(seg, node->left, insight) && constant(seg, node->right, &value)) {
            add(out, node->cmp, value);
            direct[node->left] = true;
        } else if (is_bare(seg, node->right, insight) && constant(seg, node->left, &value)) {
            add(out, mirror(node->cmp), value);
            direct[node->right] = true;
        }
    }
    for (size_t n = 0; n < seg->n_nodes; n++) {
        if (is_insight(seg, n, insight) && !direct[n])
            out->elsewhere = true;
    }
}
