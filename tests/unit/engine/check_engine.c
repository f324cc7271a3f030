/*
 * Suite engine: the functional core (src/engine/engine.c) — records in,
 * outputs out, with the shipped identity rules and the default segments of
 * config/segments.json: entering and leaving at the thresholds, time alone
 * changing a membership through a timer, a merge dissolving a profile, and
 * the same inputs giving the same bytes.
 */
#include "c360/codec.h"
#include "c360/engine.h"
#include "c360/insights.h"
#include "c360/segment.h"
#include "c360/time.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
    struct c360_identity_rules *rules;
    struct c360_segment_set *segments;
    struct c360_engine *eng;
    struct c360_record *rec;
    long offset;
    /* Outputs of the last apply, copied: topic id, key, value. */
    char log[64][2048];
    size_t n_log;
};

static void setup(struct fixture *f)
{
    struct c360_diag diag;
    size_t n;
    const struct c360_segment_insight *insights = c360_engine_insights(&n);
    memset(f, 0, sizeof(*f));
    c360_diag_clear(&diag);
    ck_assert_int_eq(
        c360_identity_rules_load(C360_SOURCE_DIR "/config/identity.json", &f->rules, &diag),
        C360_OK);
    ck_assert_msg(c360_segment_set_load(C360_SOURCE_DIR "/config/segments.json", insights, n,
                                        &f->segments, &diag) == C360_OK,
                  "%s", diag.text);
    struct c360_engine_config cfg = {
        .rules = f->rules, .segments = f->segments, .clock = C360_CLOCK_EVENT, .currency = "USD"};
    ck_assert_int_eq(c360_engine_new(&cfg, &f->eng), C360_OK);
    ck_assert_int_eq(c360_record_new(C360_ENTITY_INDIVIDUAL, &f->rec), C360_OK);
}

static void teardown(struct fixture *f)
{
    c360_engine_destroy(f->eng);
    c360_segment_set_free(f->segments);
    c360_identity_rules_free(f->rules);
    c360_record_destroy(f->rec);
}

/* Applies one canonical JSON record of entity; keeps its outputs in f->log. */
static void apply(struct fixture *f, enum c360_entity entity, const char *json)
{
    struct c360_diag diag;
    struct c360_engine_outputs outs;
    c360_diag_clear(&diag);
    c360_record_reset(f->rec, entity);
    ck_assert_msg(c360_codec_json_decode(json, strlen(json), f->rec, &diag) == C360_OK, "%s: %s",
                  diag.field, diag.text);
    struct c360_engine_position pos = {"test", 0, f->offset++, 0};
    ck_assert_msg(c360_engine_apply(f->eng, f->rec, &pos, 0, &outs, &diag) == C360_OK, "%s",
                  diag.text);
    f->n_log = 0;
    for (size_t i = 0; i < outs.count && f->n_log < 64; i++)
        snprintf(f->log[f->n_log++], sizeof(f->log[0]), "%s %.*s %s",
                 c360_engine_topic_id(outs.items[i].topic), (int)outs.items[i].key_len,
                 outs.items[i].key, outs.items[i].value ? outs.items[i].value : "null");
}

/* The first output of the last apply on topic containing every needle. */
static const char *find(const struct fixture *f, const char *topic, const char *needle1,
                        const char *needle2)
{
    for (size_t i = 0; i < f->n_log; i++) {
        const char *line = f->log[i];
        if (strncmp(line, topic, strlen(topic)) == 0 && line[strlen(topic)] == ' ' &&
            (!needle1 || strstr(line, needle1)) && (!needle2 || strstr(line, needle2)))
            return line;
    }
    return NULL;
}

static void individual(struct fixture *f, const char *id, const char *gp, const char *first,
                       const char *at)
{
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"eventId\":\"i-%s\",\"changeType\":\"UPSERT\",\"occurredAt\":\"%s\","
             "\"source\":{\"system\":\"fsc\",\"recordId\":\"%s\"},\"globalPartyId\":\"%s\","
             "\"firstName\":\"%s\",\"lastName\":\"Doe\",\"emails\":[\"%s@example.com\"],"
             "\"fscAccountId\":\"001%s\"}",
             id, at, id, gp, first, first, id);
    apply(f, C360_ENTITY_INDIVIDUAL, json);
}

/* An account event: balance observed at as_of, the event occurring at `at`. */
static void account(struct fixture *f, const char *id, const char *gp, const char *type,
                    const char *opened, const char *balance, const char *as_of, const char *at)
{
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"eventId\":\"a-%s-%s\",\"changeType\":\"UPSERT\",\"occurredAt\":\"%s\","
             "\"source\":{\"system\":\"snowflake\",\"recordId\":\"%s\"},\"globalPartyId\":\"%s\","
             "\"globalAccountId\":\"%s\",\"accountType\":\"%s\",\"status\":\"OPEN\","
             "\"balance\":{\"amount\":\"%s\",\"currency\":\"USD\"},\"balanceAsOf\":\"%s\","
             "\"openedDate\":\"%s\"}",
             id, as_of, at, id, gp, id, type, balance, as_of, opened);
    apply(f, C360_ENTITY_FINANCIAL_ACCOUNT, json);
}

