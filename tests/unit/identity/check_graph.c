/*
 * Suite identity: the identity graph (src/identity/graph.c) — merges,
 * splits by edit and by delete, chains, guards, stable ids, and a property
 * test: after random sequences of upserts and deletes the incremental graph
 * partitions records exactly as an independent from-scratch resolution of
 * the final record set (written here, pair by pair) does.
 */
#include "../test_util.h"
#include "c360/identity.h"

#include "check_identity.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Building records. */

struct person {
    const char *key, *gp, *first, *last;
    int32_t birth;
    const char *email, *phone, *address, *identifier;
};

static struct c360_identity_input input_of(const struct person *p)
{
    struct c360_identity_input in = {
        .key = p->key,
        .global_party_id = p->gp,
        .first_name = p->first,
        .last_name = p->last,
        .birth_date = p->birth ? p->birth : C360_DATE_NONE,
    };
    if (p->email)
        in.emails[in.n_emails++] = p->email;
    if (p->phone)
        in.phones[in.n_phones++] = p->phone;
    if (p->address)
        in.addresses[in.n_addresses++] = p->address;
    if (p->identifier)
        in.identifiers[in.n_identifiers++] = p->identifier;
    return in;
}

static struct c360_identity_config config(size_t postings_max, size_t cluster_max)
{
    struct c360_identity_config cfg = {
        .rules =
            {
                {"global-party-id", C360_IDENTITY_GLOBAL_PARTY_ID, 0},
                {"party-identifier", C360_IDENTITY_PARTY_IDENTIFIER, 0},
                {"email-first-name", C360_IDENTITY_EMAIL, 0.92, .attach_nameless = true},
                {"phone-name", C360_IDENTITY_PHONE, 0.92},
                {"address-name-birth", C360_IDENTITY_ADDRESS, 0.96},
            },
        .n_rules = 5,
        .postings_max = postings_max,
        .cluster_max = cluster_max,
        .records_max = 100000,
    };
    return cfg;
}

static struct c360_identity *graph(size_t postings_max, size_t cluster_max)
{
    struct c360_identity *g;
    struct c360_identity_config cfg = config(postings_max, cluster_max);
    ck_assert_int_eq(c360_identity_new(&cfg, &g), C360_OK);
    return g;
}

static struct c360_identity_changes last;

static void upsert(struct c360_identity *g, struct person p)
{
    struct c360_identity_input in = input_of(&p);
    ck_assert_int_eq(c360_identity_upsert(g, &in, &last), C360_OK);
}

static void delete (struct c360_identity *g, const char *key)
{
    ck_assert_int_eq(c360_identity_delete(g, key, &last), C360_OK);
}

static uint64_t id_of(struct c360_identity *g, const char *key)
{
    uint64_t id;
    ck_assert_msg(c360_identity_profile_of(g, key, &id), "%s unknown", key);
    return id;
}

/* The event of the last change of this kind (and record, for links), or NULL. */
static const struct c360_identity_event *event(enum c360_identity_event_kind kind, const char *key)
{
    for (size_t i = 0; i < last.count; i++) {
        const struct c360_identity_event *ev = &last.events[i];
        if (ev->kind == kind && (!key || (ev->record_key && strcmp(ev->record_key, key) == 0)))
            return ev;
    }
    return NULL;
}

/* --- Behaviour. */

START_TEST(test_c360_identity_upsert_links_by_global_party_id)
{
    struct c360_identity *g = graph(50, 100);
    upsert(g, (struct person){.key = "fsc:1", .gp = "GP-1", .first = "jane", .last = "doe"});
    ck_assert_ptr_nonnull(event(C360_IDENTITY_LINK, "fsc:1"));
    ck_assert_ptr_null(event(C360_IDENTITY_LINK, "fsc:1")->rule); /* alone */
    upsert(g, (struct person){.key = "edw:9", .gp = "GP-1"});
    const struct c360_identity_event *ev = event(C360_IDENTITY_LINK, "edw:9");
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(ev->rule, "global-party-id");
    ck_assert_uint_eq(ev->into, id_of(g, "fsc:1"));
    ck_assert_uint_eq(id_of(g, "edw:9"), id_of(g, "fsc:1"));
    ck_assert_ptr_null(event(C360_IDENTITY_MERGE, NULL)); /* a new record is a link */
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_upsert_needs_the_fuzzy_name_too)
{
    struct c360_identity *g = graph(50, 100);
    upsert(g, (struct person){.key = "a:1", .first = "john", .email = "j@x.org"});
    upsert(g, (struct person){.key = "a:2", .first = "jon", .email = "j@x.org"});
    upsert(g, (struct person){.key = "a:3", .first = "mary", .email = "j@x.org"}); /* household */
    ck_assert_uint_eq(id_of(g, "a:1"), id_of(g, "a:2"));
    ck_assert_uint_ne(id_of(g, "a:1"), id_of(g, "a:3"));
    c360_identity_destroy(g);
}
END_TEST

/* A source that swapped first and last names still matches, when both names
 * cross; the phone rule wants last names to agree only when both have one. */
