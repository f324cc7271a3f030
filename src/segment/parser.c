/*
 * c360 segment — the parser: tokens to the compiled tree, by recursive
 * descent, one function per precedence level (or < and < not < comparison <
 * sum < unary minus). Calls are checked against the insight table as they
 * are read and identical calls share one slot, so evaluation asks for each
 * value once. Kinds are checked bottom-up as far as the table declares them:
 * `holds(SAVINGS) >= 3` fails at load, not on every evaluation.
 */
#include "segment_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STRINGLIKE (C360_SEGMENT_BIT(C360_SEGMENT_STRING) | C360_SEGMENT_BIT(C360_SEGMENT_SYMBOL))
#define BOOLEAN C360_SEGMENT_BIT(C360_SEGMENT_BOOL)

struct parser {
    struct c360_segment_lexer lx;
    struct c360_segment_token tok; /* the next token, not yet consumed */
    struct c360_segment *seg;
    const struct c360_segment_insight *insights; /* borrowed for the parse */
    size_t n_insights;
    size_t depth;
    struct c360_diag *diag;
};

/* An argument or list item as read, with where it was for messages. */
struct parsed_arg {
    struct c360_segment_value value;
    size_t pos;
    size_t item_pos[C360_SEGMENT_LIST_MAX];
};

const char *c360_segment_kind_name(enum c360_segment_kind kind)
{
    switch (kind) {
    case C360_SEGMENT_ANY:
        return "a value";
    case C360_SEGMENT_BOOL:
        return "a boolean";
    case C360_SEGMENT_NUMBER:
        return "a number";
    case C360_SEGMENT_MONEY:
        return "money";
    case C360_SEGMENT_STRING:
        return "a string";
    case C360_SEGMENT_SYMBOL:
        return "a name";
    case C360_SEGMENT_LIST:
        return "a list";
    }
    return "a value";
}

const char *c360_segment_kinds_name(unsigned kinds)
{
    for (int k = C360_SEGMENT_BOOL; k <= C360_SEGMENT_LIST; k++) {
        if (kinds == C360_SEGMENT_BIT(k))
            return c360_segment_kind_name((enum c360_segment_kind)k);
    }
    return "an insight value";
}

static enum c360_err fail(struct parser *p, enum c360_err err, size_t pos, const char *fmt, ...)
    C360_PRINTF(4, 5);