/* A savings account with `balance` held since long before the window: the
 * 30-day average is the balance itself. */
static void saver(struct fixture *f, const char *gp, const char *opened, const char *balance,
                  const char *today)
{
    char id[64], at[64];
    snprintf(id, sizeof(id), "S-%s", gp);
    snprintf(at, sizeof(at), "%sT08:00:00Z", today);
    account(f, id, gp, "SAVINGS", opened, balance, "2025-01-01T12:00:00Z", at);
}

START_TEST(test_c360_engine_apply_enters_cross_sell_at_the_adb_threshold)
{
    struct fixture f;
    setup(&f);
    individual(&f, "1", "GP-1", "Jane", "2026-11-01T09:00:00Z");
    ck_assert_ptr_nonnull(find(&f, "identity-links", "\"fsc:1\"", NULL));
    ck_assert_ptr_nonnull(find(&f, "unified-profile", "\"u1\"", NULL));
    ck_assert_ptr_null(find(&f, "segment-changes", NULL, NULL));
    /* 2999.99 on average: not yet. */
    individual(&f, "2", "GP-2", "John", "2026-11-01T09:00:00Z");
    saver(&f, "GP-2", "2020-01-01", "2999.99", "2026-11-20");
    ck_assert_ptr_null(find(&f, "segment-changes", NULL, NULL));
    /* 3000.00: a member, with the values that decided it. */
    saver(&f, "GP-1", "2020-01-01", "3000.00", "2026-11-20");
    const char *enter = find(&f, "segment-changes", "\"ENTER\"", "cross_sell_money_market");
    ck_assert_ptr_nonnull(enter);
    ck_assert_ptr_nonnull(strstr(enter, "\"cause\":\"INPUT\""));
    ck_assert_ptr_nonnull(strstr(enter, "\"adb([SAVINGS,CHECKING])\":\"3000"));
    ck_assert_ptr_nonnull(find(&f, "segment-membership", "cross_sell_money_market|u1", "GP-1"));
    ck_assert_ptr_nonnull(find(&f, "activation-marketing", "\"ADD\"", "Jane@example.com"));
    const char *csr = find(&f, "activation-csr-insight", "\"subjectId\":\"0011\"", NULL);
    ck_assert_ptr_nonnull(csr);
    ck_assert_ptr_nonnull(strstr(csr, "Jane Doe, client since 2020"));
    ck_assert_ptr_nonnull(strstr(csr, "a 30-day average balance of $3,000.00 across savings and "
                                      "checking, no money market account."));
    ck_assert_ptr_nonnull(strstr(csr, "Suggest a Money Market account."));
    /* A money market account: out again. */
    account(&f, "M-1", "GP-1", "MONEY_MARKET", "2026-11-20", "10.00", "2026-11-20T08:00:00Z",
            "2026-11-20T09:00:00Z");
    ck_assert_ptr_nonnull(find(&f, "segment-changes", "\"EXIT\"", "cross_sell_money_market"));
    ck_assert_ptr_nonnull(find(&f, "segment-membership", "cross_sell_money_market|u1 null", NULL));
    ck_assert_ptr_nonnull(find(&f, "activation-marketing", "\"REMOVE\"", NULL));
    teardown(&f);
}
END_TEST

START_TEST(test_c360_engine_apply_enters_by_timer_when_tenure_reaches_365_days)
{
    struct fixture f;
    setup(&f);
    individual(&f, "1", "GP-1", "Jane", "2026-11-20T09:00:00Z");
    /* Opened 2025-11-21: 364 days on 2026-11-20. */
    saver(&f, "GP-1", "2025-11-21", "5000.00", "2026-11-20");
    ck_assert_ptr_null(find(&f, "segment-changes", NULL, NULL));
    ck_assert_uint_eq(c360_engine_timers(f.eng), 1);
    /* Any record of the next day moves the event clock: the timer fires
     * first, with no input of that profile. */
    individual(&f, "9", "GP-9", "Other", "2026-11-21T00:00:01Z");
    const char *enter = find(&f, "segment-changes", "\"ENTER\"", "\"u1\"");
    ck_assert_ptr_nonnull(enter);
    ck_assert_ptr_nonnull(strstr(enter, "\"cause\":\"TIMER\""));
    ck_assert_ptr_nonnull(strstr(enter, "\"recordKey\":null"));
    ck_assert_ptr_nonnull(strstr(enter, "\"tenureDays\":\"365\""));
    /* A member now with a steady balance and no money market account for
     * the upsell: time alone can change none of its memberships, so no
     * timer is left, not even for the upsell's 1095 days. */
    ck_assert_uint_eq(c360_engine_timers(f.eng), 0);
    teardown(&f);
}
END_TEST

