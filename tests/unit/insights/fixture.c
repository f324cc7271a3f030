/*
 * Fixture of the insights suite (check_insights.h): records as the codecs
 * make them, validated before they are applied, so no test feeds the module
 * something the engine never would.
 */
#include "check_insights.h"

#include "c360/record.h"

#include <string.h>

struct c360_insights *fx_new(void)
{
    struct c360_insights_config cfg = {.currency = "USD",
                                       .parties_max = 1000000,
                                       .accounts_max = 1000000,
                                       .externals_max = 1000000,
                                       .visit_days_max = 30};
    struct c360_insights *ins = NULL;
    struct c360_diag diag;
    ck_assert_int_eq(c360_date_from_civil(2026, 6, 15), TODAY);
    ck_assert_int_eq(c360_insights_new(&cfg, &ins, &diag), C360_OK);
    return ins;
}

static void str(struct c360_record *rec, const char *text, const char **out)
{
    if (text)
        ck_assert_int_eq(c360_record_str(rec, text, strlen(text), out, NULL), C360_OK);
}

static struct c360_record *common(enum c360_entity entity, bool delete, const char *id, int64_t at,
                                  int32_t today)
{
    struct c360_record *rec;
    ck_assert_int_eq(c360_record_new(entity, &rec), C360_OK);
    rec->change = delete ? C360_CHANGE_DELETE : C360_CHANGE_UPSERT;
    rec->occurred_at = at ? at : START(today) + C360_MS_PER_DAY / 2;
    str(rec, "evt", &rec->event_id);
    str(rec, "test", &rec->source_system);
    str(rec, id, &rec->source_record_id);
    return rec;
}

static struct c360_record *validated(struct c360_record *rec)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_record_validate(rec, &diag) == C360_OK, "fixture made an invalid record: %s",
                  diag.text);
    return rec;
}

static enum c360_err apply(struct c360_insights *ins, struct c360_record *rec,
                           const char *owner_key, int32_t today)
{
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_insights_apply(ins, rec, owner_key, today, NULL, &diag);
    c360_record_destroy(rec);
    return err;
}

struct c360_record *fx_account_record(const struct fx_account *a, int32_t today)
{
    struct c360_record *rec = common(C360_ENTITY_FINANCIAL_ACCOUNT, a->delete, a->id, a->at, today);
    struct c360_financial_account *fa = &rec->as.account;
    str(rec, a->id, &fa->global_account_id);
    if (!a->delete) {
        str(rec, a->party, &rec->global_party_id);
        for (int k = 0; k < 3 && a->joint[k]; k++)
            ck_assert_int_eq(c360_record_strs_add(rec, &fa->joint_owner_ids, a->joint[k],
                                                  strlen(a->joint[k]), NULL),
                             C360_OK);
        fa->account_type = a->type ? a->type : C360_ACCOUNT_SAVINGS;
        fa->status = a->status ? a->status : C360_STATUS_OPEN;
        fa->opened_date = a->opened ? a->opened : C360_DATE_NONE;
        fa->closed_date = a->closed ? a->closed : C360_DATE_NONE;
        if (a->as_of) {
            fa->balance.minor = a->minor;
            strcpy(fa->balance.currency, a->currency ? a->currency : "USD");
            fa->balance_as_of = a->as_of;
        } else {
            fa->balance_as_of = C360_TIME_NONE;
        }
    }
    return validated(rec);
}

struct c360_record *fx_external_record(const struct fx_external *x, int32_t today)
{
    struct c360_record *rec = common(C360_ENTITY_EXTERNAL_ACCOUNT, x->delete, x->id, x->at, today);
    struct c360_external_account *ea = &rec->as.external;
    str(rec, x->id, &ea->external_account_id);
    if (!x->delete) {
        str(rec, x->party, &rec->global_party_id);
        ea->account_type = x->type ? x->type : C360_ACCOUNT_SAVINGS;
        ea->status = x->status ? x->status : C360_STATUS_OPEN;
        ea->average_daily_balance.minor = x->minor;
        strcpy(ea->average_daily_balance.currency, x->currency ? x->currency : "USD");
        ea->as_of = x->as_of ? x->as_of : C360_TIME_NONE;
    }
    return validated(rec);
}

struct c360_record *fx_web_record(const struct fx_web *w, int32_t today)
{
    struct c360_record *rec = common(C360_ENTITY_WEB_ENGAGEMENT, w->delete, w->id, w->at, today);
    struct c360_web_engagement *we = &rec->as.web;
    str(rec, w->id, &we->engagement_id);
    if (!w->delete) {
        str(rec, w->owner, &rec->global_party_id);
        str(rec, w->session, &we->session_id);
        str(rec, w->subject, &we->subject);
        we->duration_seconds = w->seconds;
    }
    return validated(rec);
}

enum c360_err fx_account_try(struct c360_insights *ins, const struct fx_account *a, int32_t today)
{
    return apply(ins, fx_account_record(a, today), NULL, today);
}

enum c360_err fx_external_try(struct c360_insights *ins, const struct fx_external *x, int32_t today)
{
    return apply(ins, fx_external_record(x, today), NULL, today);
}

enum c360_err fx_web_try(struct c360_insights *ins, const struct fx_web *w, int32_t today)
{
    return apply(ins, fx_web_record(w, today), w->owner, today);
}

void fx_account(struct c360_insights *ins, const struct fx_account *a, int32_t today)
{
    ck_assert_int_eq(fx_account_try(ins, a, today), C360_OK);
}

void fx_external(struct c360_insights *ins, const struct fx_external *x, int32_t today)
{
    ck_assert_int_eq(fx_external_try(ins, x, today), C360_OK);
}

void fx_web(struct c360_insights *ins, const struct fx_web *w, int32_t today)
{
    ck_assert_int_eq(fx_web_try(ins, w, today), C360_OK);
}

size_t fx_count(const char *const *keys)
{
    size_t n = 0;
    while (keys[n])
        n++;
    return n;
}

struct c360_insights_summary fx_summary(const struct c360_insights *ins, int32_t today,
                                        const char *const *keys)
{
    struct c360_insights_summary sum;
    c360_insights_summarize(ins, keys, fx_count(keys), today, &sum);
    return sum;
}
