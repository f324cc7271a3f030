/*
 * c360 engine — the insights a segment expression may call, and their
 * values for one profile (DESIGN.md §5).
 */
#include "engine_int.h"

#include <string.h>

/* Name i is enum value i + 1: types_of reads the names a call gave by place. */
static const char *const account_types[] = {
    [C360_ACCOUNT_CHECKING - 1] = "CHECKING",
    [C360_ACCOUNT_SAVINGS - 1] = "SAVINGS",
    [C360_ACCOUNT_MONEY_MARKET - 1] = "MONEY_MARKET",
    [C360_ACCOUNT_CD - 1] = "CD",
    [C360_ACCOUNT_CREDIT_CARD - 1] = "CREDIT_CARD",
    [C360_ACCOUNT_LOAN - 1] = "LOAN",
    [C360_ACCOUNT_MORTGAGE - 1] = "MORTGAGE",
    [C360_ACCOUNT_INVESTMENT - 1] = "INVESTMENT",
    [C360_ACCOUNT_OTHER - 1] = "OTHER",
    [C360_ACCOUNT_OTHER] = NULL,
};

enum {
    CALL_TENURE_DAYS,
    CALL_HOLDS,
    CALL_ADB,
    CALL_EXTERNAL_ADB,
    CALL_QUALIFYING_VISIT,
    CALL_ACCOUNT_COUNT,
    CALL_TOTAL_BALANCE,
};

const struct c360_segment_insight c360_engine_insight_table[] = {
    [CALL_TENURE_DAYS] = {"tenureDays", C360_SEGMENT_NUMBER, 0, 0, {0}, NULL},
    [CALL_HOLDS] = {"holds", C360_SEGMENT_BOOL, 1, 1, {C360_SEGMENT_ARG_NAME}, account_types},
    [CALL_ADB] = {"adb", C360_SEGMENT_MONEY, 1, 1, {C360_SEGMENT_ARG_NAMES}, account_types},
    [CALL_EXTERNAL_ADB] =
        {"externalAdb", C360_SEGMENT_MONEY, 1, 1, {C360_SEGMENT_ARG_NAMES}, account_types},
    [CALL_QUALIFYING_VISIT] = {"qualifyingVisit",
                               C360_SEGMENT_BOOL,
                               3,
                               3,
                               {C360_SEGMENT_ARG_NAME, C360_SEGMENT_ARG_NUMBER,
                                C360_SEGMENT_ARG_NUMBER},
                               NULL},
    [CALL_ACCOUNT_COUNT] = {"accountCount", C360_SEGMENT_NUMBER, 0, 0, {0}, NULL},
    [CALL_TOTAL_BALANCE] = {"totalBalance", C360_SEGMENT_MONEY, 0, 0, {0}, NULL},
};
const size_t c360_engine_insight_count =
    sizeof(c360_engine_insight_table) / sizeof(c360_engine_insight_table[0]);

const struct c360_segment_insight *c360_engine_insights(size_t *count)
{
    *count = c360_engine_insight_count;
    return c360_engine_insight_table;
}

/* The account types a call names: bit i of c->names is account_types[i],
 * which is enum value i + 1. */
static uint32_t types_of(const struct c360_segment_call *c)
{
    return (uint32_t)(c->names << 1);
}

/* Whether the profile holds an OPEN account of one of types. */
static bool holds_any(const struct c360_insights_summary *sum, uint32_t types)
{
    for (; types; types &= types - 1) { /* a call names a type or a few */
        int t = __builtin_ctz(types);
        if (t < C360_INSIGHTS_TYPES && sum->open_by_type[t] > 0)
            return true;
    }
    return false;
}

/* A visit rule from a qualifyingVisit call's arguments: days and minutes
 * are whole numbers (the language holds hundredths). */
bool engine_visit_rule(const struct c360_segment_call *c, struct c360_insights_visit_rule *rule)
{
    if (c->insight != CALL_QUALIFYING_VISIT || c->n_args != 3)
        return false;
    rule->subject = c->args[0].text;
    rule->min_minutes = (int32_t)(c->args[1].number / 100);
    rule->days = (int32_t)(c->args[2].number / 100);
    return c->args[1].number % 100 == 0 && c->args[2].number % 100 == 0 && c->args[1].number >= 0 &&
           c->args[2].number >= 0 && c->args[2].number / 100 <= C360_INSIGHTS_VISIT_DAYS_MAX;
}

