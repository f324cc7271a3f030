/*
 * Suite identity: the normalizers and junk tests (include/c360/normalize.h,
 * src/identity/{fold,normalize,email,phone}.c). Every accepted row is also
 * normalized a second time: the result must not move (idempotence).
 */
#include "c360/normalize.h"

#include "check_identity.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* One row of a normalizer table: input (len -1 means strlen), then either the
 * output or the error. */
struct row {
    const char *in;
    int len;
    const char *out; /* NULL when refused */
    enum c360_err err;
};

static size_t row_len(const struct row *r)
{
    return r->len < 0 ? strlen(r->in) : (size_t)r->len;
}

#define OK(in, out)                                                                                \
    {                                                                                              \
        in, -1, out, C360_OK                                                                       \
    }
#define BAD(in, err)                                                                               \
    {                                                                                              \
        in, -1, NULL, err                                                                          \
    }

/* --- c360_normalize_name */

static const struct row names[] = {
    OK("John", "john"),
    OK("  Mary   Ann  ", "mary ann"),
    OK("JOSÉ", "jose"),
    OK("Jose\xCC\x81", "jose"), /* decomposed: e + COMBINING ACUTE ACCENT */
    OK("Müller", "muller"),
    OK("Strauß", "strauss"),
    OK("STRAẞE", "strasse"),
    OK("Søren", "soren"),
    OK("Æsa", "aesa"),
    OK("Łukasz Żółć", "lukasz zolc"),
    OK("Nuñez", "nunez"),
    OK("François", "francois"),
    OK("Dvořák", "dvorak"),
    OK("Ægir Þórsson", "aegir thorsson"),
    OK("Đặng", "dang"),
    OK("Nguyễn", "nguyen"),
    OK("Ștefan Țurcanu", "stefan turcanu"),
    OK("İlker Işık", "ilker isik"),
    OK("Cœur", "coeur"),
    OK("Ĳsbrand", "ijsbrand"),
    OK("Zoë", "zoe"),
    OK("Björk Guðmundsdóttir", "bjork gudmundsdottir"),
    OK("O'Brien", "obrien"),
    OK("O’Brien", "obrien"),
    OK("O´Brien", "obrien"),
    OK("D`Arcy", "darcy"),
    OK("Jean-Luc", "jean luc"),
    OK("Jean – Luc", "jean luc"),
    OK("Smith-Jones", "smith jones"),
    OK("A.J.", "aj"),
    OK("Mr. John Smith Jr.", "mr john smith jr"),
    OK("Anna\tMaria\r\nLouise", "anna maria louise"),
    OK("\u00A0Ann\u00A0", "ann"),   /* NO-BREAK SPACE */
    OK("Mary\u200BAnn", "maryann"), /* ZERO WIDTH SPACE */
    OK("Paral·lel", "parallel"),
    OK("John (Jack)", "john jack"),
    OK("Louis XIV", "louis xiv"),
    OK("名字", "名字"),         /* other scripts pass through */
    OK("Ελένη", "Ελένη"),       /* not folded: documented */
    OK("Ørsted 2", "orsted 2"), /* digits are kept */
    BAD("", C360_ERR_INVALID),
    BAD("   ", C360_ERR_INVALID),
    BAD("'.-", C360_ERR_INVALID),
    BAD("Jo\xFFhn", C360_ERR_INVALID),         /* never a UTF-8 byte */
    BAD("Jos\xC3", C360_ERR_INVALID),          /* truncated sequence */
    BAD("Jos\xC3\x65", C360_ERR_INVALID),      /* lead byte, then 'e' */
    BAD("\xC0\xAF", C360_ERR_INVALID),         /* overlong '/' */
    BAD("\xE0\x80\xAF", C360_ERR_INVALID),     /* overlong, 3 bytes */
    BAD("\xED\xA0\x80", C360_ERR_INVALID),     /* UTF-16 surrogate */
    BAD("\xF4\x90\x80\x80", C360_ERR_INVALID), /* above U+10FFFF */
    BAD("\x80xyz", C360_ERR_INVALID),          /* stray continuation */
    {"Jo\0hn", 5, NULL, C360_ERR_INVALID},     /* NUL inside */
};

