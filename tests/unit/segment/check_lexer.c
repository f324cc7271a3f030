/*
 * Suite segment: the lexer (src/segment/lexer.c) — tokens, exact numbers,
 * string escapes, and the position and words of each refusal.
 */
#include "check_segment.h"
#include "segment_int.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* The token stream as text: names bare, numbers as #hundredths, strings in
 * <> with escapes resolved, operators and keywords as written. */
static void lex_all(const char *text, char *buf, size_t size, enum c360_err *err,
                    struct c360_diag *diag)
{
    static const char *const ops[] = {
        [C360_SEGMENT_TOK_AND] = "and",     [C360_SEGMENT_TOK_OR] = "or",
        [C360_SEGMENT_TOK_NOT] = "not",     [C360_SEGMENT_TOK_TRUE] = "true",
        [C360_SEGMENT_TOK_FALSE] = "false", [C360_SEGMENT_TOK_EQ] = "==",
        [C360_SEGMENT_TOK_NE] = "!=",       [C360_SEGMENT_TOK_LT] = "<",
        [C360_SEGMENT_TOK_LE] = "<=",       [C360_SEGMENT_TOK_GT] = ">",
        [C360_SEGMENT_TOK_GE] = ">=",       [C360_SEGMENT_TOK_PLUS] = "+",
        [C360_SEGMENT_TOK_MINUS] = "-",     [C360_SEGMENT_TOK_LPAREN] = "(",
        [C360_SEGMENT_TOK_RPAREN] = ")",    [C360_SEGMENT_TOK_LBRACKET] = "[",
        [C360_SEGMENT_TOK_RBRACKET] = "]",  [C360_SEGMENT_TOK_COMMA] = ",",
    };
    struct c360_segment_lexer lx;
    struct c360_segment_token tok;
    size_t len = 0;
    buf[0] = '\0';
    c360_segment_lex_init(&lx, text, strlen(text));
    for (int guard = 0; guard < 100; guard++) {
        if ((*err = c360_segment_lex_next(&lx, &tok, diag)) != C360_OK)
            return;
        if (tok.kind == C360_SEGMENT_TOK_END)
            return;
        const char *sep = len ? " " : "";
        if (tok.kind == C360_SEGMENT_TOK_IDENT)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, tok.text);
        else if (tok.kind == C360_SEGMENT_TOK_NUMBER)
            len += (size_t)snprintf(buf + len, size - len, "%s#%lld", sep, (long long)tok.number);
        else if (tok.kind == C360_SEGMENT_TOK_STRING)
            len += (size_t)snprintf(buf + len, size - len, "%s<%s>", sep, tok.text);
        else
            len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, ops[tok.kind]);
    }
    ck_abort_msg("no end token after 100 tokens");
}

static const struct {
    const char *text, *tokens;
} valid[] = {
    {"", ""},
    {"  \t\r\n ", ""},
    {"tenureDays >= 365", "tenureDays >= #36500"},
    {"a<=b<c>d>=e==f!=g", "a <= b < c > d >= e == f != g"},
    {"and or not true false", "and or not true false"},
    {"AND Or nOt", "AND Or nOt"}, /* keywords are lower case; these are names */
    {"android ornament notable", "android ornament notable"},
    {"adb([SAVINGS, CHECKING])", "adb ( [ SAVINGS , CHECKING ] )"},
    {"0 7 007 12.5 12.50 0.05 3000.00", "#0 #700 #700 #1250 #1250 #5 #300000"},
    {"99999999999999.99", "#9999999999999999"},
    {"1-2+-3", "#100 - #200 + - #300"},
    {"\"real estate\"", "<real estate>"},
    {"\"a\\\"b\\\\c\\/d\"", "<a\"b\\c/d>"},
    {"\"\"", "<>"},
    {"\"é\"", "<é>"},
    {"_x9 x_9", "_x9 x_9"},
    {"(a)\n(b)", "( a ) ( b )"},
};

START_TEST(test_c360_segment_lex_next_reads_tokens)
{
    char buf[512];
    enum c360_err err;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    lex_all(valid[_i].text, buf, sizeof(buf), &err, &diag);
    ck_assert_msg(err == C360_OK, "%s: %s", valid[_i].text, diag.text);
    ck_assert_str_eq(buf, valid[_i].tokens);
}
END_TEST

