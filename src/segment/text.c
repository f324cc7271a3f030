/*
 * c360 segment — calls and values as text for people: the canonical text of
 * a call (also how the parser recognises two identical calls) and values as
 * a CSR or an operator reads them. Never rounds up: money between two cents
 * shows the lower cent.
 */
#include "segment_int.h"

#include <stdio.h>
#include <string.h>

/* A bounded writer: what does not fit is cut, and remembered. */
struct text_out {
    char *buf;
    size_t size, len;
    bool cut;
};

static void put(struct text_out *o, const char *s, size_t n)
{
    size_t room = o->size - 1 - o->len; /* o->len < o->size always */
    if (n > room) {
        n = room;
        o->cut = true;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(struct text_out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Hundredths as the shortest exact decimal: 36500 is 365, 1250 is 12.5. */
static void put_number(struct text_out *o, int64_t hundredths)
{
    char text[32];
    /* In unsigned, so INT64_MIN does not overflow when negated. */
    uint64_t mag = hundredths < 0 ? (uint64_t)0 - (uint64_t)hundredths : (uint64_t)hundredths;
    unsigned frac = (unsigned)(mag % 100);
    int n = snprintf(text, sizeof(text), "%s%llu", hundredths < 0 ? "-" : "",
                     (unsigned long long)(mag / 100));
    if (frac % 10)
        snprintf(text + n, sizeof(text) - (size_t)n, ".%02u", frac);
    else if (frac)
        snprintf(text + n, sizeof(text) - (size_t)n, ".%u", frac / 10);
    puts_(o, text);
}

/* minor / divisor rounded toward minus infinity to a whole minor unit. */
static void put_money(struct text_out *o, const struct c360_segment_value *v)
{
    char text[32];
    int64_t d = v->divisor > 0 ? v->divisor : 1;
    int64_t q = v->money.minor / d;
    if (v->money.minor % d != 0 && v->money.minor < 0)
        q--;
    puts_(o, c360_money_format(q, text, sizeof(text)));
}

static void put_string(struct text_out *o, const char *s)
{
    puts_(o, "\"");
    for (; *s; s++) {
        switch (*s) {
        case '"':
            puts_(o, "\\\"");
            break;
        case '\\':
            puts_(o, "\\\\");
            break;
        case '\n':
            puts_(o, "\\n");
            break;
        case '\t':
            puts_(o, "\\t");
            break;
        case '\r':
            puts_(o, "\\r");
            break;
        default:
            put(o, s, 1);
        }
    }
    puts_(o, "\"");
}

static void put_value(struct text_out *o, const struct c360_segment_value *v, bool in_list)
{
    switch (v->kind) {
    case C360_SEGMENT_BOOL:
        puts_(o, v->boolean ? "true" : "false");
        return;
    case C360_SEGMENT_NUMBER:
        put_number(o, v->number);
        return;
    case C360_SEGMENT_MONEY:
        put_money(o, v);
        return;
    case C360_SEGMENT_STRING:
        put_string(o, v->text ? v->text : "");
        return;
    case C360_SEGMENT_SYMBOL:
        puts_(o, v->text ? v->text : "");
        return;
    case C360_SEGMENT_LIST:
        /* The language's lists do not nest; a caller's value might. */
        if (in_list) {
            puts_(o, "[…]");
            return;
        }
        puts_(o, "[");
        for (size_t i = 0; i < v->n_items; i++) {
            if (i)
                puts_(o, ",");
            put_value(o, &v->items[i], true);
        }
        puts_(o, "]");
        return;
    case C360_SEGMENT_ANY:
        break;
    }
    puts_(o, "?");
}

static enum c360_err done(const struct text_out *o)
{
    return o->cut ? C360_ERR_LIMIT : C360_OK;
}

enum c360_err c360_segment_call_text(const struct c360_segment_call *call, char *buf, size_t size)
{
    struct text_out o = {.buf = buf, .size = size};
    if (size == 0)
        return C360_ERR_LIMIT;
    buf[0] = '\0';
    puts_(&o, call->name);
    if (call->n_args == 0)
        return done(&o);
    puts_(&o, "(");
    for (size_t i = 0; i < call->n_args; i++) {
        if (i)
            puts_(&o, ",");
        put_value(&o, &call->args[i], false);
    }
    puts_(&o, ")");
    return done(&o);
}

enum c360_err c360_segment_value_text(const struct c360_segment_value *value, char *buf,
                                      size_t size)
{
    struct text_out o = {.buf = buf, .size = size};
    if (size == 0)
        return C360_ERR_LIMIT;
    buf[0] = '\0';
    put_value(&o, value, false);
    return done(&o);
}

static void put_node(struct text_out *o, const struct c360_segment *seg, size_t n)
{
    static const char *const cmps[] = {" == ", " != ", " < ", " <= ", " > ", " >= "};
    const struct c360_segment_node *node = &seg->nodes[n];
    switch (node->op) {
    case C360_SEGMENT_OP_LITERAL:
        put_value(o, &node->value, false);
        return;
    case C360_SEGMENT_OP_CALL:
        puts_(o, seg->calls[node->slot].text);
        return;
    case C360_SEGMENT_OP_NOT:
    case C360_SEGMENT_OP_NEG:
        puts_(o, node->op == C360_SEGMENT_OP_NOT ? "(not " : "(-");
        put_node(o, seg, node->left);
        puts_(o, ")");
        return;
    case C360_SEGMENT_OP_AND:
    case C360_SEGMENT_OP_OR:
    case C360_SEGMENT_OP_CMP:
    case C360_SEGMENT_OP_ADD:
    case C360_SEGMENT_OP_SUB:
        puts_(o, "(");
        put_node(o, seg, node->left);
        puts_(o, node->op == C360_SEGMENT_OP_AND   ? " and "
                 : node->op == C360_SEGMENT_OP_OR  ? " or "
                 : node->op == C360_SEGMENT_OP_ADD ? " + "
                 : node->op == C360_SEGMENT_OP_SUB ? " - "
                                                   : cmps[node->cmp]);
        put_node(o, seg, node->right);
        puts_(o, ")");
        return;
    }
}

enum c360_err c360_segment_dump(const struct c360_segment *seg, char *buf, size_t size)
{
    struct text_out o = {.buf = buf, .size = size};
    if (size == 0)
        return C360_ERR_LIMIT;
    buf[0] = '\0';
    put_node(&o, seg, seg->root);
    return done(&o);
}