START_TEST(test_c360_normalize_name_table)
{
    const struct row *r = &names[_i];
    char out[C360_NORMALIZE_NAME_MAX + 1], again[C360_NORMALIZE_NAME_MAX + 1];
    struct c360_diag diag;
    c360_diag_clear(&diag);
    memset(out, 'X', sizeof(out));
    enum c360_err err = c360_normalize_name(r->in, row_len(r), out, sizeof(out), &diag);
    if (!r->out) {
        ck_assert_msg(err == r->err, "row %d: got %s", _i, c360_err_str(err));
        ck_assert_msg(diag.text[0], "row %d: no diagnostic", _i);
        return;
    }
    ck_assert_msg(err == C360_OK, "row %d '%s': %s", _i, r->in, diag.text);
    ck_assert_str_eq(out, r->out);
    ck_assert_int_eq(c360_normalize_name(out, strlen(out), again, sizeof(again), NULL), C360_OK);
    ck_assert_str_eq(again, out);
}
END_TEST

START_TEST(test_c360_normalize_name_caps_input_and_output)
{
    char in[C360_NORMALIZE_INPUT_MAX + 2], out[C360_NORMALIZE_NAME_MAX + 1];
    struct c360_diag diag;
    c360_diag_clear(&diag);
    memset(in, 'a', sizeof(in));
    ck_assert_int_eq(c360_normalize_name(in, C360_NORMALIZE_INPUT_MAX + 1, out, sizeof(out), &diag),
                     C360_ERR_LIMIT);
    /* Exactly the cap fits; one more byte does not, whatever the buffer. */
    char big[1024];
    ck_assert_int_eq(c360_normalize_name(in, C360_NORMALIZE_NAME_MAX, out, sizeof(out), NULL),
                     C360_OK);
    ck_assert_uint_eq(strlen(out), C360_NORMALIZE_NAME_MAX);
    ck_assert_int_eq(c360_normalize_name(in, C360_NORMALIZE_NAME_MAX + 1, big, sizeof(big), NULL),
                     C360_ERR_LIMIT);
    /* ß doubles: 65 of them need 130 bytes. */
    char sharp[130];
    for (size_t i = 0; i < sizeof(sharp); i += 2)
        memcpy(sharp + i, "\xC3\x9F", 2);
    ck_assert_int_eq(c360_normalize_name(sharp, sizeof(sharp), big, sizeof(big), NULL),
                     C360_ERR_LIMIT);
}
END_TEST

START_TEST(test_c360_normalize_name_refuses_small_buffer)
{
    char out[5];
    memset(out, 'X', sizeof(out));
    ck_assert_int_eq(c360_normalize_name("abcd", 4, out, sizeof(out), NULL), C360_OK);
    ck_assert_str_eq(out, "abcd");
    ck_assert_int_eq(c360_normalize_name("abcde", 5, out, sizeof(out), NULL), C360_ERR_LIMIT);
    ck_assert_int_eq(c360_normalize_name("ab cd", 5, out, 5, NULL), C360_ERR_LIMIT);
    ck_assert_int_eq(c360_normalize_name("Æ", 2, out, 2, NULL), C360_ERR_LIMIT);
    ck_assert_int_eq(c360_normalize_name("a", 1, out, 0, NULL), C360_ERR_LIMIT);
}
END_TEST

/* Every code point of the folding table becomes ASCII letters or a space. */
START_TEST(test_c360_normalize_name_folds_all_latin_to_ascii)
{
    for (unsigned cp = 0xC0; cp <= 0x17F; cp++) {
        char in[3] = {(char)(0xC0 | (cp >> 6)), (char)(0x80 | (cp & 0x3F)), 0};
        char out[8];
        enum c360_err err = c360_normalize_name(in, 2, out, sizeof(out), NULL);
        if (cp == 0xD7 || cp == 0xF7) { /* × ÷ separate words */
            ck_assert_int_eq(err, C360_ERR_INVALID);
            continue;
        }
        ck_assert_msg(err == C360_OK, "U+%04X refused", cp);
        ck_assert_msg(strlen(out) >= 1 && strlen(out) <= 2, "U+%04X → '%s'", cp, out);
        for (const char *p = out; *p; p++)
            ck_assert_msg(*p >= 'a' && *p <= 'z', "U+%04X → '%s'", cp, out);
    }
}
END_TEST

/* --- c360_normalize_email */

struct email_row {
    const char *in;
    unsigned flags;
    const char *out;
};

