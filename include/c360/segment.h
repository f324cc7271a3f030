/*
 * c360 segment — the segment expression language (DESIGN.md §5) that users
 * write in config/segments.json, e.g.
 *
 *   tenureDays >= 365 and holds(SAVINGS) and adb([SAVINGS, CHECKING]) >= 3000
 *
 * A segment is compiled once against the caller's table of insights (names,
 * argument counts and kinds), so a typo or a wrong argument is a load error
 * with line:column, never a surprise at run time. Evaluation asks the caller
 * for each insight value through a callback, at most once per distinct call,
 * short-circuits `and`/`or`, and reports the calls it made with their values:
 * the insight values that decided the membership.
 *
 * Values are exact: numbers are decimals with at most 2 fraction digits held
 * as int64 hundredths, money is int64 minor units over an exact divisor (an
 * average over 30 days is its sum over 30, DESIGN.md §5 "thresholds on money
 * compare exactly"); never a double. Any int64 overflow is an error. A
 * number meets money as an amount in its currency; money meets money of
 * the same currency, or a zero amount with no currency (an insight over no
 * accounts); anything else is an evaluation error.
 *
 * Pure: no I/O but c360_segment_set_load reading its file, no logging, no
 * clock. A compiled segment owns copies of everything it was given and is
 * read-only afterwards, so threads may evaluate it at once.
 */
#ifndef C360_SEGMENT_H
#define C360_SEGMENT_H

#include "c360/err.h"
#include "c360/money.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps on what one expression may hold; each refusal names its cap. */
#define C360_SEGMENT_EXPR_MAX 4096  /* bytes of expression text */
#define C360_SEGMENT_NODES_MAX 256  /* operators, operands, arguments and list items */
#define C360_SEGMENT_DEPTH_MAX 32   /* nesting of parentheses, `not` and unary minus */
#define C360_SEGMENT_LIST_MAX 16    /* items of one list */
#define C360_SEGMENT_IDENT_MAX 64   /* bytes of one identifier */
#define C360_SEGMENT_STRING_MAX 256 /* bytes of one string literal, escapes resolved */
#define C360_SEGMENT_ARGS_MAX 8     /* arguments of one insight call */
#define C360_SEGMENT_CALLS_MAX 32   /* distinct insight calls of one expression */
/* Caps on config/segments.json. */
#define C360_SEGMENT_SET_MAX 256        /* segments of one file */
#define C360_SEGMENT_NAME_MAX 64        /* bytes of a segment name */
#define C360_SEGMENT_ACTIVATION_MAX 128 /* bytes of an activation field */

/* The kinds of values. C360_SEGMENT_ANY is never a value's kind: in an
 * insight table it says the kind is known only after the call. */
enum c360_segment_kind {
    C360_SEGMENT_ANY = 0,
    C360_SEGMENT_BOOL,
    C360_SEGMENT_NUMBER,
    C360_SEGMENT_MONEY,
    C360_SEGMENT_STRING, /* "quoted" in the expression */
    C360_SEGMENT_SYMBOL, /* a bare identifier as an argument: SAVINGS, real_estate */
    C360_SEGMENT_LIST,   /* [a, b]: items are literals, lists do not nest */
};

struct c360_segment_value {
    enum c360_segment_kind kind;
    union {
        bool boolean;   /* BOOL */
        int64_t number; /* NUMBER: hundredths, 4210.17 is 421017 */
        struct {        /* MONEY: exactly money.minor / divisor minor units */
            struct c360_money money;
            int64_t divisor; /* ≥ 1; 0 from a callback means 1 */
        };
        const char *text; /* STRING, SYMBOL: NUL-terminated, borrowed */
        struct {          /* LIST */
            const struct c360_segment_value *items;
            size_t n_items;
        };
    };
};

/* --- The caller's insights. */

/* What an insight argument must be. */
enum c360_segment_arg {
    C360_SEGMENT_ARG_ANY = 0, /* any literal */
    C360_SEGMENT_ARG_NAME,    /* a symbol or a string: SAVINGS, "real_estate" */
    C360_SEGMENT_ARG_NAMES,   /* a list of one or more names: [SAVINGS, CHECKING] */
    C360_SEGMENT_ARG_NUMBER,  /* a number: 20, -1.5 */
    C360_SEGMENT_ARG_BOOL,    /* true or false */
};

/* One insight an expression may call, e.g. {"adb", C360_SEGMENT_MONEY, 1, 2,
 * {C360_SEGMENT_ARG_NAMES, C360_SEGMENT_ARG_NUMBER}, account_types}. */