/* A refusal at byte pos of the expression. */
static enum c360_err fail(struct parser *p, enum c360_err err, size_t pos, const char *fmt, ...)
{
    char msg[sizeof(p->diag->text)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return c360_segment_fail_at(p->diag, err, p->seg->src, p->seg->len, pos, "%s", msg);
}

/* "expected X, found Y" at the next token. */
static enum c360_err expected(struct parser *p, const char *what)
{
    const struct c360_segment_token *t = &p->tok;
    if (t->kind == C360_SEGMENT_TOK_END)
        return fail(p, C360_ERR_INVALID, t->pos, "expected %s, found the end of the expression",
                    what);
    int n = t->len > 40 ? 40 : (int)t->len;
    return fail(p, C360_ERR_INVALID, t->pos, "expected %s, found '%.*s'%s", what, n,
                p->seg->src + t->pos, t->len > 40 ? "…" : "");
}

static enum c360_err advance(struct parser *p)
{
    return c360_segment_lex_next(&p->lx, &p->tok, p->diag);
}

static enum c360_err pool_put(struct parser *p, const char *text, size_t n, const char **out)
{
    struct c360_segment *seg = p->seg;
    /* The pool is sized from the expression's length so this cannot fail;
     * the check keeps a mistake in that sum from writing past it. */
    if (n + 1 > seg->pool_cap - seg->pool_len)
        return fail(p, C360_ERR_LIMIT, p->tok.pos, "the expression's texts overflow their pool");
    char *dst = seg->pool + seg->pool_len;
    memcpy(dst, text, n);
    dst[n] = '\0';
    seg->pool_len += n + 1;
    *out = dst;
    return C360_OK;
}

/* Nodes, list items and arguments share one cap, so input bounds them all. */
static enum c360_err reserve(struct parser *p, size_t pos, size_t count)
{
    if (p->seg->n_nodes + p->seg->n_items + count > C360_SEGMENT_NODES_MAX)
        return fail(p, C360_ERR_LIMIT, pos,
                    "more than %d parts in one expression "
                    "(C360_SEGMENT_NODES_MAX)",
                    C360_SEGMENT_NODES_MAX);
    return C360_OK;
}

static enum c360_err add_node(struct parser *p, enum c360_segment_op op, size_t pos, unsigned kinds,
                              size_t *out)
{
    enum c360_err err = reserve(p, pos, 1);
    if (err)
        return err;
    size_t i = p->seg->n_nodes++;
    p->seg->nodes[i] = (struct c360_segment_node){.op = op, .pos = pos, .kinds = kinds};
    *out = i;
    return C360_OK;
}

static enum c360_err parse_or(struct parser *p, size_t *out);

/* --- Literals, arguments and lists. */

static enum c360_err parse_list(struct parser *p, struct parsed_arg *arg);

/* A literal in argument or list position: a bare name here is a symbol. */
static enum c360_err parse_arg(struct parser *p, struct parsed_arg *arg, bool in_list)
{
    struct c360_segment_token *t = &p->tok;
    enum c360_err err;
    arg->pos = t->pos;
    switch (t->kind) {
    case C360_SEGMENT_TOK_IDENT:
        arg->value.kind = C360_SEGMENT_SYMBOL;
        if ((err = pool_put(p, t->text, t->text_len, &arg->value.text)))
            return err;
        break;
    case C360_SEGMENT_TOK_STRING:
        arg->value.kind = C360_SEGMENT_STRING;
        if ((err = pool_put(p, t->text, t->text_len, &arg->value.text)))
            return err;
        break;
    case C360_SEGMENT_TOK_NUMBER:
        arg->value = (struct c360_segment_value){.kind = C360_SEGMENT_NUMBER, .number = t->number};
        break;
    case C360_SEGMENT_TOK_MINUS:
        if ((err = advance(p)))
            return err;
        if (t->kind != C360_SEGMENT_TOK_NUMBER)
            return expected(p, "a number after '-'");
        arg->value = (struct c360_segment_value){.kind = C360_SEGMENT_NUMBER, .number = -t->number};
        break;
    case C360_SEGMENT_TOK_TRUE:
    case C360_SEGMENT_TOK_FALSE:
        arg->value = (struct c360_segment_value){.kind = C360_SEGMENT_BOOL,
                                                 .boolean = t->kind == C360_SEGMENT_TOK_TRUE};
        break;
    case C360_SEGMENT_TOK_LBRACKET:
        if (in_list)
            return fail(p, C360_ERR_INVALID, t->pos, "lists do not nest");
        return parse_list(p, arg);
    default:
        return expected(p, in_list ? "a list item (a name, number, string, true or false)"
                                   : "an argument (a name, number, string, true, false or "
                                     "[list])");
    }
    return advance(p);
}

static enum c360_err parse_list(struct parser *p, struct parsed_arg *arg)
{
    struct c360_segment_value items[C360_SEGMENT_LIST_MAX];
    size_t n = 0, open = p->tok.pos;
    enum c360_err err;
    if ((err = advance(p)))
        return err;
    while (p->tok.kind != C360_SEGMENT_TOK_RBRACKET) {
        struct parsed_arg item;
        if (n == C360_SEGMENT_LIST_MAX)
            return fail(p, C360_ERR_LIMIT, p->tok.pos,
                        "a list has more than %d items (C360_SEGMENT_LIST_MAX)",
                        C360_SEGMENT_LIST_MAX);
        if ((err = parse_arg(p, &item, true)))
            return err;
        arg->item_pos[n] = item.pos;
        items[n++] = item.value;
        /* No trailing comma: "[a, ]" is more likely a name left out. */
        if (p->tok.kind == C360_SEGMENT_TOK_COMMA) {
            if ((err = advance(p)))
                return err;
            if (p->tok.kind == C360_SEGMENT_TOK_RBRACKET)
                return expected(p, "a list item (a name, number, string, true or false)");
        } else if (p->tok.kind != C360_SEGMENT_TOK_RBRACKET) {
            return expected(p, "',' or ']'");
        }
    }
    if ((err = reserve(p, open, n)))
        return err;
    struct c360_segment *seg = p->seg;
    memcpy(seg->items + seg->n_items, items, n * sizeof(items[0]));
    arg->pos = open;
    arg->value = (struct c360_segment_value){
        .kind = C360_SEGMENT_LIST, .items = seg->items + seg->n_items, .n_items = n};
    seg->n_items += n;
    return advance(p);
}

/* --- Insight calls. */

static void names_list(const char *const *names, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
}

/* A name argument; the bit of its place in ins->names goes into *names. */
static enum c360_err check_name(struct parser *p, const struct c360_segment_insight *ins,
                                const struct c360_segment_value *v, size_t pos, size_t j,
                                uint64_t *names)
{
    char known[256];
    if (v->kind != C360_SEGMENT_SYMBOL && v->kind != C360_SEGMENT_STRING)
        return fail(p, C360_ERR_INVALID, pos, "argument %zu of %s is a name such as %s, not %s",
                    j + 1, ins->name, ins->names && ins->names[0] ? ins->names[0] : "X",
                    c360_segment_kind_name(v->kind));
    if (!ins->names)
        return C360_OK;
    for (size_t i = 0; ins->names[i]; i++) {
        if (strcmp(ins->names[i], v->text) == 0) {
            if (i < 64)
                *names |= UINT64_C(1) << i;
            return C360_OK;
        }
    }
    names_list(ins->names, known, sizeof(known));
    return fail(p, C360_ERR_INVALID, pos, "%s does not know '%.64s'; it knows %s", ins->name,
                v->text, known);
}

static enum c360_err check_arg(struct parser *p, const struct c360_segment_insight *ins, size_t j,
                               const struct parsed_arg *arg, uint64_t *names)
{
    const struct c360_segment_value *v = &arg->value;
    enum c360_err err;
    switch (ins->args[j]) {
    case C360_SEGMENT_ARG_ANY:
        return C360_OK;
    case C360_SEGMENT_ARG_NAME:
        return check_name(p, ins, v, arg->pos, j, names);
    case C360_SEGMENT_ARG_NAMES:
        if (v->kind != C360_SEGMENT_LIST || v->n_items == 0)
            return fail(p, C360_ERR_INVALID, arg->pos,
                        "argument %zu of %s is a list of names such as [%s], not %s", j + 1,
                        ins->name, ins->names && ins->names[0] ? ins->names[0] : "X",
                        v->kind == C360_SEGMENT_LIST ? "an empty list"
                                                     : c360_segment_kind_name(v->kind));
        for (size_t i = 0; i < v->n_items; i++) {
            if ((err = check_name(p, ins, &v->items[i], arg->item_pos[i], j, names)))
                return err;
        }
        return C360_OK;
    case C360_SEGMENT_ARG_NUMBER:
    case C360_SEGMENT_ARG_BOOL: {
        enum c360_segment_kind want =
            ins->args[j] == C360_SEGMENT_ARG_NUMBER ? C360_SEGMENT_NUMBER : C360_SEGMENT_BOOL;
        if (v->kind == want)
            return C360_OK;
        return fail(p, C360_ERR_INVALID, arg->pos, "argument %zu of %s is %s, not %s", j + 1,
                    ins->name, c360_segment_kind_name(want), c360_segment_kind_name(v->kind));
    }
    }
    return C360_OK;
}

static enum c360_err unknown_insight(struct parser *p, const char *name, size_t pos)
{
    static const char *const words[] = {"and", "or", "not", "true", "false"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(words[i], name) == 0)
            return fail(p, C360_ERR_INVALID, pos, "unknown insight '%s'; write '%s' in lower case",
                        name, words[i]);
    }
    for (size_t i = 0; i < p->n_insights; i++) {
        if (strcasecmp(p->insights[i].name, name) == 0)
            return fail(p, C360_ERR_INVALID, pos, "unknown insight '%s'; did you mean '%s'?", name,
                        p->insights[i].name);
    }
    return fail(p, C360_ERR_INVALID, pos, "unknown insight '%s'%s", name,
                p->n_insights == 0 ? " (no insights are known)" : "");
}