static const struct email_row emails[] = {
    {"John.Smith@Example.COM", 0, "john.smith@example.com"},
    {"  a.b@x.org \n", 0, "a.b@x.org"},
    {"J.O.H.N+news@gmail.com", 0, "john@gmail.com"},
    {"john.smith@gmail.com", 0, "johnsmith@gmail.com"},
    {"johnsmith@gmail.com", 0, "johnsmith@gmail.com"},
    {"JOHN@GMAIL.COM", 0, "john@gmail.com"},
    {"john+x@googlemail.com", 0, "john@gmail.com"},
    {"jo.hn@GoogleMail.Com", 0, "john@gmail.com"},
    {"john+tag+more@gmail.com", 0, "john@gmail.com"},
    {"john.+tag@gmail.com", 0, "john@gmail.com"},
    {"j.ohn+x@gmail.co", 0, "j.ohn+x@gmail.co"}, /* not Gmail */
    {"j.ohn+x@mail.gmail.com", 0, "j.ohn+x@mail.gmail.com"},
    {"john+tag@outlook.com", 0, "john+tag@outlook.com"},
    {"john+tag@outlook.com", C360_NORMALIZE_EMAIL_DROP_TAGS, "john@outlook.com"},
    {"J.Ohn+tag@Outlook.com", C360_NORMALIZE_EMAIL_DROP_TAGS, "j.ohn@outlook.com"},
    {"first.last@sub.example.co.uk", 0, "first.last@sub.example.co.uk"},
    {"user@example.com.", 0, "user@example.com"},
    {"o'brien@x.ie", 0, "o'brien@x.ie"},
    {"josé@exämple.com", 0, "josé@exämple.com"},
    {"a@b.c", 0, "a@b.c"},
    {"a_b-c!#$%&*/=?^{|}~@x-y.com", 0, "a_b-c!#$%&*/=?^{|}~@x-y.com"},
    {"", 0, NULL},
    {"   ", 0, NULL},
    {"noatsign.com", 0, NULL},
    {"@example.com", 0, NULL},
    {"john@", 0, NULL},
    {"john@.", 0, NULL},
    {"john@localhost", 0, NULL},
    {"john@@example.com", 0, NULL},
    {"john@ex@ample.com", 0, NULL},
    {"john smith@example.com", 0, NULL},
    {"john@exa mple.com", 0, NULL},
    {"john@example..com", 0, NULL},
    {"john@.example.com", 0, NULL},
    {"john@example.com..", 0, NULL},
    {"john@exam_ple.com", 0, NULL},
    {"John <john@x.com>", 0, NULL},
    {"\"john\"@x.com", 0, NULL},
    {"+tag@gmail.com", 0, NULL},
    {"...@gmail.com", 0, NULL},
    {"+tag@x.com", C360_NORMALIZE_EMAIL_DROP_TAGS, NULL},
    {"j\xFFohn@x.com", 0, NULL},
    {"john@x\xC3.com", 0, NULL},
    {"john\x01@x.com", 0, NULL},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.com", 0, NULL},
};

START_TEST(test_c360_normalize_email_table)
{
    const struct email_row *r = &emails[_i];
    char out[C360_NORMALIZE_EMAIL_MAX + 1], again[C360_NORMALIZE_EMAIL_MAX + 1];
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err =
        c360_normalize_email(r->in, strlen(r->in), r->flags, out, sizeof(out), &diag);
    if (!r->out) {
        ck_assert_msg(err == C360_ERR_INVALID, "row %d '%s' accepted: %s", _i, r->in,
                      err == C360_OK ? out : c360_err_str(err));
        ck_assert_msg(diag.text[0], "row %d: no diagnostic", _i);
        return;
    }
    ck_assert_msg(err == C360_OK, "row %d '%s': %s", _i, r->in, diag.text);
    ck_assert_str_eq(out, r->out);
    ck_assert_int_eq(c360_normalize_email(out, strlen(out), r->flags, again, sizeof(again), NULL),
                     C360_OK);
    ck_assert_str_eq(again, out);
}
END_TEST