START_TEST(test_c360_identity_upsert_matches_swapped_and_partial_names)
{
    struct c360_identity *g = graph(50, 100);
    upsert(g, (struct person){.key = "e:1", .first = "ana", .last = "ruiz", .email = "a@x.org"});
    /* Half a swap is no match: "ruiz" is not "ana", and there is no last name to cross. */
    upsert(g, (struct person){.key = "e:2", .first = "ruiz", .email = "a@x.org"});
    ck_assert_uint_ne(id_of(g, "e:2"), id_of(g, "e:1"));
    upsert(g, (struct person){.key = "e:3", .first = "ruiz", .last = "ana", .email = "a@x.org"});
    ck_assert_uint_eq(id_of(g, "e:3"), id_of(g, "e:1"));
    ck_assert_uint_eq(id_of(g, "e:2"), id_of(g, "e:1")); /* "ruiz" meets "ruiz" */
    upsert(g,
           (struct person){.key = "p:1", .first = "lars", .last = "berg", .phone = "+4791234567"});
    upsert(g,
           (struct person){.key = "p:2", .first = "berg", .last = "lars", .phone = "+4791234567"});
    ck_assert_uint_eq(id_of(g, "p:1"), id_of(g, "p:2"));
    upsert(g, (struct person){.key = "p:3", .first = "lars", .phone = "+4791234567"});
    ck_assert_uint_eq(id_of(g, "p:3"), id_of(g, "p:1"));
    /* Two last names that disagree still keep two people apart. */
    upsert(g,
           (struct person){.key = "q:1", .first = "ida", .last = "holm", .phone = "+4791234568"});
    upsert(g,
           (struct person){.key = "q:2", .first = "ida", .last = "strand", .phone = "+4791234568"});
    ck_assert_uint_ne(id_of(g, "q:1"), id_of(g, "q:2"));
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_upsert_never_merges_two_party_ids_by_a_fuzzy_rule)
{
    struct c360_identity *g = graph(50, 100);
    upsert(g, (struct person){.key = "a:1", .gp = "GP-1", .first = "sam", .email = "s@x.org"});
    upsert(g, (struct person){.key = "a:2", .gp = "GP-2", .first = "sam", .email = "s@x.org"});
    ck_assert_uint_ne(id_of(g, "a:1"), id_of(g, "a:2"));
    /* Different birth dates block the name rules too. */
    upsert(
        g,
        (struct person){
            .key = "b:1", .first = "ann", .last = "lee", .birth = 5000, .phone = "+14155550111"});
    upsert(
        g,
        (struct person){
            .key = "b:2", .first = "ann", .last = "lee", .birth = 5001, .phone = "+14155550111"});
    ck_assert_uint_ne(id_of(g, "b:1"), id_of(g, "b:2"));
    /* An exact party identifier still joins two party ids. */
    upsert(g, (struct person){.key = "c:1", .gp = "GP-7", .identifier = "SSN:1"});
    upsert(g, (struct person){.key = "c:2", .gp = "GP-8", .identifier = "SSN:1"});
    ck_assert_uint_eq(id_of(g, "c:1"), id_of(g, "c:2"));
    c360_identity_destroy(g);
}
END_TEST

/* A record without a first name joins by email only while the email's named
 * records are one person, and only when the rule asks for it. */