/* name or name(arg, …), the name already in p->tok. */
static enum c360_err parse_call(struct parser *p, size_t *out)
{
    struct parsed_arg args[C360_SEGMENT_ARGS_MAX];
    struct c360_segment_value values[C360_SEGMENT_ARGS_MAX];
    char name[C360_SEGMENT_IDENT_MAX + 1], text[C360_SEGMENT_EXPR_MAX + 1];
    size_t pos = p->tok.pos, n = 0, i = 0;
    struct c360_segment *seg = p->seg;
    enum c360_err err;
    memcpy(name, p->tok.text, p->tok.text_len + 1);
    while (i < p->n_insights && strcmp(p->insights[i].name, name) != 0)
        i++;
    if (i == p->n_insights)
        return unknown_insight(p, name, pos);
    const struct c360_segment_insight *ins = &p->insights[i];
    if ((err = advance(p)))
        return err;
    if (p->tok.kind == C360_SEGMENT_TOK_LPAREN) {
        if ((err = advance(p)))
            return err;
        while (p->tok.kind != C360_SEGMENT_TOK_RPAREN) {
            if (n == C360_SEGMENT_ARGS_MAX)
                return fail(p, C360_ERR_LIMIT, p->tok.pos,
                            "a call has more than %d arguments "
                            "(C360_SEGMENT_ARGS_MAX)",
                            C360_SEGMENT_ARGS_MAX);
            if ((err = parse_arg(p, &args[n], false)))
                return err;
            values[n] = args[n].value;
            n++;
            if (p->tok.kind == C360_SEGMENT_TOK_COMMA) {
                if ((err = advance(p)))
                    return err;
                if (p->tok.kind == C360_SEGMENT_TOK_RPAREN)
                    return expected(p, "an argument (a name, number, string, true, false or "
                                       "[list])");
            } else if (p->tok.kind != C360_SEGMENT_TOK_RPAREN) {
                return expected(p, "',' or ')' after an argument (arguments are literals)");
            }
        }
        if ((err = advance(p)))
            return err;
    }
    if (n < ins->min_args || n > ins->max_args) {
        char takes[64];
        if (ins->min_args == ins->max_args)
            snprintf(takes, sizeof(takes), "%zu argument%s", ins->min_args,
                     ins->min_args == 1 ? "" : "s");
        else
            snprintf(takes, sizeof(takes), "%zu to %zu arguments", ins->min_args, ins->max_args);
        return fail(p, C360_ERR_INVALID, pos, "%s takes %s, given %zu", name, takes, n);
    }
    uint64_t names = 0;
    for (size_t j = 0; j < n; j++) {
        if ((err = check_arg(p, ins, j, &args[j], &names)))
            return err;
    }