START_TEST(test_c360_normalize_email_caps_input_and_output)
{
    char in[C360_NORMALIZE_INPUT_MAX + 1], out[64];
    memset(in, 'a', sizeof(in));
    memcpy(in + sizeof(in) - 6, "@x.com", 6);
    ck_assert_int_eq(c360_normalize_email(in, sizeof(in), 0, out, sizeof(out), NULL),
                     C360_ERR_LIMIT);
    /* A 250-byte domain passes the domain cap and fails the path cap. */
    char longer[300];
    size_t n = (size_t)snprintf(longer, sizeof(longer), "johnjohnjohn@");
    for (int i = 0; i < 5; i++)
        n += (size_t)snprintf(longer + n, sizeof(longer) - n, "%.48s.",
                              "dddddddddddddddddddddddddddddddddddddddddddddddd");
    n += (size_t)snprintf(longer + n, sizeof(longer) - n, "com");
    char big[512];
    ck_assert_int_eq(c360_normalize_email(longer, n, 0, big, sizeof(big), NULL), C360_ERR_INVALID);
    /* Fits the rules, not the buffer. */
    ck_assert_int_eq(c360_normalize_email("john@x.com", 10, 0, out, 10, NULL), C360_ERR_LIMIT);
    ck_assert_int_eq(c360_normalize_email("john@x.com", 10, 0, out, 11, NULL), C360_OK);
    ck_assert_str_eq(out, "john@x.com");
}
END_TEST

/* --- c360_normalize_phone */

struct phone_row {
    const char *in;
    const char *cc; /* default calling code */
    const char *out;
    enum c360_err err;
};

static const struct phone_row phones[] = {
    {"(415) 555-0100", "1", "+14155550100", C360_OK},
    {"+1 415 555 0100", "44", "+14155550100", C360_OK},
    {"001 415 555 0100", "44", "+14155550100", C360_OK},
    {"011 44 20 7946 0958", "1", "+442079460958", C360_OK},
    {"415.555.0100 x12", "1", "+14155550100", C360_OK},
    {"415-555-0100 ext. 123", "1", "+14155550100", C360_OK},
    {"415 555 0100 Extension: 9", "1", "+14155550100", C360_OK},
    {"415/555-0100 X 12", "1", "+14155550100", C360_OK},
    {"1-415-555-0100", "1", "+14155550100", C360_OK},
    {"14155550100", "1", "+14155550100", C360_OK},
    {"  +14155550100  ", NULL, "+14155550100", C360_OK},
    {"tel:+1-415-555-0100;ext=55", NULL, "+14155550100", C360_OK},
    {"+1 (415) 555-0100 #7", NULL, "+14155550100", C360_OK},
    {"(416) 555-0123", "1", "+14165550123", C360_OK},
    {"020 7946 0958", "44", "+442079460958", C360_OK},
    {"+44 (0)20 7946 0958", NULL, "+442079460958", C360_OK},
    {"+44 020 7946 0958", "1", "+442079460958", C360_OK},
    {"0044 20 7946 0958", "1", "+442079460958", C360_OK},
    {"07700 900123", "44", "+447700900123", C360_OK},
    {"030 123456", "49", "+4930123456", C360_OK},
    {"+49 (0) 30 123456", NULL, "+4930123456", C360_OK},
    {"01 23 45 67 89", "33", "+33123456789", C360_OK},
    {"06 1234 5678", "39", "+390612345678", C360_OK}, /* Italy keeps the 0 */
    {"+39 06 1234 5678", NULL, "+390612345678", C360_OK},
    {"612 345 678", "34", "+34612345678", C360_OK},
    {"087 123 4567", "353", "+353871234567", C360_OK},
    {"+7 495 123-45-67", NULL, "+74951234567", C360_OK}, /* unknown code: kept */
    {"555-0100", "1", NULL, C360_ERR_INVALID},
    {"(015) 555-0100", "1", NULL, C360_ERR_INVALID},
    {"(415) 155-0100", "1", NULL, C360_ERR_INVALID},
    {"1234567890", "1", NULL, C360_ERR_INVALID},
    {"+1 234 567 890", NULL, NULL, C360_ERR_INVALID},
    {"415 555 0100", NULL, NULL, C360_ERR_INVALID},
    {"415 555 0100", "", NULL, C360_ERR_INVALID},
    {"415 555 0100", "999", NULL, C360_ERR_UNSUPPORTED},
    {"+1 415 555 0100", "4", NULL, C360_ERR_UNSUPPORTED},
    {"1-800-FLOWERS", "1", NULL, C360_ERR_INVALID},
    {"", "1", NULL, C360_ERR_INVALID},
    {"   ", "1", NULL, C360_ERR_INVALID},
    {"x123", "1", NULL, C360_ERR_INVALID},
    {"+", "1", NULL, C360_ERR_INVALID},
    {"+0 123 456 789", NULL, NULL, C360_ERR_INVALID},
    {"+44 00 20 7946", NULL, NULL, C360_ERR_INVALID},
    {"+1234567890123456", NULL, NULL, C360_ERR_INVALID},
    {"123456789012345678901234", "44", NULL, C360_ERR_INVALID},
    {"12", "44", NULL, C360_ERR_INVALID},
    {"0", "44", NULL, C360_ERR_INVALID},
    {"415 555 0100 x", "1", NULL, C360_ERR_INVALID},
    {"415 555 0100 xyz", "1", NULL, C360_ERR_INVALID},
    {"415 555 0100 ext 12a", "1", NULL, C360_ERR_INVALID},
    {"415+555+0100", "1", NULL, C360_ERR_INVALID},
    {"\xEF\xBC\x94\xEF\xBC\x91\xEF\xBC\x95", "1", NULL, C360_ERR_INVALID}, /* fullwidth */
    {"415 555 0100\xFF", "1", NULL, C360_ERR_INVALID},
    {"+1 415 555 0100                                                   ", NULL, NULL,
     C360_ERR_LIMIT}, /* more than 64 bytes */
};

