/*
 * c360 identity — normalized names, street lines, postal codes and countries.
 * Pure: no allocation, no I/O.
 */
#include "c360/normalize.h"

#include "identity_int.h"

#include <string.h>

enum c360_err c360_normalize_name(const char *text, size_t len, char *out, size_t size,
                                  struct c360_diag *diag)
{
    size_t n;
    /* The cap keeps every later comparison (Jaro–Winkler) on a fixed stack. */
    size_t cap = size < C360_NORMALIZE_NAME_MAX + 1 ? size : C360_NORMALIZE_NAME_MAX + 1;
    enum c360_err err = c360_identity_fold(text, len, out, cap, &n, "name", diag);
    if (err != C360_OK)
        return err;
    if (n == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "name", "no letters");
    return C360_OK;
}

/* USPS Publication 28: street suffixes (appendix C1), unit designators (C2)
 * and directionals (B). Every abbreviation maps to itself, which keeps the
 * pass idempotent; "saint" shares "st" with "street" as both are written so. */
static const struct {
    const char *word;
    const char *abbr;
} street_words[] = {
    {"alley", "aly"},       {"apartment", "apt"},   {"av", "ave"},        {"aven", "ave"},
    {"avenue", "ave"},      {"avn", "ave"},         {"basement", "bsmt"}, {"boul", "blvd"},
    {"boulevard", "blvd"},  {"boulv", "blvd"},      {"building", "bldg"}, {"center", "ctr"},
    {"centre", "ctr"},      {"circle", "cir"},      {"court", "ct"},      {"crescent", "cres"},
    {"department", "dept"}, {"drive", "dr"},        {"driv", "dr"},       {"drv", "dr"},
    {"east", "e"},          {"expressway", "expy"}, {"floor", "fl"},      {"fort", "ft"},
    {"freeway", "fwy"},     {"heights", "hts"},     {"highway", "hwy"},   {"hiway", "hwy"},
    {"junction", "jct"},    {"lane", "ln"},         {"mount", "mt"},      {"mountain", "mtn"},
    {"north", "n"},         {"northeast", "ne"},    {"northwest", "nw"},  {"office", "ofc"},
    {"parkway", "pkwy"},    {"penthouse", "ph"},    {"pky", "pkwy"},      {"place", "pl"},
    {"plaza", "plz"},       {"pobox", "po box"},    {"point", "pt"},      {"ridge", "rdg"},
    {"road", "rd"},         {"room", "rm"},         {"route", "rte"},     {"saint", "st"},
    {"south", "s"},         {"southeast", "se"},    {"southwest", "sw"},  {"square", "sq"},
    {"station", "sta"},     {"street", "st"},       {"suite", "ste"},     {"terrace", "ter"},
    {"trail", "trl"},       {"turnpike", "tpke"},   {"west", "w"},
};

static const char *street_abbr(const char *word, size_t len)
{
    /* The first letter before strlen: this runs for each word of each
     * address, and most words share it with no entry. */
    for (size_t i = 0; len && i < sizeof(street_words) / sizeof(street_words[0]); i++)
        if (street_words[i].word[0] == word[0] && strlen(street_words[i].word) == len &&
            memcmp(street_words[i].word, word, len) == 0)
            return street_words[i].abbr;
    return NULL;
}

enum c360_err c360_normalize_street(const char *text, size_t len, char *out, size_t size,
                                    struct c360_diag *diag)
{
    char folded[C360_NORMALIZE_INPUT_MAX * 2 + 1]; /* folding at most doubles (ß→ss) */
    size_t n;
    enum c360_err err = c360_identity_fold(text, len, folded, sizeof(folded), &n, "street", diag);
    if (err != C360_OK)
        return err;
    if (n == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "street", "no letters or digits");
    /* Abbreviations are never longer than their words, so the result fits
     * wherever the folded text would; size is still checked per word. */
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t end = i;
        while (end < n && folded[end] != ' ')
            end++;
        const char *word = folded + i;
        size_t wlen = end - i;
        const char *abbr = street_abbr(word, wlen);
        if (abbr) {
            word = abbr;
            wlen = strlen(abbr);
        }
        if (o + (o > 0) + wlen >= size)
            return c360_diag_fail(diag, C360_ERR_LIMIT, "street", "longer than %zu bytes",
                                  size ? size - 1 : 0);
        if (o > 0)
            out[o++] = ' ';
        memcpy(out + o, word, wlen);
        o += wlen;
        i = end < n ? end + 1 : end;
    }
    out[o] = '\0';
    return C360_OK;
}

/* No country's postal code is longer once spaces and hyphens are gone. */
#define POSTAL_MAX 10

static bool is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