    /* One slot per distinct canonical text. */
    struct c360_segment_call call = {
        .name = name, .insight = i, .args = values, .n_args = n, .names = names};
    if (c360_segment_call_text(&call, text, sizeof(text)) != C360_OK)
        return fail(p, C360_ERR_LIMIT, pos, "a call's text is too long");
    size_t slot = 0;
    while (slot < seg->n_calls && strcmp(seg->calls[slot].text, text) != 0)
        slot++;
    if (slot == seg->n_calls) {
        if (slot == C360_SEGMENT_CALLS_MAX)
            return fail(p, C360_ERR_LIMIT, pos,
                        "more than %d distinct insight calls "
                        "(C360_SEGMENT_CALLS_MAX)",
                        C360_SEGMENT_CALLS_MAX);
        if ((err = reserve(p, pos, n + 1)))
            return err;
        memcpy(seg->items + seg->n_items, values, n * sizeof(values[0]));
        call.args = seg->items + seg->n_items;
        seg->n_items += n;
        if ((err = pool_put(p, name, strlen(name), &call.name)) ||
            (err = pool_put(p, text, strlen(text), &call.text)))
            return err;
        seg->calls[slot] = call;
        seg->call_kinds[slot] =
            ins->result == C360_SEGMENT_ANY ? C360_SEGMENT_RESULTS : C360_SEGMENT_BIT(ins->result);
        seg->n_calls++;
    }
    if ((err = add_node(p, C360_SEGMENT_OP_CALL, pos, seg->call_kinds[slot], out)))
        return err;
    seg->nodes[*out].slot = (uint16_t)slot;
    return C360_OK;
}

/* --- Operators, loosest last. */