START_TEST(test_c360_identity_upsert_attaches_nameless_records_to_one_person_only)
{
    struct c360_identity *g = graph(50, 100);
    upsert(g, (struct person){.key = "fsc:1", .first = "ana", .email = "home@x.org"});
    upsert(g, (struct person){.key = "web:1", .email = "home@x.org"});
    ck_assert_uint_eq(id_of(g, "web:1"), id_of(g, "fsc:1"));
    ck_assert_str_eq(event(C360_IDENTITY_LINK, "web:1")->rule, "email-first-name");
    /* The spouse arrives with the same email: the web session is a guess now. */
    upsert(g, (struct person){.key = "fsc:2", .first = "ben", .email = "home@x.org"});
    ck_assert_uint_ne(id_of(g, "web:1"), id_of(g, "fsc:1"));
    ck_assert_uint_ne(id_of(g, "web:1"), id_of(g, "fsc:2"));
    ck_assert_uint_ne(id_of(g, "fsc:1"), id_of(g, "fsc:2"));
    ck_assert_ptr_nonnull(event(C360_IDENTITY_SPLIT, NULL));
    delete (g, "fsc:2"); /* and back */
    ck_assert_uint_eq(id_of(g, "web:1"), id_of(g, "fsc:1"));
    /* A nameless record with a party id is placed by the party id alone. */
    upsert(g, (struct person){.key = "web:2", .gp = "GP-2", .email = "home@x.org"});
    ck_assert_uint_ne(id_of(g, "web:2"), id_of(g, "fsc:1"));
    /* …and its party id, another than the named record's, makes the email
     * two persons' (a spouse's login), so the anonymous session is a guess. */
    upsert(g, (struct person){.key = "fsc:1", .gp = "GP-1", .first = "ana", .email = "home@x.org"});
    ck_assert_uint_ne(id_of(g, "web:1"), id_of(g, "fsc:1"));
    delete (g, "web:2");
    ck_assert_uint_eq(id_of(g, "web:1"), id_of(g, "fsc:1"));
    c360_identity_destroy(g);
    /* Off (the shipped default): nameless records never join by email. */
    struct c360_identity_config cfg = config(50, 100);
    cfg.rules[2].attach_nameless = false;
    ck_assert_int_eq(c360_identity_new(&cfg, &g), C360_OK);
    upsert(g, (struct person){.key = "fsc:1", .first = "ana", .email = "home@x.org"});
    upsert(g, (struct person){.key = "web:1", .email = "home@x.org"});
    ck_assert_uint_ne(id_of(g, "web:1"), id_of(g, "fsc:1"));
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_upsert_keeps_twins_apart)
{
    struct c360_identity *g = graph(50, 100);
    const char *home = "12 oak st|94105|US";
    upsert(g, (struct person){
                  .key = "t:1", .first = "anna", .last = "berg", .birth = 9000, .address = home});
    upsert(g, (struct person){
                  .key = "t:2", .first = "hanna", .last = "berg", .birth = 9000, .address = home});
    upsert(g, (struct person){
                  .key = "t:3", .first = "anna", .last = "berg", .birth = 9000, .address = home});
    ck_assert_uint_ne(id_of(g, "t:1"), id_of(g, "t:2"));
    ck_assert_uint_eq(id_of(g, "t:1"), id_of(g, "t:3"));
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_upsert_splits_on_an_edit_and_keeps_the_anchor_id)
{
    struct c360_identity *g = graph(50, 100);
    upsert(g, (struct person){.key = "a:1", .first = "jane", .email = "j@x.org"});
    uint64_t id = id_of(g, "a:1");
    upsert(g, (struct person){.key = "a:2", .first = "jane", .email = "j@x.org"});
    ck_assert_uint_eq(id_of(g, "a:2"), id);
    upsert(g, (struct person){.key = "a:2", .first = "jane", .email = "other@x.org"});
    ck_assert_uint_eq(id_of(g, "a:1"), id); /* the anchor keeps the id */
    ck_assert_uint_ne(id_of(g, "a:2"), id);
    const struct c360_identity_event *split = event(C360_IDENTITY_SPLIT, NULL);
    ck_assert_ptr_nonnull(split);
    ck_assert_uint_eq(split->from, id);
    ck_assert_uint_eq(split->into, id);
    ck_assert_uint_eq(split->n_ids, 1);
    ck_assert_uint_eq(split->ids[0], id_of(g, "a:2"));
    ck_assert_ptr_nonnull(event(C360_IDENTITY_LINK, "a:2"));
    ck_assert_ptr_null(event(C360_IDENTITY_LINK, "a:1"));
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_delete_splits_a_chain)
{
    struct c360_identity *g = graph(50, 100);
    /* c:1 —email— c:2 —phone— c:3: deleting the middle splits them. */
    upsert(g, (struct person){.key = "c:1", .first = "li", .last = "wu", .email = "w@x.org"});
    upsert(g, (struct person){.key = "c:2",
                              .first = "li",
                              .last = "wu",
                              .email = "w@x.org",
                              .phone = "+442079460000"});
    upsert(g, (struct person){.key = "c:3", .first = "li", .last = "wu", .phone = "+442079460000"});
    uint64_t id = id_of(g, "c:1");
    ck_assert_uint_eq(id_of(g, "c:3"), id);
    delete (g, "c:2");
    ck_assert_ptr_nonnull(event(C360_IDENTITY_UNLINK, "c:2"));
    ck_assert_ptr_nonnull(event(C360_IDENTITY_SPLIT, NULL));
    ck_assert_uint_eq(id_of(g, "c:1"), id);
    ck_assert_uint_ne(id_of(g, "c:3"), id);
    ck_assert_uint_eq(c360_identity_count(g), 2);
    uint64_t unused;
    ck_assert(!c360_identity_profile_of(g, "c:2", &unused));
    delete (g, "nobody:1"); /* unknown: nothing happens */
    ck_assert_uint_eq(last.count, 0);
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_upsert_merges_a_chain_into_the_oldest)
{
    struct c360_identity *g = graph(50, 100);
    upsert(g, (struct person){.key = "m:1", .first = "ola", .last = "nor", .email = "o@x.org"});
    upsert(g, (struct person){.key = "m:2", .first = "ola", .last = "nor", .phone = "+4722334455"});
    uint64_t older = id_of(g, "m:1"), younger = id_of(g, "m:2");
    ck_assert_uint_ne(older, younger);
    upsert(g, (struct person){.key = "m:3",
                              .first = "ola",
                              .last = "nor",
                              .email = "o@x.org",
                              .phone = "+4722334455"});
    const struct c360_identity_event *merge = event(C360_IDENTITY_MERGE, NULL);
    ck_assert_ptr_nonnull(merge);
    ck_assert_uint_eq(merge->into, older);
    ck_assert_uint_eq(merge->n_ids, 1);
    ck_assert_uint_eq(merge->ids[0], younger);
    ck_assert_uint_eq(id_of(g, "m:2"), older);
    ck_assert_uint_eq(id_of(g, "m:3"), older);
    /* Then the bridge goes: split again, the oldest keeps its id. */
    delete (g, "m:3");
    ck_assert_uint_eq(id_of(g, "m:1"), older);
    ck_assert_uint_ne(id_of(g, "m:2"), older);
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_upsert_stops_at_the_postings_cap)
{
    struct c360_identity *g = graph(3, 100);
    char key[16];
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "j:%d", i);
        upsert(g, (struct person){.key = key, .first = "al", .email = "none@junk.org"});
    }
    /* Four records share the email: it joins no one and is reported. */
    ck_assert_uint_eq(c360_identity_capped_keys(g), 1);
    ck_assert_uint_ne(id_of(g, "j:0"), id_of(g, "j:1"));
    ck_assert_uint_ne(id_of(g, "j:2"), id_of(g, "j:3"));
    delete (g, "j:3"); /* back to three: the key joins again */
    ck_assert_uint_eq(c360_identity_capped_keys(g), 0);
    ck_assert_uint_eq(id_of(g, "j:0"), id_of(g, "j:1"));
    ck_assert_uint_eq(id_of(g, "j:0"), id_of(g, "j:2"));
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_upsert_holds_big_clusters_by_exact_rules_only)
{
    struct c360_identity *g = graph(50, 3);
    /* Four records joined by a fuzzy chain (emails), two of them also by a
     * party id: over the cap of 3, only the exact edge holds. */
    upsert(g, (struct person){.key = "k:1", .first = "bo", .email = "1@x.org", .gp = "G"});
    upsert(g, (struct person){.key = "k:2", .first = "bo", .email = "1@x.org"});
    upsert(g, (struct person){.key = "k:3", .first = "bo", .email = "1@x.org"});
    ck_assert_uint_eq(id_of(g, "k:1"), id_of(g, "k:3"));
    upsert(g, (struct person){.key = "k:4", .first = "bo", .email = "1@x.org", .gp = "G"});
    ck_assert_uint_eq(id_of(g, "k:1"), id_of(g, "k:4"));
    ck_assert_uint_ne(id_of(g, "k:1"), id_of(g, "k:2"));
    ck_assert_uint_ne(id_of(g, "k:2"), id_of(g, "k:3"));
    ck_assert_str_eq(event(C360_IDENTITY_LINK, "k:4")->rule, "global-party-id");
    c360_identity_destroy(g);
}
END_TEST

