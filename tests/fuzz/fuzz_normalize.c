/*
 * libFuzzer target: the identity normalizers (c360/normalize.h), Jaro–Winkler
 * and the nickname table parser (c360/name.h). Byte 0 picks the function,
 * byte 1 its option (default calling code, country, email flags) and, with
 * its top bit set, a small output buffer; the rest is the value, copied to a
 * buffer of exactly its size so that any read past it trips ASan. Besides
 * never crashing: every accepted value normalizes to itself again, and
 * outputs have the shape the header promises.
 */
#include "c360/name.h"
#include "c360/normalize.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_NAME, F_EMAIL, F_PHONE, F_STREET, F_POSTAL, F_COUNTRY, F_JW, F_NICKNAMES, F_COUNT };

typedef enum c360_err (*normalizer)(const char *text, size_t len, uint8_t opt, char *out,
                                    size_t size);

static const char *const calling_codes[] = {NULL, "1", "44", "49", "39", "33", "34", "999"};
static const char *const countries[] = {NULL, "", "US", "GB", "us", "DE"};

static enum c360_err name(const char *text, size_t len, uint8_t opt, char *out, size_t size)
{
    (void)opt;
    return c360_normalize_name(text, len, out, size, NULL);
}

static enum c360_err email(const char *text, size_t len, uint8_t opt, char *out, size_t size)
{
    return c360_normalize_email(text, len, opt & 1 ? C360_NORMALIZE_EMAIL_DROP_TAGS : 0, out, size,
                                NULL);
}

static enum c360_err phone(const char *text, size_t len, uint8_t opt, char *out, size_t size)
{
    return c360_normalize_phone(text, len, calling_codes[opt % 8], out, size, NULL);
}

static enum c360_err street(const char *text, size_t len, uint8_t opt, char *out, size_t size)
{
    (void)opt;
    return c360_normalize_street(text, len, out, size, NULL);
}

static enum c360_err postal(const char *text, size_t len, uint8_t opt, char *out, size_t size)
{
    return c360_normalize_postal_code(text, len, countries[opt % 6], out, size, NULL);
}

static enum c360_err country(const char *text, size_t len, uint8_t opt, char *out, size_t size)
{
    (void)opt;
    return c360_normalize_country(text, len, out, size, NULL);
}

/* What every normalized value looks like: printable, no ASCII upper case
 * (names and streets: no '  ', no edge space). */
static void check_shape(int which, const char *out)
{
    size_t n = strlen(out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x20 || c == 0x7F)
            abort();
        if (which != F_POSTAL && which != F_COUNTRY && c >= 'A' && c <= 'Z')
            abort();
    }
    if (which == F_NAME || which == F_STREET) {
        if (n == 0 || out[0] == ' ' || out[n - 1] == ' ' || strstr(out, "  "))
            abort();
        if (which == F_NAME && n > C360_NORMALIZE_NAME_MAX)
            abort();
    }
    if (which == F_PHONE) {
        if (out[0] != '+' || n < 9 || n > 16 || out[1] == '0')
            abort();
        for (size_t i = 1; i < n; i++)
            if (out[i] < '0' || out[i] > '9')
                abort();
        (void)c360_normalize_is_junk_phone(out);
    }
    if (which == F_EMAIL) {
        const char *at = strchr(out, '@');
        if (!at || at == out || strchr(at + 1, '@') || n > C360_NORMALIZE_EMAIL_MAX)
            abort();
        (void)c360_normalize_is_junk_email(out);
    }
    if (which == F_COUNTRY && n != 2)
        abort();
}

static void fuzz_normalizer(int which, const char *text, size_t len, uint8_t opt)
{
    static const normalizer fns[] = {name, email, phone, street, postal, country};
    /* Top bit: a tiny, exact-size output buffer, to fuzz the LIMIT paths. */
    size_t size = opt & 0x80 ? (size_t)(opt & 0x1F) : 2 * C360_NORMALIZE_INPUT_MAX + 1;
    char *out = malloc(size ? size : 1);
    char *again = malloc(2 * C360_NORMALIZE_INPUT_MAX + 1);
    if (!out || !again)
        abort();
    if (fns[which](text, len, opt, out, size) == C360_OK) {
        size_t n = strlen(out);
        if (n >= size)
            abort();
        check_shape(which, out);
        if (fns[which](out, n, opt, again, 2 * C360_NORMALIZE_INPUT_MAX + 1) != C360_OK ||
            strcmp(out, again) != 0)
            abort();
    }
    free(out);
    free(again);
}

static void fuzz_jaro_winkler(const char *text, size_t len, uint8_t opt)
{
    size_t cut = len ? opt % (len + 1) : 0;
    char *a = malloc(cut + 1), *b = malloc(len - cut + 1);
    if (!a || !b)
        abort();
    memcpy(a, text, cut);
    a[cut] = '\0';
    memcpy(b, text + cut, len - cut);
    b[len - cut] = '\0';
    double ab = c360_name_jaro_winkler(a, b), ba = c360_name_jaro_winkler(b, a);
    if (!(ab >= 0.0 && ab <= 1.0) || fabs(ab - ba) > 1e-9)
        abort();
    if (c360_name_jaro_winkler(a, a) != 1.0)
        abort();
    free(a);
    free(b);
}

static void fuzz_nicknames(const char *text, size_t len)
{
    struct c360_nicknames *nk = NULL;
    if (c360_nicknames_parse(text, len, "fuzz", &nk, NULL) != C360_OK) {
        if (nk)
            abort();
        return;
    }
    /* Every canonical name of a good table is its own nickname: take the
     * first line's and look it up. */
    const char *colon = memchr(text, ':', len);
    char canon[C360_NORMALIZE_NAME_MAX + 1];
    if (colon && !memchr(text, '\n', (size_t)(colon - text)) &&
        !memchr(text, '#', (size_t)(colon - text)) &&
        c360_normalize_name(text, (size_t)(colon - text), canon, sizeof(canon), NULL) == C360_OK &&
        !c360_nicknames_equivalent(nk, canon, canon))
        abort();
    (void)c360_name_match("bob", "robert", 0.92, nk);
    c360_nicknames_free(nk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int which = data[0] % F_COUNT;
    uint8_t opt = data[1];
    size_t len = size - 2;
    char *text = malloc(len ? len : 1);
    if (!text)
        abort();
    memcpy(text, data + 2, len);
    if (which == F_JW)
        fuzz_jaro_winkler(text, len, opt);
    else if (which == F_NICKNAMES)
        fuzz_nicknames(text, len);
    else
        fuzz_normalizer(which, text, len, opt);
    free(text);
    return 0;
}
