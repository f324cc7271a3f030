/*
 * c360 gen — the driver and the random bank: households one at a time, each
 * from its own seed (the run's seed and its first customer number), so a
 * household's bytes do not depend on how many came before and memory stays
 * one household whatever the number of customers. The first households are
 * the threshold cases of cases.c; the rest are drawn here.
 */
#include "gen_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Random numbers. */

uint64_t gen_rng_next(struct gen_rng *rng)
{
    uint64_t z = (rng->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

int64_t gen_rng_range(struct gen_rng *rng, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    /* The modulo bias is below 2^-40 for the spans used here. */
    return lo + (int64_t)(gen_rng_next(rng) % (uint64_t)(hi - lo + 1));
}

bool gen_rng_chance(struct gen_rng *rng, int percent)
{
    return (int)(gen_rng_next(rng) % 100) < percent;
}

#define PICK(rng, table) (table)[gen_rng_next(rng) % (sizeof(table) / sizeof((table)[0]))]

/* --- Tables. A few names have diacritics because real CRM data does
 * (identity folds them); email addresses get their ASCII form. */

static const char *const female_names[] = {
    "Mary",   "Patricia", "Jennifer", "Linda",   "Elizabeth", "Barbara",   "Susan",    "Jessica",
    "Sarah",  "Karen",    "Lisa",     "Nancy",   "Sandra",    "Ashley",    "Kimberly", "Emily",
    "Donna",  "Carol",    "Amanda",   "Melissa", "Deborah",   "Stephanie", "Rebecca",  "Laura",
    "Sharon", "Cynthia",  "Kathleen", "Amy",     "Angela",    "Anna",      "Brenda",   "Emma",
    "Olivia", "Zoë",      "Renée",    "Chloé",   "María",     "Sofía",     "Ingrid",   "Aisha",
    "Mei",    "Priya",    "Fatima",   "Hannah",  "Grace"};

static const char *const male_names[] = {
    "James",    "Robert",  "John",        "Michael", "William", "David",   "Richard", "Joseph",
    "Thomas",   "Charles", "Christopher", "Daniel",  "Matthew", "Anthony", "Mark",    "Donald",
    "Steven",   "Paul",    "Andrew",      "Joshua",  "Kenneth", "Kevin",   "Brian",   "George",
    "Timothy",  "Ronald",  "Edward",      "Jason",   "Jeffrey", "Ryan",    "José",    "André",
    "François", "Björn",   "Hiroshi",     "Rahul",   "Omar",    "Wei",     "Liam",    "Noah"};

static const char *const last_names[] = {
    "Smith",    "Johnson",   "Williams", "Brown",     "Jones",    "García",   "Miller",
    "Davis",    "Rodríguez", "Martínez", "Hernandez", "Lopez",    "Gonzalez", "Wilson",
    "Anderson", "Thomas",    "Taylor",   "Moore",     "Jackson",  "Martin",   "Lee",
    "Perez",    "Thompson",  "White",    "Harris",    "Sanchez",  "Clark",    "Ramirez",
    "Lewis",    "Robinson",  "Walker",   "Young",     "Allen",    "King",     "Wright",
    "Scott",    "Torres",    "Nguyen",   "Hill",      "Flores",   "Green",    "Adams",
    "Nelson",   "Baker",     "Hall",     "Rivera",    "Campbell", "Mitchell", "Carter",
    "Roberts",  "Müller",    "O'Brien",  "Kowalski",  "Schmidt",  "Patel",    "Kim",
    "Chen",     "Novak",     "Dubois",   "Rossi",     "Haddad",   "Okafor",   "Andersson",
    "Yamamoto"};

struct city {
    const char *name, *state, *zip3;
    unsigned area;
};

static const struct city cities[] = {
    {"San Francisco", "CA", "941", 415},  {"Los Angeles", "CA", "900", 213},
    {"San Diego", "CA", "921", 619},      {"Seattle", "WA", "981", 206},
    {"Portland", "OR", "972", 503},       {"Denver", "CO", "802", 303},
    {"Phoenix", "AZ", "850", 602},        {"Austin", "TX", "787", 512},
    {"Dallas", "TX", "752", 214},         {"Houston", "TX", "770", 713},
    {"Chicago", "IL", "606", 312},        {"Minneapolis", "MN", "554", 612},
    {"St. Louis", "MO", "631", 314},      {"Atlanta", "GA", "303", 404},
    {"Miami", "FL", "331", 305},          {"Orlando", "FL", "328", 407},
    {"Charlotte", "NC", "282", 704},      {"Nashville", "TN", "372", 615},
    {"Boston", "MA", "021", 617},         {"New York", "NY", "100", 212},
    {"Brooklyn", "NY", "112", 718},       {"Philadelphia", "PA", "191", 215},
    {"Pittsburgh", "PA", "152", 412},     {"Baltimore", "MD", "212", 410},
    {"Columbus", "OH", "432", 614},       {"Detroit", "MI", "482", 313},
    {"Salt Lake City", "UT", "841", 801}, {"Las Vegas", "NV", "891", 702},
    {"Raleigh", "NC", "276", 919},        {"Madison", "WI", "537", 608},
};

static const char *const streets[] = {
    "Main",     "Oak",   "Pine",   "Maple",  "Cedar",   "Elm",     "Washington",
    "Lake",     "Hill",  "Park",   "Sunset", "Lincoln", "Jackson", "Mission",
    "Highland", "River", "Church", "Spring", "Ridge",   "Meadow",
};
static const char *const street_types[] = {"St", "Ave", "Blvd", "Rd", "Ln", "Dr", "Ct", "Way"};
static const char *const domains[] = {"gmail.com",   "yahoo.com", "outlook.com", "icloud.com",
                                      "hotmail.com", "aol.com",   "proton.me",   "comcast.net"};
static const char *const institutions[] = {"Northwind Bank",      "Contoso Credit Union",
                                           "Fabrikam Savings",    "Lakeside Federal",
                                           "Pinecrest Brokerage", "Harborview Bank"};
static const char *const external_types[] = {"Checking", "Savings", "Money Market", "Brokerage"};
static const char *const subjects[] = {"real_estate", "credit_cards", "retirement", "savings",
                                       "investing",   "auto_loans",   "checking"};

struct kind_info {
    const char *source; /* ACCOUNT_TYPE as the EDW writes it */
    bool debt;
    int64_t lo, hi; /* opening balance range, minor units */
};

static const struct kind_info kinds[] = {
    [GEN_CHECKING] = {"Checking", false, 5000, 1200000},
    [GEN_SAVINGS] = {"Savings", false, 10000, 6000000},
    [GEN_MONEY_MARKET] = {"Money Market", false, 250000, 15000000},
    [GEN_CD] = {"Certificate of Deposit", false, 100000, 10000000},
    [GEN_CREDIT_CARD] = {"Credit Card", true, 0, 450000},
    [GEN_MORTGAGE] = {"Mortgage", true, 6000000, 48000000},
    [GEN_LOAN] = {"Loan", true, 200000, 4500000},
    [GEN_INVESTMENT] = {"Brokerage", false, 500000, 60000000},
};

const char *gen_kind_source(enum gen_kind kind)
{
    return kinds[kind].source;
}

bool gen_kind_is_debt(enum gen_kind kind)
{
    return kinds[kind].debt;
}

/* --- Identifiers. */

/* An 18-character Salesforce Id: a 15-character case-sensitive id (key
 * prefix, pod, number in base 62) and the 3-character suffix Salesforce
 * derives from the capitals of each 5-character chunk, as every API returns. */
static void sf_id(char *out, const char *prefix9, uint64_t n)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static const char suffix[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    memcpy(out, prefix9, 9);
    for (int i = 14; i >= 9; i--) {
        out[i] = b62[n % 62];
        n /= 62;
    }
    for (int c = 0; c < 3; c++) {
        int flags = 0;
        for (int j = 0; j < 5; j++)
            flags |= (out[c * 5 + j] >= 'A' && out[c * 5 + j] <= 'Z') << j;
        out[15 + c] = suffix[flags];
    }
    out[18] = '\0';
}

/* A phone number no other customer has (below 8 million customers): the
 * customer number scrambled into exchange and line by a multiplier prime to
 * the modulus, so the map is one-to-one. */
static void phone(char *buf, size_t size, int style, unsigned area, uint32_t index, uint64_t mult)
{
    uint64_t q = ((uint64_t)index * mult) % 8000000u;
    unsigned exch = 200 + (unsigned)(q / 10000), line = (unsigned)(q % 10000);
    switch (style) {
    case 0:
        snprintf(buf, size, "+1 %u %03u %04u", area, exch, line);
        break;
    case 1:
        snprintf(buf, size, "(%u) %03u-%04u", area, exch, line);
        break;
    default:
        snprintf(buf, size, "%u-%03u-%04u", area, exch, line);
        break;
    }
}

/* --- People. */

static void pick_first(struct gen_rng *rng, struct gen_person *p, bool female)
{
    p->first = female ? PICK(rng, female_names) : PICK(rng, male_names);
    p->salutation = gen_rng_chance(rng, 15)  ? NULL
                    : gen_rng_chance(rng, 8) ? "Dr."
                    : female                 ? (gen_rng_chance(rng, 50) ? "Ms." : "Mrs.")
                                             : "Mr.";
}

/* name in lower-case ASCII letters for an email address: Latin-1 letters
 * (UTF-8 C3 80-BF) lose their accents, anything else not a letter goes. */
static void email_name(const char *name, char *out, size_t size)
{
    static const char latin1[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"
                                 "aaaaaaaceeeeiiiidnooooo ouuuuyty";
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)name; *c && n + 1 < size; c++) {
        char a = 0;
        if (*c >= 'A' && *c <= 'Z')
            a = (char)(*c - 'A' + 'a');
        else if (*c >= 'a' && *c <= 'z')
            a = (char)*c;
        else if (*c == 0xC3 && c[1] >= 0x80 && c[1] <= 0xBF)
            a = latin1[*++c - 0x80];
        if (a && a != ' ')
            out[n++] = a;
    }
    out[n] = '\0';
}

static void make_email(struct gen_rng *rng, struct gen_person *p, char *buf, size_t size)
{
    const char *domain = PICK(rng, domains);
    char first[32], last[32];
    email_name(p->first, first, sizeof(first));
    email_name(p->last, last, sizeof(last));
    /* The customer number keeps addresses unique, as the bank's data is. */
    switch (gen_rng_next(rng) % 3) {
    case 0:
        snprintf(buf, size, "%s.%s%u@%s", first, last, p->index, domain);
        break;
    case 1:
        snprintf(buf, size, "%c%s%u@%s", first[0], last, p->index, domain);
        break;
    default:
        snprintf(buf, size, "%s_%s%u@%s", first, last, p->index, domain);
        break;
    }
}

static bool is_female(const struct gen_person *p)
{
    for (size_t i = 0; i < sizeof(female_names) / sizeof(female_names[0]); i++) {
        if (p->first == female_names[i])
            return true;
    }
    return false;
}

struct gen_person *gen_person_add(struct gen_unit *u, uint32_t index)
{
    if (u->n_people == GEN_UNIT_PEOPLE) {
        u->over = true;
        return NULL;
    }
    struct gen_rng *rng = &u->rng;
    struct gen_person *p = &u->people[u->n_people++];
    memset(p, 0, sizeof(*p));
    p->index = index;
    snprintf(p->gp, sizeof(p->gp), "GP-%08u", index);
    sf_id(p->sfid, "0015f0000", index);
    pick_first(rng, p, gen_rng_chance(rng, 50));
    p->last = PICK(rng, last_names);
    p->birth = u->today - (int32_t)gen_rng_range(rng, 18 * 365 + 5, 88 * 365);
    const struct city *city = &PICK(rng, cities);
    p->city = city->name;
    p->state = city->state;
    snprintf(p->zip, sizeof(p->zip), "%s%02u", city->zip3, (unsigned)gen_rng_range(rng, 1, 99));
    int n =
        snprintf(p->street, sizeof(p->street), "%u %s %s", (unsigned)gen_rng_range(rng, 1, 9899),
                 PICK(rng, streets), PICK(rng, street_types));
    if (gen_rng_chance(rng, 12) && n > 0 && (size_t)n < sizeof(p->street))
        snprintf(p->street + n, sizeof(p->street) - (size_t)n, " Apt %u",
                 (unsigned)gen_rng_range(rng, 1, 40));
    make_email(rng, p, p->email, sizeof(p->email));
    unsigned area = gen_rng_chance(rng, 75) ? city->area : PICK(rng, cities).area;
    if (gen_rng_chance(rng, 90))
        phone(p->mobile, sizeof(p->mobile), (int)(gen_rng_next(rng) % 3), area, index, 1234567);
    if (gen_rng_chance(rng, 30))
        phone(p->phone, sizeof(p->phone), 1, city->area, index, 3456789);
    if (gen_rng_chance(rng, 40))
        phone(p->home, sizeof(p->home), 1, city->area, index, 7654321);
    if (gen_rng_chance(rng, 85)) {
        /* Unique for any customer number (a one-to-one map of 10^8). */
        uint64_t t = ((uint64_t)index * 73939133u) % 100000000u;
        snprintf(p->tin, sizeof(p->tin), "9%02u-%02u-%04u", (unsigned)(t / 1000000),
                 (unsigned)(t / 10000 % 100), (unsigned)(t % 10000));
    }
    static const char *const channels[] = {"Email", "Email", "Mobile", "Phone", "Mail"};
    p->channel = gen_rng_chance(rng, 20) ? NULL : PICK(rng, channels);
    return p;
}

void gen_household(struct gen_unit *u, struct gen_person *a, struct gen_person *b)
{
    struct gen_rng *rng = &u->rng;
    /* Spouses mostly differ in sex here, and never share a first name, so
     * their records stay two people for the name-based identity rules. */
    bool female = gen_rng_chance(rng, 85) ? !is_female(a) : is_female(a);
    do
        pick_first(rng, b, female);
    while (b->first == a->first);
    if (gen_rng_chance(rng, 80)) {
        b->last = a->last;
    }
    make_email(rng, b, b->email, sizeof(b->email));
    memcpy(b->street, a->street, sizeof(b->street));
    b->city = a->city;
    b->state = a->state;
    memcpy(b->zip, a->zip, sizeof(b->zip));
    if (!a->home[0])
        phone(a->home, sizeof(a->home), 1, 212, a->index, 7654321);
    memcpy(b->home, a->home, sizeof(b->home));
    sf_id(a->household, "0015f0001", a->index);
    memcpy(b->household, a->household, sizeof(b->household));
}

/* --- Accounts. */

struct gen_account *gen_account_add(struct gen_unit *u, int owner, enum gen_kind kind,
                                    int32_t opened)
{
    if (u->n_accounts == GEN_UNIT_ACCOUNTS) {
        u->over = true;
        return NULL;
    }
    struct gen_account *a = &u->accounts[u->n_accounts++];
    memset(a, 0, sizeof(*a));
    snprintf(a->id, sizeof(a->id), "ACC-%08u-%02d", u->people[owner].index, u->n_accounts);
    a->kind = kind;
    a->owner = owner;
    a->joint = -1;
    a->opened = opened;
    a->closed = GEN_NO_DATE;
    a->status = "Open";
    /* The EDW view is loaded nightly; a row reaches Kafka when the row changes
     * or the balance snapshot is refreshed, every few days. */
    a->step = (int)gen_rng_range(&u->rng, 5, 9);
    a->late = -1;
    return a;
}

void gen_account_balance(struct gen_account *a, int from, int64_t minor)
{
    for (int h = from < 0 ? 0 : from; h < GEN_HIST; h++)
        a->eod[h] = minor;
}

void gen_account_close(struct gen_unit *u, struct gen_account *a, int32_t day)
{
    a->closed = day;
    if (day < u->today)
        gen_account_balance(a, gen_hist(u, day), 0);
}

/* --- External accounts and web sessions. */

struct gen_external *gen_external_add(struct gen_unit *u, int owner, const char *type, bool closed)
{
    if (u->n_externals == GEN_UNIT_EXTERNALS) {
        u->over = true;
        return NULL;
    }
    struct gen_external *x = &u->externals[u->n_externals++];
    memset(x, 0, sizeof(*x));
    snprintf(x->id, sizeof(x->id), "EXT-%08u-%d", u->people[owner].index, u->n_externals);
    x->owner = owner;
    x->type = type;
    x->institution = PICK(&u->rng, institutions);
    x->closed = closed;
    return x;
}

struct gen_session *gen_session_add(struct gen_unit *u, int owner, bool logged_in)
{
    if (u->n_sessions == GEN_UNIT_SESSIONS) {
        u->over = true;
        return NULL;
    }
    struct gen_session *s = &u->sessions[u->n_sessions++];
    memset(s, 0, sizeof(*s));
    snprintf(s->id, sizeof(s->id), "S-%08u-%d", u->people[owner].index, u->n_sessions);
    s->owner = owner;
    s->logged_in = logged_in;
    return s;
}

void gen_session_page(struct gen_session *s, const char *subject, int64_t at, int64_t seconds)
{
    if (s->count == GEN_SESSION_ENGAGEMENTS)
        return;
    s->e[s->count++] = (struct gen_engagement){subject, at, seconds};
}

/* The first of the month of `day` and of the month before, as days. */
static void month_starts(int32_t day, int32_t *this_month, int32_t *last_month)
{
    char text[16];
    int y = 1970, m = 1, d = 1;
    c360_date_format(day, text, sizeof(text));
    if (sscanf(text, "%d-%d-%d", &y, &m, &d) != 3)
        y = 1970;
    *this_month = c360_date_from_civil(y, m, 1);
    *last_month = m == 1 ? c360_date_from_civil(y - 1, 12, 1) : c360_date_from_civil(y, m - 1, 1);
}

void gen_external_records(struct gen_unit *u, struct gen_external *x, int64_t first, int64_t second)
{
    int32_t this_month, last_month;
    month_starts(u->today, &this_month, &last_month);
    if (second < 0) {
        x->records = 1;
        x->adb[0] = first;
        x->as_of[0] = gen_day_ms(this_month);
        return;
    }
    x->records = 2;
    x->adb[0] = first;
    x->as_of[0] = gen_day_ms(last_month);
    x->adb[1] = second;
    x->as_of[1] = gen_day_ms(this_month);
}

void gen_people_finish(struct gen_unit *u)
{
    for (int i = 0; i < u->n_people; i++) {
        struct gen_person *p = &u->people[i];
        int32_t first = u->today - 400;
        bool any = false;
        for (int k = 0; k < u->n_accounts; k++) {
            const struct gen_account *a = &u->accounts[k];
            if ((a->owner == i || a->joint == i) && (!any || a->opened < first)) {
                first = a->opened;
                any = true;
            }
        }
        /* The person account is created in the branch the day the first
         * account is opened, in business hours. */
        p->created = gen_day_ms(first) + 9 * GEN_MS_PER_HOUR +
                     gen_rng_range(&u->rng, 0, 8 * GEN_MS_PER_HOUR - 1000);
    }
}

/* --- The random bank. */

/* One day's change of a balance, by what the account is. */
static int64_t random_change(struct gen_rng *rng, enum gen_kind kind, int64_t bal, int h, int cycle)
{
    switch (kind) {
    case GEN_CHECKING:
        if (!gen_rng_chance(rng, 7))
            return 0;
        if (gen_rng_chance(rng, 40) || bal < 2000)
            return gen_rng_range(rng, 50000, 300000); /* payroll, transfer in */
        return -gen_rng_range(rng, 500, bal < 150000 ? bal : 150000);
    case GEN_SAVINGS:
    case GEN_MONEY_MARKET:
        if (!gen_rng_chance(rng, 4))
            return 0;
        if (gen_rng_chance(rng, 60) || bal < 10000)
            return gen_rng_range(rng, 5000, kind == GEN_SAVINGS ? 200000 : 1000000);
        return -gen_rng_range(rng, 5000, bal < 300000 ? bal : 300000);
    case GEN_CREDIT_CARD:
        if (h % 30 == cycle)
            return -bal; /* the statement paid in full */
        return gen_rng_chance(rng, 15) ? gen_rng_range(rng, 500, 30000) : 0;
    case GEN_MORTGAGE:
    case GEN_LOAN: {
        int64_t pay = bal / 150 + 1;
        return h % 30 == cycle && bal > 0 ? -(pay < bal ? pay : bal) : 0;
    }
    case GEN_INVESTMENT:
        if (!gen_rng_chance(rng, 5))
            return 0;
        return gen_rng_range(rng, -bal / 50, bal / 50);
    case GEN_CD:
        return 0;
    }
    return 0;
}

static void random_history(struct gen_unit *u, struct gen_account *a)
{
    struct gen_rng *rng = &u->rng;
    const struct kind_info *k = &kinds[a->kind];
    int64_t bal = gen_rng_range(rng, k->lo, k->hi);
    if (a->kind == GEN_CD)
        bal -= bal % 10000; /* certificates are bought in whole hundreds */
    int cycle = (int)gen_rng_range(rng, 0, 29);
    int start = gen_hist(u, a->opened);
    for (int h = start < 0 ? 0 : start; h < GEN_HIST; h++) {
        if (h > start)
            bal += random_change(rng, a->kind, bal, h, cycle);
        a->eod[h] = bal;
    }
    int32_t last = u->today - 1;
    if (gen_rng_chance(rng, 8) && a->opened + 30 <= last) {
        gen_account_close(u, a, (int32_t)gen_rng_range(rng, a->opened + 30, last));
    } else if (gen_rng_chance(rng, 1)) {
        a->status = "On Hold";
    } else if (gen_rng_chance(rng, 10)) {
        a->status = "Active"; /* the other spelling of open in the EDW */
    }
    /* Now and then a night's row is held back and arrives days later, after
     * newer rows: the latest row is not the latest balance. */
    if (gen_rng_chance(rng, 4) && a->closed == GEN_NO_DATE) {
        int from = start < 1 ? 1 : start + 1;
        for (int tries = 0; tries < 8 && a->late < 0; tries++) {
            int h = (int)gen_rng_range(rng, from, GEN_HIST - 3);
            if (h < GEN_HIST - 2 && a->eod[h] != a->eod[h - 1]) {
                int32_t day = u->today - GEN_HIST + h;
                int32_t arrive = day + 1 + (int32_t)gen_rng_range(rng, 1, GEN_HIST - 1 - h);
                a->late = h;
                a->late_at = gen_day_ms(arrive) + 7 * GEN_MS_PER_HOUR +
                             gen_rng_range(rng, 0, 30 * GEN_MS_PER_MIN);
            }
        }
    }
}

static enum gen_kind random_kind(struct gen_rng *rng)
{
    static const enum gen_kind mix[] = {
        GEN_SAVINGS,     GEN_SAVINGS,      GEN_SAVINGS,      GEN_SAVINGS,     GEN_SAVINGS,
        GEN_SAVINGS,     GEN_SAVINGS,      GEN_CREDIT_CARD,  GEN_CREDIT_CARD, GEN_CREDIT_CARD,
        GEN_CREDIT_CARD, GEN_MONEY_MARKET, GEN_MONEY_MARKET, GEN_CD,          GEN_CD,
        GEN_MORTGAGE,    GEN_MORTGAGE,     GEN_LOAN,         GEN_INVESTMENT,  GEN_CHECKING,
    };
    return PICK(rng, mix);
}

static void random_accounts(struct gen_unit *u, int owner, int n)
{
    struct gen_rng *rng = &u->rng;
    int32_t last = u->today - 1;
    /* A customer for up to fifteen years. */
    int32_t first = last - (int32_t)gen_rng_range(rng, 0, 15 * 365);
    for (int i = 0; i < n; i++) {
        enum gen_kind kind = random_kind(rng);
        if (i == 0)
            kind = gen_rng_chance(rng, 70)   ? GEN_CHECKING
                   : gen_rng_chance(rng, 67) ? GEN_SAVINGS
                                             : GEN_CREDIT_CARD;
        struct gen_account *a = gen_account_add(
            u, owner, kind, i == 0 ? first : (int32_t)gen_rng_range(rng, first, last));
        if (a)
            random_history(u, a);
    }
}

static void random_sessions(struct gen_unit *u, int owner)
{
    struct gen_rng *rng = &u->rng;
    int n = (int)gen_rng_range(rng, 1, 3);
    for (int i = 0; i < n; i++) {
        struct gen_session *s = gen_session_add(u, owner, gen_rng_chance(rng, 70));
        if (!s)
            return;
        const char *theme = PICK(rng, subjects);
        int64_t at = gen_day_ms(u->today - (int32_t)gen_rng_range(rng, 1, 45)) +
                     gen_rng_range(rng, 7 * GEN_MS_PER_HOUR, 22 * GEN_MS_PER_HOUR);
        int pages = (int)gen_rng_range(rng, 1, GEN_SESSION_ENGAGEMENTS);
        for (int k = 0; k < pages; k++) {
            int64_t seconds = gen_rng_range(rng, 5, 600);
            gen_session_page(s, gen_rng_chance(rng, 65) ? theme : PICK(rng, subjects), at, seconds);
            at += seconds * 1000 + gen_rng_range(rng, 1000, 30000);
        }
    }
}

static void random_externals(struct gen_unit *u, int owner)
{
    struct gen_rng *rng = &u->rng;
    int n = gen_rng_chance(rng, 30) ? 2 : 1;
    for (int i = 0; i < n; i++) {
        struct gen_external *x =
            gen_external_add(u, owner, PICK(rng, external_types), gen_rng_chance(rng, 15));
        if (!x)
            return;
        int64_t adb = gen_rng_range(rng, 10000, 8000000);
        int64_t again =
            gen_rng_chance(rng, 50) ? adb + gen_rng_range(rng, -adb / 10, adb / 10) : -1;
        gen_external_records(u, x, adb, again);
    }
}

/* Noise the identity stage must get right: an email changed in FSC (a CDC
 * UPDATE), and a duplicate person account a branch user created and a
 * merge deleted a few days later (CREATE, then DELETE). */
static void random_noise(struct gen_unit *u, struct gen_person *p)
{
    struct gen_rng *rng = &u->rng;
    int32_t day = u->today - (int32_t)gen_rng_range(rng, 2, 35);
    if (gen_rng_chance(rng, 3) && gen_day_ms(day) > p->created) {
        p->email_changed =
            gen_day_ms(day) + gen_rng_range(rng, 8 * GEN_MS_PER_HOUR, 18 * GEN_MS_PER_HOUR);
        int n = 0;
        do
            make_email(rng, p, p->new_email, sizeof(p->new_email));
        while (strcmp(p->new_email, p->email) == 0 && ++n < 8);
        if (strcmp(p->new_email, p->email) == 0)
            p->email_changed = 0;
    }
    day = u->today - (int32_t)gen_rng_range(rng, 10, 60);
    if (gen_rng_chance(rng, 1) && gen_day_ms(day) > p->created) {
        sf_id(p->dup_sfid, "0015f0002", p->index);
        p->dup_created =
            gen_day_ms(day) + gen_rng_range(rng, 9 * GEN_MS_PER_HOUR, 16 * GEN_MS_PER_HOUR);
        p->dup_deleted = p->dup_created + gen_rng_range(rng, 1, 7) * C360_MS_PER_DAY;
    }
}

static void random_unit(struct gen_unit *u, uint32_t index, uint32_t left)
{
    struct gen_rng *rng = &u->rng;
    struct gen_person *a = gen_person_add(u, index);
    bool pair = left >= 2 && gen_rng_chance(rng, 18);
    struct gen_person *b = pair ? gen_person_add(u, index + 1) : NULL;
    if (a && b)
        gen_household(u, a, b);
    random_accounts(u, 0, gen_rng_chance(rng, 40) ? 1 : (int)gen_rng_range(rng, 2, 4));
    if (pair) {
        /* The household's joint checking account, the primary owner first. */
        int32_t opened = u->today - (int32_t)gen_rng_range(rng, 30, 15 * 365);
        struct gen_account *j = gen_account_add(u, 0, GEN_CHECKING, opened);
        if (j) {
            j->joint = 1;
            random_history(u, j);
        }
        random_accounts(u, 1, (int)gen_rng_range(rng, 0, 2));
    }
    for (int i = 0; i < u->n_people; i++) {
        if (gen_rng_chance(rng, 20))
            random_externals(u, i);
        if (gen_rng_chance(rng, 30))
            random_sessions(u, i);
    }
    gen_people_finish(u);
    for (int i = 0; i < u->n_people; i++)
        random_noise(u, &u->people[i]);
}

/* --- Rows: what each source sends for the household, in its own order. */

static void row_add(struct gen_unit *u, enum c360_gen_stream stream, enum gen_row_kind kind,
                    int64_t at, int ref, int sub)
{
    if (u->n_rows == GEN_UNIT_ROWS) {
        u->over = true;
        return;
    }
    u->rows[u->n_rows] = (struct gen_row){.at = at,
                                          .seq = (uint32_t)u->n_rows,
                                          .stream = (uint8_t)stream,
                                          .kind = (uint8_t)kind,
                                          .ref = (uint16_t)ref,
                                          .sub = (int16_t)sub};
    u->n_rows++;
}

/* The balance before history day h (0 before the account was opened). */
static int64_t balance_before(const struct gen_unit *u, const struct gen_account *a, int h)
{
    if (h > 0)
        return a->eod[h - 1];
    return a->opened >= u->today - GEN_HIST ? 0 : a->eod[0];
}

static void account_rows(struct gen_unit *u, int ref)
{
    const struct gen_account *a = &u->accounts[ref];
    struct gen_rng *rng = &u->rng;
    int32_t first = u->today - GEN_HIST;
    /* Closed before the feed's history: the row of its closing is all. */
    if (a->closed != GEN_NO_DATE && a->closed <= first) {
        row_add(u, C360_GEN_FINANCIAL_ACCOUNT, GEN_ROW_BALANCE,
                gen_day_ms(a->closed + 1) + 6 * GEN_MS_PER_HOUR +
                    gen_rng_range(rng, 0, 30 * GEN_MS_PER_MIN),
                ref, -1);
        return;
    }
    if (a->opened > first)
        first = a->opened;
    for (int32_t day = first; day < u->today; day++) {
        int h = gen_hist(u, day);
        bool closing = a->closed == day;
        bool changed = a->eod[h] != balance_before(u, a, h);
        bool row = day == first || changed || closing || (day - first) % a->step == 0 ||
                   day == u->today - 1;
        if (changed)
            row_add(u, C360_GEN_FINANCIAL_TRANSACTION, GEN_ROW_TRANSACTION,
                    gen_day_ms(day) + 17 * GEN_MS_PER_HOUR +
                        gen_rng_range(rng, 0, 5 * GEN_MS_PER_HOUR),
                    ref, h);
        if (row) {
            /* Loaded the next morning; a held-back row when it finally comes. */
            int64_t at = h == a->late ? a->late_at
                                      : gen_day_ms(day + 1) + 6 * GEN_MS_PER_HOUR +
                                            gen_rng_range(rng, 0, 30 * GEN_MS_PER_MIN);
            row_add(u, C360_GEN_FINANCIAL_ACCOUNT, GEN_ROW_BALANCE, at, ref, h);
        }
        if (closing)
            break;
    }
}

static int row_cmp(const void *pa, const void *pb)
{
    const struct gen_row *a = pa, *b = pb;
    if (a->stream != b->stream)
        return a->stream < b->stream ? -1 : 1;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void rows_collect(struct gen_unit *u)
{
    u->n_rows = 0;
    for (int i = 0; i < u->n_people; i++) {
        const struct gen_person *p = &u->people[i];
        row_add(u, C360_GEN_INDIVIDUAL, GEN_ROW_CREATE, p->created, i, 0);
        if (p->email_changed)
            row_add(u, C360_GEN_INDIVIDUAL, GEN_ROW_EMAIL_UPDATE, p->email_changed, i, 0);
        if (p->dup_created) {
            row_add(u, C360_GEN_INDIVIDUAL, GEN_ROW_DUP_CREATE, p->dup_created, i, 0);
            row_add(u, C360_GEN_INDIVIDUAL, GEN_ROW_DUP_DELETE, p->dup_deleted, i, 0);
        }
    }
    for (int i = 0; i < u->n_accounts; i++)
        account_rows(u, i);
    for (int i = 0; i < u->n_externals; i++) {
        for (int r = 0; r < u->externals[i].records; r++)
            row_add(u, C360_GEN_EXTERNAL_ACCOUNT, GEN_ROW_EXTERNAL, u->externals[i].as_of[r], i, r);
    }
    for (int i = 0; i < u->n_sessions; i++) {
        for (int e = 0; e < u->sessions[i].count; e++)
            row_add(u, C360_GEN_WEB_ENGAGEMENT, GEN_ROW_ENGAGEMENT, u->sessions[i].e[e].at, i, e);
    }
    for (int i = 0; i < u->n_truths; i++)
        row_add(u, C360_GEN_TRUTH, GEN_ROW_TRUTH, 0, i, 0);
    qsort(u->rows, (size_t)u->n_rows, sizeof(u->rows[0]), row_cmp);
}

static enum c360_err unit_emit(const struct gen_unit *u, struct gen_buf *b,
                               const struct c360_gen_sink *sink, struct c360_diag *diag)
{
    char key[128];
    for (int i = 0; i < u->n_rows; i++) {
        gen_wire_row(u, &u->rows[i], b, key, sizeof(key));
        if (b->over)
            return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                                  "a generated %s line is longer than %d bytes",
                                  c360_gen_stream_topic(u->rows[i].stream), C360_GEN_LINE_MAX);
        struct c360_gen_line line = {.stream = (enum c360_gen_stream)u->rows[i].stream,
                                     .key = u->rows[i].stream == C360_GEN_TRUTH ? NULL : key,
                                     .value = b->text,
                                     .len = b->len};
        enum c360_err err = sink->emit(&line, sink->arg);
        if (err)
            return err;
    }
    return C360_OK;
}

/* --- The run. */

const char *c360_gen_stream_topic(enum c360_gen_stream stream)
{
    static const char *const ids[C360_GEN_STREAMS] = {"individual",
                                                      "financial-account",
                                                      "financial-transaction",
                                                      "external-financial-account",
                                                      "web-engagement",
                                                      NULL};
    return (unsigned)stream < C360_GEN_STREAMS ? ids[stream] : NULL;
}

const char *c360_gen_stream_format(enum c360_gen_stream stream)
{
    static const char *const formats[C360_GEN_STREAMS] = {"salesforce-cdc", "connect-json", "json",
                                                          "json",           "json",         ""};
    return (unsigned)stream < C360_GEN_STREAMS ? formats[stream] : "";
}

/* The seed of the household whose first customer is `index`. */
static uint64_t unit_seed(uint64_t seed, uint32_t index)
{
    struct gen_rng mix = {seed};
    uint64_t a = gen_rng_next(&mix);
    mix.state = a ^ ((uint64_t)index * UINT64_C(0xD1B54A32D192ED03));
    return gen_rng_next(&mix);
}

enum c360_err c360_gen_run(const struct c360_gen_conf *conf, const struct c360_gen_sink *sink,
                           struct c360_diag *diag)
{
    if (conf->customers < 1 || conf->customers > C360_GEN_CUSTOMERS_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "customers", "must be 1 to %u",
                              C360_GEN_CUSTOMERS_MAX);
    /* Birth dates reach 88 years back and account openings 15. */
    if (conf->today < c360_date_from_civil(1900, 1, 1) ||
        conf->today > c360_date_from_civil(9999, 12, 1))
        return c360_diag_fail(diag, C360_ERR_INVALID, "today",
                              "must be from 1900-01-01 to 9999-12-01");
    enum c360_err err = C360_OK;
    struct gen_unit *u = malloc(sizeof(*u));
    struct gen_buf *b = malloc(sizeof(*b));
    if (!u || !b) {
        err = C360_ERR_NOMEM;
        goto done;
    }
    int next_case = 0;
    for (uint32_t index = 1; index <= conf->customers; index += (uint32_t)u->n_people) {
        /* Only the counters: builders initialise what they add. */
        u->today = conf->today;
        u->seed = conf->seed;
        u->rng.state = unit_seed(conf->seed, index);
        u->n_people = u->n_accounts = u->n_externals = u->n_sessions = u->n_truths = 0;
        u->over = false;
        uint32_t left = conf->customers - index + 1;
        if (next_case < gen_case_count() && (uint32_t)gen_case_people(next_case) <= left) {
            gen_case_build(u, next_case++, index);
        } else {
            next_case = gen_case_count();
            random_unit(u, index, left);
        }
        rows_collect(u);
        if (u->over || u->n_people == 0) {
            err =
                c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                               "the household of customer %u outgrew the generator's caps", index);
            goto done;
        }
        if ((err = unit_emit(u, b, sink, diag)))
            goto done;
    }
done:
    free(u);
    free(b);
    return err;
}