struct explained {
    char text[1024];
    int records, edges;
};

static void on_record(const char *key, void *arg)
{
    struct explained *x = arg;
    x->records++;
    (void)key;
}

static void on_edge(const struct c360_identity_edge *e, void *arg)
{
    struct explained *x = arg;
    size_t used = strlen(x->text);
    /* Edges come in no fixed order: write each with its ends sorted. */
    const char *lo = strcmp(e->a, e->b) < 0 ? e->a : e->b, *hi = lo == e->a ? e->b : e->a;
    snprintf(x->text + used, sizeof(x->text) - used, "[%s %s %s %s]", lo, hi, e->rule, e->matched);
    x->edges++;
}

START_TEST(test_c360_identity_explain_names_records_rules_and_values)
{
    struct c360_identity *g = graph(50, 100);
    upsert(g, (struct person){.key = "c:1", .first = "li", .last = "wu", .email = "w@x.org"});
    upsert(g, (struct person){.key = "c:2",
                              .first = "li",
                              .last = "wu",
                              .email = "w@x.org",
                              .phone = "+442079460000"});
    upsert(g, (struct person){.key = "c:3", .first = "li", .last = "wu", .phone = "+442079460000"});
    upsert(g, (struct person){.key = "z:9", .first = "al", .last = "bo"});
    struct explained x = {0};
    ck_assert(c360_identity_explain(g, "c:3", on_record, on_edge, &x));
    ck_assert_int_eq(x.records, 3);
    ck_assert_int_eq(x.edges, 2);
    ck_assert_ptr_nonnull(strstr(x.text, "[c:1 c:2 email-first-name w@x.org]"));
    ck_assert_ptr_nonnull(strstr(x.text, "[c:2 c:3 phone-name +442079460000]"));
    uint64_t id = id_of(g, "c:1");
    const char *member = c360_identity_record_of_profile(g, id);
    ck_assert_ptr_nonnull(member);
    ck_assert_uint_eq(id_of(g, member), id);
    ck_assert_ptr_null(c360_identity_record_of_profile(g, 999999));
    ck_assert(!c360_identity_explain(g, "nobody:1", on_record, on_edge, &x));
    c360_identity_destroy(g);
}
END_TEST