START_TEST(test_c360_engine_apply_times_only_memberships_that_time_can_change)
{
    struct fixture f;
    setup(&f);
    /* A checking account whose balance moved five days ago: its 30-day
     * average moves daily for 25 days, but without savings no segment can
     * take the profile in. No timer. */
    individual(&f, "1", "GP-1", "Jane", "2026-11-20T09:00:00Z");
    account(&f, "C-1", "GP-1", "CHECKING", "2015-01-01", "100.00", "2025-01-01T12:00:00Z",
            "2026-11-20T09:00:00Z");
    account(&f, "C-1", "GP-1", "CHECKING", "2015-01-01", "15000.00", "2026-11-15T12:00:00Z",
            "2026-11-20T09:00:00Z");
    ck_assert_uint_eq(c360_engine_timers(f.eng), 0);
    /* The same history on savings: the average climbs past 3000 as the
     * window fills, so the profile waits on a timer. */
    individual(&f, "2", "GP-2", "John", "2026-11-20T09:00:00Z");
    account(&f, "S-2", "GP-2", "SAVINGS", "2015-01-01", "100.00", "2025-01-01T12:00:00Z",
            "2026-11-20T09:00:00Z");
    account(&f, "S-2", "GP-2", "SAVINGS", "2015-01-01", "15000.00", "2026-11-15T12:00:00Z",
            "2026-11-20T09:00:00Z");
    ck_assert_ptr_null(find(&f, "segment-changes", NULL, NULL));
    ck_assert_uint_eq(c360_engine_timers(f.eng), 1);
    /* Five days of 15000.00 in today's window make 2583.33 on average; six
     * tomorrow make 3080.00: it enters then, by timer. */
    individual(&f, "9", "GP-9", "Other", "2026-11-21T00:00:01Z");
    const char *enter = find(&f, "segment-changes", "\"ENTER\"", "\"u2\"");
    ck_assert_ptr_nonnull(enter);
    ck_assert_ptr_nonnull(strstr(enter, "\"cause\":\"TIMER\""));
    teardown(&f);
}
END_TEST

/*
 * Memberships that only time changes, at the edges of the 30-day window,
 * from sparse balances (0.00 since 2025, one day of 10000.00 on each): u1
 * holds 10000.00 from 2026-10-01 to 10-19, u2 from 10-25 on. adb ≥ 3000
 * needs nine of those days in the window [today − 30, today − 1]: u1 has
 * nine up to 11-10 and exits on 11-11, when 10-11 leaves the window; u2
 * reaches nine on 11-03. The timers must fire on those very days, not later,
 * and not the day before. (Nine, odd: a timer set a day late each time
 * would miss both, though it fires every other day while averages move.)
 */
static void sparse_savers(struct fixture *f)
{
    individual(f, "1", "GP-1", "Jane", "2026-10-01T09:00:00Z");
    individual(f, "2", "GP-2", "John", "2026-10-01T09:00:00Z");
    account(f, "S-1", "GP-1", "SAVINGS", "2020-01-01", "0.00", "2025-01-01T12:00:00Z",
            "2026-10-01T10:00:00Z");
    account(f, "S-2", "GP-2", "SAVINGS", "2020-01-01", "0.00", "2025-01-01T12:00:00Z",
            "2026-10-01T10:00:00Z");
    account(f, "S-1", "GP-1", "SAVINGS", "2020-01-01", "10000.00", "2026-10-01T12:00:00Z",
            "2026-10-01T13:00:00Z");
    account(f, "S-1", "GP-1", "SAVINGS", "2020-01-01", "0.00", "2026-10-20T12:00:00Z",
            "2026-10-20T13:00:00Z");
    /* 19 days of 10000.00 in the window: 6333.33 on average. */
    ck_assert_ptr_nonnull(find(f, "segment-changes", "\"ENTER\"", "\"u1\""));
    account(f, "S-2", "GP-2", "SAVINGS", "2020-01-01", "10000.00", "2026-10-25T12:00:00Z",
            "2026-10-25T13:00:00Z");
    ck_assert_ptr_null(find(f, "segment-changes", NULL, NULL));
}

START_TEST(test_c360_engine_apply_times_window_edges_to_the_day)
{
    struct fixture f;
    setup(&f);
    sparse_savers(&f);
    /* A stranger's record each day moves the event clock a day at a time. */
    for (int day = 26; day <= 31 + 13; day++) {
        char at[64];
        snprintf(at, sizeof(at), "2026-%s-%02dT00:00:01Z", day <= 31 ? "10" : "11",
                 day <= 31 ? day : day - 31);
        individual(&f, "9", "GP-9", "Other", at);
        const char *u1 = find(&f, "segment-changes", "\"u1\"", NULL);
        const char *u2 = find(&f, "segment-changes", "\"u2\"", NULL);
        ck_assert_msg((u1 != NULL) == (day == 31 + 11), "%s: u1 %s", at, u1 ? u1 : "unchanged");
        ck_assert_msg((u2 != NULL) == (day == 31 + 3), "%s: u2 %s", at, u2 ? u2 : "unchanged");
        /* Timers fire on most of these days, as the averages move; the
         * golden profile is sent only with a membership change. */
        const char *p1 = find(&f, "unified-profile", "\"unifiedId\":\"u1\"", NULL);
        const char *p2 = find(&f, "unified-profile", "\"unifiedId\":\"u2\"", NULL);
        ck_assert_msg((p1 != NULL) == (u1 != NULL), "%s: u1's profile %s", at,
                      p1 ? p1 : "not sent");
        ck_assert_msg((p2 != NULL) == (u2 != NULL), "%s: u2's profile %s", at,
                      p2 ? p2 : "not sent");
        if (p2)
            ck_assert_ptr_nonnull(strstr(p2, "\"segments\":[\"cross_sell_money_market\"]"));
        if (u1) {
            ck_assert_ptr_nonnull(strstr(u1, "\"action\":\"EXIT\""));
            ck_assert_ptr_nonnull(strstr(u1, "\"cause\":\"TIMER\""));
            ck_assert_ptr_nonnull(
                find(&f, "segment-membership", "cross_sell_money_market|u1 null", NULL));
        }
        if (u2) {
            ck_assert_ptr_nonnull(strstr(u2, "\"action\":\"ENTER\""));
            ck_assert_ptr_nonnull(strstr(u2, "\"cause\":\"TIMER\""));
            ck_assert_ptr_nonnull(strstr(u2, "\"adb([SAVINGS,CHECKING])\":\"3000"));
            ck_assert_ptr_nonnull(find(&f, "activation-marketing", "\"ADD\"", "\"u2\""));
        }
    }
    teardown(&f);
}
END_TEST