START_TEST(test_c360_normalize_phone_table)
{
    const struct phone_row *r = &phones[_i];
    char out[C360_NORMALIZE_PHONE_SIZE], again[C360_NORMALIZE_PHONE_SIZE];
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_normalize_phone(r->in, strlen(r->in), r->cc, out, sizeof(out), &diag);
    if (!r->out) {
        ck_assert_msg(err == r->err, "row %d '%s': got %s (%s)", _i, r->in, c360_err_str(err),
                      err == C360_OK ? out : diag.text);
        ck_assert_msg(diag.text[0], "row %d: no diagnostic", _i);
        return;
    }
    ck_assert_msg(err == C360_OK, "row %d '%s': %s", _i, r->in, diag.text);
    ck_assert_str_eq(out, r->out);
    ck_assert_int_eq(c360_normalize_phone(out, strlen(out), r->cc, again, sizeof(again), NULL),
                     C360_OK);
    ck_assert_str_eq(again, out);
}
END_TEST

START_TEST(test_c360_normalize_phone_refuses_small_buffer)
{
    char out[C360_NORMALIZE_PHONE_SIZE];
    ck_assert_int_eq(c360_normalize_phone("+14155550100", 12, NULL, out, 12, NULL), C360_ERR_LIMIT);
    ck_assert_int_eq(c360_normalize_phone("+14155550100", 12, NULL, out, 13, NULL), C360_OK);
    ck_assert_int_eq(c360_normalize_phone("+491511234567890", 16, NULL, out, sizeof(out), NULL),
                     C360_OK);
    ck_assert_str_eq(out, "+491511234567890");
}
END_TEST

/* --- c360_normalize_street */

static const struct row streets[] = {
    OK("123 Main Street", "123 main st"),
    OK("123 MAIN ST.", "123 main st"),
    OK("123 Main St, Apt 4", "123 main st apt 4"),
    OK("123 Main Street Apartment #4", "123 main st apt 4"),
    OK("500 Fifth Avenue", "500 fifth ave"),
    OK("500 5th Ave.", "500 5th ave"),
    OK("500 5th Av", "500 5th ave"),
    OK("1600 Pennsylvania Ave N.W.", "1600 pennsylvania ave nw"),
    OK("1600 Pennsylvania Avenue Northwest", "1600 pennsylvania ave nw"),
    OK("10 Downing St.", "10 downing st"),
    OK("42 Rue de l'Église", "42 rue de leglise"),
    OK("Königstraße 5", "konigstrasse 5"),
    OK("742 Evergreen Terrace", "742 evergreen ter"),
    OK("1 Infinite Loop, Suite 100", "1 infinite loop ste 100"),
    OK("221B Baker Street", "221b baker st"),
    OK("350 Fifth Ave., Floor 34", "350 fifth ave fl 34"),
    OK("77 Massachusetts Ave, Building 10", "77 massachusetts ave bldg 10"),
    OK("4 Privet Drive", "4 privet dr"),
    OK("12 Grimmauld Place", "12 grimmauld pl"),
    OK("8 North Road", "8 n rd"),
    OK("P.O. Box 123", "po box 123"),
    OK("PO Box 123", "po box 123"),
    OK("POBox 123", "po box 123"),
    OK("2 Saint James Square", "2 st james sq"),
    OK("1 Highway 101 South", "1 hwy 101 s"),
    OK("99 Sunset Boulevard", "99 sunset blvd"),
    OK("45 Elm Lane", "45 elm ln"),
    OK("45 ELM LN", "45 elm ln"),
    OK("  12   Oak   Court  ", "12 oak ct"),
    OK("Calle Mayor, 3, 2º", "calle mayor 3 2"),
    OK("Ulica Świętokrzyska 11/13", "ulica swietokrzyska 11 13"),
    OK("Streetwise Alley", "streetwise aly"), /* only whole words shorten */
    BAD("", C360_ERR_INVALID),
    BAD(" ,. ", C360_ERR_INVALID),
    BAD("12 Main St\xFF", C360_ERR_INVALID),
    BAD("12 Main\xE2\x80", C360_ERR_INVALID),
};

