/*
 * c360 identity — phone numbers to E.164 (ITU-T E.164) and placeholder
 * numbers. Not libphonenumber: a documented subset that knows calling codes
 * and trunk prefixes, not numbering plans, so a well-formed but unassigned
 * number passes. Pure: no allocation, no I/O.
 */
#include "c360/normalize.h"

#include <string.h>

#define PHONE_DIGITS_MAX 15 /* E.164 §6.1 */
#define PHONE_DIGITS_MIN 8  /* shorter numbers are local or service numbers */
#define PHONE_INPUT_MAX 64

/*
 * Country calling codes (ITU-T E.164 assigned list) and whether a national
 * number is dialled with the trunk prefix 0, which is not part of the
 * number: "020 7946 0958" in GB is +44 20 7946 0958. Where the 0 belongs to
 * the number (Italy) or there is no trunk prefix (Spain, Denmark, Poland
 * since 2002, Mexico since 2019), national numbers keep every digit.
 * NANP ("1") has its own rule. Calling codes are prefix-free, so the first
 * entry that prefixes a number is its code.
 */
static const struct {
    const char *cc;
    bool trunk0;
} calling_codes[] = {
    {"1", false},   {"20", true},  {"27", true},   {"30", false},  {"31", true},   {"32", true},
    {"33", true},   {"34", false}, {"39", false},  {"40", true},   {"41", true},   {"43", true},
    {"44", true},   {"45", false}, {"46", true},   {"47", false},  {"48", false},  {"49", true},
    {"52", false},  {"61", true},  {"62", true},   {"63", true},   {"64", true},   {"65", false},
    {"66", true},   {"81", true},  {"82", true},   {"84", true},   {"86", true},   {"90", true},
    {"91", true},   {"92", true},  {"234", true},  {"351", false}, {"352", false}, {"353", true},
    {"354", false}, {"358", true}, {"372", false}, {"380", true},  {"420", false}, {"966", true},
    {"971", true},  {"972", true},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The entry whose code prefixes digits, or -1. */
static int cc_of(const char *digits, size_t n)
{
    for (size_t i = 0; i < COUNT(calling_codes); i++) {
        size_t len = strlen(calling_codes[i].cc);
        if (len <= n && memcmp(digits, calling_codes[i].cc, len) == 0)
            return (int)i;
    }
    return -1;
}

/* NANP numbering plan: area code and exchange both start with 2-9. */
static bool nanp_ok(const char *ten)
{
    return ten[0] >= '2' && ten[3] >= '2';
}

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Checks an extension starting at text[i]: a marker ("x", "ext", "extn",
 * "extension", "#", ";ext=", ",") then digits. */
static bool extension_ok(const char *text, size_t len, size_t i)
{
    char word[16];
    size_t w = 0;
    if (text[i] == '#' || text[i] == ',') {
        i++;
    } else {
        if (text[i] == ';') /* RFC 3966 tel URI parameter */
            i++;
        while (i < len && w < sizeof(word) - 1 && lower(text[i]) >= 'a' && lower(text[i]) <= 'z')
            word[w++] = lower(text[i++]);
        word[w] = '\0';
        if (strcmp(word, "x") && strcmp(word, "ext") && strcmp(word, "extn") &&
            strcmp(word, "extension"))
            return false;
    }
    while (i < len && (text[i] == '.' || text[i] == ':' || text[i] == '=' || text[i] == ' '))
        i++;
    size_t digits = 0;
    for (; i < len; i++) {
        if (text[i] >= '0' && text[i] <= '9')
            digits++;
        else if (text[i] != ' ' && text[i] != '-')
            return false;
    }
    return digits > 0;
}

enum c360_err c360_normalize_phone(const char *text, size_t len, const char *default_cc, char *out,
                                   size_t size, struct c360_diag *diag)
{
    if (len > PHONE_INPUT_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "phone", "longer than %d bytes",
                              PHONE_INPUT_MAX);
    int def = -1;
    if (default_cc && default_cc[0]) {
        def = cc_of(default_cc, strlen(default_cc));
        if (def < 0 || strcmp(calling_codes[def].cc, default_cc) != 0)
            return c360_diag_fail(diag, C360_ERR_UNSUPPORTED, "phone",
                                  "unknown default calling code '%.8s'", default_cc);
    }

    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t'))
        i++;
    if (len - i >= 4 && lower(text[i]) == 't' && lower(text[i + 1]) == 'e' &&
        lower(text[i + 2]) == 'l' && text[i + 3] == ':')
        i += 4; /* RFC 3966 tel URI */
    bool intl = i < len && text[i] == '+';
    if (intl)
        i++;
    /* One spare place tells "too many digits" apart from a full number. */
    char d[PHONE_DIGITS_MAX + 4];
    size_t n = 0;
    for (; i < len; i++) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            if (n == sizeof(d))
                return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "too many digits");
            d[n++] = c;
        } else if (is_sep(c)) {
            continue;
        } else if (n > 0 && strchr("xXeE#;,", c)) {
            if (!extension_ok(text, len, i))
                return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "bad extension at %zu", i);
            break;
        } else {
            return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "character 0x%02x at %zu",
                                  (unsigned char)c, i);
        }
    }
    if (n == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "no digits");

    const char *p = d; /* the digits that follow the '+' in the result */
    if (!intl && def >= 0 && strcmp(calling_codes[def].cc, "1") == 0 && n > 3 &&
        memcmp(p, "011", 3) == 0) {
        intl = true; /* NANP's international prefix */
        p += 3, n -= 3;
    } else if (!intl && n > 2 && memcmp(p, "00", 2) == 0) {
        intl = true; /* ITU-T E.164 recommended international prefix */
        p += 2, n -= 2;
    }

    char buf[PHONE_DIGITS_MAX + 8];
    size_t b = 0;
    if (intl) {
        if (p[0] == '0')
            return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "no calling code starts with 0");
        int cc = cc_of(p, n);
        size_t cclen = cc >= 0 ? strlen(calling_codes[cc].cc) : 0;
        if (cc >= 0 && cclen == 1 && p[0] == '1') {
            if (n != 11 || !nanp_ok(p + 1))
                return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "not a NANP number");
        } else if (cc >= 0 && calling_codes[cc].trunk0 && cclen < n && p[cclen] == '0') {
            /* "+44 (0)20 …": the trunk prefix written after the calling code. */
            if (cclen + 1 < n && p[cclen + 1] == '0')
                return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "00 after +%s",
                                      calling_codes[cc].cc);
            memcpy(buf, p, cclen);
            b = cclen;
            p += cclen + 1, n -= cclen + 1;
        }
    } else {
        if (def < 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, "phone",
                                  "national number and no default calling code");
        const char *cc = calling_codes[def].cc;
        if (strcmp(cc, "1") == 0) {
            if (n == 11 && p[0] == '1')
                p++, n--;
            if (n != 10 || !nanp_ok(p))
                return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "not a NANP number");
        } else if (calling_codes[def].trunk0 && p[0] == '0') {
            p++, n--; /* never 0 again: "00…" was international */
        }
        b = strlen(cc);
        memcpy(buf, cc, b);
    }
    if (b + n < PHONE_DIGITS_MIN || b + n > PHONE_DIGITS_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "phone", "%zu digits, not %d to %d", b + n,
                              PHONE_DIGITS_MIN, PHONE_DIGITS_MAX);
    memcpy(buf + b, p, n);
    b += n;
    if (b + 2 > size)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "phone", "no room for %zu bytes", b + 2);
    out[0] = '+';
    memcpy(out + 1, buf, b);
    out[b + 1] = '\0';
    return C360_OK;
}

