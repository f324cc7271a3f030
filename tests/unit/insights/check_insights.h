/*
 * The insights suite is one Suite made of the TCases of every insights file
 * (each check_<file>.c adds its own), and the fixture they share
 * (fixture.c): validated canonical records built from a few fields, applied
 * to a state configured in USD with a 30-day visit retention.
 */
#ifndef C360_CHECK_INSIGHTS_H
#define C360_CHECK_INSIGHTS_H

#include "c360/insights.h"
#include "c360/time.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

void c360_check_insights_add(Suite *s);
void c360_check_account_add(Suite *s);
void c360_check_balance_add(Suite *s);
void c360_check_visit_add(Suite *s);
void c360_check_query_add(Suite *s);
void c360_check_persist_add(Suite *s);

#define LOOP(tc, test, table) tcase_add_loop_test(tc, test, 0, sizeof(table) / sizeof((table)[0]))

/* Instants of a day (days since 1970-01-01). */
#define START(day) ((int64_t)(day)*C360_MS_PER_DAY)
#define EOD(day) (START((day) + 1) - 1) /* 23:59:59.999 */
#define MIN_MS INT64_C(60000)
/* The fixtures' today: 2026-06-15. */
#define TODAY 20619 /* c360_date_from_civil(2026, 6, 15), checked by the suite */
#define USD(major, cents) ((int64_t)(major)*100 + (cents))

/* Fields of a record; 0 means absent for dates, instants and ids (no test
 * uses 1970-01-01), except where said. */
struct fx_account {
    const char *id, *party;
    const char *joint[3];
    enum c360_account_type type;
    enum c360_account_status status;
    int32_t opened, closed;
    int64_t minor;
    const char *currency; /* "USD" when NULL */
    int64_t as_of;        /* no balance when 0 */
    int64_t at;           /* occurredAt; noon of today when 0 */
    bool delete;
};

struct fx_external {
    const char *id, *party;
    enum c360_account_type type;
    enum c360_account_status status;
    int64_t minor;
    const char *currency; /* "USD" when NULL */
    int64_t as_of, at;    /* at: noon of today when 0 */
    bool delete;
};

struct fx_web {
    const char *id, *owner, *session, *subject;
    int64_t at, seconds;
    bool delete;
};

/* A state with generous caps; visit retention 30 days. */
struct c360_insights *fx_new(void);
/* Builds and validates a record (new: c360_record_destroy). */
struct c360_record *fx_account_record(const struct fx_account *a, int32_t today);
struct c360_record *fx_external_record(const struct fx_external *x, int32_t today);
struct c360_record *fx_web_record(const struct fx_web *w, int32_t today);
/* Builds, validates and applies; the apply's result. */
enum c360_err fx_account_try(struct c360_insights *ins, const struct fx_account *a, int32_t today);
enum c360_err fx_external_try(struct c360_insights *ins, const struct fx_external *x,
                              int32_t today);
enum c360_err fx_web_try(struct c360_insights *ins, const struct fx_web *w, int32_t today);
/* The same, asserting success. */
void fx_account(struct c360_insights *ins, const struct fx_account *a, int32_t today);
void fx_external(struct c360_insights *ins, const struct fx_external *x, int32_t today);
void fx_web(struct c360_insights *ins, const struct fx_web *w, int32_t today);
/* The summary of a NULL-terminated list of keys. */
struct c360_insights_summary fx_summary(const struct c360_insights *ins, int32_t today,
                                        const char *const *keys);
size_t fx_count(const char *const *keys);

#endif