START_TEST(test_c360_normalize_street_table)
{
    const struct row *r = &streets[_i];
    char out[256], again[256];
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_normalize_street(r->in, row_len(r), out, sizeof(out), &diag);
    if (!r->out) {
        ck_assert_msg(err == r->err, "row %d: got %s", _i, c360_err_str(err));
        ck_assert_msg(diag.text[0], "row %d: no diagnostic", _i);
        return;
    }
    ck_assert_msg(err == C360_OK, "row %d '%s': %s", _i, r->in, diag.text);
    ck_assert_str_eq(out, r->out);
    ck_assert_int_eq(c360_normalize_street(out, strlen(out), again, sizeof(again), NULL), C360_OK);
    ck_assert_str_eq(again, out);
}
END_TEST

START_TEST(test_c360_normalize_street_caps_input_and_output)
{
    char in[C360_NORMALIZE_INPUT_MAX + 1], out[16];
    memset(in, 'a', sizeof(in));
    ck_assert_int_eq(c360_normalize_street(in, sizeof(in), out, sizeof(out), NULL), C360_ERR_LIMIT);
    ck_assert_int_eq(c360_normalize_street("123 Main Street", 15, out, 12, NULL), C360_OK);
    ck_assert_str_eq(out, "123 main st");
    ck_assert_int_eq(c360_normalize_street("123 Main Street", 15, out, 11, NULL), C360_ERR_LIMIT);
    /* Every byte of a maximal input doubles (ß) and still fits the scratch. */
    char sharp[C360_NORMALIZE_INPUT_MAX];
    for (size_t i = 0; i < sizeof(sharp); i += 2)
        memcpy(sharp + i, "\xC3\x9F", 2);
    char big[C360_NORMALIZE_INPUT_MAX + 1];
    ck_assert_int_eq(c360_normalize_street(sharp, sizeof(sharp), big, sizeof(big), NULL), C360_OK);
    ck_assert_uint_eq(strlen(big), C360_NORMALIZE_INPUT_MAX);
}
END_TEST

/* --- c360_normalize_postal_code */

struct postal_row {
    const char *in;
    const char *country;
    const char *out; /* NULL: C360_ERR_INVALID */
};

static const struct postal_row postals[] = {
    {"sw1a 1aa", "GB", "SW1A1AA"},
    {"SW1A1AA", "GB", "SW1A1AA"},
    {"K1A 0B6", "CA", "K1A0B6"},
    {"94105-1234", "US", "94105"},
    {"941051234", "US", "94105"},
    {" 94105 ", "US", "94105"},
    {"94105", "us", "94105"},
    {"2110", "US", "02110"},
    {"2110-1234", "US", "02110"},
    {"94105-1234", NULL, "94105"},
    {"94105-1234", "", "94105"},
    {"941051234", NULL, "941051234"},
    {"94105 1234", NULL, "941051234"},
    {"10115", "DE", "10115"},
    {"1234 ab", "NL", "1234AB"},
    {"00-950", "PL", "00950"},
    {"75008", "FR", "75008"},
    {"d02 x285", "IE", "D02X285"},
    {"01310-100", "BR", "01310100"},
    {"1000-001", "PT", "1000001"},
    {"ABC", "US", NULL},
    {"941", "US", NULL},
    {"9410512345", "US", NULL},
    {"", "GB", NULL},
    {"  - ", "GB", NULL},
    {"SW1A#1AA", "GB", NULL},
    {"SW1A.1AA", "GB", NULL},
    {"12345678901", NULL, NULL},
    {"É1", "FR", NULL},
};

