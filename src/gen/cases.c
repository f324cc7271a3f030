/*
 * c360 gen — the customers built at the thresholds of the default segments
 * (DESIGN.md §5, config/segments.json):
 *
 *   cross_sell_money_market: tenureDays >= 365 and holds(SAVINGS)
 *       and adb([SAVINGS, CHECKING]) >= 3000 and not holds(MONEY_MARKET)
 *   upsell_mortgage: tenureDays >= 1095 and holds(MONEY_MARKET)
 *       and adb([CHECKING, SAVINGS, MONEY_MARKET])
 *           + externalAdb([CHECKING, SAVINGS, MONEY_MARKET]) >= 10000
 *       and qualifyingVisit(real_estate, 20, 30)
 *
 * Each case holds every condition of its segment comfortably but one, and
 * puts that one at, just below or just above its threshold. Whether the
 * customer is a member on today, and the first day time alone changes that,
 * are written down here from the construction, not computed by an engine: the
 * figures follow from the balances and dates below (T = today; a window day is
 * one of T-30 .. T-1; a balance holds until the next one).
 */
#include "gen_int.h"

#define USD(major, cents) ((int64_t)(major)*100 + (cents))

#define CROSS_SELL "cross_sell_money_market"
#define MORTGAGE "upsell_mortgage"

/* One row per customer. A row with a builder starts a household; the rows
 * after it without one are its other members (built by the same builder). A
 * row without a name has no truth line. */
struct case_def {
    const char *name, *segment;
    bool member;
    int next_days; /* 0: membership stays as long as no input comes */
    void (*build)(struct gen_unit *u, int arg);
    int arg;
    const char *detail;
};

/* An account with one balance from its opening (or the history's start). */
static struct gen_account *account(struct gen_unit *u, int owner, enum gen_kind kind,
                                   int32_t opened_ago, int64_t minor)
{
    struct gen_account *a = gen_account_add(u, owner, kind, u->today - opened_ago);
    if (a)
        gen_account_balance(a, gen_hist(u, a->opened), minor);
    return a;
}

/* Sets the balance on one day only; the day after returns to `back`. */
static void one_day(struct gen_unit *u, struct gen_account *a, int32_t days_ago, int64_t minor,
                    int64_t back)
{
    gen_account_balance(a, gen_hist(u, u->today - days_ago), minor);
    gen_account_balance(a, gen_hist(u, u->today - days_ago + 1), back);
}

/* --- Cross-sell money market. */

/* Tenure from a savings account opened `arg` days ago; ADB 5500.00. */
static void cs_tenure(struct gen_unit *u, int arg)
{
    account(u, 0, GEN_SAVINGS, arg, USD(4000, 0));
    account(u, 0, GEN_CHECKING, arg - 30, USD(1500, 0));
}

/* The earliest account is a CD opened 365 days ago and closed long since:
 * tenure counts closed accounts too. */
static void cs_tenure_closed(struct gen_unit *u, int arg)
{
    struct gen_account *cd = account(u, 0, GEN_CD, arg, USD(10000, 0));
    if (cd)
        gen_account_close(u, cd, u->today - 200);
    account(u, 0, GEN_SAVINGS, 100, USD(4000, 0));
    account(u, 0, GEN_CHECKING, 100, USD(1500, 0));
}

/* ADB split over savings 2000.00 and checking `arg` cents, every day. */
static void cs_adb(struct gen_unit *u, int arg)
{
    account(u, 0, GEN_SAVINGS, 800, USD(2000, 0));
    account(u, 0, GEN_CHECKING, 790, arg);
}

/* Checking 1000.00 but 999.70 at the end of T-15: the sum is 89999.70. */
static void cs_adb_dip(struct gen_unit *u, int arg)
{
    (void)arg;
    account(u, 0, GEN_SAVINGS, 800, USD(2000, 0));
    struct gen_account *chk = account(u, 0, GEN_CHECKING, 790, USD(1000, 0));
    if (chk)
        one_day(u, chk, 15, USD(999, 70), USD(1000, 0));
}

/* Savings 3000.00, but 2999.99 at the end of T-20, a row that arrives only
 * this morning, after the rows of T-19 onwards: 89999.99 if it is read in its
 * place, 90000.00 if it is dropped or taken for the current balance. */