static enum c360_err enter(struct parser *p, size_t pos)
{
    if (++p->depth > C360_SEGMENT_DEPTH_MAX)
        return fail(p, C360_ERR_LIMIT, pos, "nested deeper than %d (C360_SEGMENT_DEPTH_MAX)",
                    C360_SEGMENT_DEPTH_MAX);
    return C360_OK;
}

static enum c360_err parse_primary(struct parser *p, size_t *out)
{
    struct c360_segment_token *t = &p->tok;
    struct parsed_arg arg;
    size_t open = t->pos;
    enum c360_err err;
    switch (t->kind) {
    case C360_SEGMENT_TOK_IDENT:
        return parse_call(p, out);
    case C360_SEGMENT_TOK_LPAREN:
        if ((err = enter(p, open)) || (err = advance(p)) || (err = parse_or(p, out)))
            return err;
        p->depth--;
        if (t->kind != C360_SEGMENT_TOK_RPAREN) {
            char what[64];
            size_t line, column;
            c360_segment_position(p->seg->src, p->seg->len, open, &line, &column);
            snprintf(what, sizeof(what), "')' to close the '(' at %zu:%zu", line, column);
            return expected(p, what);
        }
        return advance(p);
    case C360_SEGMENT_TOK_NUMBER:
    case C360_SEGMENT_TOK_STRING:
    case C360_SEGMENT_TOK_TRUE:
    case C360_SEGMENT_TOK_FALSE:
    case C360_SEGMENT_TOK_LBRACKET:
        if ((err = parse_arg(p, &arg, false)))
            return err;
        if ((err =
                 add_node(p, C360_SEGMENT_OP_LITERAL, open, C360_SEGMENT_BIT(arg.value.kind), out)))
            return err;
        p->seg->nodes[*out].value = arg.value;
        return C360_OK;
    default:
        return expected(p, "a value (a number, a string, true, false, an insight or '(')");
    }
}

static enum c360_err parse_unary(struct parser *p, size_t *out)
{
    size_t pos = p->tok.pos, operand;
    enum c360_err err;
    if (p->tok.kind != C360_SEGMENT_TOK_MINUS)
        return parse_primary(p, out);
    if ((err = enter(p, pos)) || (err = advance(p)) || (err = parse_unary(p, &operand)))
        return err;
    p->depth--;
    unsigned kinds = p->seg->nodes[operand].kinds;
    if (!(kinds & C360_SEGMENT_NUMERIC))
        return fail(p, C360_ERR_INVALID, pos, "'-' needs a number or money, not %s",
                    c360_segment_kinds_name(kinds));
    if ((err = add_node(p, C360_SEGMENT_OP_NEG, pos, kinds & C360_SEGMENT_NUMERIC, out)))
        return err;
    p->seg->nodes[*out].left = (uint16_t)operand;
    return C360_OK;
}

static enum c360_err binary(struct parser *p, enum c360_segment_op op, size_t pos, size_t left,
                            size_t right, unsigned kinds, size_t *out)
{
    enum c360_err err = add_node(p, op, pos, kinds, out);
    if (err)
        return err;
    p->seg->nodes[*out].left = (uint16_t)left;
    p->seg->nodes[*out].right = (uint16_t)right;
    return C360_OK;
}

static enum c360_err parse_sum(struct parser *p, size_t *out)
{
    size_t left, right;
    enum c360_err err;
    if ((err = parse_unary(p, &left)))
        return err;
    while (p->tok.kind == C360_SEGMENT_TOK_PLUS || p->tok.kind == C360_SEGMENT_TOK_MINUS) {
        enum c360_segment_op op =
            p->tok.kind == C360_SEGMENT_TOK_PLUS ? C360_SEGMENT_OP_ADD : C360_SEGMENT_OP_SUB;
        size_t pos = p->tok.pos;
        if ((err = advance(p)) || (err = parse_unary(p, &right)))
            return err;
        unsigned l = p->seg->nodes[left].kinds, r = p->seg->nodes[right].kinds;
        if (!(l & C360_SEGMENT_NUMERIC) || !(r & C360_SEGMENT_NUMERIC))
            return fail(p, C360_ERR_INVALID, pos, "'%c' needs numbers or money, not %s and %s",
                        op == C360_SEGMENT_OP_ADD ? '+' : '-', c360_segment_kinds_name(l),
                        c360_segment_kinds_name(r));
        /* Money with anything gives money; a number only from two numbers. */
        unsigned kinds = ((l & r) & C360_SEGMENT_BIT(C360_SEGMENT_NUMBER)) |
                         ((l | r) & C360_SEGMENT_BIT(C360_SEGMENT_MONEY));
        if ((err = binary(p, op, pos, left, right, kinds, &left)))
            return err;
    }
    *out = left;
    return C360_OK;
}