START_TEST(test_c360_normalize_postal_code_table)
{
    const struct postal_row *r = &postals[_i];
    char out[16], again[16];
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err =
        c360_normalize_postal_code(r->in, strlen(r->in), r->country, out, sizeof(out), &diag);
    if (!r->out) {
        ck_assert_msg(err == C360_ERR_INVALID, "row %d '%s': got %s", _i, r->in, c360_err_str(err));
        ck_assert_msg(diag.text[0], "row %d: no diagnostic", _i);
        return;
    }
    ck_assert_msg(err == C360_OK, "row %d '%s': %s", _i, r->in, diag.text);
    ck_assert_str_eq(out, r->out);
    ck_assert_int_eq(
        c360_normalize_postal_code(out, strlen(out), r->country, again, sizeof(again), NULL),
        C360_OK);
    ck_assert_str_eq(again, out);
}
END_TEST

START_TEST(test_c360_normalize_postal_code_caps_input_and_output)
{
    char in[C360_NORMALIZE_INPUT_MAX + 1], out[8];
    memset(in, ' ', sizeof(in));
    ck_assert_int_eq(c360_normalize_postal_code(in, sizeof(in), NULL, out, sizeof(out), NULL),
                     C360_ERR_LIMIT);
    ck_assert_int_eq(c360_normalize_postal_code("SW1A 1AA", 8, "GB", out, 7, NULL), C360_ERR_LIMIT);
    ck_assert_int_eq(c360_normalize_postal_code("SW1A 1AA", 8, "GB", out, 8, NULL), C360_OK);
}
END_TEST

/* --- c360_normalize_country */

static const struct row countries[] = {
    OK("United States", "US"),
    OK("United States of America", "US"),
    OK("USA", "US"),
    OK("U.S.A.", "US"),
    OK("us", "US"),
    OK(" United  Kingdom ", "GB"),
    OK("UK", "GB"),
    OK("U.K.", "GB"),
    OK("Great Britain", "GB"),
    OK("England", "GB"),
    OK("GBR", "GB"),
    OK("Germany", "DE"),
    OK("Deutschland", "DE"),
    OK("France", "FR"),
    OK("fr", "FR"),
    OK("canada", "CA"),
    OK("México", "MX"),
    OK("España", "ES"),
    OK("Italia", "IT"),
    OK("The Netherlands", "NL"),
    OK("Holland", "NL"),
    OK("Éire", "IE"),
    OK("Republic of Ireland", "IE"),
    OK("Australia", "AU"),
    OK("Österreich", "AT"),
    OK("Schweiz", "CH"),
    OK("zz", "ZZ"), /* any two letters: taken as a code */
    BAD("Atlantis", C360_ERR_NOT_FOUND),
    BAD("", C360_ERR_NOT_FOUND),
    BAD("U", C360_ERR_NOT_FOUND),
    BAD("12", C360_ERR_NOT_FOUND),
    BAD("Fr\xFF", C360_ERR_INVALID),
};

START_TEST(test_c360_normalize_country_table)
{
    const struct row *r = &countries[_i];
    char out[3], again[3];
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_normalize_country(r->in, row_len(r), out, sizeof(out), &diag);
    if (!r->out) {
        ck_assert_msg(err == r->err, "row %d: got %s", _i, c360_err_str(err));
        ck_assert_msg(diag.text[0], "row %d: no diagnostic", _i);
        return;
    }
    ck_assert_msg(err == C360_OK, "row %d '%s': %s", _i, r->in, diag.text);
    ck_assert_str_eq(out, r->out);
    ck_assert_int_eq(c360_normalize_country(out, 2, again, sizeof(again), NULL), C360_OK);
    ck_assert_str_eq(again, out);
}
END_TEST

START_TEST(test_c360_normalize_country_refuses_small_buffer)
{
    char out[2];
    ck_assert_int_eq(c360_normalize_country("USA", 3, out, sizeof(out), NULL), C360_ERR_LIMIT);
}
END_TEST

/* --- c360_normalize_is_junk_email, c360_normalize_is_junk_phone */

