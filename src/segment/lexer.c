/*
 * c360 segment — the lexer: expression bytes to tokens, with the byte
 * position of each for messages. Numbers are read exactly into hundredths
 * (never through a double); strings have their escapes resolved.
 */
#include "segment_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void c360_segment_position(const char *src, size_t len, size_t pos, size_t *line, size_t *column)
{
    size_t ln = 1, start = 0;
    for (size_t i = 0; i < pos && i < len; i++) {
        if (src[i] == '\n') {
            ln++;
            start = i + 1;
        }
    }
    *line = ln;
    *column = pos - start + 1;
}

enum c360_err c360_segment_fail_at(struct c360_diag *diag, enum c360_err err, const char *src,
                                   size_t len, size_t pos, const char *fmt, ...)
{
    char msg[sizeof(diag->text)];
    size_t line, column;
    va_list ap;
    if (!diag)
        return err;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c360_segment_position(src, len, pos, &line, &column);
    return c360_diag_fail(diag, err, NULL, "%zu:%zu: %s", line, column, msg);
}

static const struct {
    const char *word;
    enum c360_segment_tok kind;
} keywords[] = {
    {"and", C360_SEGMENT_TOK_AND},     {"or", C360_SEGMENT_TOK_OR},
    {"not", C360_SEGMENT_TOK_NOT},     {"true", C360_SEGMENT_TOK_TRUE},
    {"false", C360_SEGMENT_TOK_FALSE},
};

const char *c360_segment_tok_name(enum c360_segment_tok kind)
{
    switch (kind) {
    case C360_SEGMENT_TOK_END:
        return "the end of the expression";
    case C360_SEGMENT_TOK_IDENT:
        return "a name";
    case C360_SEGMENT_TOK_NUMBER:
        return "a number";
    case C360_SEGMENT_TOK_STRING:
        return "a string";
    case C360_SEGMENT_TOK_AND:
        return "'and'";
    case C360_SEGMENT_TOK_OR:
        return "'or'";
    case C360_SEGMENT_TOK_NOT:
        return "'not'";
    case C360_SEGMENT_TOK_TRUE:
        return "'true'";
    case C360_SEGMENT_TOK_FALSE:
        return "'false'";
    case C360_SEGMENT_TOK_EQ:
        return "'=='";
    case C360_SEGMENT_TOK_NE:
        return "'!='";
    case C360_SEGMENT_TOK_LT:
        return "'<'";
    case C360_SEGMENT_TOK_LE:
        return "'<='";
    case C360_SEGMENT_TOK_GT:
        return "'>'";
    case C360_SEGMENT_TOK_GE:
        return "'>='";
    case C360_SEGMENT_TOK_PLUS:
        return "'+'";
    case C360_SEGMENT_TOK_MINUS:
        return "'-'";
    case C360_SEGMENT_TOK_LPAREN:
        return "'('";
    case C360_SEGMENT_TOK_RPAREN:
        return "')'";
    case C360_SEGMENT_TOK_LBRACKET:
        return "'['";
    case C360_SEGMENT_TOK_RBRACKET:
        return "']'";
    case C360_SEGMENT_TOK_COMMA:
        return "','";
    }
    return "a token";
}

void c360_segment_lex_init(struct c360_segment_lexer *lx, const char *src, size_t len)
{
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || is_digit(c);
}

static enum c360_err lex_ident(struct c360_segment_lexer *lx, struct c360_segment_token *tok,
                               struct c360_diag *diag)
{
    size_t end = lx->pos;
    while (end < lx->len && is_ident_char(lx->src[end]))
        end++;
    size_t n = end - lx->pos;
    if (n > C360_SEGMENT_IDENT_MAX)
        return c360_segment_fail_at(diag, C360_ERR_LIMIT, lx->src, lx->len, lx->pos,
                                    "a name is longer than %d bytes (C360_SEGMENT_IDENT_MAX)",
                                    C360_SEGMENT_IDENT_MAX);
    memcpy(tok->text, lx->src + lx->pos, n);
    tok->text[n] = '\0';
    tok->text_len = n;
    tok->kind = C360_SEGMENT_TOK_IDENT;
    for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
        if (strcmp(tok->text, keywords[k].word) == 0)
            tok->kind = keywords[k].kind;
    }
    lx->pos = end;
    return C360_OK;
}

/* digits [. 1-2 digits]: exact hundredths. Magnitude at most that of money
 * (C360_MONEY_MAX_MINOR), so any literal can meet any amount. */
static enum c360_err lex_number(struct c360_segment_lexer *lx, struct c360_segment_token *tok,
                                struct c360_diag *diag)
{
    const char *s = lx->src;
    size_t p = lx->pos;
    int64_t v = 0;
    for (; p < lx->len && is_digit(s[p]); p++) {
        if (v > (C360_MONEY_MAX_MINOR / 100 - (s[p] - '0')) / 10)
            return c360_segment_fail_at(diag, C360_ERR_LIMIT, s, lx->len, lx->pos,
                                        "a number is larger than 99999999999999.99");
        v = v * 10 + (s[p] - '0');
    }
    v *= 100;
    if (p < lx->len && s[p] == '.') {
        p++;
        size_t decimals = 0;
        int64_t frac = 0;
        for (; p < lx->len && is_digit(s[p]); p++, decimals++) {
            if (decimals == 2)
                return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, lx->pos,
                                            "a number has at most 2 decimals");
            frac = frac * 10 + (s[p] - '0');
        }
        if (decimals == 0)
            return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, lx->pos,
                                        "a number needs digits after its '.'");
        v += decimals == 1 ? frac * 10 : frac;
    }
    if (p < lx->len && (is_ident_char(s[p]) || s[p] == '.'))
        return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, lx->pos,
                                    "a number runs into '%c'", s[p]);
    tok->kind = C360_SEGMENT_TOK_NUMBER;
    tok->number = v;
    lx->pos = p;
    return C360_OK;
}

