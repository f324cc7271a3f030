/*
 * Suite identity: rules as configuration (src/identity/rules.c) — the
 * shipped config/identity.json, refusals with the field named, and the
 * blocklist applied to a record's identity fields.
 */
#include "c360/identity.h"

#include "check_identity.h"

#include <check.h>
#include <string.h>

START_TEST(test_c360_identity_rules_load_reads_the_shipped_config)
{
    struct c360_identity_rules *rules;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(
        c360_identity_rules_load(C360_SOURCE_DIR "/config/identity.json", &rules, &diag) == C360_OK,
        "%s", diag.text);
    const struct c360_identity_config *cfg = c360_identity_rules_config(rules);
    ck_assert_uint_eq(cfg->n_rules, 5);
    ck_assert_str_eq(cfg->rules[0].name, "global-party-id");
    ck_assert_int_eq(cfg->rules[2].kind, C360_IDENTITY_EMAIL);
    ck_assert(cfg->rules[4].threshold > 0.95);
    ck_assert_uint_eq(cfg->postings_max, 50);
    ck_assert_ptr_nonnull(cfg->nicknames);
    ck_assert(c360_nicknames_equivalent(cfg->nicknames, "bob", "robert"));
    /* The graph takes it as it is. */
    struct c360_identity *g;
    ck_assert_int_eq(c360_identity_new(cfg, &g), C360_OK);
    c360_identity_destroy(g);
    c360_identity_rules_free(rules);
}
END_TEST

static const struct {
    const char *text, *field, *says;
} bad_configs[] = {
    {"[1]", "", "not a JSON object"},
    {"{\"rules\": []}", "rules", "list of 1-8 rules"},
    {"{\"rules\": [{\"name\": \"a\", \"kind\": \"shoeSize\"}]}", "rules[0]", "kind is"},
    {"{\"rules\": [{\"kind\": \"email\"}]}", "rules[0]", "needs a name"},
    {"{\"rules\": [{\"name\": \"a\", \"kind\": \"email\", \"threshold\": 1.5}]}", "rules[0]",
     "threshold"},
    {"{\"rules\": [{\"name\": \"a\", \"kind\": \"email\"}, {\"name\": \"a\", \"kind\": "
     "\"phone\"}]}",
     "rules[1]", "a second rule named 'a'"},
    {"{\"rules\": [{\"name\": \"a\", \"kind\": \"email\"}], \"postingsMax\": 1}", "postingsMax",
     "from 2"},
    {"{\"rules\": [{\"name\": \"a\", \"kind\": \"email\"}], \"defaultCountryCode\": \"+1\"}",
     "defaultCountryCode", "calling code"},
    {"{\"rules\": [{\"name\": \"a\", \"kind\": \"phone\", \"attachNameless\": true}]}", "rules[0]",
     "attachNameless"},
    {"{\"rules\": [{\"name\": \"a\", \"kind\": \"email\"}], \"defaultCountry\": \"usa\"}",
     "defaultCountry", "alpha-2"},
    {"{\"rules\": [{\"name\": \"a\", \"kind\": \"email\"}], \"blocklist\": {\"emails\": [1]}}",
     "blocklist", "list of strings"},
};

START_TEST(test_c360_identity_rules_parse_refuses_bad_configs)
{
    struct c360_identity_rules *rules = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    const char *text = bad_configs[_i].text;
    ck_assert_int_ne(c360_identity_rules_parse(text, strlen(text), "t.json", &rules, &diag),
                     C360_OK);
    ck_assert_ptr_null(rules);
    ck_assert_str_eq(diag.field, bad_configs[_i].field);
    ck_assert_msg(strstr(diag.text, bad_configs[_i].says), "'%s' lacks '%s'", diag.text,
                  bad_configs[_i].says);
}
END_TEST