static const struct {
    const char *text, *says; /* says begins with line:column */
    enum c360_err err;
} invalid[] = {
    {"a = b", "1:3: '=' alone; compare with '=='", C360_ERR_INVALID},
    {"a ! b", "1:3: '!' alone; write '!=' or 'not'", C360_ERR_INVALID},
    {"a && b", "1:3: unexpected '&'; write 'and'", C360_ERR_INVALID},
    {"a || b", "1:3: unexpected '|'; write 'or'", C360_ERR_INVALID},
    {"a * b", "1:3: unexpected character '*'", C360_ERR_INVALID},
    {"a\n  % b", "2:3: unexpected character '%'", C360_ERR_INVALID},
    {"a\n\n\tb $", "3:4: unexpected character '$'", C360_ERR_INVALID},
    {"x \x01", "1:3: unexpected byte 0x01", C360_ERR_INVALID},
    {"x \xc3\xa9", "1:3: unexpected byte 0xc3", C360_ERR_INVALID},
    {"1.505", "1:1: a number has at most 2 decimals", C360_ERR_INVALID},
    {"x > 1.", "1:5: a number needs digits after its '.'", C360_ERR_INVALID},
    {"1.2.3", "1:1: a number runs into '.'", C360_ERR_INVALID},
    {"3abc", "1:1: a number runs into 'a'", C360_ERR_INVALID},
    {"1e5", "1:1: a number runs into 'e'", C360_ERR_INVALID},
    {"100000000000000", "1:1: a number is larger than 99999999999999.99", C360_ERR_LIMIT},
    {"f(\"abc", "1:3: a string is not closed", C360_ERR_INVALID},
    {"f(\"abc\\", "1:3: a string is not closed", C360_ERR_INVALID},
    {"\"a\\qb\"", "1:3: unknown escape", C360_ERR_INVALID},
    {"\"a\nb\"", "1:3: a control character in a string", C360_ERR_INVALID},
    {"x and "
     "a2345678901234567890123456789012345678901234567890123456789012345",
     "1:7: a name is longer than 64 bytes (C360_SEGMENT_IDENT_MAX)", C360_ERR_LIMIT},
};

START_TEST(test_c360_segment_lex_next_refuses_with_the_position)
{
    char buf[512];
    enum c360_err err;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    lex_all(invalid[_i].text, buf, sizeof(buf), &err, &diag);
    ck_assert_int_eq(err, invalid[_i].err);
    ck_assert_msg(strncmp(diag.text, invalid[_i].says, strlen(invalid[_i].says)) == 0,
                  "'%s' is not '%s…'", diag.text, invalid[_i].says);
}
END_TEST

/* Names of exactly the cap pass; strings are capped after escapes. */
START_TEST(test_c360_segment_lex_next_takes_names_and_strings_up_to_their_caps)
{
    char text[2 * C360_SEGMENT_STRING_MAX + 8], buf[1024];
    enum c360_err err;
    struct c360_diag diag;
    memset(text, 'n', C360_SEGMENT_IDENT_MAX);
    text[C360_SEGMENT_IDENT_MAX] = '\0';
    lex_all(text, buf, sizeof(buf), &err, &diag);
    ck_assert_int_eq(err, C360_OK);
    ck_assert_uint_eq(strlen(buf), C360_SEGMENT_IDENT_MAX);

    /* 256 escaped quotes: 512 bytes of source, 256 of string. */
    text[0] = '"';
    for (int i = 0; i < C360_SEGMENT_STRING_MAX; i++)
        memcpy(text + 1 + 2 * i, "\\\"", 2);
    strcpy(text + 1 + 2 * C360_SEGMENT_STRING_MAX, "\"");
    lex_all(text, buf, sizeof(buf), &err, &diag);
    ck_assert_int_eq(err, C360_OK);
    ck_assert_uint_eq(strlen(buf), C360_SEGMENT_STRING_MAX + 2);
    /* One more byte is refused. */
    strcpy(text + 1 + 2 * C360_SEGMENT_STRING_MAX, "x\"");
    c360_diag_clear(&diag);
    lex_all(text, buf, sizeof(buf), &err, &diag);
    ck_assert_int_eq(err, C360_ERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(diag.text, "C360_SEGMENT_STRING_MAX"));
}
END_TEST

/* A NUL byte inside the given length is a character like any other, never
 * the end of the text. */
START_TEST(test_c360_segment_lex_next_refuses_a_nul_byte)
{
    static const char text[] = "a \0 b";
    struct c360_segment_lexer lx;
    struct c360_segment_token tok;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    c360_segment_lex_init(&lx, text, sizeof(text) - 1);
    ck_assert_int_eq(c360_segment_lex_next(&lx, &tok, &diag), C360_OK);
    ck_assert_int_eq(tok.kind, C360_SEGMENT_TOK_IDENT);
    ck_assert_int_eq(c360_segment_lex_next(&lx, &tok, &diag), C360_ERR_INVALID);
    ck_assert_str_eq(diag.text, "1:3: unexpected byte 0x00");
}
END_TEST

void c360_check_lexer_add(Suite *s)
{
    TCase *tc = tcase_create("c360_segment_lex_next");
    CHECK_LOOP(tc, test_c360_segment_lex_next_reads_tokens, valid);
    CHECK_LOOP(tc, test_c360_segment_lex_next_refuses_with_the_position, invalid);
    tcase_add_test(tc, test_c360_segment_lex_next_takes_names_and_strings_up_to_their_caps);
    tcase_add_test(tc, test_c360_segment_lex_next_refuses_a_nul_byte);
    suite_add_tcase(s, tc);
}
