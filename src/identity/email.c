/*
 * c360 identity — normalized email addresses and placeholder addresses.
 * Pure: no allocation, no I/O.
 */
#include "c360/normalize.h"

#include "identity_int.h"

#include <string.h>

/* RFC 5321 §4.5.3.1: local part and domain limits. */
#define EMAIL_LOCAL_MAX 64
#define EMAIL_DOMAIN_MAX 253

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Characters RFC 5322 atext does not allow unquoted; quoted local parts are
 * refused whole: customer records do not carry them. */
static bool local_char_ok(unsigned char c)
{
    return c > 0x20 && c != 0x7F && !strchr("\"(),:;<>@[\\]", c);
}

/* LDH labels (RFC 1035) or UTF-8 (internationalized domain names). */
static bool domain_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c >= 0x80;
}

enum c360_err c360_normalize_email(const char *text, size_t len, unsigned flags, char *out,
                                   size_t size, struct c360_diag *diag)
{
    if (len > C360_NORMALIZE_INPUT_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "email", "longer than %d bytes",
                              C360_NORMALIZE_INPUT_MAX);
    while (len > 0 && is_space(text[len - 1]))
        len--;
    while (len > 0 && is_space(*text))
        text++, len--;
    for (size_t pos = 0; pos < len;) {
        size_t at = pos;
        uint32_t cp;
        if (!c360_identity_utf8_next(text, len, &pos, &cp))
            return c360_diag_fail(diag, C360_ERR_INVALID, "email", "invalid UTF-8 at byte %zu", at);
    }
    const char *sign = memchr(text, '@', len);
    if (!sign)
        return c360_diag_fail(diag, C360_ERR_INVALID, "email", "no '@'");
    size_t local_len = (size_t)(sign - text);
    const char *domain_in = sign + 1;
    size_t domain_len = len - local_len - 1;
    if (local_len == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "email", "empty local part");
    if (local_len > EMAIL_LOCAL_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "email", "local part longer than %d bytes",
                              EMAIL_LOCAL_MAX);
    for (size_t i = 0; i < local_len; i++)
        if (!local_char_ok((unsigned char)text[i]))
            return c360_diag_fail(diag, C360_ERR_INVALID, "email",
                                  "character 0x%02x in the local part", (unsigned char)text[i]);

    /* The domain: lower-cased, the root's trailing dot dropped, labels checked. */
    char domain[EMAIL_DOMAIN_MAX + 2];
    if (domain_len > 0 && domain_in[domain_len - 1] == '.')
        domain_len--;
    if (domain_len == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "email", "empty domain");
    if (domain_len > EMAIL_DOMAIN_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "email", "domain longer than %d bytes",
                              EMAIL_DOMAIN_MAX);
    bool dot = false;
    for (size_t i = 0; i < domain_len; i++) {
        char c = lower(domain_in[i]);
        if (!domain_char_ok((unsigned char)c))
            return c360_diag_fail(diag, C360_ERR_INVALID, "email", "character 0x%02x in the domain",
                                  (unsigned char)c);
        if (c == '.') {
            if (i == 0 || domain[i - 1] == '.' || i + 1 == domain_len)
                return c360_diag_fail(diag, C360_ERR_INVALID, "email", "empty domain label");
            dot = true;
        }
        domain[i] = c;
    }
    domain[domain_len] = '\0';
    if (!dot)
        return c360_diag_fail(diag, C360_ERR_INVALID, "email", "domain '%s' has no dot", domain);

    /* Gmail ignores dots in the mailbox name and delivers name+tag to name;
     * googlemail.com is the same service under its former (UK, DE) name. */
    bool gmail = strcmp(domain, "gmail.com") == 0 || strcmp(domain, "googlemail.com") == 0;
    if (gmail) {
        memcpy(domain, "gmail.com", sizeof("gmail.com"));
        domain_len = sizeof("gmail.com") - 1;
    }
    char local[EMAIL_LOCAL_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; i < local_len; i++) {
        char c = text[i];
        if (c == '+' && (gmail || (flags & C360_NORMALIZE_EMAIL_DROP_TAGS)))
            break;
        if (c == '.' && gmail)
            continue;
        local[n++] = lower(c);
    }
    if (n == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "email", "empty mailbox name");
    if (n + 1 + domain_len > C360_NORMALIZE_EMAIL_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "email", "longer than %d bytes",
                              C360_NORMALIZE_EMAIL_MAX);
    if (n + 1 + domain_len >= size)
        return c360_diag_fail(diag, C360_ERR_LIMIT, "email", "no room for %zu bytes",
                              n + 1 + domain_len);
    memcpy(out, local, n);
    out[n] = '@';
    memcpy(out + n + 1, domain, domain_len + 1);
    return C360_OK;
}

/* Mailbox names of automated senders: never a customer, whatever the domain. */
static const char *const junk_local_prefixes[] = {
    "noreply",      "no-reply",     "no_reply",      "donotreply",
    "do-not-reply", "do_not_reply", "mailer-daemon",
};

/* Mailbox names people type when a form insists on an address. */
static const char *const junk_locals[] = {
    "test",     "testing", "tester",  "none",  "null",   "nil",         "nobody",   "noemail",
    "no-email", "nomail",  "unknown", "na",    "n/a",    "fake",        "asdf",     "qwerty",
    "invalid",  "sample",  "example", "dummy", "noname", "notprovided", "declined",
};

/* Domains reserved for documentation (RFC 2606 §3) and placeholders. */
static const char *const junk_domains[] = {
    "example.com", "example.org", "example.net",  "test.com",   "none.com",
    "noemail.com", "nomail.com",  "no-email.com", "domain.com", "fake.com",
    "invalid.com", "null.com",    "unknown.com",  "asdf.com",   "email.test",
};

/* Top-level domains that never deliver (RFC 2606 §2, RFC 6761, RFC 6762). */
static const char *const junk_tlds[] = {"test", "example", "invalid", "localhost", "local"};

static bool in_list(const char *const *list, size_t count, const char *s, size_t len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
            return true;
    return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

bool c360_normalize_is_junk_email(const char *email)
{
    const char *sign = strrchr(email, '@');
    if (!sign || sign == email)
        return true; /* not even an address */
    size_t local_len = (size_t)(sign - email);
    const char *domain = sign + 1;
    for (size_t i = 0; i < COUNT(junk_local_prefixes); i++)
        if (strncmp(email, junk_local_prefixes[i], strlen(junk_local_prefixes[i])) == 0)
            return true;
    if (in_list(junk_locals, COUNT(junk_locals), email, local_len) ||
        in_list(junk_domains, COUNT(junk_domains), domain, strlen(domain)))
        return true;
    const char *tld = strrchr(domain, '.');
    tld = tld ? tld + 1 : domain;
    if (in_list(junk_tlds, COUNT(junk_tlds), tld, strlen(tld)))
        return true;

    /* One character typed over and over: xxx@…, or a@a.com where the mailbox
     * and the domain (its top-level label aside) repeat the same letter. */
    bool same_local = true;
    for (size_t i = 1; i < local_len; i++)
        same_local = same_local && email[i] == email[0];
    if (same_local && local_len >= 3)
        return true;
    if (!same_local)
        return false;
    for (const char *p = domain; p < tld; p++)
        if (*p != email[0] && *p != '.' && *p != '-')
            return false;
    return tld > domain;
}