/*
 * Numbers reserved for fiction, which forms get filled with: NANP 555-0100
 * to 555-0199 in every area code (checked separately), Ofcom's drama ranges
 * (020 7946 0xxx, 0113-0118/0121/0131/0141/0151/0161 496 0xxx, 01632 960xxx,
 * 07700 900xxx), as E.164 prefixes.
 */
static const char *const fiction_prefixes[] = {
    "442079460", "441134960", "441144960", "441154960", "441164960", "441174960", "441184960",
    "441214960", "441314960", "441414960", "441514960", "441614960", "441632960", "447700900",
};

/* True when s[0..n) is all one digit or a run up or down (1234567890). */
static bool placeholder_digits(const char *s, size_t n)
{
    static const char up[] = "01234567890123456789";
    static const char down[] = "98765432109876543210";
    bool same = true;
    for (size_t i = 1; i < n; i++)
        same = same && s[i] == s[0];
    if (same)
        return true;
    for (size_t k = 0; k < 10 && k + n < sizeof(up); k++)
        if (memcmp(up + k, s, n) == 0 || memcmp(down + k, s, n) == 0)
            return true;
    return false;
}

bool c360_normalize_is_junk_phone(const char *e164)
{
    if (e164[0] != '+')
        return true; /* not normalized: nothing to match on */
    const char *d = e164 + 1;
    size_t n = strlen(d);
    if (n > PHONE_DIGITS_MAX)
        return true;
    if (n == 11 && d[0] == '1' && memcmp(d + 4, "55501", 5) == 0)
        return true;
    for (size_t i = 0; i < COUNT(fiction_prefixes); i++)
        if (strncmp(d, fiction_prefixes[i], strlen(fiction_prefixes[i])) == 0)
            return true;
    /* The national number typed as one repeated digit or a run. An unknown
     * calling code may have 1 to 3 digits: each is tried. A run needs 7
     * digits: shorter ones hide in real numbers. */
    int cc = cc_of(d, n);
    size_t from = cc >= 0 ? strlen(calling_codes[cc].cc) : 1;
    size_t to = cc >= 0 ? from : 3;
    for (size_t k = from; k <= to && k < n; k++)
        if (n - k >= 7 && placeholder_digits(d + k, n - k))
            return true;
    return false;
}