static const struct {
    const char *value;
    bool junk;
} junk_emails[] = {
    {"noreply@company.com", true},
    {"no-reply@company.com", true},
    {"noreply-billing@company.com", true},
    {"donotreply@x.com", true},
    {"mailer-daemon@x.com", true},
    {"test@test.com", true},
    {"test@gmail.com", true},
    {"none@none.com", true},
    {"null@gmail.com", true},
    {"n/a@x.com", true},
    {"a@a.com", true},
    {"aa@a.com", true},
    {"x@xx.com", true},
    {"aaa@gmail.com", true},
    {"1111@yahoo.com", true},
    {"john@example.com", true},
    {"john@example.org", true},
    {"john@shop.test", true},
    {"john@host.invalid", true},
    {"jane@noemail.com", true},
    {"not-an-address", true},
    {"john.smith@gmail.com", false},
    {"johnsmith@gmail.com", false},
    {"a@gmail.com", false},
    {"aa@b.com", false},
    {"bob@bob.com", false}, /* people own domains named after themselves */
    {"testerson@x.com", false},
    {"jane@test.co.uk", false},
    {"noel@company.com", false},
    {"ann@nonet.com", false},
};

START_TEST(test_c360_normalize_is_junk_email_table)
{
    ck_assert_msg(c360_normalize_is_junk_email(junk_emails[_i].value) == junk_emails[_i].junk,
                  "'%s'", junk_emails[_i].value);
}
END_TEST

static const struct {
    const char *value;
    bool junk;
} junk_phones[] = {
    {"+10000000000", true},
    {"+11111111111", true},
    {"+447777777777", true},
    {"+441234567890", true},
    {"+11234567890", true},
    {"+19876543210", true},
    {"+33123456789", true},
    {"+4900000000", true},
    {"+14155550100", true}, /* NANP 555-0100..0199: fiction */
    {"+12125550199", true},
    {"+442079460958", true}, /* Ofcom drama range */
    {"+447700900123", true},
    {"+441614960000", true},
    {"14155550100", true}, /* not normalized */
    {"", true},
    {"+14155550200", false},
    {"+14155551234", false},
    {"+16502530000", false},
    {"+442071838750", false},
    {"+4930123456", false},
    {"+390612345678", false},
    {"+447911123456", false},
    {"+61293744000", false},
    {"+3312345", false}, /* too short to call a run */
};

START_TEST(test_c360_normalize_is_junk_phone_table)
{
    ck_assert_msg(c360_normalize_is_junk_phone(junk_phones[_i].value) == junk_phones[_i].junk,
                  "'%s'", junk_phones[_i].value);
}
END_TEST

#define LOOP(tc, test, table) tcase_add_loop_test(tc, test, 0, sizeof(table) / sizeof((table)[0]))

void c360_check_normalize_add(Suite *s)
{
    TCase *tc = tcase_create("c360_normalize_name");
    LOOP(tc, test_c360_normalize_name_table, names);
    tcase_add_test(tc, test_c360_normalize_name_caps_input_and_output);
    tcase_add_test(tc, test_c360_normalize_name_refuses_small_buffer);
    tcase_add_test(tc, test_c360_normalize_name_folds_all_latin_to_ascii);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_normalize_email");
    LOOP(tc, test_c360_normalize_email_table, emails);
    tcase_add_test(tc, test_c360_normalize_email_caps_input_and_output);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_normalize_phone");
    LOOP(tc, test_c360_normalize_phone_table, phones);
    tcase_add_test(tc, test_c360_normalize_phone_refuses_small_buffer);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_normalize_street");
    LOOP(tc, test_c360_normalize_street_table, streets);
    tcase_add_test(tc, test_c360_normalize_street_caps_input_and_output);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_normalize_postal_code");
    LOOP(tc, test_c360_normalize_postal_code_table, postals);
    tcase_add_test(tc, test_c360_normalize_postal_code_caps_input_and_output);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_normalize_country");
    LOOP(tc, test_c360_normalize_country_table, countries);
    tcase_add_test(tc, test_c360_normalize_country_refuses_small_buffer);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_normalize_is_junk_email");
    LOOP(tc, test_c360_normalize_is_junk_email_table, junk_emails);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_normalize_is_junk_phone");
    LOOP(tc, test_c360_normalize_is_junk_phone_table, junk_phones);
    suite_add_tcase(s, tc);
}

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("identity");
    c360_check_normalize_add(s);
    c360_check_name_add(s);
    c360_check_graph_add(s);
    c360_check_rules_add(s);
    c360_check_golden_add(s);
    c360_check_persist_add(s);
    return s;
}