static bool comparison(enum c360_segment_tok kind, enum c360_segment_cmp *cmp)
{
    switch (kind) {
    case C360_SEGMENT_TOK_EQ:
        *cmp = C360_SEGMENT_EQ;
        return true;
    case C360_SEGMENT_TOK_NE:
        *cmp = C360_SEGMENT_NE;
        return true;
    case C360_SEGMENT_TOK_LT:
        *cmp = C360_SEGMENT_LT;
        return true;
    case C360_SEGMENT_TOK_LE:
        *cmp = C360_SEGMENT_LE;
        return true;
    case C360_SEGMENT_TOK_GT:
        *cmp = C360_SEGMENT_GT;
        return true;
    case C360_SEGMENT_TOK_GE:
        *cmp = C360_SEGMENT_GE;
        return true;
    default:
        return false;
    }
}

static enum c360_err parse_comparison(struct parser *p, size_t *out)
{
    size_t left, right;
    enum c360_segment_cmp cmp;
    enum c360_err err;
    if ((err = parse_sum(p, &left)))
        return err;
    if (!comparison(p->tok.kind, &cmp)) {
        *out = left;
        return C360_OK;
    }
    size_t pos = p->tok.pos, oplen = p->tok.len;
    if ((err = advance(p)) || (err = parse_sum(p, &right)))
        return err;
    unsigned l = p->seg->nodes[left].kinds, r = p->seg->nodes[right].kinds;
    bool ordered = cmp != C360_SEGMENT_EQ && cmp != C360_SEGMENT_NE;
    bool ok = (l & C360_SEGMENT_NUMERIC) && (r & C360_SEGMENT_NUMERIC);
    if (!ordered)
        ok = ok || ((l & BOOLEAN) && (r & BOOLEAN)) || ((l & STRINGLIKE) && (r & STRINGLIKE));
    if (!ok)
        return fail(p, C360_ERR_INVALID, pos, "'%.*s' cannot compare %s with %s", (int)oplen,
                    p->seg->src + pos, c360_segment_kinds_name(l), c360_segment_kinds_name(r));
    if ((err = binary(p, C360_SEGMENT_OP_CMP, pos, left, right, BOOLEAN, out)))
        return err;
    p->seg->nodes[*out].cmp = cmp;
    if (comparison(p->tok.kind, &cmp))
        return fail(p, C360_ERR_INVALID, p->tok.pos,
                    "comparisons do not chain; join them with 'and'");
    return C360_OK;
}

static enum c360_err need_condition(struct parser *p, size_t node, size_t pos, const char *op,
                                    const char *side)
{
    unsigned kinds = p->seg->nodes[node].kinds;
    if (kinds & BOOLEAN)
        return C360_OK;
    return fail(p, C360_ERR_INVALID, pos, "'%s' needs true or false%s, not %s", op, side,
                c360_segment_kinds_name(kinds));
}

static enum c360_err parse_not(struct parser *p, size_t *out)
{
    size_t pos = p->tok.pos, operand;
    enum c360_err err;
    if (p->tok.kind != C360_SEGMENT_TOK_NOT)
        return parse_comparison(p, out);
    if ((err = enter(p, pos)) || (err = advance(p)) || (err = parse_not(p, &operand)) ||
        (err = need_condition(p, operand, pos, "not", "")))
        return err;
    p->depth--;
    if ((err = add_node(p, C360_SEGMENT_OP_NOT, pos, BOOLEAN, out)))
        return err;
    p->seg->nodes[*out].left = (uint16_t)operand;
    return C360_OK;
}