static void cs_adb_late(struct gen_unit *u, int arg)
{
    (void)arg;
    struct gen_account *sav = account(u, 0, GEN_SAVINGS, 800, USD(3000, 0));
    if (!sav)
        return;
    one_day(u, sav, 20, USD(2999, 99), USD(3000, 0));
    sav->late = gen_hist(u, u->today - 20);
    sav->late_at = gen_day_ms(u->today) + 7 * GEN_MS_PER_HOUR + 5 * GEN_MS_PER_MIN;
}

/* 2999.99 a day but 3000.29 on T-30, the window's first day: 90000.00 today,
 * 89999.70 tomorrow when that day leaves the window. */
static void cs_adb_peak(struct gen_unit *u, int arg)
{
    (void)arg;
    account(u, 0, GEN_SAVINGS, 800, USD(2000, 0));
    struct gen_account *chk = account(u, 0, GEN_CHECKING, 790, USD(999, 99));
    if (chk)
        one_day(u, chk, 30, USD(1000, 29), USD(999, 99));
}

/* Savings 2500.00, and checking 1500.00 closed on T-20 (emptied): 30 x 2500 +
 * 10 x 1500 = 90000.00 today, 88500.00 tomorrow. */
static void cs_adb_closed(struct gen_unit *u, int arg)
{
    (void)arg;
    account(u, 0, GEN_SAVINGS, 800, USD(2500, 0));
    struct gen_account *chk = account(u, 0, GEN_CHECKING, 790, USD(1500, 0));
    if (chk)
        gen_account_close(u, chk, u->today - 20);
}

/* Savings opened on T-10 with 9000.00: the days before it count 0, so the sum
 * is 10 x 9000 = 90000.00. Tenure comes from an empty checking account. */
static void cs_adb_opened(struct gen_unit *u, int arg)
{
    (void)arg;
    account(u, 0, GEN_CHECKING, 800, 0);
    account(u, 0, GEN_SAVINGS, 10, USD(9000, 0));
}

/* Eligible, and a money market account open (arg 0) or closed on T-60. */
static void cs_money_market(struct gen_unit *u, int arg)
{
    account(u, 0, GEN_SAVINGS, 800, USD(4000, 0));
    account(u, 0, GEN_CHECKING, 790, USD(1500, 0));
    struct gen_account *mm = account(u, 0, GEN_MONEY_MARKET, 400, USD(10000, 0));
    if (mm && arg)
        gen_account_close(u, mm, u->today - 60);
}

/* Eligible but the savings account is on hold: holds() wants OPEN. */
static void cs_on_hold(struct gen_unit *u, int arg)
{
    (void)arg;
    struct gen_account *sav = account(u, 0, GEN_SAVINGS, 800, USD(4000, 0));
    if (sav)
        sav->status = "On Hold";
    account(u, 0, GEN_CHECKING, 790, USD(1500, 0));
}

/* A couple: the savings account is the first's, with the second as joint
 * owner, who has no account of their own. */
static void cs_joint(struct gen_unit *u, int arg)
{
    (void)arg;
    struct gen_account *sav = account(u, 0, GEN_SAVINGS, 900, USD(4000, 0));
    if (sav)
        sav->joint = 1;
    account(u, 0, GEN_CHECKING, 900, USD(1500, 0));
}

/* A couple: the second is eligible on their own accounts but joint owner of
 * the first's money market account. */
static void cs_joint_money_market(struct gen_unit *u, int arg)
{
    (void)arg;
    struct gen_account *mm = account(u, 0, GEN_MONEY_MARKET, 700, USD(20000, 0));
    if (mm)
        mm->joint = 1;
    account(u, 1, GEN_SAVINGS, 900, USD(4000, 0));
    account(u, 1, GEN_CHECKING, 890, USD(1500, 0));
}

/* --- Upsell mortgage. */

/* A 25-minute real_estate visit ending with an engagement of no duration at
 * `last`, so its last event and its end are the same instant. */