START_TEST(test_c360_identity_link_of_gives_the_evidence)
{
    struct c360_identity *g = graph(50, 100);
    struct c360_identity_link link;
    upsert(g,
           (struct person){.key = "p:1", .first = "jon", .last = "lund", .phone = "+4791234567"});
    ck_assert(c360_identity_link_of(g, "p:1", &link));
    ck_assert_ptr_null(link.rule); /* alone */
    upsert(g,
           (struct person){.key = "p:2", .first = "john", .last = "lund", .phone = "+4791234567"});
    ck_assert(c360_identity_link_of(g, "p:2", &link));
    ck_assert_str_eq(link.rule, "phone-name");
    ck_assert_str_eq(link.matched_with, "p:1");
    ck_assert_uint_eq(link.n_parts, 3);
    ck_assert_str_eq(link.parts[0].field, "phone");
    ck_assert_str_eq(link.parts[0].value, "+4791234567");
    ck_assert(link.parts[0].score < 0);
    ck_assert_str_eq(link.parts[1].field, "firstName");
    ck_assert_str_eq(link.parts[1].value, "john");
    ck_assert_str_eq(link.parts[1].other_value, "jon");
    ck_assert(link.parts[1].score > 0.92 && link.parts[1].score < 1);
    ck_assert_str_eq(link.parts[2].field, "lastName");
    ck_assert(link.parts[2].score == 1.0);
    /* The address rule names its exact parts; a party identifier its type. */
    upsert(g, (struct person){.key = "q:1",
                              .first = "eva",
                              .last = "lind",
                              .birth = 9000,
                              .address = "1 main st|94105|US",
                              .identifier = "SSN:7"});
    upsert(g, (struct person){.key = "q:2",
                              .first = "eva",
                              .last = "lind",
                              .birth = 9000,
                              .address = "1 main st|94105|US"});
    ck_assert(c360_identity_link_of(g, "q:2", &link));
    ck_assert_str_eq(link.rule, "address-name-birth");
    ck_assert_str_eq(link.parts[0].field, "address");
    ck_assert_str_eq(link.parts[0].value, "1 main st|94105|US");
    ck_assert_str_eq(link.parts[2].value, "1994-08-23");
    upsert(g, (struct person){.key = "q:3", .identifier = "SSN:7"});
    ck_assert(c360_identity_link_of(g, "q:3", &link));
    ck_assert_str_eq(link.parts[0].field, "partyIdentifier:SSN");
    ck_assert_str_eq(link.parts[0].value, "7");
    /* A LINK says where the record was before. */
    ck_assert_uint_eq(event(C360_IDENTITY_LINK, "q:3")->from, 0);
    /* Two keys shared with one record: the smaller, whatever the order of
     * the record's values. */
    struct c360_identity_input in = {
        .key = "r:1", .first_name = "ida", .birth_date = C360_DATE_NONE};
    struct c360_identity_changes ch;
    in.emails[in.n_emails++] = "z@x.org";
    in.emails[in.n_emails++] = "a@x.org";
    ck_assert_int_eq(c360_identity_upsert(g, &in, &ch), C360_OK);
    in.key = "r:2";
    ck_assert_int_eq(c360_identity_upsert(g, &in, &ch), C360_OK);
    ck_assert(c360_identity_link_of(g, "r:2", &link));
    ck_assert_str_eq(link.parts[0].value, "a@x.org");
    /* Swapped names say which name met which; a nameless record has no score. */
    upsert(g, (struct person){.key = "s:1", .first = "ola", .last = "dahl", .email = "o@x.org"});
    upsert(g, (struct person){.key = "s:2", .first = "dahl", .last = "ola", .email = "o@x.org"});
    ck_assert(c360_identity_link_of(g, "s:2", &link));
    ck_assert_str_eq(link.rule, "email-first-name");
    ck_assert_uint_eq(link.n_parts, 3);
    ck_assert_str_eq(link.parts[1].field, "firstName/lastName");
    ck_assert_str_eq(link.parts[1].value, "dahl");
    ck_assert_str_eq(link.parts[1].other_value, "dahl");
    ck_assert(link.parts[1].score == 1.0);
    ck_assert_str_eq(link.parts[2].field, "lastName/firstName");
    upsert(g, (struct person){.key = "w:1", .email = "o@x.org"});
    ck_assert_uint_eq(id_of(g, "w:1"), id_of(g, "s:1"));
    ck_assert(c360_identity_link_of(g, "w:1", &link));
    ck_assert_str_eq(link.rule, "email-first-name");
    ck_assert_str_eq(link.parts[1].field, "firstName");
    ck_assert_str_eq(link.parts[1].value, "");
    ck_assert(link.parts[1].score < 0);
    ck_assert(!c360_identity_link_of(g, "nobody:1", &link));
    c360_identity_destroy(g);
}
END_TEST

/* --- The property: incremental = from scratch. */

#define KEYS C360_CHECK_KEYS
#define OPS 24

/* Small pools, so records collide on every rule. */
static const char *const gps[] = {NULL, NULL, NULL, "GP-1", "GP-2"};
static const char *const firsts[] = {NULL,   "robert", "bob", "rob",
                                     "mary", "maria",  "jon", "smith"}; /* swapped */
static const char *const lasts[] = {NULL, "smith", "smyth", "jones", "robert"};
static const int32_t births[] = {0, 0, 7000, 7001};
static const char *const emails[] = {NULL, "a@x.org", "b@x.org", "c@x.org"};
static const char *const phones[] = {NULL, "+14155550101", "+14155550102"};
static const char *const addresses[] = {NULL, "1 main st|94105|US", "2 elm st|10001|US"};
static const char *const identifiers[] = {NULL, NULL, "SSN:1", "SSN:2"};
#define PICK(pool) pool[(size_t)rand_r(seed) % (sizeof(pool) / sizeof(pool[0]))]

static const char *key_names[KEYS] = {"k00", "k01", "k02", "k03", "k04", "k05", "k06",
                                      "k07", "k08", "k09", "k10", "k11", "k12", "k13"};

static struct person random_person(int k, unsigned *seed)
{
    return (struct person){.key = key_names[k],
                           .gp = PICK(gps),
                           .first = PICK(firsts),
                           .last = PICK(lasts),
                           .birth = PICK(births),
                           .email = PICK(emails),
                           .phone = PICK(phones),
                           .address = PICK(addresses),
                           .identifier = PICK(identifiers)};
}

/* The oracle's view of one rule between two records: the blocking key each
 * has for it (NULL: none) and whether the compared parts agree. Written from
 * DESIGN.md §4, independently of graph.c. */
static void rule_key(const struct c360_identity_rule *r, size_t ri, const struct person *p,
                     char *buf, size_t size)
{
    buf[0] = '\0';
    switch (r->kind) {
    case C360_IDENTITY_GLOBAL_PARTY_ID:
        if (p->gp)
            snprintf(buf, size, "%zu|%s", ri, p->gp);
        break;
    case C360_IDENTITY_PARTY_IDENTIFIER:
        if (p->identifier)
            snprintf(buf, size, "%zu|%s", ri, p->identifier);
        break;
    case C360_IDENTITY_EMAIL:
        if (p->email && (p->first || r->attach_nameless))
            snprintf(buf, size, "%zu|%s", ri, p->email);
        break;
    case C360_IDENTITY_PHONE:
        if (p->phone && p->first)
            snprintf(buf, size, "%zu|%s", ri, p->phone);
        break;
    case C360_IDENTITY_ADDRESS:
        if (p->address && p->first && p->last && p->birth)
            snprintf(buf, size, "%zu|%s|%s|%d", ri, p->address, p->last, (int)p->birth);
        break;
    }
}