START_TEST(test_c360_identity_rules_input_drops_blocklisted_values)
{
    static const char text[] =
        "{\"rules\": [{\"name\": \"gp\", \"kind\": \"globalPartyId\"}], \"defaultCountryCode\": "
        "\"1\", \"blocklist\": {\"globalPartyIds\": [\"UNKNOWN\"], \"emails\": "
        "[\"front@bank.org\"], \"phones\": [\"+14155550111\"]}}";
    struct c360_identity_rules *rules;
    struct c360_record *rec;
    struct c360_identity_input in;
    char buf[4096];
    ck_assert_int_eq(c360_identity_rules_parse(text, strlen(text), "t", &rules, NULL), C360_OK);
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    struct c360_individual *p = &rec->as.individual;
    ck_assert_int_eq(c360_record_str(rec, "fsc", 3, &rec->source_system, NULL), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, "001A", 4, &rec->source_record_id, NULL), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, "UNKNOWN", 7, &rec->global_party_id, NULL), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, "José", 5, &p->first_name, NULL), C360_OK);
    ck_assert_int_eq(c360_record_strs_add(rec, &p->emails, "Front@Bank.org", 14, NULL), C360_OK);
    ck_assert_int_eq(c360_record_strs_add(rec, &p->emails, "J.Smith+x@GMail.com", 19, NULL),
                     C360_OK);
    ck_assert_int_eq(c360_record_strs_add(rec, &p->phones, "(415) 555-0111", 14, NULL), C360_OK);
    ck_assert_int_eq(c360_record_strs_add(rec, &p->phones, "415.867.5309", 12, NULL), C360_OK);
    ck_assert_int_eq(c360_identity_rules_input(rules, rec, buf, sizeof(buf), &in), C360_OK);
    ck_assert_str_eq(in.key, "fsc:001A");
    ck_assert_ptr_null(in.global_party_id);
    ck_assert_str_eq(in.first_name, "jose");
    ck_assert_uint_eq(in.n_emails, 1);
    ck_assert_str_eq(in.emails[0], "jsmith@gmail.com");
    ck_assert_uint_eq(in.n_phones, 1);
    ck_assert_str_eq(in.phones[0], "+14158675309");
    c360_record_destroy(rec);
    c360_identity_rules_free(rules);
}
END_TEST

/* One address written with its country and one without meet when the rules
 * name the default country. */
START_TEST(test_c360_identity_input_from_record_gives_addresses_the_default_country)
{
    struct c360_record *rec;
    struct c360_identity_input in;
    char buf[2048];
    struct c360_address *addr;
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &rec), C360_OK);
    ck_assert_int_eq(c360_record_alloc(rec, 2, sizeof(*addr), (void **)&addr, NULL), C360_OK);
    rec->as.individual.addresses = addr;
    rec->as.individual.n_addresses = 2;
    ck_assert_int_eq(c360_record_str(rec, "1 Main Street", 13, &addr[0].line1, NULL), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, "94105-1234", 10, &addr[0].postal_code, NULL), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, "1 MAIN ST", 9, &addr[1].line1, NULL), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, "94105", 5, &addr[1].postal_code, NULL), C360_OK);
    ck_assert_int_eq(c360_record_str(rec, "United States", 13, &addr[1].country, NULL), C360_OK);
    ck_assert_int_eq(c360_identity_input_from_record(rec, "1", "US", buf, sizeof(buf), &in),
                     C360_OK);
    ck_assert_uint_eq(in.n_addresses, 2);
    ck_assert_str_eq(in.addresses[0], "1 main st|94105|US");
    ck_assert_str_eq(in.addresses[1], in.addresses[0]);
    ck_assert_int_eq(c360_identity_input_from_record(rec, "1", NULL, buf, sizeof(buf), &in),
                     C360_OK);
    ck_assert_str_ne(in.addresses[0], in.addresses[1]); /* no default: they differ */
    c360_record_destroy(rec);
}
END_TEST

void c360_check_rules_add(Suite *s)
{
    TCase *tc = tcase_create("c360_identity_rules");
    tcase_add_test(tc, test_c360_identity_rules_load_reads_the_shipped_config);
    tcase_add_loop_test(tc, test_c360_identity_rules_parse_refuses_bad_configs, 0,
                        sizeof(bad_configs) / sizeof(bad_configs[0]));
    tcase_add_test(tc, test_c360_identity_rules_input_drops_blocklisted_values);
    tcase_add_test(tc, test_c360_identity_input_from_record_gives_addresses_the_default_country);
    suite_add_tcase(s, tc);
}