static enum c360_err lex_string(struct c360_segment_lexer *lx, struct c360_segment_token *tok,
                                struct c360_diag *diag)
{
    const char *s = lx->src;
    size_t p = lx->pos + 1, n = 0;
    for (;;) {
        if (p >= lx->len)
            return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, lx->pos,
                                        "a string is not closed: expected '\"'");
        unsigned char c = (unsigned char)s[p];
        if (c == '"')
            break;
        if (c < 0x20 || c == 0x7f)
            return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, p,
                                        "a control character in a string; write \\n or \\t");
        if (c == '\\') {
            if (p + 1 >= lx->len)
                return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, lx->pos,
                                            "a string is not closed: expected '\"'");
            switch (s[p + 1]) {
            case '"':
            case '\\':
            case '/':
                c = (unsigned char)s[p + 1];
                break;
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            default:
                return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, p,
                                            "unknown escape; a string knows \\\" \\\\ \\/ \\n "
                                            "\\t \\r");
            }
            p++;
        }
        if (n == C360_SEGMENT_STRING_MAX)
            return c360_segment_fail_at(diag, C360_ERR_LIMIT, s, lx->len, lx->pos,
                                        "a string is longer than %d bytes "
                                        "(C360_SEGMENT_STRING_MAX)",
                                        C360_SEGMENT_STRING_MAX);
        tok->text[n++] = (char)c;
        p++;
    }
    tok->text[n] = '\0';
    tok->text_len = n;
    tok->kind = C360_SEGMENT_TOK_STRING;
    lx->pos = p + 1;
    return C360_OK;
}

/* Operators of one or two bytes; the hints name what people type from
 * other languages. */
static enum c360_err lex_operator(struct c360_segment_lexer *lx, struct c360_segment_token *tok,
                                  struct c360_diag *diag)
{
    const char *s = lx->src;
    size_t p = lx->pos;
    char c = s[p], next = p + 1 < lx->len ? s[p + 1] : '\0';
    size_t n = 1;
    switch (c) {
    case '(':
        tok->kind = C360_SEGMENT_TOK_LPAREN;
        break;
    case ')':
        tok->kind = C360_SEGMENT_TOK_RPAREN;
        break;
    case '[':
        tok->kind = C360_SEGMENT_TOK_LBRACKET;
        break;
    case ']':
        tok->kind = C360_SEGMENT_TOK_RBRACKET;
        break;
    case ',':
        tok->kind = C360_SEGMENT_TOK_COMMA;
        break;
    case '+':
        tok->kind = C360_SEGMENT_TOK_PLUS;
        break;
    case '-':
        tok->kind = C360_SEGMENT_TOK_MINUS;
        break;
    case '<':
        n = next == '=' ? 2 : 1;
        tok->kind = n == 2 ? C360_SEGMENT_TOK_LE : C360_SEGMENT_TOK_LT;
        break;
    case '>':
        n = next == '=' ? 2 : 1;
        tok->kind = n == 2 ? C360_SEGMENT_TOK_GE : C360_SEGMENT_TOK_GT;
        break;
    case '=':
        if (next != '=')
            return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, p,
                                        "'=' alone; compare with '=='");
        n = 2;
        tok->kind = C360_SEGMENT_TOK_EQ;
        break;
    case '!':
        if (next != '=')
            return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, p,
                                        "'!' alone; write '!=' or 'not'");
        n = 2;
        tok->kind = C360_SEGMENT_TOK_NE;
        break;
    case '&':
        return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, p,
                                    "unexpected '&'; write 'and'");
    case '|':
        return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, p,
                                    "unexpected '|'; write 'or'");
    default:
        if (c >= 0x21 && c <= 0x7e)
            return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, p,
                                        "unexpected character '%c'", c);
        return c360_segment_fail_at(diag, C360_ERR_INVALID, s, lx->len, p, "unexpected byte 0x%02x",
                                    (unsigned)(unsigned char)c);
    }
    lx->pos = p + n;
    return C360_OK;
}

enum c360_err c360_segment_lex_next(struct c360_segment_lexer *lx, struct c360_segment_token *tok,
                                    struct c360_diag *diag)
{
    while (lx->pos < lx->len && strchr(" \t\r\n", lx->src[lx->pos]) && lx->src[lx->pos] != '\0')
        lx->pos++;
    tok->pos = lx->pos;
    tok->text[0] = '\0';
    tok->text_len = 0;
    tok->number = 0;
    enum c360_err err;
    if (lx->pos >= lx->len) {
        tok->kind = C360_SEGMENT_TOK_END;
        err = C360_OK;
    } else if (is_ident_start(lx->src[lx->pos])) {
        err = lex_ident(lx, tok, diag);
    } else if (is_digit(lx->src[lx->pos])) {
        err = lex_number(lx, tok, diag);
    } else if (lx->src[lx->pos] == '"') {
        err = lex_string(lx, tok, diag);
    } else {
        err = lex_operator(lx, tok, diag);
    }
    tok->len = lx->pos - tok->pos;
    return err;
}