enum c360_err c360_normalize_postal_code(const char *text, size_t len, const char *country,
                                         char *out, size_t size, struct c360_diag *diag)
{
    if (len > C360_NORMALIZE_INPUT_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "postal code", "longer than %d bytes",
                              C360_NORMALIZE_INPUT_MAX);
    char code[POSTAL_MAX + 2]; /* room for a leading zero put back */
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == ' ' || c == '-' || c == '\t')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return c360_diag_fail(diag, C360_ERR_INVALID, "postal code", "character 0x%02x at %zu",
                                  (unsigned char)text[i], i);
        if (n == POSTAL_MAX)
            return c360_diag_fail(diag, C360_ERR_INVALID, "postal code",
                                  "more than %d letters and digits", POSTAL_MAX);
        code[n++] = c;
    }
    if (n == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "postal code", "empty");
    bool us = country && (country[0] == 'U' || country[0] == 'u') &&
              (country[1] == 'S' || country[1] == 's') && country[2] == '\0';
    if (us) {
        /* Spreadsheets drop the leading zero of New England ZIPs (02110 → 2110). */
        if (!is_digits(code, n) || !(n == 4 || n == 5 || n == 8 || n == 9))
            return c360_diag_fail(diag, C360_ERR_INVALID, "postal code",
                                  "'%.*s' is not a US ZIP code", (int)n, code);
        if (n == 4 || n == 8) {
            memmove(code + 1, code, n++);
            code[0] = '0';
        }
        n = 5; /* ZIP+4 names a delivery segment; the ZIP is what records agree on */
    } else if (!(country && country[0]) && n == 9 && is_digits(code, n)) {
        /* Unknown country: only the written ZIP+4 form (ddddd-dddd) is cut. */
        size_t i = 0;
        while (i < len && (text[i] == ' ' || text[i] == '\t'))
            i++;
        if (len - i >= 10 && text[i + 5] == '-' && is_digits(text + i, 5) &&
            is_digits(text + i + 6, 4))
            n = 5;
    }
    if (n >= size)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "postal code", "no room for %zu bytes", n);
    memcpy(out, code, n);
    out[n] = '\0';
    return C360_OK;
}

/* Folded names (as c360_normalize_name writes them) and alpha-3 codes of the
 * countries most customer records come from. */
static const struct {
    const char *name;
    const char *code;
} countries[] = {
    {"united states", "US"},
    {"united states of america", "US"},
    {"usa", "US"},
    {"america", "US"},
    {"united kingdom", "GB"},
    {"united kingdom of great britain and northern ireland", "GB"},
    {"great britain", "GB"},
    {"britain", "GB"},
    {"england", "GB"},
    {"scotland", "GB"},
    {"wales", "GB"},
    {"northern ireland", "GB"},
    {"gbr", "GB"},
    {"germany", "DE"},
    {"deutschland", "DE"},
    {"deu", "DE"},
    {"france", "FR"},
    {"fra", "FR"},
    {"canada", "CA"},
    {"can", "CA"},
    {"mexico", "MX"},
    {"mex", "MX"},
    {"spain", "ES"},
    {"espana", "ES"},
    {"esp", "ES"},
    {"italy", "IT"},
    {"italia", "IT"},
    {"ita", "IT"},
    {"netherlands", "NL"},
    {"the netherlands", "NL"},
    {"nederland", "NL"},
    {"holland", "NL"},
    {"nld", "NL"},
    {"ireland", "IE"},
    {"republic of ireland", "IE"},
    {"eire", "IE"},
    {"irl", "IE"},
    {"australia", "AU"},
    {"aus", "AU"},
    {"new zealand", "NZ"},
    {"nzl", "NZ"},
    {"switzerland", "CH"},
    {"schweiz", "CH"},
    {"suisse", "CH"},
    {"che", "CH"},
    {"austria", "AT"},
    {"osterreich", "AT"},
    {"aut", "AT"},
    {"belgium", "BE"},
    {"belgique", "BE"},
    {"belgie", "BE"},
    {"bel", "BE"},
    {"portugal", "PT"},
    {"prt", "PT"},
    {"sweden", "SE"},
    {"sverige", "SE"},
    {"swe", "SE"},
    {"denmark", "DK"},
    {"danmark", "DK"},
    {"dnk", "DK"},
    {"norway", "NO"},
    {"norge", "NO"},
    {"nor", "NO"},
    {"poland", "PL"},
    {"polska", "PL"},
    {"pol", "PL"},
    {"brazil", "BR"},
    {"brasil", "BR"},
    {"bra", "BR"},
    {"japan", "JP"},
    {"jpn", "JP"},
    {"india", "IN"},
    {"ind", "IN"},
    {"china", "CN"},
    {"chn", "CN"},
};

enum c360_err c360_normalize_country(const char *text, size_t len, char *out, size_t size,
                                     struct c360_diag *diag)
{
    char folded[C360_NORMALIZE_INPUT_MAX * 2 + 1];
    size_t n;
    enum c360_err err = c360_identity_fold(text, len, folded, sizeof(folded), &n, "country", diag);
    if (err != C360_OK)
        return err;
    const char *code = NULL;
    if (n == 2 && folded[0] >= 'a' && folded[0] <= 'z' && folded[1] >= 'a' && folded[1] <= 'z') {
        /* "UK" is exceptionally reserved by ISO 3166 for the United Kingdom,
         * whose alpha-2 code is GB; every other pair is taken as a code. */
        code = strcmp(folded, "uk") == 0 ? "GB" : folded;
    } else {
        for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]) && !code; i++)
            if (strcmp(countries[i].name, folded) == 0)
                code = countries[i].code;
    }
    if (!code)
        return c360_diag_fail(diag, C360_ERR_NOT_FOUND, "country", "unknown country '%.60s'",
                              folded);
    if (size < 3)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "country", "no room for a 2-letter code");
    out[0] = (char)(code[0] >= 'a' ? code[0] - 'a' + 'A' : code[0]);
    out[1] = (char)(code[1] >= 'a' ? code[1] - 'a' + 'A' : code[1]);
    out[2] = '\0';
    return C360_OK;
}