START_TEST(test_c360_engine_apply_fires_skipped_days_in_order_on_their_day)
{
    /* The clock jumps from 10-25 to 11-20 in one record: both timers fire
     * on the way, in day order, stamped with their own day. */
    struct fixture f;
    setup(&f);
    sparse_savers(&f);
    individual(&f, "9", "GP-9", "Other", "2026-11-20T09:00:00Z");
    const char *u1 = find(&f, "segment-changes", "\"u1\"", NULL);
    const char *u2 = find(&f, "segment-changes", "\"u2\"", NULL);
    ck_assert_ptr_nonnull(u1);
    ck_assert_ptr_nonnull(u2);
    ck_assert_ptr_nonnull(strstr(u2, "\"ENTER\""));
    ck_assert_ptr_nonnull(strstr(u2, "\"at\":1793664000000")); /* 2026-11-03 */
    ck_assert_ptr_nonnull(strstr(u1, "\"EXIT\""));
    ck_assert_ptr_nonnull(strstr(u1, "\"at\":1794355200000")); /* 2026-11-11 */
    ck_assert_int_lt(u2 - f.log[0], u1 - f.log[0]);
    teardown(&f);
}
END_TEST

START_TEST(test_c360_engine_apply_exits_the_profile_a_merge_absorbs)
{
    struct fixture f;
    setup(&f);
    individual(&f, "1", "GP-1", "Jane", "2026-11-01T09:00:00Z"); /* u1 */
    individual(&f, "2", "GP-2", "Mark", "2026-11-01T09:00:00Z"); /* u2 */
    saver(&f, "GP-2", "2020-01-01", "4000.00", "2026-11-20");
    ck_assert_ptr_nonnull(find(&f, "segment-changes", "\"ENTER\"", "\"u2\""));
    /* The same tax id on both: one person with two party ids. u1 is the
     * older, so u2 is absorbed: its membership exits, u1's enters. */
    const char *tin = "\"partyIdentifiers\":[{\"type\":\"TIN\",\"value\":\"123456789\"}]";
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"eventId\":\"x1\",\"changeType\":\"UPSERT\",\"occurredAt\":"
             "\"2026-11-20T10:00:00Z\",\"source\":{\"system\":\"fsc\",\"recordId\":\"1\"},"
             "\"globalPartyId\":\"GP-1\",\"firstName\":\"Jane\",\"lastName\":\"Doe\",%s}",
             tin);
    apply(&f, C360_ENTITY_INDIVIDUAL, json);
    ck_assert_ptr_null(find(&f, "identity-changes", "\"MERGE\"", NULL));
    snprintf(json, sizeof(json),
             "{\"eventId\":\"x2\",\"changeType\":\"UPSERT\",\"occurredAt\":"
             "\"2026-11-20T10:00:01Z\",\"source\":{\"system\":\"fsc\",\"recordId\":\"2\"},"
             "\"globalPartyId\":\"GP-2\",\"firstName\":\"Jane\",\"lastName\":\"Doe\",%s}",
             tin);
    apply(&f, C360_ENTITY_INDIVIDUAL, json);
    ck_assert_ptr_nonnull(find(&f, "identity-changes", "\"MERGE\"", "\"from\":[\"u1\",\"u2\"]"));
    ck_assert_ptr_nonnull(find(&f, "segment-changes", "\"EXIT\"", "\"u2\""));
    ck_assert_ptr_nonnull(find(&f, "segment-membership", "cross_sell_money_market|u2 null", NULL));
    ck_assert_ptr_nonnull(find(&f, "unified-profile", "u2 null", NULL));
    const char *enter = find(&f, "segment-changes", "\"ENTER\"", "\"u1\"");
    ck_assert_ptr_nonnull(enter);
    ck_assert_ptr_nonnull(find(&f, "segment-membership", "cross_sell_money_market|u1", "GP-2"));
    /* The merged profile lists both parties and all their records. */
    ck_assert_ptr_nonnull(find(&f, "unified-profile", "\"globalPartyIds\":[\"GP-1\",\"GP-2\"]",
                               "\"recordKeys\":[\"fsc:1\",\"fsc:2\",\"party:GP-2\"]"));
    teardown(&f);
}
END_TEST

/* Balances before the person: the member is told to the advisor once the
 * person's FSC account arrives, without a second ENTER. */
