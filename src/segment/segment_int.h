/*
 * c360 segment — what the lexer, parser, evaluator and text rendering share:
 * tokens, the compiled tree, and positions for messages.
 */
#ifndef C360_SEGMENT_INT_H
#define C360_SEGMENT_INT_H

#include "c360/segment.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Lexer (lexer.c). */

enum c360_segment_tok {
    C360_SEGMENT_TOK_END, /* end of the expression */
    C360_SEGMENT_TOK_IDENT,
    C360_SEGMENT_TOK_NUMBER,
    C360_SEGMENT_TOK_STRING,
    C360_SEGMENT_TOK_AND,
    C360_SEGMENT_TOK_OR,
    C360_SEGMENT_TOK_NOT,
    C360_SEGMENT_TOK_TRUE,
    C360_SEGMENT_TOK_FALSE,
    C360_SEGMENT_TOK_EQ,
    C360_SEGMENT_TOK_NE,
    C360_SEGMENT_TOK_LT,
    C360_SEGMENT_TOK_LE,
    C360_SEGMENT_TOK_GT,
    C360_SEGMENT_TOK_GE,
    C360_SEGMENT_TOK_PLUS,
    C360_SEGMENT_TOK_MINUS,
    C360_SEGMENT_TOK_LPAREN,
    C360_SEGMENT_TOK_RPAREN,
    C360_SEGMENT_TOK_LBRACKET,
    C360_SEGMENT_TOK_RBRACKET,
    C360_SEGMENT_TOK_COMMA,
};

struct c360_segment_token {
    enum c360_segment_tok kind;
    size_t pos, len; /* the bytes of the expression it spans */
    int64_t number;  /* NUMBER: hundredths */
    /* IDENT: the name; STRING: the text with escapes resolved. */
    char text[C360_SEGMENT_STRING_MAX + 1];
    size_t text_len;
};

struct c360_segment_lexer {
    const char *src; /* borrowed */
    size_t len, pos;
};

void c360_segment_lex_init(struct c360_segment_lexer *lx, const char *src, size_t len);
/* The next token into *tok; at the end, TOK_END forever. */
enum c360_err c360_segment_lex_next(struct c360_segment_lexer *lx, struct c360_segment_token *tok,
                                    struct c360_diag *diag) C360_MUST_USE;
/* How a message names a token kind: "'and'", "a number", "the end". */
const char *c360_segment_tok_name(enum c360_segment_tok kind);

/* 1-based line and byte column of byte pos of src. */
void c360_segment_position(const char *src, size_t len, size_t pos, size_t *line, size_t *column);
/* Fills diag's text with "line:column: " and the message; returns err. */
enum c360_err c360_segment_fail_at(struct c360_diag *diag, enum c360_err err, const char *src,
                                   size_t len, size_t pos, const char *fmt, ...) C360_PRINTF(6, 7);

/* --- The compiled tree (parser.c builds it, eval.c and thresholds.c read it). */

enum c360_segment_op {
    C360_SEGMENT_OP_LITERAL,
    C360_SEGMENT_OP_CALL,
    C360_SEGMENT_OP_NOT,
    C360_SEGMENT_OP_NEG,
    C360_SEGMENT_OP_AND,
    C360_SEGMENT_OP_OR,
    C360_SEGMENT_OP_CMP,
    C360_SEGMENT_OP_ADD,
    C360_SEGMENT_OP_SUB,
};

/* A set of kinds, one bit (1u << kind) each: what a node may give, as far
 * as the insight table tells before evaluation. */
#define C360_SEGMENT_BIT(kind) (1u << (kind))
#define C360_SEGMENT_NUMERIC                                                                       \
    (C360_SEGMENT_BIT(C360_SEGMENT_NUMBER) | C360_SEGMENT_BIT(C360_SEGMENT_MONEY))
/* What a callback may give: an insight declared ANY gives one of these. */
#define C360_SEGMENT_RESULTS (C360_SEGMENT_BIT(C360_SEGMENT_BOOL) | C360_SEGMENT_NUMERIC)