/* left-associative chains of one operator over the next tighter level */
static enum c360_err parse_chain(struct parser *p, enum c360_segment_tok tok,
                                 enum c360_segment_op op, const char *word,
                                 enum c360_err (*tighter)(struct parser *, size_t *), size_t *out)
{
    size_t left, right;
    enum c360_err err;
    if ((err = tighter(p, &left)))
        return err;
    while (p->tok.kind == tok) {
        size_t pos = p->tok.pos;
        if ((err = advance(p)) || (err = tighter(p, &right)) ||
            (err = need_condition(p, left, pos, word, " on its left")) ||
            (err = need_condition(p, right, pos, word, " on its right")) ||
            (err = binary(p, op, pos, left, right, BOOLEAN, &left)))
            return err;
    }
    *out = left;
    return C360_OK;
}

static enum c360_err parse_and(struct parser *p, size_t *out)
{
    return parse_chain(p, C360_SEGMENT_TOK_AND, C360_SEGMENT_OP_AND, "and", parse_not, out);
}

static enum c360_err parse_or(struct parser *p, size_t *out)
{
    return parse_chain(p, C360_SEGMENT_TOK_OR, C360_SEGMENT_OP_OR, "or", parse_and, out);
}

/* --- The whole expression. */

static enum c360_err check_table(const struct c360_segment_insight *insights, size_t n,
                                 struct c360_diag *diag)
{
    for (size_t i = 0; i < n; i++) {
        const struct c360_segment_insight *ins = &insights[i];
        if (!ins->name || !*ins->name || strlen(ins->name) > C360_SEGMENT_IDENT_MAX ||
            ins->min_args > ins->max_args || ins->max_args > C360_SEGMENT_ARGS_MAX ||
            (ins->result != C360_SEGMENT_ANY &&
             !(C360_SEGMENT_RESULTS & C360_SEGMENT_BIT(ins->result))))
            return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                  "insight table entry %zu is malformed (name, result kind or "
                                  "argument counts)",
                                  i);
    }
    return C360_OK;
}

void c360_segment_free(struct c360_segment *seg)
{
    if (!seg)
        return;
    free(seg->src);
    free(seg->pool);
    free(seg);
}

/* --- Plans: the tests of each predicate, for eval.c and bound.c. */

static bool is_connective(const struct c360_segment_node *node)
{
    return node->op == C360_SEGMENT_OP_AND || node->op == C360_SEGMENT_OP_OR ||
           node->op == C360_SEGMENT_OP_NOT;
}

/* How many tests node n's predicate has: its operands that are not
 * connectives themselves. */
static size_t plan_count(const struct c360_segment *seg, size_t n)
{
    const struct c360_segment_node *node = &seg->nodes[n];
    if (!is_connective(node))
        return 1;
    size_t count = plan_count(seg, node->left);
    return node->op == C360_SEGMENT_OP_NOT ? count : count + plan_count(seg, node->right);
}

/* Node n's tests from seg->tests[first] on, its true answer leading to
 * on_true and its false one to on_false; n is the operand side of parent.
 * A left operand leads to the right one where it does not decide its
 * connective, and `not` swaps where its operand's answers lead. */
static void plan_tests(struct c360_segment *seg, size_t n, size_t first, uint16_t on_true,
                       uint16_t on_false, uint16_t parent, enum c360_segment_side side)
{
    const struct c360_segment_node *node = &seg->nodes[n];
    size_t right;
    switch (node->op) {
    case C360_SEGMENT_OP_NOT:
        plan_tests(seg, node->left, first, on_false, on_true, (uint16_t)n, C360_SEGMENT_SIDE_ONLY);
        return;
    case C360_SEGMENT_OP_AND:
        right = first + plan_count(seg, node->left);
        plan_tests(seg, node->left, first, (uint16_t)right, on_false, (uint16_t)n,
                   C360_SEGMENT_SIDE_LEFT);
        plan_tests(seg, node->right, right, on_true, on_false, (uint16_t)n,
                   C360_SEGMENT_SIDE_RIGHT);
        return;
    case C360_SEGMENT_OP_OR:
        right = first + plan_count(seg, node->left);
        plan_tests(seg, node->left, first, on_true, (uint16_t)right, (uint16_t)n,
                   C360_SEGMENT_SIDE_LEFT);
        plan_tests(seg, node->right, right, on_true, on_false, (uint16_t)n,
                   C360_SEGMENT_SIDE_RIGHT);
        return;
    default:
        seg->tests[first] = (struct c360_segment_test){
            .node = (uint16_t)n,
            .on_true = on_true,
            .on_false = on_false,
            .parent = parent,
            .side = (uint8_t)side,
        };
        return;
    }
}

