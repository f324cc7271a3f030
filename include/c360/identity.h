/*
 * c360 identity — the identity graph (DESIGN.md §4): source records are
 * nodes, a match rule that holds between two of them is an edge with its
 * evidence, and unified profiles are the connected components. Kept up to
 * date one change at a time: an upsert or delete recomputes components only
 * inside the region it touches, keeps unified ids stable (the oldest record
 * of a profile anchors it; on a merge the oldest profile's id survives; on a
 * split the part holding the anchor keeps it) and reports what changed.
 *
 * The result is a function of the current set of records alone, never of
 * the order they came in (apart from which ids survive): edges come from
 * blocking keys, a key shared by more than postings_max records makes no
 * edges, and a component larger than cluster_max is held together by the
 * exact rules only. So a replay from scratch partitions records as the
 * incremental graph did.
 *
 * Pure: no I/O, no logging, no clock. Owns copies of what it is given.
 */
#ifndef C360_IDENTITY_H
#define C360_IDENTITY_H

#include "c360/err.h"
#include "c360/name.h"
#include "c360/record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C360_IDENTITY_RULES_MAX 8
#define C360_IDENTITY_VALUES_MAX 8 /* emails, phones, addresses, identifiers kept per record */

/* What a rule's blocking key is made of; its other parts are compared. */
enum c360_identity_kind {
    C360_IDENTITY_GLOBAL_PARTY_ID,  /* exact globalPartyId */
    C360_IDENTITY_PARTY_IDENTIFIER, /* exact type + value */
    C360_IDENTITY_EMAIL,            /* normalized email, then fuzzy first name */
    C360_IDENTITY_PHONE,            /* E.164 phone, then fuzzy first and last name */
    C360_IDENTITY_ADDRESS,          /* address + last name + birth date, then fuzzy first name */
};

struct c360_identity_rule {
    const char *name; /* e.g. "email-first-name"; borrowed for the graph's life */
    enum c360_identity_kind kind;
    double threshold; /* Jaro–Winkler for the fuzzy names of the rule */
    /* Email rule: records without a first name join the email's records
     * while those are one person (see graph.c). Off: they never join by
     * email, since a household's shared email makes it a guess. */
    bool attach_nameless;
};

struct c360_identity_config {
    struct c360_identity_rule rules[C360_IDENTITY_RULES_MAX];
    size_t n_rules;
    size_t postings_max; /* a blocking key shared by more records makes no edges */
    size_t cluster_max;  /* a larger component keeps its exact-rule edges only */
    size_t records_max;  /* records the graph holds at most */
    const struct c360_nicknames *nicknames; /* borrowed; may be NULL */
};

/* The identity-bearing fields of one source record, normalized (see
 * c360_identity_input_from_record). Strings are borrowed for the call. */
struct c360_identity_input {
    const char *key;                    /* "system:recordId" */
    const char *global_party_id;        /* or NULL */
    const char *first_name, *last_name; /* normalized, or NULL */
    int32_t birth_date;                 /* or C360_DATE_NONE */
    const char *emails[C360_IDENTITY_VALUES_MAX];
    const char *phones[C360_IDENTITY_VALUES_MAX];
    const char *addresses[C360_IDENTITY_VALUES_MAX];   /* normalized street|postal|country */
    const char *identifiers[C360_IDENTITY_VALUES_MAX]; /* "TYPE:value" */
    uint8_t n_emails, n_phones, n_addresses, n_identifiers;
};

/* What one change did to profiles, in the order it happened. */
enum c360_identity_event_kind {
    C360_IDENTITY_LINK,   /* a record now belongs to profile `into` */
    C360_IDENTITY_MERGE,  /* profiles `from` joined profile `into` */
    C360_IDENTITY_SPLIT,  /* profile `from` (the first id) split into `into` and the others */
    C360_IDENTITY_UNLINK, /* a deleted record left profile `from` */
};