struct c360_segment_insight {
    const char *name;
    enum c360_segment_kind result; /* BOOL, NUMBER, MONEY, or ANY of those */
    size_t min_args, max_args;     /* max_args ≤ C360_SEGMENT_ARGS_MAX */
    enum c360_segment_arg args[C360_SEGMENT_ARGS_MAX];
    /* NULL-terminated list of the names its NAME and NAMES arguments may
     * take, so `holds(SAVING)` is a load error; NULL allows any name. */
    const char *const *names;
};

/* One distinct insight call of a compiled segment; borrowed from it. */
struct c360_segment_call {
    const char *name; /* the insight's name */
    size_t insight;   /* its index in the table the segment was compiled with */
    const struct c360_segment_value *args;
    size_t n_args;
    const char *text; /* canonical text, e.g. adb([SAVINGS,CHECKING]) */
    /* Bit i: the insight's names[i] is a name argument (of the first 64
     * names), so a callback reads adb([SAVINGS,CHECKING]) without strcmp. */
    uint64_t names;
};

/* --- One expression. */

struct c360_segment;

/*
 * Compiles an expression of len bytes against the insight table (borrowed for
 * the call only). Grammar, loosest first:
 *   expr := expr or expr | expr and expr | not expr
 *         | sum | sum (== | != | < | <= | > | >=) sum  (comparisons do not chain)
 *   sum  := sum (+ | -) sum | - sum | ( expr ) | literal | insight
 *   insight := name | name(arg, …)    (a bare name is a zero-argument call)
 *   arg  := literal | identifier (a symbol) | [item, …] | -number
 * Literals: 3000, 12.5 (at most 2 decimals), "text" (escapes \" \\ \n \t \r
 * \/), true, false. Types are checked as far as the table declares them.
 * Errors fill diag->text with "line:column: what was expected" (1-based,
 * column in bytes). *out is new (c360_segment_free).
 */
enum c360_err c360_segment_parse(const char *text, size_t len,
                                 const struct c360_segment_insight *insights, size_t n_insights,
                                 struct c360_segment **out, struct c360_diag *diag) C360_MUST_USE;
void c360_segment_free(struct c360_segment *seg);

/* The expression's text as given (borrowed). */
const char *c360_segment_text(const struct c360_segment *seg);

/* The distinct insight calls of seg in order of first appearance; *calls is
 * borrowed from seg. */
size_t c360_segment_calls(const struct c360_segment *seg, const struct c360_segment_call **calls);

/* An insight call evaluated and the value it gave. */
struct c360_segment_traced {
    const struct c360_segment_call *call; /* borrowed from the segment */
    struct c360_segment_value value;
};

struct c360_segment_result {
    bool member;
    /* The calls evaluated, in order: those short-circuiting skipped are absent. */
    struct c360_segment_traced trace[C360_SEGMENT_CALLS_MAX];
    size_t n_trace;
};

/*
 * Evaluates seg. For each insight value it needs it calls call(ctx, c, out,
 * diag), which gives c's value into *out: a BOOL, NUMBER or MONEY of the kind
 * the table declares; any other result or an error return stops the
 * evaluation (the callback fills diag on error; diag may be NULL). Errors (a
 * type mismatch the table left open, money of two currencies, an int64
 * overflow, a callback's failure) fill diag with the line:column of the
 * operator or call concerned; res is then partial.
 */
enum c360_err
c360_segment_eval(const struct c360_segment *seg,
                  enum c360_err (*call)(void *ctx, const struct c360_segment_call *c,
                                        struct c360_segment_value *out, struct c360_diag *diag),
                  void *ctx, struct c360_segment_result *res, struct c360_diag *diag) C360_MUST_USE;

/* --- Time: when can the passing of time alone change the answer? */

enum c360_segment_cmp {
    C360_SEGMENT_EQ,
    C360_SEGMENT_NE,
    C360_SEGMENT_LT,
    C360_SEGMENT_LE,
    C360_SEGMENT_GT,
    C360_SEGMENT_GE,
};

#define C360_SEGMENT_THRESHOLDS_MAX 16

/* `insight op value` with the insight on the left (365 <= tenureDays is
 * tenureDays >= 365); value in hundredths. */
struct c360_segment_threshold {
    enum c360_segment_cmp op;
    int64_t value;
};

struct c360_segment_thresholds {
    struct c360_segment_threshold items[C360_SEGMENT_THRESHOLDS_MAX]; /* distinct */
    size_t count;
    /* The insight also appears other than compared directly with a constant
     * (in arithmetic, against another insight, as a boolean, with arguments),
     * or in more comparisons than items holds: re-evaluate it daily. */
    bool elsewhere;
};