enum c360_err engine_call(void *ctx, const struct c360_segment_call *c,
                          struct c360_segment_value *out, struct c360_diag *diag)
{
    const struct engine_eval *ev = ctx;
    const struct c360_insights_summary *sum = ev->sum;
    memset(out, 0, sizeof(*out));
    switch (c->insight) {
    case CALL_TENURE_DAYS:
        out->kind = C360_SEGMENT_NUMBER;
        out->number = (int64_t)sum->tenure_days * 100;
        return C360_OK;
    case CALL_HOLDS:
        out->kind = C360_SEGMENT_BOOL;
        out->boolean = holds_any(sum, types_of(c));
        return C360_OK;
    case CALL_ADB:
        out->kind = C360_SEGMENT_MONEY;
        out->money.minor = c360_insights_adb_sum(sum, types_of(c));
        out->divisor = C360_INSIGHTS_WINDOW_DAYS;
        memcpy(out->money.currency, ev->currency, sizeof(out->money.currency));
        return C360_OK;
    case CALL_EXTERNAL_ADB:
        out->kind = C360_SEGMENT_MONEY;
        out->money.minor = c360_insights_external_adb(sum, types_of(c));
        out->divisor = 1;
        memcpy(out->money.currency, ev->currency, sizeof(out->money.currency));
        return C360_OK;
    case CALL_QUALIFYING_VISIT: {
        struct c360_insights_visit_rule rule;
        if (!engine_visit_rule(c, &rule))
            return c360_diag_fail(diag, C360_ERR_INVALID, c->text,
                                  "qualifyingVisit takes a subject and whole minutes and days");
        out->kind = C360_SEGMENT_BOOL;
        out->boolean = c360_insights_owners_visit(ev->owners, ev->today, &rule);
        return C360_OK;
    }
    case CALL_ACCOUNT_COUNT:
        out->kind = C360_SEGMENT_NUMBER;
        out->number = (int64_t)sum->accounts * 100;
        return C360_OK;
    case CALL_TOTAL_BALANCE:
        out->kind = C360_SEGMENT_MONEY;
        out->money.minor = sum->balance;
        out->divisor = 1;
        memcpy(out->money.currency, ev->currency, sizeof(out->money.currency));
        return C360_OK;
    default:
        return c360_diag_fail(diag, C360_ERR_INVALID, c->name, "unknown insight");
    }
}

/* A value as bounds holding it alone. */
static bool bounds_point(const struct c360_segment_value *v, struct c360_segment_bounds *out)
{
    out->kind = v->kind;
    switch (v->kind) {
    case C360_SEGMENT_BOOL:
        out->may_false = !v->boolean;
        out->may_true = v->boolean;
        return true;
    case C360_SEGMENT_NUMBER:
        out->lo = out->hi = v->number;
        return true;
    case C360_SEGMENT_MONEY:
        out->lo = out->hi = v->money.minor;
        out->divisor = v->divisor;
        memcpy(out->currency, v->money.currency, sizeof(out->currency));
        return true;
    default:
        return false;
    }
}

/* c's value now: as the evaluation of the segment bounded found it, else
 * asked again (a call it short-circuited past, or a failed evaluation). */
static bool value_now(void *ctx, const struct c360_segment_call *c, struct c360_segment_value *out)
{
    const struct engine_eval *ev = ctx;
    if (ev->results) {
        const struct c360_segment_result *res = &ev->results[ev->segment];
        for (size_t i = 0; i < res->n_trace; i++) {
            if (res->trace[i].call == c) {
                *out = res->trace[i].value;
                return true;
            }
        }
    }
    return engine_call(ctx, c, out, NULL) == C360_OK;
}

bool engine_bound(void *ctx, const struct c360_segment_call *c, struct c360_segment_bounds *out)
{
    const struct engine_eval *ev = ctx;
    const struct c360_insights_summary *sum = ev->sum;
    struct c360_segment_value now;
    switch (c->insight) {
    case CALL_TENURE_DAYS:
        /* today − earliest openedDate only grows; none stays none (0). */
        out->kind = C360_SEGMENT_NUMBER;
        if (sum->earliest_opened == C360_DATE_NONE)
            return true;
        out->lo = ((int64_t)ev->today + 1 - sum->earliest_opened) * 100;
        out->hi = ((int64_t)ev->until - sum->earliest_opened) * 100;
        out->hi_open = ev->until == C360_INSIGHTS_NEVER;
        return true;
    case CALL_HOLDS:
        /* Holdings do not move with time. Read from the summary as
         * engine_call reads them, which costs less than finding the value
         * the evaluation traced. */
        out->kind = C360_SEGMENT_BOOL;
        out->may_true = holds_any(sum, types_of(c));
        out->may_false = !out->may_true;
        return true;
    case CALL_ADB:
        /* Over every later day: wider than up to until, never narrower. */
        if (ev->coarse)
            return false;
        out->kind = C360_SEGMENT_MONEY;
        out->divisor = C360_INSIGHTS_WINDOW_DAYS;
        memcpy(out->currency, ev->currency, sizeof(out->currency));
        return c360_insights_owners_adb_bounds(ev->owners, ev->today, types_of(c), &out->lo,
                                               &out->hi);
    case CALL_QUALIFYING_VISIT:
        /* Visits only age out: a rule false today stays false. */
        if (!value_now(ctx, c, &now) || !bounds_point(&now, out))
            return false;
        out->may_false = true;
        return true;
    default:
        /* Counts, balances and externalAdb do not move with time. */
        return value_now(ctx, c, &now) && bounds_point(&now, out);
    }
}