static void good_visit(struct gen_unit *u, int owner, int64_t last)
{
    struct gen_session *s = gen_session_add(u, owner, true);
    if (!s)
        return;
    gen_session_page(s, "real_estate", last - 1500 * 1000, 900);
    gen_session_page(s, "real_estate", last - 600 * 1000, 600);
    gen_session_page(s, "retirement", last, 0);
}

/* A short visit about something else, which must not count. */
static void other_visit(struct gen_unit *u, int owner)
{
    struct gen_session *s = gen_session_add(u, owner, true);
    if (s)
        gen_session_page(s, "credit_cards", gen_day_ms(u->today - 12) + 19 * GEN_MS_PER_HOUR, 300);
}

static int64_t three_days_ago(const struct gen_unit *u)
{
    return gen_day_ms(u->today - 3) + 14 * GEN_MS_PER_HOUR;
}

/* Tenure `arg` days; ADB 12000.00; a good visit on T-3. */
static void mu_tenure(struct gen_unit *u, int arg)
{
    account(u, 0, GEN_CHECKING, arg, USD(3000, 0));
    account(u, 0, GEN_SAVINGS, arg - 10, USD(2000, 0));
    account(u, 0, GEN_MONEY_MARKET, 300, USD(7000, 0));
    good_visit(u, 0, three_days_ago(u));
    other_visit(u, 0);
}

/* Internal ADB 7000.00 plus external: a money market account whose latest
 * file says `arg` cents (last month's said 8000.00), a closed savings account
 * of 50000.00 and an open brokerage account of 80000.00, neither of which
 * counts. */
static void mu_external(struct gen_unit *u, int arg)
{
    account(u, 0, GEN_CHECKING, 2000, USD(1000, 0));
    account(u, 0, GEN_SAVINGS, 1990, USD(2000, 0));
    account(u, 0, GEN_MONEY_MARKET, 300, USD(4000, 0));
    struct gen_external *x = gen_external_add(u, 0, "Money Market", false);
    if (x)
        gen_external_records(u, x, USD(8000, 0), arg);
    if ((x = gen_external_add(u, 0, "Savings", true)))
        gen_external_records(u, x, USD(50000, 0), -1);
    if ((x = gen_external_add(u, 0, "Brokerage", false)))
        gen_external_records(u, x, USD(80000, 0), -1);
    good_visit(u, 0, three_days_ago(u));
}

enum visit_kind { VISIT_20_00, VISIT_20_01, VISIT_AT_EDGE, VISIT_BEFORE_EDGE, TIE_LOST, TIE_WON };

/* Eligible but for the visit, which is what `arg` says. */
static void mu_visit(struct gen_unit *u, int arg)
{
    account(u, 0, GEN_CHECKING, 2000, USD(3000, 0));
    account(u, 0, GEN_SAVINGS, 1990, USD(2000, 0));
    account(u, 0, GEN_MONEY_MARKET, 300, USD(7000, 0));
    other_visit(u, 0);
    /* The window starts at the start of T-30. */
    int64_t edge = gen_day_ms(u->today - GEN_WINDOW);
    int64_t start = gen_day_ms(u->today - 3) + 13 * GEN_MS_PER_HOUR + 30 * GEN_MS_PER_MIN;
    struct gen_session *s;
    switch ((enum visit_kind)arg) {
    case VISIT_20_00:
    case VISIT_20_01:
        /* real_estate 600 + 400(401) s, credit_cards 200 s; it ends 1200 (1201)
         * s after it starts. */
        if (!(s = gen_session_add(u, 0, true)))
            return;
        gen_session_page(s, "real_estate", start, 600);
        gen_session_page(s, "credit_cards", start + 600 * 1000, 200);
        gen_session_page(s, "real_estate", start + 800 * 1000, arg == VISIT_20_00 ? 400 : 401);
        break;
    case VISIT_AT_EDGE:
        good_visit(u, 0, edge);
        break;
    case VISIT_BEFORE_EDGE:
        good_visit(u, 0, edge - 1);
        break;
    case TIE_LOST:
    case TIE_WON:
        /* 750 s each: the main subject is the smaller name, credit_cards
         * before real_estate, real_estate before retirement. */
        if (!(s = gen_session_add(u, 0, true)))
            return;
        gen_session_page(s, arg == TIE_LOST ? "credit_cards" : "retirement", start, 750);
        gen_session_page(s, "real_estate", start + 750 * 1000, 750);
        break;
    }
}