struct c360_identity_event {
    enum c360_identity_event_kind kind;
    const char *record_key; /* LINK, UNLINK */
    uint64_t into;          /* LINK, MERGE, SPLIT (the part that kept the id) */
    const uint64_t *ids;    /* MERGE: the absorbed ids; SPLIT: the new parts' ids */
    size_t n_ids;
    uint64_t from;    /* SPLIT, UNLINK */
    const char *rule; /* LINK: the rule joining the record to its profile, or NULL */
};

/* Events of the last change; valid until the next call on the graph. */
struct c360_identity_changes {
    const struct c360_identity_event *events;
    size_t count;
};

struct c360_identity;

/* An empty graph; copies cfg (rule names stay borrowed). *out is new. */
enum c360_err c360_identity_new(const struct c360_identity_config *cfg,
                                struct c360_identity **out) C360_MUST_USE;
void c360_identity_destroy(struct c360_identity *g);

/* Adds or replaces the record in->key. */
enum c360_err c360_identity_upsert(struct c360_identity *g, const struct c360_identity_input *in,
                                   struct c360_identity_changes *changes) C360_MUST_USE;
/* Removes a record; an unknown key changes nothing. */
enum c360_err c360_identity_delete(struct c360_identity *g, const char *key,
                                   struct c360_identity_changes *changes) C360_MUST_USE;

/* The unified id of a record's profile; false for an unknown key. */
bool c360_identity_profile_of(const struct c360_identity *g, const char *key, uint64_t *id);
/* Records held. */
size_t c360_identity_count(const struct c360_identity *g);
/* Calls fn for every record with its profile's id, in no particular order. */
void c360_identity_each(const struct c360_identity *g,
                        void (*fn)(const char *key, uint64_t id, void *arg), void *arg);
/* One edge of a profile, for explanations: the two records, the rule and
 * the value they share (the blocking key, e.g. "j@x.org", or
 * "1 main st|94105|US|smith|5000" for the address rule). Borrowed. */
struct c360_identity_edge {
    const char *a, *b, *rule, *matched;
};

/*
 * Explains the profile of record `key`: on_record for each of its records,
 * then on_edge for each edge between them (once per pair and shared key).
 * The values are customer data: for the operator's `c360 explain`, never for
 * logs. False for an unknown key.
 */
bool c360_identity_explain(const struct c360_identity *g, const char *key,
                           void (*on_record)(const char *key, void *arg),
                           void (*on_edge)(const struct c360_identity_edge *e, void *arg),
                           void *arg);
/* One part of the rule that links a record: the canonical field, this
 * record's normalized value, and for fuzzy parts the other's value and the
 * similarity that passed (score < 0 for exact parts). */
struct c360_identity_evidence {
    const char *field, *value, *other_value;
    double score;
};

/* Why a record is in its profile: the first rule (configuration order) of
 * its edges to another record of the profile, that record, and the parts. */
struct c360_identity_link {
    const char *rule, *matched_with; /* NULL: the record is alone */
    struct c360_identity_evidence parts[4];
    size_t n_parts;
    char buf[1024]; /* holds values the parts point to */
};

/* Fills *out for record key; false for an unknown key. Values are customer
 * data: for the identity-links topic and explain, never for logs. */
bool c360_identity_link_of(const struct c360_identity *g, const char *key,
                           struct c360_identity_link *out);

/* A record of the profile with unified id `id` (borrowed), or NULL. */
const char *c360_identity_record_of_profile(const struct c360_identity *g, uint64_t id);
/* Calls on_record with each record key of profile `id`, in no particular
 * order; returns how many (0: no such profile). */
size_t c360_identity_profile_records(const struct c360_identity *g, uint64_t id,
                                     void (*on_record)(const char *key, void *arg), void *arg);

/* Blocking keys that make no edges because too many records share them. */
size_t c360_identity_capped_keys(const struct c360_identity *g);
/* Bytes the graph holds, for state-size reports. */
size_t c360_identity_bytes(const struct c360_identity *g);

/*
 * The normalized identity fields of rec into in, strings in buf (size bytes):
 * names, emails (junk dropped), phones in E.164 with default_cc (junk and
 * unparseable dropped), addresses (an address without a country is in
 * default_country, if given: one written with and one without a country
 * must still meet), party identifiers. Values that do not
 * normalize are left out: they cannot match anything.
 */