START_TEST(test_c360_engine_apply_tells_the_advisor_when_the_fsc_account_arrives)
{
    struct fixture f;
    setup(&f);
    saver(&f, "GP-1", "2020-01-01", "3000.00", "2026-11-20");
    ck_assert_ptr_nonnull(find(&f, "segment-changes", "\"ENTER\"", NULL));
    ck_assert_ptr_null(find(&f, "activation-csr-insight", NULL, NULL));
    individual(&f, "1", "GP-1", "Jane", "2026-11-20T09:00:00Z");
    ck_assert_ptr_null(find(&f, "segment-changes", NULL, NULL));
    ck_assert_ptr_nonnull(find(&f, "activation-csr-insight", "\"subjectId\":\"0011\"",
                               "Jane Doe, client since 2020"));
    individual(&f, "1", "GP-1", "Jane", "2026-11-20T10:00:00Z"); /* told once */
    ck_assert_ptr_null(find(&f, "activation-csr-insight", NULL, NULL));
    teardown(&f);
}
END_TEST

/* Same inputs, same bytes. */
static void transaction(struct fixture *f, const char *id, const char *gp, const char *at)
{
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"eventId\":\"t-%s\",\"changeType\":\"UPSERT\",\"occurredAt\":\"%s\","
             "\"source\":{\"system\":\"snowflake\",\"recordId\":\"%s\"},"
             "\"globalPartyId\":\"%s\",\"globalTransactionId\":\"%s\","
             "\"globalAccountId\":\"S-%s\",\"amount\":\"12.50\",\"currency\":\"USD\","
             "\"direction\":\"DEBIT\",\"transactionDate\":\"2026-11-20\"}",
             id, at, id, gp, id, gp);
    apply(f, C360_ENTITY_FINANCIAL_TRANSACTION, json);
}

START_TEST(test_c360_engine_due_waits_for_the_tenure_that_can_change_a_membership)
{
    /* 300 days of tenure, savings of 5000.00 down to 4000.00 five days ago:
     * the 30-day average moves every day for 25 days but stays above
     * 3000.00, so only tenure reaching 365 days can take the profile in.
     * Its timer is set for that day, not for tomorrow. */
    struct fixture f;
    setup(&f);
    individual(&f, "1", "GP-1", "Jane", "2026-11-20T07:00:00Z");
    account(&f, "S-1", "GP-1", "SAVINGS", "2026-01-24", "5000.00", "2025-01-01T12:00:00Z",
            "2026-11-20T08:00:00Z");
    account(&f, "S-1", "GP-1", "SAVINGS", "2026-01-24", "4000.00", "2026-11-15T12:00:00Z",
            "2026-11-20T09:00:00Z");
    ck_assert_ptr_null(find(&f, "segment-changes", NULL, NULL));
    ck_assert_int_eq(c360_engine_due(f.eng, 1), c360_date_from_civil(2027, 1, 24));
    ck_assert_int_eq(c360_engine_due(f.eng, 42), C360_INSIGHTS_NEVER); /* no such profile */
    /* Down to 1000.00: the average will be too low by then, but whether it
     * is can only be told that day (bounds over all later days allow a high
     * average and a long tenure together); still nothing can change before. */
    account(&f, "S-1", "GP-1", "SAVINGS", "2026-01-24", "1000.00", "2026-11-15T12:00:00Z",
            "2026-11-20T10:00:00Z");
    ck_assert_int_eq(c360_engine_due(f.eng, 1), c360_date_from_civil(2027, 1, 24));
    /* A member whose average falls may leave on any day it moves: tomorrow. */
    individual(&f, "2", "GP-2", "John", "2026-11-20T07:00:00Z");
    account(&f, "S-2", "GP-2", "SAVINGS", "2020-01-01", "5000.00", "2025-01-01T12:00:00Z",
            "2026-11-20T11:00:00Z");
    ck_assert_ptr_nonnull(find(&f, "segment-changes", "\"ENTER\"", "\"u2\""));
    ck_assert_int_eq(c360_engine_due(f.eng, 2), C360_INSIGHTS_NEVER);
    account(&f, "S-2", "GP-2", "SAVINGS", "2020-01-01", "1000.00", "2026-11-15T12:00:00Z",
            "2026-11-20T12:00:00Z");
    ck_assert_int_eq(c360_engine_due(f.eng, 2), c360_date_from_civil(2026, 11, 21));
    teardown(&f);
}
END_TEST

START_TEST(test_c360_engine_apply_reevaluates_no_profile_for_a_transaction)
{
    /* No insight reads transactions (DESIGN.md §5): one of a known party
     * changes no profile, so nothing is re-sent, even days later when a
     * re-evaluation would render a new asOfDate; one naming a new party
     * makes its party record, whose link and profile are new. */
    struct fixture f;
    setup(&f);
    individual(&f, "1", "GP-1", "Jane", "2026-11-20T07:00:00Z");
    saver(&f, "GP-1", "2020-01-01", "3000.00", "2026-11-20");
    ck_assert_ptr_nonnull(find(&f, "segment-changes", "ENTER", NULL));
    transaction(&f, "T1", "GP-1", "2026-11-22T09:00:00Z");
    ck_assert_uint_eq(f.n_log, 0);
    transaction(&f, "T2", "GP-9", "2026-11-22T09:05:00Z");
    ck_assert_ptr_nonnull(find(&f, "identity-links", "party:GP-9", NULL));
    ck_assert_ptr_nonnull(find(&f, "unified-profile", "GP-9", NULL));
    teardown(&f);
}
END_TEST

