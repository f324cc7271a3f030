/*
 * c360 core — the one error type every fallible function returns, and the
 * diagnostic that says precisely what was wrong with a piece of input.
 *
 * Owns nothing; does no I/O. Every module, the pure engine included, uses it.
 */
#ifndef C360_ERR_H
#define C360_ERR_H

#include <stddef.h>

#define C360_MUST_USE __attribute__((warn_unused_result))
#define C360_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

enum c360_err {
    C360_OK = 0,
    C360_ERR_NOMEM,       /* an allocation failed */
    C360_ERR_INVALID,     /* bad input, configuration or arguments */
    C360_ERR_IO,          /* a file or socket operation failed */
    C360_ERR_NOT_FOUND,   /* a named thing does not exist */
    C360_ERR_LIMIT,       /* input exceeded a hard cap */
    C360_ERR_KAFKA,       /* librdkafka reported an error */
    C360_ERR_UNSUPPORTED, /* the peer or build cannot do what was asked */
    C360_ERR_TIMEOUT,     /* a deadline passed */
    C360_ERR_MISMATCH,    /* what exists differs from what is declared */
};

/* A static, human-readable name for err ("invalid input", …). */
const char *c360_err_str(enum c360_err err);

/*
 * What was wrong and where. Filled by parsers and validators of untrusted or
 * user-written input; `where` is a file or topic name, `line` is 1-based (0 when
 * not line-oriented), `field` the offending key or field when known. Text is
 * truncated, never overflowed.
 */
struct c360_diag {
    char where[256];
    long line;
    char field[128];
    char text[512];
};

/* Empties diag; a NULL diag is allowed everywhere and ignored. */
void c360_diag_clear(struct c360_diag *diag);

/* Says where the input being diagnosed is: a file or topic, and a 1-based line
 * (0 when not line-oriented). Truncates a long `where`. */
void c360_diag_at(struct c360_diag *diag, const char *where, long line);

/* Sets diag's field (may be NULL) and formatted text; returns err so callers can
 * write `return c360_diag_fail(diag, C360_ERR_INVALID, "key", "…", …);`. */
enum c360_err c360_diag_fail(struct c360_diag *diag, enum c360_err err, const char *field,
                             const char *fmt, ...) C360_PRINTF(4, 5);

/* Writes "where:line: field: text" (parts absent are skipped) into buf. */
void c360_diag_format(const struct c360_diag *diag, char *buf, size_t size);

#endif