/* Eligible on balances alone (10000.00 without it) but the money market
 * account closed on T-60. */
static void mu_money_market_closed(struct gen_unit *u, int arg)
{
    (void)arg;
    account(u, 0, GEN_CHECKING, 2000, USD(8000, 0));
    account(u, 0, GEN_SAVINGS, 1990, USD(2000, 0));
    struct gen_account *mm = account(u, 0, GEN_MONEY_MARKET, 300, USD(7000, 0));
    if (mm)
        gen_account_close(u, mm, u->today - 60);
    good_visit(u, 0, three_days_ago(u));
}

/* A good visit on T-3 stops counting on T+28 (its day + 31). */
#define VISIT_AGES_OUT 28

static const struct case_def cases[] = {
    {"tenure-364", CROSS_SELL, false, 1, cs_tenure, 364,
     "earliest openedDate T-364; SAVINGS 4000.00 + CHECKING 1500.00 a day"},
    {"tenure-365", CROSS_SELL, true, 0, cs_tenure, 365,
     "earliest openedDate T-365; SAVINGS 4000.00 + CHECKING 1500.00 a day"},
    {"tenure-366", CROSS_SELL, true, 0, cs_tenure, 366,
     "earliest openedDate T-366; SAVINGS 4000.00 + CHECKING 1500.00 a day"},
    {"tenure-365-closed-account", CROSS_SELL, true, 0, cs_tenure_closed, 365,
     "earliest openedDate T-365 on a CD closed T-200; SAVINGS and CHECKING opened T-100"},
    {"adb-2999.99", CROSS_SELL, false, 0, cs_adb, USD(999, 99),
     "SAVINGS 2000.00 + CHECKING 999.99 every day: sum 89999.70"},
    {"adb-3000.00", CROSS_SELL, true, 0, cs_adb, USD(1000, 0),
     "SAVINGS 2000.00 + CHECKING 1000.00 every day: sum 90000.00"},
    {"adb-2999.99-one-day-dip", CROSS_SELL, false, 16, cs_adb_dip, 0,
     "SAVINGS 2000.00 + CHECKING 1000.00, 999.70 on T-15: sum 89999.70; 90000.00 once T-15 "
     "leaves the window"},
    {"adb-late-row", CROSS_SELL, false, 11, cs_adb_late, 0,
     "SAVINGS 3000.00, 2999.99 on T-20 in a row loaded last: sum 89999.99; 90000.00 once "
     "T-20 leaves the window"},
    {"adb-peak-leaves-window", CROSS_SELL, true, 1, cs_adb_peak, 0,
     "SAVINGS 2000.00 + CHECKING 999.99, 1000.29 on T-30: sum 90000.00; 89999.70 tomorrow"},
    {"adb-closed-account-leaves-window", CROSS_SELL, true, 1, cs_adb_closed, 0,
     "SAVINGS 2500.00 + CHECKING 1500.00 closed T-20: sum 90000.00; 88500.00 tomorrow"},
    {"adb-savings-opened-in-window", CROSS_SELL, true, 0, cs_adb_opened, 0,
     "SAVINGS opened T-10 with 9000.00, CHECKING 0.00: sum 90000.00"},
    {"holds-money-market", CROSS_SELL, false, 0, cs_money_market, 0,
     "eligible, and a MONEY_MARKET account open"},
    {"money-market-closed", CROSS_SELL, true, 0, cs_money_market, 1,
     "eligible, and a MONEY_MARKET account closed T-60"},
    {"savings-on-hold", CROSS_SELL, false, 0, cs_on_hold, 0,
     "SAVINGS 4000.00 ON_HOLD, CHECKING 1500.00"},
    {"joint-primary", CROSS_SELL, true, 0, cs_joint, 0,
     "primary owner of SAVINGS 4000.00 (joint) and CHECKING 1500.00"},
    {"joint-owner", CROSS_SELL, true, 0, NULL, 0,
     "no account of their own; joint owner of SAVINGS 4000.00 opened T-900"},
    {NULL, NULL, false, 0, cs_joint_money_market, 0, NULL},
    {"joint-owner-holds-money-market", CROSS_SELL, false, 0, NULL, 0,
     "eligible on their own SAVINGS and CHECKING; joint owner of an open MONEY_MARKET"},
    {"tenure-1094", MORTGAGE, false, 1, mu_tenure, 1094,
     "earliest openedDate T-1094; ADB 12000.00; 25-min real_estate visit on T-3"},
    {"tenure-1095", MORTGAGE, true, VISIT_AGES_OUT, mu_tenure, 1095,
     "earliest openedDate T-1095; ADB 12000.00; 25-min real_estate visit on T-3"},
    {"tenure-1096", MORTGAGE, true, VISIT_AGES_OUT, mu_tenure, 1096,
     "earliest openedDate T-1096; ADB 12000.00; 25-min real_estate visit on T-3"},
    {"adb-plus-external-9999.99", MORTGAGE, false, 0, mu_external, USD(2999, 99),
     "internal ADB 7000.00 + open external MONEY_MARKET 2999.99 (latest file)"},
    {"adb-plus-external-10000.00", MORTGAGE, true, VISIT_AGES_OUT, mu_external, USD(3000, 0),
     "internal ADB 7000.00 + open external MONEY_MARKET 3000.00 (latest file)"},
    {"visit-20:00", MORTGAGE, false, 0, mu_visit, VISIT_20_00,
     "real_estate visit of exactly 20 minutes on T-3"},
    {"visit-20:01", MORTGAGE, true, VISIT_AGES_OUT, mu_visit, VISIT_20_01,
     "real_estate visit of 20 minutes 1 second on T-3"},
    {"visit-last-event-at-window-start", MORTGAGE, true, 1, mu_visit, VISIT_AT_EDGE,
     "25-min real_estate visit whose last event is exactly start of T-30"},
    {"visit-last-event-1ms-before-window", MORTGAGE, false, 0, mu_visit, VISIT_BEFORE_EDGE,
     "25-min real_estate visit whose last event is 1 ms before start of T-30"},
    {"visit-subject-tie-credit-cards", MORTGAGE, false, 0, mu_visit, TIE_LOST,
     "25-min visit, 750 s credit_cards and 750 s real_estate: main subject credit_cards"},
    {"visit-subject-tie-real-estate", MORTGAGE, true, VISIT_AGES_OUT, mu_visit, TIE_WON,
     "25-min visit, 750 s retirement and 750 s real_estate: main subject real_estate"},
    {"mortgage-money-market-closed", MORTGAGE, false, 0, mu_money_market_closed, 0,
     "ADB 10000.00 and a good visit, MONEY_MARKET closed T-60"},
};