/*
 * The constants seg compares the zero-argument insight `insight` with, such
 * as 365 for `tenureDays >= 365` (constant sums like 300 + 65 count). An
 * insight seg does not use gives count 0, elsewhere false.
 */
void c360_segment_thresholds(const struct c360_segment *seg, const char *insight,
                             struct c360_segment_thresholds *out);

/* What an insight may be over some span of time: a boolean that may be
 * false, true or both; or a number or money within [lo, hi] (each end
 * inclusive, or open: no bound on that side), in the units of a value. */
struct c360_segment_bounds {
    enum c360_segment_kind kind; /* BOOL, NUMBER or MONEY */
    bool may_false, may_true;    /* BOOL */
    int64_t lo, hi;              /* NUMBER: hundredths; MONEY: minor units over divisor */
    bool lo_open, hi_open;
    int64_t divisor;  /* MONEY: ≥ 1; 0 means 1 */
    char currency[4]; /* MONEY: as in a value's money */
};

/*
 * Which answers seg may give while each insight call c stays within the
 * bounds bound(ctx, c, out) fills in (out is zeroed first; false: the call
 * may give anything). Never narrower than the truth: whatever values the
 * calls take within their bounds, seg's answer (false when the evaluator
 * would refuse) is one of those set in *may_false and *may_true.
 */
void c360_segment_bound(const struct c360_segment *seg,
                        bool (*bound)(void *ctx, const struct c360_segment_call *c,
                                      struct c360_segment_bounds *out),
                        void *ctx, bool *may_false, bool *may_true);

/* --- Text for people: CSR messages, explanations, logs of configuration. */

/* Canonical text of a call: name, or name(arg,…) without spaces, e.g.
 * adb([SAVINGS,CHECKING]), qualifyingVisit(real_estate,20,30). C360_ERR_LIMIT
 * when it does not fit in size bytes (then truncated, NUL-terminated). */
enum c360_err c360_segment_call_text(const struct c360_segment_call *call, char *buf,
                                     size_t size) C360_MUST_USE;

/* A value as text: numbers exact and shortest (365, 12.5), money with two
 * decimals and no currency (4210.17; an amount between two cents shows the
 * lower one, which keeps it on the right side of any threshold in cents),
 * true/false, strings quoted, symbols bare, lists [a,b]. C360_ERR_LIMIT as
 * above. */
enum c360_err c360_segment_value_text(const struct c360_segment_value *value, char *buf,
                                      size_t size) C360_MUST_USE;

/* --- config/segments.json: named segments with what entering one activates. */

/* One configured segment; borrowed from its set. */
struct c360_segment_def {
    const char *name; /* [a-z0-9_]+, unique in the set */
    const struct c360_segment *seg;
    /* Activation, each NULL when absent. A CSR message reads
     * "<kind>: <the insight values>. Suggest a <offer>." */
    const char *kind;  /* the kind of opportunity: "Cross-sell", "Upsell" */
    const char *offer; /* the product to suggest: "Money Market account" */
};

struct c360_segment_set;

/*
 * Reads {"segments": [{"name", "expression", "activation": {"kind",
 * "offer"}}, …]} ("doc" keys allowed, others refused) and compiles every
 * expression against the insight table. where names the text in diag; field
 * names the segment, e.g. "upsell_mortgage.expression" with text
 * "1:78: unknown insight 'adbb'". *out is new (c360_segment_set_free).
 */
enum c360_err c360_segment_set_parse(const char *text, size_t len, const char *where,
                                     const struct c360_segment_insight *insights, size_t n_insights,
                                     struct c360_segment_set **out,
                                     struct c360_diag *diag) C360_MUST_USE;
/* Reads the file at path (at most 1 MiB) and parses it as above. */
enum c360_err c360_segment_set_load(const char *path, const struct c360_segment_insight *insights,
                                    size_t n_insights, struct c360_segment_set **out,
                                    struct c360_diag *diag) C360_MUST_USE;
void c360_segment_set_free(struct c360_segment_set *set);

size_t c360_segment_set_count(const struct c360_segment_set *set);
/* The i-th segment in file order (i < count). */
const struct c360_segment_def *c360_segment_set_at(const struct c360_segment_set *set, size_t i);
/* The segment named name, or NULL. */
const struct c360_segment_def *c360_segment_set_find(const struct c360_segment_set *set,
                                                     const char *name);

#endif