START_TEST(test_c360_engine_apply_resends_a_restated_balance_only_on_a_new_day)
{
    /* An account reporting the balance it already had changes no insight.
     * The same day nothing is sent again; on a later day the profile is, as
     * for any input, with that day's asOfDate; and a real change on a day the
     * profile was already evaluated is sent all the same. */
    struct fixture f;
    setup(&f);
    individual(&f, "1", "GP-1", "Jane", "2026-11-20T07:00:00Z");
    saver(&f, "GP-1", "2020-01-01", "3000.00", "2026-11-20");
    ck_assert_ptr_nonnull(find(&f, "segment-changes", "ENTER", NULL));
    account(&f, "S-GP-1", "GP-1", "SAVINGS", "2020-01-01", "3000.00", "2026-11-20T12:00:00Z",
            "2026-11-20T13:00:00Z");
    ck_assert_uint_eq(f.n_log, 0);
    account(&f, "S-GP-1", "GP-1", "SAVINGS", "2020-01-01", "3000.00", "2026-11-22T06:00:00Z",
            "2026-11-22T07:00:00Z");
    ck_assert_uint_eq(f.n_log, 1);
    ck_assert_ptr_nonnull(find(&f, "unified-profile", "\"asOfDate\":20779", "\"u1\""));
    account(&f, "S-GP-1", "GP-1", "SAVINGS", "2020-01-01", "3000.00", "2026-11-22T08:00:00Z",
            "2026-11-22T09:00:00Z");
    ck_assert_uint_eq(f.n_log, 0);
    account(&f, "S-GP-1", "GP-1", "SAVINGS", "2020-01-01", "2500.00", "2026-11-22T10:00:00Z",
            "2026-11-22T11:00:00Z");
    ck_assert_ptr_nonnull(
        find(&f, "unified-profile", "\"totalBalance\":{\"amount\":\"2500.00\"", "\"u1\""));
    teardown(&f);
}
END_TEST

START_TEST(test_c360_engine_apply_resends_a_profile_whose_person_changed)
{
    /* Balances re-evaluate a profile for its insights only; a change of its
     * person record must still reach the profile sent, even with every
     * insight as before. */
    struct fixture f;
    setup(&f);
    individual(&f, "1", "GP-1", "Jane", "2026-11-20T07:00:00Z");
    saver(&f, "GP-1", "2020-01-01", "3000.00", "2026-11-20");
    account(&f, "S-GP-1", "GP-1", "SAVINGS", "2020-01-01", "3100.00", "2026-11-20T12:00:00Z",
            "2026-11-20T13:00:00Z");
    ck_assert_ptr_nonnull(find(&f, "unified-profile", "\"firstName\":\"Jane\"", NULL));
    individual(&f, "1", "GP-1", "Janet", "2026-11-20T14:00:00Z");
    ck_assert_ptr_nonnull(find(&f, "unified-profile", "\"firstName\":\"Janet\"", NULL));
    account(&f, "S-GP-1", "GP-1", "SAVINGS", "2020-01-01", "3200.00", "2026-11-20T15:00:00Z",
            "2026-11-20T16:00:00Z");
    ck_assert_ptr_nonnull(find(&f, "unified-profile", "\"firstName\":\"Janet\"", "3200.00"));
    teardown(&f);
}
END_TEST

/* Money renders as {"amount","currency"} with the currency setting: in one
 * piece for an ISO 4217 code, escaped for a setting that is not one (the
 * engine checks only its first three letters). */
