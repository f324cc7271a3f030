/*
 * c360 core — error names and diagnostics. No I/O, no allocation.
 */
#include "c360/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *c360_err_str(enum c360_err err)
{
    switch (err) {
    case C360_OK:
        return "ok";
    case C360_ERR_NOMEM:
        return "out of memory";
    case C360_ERR_INVALID:
        return "invalid input";
    case C360_ERR_IO:
        return "i/o error";
    case C360_ERR_NOT_FOUND:
        return "not found";
    case C360_ERR_LIMIT:
        return "limit exceeded";
    case C360_ERR_KAFKA:
        return "kafka error";
    case C360_ERR_UNSUPPORTED:
        return "unsupported";
    case C360_ERR_TIMEOUT:
        return "timed out";
    case C360_ERR_MISMATCH:
        return "mismatch";
    }
    return "unknown error";
}

void c360_diag_clear(struct c360_diag *diag)
{
    /* Called per record: empties the strings rather than zeroing 900 bytes. */
    if (diag) {
        diag->where[0] = '\0';
        diag->line = 0;
        diag->field[0] = '\0';
        diag->text[0] = '\0';
    }
}

void c360_diag_at(struct c360_diag *diag, const char *where, long line)
{
    if (!diag)
        return;
    size_t n = strlen(where);
    if (n >= sizeof(diag->where))
        n = sizeof(diag->where) - 1;
    memcpy(diag->where, where, n);
    diag->where[n] = '\0';
    diag->line = line;
}

enum c360_err c360_diag_fail(struct c360_diag *diag, enum c360_err err, const char *field,
                             const char *fmt, ...)
{
    if (!diag)
        return err;
    snprintf(diag->field, sizeof(diag->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->text, sizeof(diag->text), fmt, ap);
    va_end(ap);
    return err;
}

void c360_diag_format(const struct c360_diag *diag, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (!diag)
        return;
    size_t n = 0;
    if (diag->where[0])
        n += (size_t)snprintf(buf, size, "%s:", diag->where);
    if (diag->line > 0 && n < size)
        n += (size_t)snprintf(buf + n, size - n, "%ld:", diag->line);
    if (n > 0 && n < size)
        n += (size_t)snprintf(buf + n, size - n, " ");
    if (diag->field[0] && n < size)
        n += (size_t)snprintf(buf + n, size - n, "%s: ", diag->field);
    if (n < size)
        snprintf(buf + n, size - n, "%s", diag->text);
}