struct c360_segment_node {
    enum c360_segment_op op;
    enum c360_segment_cmp cmp; /* CMP */
    unsigned kinds;            /* C360_SEGMENT_BIT set */
    uint16_t left, right;      /* operands; NOT and NEG use left */
    uint16_t slot;             /* CALL: index in calls */
    /* The root, and NOT, AND or OR as an operand of another operator:
     * the first test of its predicate (below). */
    uint16_t test;
    size_t pos;                      /* byte of the operator, literal or call name */
    struct c360_segment_value value; /* LITERAL */
};

/* A predicate (the expression, or and/or/not within a comparison or a
 * sum) compiled into tests: its operands that are not and, or or not
 * themselves, in the order of the text, each with where its answer leads.
 * `a and not b` is a: true → b, false → FALSE; b: true → FALSE, false →
 * TRUE. A short-circuit only skips forward, so the evaluator follows one
 * path without a stack, and the bounds follow every path the answers a
 * test may give by visiting the tests in order. */
#define C360_SEGMENT_TEST_TRUE 0xffffu  /* the predicate is true */
#define C360_SEGMENT_TEST_FALSE 0xfffeu /* the predicate is false */
#define C360_SEGMENT_NO_PARENT 0xffffu

enum c360_segment_side {
    C360_SEGMENT_SIDE_ONLY, /* not's operand, or the whole expression */
    C360_SEGMENT_SIDE_LEFT,
    C360_SEGMENT_SIDE_RIGHT,
};

struct c360_segment_test {
    uint16_t node;
    uint16_t on_true, on_false; /* a later test, or C360_SEGMENT_TEST_TRUE/FALSE */
    /* For the message when it gives no boolean: the and, or or not it is
     * an operand of and on which side; C360_SEGMENT_NO_PARENT for the
     * whole expression. */
    uint16_t parent;
    uint8_t side; /* enum c360_segment_side */
};

struct c360_segment {
    char *src; /* copy of the expression, NUL-terminated */
    size_t len;
    struct c360_segment_node nodes[C360_SEGMENT_NODES_MAX];
    size_t n_nodes, root;
    /* The predicates' tests; each a contiguous run, each node in one. */
    struct c360_segment_test tests[C360_SEGMENT_NODES_MAX];
    size_t n_tests;
    /* List items and call arguments; nodes + items ≤ C360_SEGMENT_NODES_MAX. */
    struct c360_segment_value items[C360_SEGMENT_NODES_MAX];
    size_t n_items;
    struct c360_segment_call calls[C360_SEGMENT_CALLS_MAX];
    unsigned call_kinds[C360_SEGMENT_CALLS_MAX]; /* what each call may give */
    size_t n_calls;
    /* Strings, symbols, insight names and canonical call texts. */
    char *pool;
    size_t pool_len, pool_cap;
};

/* The orders of two values, as bits: a comparison holds at the orders
 * c360_segment_holds_at[cmp] names (eval.c), so it is one bit test for the
 * evaluator and a set of orders that may occur for the bounds. */
#define C360_SEGMENT_ORDER_LT 1u
#define C360_SEGMENT_ORDER_EQ 2u
#define C360_SEGMENT_ORDER_GT 4u
extern const unsigned c360_segment_holds_at[]; /* indexed by enum c360_segment_cmp */

/* Exact arithmetic of the evaluator and the bounds (eval.c, bound.c). */
__extension__ typedef __int128 c360_segment_i128;
/* The greatest common divisor of |a| and b (b ≥ 0). */
c360_segment_i128 c360_segment_gcd(c360_segment_i128 a, c360_segment_i128 b);

/* A kind's name for messages: "a boolean", "money", "a list". */
const char *c360_segment_kind_name(enum c360_segment_kind kind);
/* A set of kinds for messages: its one kind's name, or "an insight value". */
const char *c360_segment_kinds_name(unsigned kinds);

/* The tree fully parenthesised, e.g. "((tenureDays >= 365) and holds(SAVINGS))":
 * how tests and a curious reader see the precedence the parser applied. */
enum c360_err c360_segment_dump(const struct c360_segment *seg, char *buf,
                                size_t size) C360_MUST_USE;

#endif