START_TEST(test_c360_engine_apply_renders_money_in_the_currency_setting)
{
    static const struct {
        const char *currency, *want;
    } cases[] = {
        {"USD", "\"totalBalance\":{\"amount\":\"0.00\",\"currency\":\"USD\"}"},
        {"USD\"x", "\"totalBalance\":{\"amount\":\"0.00\",\"currency\":\"USD\\\"x\"}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fixture f;
        setup(&f);
        c360_engine_destroy(f.eng);
        struct c360_engine_config cfg = {.rules = f.rules,
                                         .segments = f.segments,
                                         .clock = C360_CLOCK_EVENT,
                                         .currency = cases[i].currency};
        ck_assert_int_eq(c360_engine_new(&cfg, &f.eng), C360_OK);
        individual(&f, "1", "GP-1", "Jane", "2026-11-01T09:00:00Z");
        apply(&f, C360_ENTITY_FINANCIAL_ACCOUNT,
              "{\"eventId\":\"a-1\",\"changeType\":\"UPSERT\",\"occurredAt\":"
              "\"2026-11-02T09:00:00Z\",\"source\":{\"system\":\"snowflake\",\"recordId\":"
              "\"A-1\"},\"globalPartyId\":\"GP-1\",\"globalAccountId\":\"A-1\",\"accountType\":"
              "\"SAVINGS\",\"status\":\"OPEN\",\"openedDate\":\"2020-01-01\"}");
        const char *profile = find(&f, "unified-profile", "\"u1\"", NULL);
        ck_assert_ptr_nonnull(profile);
        ck_assert_msg(strstr(profile, cases[i].want), "currency %s: %s", cases[i].currency,
                      profile);
        teardown(&f);
    }
}
END_TEST

/* The unified profile's value from unifiedId to updatedAt (its eventId and
 * time left out), checked to be JSON. */
static void profile_body(const struct fixture *f, char *out, size_t size)
{
    const char *line = find(f, "unified-profile", NULL, NULL);
    ck_assert_ptr_nonnull(line);
    const char *value = strchr(strchr(line, ' ') + 1, ' ') + 1;
    json_error_t jerr;
    json_t *back = json_loads(value, 0, &jerr);
    ck_assert_msg(back != NULL, "not JSON: %s (%s)", value, jerr.text);
    json_decref(back);
    const char *from = strstr(value, "\"unifiedId\""), *to = strstr(value, ",\"updatedAt\"");
    ck_assert(from && to && from < to);
    snprintf(out, size, "%.*s", (int)(to - from), from);
}

/* Every member of a unified profile, as DESIGN.md §5 and the issue list
 * them: with nothing known but a name (nulls and empty lists), and with all
 * of it (a person's attributes, accounts of two types, an external account,
 * a segment). */
START_TEST(test_c360_engine_apply_renders_the_whole_unified_profile)
{
    struct fixture f;
    char body[2048];
    setup(&f);
    apply(&f, C360_ENTITY_INDIVIDUAL,
          "{\"eventId\":\"i-1\",\"changeType\":\"UPSERT\",\"occurredAt\":"
          "\"2026-11-20T08:00:00Z\",\"source\":{\"system\":\"fsc\",\"recordId\":\"1\"},"
          "\"lastName\":\"Doe\"}");
    profile_body(&f, body, sizeof(body));
    ck_assert_str_eq(body,
                     "\"unifiedId\":\"u1\",\"globalPartyIds\":[],\"recordKeys\":[\"fsc:1\"],"
                     "\"firstName\":null,\"lastName\":\"Doe\",\"birthDate\":null,\"emails\":[],"
                     "\"phones\":[],\"addresses\":[],\"fscAccountId\":null,"
                     "\"preferredChannel\":null,\"householdId\":null,\"insights\":{"
                     "\"asOfDate\":20777,\"tenureDays\":null,\"accountCount\":0,"
                     "\"heldAccountTypes\":[],\"totalBalance\":null,\"adb30\":{},"
                     "\"externalAdb\":{}},\"segments\":[]");
    teardown(&f);

    setup(&f);
    apply(&f, C360_ENTITY_INDIVIDUAL,
          "{\"eventId\":\"i-2\",\"changeType\":\"UPSERT\",\"occurredAt\":"
          "\"2026-11-20T08:00:00Z\",\"source\":{\"system\":\"fsc\",\"recordId\":\"2\"},"
          "\"globalPartyId\":\"GP-2\",\"firstName\":\"Zo\u00eb \\\"Z\\\"\",\"lastName\":\"Doe\","
          "\"birthDate\":\"1984-02-29\",\"emails\":[\"zoe@example.com\"],"
          "\"phones\":[\"+1 415 555 0100\"],\"addresses\":[{\"line1\":\"1 Market St\","
          "\"city\":\"San Francisco\",\"postalCode\":\"94105\",\"country\":\"US\"}],"
          "\"fscAccountId\":\"0012\",\"preferredChannel\":\"EMAIL\",\"householdId\":\"hh-7\"}");
    account(&f, "C-2", "GP-2", "CHECKING", "2021-03-01", "1000.00", "2025-01-01T12:00:00Z",
            "2026-11-20T08:01:00Z");
    apply(&f, C360_ENTITY_EXTERNAL_ACCOUNT,
          "{\"eventId\":\"e-2\",\"changeType\":\"UPSERT\",\"occurredAt\":"
          "\"2026-11-20T08:02:00Z\",\"source\":{\"system\":\"s3\",\"recordId\":\"X-2\"},"
          "\"globalPartyId\":\"GP-2\",\"externalAccountId\":\"X-2\",\"institutionName\":"
          "\"Other Bank\",\"accountType\":\"CHECKING\",\"status\":\"OPEN\","
          "\"averageDailyBalance\":{\"amount\":\"150.25\",\"currency\":\"USD\"},"
          "\"asOf\":\"2026-11-01T00:00:00Z\"}");
    saver(&f, "GP-2", "2020-01-01", "3000.00", "2026-11-20");
    profile_body(&f, body, sizeof(body));
    ck_assert_str_eq(
        body, "\"unifiedId\":\"u1\",\"globalPartyIds\":[\"GP-2\"],"
              "\"recordKeys\":[\"fsc:2\",\"party:GP-2\"],\"firstName\":\"Zo\u00eb \\\"Z\\\"\","
              "\"lastName\":\"Doe\",\"birthDate\":5172,\"emails\":[\"zoe@example.com\"],"
              "\"phones\":[\"+1 415 555 0100\"],\"addresses\":[{\"line1\":\"1 Market St\","
              "\"city\":\"San Francisco\",\"postalCode\":\"94105\",\"country\":\"US\"}],"
              "\"fscAccountId\":\"0012\",\"preferredChannel\":\"EMAIL\",\"householdId\":"
              "\"hh-7\",\"insights\":{\"asOfDate\":20777,\"tenureDays\":2515,"
              "\"accountCount\":2,\"heldAccountTypes\":[\"CHECKING\",\"SAVINGS\"],"
              "\"totalBalance\":{\"amount\":\"4000.00\",\"currency\":\"USD\"},"
              "\"adb30\":{\"CHECKING\":{\"amount\":\"1000.00\",\"currency\":\"USD\"},"
              "\"SAVINGS\":{\"amount\":\"3000.00\",\"currency\":\"USD\"}},"
              "\"externalAdb\":{\"CHECKING\":{\"amount\":\"150.25\",\"currency\":\"USD\"}}},"
              "\"segments\":[\"cross_sell_money_market\"]");
    teardown(&f);
}
END_TEST

/* A profile in several segments lists them all, in the configuration's
 * order. */
START_TEST(test_c360_engine_apply_lists_every_segment_of_a_profile)
{
    static const char config[] =
        "{\"segments\":[{\"name\":\"savers\",\"expression\":\"holds(SAVINGS)\"},"
        "{\"name\":\"rich\",\"expression\":\"totalBalance >= 100\"},"
        "{\"name\":\"tenured\",\"expression\":\"tenureDays >= 1\"}]}";
    struct fixture f;
    struct c360_diag diag;
    size_t n;
    const struct c360_segment_insight *insights = c360_engine_insights(&n);
    setup(&f);
    c360_engine_destroy(f.eng);
    c360_segment_set_free(f.segments);
    c360_diag_clear(&diag);
    ck_assert_msg(c360_segment_set_parse(config, strlen(config), "test", insights, n, &f.segments,
                                         &diag) == C360_OK,
                  "%s", diag.text);
    struct c360_engine_config cfg = {
        .rules = f.rules, .segments = f.segments, .clock = C360_CLOCK_EVENT, .currency = "USD"};
    ck_assert_int_eq(c360_engine_new(&cfg, &f.eng), C360_OK);
    individual(&f, "1", "GP-1", "Jane", "2026-11-01T09:00:00Z");
    saver(&f, "GP-1", "2020-01-01", "50.00", "2026-11-20");
    ck_assert_ptr_nonnull(
        find(&f, "unified-profile", "\"segments\":[\"savers\",\"tenured\"]", NULL));
    saver(&f, "GP-1", "2020-01-01", "150.00", "2026-11-20");
    ck_assert_ptr_nonnull(
        find(&f, "unified-profile", "\"segments\":[\"savers\",\"rich\",\"tenured\"]", NULL));
    teardown(&f);
}
END_TEST

START_TEST(test_c360_engine_apply_is_deterministic)
{
    char first[64][2048];
    size_t n_first = 0;
    for (int run = 0; run < 2; run++) {
        struct fixture f;
        setup(&f);
        individual(&f, "1", "GP-1", "Jane", "2026-11-01T09:00:00Z");
        saver(&f, "GP-1", "2020-01-01", "3000.00", "2026-11-20");
        if (run == 0) {
            memcpy(first, f.log, sizeof(first));
            n_first = f.n_log;
        } else {
            ck_assert_uint_eq(f.n_log, n_first);
            for (size_t i = 0; i < f.n_log; i++)
                ck_assert_str_eq(f.log[i], first[i]);
        }
        teardown(&f);
    }
    ck_assert_uint_gt(n_first, 3);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("c360_engine_apply");
    tcase_add_test(tc, test_c360_engine_apply_enters_cross_sell_at_the_adb_threshold);
    tcase_add_test(tc, test_c360_engine_apply_enters_by_timer_when_tenure_reaches_365_days);
    tcase_add_test(tc, test_c360_engine_apply_times_only_memberships_that_time_can_change);
    tcase_add_test(tc, test_c360_engine_apply_times_window_edges_to_the_day);
    tcase_add_test(tc, test_c360_engine_apply_fires_skipped_days_in_order_on_their_day);
    tcase_add_test(tc, test_c360_engine_apply_exits_the_profile_a_merge_absorbs);
    tcase_add_test(tc, test_c360_engine_apply_tells_the_advisor_when_the_fsc_account_arrives);
    tcase_add_test(tc, test_c360_engine_apply_reevaluates_no_profile_for_a_transaction);
    tcase_add_test(tc, test_c360_engine_apply_resends_a_restated_balance_only_on_a_new_day);
    tcase_add_test(tc, test_c360_engine_apply_resends_a_profile_whose_person_changed);
    tcase_add_test(tc, test_c360_engine_due_waits_for_the_tenure_that_can_change_a_membership);
    tcase_add_test(tc, test_c360_engine_apply_renders_money_in_the_currency_setting);
    tcase_add_test(tc, test_c360_engine_apply_renders_the_whole_unified_profile);
    tcase_add_test(tc, test_c360_engine_apply_lists_every_segment_of_a_profile);
    tcase_add_test(tc, test_c360_engine_apply_is_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