static bool oracle_compatible(const struct person *a, const struct person *b)
{
    if (a->gp && b->gp && strcmp(a->gp, b->gp) != 0)
        return false;
    return !a->birth || !b->birth || a->birth == b->birth;
}

static bool oracle_name(const char *a, const char *b, double threshold)
{
    return a && b && c360_name_match(a, b, threshold, NULL) != C360_NAME_DIFFERENT;
}

static bool oracle_holds(const struct c360_identity_rule *r, const struct person *a,
                         const struct person *b)
{
    if (r->kind == C360_IDENTITY_GLOBAL_PARTY_ID || r->kind == C360_IDENTITY_PARTY_IDENTIFIER)
        return true;
    if (!oracle_compatible(a, b))
        return false;
    double t = r->threshold;
    bool first = oracle_name(a->first, b->first, t);
    if (r->kind == C360_IDENTITY_ADDRESS) /* the last name is in the key */
        return first;
    /* Names written in each other's field match crosswise. */
    if (oracle_name(a->first, b->last, t) && oracle_name(a->last, b->first, t))
        return true;
    if (r->kind == C360_IDENTITY_PHONE && a->last && b->last)
        return first && oracle_name(a->last, b->last, t);
    return first;
}

/* The email rule between a and b sharing key ka: by name when both have one;
 * otherwise only when the nameless ones have no party id, and while the key's
 * holders are one person: every two named holders agree, and no two holders
 * have different party ids. */
static bool oracle_email(const struct c360_identity_rule *rule, size_t r,
                         const struct person *people, const bool *present, int a, int b,
                         const char *ka)
{
    char kc[256], kd[256];
    if (people[a].first && people[b].first)
        return oracle_holds(rule, &people[a], &people[b]);
    if (!oracle_compatible(&people[a], &people[b]) || (!people[a].first && people[a].gp) ||
        (!people[b].first && people[b].gp))
        return false;
    for (int c = 0; c < KEYS; c++) {
        if (!present[c])
            continue;
        rule_key(rule, r, &people[c], kc, sizeof(kc));
        if (strcmp(kc, ka) != 0)
            continue;
        for (int d = 0; d < KEYS; d++) {
            if (!present[d] || !people[c].gp || !people[d].gp)
                continue;
            rule_key(rule, r, &people[d], kd, sizeof(kd));
            if (strcmp(kd, ka) == 0 && strcmp(people[c].gp, people[d].gp) != 0)
                return false;
        }
        if (!people[c].first)
            continue;
        for (int d = c + 1; d < KEYS; d++) {
            if (!present[d] || !people[d].first)
                continue;
            rule_key(rule, r, &people[d], kd, sizeof(kd));
            if (strcmp(kd, ka) == 0 && !oracle_holds(rule, &people[c], &people[d]))
                return false;
        }
    }
    return true;
}

