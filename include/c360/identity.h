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
 * The graph's state goes to a store item by item (persist.h): a record's
 * item holds everything the graph knows of it (fields, seq, blocking keys,
 * edges, profile id), a blocking key's item its records, and the counters
 * one more. A graph restored from its items behaves exactly as the graph
 * that persisted them: every output below (c360_identity_each excepted) is
 * in an order that the records' arrival, ids and keys decide, never memory
 * layout or the order of the graph's arrays.
 *
 * Pure: no I/O, no logging, no clock. Owns copies of what it is given.
 */
#ifndef C360_IDENTITY_H
#define C360_IDENTITY_H

#include "c360/err.h"
#include "c360/name.h"
#include "c360/persist.h"
#include "c360/record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C360_IDENTITY_RULES_MAX 8
#define C360_IDENTITY_VALUES_MAX 8 /* emails, phones, addresses, identifiers kept per record */

/* What a rule's blocking key is made of; its other parts are compared (the
 * email and phone rules by c360_name_match_person: swapped names match). */
enum c360_identity_kind {
    C360_IDENTITY_GLOBAL_PARTY_ID,  /* exact globalPartyId */
    C360_IDENTITY_PARTY_IDENTIFIER, /* exact type + value */
    C360_IDENTITY_EMAIL,            /* normalized email, then fuzzy first name */
    C360_IDENTITY_PHONE,            /* E.164 phone, then fuzzy first name, and last name
                                       when both records have one */
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

/*
 * What one change did to profiles, in this order: an UNLINK (a delete);
 * SPLITs, the oldest split profile first (a profile's age is its oldest
 * record's); MERGEs, one per resulting profile, in the order of the
 * resulting profiles' oldest records; LINKs, profile by profile in that
 * order, the records of each oldest first. A record's age is its arrival:
 * the first upsert of its key (an edit keeps it).
 */
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
    /* MERGE: the absorbed ids, the oldest profile first; SPLIT: the ids of
     * the other parts, the part with the oldest record first. */
    const uint64_t *ids;
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
 * oldest first, then on_edge for each edge between them (once per pair and
 * shared key): by a's age, then b's, then rule and key, a being the older
 * record of the two.
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
 * its edges to another record of the profile, that record (the oldest of
 * those the rule joins, then the smallest key), and the parts. */
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

/* The oldest record of the profile with unified id `id` (borrowed), or NULL. */
const char *c360_identity_record_of_profile(const struct c360_identity *g, uint64_t id);
/* Calls on_record with each record key of profile `id`, oldest first;
 * returns how many (0: no such profile). */
size_t c360_identity_profile_records(const struct c360_identity *g, uint64_t id,
                                     void (*on_record)(const char *key, void *arg), void *arg);

/* Blocking keys that make no edges because too many records share them. */
size_t c360_identity_capped_keys(const struct c360_identity *g);
/* Bytes the graph holds, for state-size reports. */
size_t c360_identity_bytes(const struct c360_identity *g);

/*
 * --- Persistence (DESIGN.md §6; src/identity/persist.c).
 *
 * Items: C360_DB_IDENTITY, one per record (key: the record key), holding its
 * seq, identity fields, blocking keys, edges (the other record's key and the
 * blocking key they share) and profile id; C360_DB_BLOCKING, one per
 * blocking key (key: "rule|value"), holding its records' keys and whether
 * it is capped; C360_DB_META key "identity": the counters (next seq, next
 * id) and what the graph must agree with (item counts, configuration).
 *
 * Change tracking starts at the first c360_identity_persisted or at
 * c360_identity_restore_end; until then a persist hands every item (a graph
 * whose owner never persists pays for no tracking). Between two persisted,
 * the graph keeps the keys of the items it deleted, at most records_max
 * records (and as many blocking keys per record as it can hold); past that,
 * or when memory ran out while tracking, every persist fails (C360_ERR_LIMIT,
 * C360_ERR_NOMEM): the store can no longer follow the graph, and the owner
 * restarts from the store.
 */

/* Hands every item changed since the last c360_identity_persisted to sink:
 * C360_DB_IDENTITY per record (key: the record key; value NULL when deleted),
 * C360_DB_BLOCKING per blocking key whose posting list changed, C360_DB_META
 * key "identity" (counters). Changes nothing: may be called again (e.g. after
 * a failed transaction). Deletes come first, and may name an item the store
 * never got (created and deleted between two persists). Errors: the sink's,
 * C360_ERR_LIMIT (see above, or an item larger than 256 MiB), C360_ERR_NOMEM. */
enum c360_err c360_identity_persist(const struct c360_identity *g,
                                    const struct c360_persist_sink *sink) C360_MUST_USE;
/* The items handed to the last persist are stored: forget them. */
void c360_identity_persisted(struct c360_identity *g);
/* On a graph just created (c360_identity_new) with the same config: one stored
 * item, of the three databases above, in any order (META items of other
 * modules are ignored); key and val are borrowed for the call. C360_ERR_INVALID
 * + diag for a corrupt value; a graph whose restore failed can only be
 * destroyed. */
enum c360_err c360_identity_restore(struct c360_identity *g, enum c360_persist_db db,
                                    const void *key, size_t key_len, const void *val,
                                    size_t val_len, struct c360_diag *diag) C360_MUST_USE;
/* After the last restore: rebuilds what the graph derives (profiles, indexes)
 * and checks the items agree (an edge to a missing record is C360_ERR_INVALID,
 * as are items written under another configuration: rules, thresholds, caps
 * or the nickname table's size). No items at all: an empty graph. */
enum c360_err c360_identity_restore_end(struct c360_identity *g,
                                        struct c360_diag *diag) C360_MUST_USE;

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