enum c360_err c360_identity_input_from_record(const struct c360_record *rec, const char *default_cc,
                                              const char *default_country, char *buf, size_t size,
                                              struct c360_identity_input *in) C360_MUST_USE;

/* --- Reconciliation: the golden attributes of a profile (src/identity/golden.c). */

enum c360_golden_attr {
    C360_GOLDEN_GLOBAL_PARTY_ID,
    C360_GOLDEN_FIRST_NAME,
    C360_GOLDEN_LAST_NAME,
    C360_GOLDEN_BIRTH_DATE,
    C360_GOLDEN_EMAIL,   /* each record's first (primary) email */
    C360_GOLDEN_PHONE,   /* each record's first phone */
    C360_GOLDEN_ADDRESS, /* each record's first address */
    C360_GOLDEN_FSC_ACCOUNT_ID,
    C360_GOLDEN_PREFERRED_CHANNEL,
    C360_GOLDEN_HOUSEHOLD_ID,
};
#define C360_GOLDEN_ATTRS 10
#define C360_GOLDEN_SOURCES_MAX 8

enum c360_golden_strategy {
    C360_GOLDEN_MOST_RECENT,     /* the value of the latest record (occurredAt) */
    C360_GOLDEN_SOURCE_PRIORITY, /* the value of the first source in the list that has one */
    C360_GOLDEN_MOST_FREQUENT,   /* the value most records hold */
};

struct c360_golden_rule {
    enum c360_golden_strategy strategy;
    const char *sources[C360_GOLDEN_SOURCES_MAX]; /* SOURCE_PRIORITY: systems, best first */
    size_t n_sources;
};

/* A profile's golden attributes; every pointer borrowed from the records
 * given (NULL, C360_DATE_NONE: no record has the attribute). Ties are broken
 * by the latest occurredAt, then by the smallest record key, so the result
 * does not depend on the order of the records. */
struct c360_golden {
    const char *global_party_id, *first_name, *last_name, *email, *phone, *fsc_account_id,
        *preferred_channel, *household_id;
    int32_t birth_date;
    const struct c360_address *address;
};

/* Reconciles individuals (UPSERT records of one profile) attribute by
 * attribute with rules[attr]. */
void c360_golden_reconcile(const struct c360_golden_rule rules[C360_GOLDEN_ATTRS],
                           const struct c360_record *const *recs, size_t n,
                           struct c360_golden *out);
/* The canonical name of an attribute ("firstName"…), for configuration. */
const char *c360_golden_attr_name(enum c360_golden_attr attr);

/* --- Rules as configuration (config/identity.json; src/identity/rules.c). */

/* The identity configuration: rules and guards, the default calling code for
 * phones, the nickname table and the blocklist of junk values. */
struct c360_identity_rules;

/*
 * Parses the JSON text of an identity configuration; where names it in
 * diagnostics. Nicknames are not loaded here (they are a file of their own):
 * nicknames may be NULL or a table the rules then own.
 * *out is new (c360_identity_rules_free).
 */
enum c360_err c360_identity_rules_parse(const char *text, size_t len, const char *where,
                                        struct c360_identity_rules **out,
                                        struct c360_diag *diag) C360_MUST_USE;
/* Reads path, and the nickname file it names (relative to path's folder). */
enum c360_err c360_identity_rules_load(const char *path, struct c360_identity_rules **out,
                                       struct c360_diag *diag) C360_MUST_USE;
void c360_identity_rules_free(struct c360_identity_rules *rules);

/* The graph configuration the rules describe (borrowed from rules). */
const struct c360_identity_config *
c360_identity_rules_config(const struct c360_identity_rules *rules);

/* The reconciliation rule of each golden attribute (borrowed from rules). */
const struct c360_golden_rule *c360_identity_rules_golden(const struct c360_identity_rules *rules);

/* c360_identity_input_from_record with the rules' calling code, leaving out
 * blocklisted values. */
enum c360_err c360_identity_rules_input(const struct c360_identity_rules *rules,
                                        const struct c360_record *rec, char *buf, size_t size,
                                        struct c360_identity_input *in) C360_MUST_USE;

#endif