static int find(int *parent, int x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

/* Component label per present key, from scratch: pairs sharing an uncapped
 * key and agreeing on the rule; over-size components by exact rules only. */
static void oracle(const struct c360_identity_config *cfg, const struct person *people,
                   const bool *present, int *label)
{
    char ka[256], kb[256];
    for (int pass = 0; pass < 2; pass++) {
        int parent[KEYS];
        for (int i = 0; i < KEYS; i++)
            parent[i] = i;
        for (size_t r = 0; r < cfg->n_rules; r++) {
            const struct c360_identity_rule *rule = &cfg->rules[r];
            bool exact = rule->kind == C360_IDENTITY_GLOBAL_PARTY_ID ||
                         rule->kind == C360_IDENTITY_PARTY_IDENTIFIER;
            for (int a = 0; a < KEYS; a++) {
                if (!present[a])
                    continue;
                rule_key(rule, r, &people[a], ka, sizeof(ka));
                if (!ka[0])
                    continue;
                size_t sharing = 0;
                for (int c = 0; c < KEYS; c++) {
                    if (!present[c])
                        continue;
                    rule_key(rule, r, &people[c], kb, sizeof(kb));
                    sharing += strcmp(ka, kb) == 0;
                }
                if (sharing > cfg->postings_max)
                    continue;
                for (int b = a + 1; b < KEYS; b++) {
                    if (!present[b])
                        continue;
                    rule_key(rule, r, &people[b], kb, sizeof(kb));
                    if (strcmp(ka, kb) != 0)
                        continue;
                    if (rule->kind == C360_IDENTITY_EMAIL
                            ? !oracle_email(rule, r, people, present, a, b, ka)
                            : !oracle_holds(rule, &people[a], &people[b]))
                        continue;
                    /* Second pass: inside over-size components, exact only. */
                    if (pass == 1 && !exact && label[a] == -2 && label[b] == -2)
                        continue;
                    parent[find(parent, a)] = find(parent, b);
                }
            }
        }
        int size[KEYS] = {0};
        for (int i = 0; i < KEYS; i++)
            if (present[i])
                size[find(parent, i)]++;
        bool any_big = false;
        for (int i = 0; i < KEYS; i++) {
            if (!present[i])
                label[i] = -1;
            else if (pass == 0 && size[find(parent, i)] > (int)cfg->cluster_max)
                label[i] = -2, any_big = true;
            else
                label[i] = find(parent, i);
        }
        if (pass == 0 && !any_big)
            return;
        if (pass == 1)
            return;
    }
}

struct listed {
    const char *want;
    size_t count;
    bool found;
};

static void on_listed(const char *key, void *arg)
{
    struct listed *l = arg;
    l->count++;
    l->found |= strcmp(key, l->want) == 0;
}

START_TEST(test_c360_identity_upsert_equals_resolution_from_scratch)
{
    /* _i seeds one batch of sequences; the loop test runs 10 batches. */
    for (int sequence = 0; sequence < TEST_CASES(1000); sequence++) {
        unsigned seed_value = (unsigned)(_i * 1000 + sequence + 1), *seed = &seed_value;
        struct c360_identity_config cfg =
            config(2 + (size_t)rand_r(seed) % 4, 2 + (size_t)rand_r(seed) % 6);
        cfg.rules[2].attach_nameless = sequence % 2; /* both ways */
        struct c360_identity *g;
        ck_assert_int_eq(c360_identity_new(&cfg, &g), C360_OK);
        struct person people[KEYS] = {{0}};
        bool present[KEYS] = {false};
        for (int op = 0; op < OPS; op++) {
            int k = rand_r(seed) % KEYS;
            if (present[k] && rand_r(seed) % 4 == 0) {
                delete (g, key_names[k]);
                present[k] = false;
            } else {
                people[k] = random_person(k, seed);
                upsert(g, people[k]);
                present[k] = true;
            }
        }
        int label[KEYS];
        oracle(&cfg, people, present, label);
        for (int a = 0; a < KEYS; a++) {
            if (!present[a])
                continue;
            uint64_t ida = id_of(g, key_names[a]);
            for (int b = a + 1; b < KEYS; b++) {
                if (!present[b])
                    continue;
                bool together = ida == id_of(g, key_names[b]);
                ck_assert_msg(together == (label[a] == label[b]),
                              "seed %u: %s and %s are %s incrementally but %s from scratch",
                              _i * 1000 + sequence + 1, key_names[a], key_names[b],
                              together ? "together" : "apart",
                              label[a] == label[b] ? "together" : "apart");
            }
            /* The profile's record list holds exactly its members. */
            size_t members = 0;
            for (int b = 0; b < KEYS; b++)
                members += present[b] && label[b] == label[a];
            struct listed listed = {.want = key_names[a]};
            ck_assert_uint_eq(c360_identity_profile_records(g, ida, on_listed, &listed), members);
            ck_assert_uint_eq(listed.count, members);
            ck_assert(listed.found);
        }
        c360_identity_destroy(g);
    }
}
END_TEST

/* --- The orders identity.h promises, whatever the history. */

/* What the test knows of every key: its profile id (0: absent) and its
 * arrival (the graph's seq: the first upsert since it was last absent). */
struct known {
    uint64_t id[KEYS], seq[KEYS];
};

static void know(struct c360_identity *g, struct known *kn)
{
    for (int k = 0; k < KEYS; k++) {
        if (!c360_identity_profile_of(g, key_names[k], &kn->id[k]))
            kn->id[k] = 0;
    }
}

static int key_index(const char *key)
{
    for (int k = 0; k < KEYS; k++) {
        if (strcmp(key_names[k], key) == 0)
            return k;
    }
    ck_abort_msg("unknown key %s", key);
    return -1;
}

/* The seq of the oldest record of profile id. */
static uint64_t oldest_of(const struct known *kn, uint64_t id)
{
    uint64_t oldest = UINT64_MAX;
    for (int k = 0; k < KEYS; k++) {
        if (kn->id[k] == id && kn->seq[k] < oldest)
            oldest = kn->seq[k];
    }
    ck_assert_msg(oldest != UINT64_MAX, "profile %llu has no record", (unsigned long long)id);
    return oldest;
}

struct visit {
    const struct known *kn;
    uint64_t last_record, last_a, last_b;
};

static void visit_record(const char *key, void *arg)
{
    struct visit *v = arg;
    uint64_t seq = v->kn->seq[key_index(key)];
    ck_assert_msg(seq > v->last_record, "%s out of arrival order", key);
    v->last_record = seq;
}

static void visit_edge(const struct c360_identity_edge *e, void *arg)
{
    struct visit *v = arg;
    uint64_t a = v->kn->seq[key_index(e->a)], b = v->kn->seq[key_index(e->b)];
    ck_assert_msg(a < b, "edge %s-%s not from the older record", e->a, e->b);
    ck_assert_msg(a > v->last_a || (a == v->last_a && b >= v->last_b), "edge %s-%s out of order",
                  e->a, e->b);
    v->last_a = a;
    v->last_b = b;
}

START_TEST(test_c360_identity_upsert_reports_in_the_documented_order)
{
    for (int sequence = 0; sequence < 300; sequence++) {
        unsigned seed_value = (unsigned)(_i * 300 + sequence + 1), *seed = &seed_value;
        struct c360_identity_config cfg =
            config(2 + (size_t)rand_r(seed) % 4, 2 + (size_t)rand_r(seed) % 6);
        cfg.rules[2].attach_nameless = sequence % 2;
        struct c360_identity *g;
        ck_assert_int_eq(c360_identity_new(&cfg, &g), C360_OK);
        struct known before, after;
        memset(&after, 0, sizeof(after));
        uint64_t arrivals = 0;
        for (int op = 0; op < 2 * OPS; op++) {
            int k = rand_r(seed) % KEYS;
            before = after;
            if (after.id[k] && rand_r(seed) % 4 == 0) {
                delete (g, key_names[k]);
            } else {
                if (!after.id[k])
                    after.seq[k] = ++arrivals;
                upsert(g, random_person(k, seed));
            }
            know(g, &after);
            /* An UNLINK, SPLITs, MERGEs, LINKs; each kind in its order. */
            static const int ranks[] = {[C360_IDENTITY_UNLINK] = 0,
                                        [C360_IDENTITY_SPLIT] = 1,
                                        [C360_IDENTITY_MERGE] = 2,
                                        [C360_IDENTITY_LINK] = 3};
            int rank = 0;
            uint64_t prev_age = 0, prev_seq = 0;
            for (size_t i = 0; i < last.count; i++) {
                const struct c360_identity_event *ev = &last.events[i];
                uint64_t age, part, prev_part = 0;
                ck_assert_msg(ranks[ev->kind] >= rank, "seed %u: events out of kind order",
                              seed_value);
                if (ranks[ev->kind] != rank)
                    prev_age = prev_seq = 0;
                rank = ranks[ev->kind];
                switch (ev->kind) {
                case C360_IDENTITY_SPLIT: /* the oldest profile first; parts by age */
                    age = oldest_of(&before, ev->from);
                    for (size_t j = 0; j < ev->n_ids; j++, prev_part = part)
                        ck_assert((part = oldest_of(&after, ev->ids[j])) > prev_part);
                    break;
                case C360_IDENTITY_MERGE: /* by the result's age; absorbed by age */
                    age = oldest_of(&after, ev->into);
                    for (size_t j = 0; j < ev->n_ids; j++, prev_part = part)
                        ck_assert((part = oldest_of(&before, ev->ids[j])) > prev_part);
                    break;
                case C360_IDENTITY_LINK: /* profile by profile, records by age */
                    age = oldest_of(&after, ev->into);
                    part = after.seq[key_index(ev->record_key)];
                    ck_assert(age > prev_age || part > prev_seq);
                    prev_seq = part;
                    break;
                default:
                    age = 1;
                    break;
                }
                ck_assert_msg(age >= prev_age && (age > prev_age || ev->kind == C360_IDENTITY_LINK),
                              "seed %u, op %d: event %zu out of order", seed_value, op, i);
                prev_age = age;
            }
            /* Profiles give their records oldest first; explain, its edges
             * from the older record, by age. */
            for (int a = 0; a < KEYS; a++) {
                if (!after.id[a])
                    continue;
                const char *first = c360_identity_record_of_profile(g, after.id[a]);
                ck_assert_uint_eq(after.seq[key_index(first)], oldest_of(&after, after.id[a]));
                struct visit v = {.kn = &after};
                c360_identity_profile_records(g, after.id[a], visit_record, &v);
                v = (struct visit){.kn = &after};
                ck_assert(c360_identity_explain(g, key_names[a], visit_record, visit_edge, &v));
            }
        }
        c360_identity_destroy(g);
    }
}
END_TEST

struct c360_identity_config c360_check_graph_config(size_t postings_max, size_t cluster_max)
{
    return config(postings_max, cluster_max);
}

const char *c360_check_graph_key(int k)
{
    return key_names[k];
}

void c360_check_graph_random(int k, unsigned *seed, struct c360_identity_input *in)
{
    /* The person's strings are the pools' or the key's: static. */
    struct person p = random_person(k, seed);
    *in = input_of(&p);
}

void c360_check_graph_add(Suite *s)
{
    TCase *tc = tcase_create("c360_identity_upsert");
    tcase_add_test(tc, test_c360_identity_upsert_links_by_global_party_id);
    tcase_add_test(tc, test_c360_identity_upsert_needs_the_fuzzy_name_too);
    tcase_add_test(tc, test_c360_identity_upsert_matches_swapped_and_partial_names);
    tcase_add_test(tc, test_c360_identity_upsert_never_merges_two_party_ids_by_a_fuzzy_rule);
    tcase_add_test(tc, test_c360_identity_upsert_keeps_twins_apart);
    tcase_add_test(tc, test_c360_identity_upsert_attaches_nameless_records_to_one_person_only);
    tcase_add_test(tc, test_c360_identity_upsert_splits_on_an_edit_and_keeps_the_anchor_id);
    tcase_add_test(tc, test_c360_identity_upsert_merges_a_chain_into_the_oldest);
    tcase_add_test(tc, test_c360_identity_upsert_stops_at_the_postings_cap);
    tcase_add_test(tc, test_c360_identity_upsert_holds_big_clusters_by_exact_rules_only);
    tcase_add_loop_test(tc, test_c360_identity_upsert_equals_resolution_from_scratch, 0, 10);
    tcase_add_loop_test(tc, test_c360_identity_upsert_reports_in_the_documented_order, 0, 4);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_identity_delete");
    tcase_add_test(tc, test_c360_identity_delete_splits_a_chain);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_identity_link_of");
    tcase_add_test(tc, test_c360_identity_link_of_gives_the_evidence);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_identity_explain");
    tcase_add_test(tc, test_c360_identity_explain_names_records_rules_and_values);
    suite_add_tcase(s, tc);
}