#define ROWS ((int)(sizeof(cases) / sizeof(cases[0])))

/* Households are numbered in table order: household i starts at the row of
 * the i-th builder. */
static int household_row(int i)
{
    for (int row = 0; row < ROWS; row++) {
        if (cases[row].build && i-- == 0)
            return row;
    }
    return ROWS;
}

int gen_case_count(void)
{
    int n = 0;
    for (int row = 0; row < ROWS; row++)
        n += cases[row].build != NULL;
    return n;
}

int gen_case_people(int i)
{
    int row = household_row(i), n = 1;
    while (row + n < ROWS && !cases[row + n].build)
        n++;
    return n;
}

void gen_case_build(struct gen_unit *u, int i, uint32_t index)
{
    int row = household_row(i), people = gen_case_people(i);
    struct gen_person *a = gen_person_add(u, index);
    for (int p = 1; p < people; p++) {
        struct gen_person *b = gen_person_add(u, index + (uint32_t)p);
        if (a && b)
            gen_household(u, a, b);
    }
    cases[row].build(u, cases[row].arg);
    gen_people_finish(u);
    for (int p = 0; p < people; p++) {
        const struct case_def *c = &cases[row + p];
        if (!c->name)
            continue;
        if (u->n_truths == GEN_UNIT_TRUTHS) {
            u->over = true;
            return;
        }
        u->truths[u->n_truths++] = (struct gen_truth){.person = p,
                                                      .name = c->name,
                                                      .segment = c->segment,
                                                      .detail = c->detail,
                                                      .member = c->member,
                                                      .next_days = c->next_days};
    }
}
