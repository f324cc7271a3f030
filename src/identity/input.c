/*
 * c360 identity — the identity-bearing fields of a canonical record,
 * normalized for the graph. A value that does not normalize, or that is a
 * known junk value, is left out: it must not join anyone.
 */
#include "c360/identity.h"
#include "c360/normalize.h"

#include <string.h>

struct out {
    char *p;
    size_t left;
};

/* Room for a value of at most size bytes in the caller's buffer, or NULL. */
static char *room(struct out *o, size_t size)
{
    return o->left >= size ? o->p : NULL;
}

/* Keeps the NUL-terminated string just written at o->p. */
static const char *keep(struct out *o)
{
    const char *s = o->p;
    size_t n = strlen(s) + 1;
    o->p += n;
    o->left -= n;
    return s;
}

/* parts[0..n) joined by sep, kept; NULL (nothing kept) when they do not
 * fit. A record's key is built for every record, so no printf. */
static const char *join(struct out *o, const char *const *parts, size_t n, char sep)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(parts[i]), gap = i > 0;
        if (at + gap + len + 1 > o->left) /* the NUL too */
            return NULL;
        if (gap)
            o->p[at++] = sep;
        memcpy(o->p + at, parts[i], len);
        at += len;
    }
    if (at + 1 > o->left)
        return NULL;
    o->p[at] = '\0';
    return keep(o);
}

static const char *name(struct out *o, const char *text)
{
    char *dst = room(o, C360_NORMALIZE_NAME_MAX);
    if (!text || !dst ||
        c360_normalize_name(text, strlen(text), dst, C360_NORMALIZE_NAME_MAX, NULL))
        return NULL;
    return keep(o);
}

static void add_email(struct out *o, struct c360_identity_input *in, const char *text)
{
    char *dst = room(o, C360_NORMALIZE_EMAIL_MAX + 1);
    if (!text || !dst || in->n_emails == C360_IDENTITY_VALUES_MAX ||
        c360_normalize_email(text, strlen(text), 0, dst, C360_NORMALIZE_EMAIL_MAX + 1, NULL) ||
        c360_normalize_is_junk_email(dst))
        return;
    in->emails[in->n_emails++] = keep(o);
}

static void add_phone(struct out *o, struct c360_identity_input *in, const char *text,
                      const char *default_cc)
{
    char *dst = room(o, C360_NORMALIZE_PHONE_SIZE);
    if (!text || !dst || in->n_phones == C360_IDENTITY_VALUES_MAX ||
        c360_normalize_phone(text, strlen(text), default_cc, dst, C360_NORMALIZE_PHONE_SIZE,
                             NULL) ||
        c360_normalize_is_junk_phone(dst))
        return;
    in->phones[in->n_phones++] = keep(o);
}

/* "street|POSTAL|CC": an address matches when all three parts agree. */
static void add_address(struct out *o, struct c360_identity_input *in, const struct c360_address *a,
                        const char *default_country)
{
    char street[256], postal[16], country[3] = "";
    if (!a->line1 || !a->postal_code || in->n_addresses == C360_IDENTITY_VALUES_MAX)
        return;
    const char *given = a->country && *a->country ? a->country : default_country;
    if (given && c360_normalize_country(given, strlen(given), country, sizeof(country), NULL))
        country[0] = '\0';
    if (c360_normalize_street(a->line1, strlen(a->line1), street, sizeof(street), NULL) ||
        c360_normalize_postal_code(a->postal_code, strlen(a->postal_code), country, postal,
                                   sizeof(postal), NULL))
        return;
    const char *parts[] = {street, postal, country};
    const char *joined = join(o, parts, 3, '|');
    if (joined)
        in->addresses[in->n_addresses++] = joined;
}

static void add_identifier(struct out *o, struct c360_identity_input *in,
                           const struct c360_party_identifier *id)
{
    if (!id->type || !id->value || !*id->value || in->n_identifiers == C360_IDENTITY_VALUES_MAX)
        return;
    const char *parts[] = {id->type, id->value};
    const char *joined = join(o, parts, 2, ':');
    if (joined)
        in->identifiers[in->n_identifiers++] = joined;
}

enum c360_err c360_identity_input_from_record(const struct c360_record *rec, const char *default_cc,
                                              const char *default_country, char *buf, size_t size,
                                              struct c360_identity_input *in)
{
    struct out o = {buf, size};
    memset(in, 0, sizeof(*in));
    in->birth_date = C360_DATE_NONE;
    const char *key[] = {rec->source_system ? rec->source_system : "",
                         rec->source_record_id ? rec->source_record_id : ""};
    if (!(in->key = join(&o, key, 2, ':')))
        return C360_ERR_LIMIT;
    if (rec->global_party_id && *rec->global_party_id &&
        !(in->global_party_id = join(&o, &rec->global_party_id, 1, 0)))
        return C360_ERR_LIMIT;
    switch (rec->entity) {
    case C360_ENTITY_INDIVIDUAL: {
        const struct c360_individual *p = &rec->as.individual;
        in->first_name = name(&o, p->first_name);
        in->last_name = name(&o, p->last_name);
        in->birth_date = p->birth_date;
        for (uint16_t i = 0; i < p->emails.count; i++)
            add_email(&o, in, p->emails.items[i]);
        for (uint16_t i = 0; i < p->phones.count; i++)
            add_phone(&o, in, p->phones.items[i], default_cc);
        for (uint16_t i = 0; i < p->n_addresses; i++)
            add_address(&o, in, &p->addresses[i], default_country);
        for (uint16_t i = 0; i < p->n_identifiers; i++)
            add_identifier(&o, in, &p->identifiers[i]);
        break;
    }
    case C360_ENTITY_WEB_ENGAGEMENT:
        add_email(&o, in, rec->as.web.email);
        break;
    default:
        break; /* other entities carry only globalPartyId */
    }
    return C360_OK;
}