/* The predicate atop node n: its tests at the end of seg->tests. A node is
 * a test of one predicate only, so they fit. */
static void plan(struct c360_segment *seg, size_t n)
{
    seg->nodes[n].test = (uint16_t)seg->n_tests;
    plan_tests(seg, n, seg->n_tests, C360_SEGMENT_TEST_TRUE, C360_SEGMENT_TEST_FALSE,
               C360_SEGMENT_NO_PARENT, C360_SEGMENT_SIDE_ONLY);
    seg->n_tests += plan_count(seg, n);
}

/* Plans for the root and for each and/or/not a comparison, a sum or a
 * negation takes as an operand. */
static void plan_all(struct c360_segment *seg)
{
    plan(seg, seg->root);
    for (size_t i = 0; i < seg->n_nodes; i++) {
        const struct c360_segment_node *node = &seg->nodes[i];
        if (node->op != C360_SEGMENT_OP_CMP && node->op != C360_SEGMENT_OP_ADD &&
            node->op != C360_SEGMENT_OP_SUB && node->op != C360_SEGMENT_OP_NEG)
            continue;
        if (is_connective(&seg->nodes[node->left]))
            plan(seg, node->left);
        if (node->op != C360_SEGMENT_OP_NEG && is_connective(&seg->nodes[node->right]))
            plan(seg, node->right);
    }
}

enum c360_err c360_segment_parse(const char *text, size_t len,
                                 const struct c360_segment_insight *insights, size_t n_insights,
                                 struct c360_segment **out, struct c360_diag *diag)
{
    struct parser *p = NULL;
    struct c360_segment *seg = NULL;
    enum c360_err err;
    if (len > C360_SEGMENT_EXPR_MAX) {
        err = c360_segment_fail_at(diag, C360_ERR_LIMIT, text, len, C360_SEGMENT_EXPR_MAX,
                                   "the expression is longer than %d bytes "
                                   "(C360_SEGMENT_EXPR_MAX)",
                                   C360_SEGMENT_EXPR_MAX);
        goto fail;
    }
    if ((err = check_table(insights, n_insights, diag)))
        goto fail;
    p = calloc(1, sizeof(*p));
    seg = calloc(1, sizeof(*seg));
    /* Texts in the pool never outgrow their source: strings, names and
     * symbols are at most their tokens, canonical call texts at most the
     * calls they render; every one adds a NUL. */
    size_t cap = 3 * len + 2 * C360_SEGMENT_NODES_MAX + 64;
    if (!p || !seg || !(seg->src = malloc(len + 1)) || !(seg->pool = malloc(cap))) {
        err = c360_diag_fail(diag, C360_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    memcpy(seg->src, text, len);
    seg->src[len] = '\0';
    seg->len = len;
    seg->pool_cap = cap;
    p->seg = seg;
    p->insights = insights;
    p->n_insights = n_insights;
    p->diag = diag;
    c360_segment_lex_init(&p->lx, seg->src, len);
    if ((err = advance(p)) || (err = parse_or(p, &seg->root)))
        goto fail;
    if (p->tok.kind != C360_SEGMENT_TOK_END) {
        err = expected(p, "an operator or the end of the expression");
        goto fail;
    }
    unsigned kinds = seg->nodes[seg->root].kinds;
    if (!(kinds & BOOLEAN)) {
        err = fail(p, C360_ERR_INVALID, 0, "the expression gives %s; a segment needs true or false",
                   c360_segment_kinds_name(kinds));
        goto fail;
    }
    plan_all(seg);
    free(p);
    *out = seg;
    return C360_OK;
fail:
    free(p);
    c360_segment_free(seg);
    return err;
}

const char *c360_segment_text(const struct c360_segment *seg)
{
    return seg->src;
}

size_t c360_segment_calls(const struct c360_segment *seg, const struct c360_segment_call **calls)
{
    *calls = seg->calls;
    return seg->n_calls;
}
