/*
 * Identity resolution, accuracy and speed, one core (issue 4, items 8-9).
 *
 * A seeded generator makes a synthetic population with ground truth: persons
 * with 1-4 records each across source systems, written the way sources write
 * them (nicknames, one-edit typos, swapped names, missing fields, email case
 * and Gmail dot/+tag variants, phone formats, diacritics, households sharing
 * an email or a phone, twins, crowds of common names, junk values, some
 * globalPartyIds), as a bank's sources carry them (profile=bank, the default)
 * or as full individual records everywhere (profile=hard). Each record is a
 * canonical c360_record put through c360_identity_rules_input with the shipped
 * config/identity.json (or rules=PATH), so the normalizers see raw values.
 *
 * Then, timing CPU time of the graph calls only:
 *   load    every record upserted, in shuffled order;
 *   edit    a tenth of them upserted again, changed (moves, new numbers, new
 *           spellings);
 *   delete  a tenth of them deleted.
 * After the load and after each step, pairwise precision, recall and F1 of
 * the graph's profiles against the truth; after the load, the false merges
 * by rule and by what joined two people, the missed pairs by reason and by
 * what the two records share, and two bounds on recall: the ceiling (any
 * shared value joins) and the ceiling without guessing (a value two persons
 * hold joins only records whose names can tell them apart).
 *
 *   build/release/bench/bench_identity [N] [name=value ...]
 *
 * N is records (default 100,000). name=value sets a noise rate (an unknown
 * name lists them), the profile, the rules file, the seed, or overrides the
 * rules' guards (postings_max, cluster_max), thresholds (email_jw, phone_jw,
 * address_jw) and attach_nameless (0 or 1).
 *
 * persist=B tracks changes as an engine with a state store does: the graph
 * hands what changed to a sink that counts it every B changes (a batch),
 * timed apart from the upserts. Without it the graph tracks nothing (it is
 * never persisted). restore=1 times, at the end, a persist of the loaded
 * graph's every item and a restore of a graph from them.
 */
#include "c360/file.h"
#include "c360/identity.h"
#include "c360/name.h"
#include "c360/record.h"
#include "c360/strmap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NAMES_MAX 1024  /* first names read from the nickname file */
#define NICKS_MAX 16    /* nicknames kept per first name */
#define INPUT_BUF 8192  /* normalized strings of one record */
#define ANALYSE_MAX 400 /* profiles larger than this are not searched pair by pair */

/* --- Deterministic random numbers: splitmix64, one stream per purpose. */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A stream of its own for (a, b): a record regenerates alike whatever came before. */
static struct rng rng_for(uint64_t seed, uint64_t a, uint64_t b)
{
    struct rng r = {seed ^ (a * 0x9e3779b97f4a7c15u)};
    r.s = rng_next(&r) ^ (b * 0xc2b2ae3d27d4eb4fu);
    rng_next(&r);
    return r;
}

static uint32_t below(struct rng *r, uint32_t n)
{
    return (uint32_t)((rng_next(r) >> 32) * n >> 32);
}

static double unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static bool chance(struct rng *r, double p)
{
    return unit(r) < p;
}

/* --- Settings: noise rates, seed, graph guards and thresholds. */

/* The population (see shapes below). */
enum profile { PROFILE_BANK, PROFILE_HARD };
static enum profile profile = PROFILE_BANK;

enum {
    NZ_NICKNAME,   /* a record writes a nickname of the first name */
    NZ_TYPO,       /* one edit in the first or the last name */
    NZ_SWAP,       /* first and last names swapped */
    NZ_MISSING,    /* each optional field of a record left out */
    NZ_EMAIL_CASE, /* email in mixed case */
    NZ_GMAIL,      /* Gmail address with dots moved or a +tag */
    NZ_ASCII,      /* an accented name written without its accents */
    NZ_ACCENTED,   /* persons with an accented first or last name */
    NZ_UPPER,      /* names in upper case (legacy systems) */
    NZ_HOUSEHOLD,  /* persons living with the previous one (spouses) */
    NZ_SHARE,      /* a spouse's records carry the household email or home phone */
    NZ_TWIN,       /* persons who are the previous one's twin */
    NZ_COMMON,     /* persons given one of a few very common full names */
    NZ_JUNK,       /* a record carries a placeholder or shared junk value */
    NZ_GP,         /* persons known by a globalPartyId */
    NZ_TAX_ID,     /* persons known by a tax id (party identifier) */
    NZ_DOB_ERROR,  /* a record's birth date off by a day or a year */
    NZ_COUNT
};

static struct {
    const char *name;
    double rate;
} noise[NZ_COUNT] = {
    [NZ_NICKNAME] = {"nickname", 0.15},
    [NZ_TYPO] = {"typo", 0.04},
    [NZ_SWAP] = {"swap", 0.01},
    [NZ_MISSING] = {"missing", 0.05},
    [NZ_EMAIL_CASE] = {"email_case", 0.20},
    [NZ_GMAIL] = {"gmail", 0.30},
    [NZ_ASCII] = {"ascii", 0.50},
    [NZ_ACCENTED] = {"accented", 0.10},
    [NZ_UPPER] = {"upper", 0.10},
    [NZ_HOUSEHOLD] = {"household", 0.20},
    [NZ_SHARE] = {"share", 0.50},
    [NZ_TWIN] = {"twin", 0.01},
    [NZ_COMMON] = {"common", 0.05},
    [NZ_JUNK] = {"junk", 0.03},
    [NZ_GP] = {"gp", 0.50},
    [NZ_TAX_ID] = {"tax_id", 0.30},
    [NZ_DOB_ERROR] = {"dob_error", 0.01},
};

/* What was done to a record, for the analysis of missed pairs. */
enum {
    F_NICKNAME = 1 << 0,
    F_TYPO_FIRST = 1 << 1,
    F_TYPO_LAST = 1 << 2,
    F_SWAP = 1 << 3,
    F_NO_FIRST = 1 << 4,
    F_NO_LAST = 1 << 5,
    F_NO_BIRTH = 1 << 6,
    F_DOB_ERROR = 1 << 7,
    F_NO_COUNTRY = 1 << 8,
    F_MOVED = 1 << 9,
    F_FLAGS = 10
};
static const char *const flag_names[F_FLAGS] = {
    "nickname",     "typo in first name", "typo in last name", "swapped names", "no first name",
    "no last name", "no birth date",      "birth date error",  "no country",    "moved (edit)",
};

/* --- Name tables. */

struct first_name {
    char name[48]; /* display form, e.g. "Robert" */
    char nicks[NICKS_MAX][32];
    uint8_t n_nicks;
    bool female;
};

struct names {
    struct first_name first[NAMES_MAX];
    size_t n_first, n_male; /* men first, then women (and shared names) */
    double *first_cum;      /* Zipf weights, cumulative, per sex */
    char (*last)[40];       /* display forms */
    size_t n_last, n_last_common;
    double *last_cum;
};

/* Accented names, written with or without their accents by each source. */
static const char *const accented_first[][3] = {
    /* accented, plain, "f" for women */
    {"José", "Jose", ""},      {"André", "Andre", ""},  {"Jürgen", "Jurgen", ""},
    {"Björn", "Bjorn", ""},    {"Søren", "Soren", ""},  {"François", "Francois", ""},
    {"Raúl", "Raul", ""},      {"Zoë", "Zoe", "f"},     {"María", "Maria", "f"},
    {"Renée", "Renee", "f"},   {"Chloé", "Chloe", "f"}, {"Inés", "Ines", "f"},
    {"Élodie", "Elodie", "f"}, {"Anaïs", "Anais", "f"}, {"Noémie", "Noemie", "f"},
};
static const char *const accented_last[][2] = {
    {"García", "Garcia"},     {"Muñoz", "Munoz"},
    {"Peña", "Pena"},         {"Müller", "Muller"},
    {"Núñez", "Nunez"},       {"Rodríguez", "Rodriguez"},
    {"González", "Gonzalez"}, {"Hernández", "Hernandez"},
    {"Pérez", "Perez"},       {"López", "Lopez"},
    {"Martínez", "Martinez"}, {"Sánchez", "Sanchez"},
    {"Gómez", "Gomez"},       {"Jiménez", "Jimenez"},
    {"Dvořák", "Dvorak"},     {"Łukasiewicz", "Lukasiewicz"},
    {"Çelik", "Celik"},       {"Ødegaard", "Odegaard"},
};

/* The most frequent US surnames (Census 2010), most frequent first. */
static const char *const common_last[] = {
    "Smith",    "Johnson",   "Williams",   "Brown",     "Jones",    "Garcia",   "Miller",
    "Davis",    "Rodriguez", "Martinez",   "Hernandez", "Lopez",    "Gonzalez", "Wilson",
    "Anderson", "Thomas",    "Taylor",     "Moore",     "Jackson",  "Martin",   "Lee",
    "Perez",    "Thompson",  "White",      "Harris",    "Sanchez",  "Clark",    "Ramirez",
    "Lewis",    "Robinson",  "Walker",     "Young",     "Allen",    "King",     "Wright",
    "Scott",    "Torres",    "Nguyen",     "Hill",      "Flores",   "Green",    "Adams",
    "Nelson",   "Baker",     "Hall",       "Rivera",    "Campbell", "Mitchell", "Carter",
    "Roberts",  "Gomez",     "Phillips",   "Evans",     "Turner",   "Diaz",     "Parker",
    "Cruz",     "Edwards",   "Collins",    "Reyes",     "Stewart",  "Morris",   "Morales",
    "Murphy",   "Cook",      "Rogers",     "Gutierrez", "Ortiz",    "Morgan",   "Cooper",
    "Peterson", "Bailey",    "Reed",       "Kelly",     "Howard",   "Ramos",    "Kim",
    "Cox",      "Ward",      "Richardson", "Watson",    "Brooks",   "Chavez",   "Wood",
    "James",    "Bennett",   "Gray",       "Mendoza",   "Ruiz",     "Hughes",   "Price",
    "Alvarez",  "Castillo",  "Sanders",    "Patel",     "Myers",    "Long",     "Ross",
    "Foster",   "Jimenez",
};
/* The long tail: surnames made of two or three parts. */
static const char *const last_head[] = {
    "Ash",  "Bal", "Bran", "Car",    "Dal", "Ell",  "Fair",  "Gold", "Hart",  "Kings",
    "Lang", "Mar", "Nor",  "Pem",    "Ray", "Stan", "Thorn", "Wal",  "Whit",  "Bren",
    "Cor",  "Den", "Fitz", "Gal",    "Hol", "Kess", "Lind",  "Mac",  "Oster", "Rad",
    "Sel",  "Tam", "Ver",  "Wester", "Yar", "Zell", "Brom",  "Cran", "Dun",   "Har",
};
static const char *const last_mid[] = {"", "", "", "en", "ing", "er", "o", "an", "ett", "is"};
static const char *const last_tail[] = {
    "son",   "ton", "ley",   "field", "wood", "berg",  "man",  "ford", "well", "more",
    "ridge", "by",  "stein", "ski",   "ham",  "worth", "dale", "ick",  "ova",  "ez",
};

/* Very common full names: crowds of different people with the same name. */
static const char *const common_full[][2] = {
    {"James", "Smith"},    {"Michael", "Johnson"}, {"Maria", "Garcia"}, {"Robert", "Williams"},
    {"David", "Brown"},    {"Mary", "Jones"},      {"John", "Miller"},  {"Jennifer", "Davis"},
    {"William", "Wilson"}, {"Linda", "Martinez"},
};

/* "bob" → "Bob", "mary ann" → "Mary Ann". */
static void capitalize(char *s)
{
    bool start = true;
    for (; *s; s++) {
        if (start && *s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
        start = *s == ' ' || *s == '-';
    }
}

/* Cumulative Zipf weights 1/(rank+shift) of n names. */
static double *zipf(size_t n, double shift)
{
    double *cum = malloc(n * sizeof(*cum)), sum = 0;
    if (!cum)
        return NULL;
    for (size_t i = 0; i < n; i++)
        cum[i] = sum += 1.0 / ((double)i + shift);
    for (size_t i = 0; i < n; i++)
        cum[i] /= sum;
    return cum;
}

static size_t pick(struct rng *r, const double *cum, size_t n)
{
    double u = unit(r);
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First names and their nicknames from the nickname file, the same one the
 * graph matches with ("canonical: nick, nick"; sections by sex). */
static int names_read(struct names *nm, const char *path)
{
    char *text;
    size_t len;
    if (c360_file_read(path, C360_NICKNAMES_FILE_MAX, &text, &len, NULL))
        return -1;
    bool female = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, "--- Women"))
            female = true;
        if (line[0] == '#' || !strchr(line, ':') || nm->n_first == NAMES_MAX)
            continue;
        struct first_name *f = &nm->first[nm->n_first];
        char *colon = strchr(line, ':');
        *colon = '\0';
        snprintf(f->name, sizeof(f->name), "%s", line);
        capitalize(f->name);
        f->female = female;
        for (char *p = colon + 1; *p && f->n_nicks < NICKS_MAX;) {
            p += strspn(p, " ,");
            size_t n = strcspn(p, ",");
            while (n && p[n - 1] == ' ')
                n--;
            if (n && n < sizeof(f->nicks[0])) {
                memcpy(f->nicks[f->n_nicks], p, n);
                f->nicks[f->n_nicks][n] = '\0';
                capitalize(f->nicks[f->n_nicks++]);
            }
            p += strcspn(p, ",");
        }
        if (!female)
            nm->n_male++;
        nm->n_first++;
    }
    free(text);
    if (nm->n_male == 0 || nm->n_male == nm->n_first)
        return -1;
    /* A name's rank in popularity is its place in a fixed shuffle. */
    struct rng r = {12345};
    for (size_t i = nm->n_male - 1; i > 0; i--) {
        size_t j = below(&r, (uint32_t)i + 1);
        struct first_name t = nm->first[i];
        nm->first[i] = nm->first[j];
        nm->first[j] = t;
    }
    for (size_t i = nm->n_first - 1; i > nm->n_male; i--) {
        size_t j = nm->n_male + below(&r, (uint32_t)(i - nm->n_male) + 1);
        struct first_name t = nm->first[i];
        nm->first[i] = nm->first[j];
        nm->first[j] = t;
    }
    nm->first_cum = malloc(nm->n_first * sizeof(double));
    double *m = zipf(nm->n_male, 8), *w = zipf(nm->n_first - nm->n_male, 8);
    if (!nm->first_cum || !m || !w)
        return -1;
    memcpy(nm->first_cum, m, nm->n_male * sizeof(double));
    memcpy(nm->first_cum + nm->n_male, w, (nm->n_first - nm->n_male) * sizeof(double));
    free(m);
    free(w);

    nm->n_last_common = COUNT(common_last);
    nm->n_last = nm->n_last_common + COUNT(last_head) * COUNT(last_mid) * COUNT(last_tail);
    nm->last = malloc(nm->n_last * sizeof(*nm->last));
    if (!nm->last || !(nm->last_cum = zipf(nm->n_last_common, 4)))
        return -1;
    for (size_t i = 0; i < nm->n_last_common; i++)
        snprintf(nm->last[i], sizeof(nm->last[i]), "%s", common_last[i]);
    size_t k = nm->n_last_common;
    for (size_t h = 0; h < COUNT(last_head); h++)
        for (size_t m2 = 0; m2 < COUNT(last_mid); m2++)
            for (size_t t = 0; t < COUNT(last_tail); t++)
                snprintf(nm->last[k++], sizeof(nm->last[0]), "%s%s%s", last_head[h], last_mid[m2],
                         last_tail[t]);
    return 0;
}

/* --- The population. */

enum relation { REL_NONE, REL_SPOUSE, REL_TWIN };

struct person {
    uint32_t first;   /* index in names.first, or accented_first when accent & 1 */
    uint32_t last;    /* index in names.last, or accented_last when accent & 2 */
    uint8_t accent;   /* bit 0: accented first name; bit 1: accented last name */
    uint8_t relation; /* to the previous person */
    uint8_t email_style, domain;
    int32_t birth;
    uint32_t household;    /* the person whose address, home phone and email are shared */
    uint64_t mobile, home; /* ten NANP digits */
    uint32_t street_no, street, unit, zip;
    uint32_t gp, tax_id; /* 0: none */
};

struct population {
    struct names names;
    struct person *persons;
    size_t n_persons;
    uint32_t *rec_person; /* truth: the person of each record */
    uint8_t *rec_system;
    size_t n_records;
    uint64_t seed;
};

enum system { SYS_FSC, SYS_EDW, SYS_AGGREGATOR, SYS_WEB, SYS_ORG, SYS_COUNT };
static const char *const system_name[SYS_COUNT] = {"fsc", "edw", "aggregator", "web", "org"};
static const char *const system_prefix[SYS_COUNT] = {"ACC", "EDW", "AGG", "WEB", "ORG"};

static const char *const domains[] = {"gmail.com",  "yahoo.com", "outlook.com", "hotmail.com",
                                      "icloud.com", "aol.com",   "comcast.net", "proton.me"};
static const double domain_cum[] = {0.40, 0.55, 0.67, 0.77, 0.86, 0.91, 0.96, 1.0};
static const char *const area_codes[] = {
    "212", "213", "214", "303", "305", "312", "313", "404", "407", "415", "469", "503", "512",
    "602", "617", "646", "702", "713", "718", "720", "773", "781", "818", "858", "917", "919",
    "925", "949", "972", "206", "248", "267", "301", "347", "410", "480", "508", "610", "630",
};
static const char *const streets[] = {
    "Main",   "Oak",      "Maple",    "Washington", "Lake",    "Hill",      "Cedar",  "Pine",
    "Elm",    "Park",     "Lincoln",  "Jackson",    "Sunset",  "Highland",  "Church", "Walnut",
    "Spring", "Franklin", "Ridge",    "Willow",     "Madison", "Jefferson", "River",  "Forest",
    "Broad",  "Center",   "Chestnut", "Mill",       "Valley",  "Meadow",    "Adams",  "Locust",
};
/* Suffix spellings: each row is one USPS suffix written three ways. */
static const char *const suffixes[][3] = {
    {"Street", "St", "St."},        {"Avenue", "Ave", "Ave."}, {"Road", "Rd", "Rd."},
    {"Boulevard", "Blvd", "Blvd."}, {"Drive", "Dr", "Dr."},    {"Lane", "Ln", "Ln."},
    {"Court", "Ct", "Ct."},         {"Place", "Pl", "Pl."},
};
/* Placeholders the normalizers drop, and shared values they cannot know (a
 * branch's address or number typed for customers), which only the postings
 * cap stops. */
static const char *const junk_emails[] = {
    "noreply@c360bank.com",          "test@test.com",     "none@none.com", "NoReply@Bank.com",
    "customer.service@c360bank.com", "info@c360bank.com",
};
static const char *const junk_phones[] = {
    "0000000000",     "(000) 000-0000", "1234567890",
    "(415) 555-0100", "(888) 360-3600", "+1 800 622 4360",
};

static uint64_t nanp(struct rng *r)
{
    uint64_t area = (uint64_t)atoi(area_codes[below(r, COUNT(area_codes))]);
    uint64_t exchange;
    do
        exchange = 200 + below(r, 800);
    while (exchange == 555 || exchange % 100 == 11); /* fiction and N11 service codes */
    return area * 10000000u + exchange * 10000u + below(r, 10000);
}

static void person_address(struct rng *r, struct person *p)
{
    p->street_no = 1 + below(r, 9999);
    p->street = below(r, COUNT(streets) * COUNT(suffixes));
    p->unit = chance(r, 0.3) ? 1 + below(r, 40) : 0;
    p->zip = 1001 + below(r, 98000);
}

static uint32_t first_of_sex(struct rng *r, const struct names *nm, bool female)
{
    const double *cum = nm->first_cum + (female ? nm->n_male : 0);
    size_t n = female ? nm->n_first - nm->n_male : nm->n_male;
    return (uint32_t)(pick(r, cum, n) + (female ? nm->n_male : 0));
}

static void person_make(struct population *pop, size_t i)
{
    struct rng r = rng_for(pop->seed, 1, i);
    struct person *p = &pop->persons[i];
    const struct names *nm = &pop->names;
    struct person *prev = i ? &pop->persons[i - 1] : NULL;
    memset(p, 0, sizeof(*p));
    bool female = chance(&r, 0.5);
    p->household = (uint32_t)i;
    p->email_style = (uint8_t)below(&r, 5);
    p->domain = 0;
    for (double u = unit(&r); u > domain_cum[p->domain];)
        p->domain++;
    p->mobile = nanp(&r);
    p->home = chance(&r, 0.4) ? nanp(&r) : 0;
    p->birth = -10957 + (int32_t)below(&r, 24100); /* 1940 to 2005 */
    p->gp = chance(&r, noise[NZ_GP].rate) ? (uint32_t)i + 1 : 0;
    p->tax_id = chance(&r, noise[NZ_TAX_ID].rate) ? 100000000u + (uint32_t)i * 7u : 0;
    person_address(&r, p);

    if (chance(&r, noise[NZ_COMMON].rate)) {
        const char *const *full = common_full[below(&r, COUNT(common_full))];
        for (uint32_t k = 0; k < nm->n_first; k++)
            if (strcmp(nm->first[k].name, full[0]) == 0)
                p->first = k;
        for (uint32_t k = 0; k < nm->n_last_common; k++)
            if (strcmp(nm->last[k], full[1]) == 0)
                p->last = k;
    } else {
        if (chance(&r, noise[NZ_ACCENTED].rate)) {
            p->accent |= 1;
            p->first = below(&r, COUNT(accented_first));
        } else {
            p->first = first_of_sex(&r, nm, female);
        }
        if (chance(&r, noise[NZ_ACCENTED].rate)) {
            p->accent |= 2;
            p->last = below(&r, COUNT(accented_last));
        } else if (chance(&r, 0.5)) {
            p->last = (uint32_t)pick(&r, nm->last_cum, nm->n_last_common);
        } else {
            p->last = (uint32_t)(nm->n_last_common +
                                 below(&r, (uint32_t)(nm->n_last - nm->n_last_common)));
        }
    }
    if (!prev || prev->relation != REL_NONE)
        return;
    if (chance(&r, noise[NZ_HOUSEHOLD].rate)) {
        /* A spouse: the household's address, last name (mostly) and home
         * phone; a first name of the other sex; their own birth date. */
        p->relation = REL_SPOUSE;
        p->household = prev->household;
        bool prev_female = prev->accent & 1 ? accented_first[prev->first][2][0] == 'f'
                                            : nm->first[prev->first].female;
        p->accent &= (uint8_t)~1u;
        p->first = first_of_sex(&r, nm, !prev_female);
        if (chance(&r, 0.8)) {
            p->last = prev->last;
            p->accent = (uint8_t)((p->accent & ~2u) | (prev->accent & 2u));
        }
        p->birth = prev->birth + (int32_t)below(&r, 3651) - 1825;
        if (p->birth == prev->birth)
            p->birth++;
        if (!prev->home)
            prev->home = nanp(&r);
        p->home = prev->home;
    } else if (chance(&r, noise[NZ_TWIN].rate)) {
        /* A twin: same address, last name and birth date; another first name. */
        p->relation = REL_TWIN;
        p->household = prev->household;
        p->last = prev->last;
        p->accent = (uint8_t)((p->accent & ~2u) | (prev->accent & 2u));
        p->birth = prev->birth;
        p->home = prev->home;
        do
            p->first = first_of_sex(&r, nm, chance(&r, 0.5));
        while (p->first == prev->first && !(prev->accent & 1));
        p->accent &= (uint8_t)~1u;
    } else {
        return;
    }
    p->street_no = prev->street_no;
    p->street = prev->street;
    p->unit = prev->unit;
    p->zip = prev->zip;
}

static const char *first_display(const struct population *pop, const struct person *p, bool plain)
{
    if (p->accent & 1)
        return accented_first[p->first][plain ? 1 : 0];
    return pop->names.first[p->first].name;
}

static const char *last_display(const struct population *pop, const struct person *p, bool plain)
{
    if (p->accent & 2)
        return accented_last[p->last][plain ? 1 : 0];
    return pop->names.last[p->last];
}

/* The mailbox of person p: unique by its number, so two people share an
 * address only on purpose (a household). */
static void mailbox(const struct population *pop, size_t i, char *out, size_t size)
{
    const struct person *p = &pop->persons[i];
    char first[64], last[64];
    snprintf(first, sizeof(first), "%s", first_display(pop, p, true));
    snprintf(last, sizeof(last), "%s", last_display(pop, p, true));
    for (char *s = first; *s; s++)
        *s = *s == ' ' ? '.' : (char)(*s | 0x20);
    for (char *s = last; *s; s++)
        *s = *s == ' ' ? '.' : (char)(*s | 0x20);
    unsigned n = (unsigned)i % 9973 + (unsigned)(i / 9973) * 10007;
    switch (p->email_style) {
    case 0:
        snprintf(out, size, "%s.%s%u@%s", first, last, n, domains[p->domain]);
        break;
    case 1:
        snprintf(out, size, "%s%s%u@%s", first, last, n, domains[p->domain]);
        break;
    case 2:
        snprintf(out, size, "%c%s%u@%s", first[0], last, n, domains[p->domain]);
        break;
    case 3:
        snprintf(out, size, "%s_%s%u@%s", first, last, n, domains[p->domain]);
        break;
    default:
        snprintf(out, size, "%s.%c%u@%s", first, last[0], n, domains[p->domain]);
        break;
    }
}

/* Persons, then their records, until there are n records. */
static int population_make(struct population *pop, size_t n)
{
    size_t cap = n / 2 + 16;
    pop->persons = malloc(cap * sizeof(*pop->persons));
    pop->rec_person = malloc(n * sizeof(*pop->rec_person));
    pop->rec_system = malloc(n * sizeof(*pop->rec_system));
    if (!pop->persons || !pop->rec_person || !pop->rec_system)
        return -1;
    static const double n_records_cum[] = {0.35, 0.70, 0.90, 1.0};
    while (pop->n_records < n) {
        if (pop->n_persons == cap) {
            struct person *p = realloc(pop->persons, (cap *= 2) * sizeof(*p));
            if (!p)
                return -1;
            pop->persons = p;
        }
        size_t i = pop->n_persons++;
        person_make(pop, i);
        struct rng r = rng_for(pop->seed, 2, i);
        unsigned k = 0;
        for (double u = unit(&r); u > n_records_cum[k];)
            k++;
        /* Distinct systems: one person is one record per source. In the bank
         * profile a customer's first record is the fsc person account (the
         * bank's system of record for a relationship), and a prospect has no
         * account, at the bank or linked. */
        uint8_t systems[SYS_COUNT] = {SYS_FSC, SYS_EDW, SYS_AGGREGATOR, SYS_WEB, SYS_ORG};
        unsigned n_systems = SYS_COUNT, fixed = 0;
        if (profile == PROFILE_BANK && !pop->persons[i].gp) {
            memcpy(systems, (uint8_t[]){SYS_FSC, SYS_WEB, SYS_ORG}, 3);
            n_systems = 3;
        } else if (profile == PROFILE_BANK) {
            fixed = 1;
        }
        for (unsigned j = 0; j <= k && j < n_systems && pop->n_records < n; j++) {
            unsigned s = j < fixed ? j : j + below(&r, n_systems - j);
            uint8_t t = systems[j];
            systems[j] = systems[s];
            systems[s] = t;
            pop->rec_person[pop->n_records] = (uint32_t)i;
            pop->rec_system[pop->n_records++] = systems[j];
        }
    }
    return 0;
}

/* --- One source record, written the way its source writes it. */

/* One edit: substitute, delete, insert or swap two neighbours (ASCII only). */
static void typo(struct rng *r, char *s, size_t size)
{
    size_t n = strlen(s);
    if (n < 3)
        return;
    size_t at = 1 + below(r, (uint32_t)n - 2); /* first letters are rarely mistyped */
    char c = (char)('a' + below(r, 26));
    switch (below(r, 4)) {
    case 0:
        s[at] = c;
        break;
    case 1:
        memmove(s + at, s + at + 1, n - at);
        break;
    case 2:
        if (n + 2 <= size) {
            memmove(s + at + 1, s + at, n - at + 1);
            s[at] = c;
        }
        break;
    default: {
        char t = s[at];
        s[at] = s[at - 1];
        s[at - 1] = t;
        break;
    }
    }
}

static void upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
}

static void email_variant(struct rng *r, const char *email, char *out, size_t size)
{
    char local[128];
    const char *at = strchr(email, '@');
    size_t n = (size_t)(at - email), k = 0;
    bool gmail = strcmp(at + 1, "gmail.com") == 0;
    if (gmail && chance(r, noise[NZ_GMAIL].rate)) {
        /* Gmail ignores dots and +tags: move the dots, or add a tag. */
        bool tag = chance(r, 0.5);
        for (size_t i = 0; i < n && k + 2 < sizeof(local); i++) {
            if (email[i] == '.' && !tag)
                continue;
            local[k++] = email[i];
            if (!tag && i + 1 < n && chance(r, 0.15))
                local[k++] = '.';
        }
        local[k] = '\0';
        if (tag)
            snprintf(local + k, sizeof(local) - k, "+%s",
                     (const char *[]){"bank", "news", "shop", "fin"}[below(r, 4)]);
    } else {
        memcpy(local, email, n);
        local[n] = '\0';
    }
    const char *domain = gmail && chance(r, 0.1) ? "googlemail.com" : at + 1;
    snprintf(out, size, "%s@%s", local, domain);
    if (chance(r, noise[NZ_EMAIL_CASE].rate)) {
        bool word = true;
        for (char *s = out; *s; s++) {
            if (word && *s >= 'a' && *s <= 'z')
                *s = (char)(*s - 'a' + 'A');
            word = *s == '.' || *s == '@' || *s == '_';
        }
    }
}

static void phone_format(struct rng *r, uint64_t digits, char *out, size_t size)
{
    unsigned a = (unsigned)(digits / 10000000u), e = (unsigned)(digits / 10000u % 1000u),
             l = (unsigned)(digits % 10000u);
    switch (below(r, 7)) {
    case 0:
        snprintf(out, size, "(%03u) %03u-%04u", a, e, l);
        break;
    case 1:
        snprintf(out, size, "+1 %03u-%03u-%04u", a, e, l);
        break;
    case 2:
        snprintf(out, size, "%03u.%03u.%04u x%u", a, e, l, 10 + below(r, 90));
        break;
    case 3:
        snprintf(out, size, "%03u%03u%04u", a, e, l);
        break;
    case 4:
        snprintf(out, size, "1-%03u-%03u-%04u", a, e, l);
        break;
    case 5:
        snprintf(out, size, "+1%03u%03u%04u", a, e, l);
        break;
    default:
        snprintf(out, size, "%03u-%03u-%04u", a, e, l);
        break;
    }
}

struct gen {
    struct population *pop;
    struct c360_record *rec;
    char (*scratch)[256]; /* strings before they are copied into the record */
};

static const char *keep(struct gen *g, const char *text)
{
    const char *out = NULL;
    if (c360_record_str(g->rec, text, strlen(text), &out, NULL))
        return NULL;
    return out;
}

static void add_to(struct gen *g, struct c360_strs *list, const char *text)
{
    if (c360_record_strs_add(g->rec, list, text, strlen(text), NULL))
        fprintf(stderr, "bench_identity: record list full\n");
}

/* Which fields a source holds: the chance it has each. */
struct source_shape {
    double name, birth, email, phone, address, gp, tax_id, country;
};

/*
 * Two populations. "bank" (the default) gives each source the identity fields
 * DESIGN.md §3 says it carries: the bank's own systems (fsc, edw) know their
 * customers by globalPartyId, external accounts (aggregator) are held by a
 * customer's globalPartyId and nothing else, web engagements carry the
 * globalPartyId of a logged-in visitor or else an email and never a name, and
 * other orgs' contacts carry names and contact details and sometimes the
 * global id. Prospects (persons without a globalPartyId) appear only in fsc,
 * web and org. "hard" is the earlier population: every source a full
 * individual record, globalPartyId on half the persons and rarely outside
 * fsc and edw; it measures the fuzzy rules alone.
 */
static const struct source_shape shapes[2][SYS_COUNT] =
    {
        [PROFILE_BANK] =
            {
                [SYS_FSC] = {1.0, 0.9, 0.9, 0.9, 0.9, 0.98, 0.5, 0.9},
                [SYS_EDW] = {1.0, 0.95, 0.6, 0.8, 0.95, 0.98, 0.7, 0.7},
                [SYS_AGGREGATOR] = {0, 0, 0, 0, 0, 1.0, 0, 0},
                [SYS_WEB] = {0, 0, 1.0, 0, 0, 0.5, 0, 0},
                [SYS_ORG] = {1.0, 0.2, 0.9, 0.9, 0.6, 0.3, 0.0, 0.8},
            },
        [PROFILE_HARD] =
            {
                [SYS_FSC] = {1.0, 0.9, 0.9, 0.9, 0.9, 0.95, 0.5, 0.9},
                [SYS_EDW] = {1.0, 0.95, 0.6, 0.8, 0.95, 0.9, 0.7, 0.7},
                [SYS_AGGREGATOR] = {1.0, 0.3, 0.9, 0.8, 0.5, 0.0, 0.0, 0.5},
                [SYS_WEB] = {0.8, 0.1, 1.0, 0.3, 0.2, 0.05, 0.0, 0.5},
                [SYS_ORG] = {1.0, 0.2, 0.9, 0.9, 0.6, 0.3, 0.0, 0.8},
            },
};

static unsigned record_make(struct gen *g, size_t rec_index, unsigned version);

static bool is_junk_email(const char *email)
{
    for (size_t i = 0; i < COUNT(junk_emails); i++)
        if (strcmp(email, junk_emails[i]) == 0)
            return true;
    return false;
}

/* The first email of a named record of rec_index's person (their records are
 * neighbours), as that record writes it: 0, or -1 when none has one. */
static int known_email(struct gen *g, size_t rec_index, char *out, size_t size)
{
    static struct c360_record *sibling_rec;
    static char sibling_scratch[4][256];
    struct population *pop = g->pop;
    if (!sibling_rec && c360_record_new(C360_ENTITY_INDIVIDUAL, &sibling_rec))
        return -1;
    struct gen sib = {.pop = pop, .rec = sibling_rec, .scratch = sibling_scratch};
    size_t lo = rec_index > SYS_COUNT ? rec_index - SYS_COUNT : 0;
    for (size_t k = lo; k < pop->n_records && k <= rec_index + SYS_COUNT; k++) {
        if (k == rec_index || pop->rec_person[k] != pop->rec_person[rec_index] ||
            pop->rec_system[k] == SYS_WEB)
            continue;
        record_make(&sib, k, 0);
        const struct c360_individual *ind = &sibling_rec->as.individual;
        for (size_t e = 0; ind->first_name && e < ind->emails.count; e++) {
            /* A placeholder a clerk typed is no mailbox: no mail reached it. */
            if (is_junk_email(ind->emails.items[e]))
                continue;
            snprintf(out, size, "%s", ind->emails.items[e]);
            return 0;
        }
    }
    return -1;
}

/* Whether person pi gives the household email rather than their own: a
 * spouse's habit in the bank profile, the same for every source. */
static bool gives_household_email(const struct population *pop, size_t pi)
{
    struct rng habit = rng_for(pop->seed, 7, pi);
    return pop->persons[pi].relation == REL_SPOUSE && chance(&habit, noise[NZ_SHARE].rate);
}

/*
 * Record rec_index (version 0; an edit is version 1 and later) into g->rec.
 * Returns the flags of what was done to it.
 */
static unsigned record_make(struct gen *g, size_t rec_index, unsigned version)
{
    struct population *pop = g->pop;
    struct rng r = rng_for(pop->seed, 3 + version, rec_index);
    size_t pi = pop->rec_person[rec_index];
    struct person p = pop->persons[pi];
    enum system sys = pop->rec_system[rec_index];
    const struct source_shape *sh = &shapes[profile][sys];
    double missing = noise[NZ_MISSING].rate;
    unsigned flags = 0;
    char buf[256], id[64];

    /* An edit: a move, a new mobile number, or the same facts written anew. */
    if (version) {
        struct rng life = rng_for(pop->seed, 100 + version, rec_index);
        unsigned what = below(&life, 10);
        if (what < 3) {
            person_address(&life, &p);
            flags |= F_MOVED;
        } else if (what < 5) {
            p.mobile = nanp(&life);
        }
    }

    c360_record_reset(g->rec, C360_ENTITY_INDIVIDUAL);
    struct c360_record *rec = g->rec;
    struct c360_individual *ind = &rec->as.individual;
    rec->change = C360_CHANGE_UPSERT;
    rec->source_system = system_name[sys];
    snprintf(id, sizeof(id), "%s%09zu", system_prefix[sys], rec_index);
    rec->source_record_id = keep(g, id);
    if (p.gp && chance(&r, sh->gp)) {
        snprintf(id, sizeof(id), "GP-%08u", p.gp);
        rec->global_party_id = keep(g, id);
    }

    /* Names. */
    if (chance(&r, sh->name)) {
        bool plain = chance(&r, noise[NZ_ASCII].rate);
        char first[64], last[64];
        snprintf(first, sizeof(first), "%s", first_display(pop, &p, plain));
        snprintf(last, sizeof(last), "%s", last_display(pop, &p, plain));
        if (!(p.accent & 1) && pop->names.first[p.first].n_nicks &&
            chance(&r, noise[NZ_NICKNAME].rate)) {
            const struct first_name *f = &pop->names.first[p.first];
            snprintf(first, sizeof(first), "%s", f->nicks[below(&r, f->n_nicks)]);
            flags |= F_NICKNAME;
        }
        if (chance(&r, noise[NZ_TYPO].rate)) {
            bool in_first = chance(&r, 0.5);
            typo(&r, in_first ? first : last, sizeof(first));
            flags |= in_first ? F_TYPO_FIRST : F_TYPO_LAST;
        }
        if (sys == SYS_EDW && chance(&r, noise[NZ_UPPER].rate * 5)) {
            upper(first);
            upper(last);
        }
        if (chance(&r, noise[NZ_SWAP].rate)) {
            char t[64];
            memcpy(t, first, sizeof(t));
            memcpy(first, last, sizeof(t));
            memcpy(last, t, sizeof(t));
            flags |= F_SWAP;
        }
        if (!chance(&r, missing))
            ind->first_name = keep(g, first);
        else
            flags |= F_NO_FIRST;
        if (!chance(&r, missing))
            ind->last_name = keep(g, last);
        else
            flags |= F_NO_LAST;
    } else {
        flags |= F_NO_FIRST | F_NO_LAST;
    }
    if (chance(&r, sh->birth) && !chance(&r, missing)) {
        ind->birth_date = p.birth;
        if (chance(&r, noise[NZ_DOB_ERROR].rate)) {
            ind->birth_date += chance(&r, 0.5) ? (chance(&r, 0.5) ? 1 : -1) : 365;
            flags |= F_DOB_ERROR;
        }
    } else {
        flags |= F_NO_BIRTH;
    }

    /* Emails: the person's own, or the household's when they share it. */
    /* A web engagement bears a globalPartyId or an email (DESIGN.md §3). */
    if (profile == PROFILE_BANK && sys == SYS_WEB && !rec->global_party_id) {
        /* Not logged in: the email came from a click in the bank's own mail
         * to this person, so one of their named records holds it; a person
         * the bank has no email for gave the one they give everywhere (a
         * newsletter signup): their own, or a spouse's household email. */
        if (known_email(g, rec_index, buf, sizeof(buf)) != 0)
            mailbox(pop, gives_household_email(pop, pi) ? p.household : pi, buf, sizeof(buf));
        email_variant(&r, buf, g->scratch[0], sizeof(g->scratch[0]));
        add_to(g, &ind->emails, g->scratch[0]);
    } else if (chance(&r, sh->email) && !chance(&r, missing)) {
        /* In the bank profile a spouse gives the household email to every
         * source or to none: a web engagement's email is then one the bank
         * knows for that person (a login, or a click on the bank's own
         * email), not a guess between spouses no data could settle. */
        bool shared = profile == PROFILE_BANK
                          ? gives_household_email(pop, pi)
                          : p.relation == REL_SPOUSE && chance(&r, noise[NZ_SHARE].rate);
        mailbox(pop, shared ? p.household : pi, buf, sizeof(buf));
        email_variant(&r, buf, g->scratch[0], sizeof(g->scratch[0]));
        add_to(g, &ind->emails, g->scratch[0]);
    }
    /* Phones: the mobile, or the home phone a household shares. */
    if (chance(&r, sh->phone) && !chance(&r, missing)) {
        bool home = p.home &&
                    (p.relation == REL_SPOUSE ? chance(&r, noise[NZ_SHARE].rate) : chance(&r, 0.3));
        phone_format(&r, home ? p.home : p.mobile, buf, sizeof(buf));
        add_to(g, &ind->phones, buf);
    }
    if (chance(&r, noise[NZ_JUNK].rate)) {
        if (chance(&r, 0.5))
            add_to(g, &ind->emails, junk_emails[below(&r, COUNT(junk_emails))]);
        else
            add_to(g, &ind->phones, junk_phones[below(&r, COUNT(junk_phones))]);
    }

    /* Address. */
    if (chance(&r, sh->address) && !chance(&r, missing)) {
        struct c360_address *a;
        if (c360_record_alloc(rec, 1, sizeof(*a), (void **)&a, NULL) == C360_OK) {
            const char *street = streets[p.street / COUNT(suffixes)];
            const char *suffix = suffixes[p.street % COUNT(suffixes)][below(&r, 3)];
            int n = snprintf(buf, sizeof(buf), "%u %s %s", p.street_no, street, suffix);
            if (p.unit && n > 0)
                snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%u",
                         (const char *[]){" Apt ", " Apartment ", " APT ", " Apt. "}[below(&r, 4)],
                         p.unit);
            if (sys == SYS_EDW && chance(&r, noise[NZ_UPPER].rate * 5))
                upper(buf);
            a->line1 = keep(g, buf);
            a->city = "Springfield";
            if (p.zip < 10000 && sys == SYS_EDW && chance(&r, 0.5))
                snprintf(buf, sizeof(buf), "%u", p.zip); /* a spreadsheet dropped the zero */
            else if (chance(&r, 0.2))
                snprintf(buf, sizeof(buf), "%05u-%04u", p.zip, below(&r, 10000));
            else
                snprintf(buf, sizeof(buf), "%05u", p.zip);
            a->postal_code = keep(g, buf);
            if (chance(&r, sh->country) && !chance(&r, missing))
                a->country = (const char *[]){"US", "USA", "United States", "us"}[below(&r, 4)];
            else
                flags |= F_NO_COUNTRY;
            ind->addresses = a;
            ind->n_addresses = 1;
        }
    }
    if (p.tax_id && chance(&r, sh->tax_id) && !chance(&r, missing)) {
        struct c360_party_identifier *pid;
        if (c360_record_alloc(rec, 1, sizeof(*pid), (void **)&pid, NULL) == C360_OK) {
            snprintf(buf, sizeof(buf), "%09u", p.tax_id);
            pid->type = "TIN";
            pid->value = keep(g, buf);
            ind->identifiers = pid;
            ind->n_identifiers = 1;
        }
    }
    return flags;
}

/* --- Normalized inputs, stored compactly: NUL-separated strings in a pool. */

struct stored {
    size_t off;
    int32_t birth;
    uint8_t has; /* bit 0: gp, 1: first name, 2: last name */
    uint8_t n_emails, n_phones, n_addresses, n_identifiers;
};

struct pool {
    char *bytes;
    size_t n, cap;
};

static int pool_add(struct pool *pl, const char *s)
{
    size_t len = strlen(s) + 1;
    while (pl->n + len > pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 1 << 20;
        char *b = realloc(pl->bytes, cap);
        if (!b)
            return -1;
        pl->bytes = b;
        pl->cap = cap;
    }
    memcpy(pl->bytes + pl->n, s, len);
    pl->n += len;
    return 0;
}

static int store(struct pool *pl, const struct c360_identity_input *in, struct stored *st)
{
    *st = (struct stored){.off = pl->n,
                          .birth = in->birth_date,
                          .has = (uint8_t)((in->global_party_id ? 1 : 0) |
                                           (in->first_name ? 2 : 0) | (in->last_name ? 4 : 0)),
                          .n_emails = in->n_emails,
                          .n_phones = in->n_phones,
                          .n_addresses = in->n_addresses,
                          .n_identifiers = in->n_identifiers};
    int err = pool_add(pl, in->key);
    if (in->global_party_id)
        err |= pool_add(pl, in->global_party_id);
    if (in->first_name)
        err |= pool_add(pl, in->first_name);
    if (in->last_name)
        err |= pool_add(pl, in->last_name);
    for (unsigned i = 0; i < in->n_emails; i++)
        err |= pool_add(pl, in->emails[i]);
    for (unsigned i = 0; i < in->n_phones; i++)
        err |= pool_add(pl, in->phones[i]);
    for (unsigned i = 0; i < in->n_addresses; i++)
        err |= pool_add(pl, in->addresses[i]);
    for (unsigned i = 0; i < in->n_identifiers; i++)
        err |= pool_add(pl, in->identifiers[i]);
    return err;
}

static const char *next_str(const char **p)
{
    const char *s = *p;
    *p += strlen(s) + 1;
    return s;
}

static void load(const struct pool *pl, const struct stored *st, struct c360_identity_input *in)
{
    const char *p = pl->bytes + st->off;
    memset(in, 0, sizeof(*in));
    in->key = next_str(&p);
    in->global_party_id = st->has & 1 ? next_str(&p) : NULL;
    in->first_name = st->has & 2 ? next_str(&p) : NULL;
    in->last_name = st->has & 4 ? next_str(&p) : NULL;
    in->birth_date = st->birth;
    in->n_emails = st->n_emails;
    in->n_phones = st->n_phones;
    in->n_addresses = st->n_addresses;
    in->n_identifiers = st->n_identifiers;
    for (unsigned i = 0; i < st->n_emails; i++)
        in->emails[i] = next_str(&p);
    for (unsigned i = 0; i < st->n_phones; i++)
        in->phones[i] = next_str(&p);
    for (unsigned i = 0; i < st->n_addresses; i++)
        in->addresses[i] = next_str(&p);
    for (unsigned i = 0; i < st->n_identifiers; i++)
        in->identifiers[i] = next_str(&p);
}

/* The record index a key ("fsc:ACC000000042") was made from. */
static size_t record_of(const char *key)
{
    const char *end = key + strlen(key), *p = end;
    while (p > key && p[-1] >= '0' && p[-1] <= '9')
        p--;
    return (size_t)strtoull(p, NULL, 10);
}

/* --- Counting pairs: a hash of 64-bit keys to counts (open addressing). */

struct counter {
    uint64_t *keys; /* key + 1; 0 is empty */
    uint64_t *counts;
    size_t size;
};

static int counter_init(struct counter *c, size_t n)
{
    c->size = 16;
    while (c->size < n * 2)
        c->size *= 2;
    c->keys = calloc(c->size, sizeof(*c->keys));
    c->counts = calloc(c->size, sizeof(*c->counts));
    return c->keys && c->counts ? 0 : -1;
}

static void counter_free(struct counter *c)
{
    free(c->keys);
    free(c->counts);
}

static void counter_add(struct counter *c, uint64_t key)
{
    uint64_t h = (key + 1) * 0x9e3779b97f4a7c15u;
    for (size_t i = (size_t)(h >> 20) & (c->size - 1);; i = (i + 1) & (c->size - 1)) {
        if (c->keys[i] == key + 1) {
            c->counts[i]++;
            return;
        }
        if (!c->keys[i]) {
            c->keys[i] = key + 1;
            c->counts[i] = 1;
            return;
        }
    }
}

/* Sum over groups of n*(n-1)/2. */
static uint64_t counter_pairs(const struct counter *c)
{
    uint64_t pairs = 0;
    for (size_t i = 0; i < c->size; i++)
        if (c->keys[i])
            pairs += c->counts[i] * (c->counts[i] - 1) / 2;
    return pairs;
}

struct accuracy {
    uint64_t predicted, truth, common;
    size_t records, profiles;
    double precision, recall, f1;
};

struct each_ctx {
    const struct population *pop;
    struct counter by_profile, by_person, by_both;
    uint64_t *profile_of; /* per record index, for the analysis */
};

static void each_record(const char *key, uint64_t id, void *arg)
{
    struct each_ctx *ctx = arg;
    size_t r = record_of(key);
    uint64_t person = ctx->pop->rec_person[r];
    counter_add(&ctx->by_profile, id);
    counter_add(&ctx->by_person, person);
    /* Profile ids and person numbers stay far below 2^32 here. */
    counter_add(&ctx->by_both, person << 32 | (id & 0xffffffffu));
    if (ctx->profile_of)
        ctx->profile_of[r] = id;
}

static int accuracy_of(const struct population *pop, const struct c360_identity *graph,
                       uint64_t *profile_of, struct accuracy *acc)
{
    struct each_ctx ctx = {.pop = pop, .profile_of = profile_of};
    size_t n = c360_identity_count(graph);
    if (counter_init(&ctx.by_profile, n) || counter_init(&ctx.by_person, n) ||
        counter_init(&ctx.by_both, n))
        return -1;
    c360_identity_each(graph, each_record, &ctx);
    acc->records = n;
    acc->predicted = counter_pairs(&ctx.by_profile);
    acc->truth = counter_pairs(&ctx.by_person);
    acc->common = counter_pairs(&ctx.by_both);
    acc->profiles = 0;
    for (size_t i = 0; i < ctx.by_profile.size; i++)
        acc->profiles += ctx.by_profile.keys[i] != 0;
    acc->precision = acc->predicted ? (double)acc->common / (double)acc->predicted : 1.0;
    acc->recall = acc->truth ? (double)acc->common / (double)acc->truth : 1.0;
    acc->f1 = acc->precision + acc->recall > 0
                  ? 2 * acc->precision * acc->recall / (acc->precision + acc->recall)
                  : 0.0;
    counter_free(&ctx.by_profile);
    counter_free(&ctx.by_person);
    counter_free(&ctx.by_both);
    return 0;
}

static void accuracy_print(const char *when, const struct accuracy *acc)
{
    printf("%-14s precision %.5f  recall %.5f  F1 %.5f  (%zu records, %zu profiles; pairs: "
           "%llu predicted, %llu true, %llu both)\n",
           when, acc->precision, acc->recall, acc->f1, acc->records, acc->profiles,
           (unsigned long long)acc->predicted, (unsigned long long)acc->truth,
           (unsigned long long)acc->common);
}

/* --- Why pairs were merged or missed: the rules re-checked pair by pair. */

enum verdict {
    V_JOIN,      /* a rule joins them */
    V_CAPPED,    /* they share a key, but too many records do */
    V_DNM_GP,    /* do-not-merge: two globalPartyIds */
    V_DNM_BIRTH, /* do-not-merge: two birth dates */
    V_NAME,      /* they share a key; the names disagree */
    V_UNINDEXED, /* they share a value, but a rule needs a name or birth date one lacks */
    V_NOTHING,   /* no value in common */
    V_COUNT
};
static const char *const verdict_names[V_COUNT] = {
    "a rule holds (joined elsewhere: cluster cap or order)",
    "shared key over the postings cap",
    "do-not-merge: different globalPartyIds",
    "do-not-merge: different birth dates",
    "shared key, names do not match",
    "shared value; other key parts (names, birth) missing/differ",
    "no value in common (email, phone, address, ids)",
};

/* Blocking keys as the graph makes them, counted to know which are capped. */
static int block_key(size_t rule, const char *value, const struct c360_identity_input *in,
                     char *out, size_t size)
{
    if (rule == 4)
        return snprintf(out, size, "%zu|%s|%s|%ld", rule, value, in->last_name,
                        (long)in->birth_date);
    return snprintf(out, size, "%zu|%s", rule, value);
}

struct checker {
    const struct c360_identity_config *cfg;
    struct c360_strmap *postings; /* blocking key → records holding it */
};

static bool capped(const struct checker *ck, size_t rule, const char *value,
                   const struct c360_identity_input *in)
{
    char key[1024];
    uint32_t n = 0;
    block_key(rule, value, in, key, sizeof(key));
    return c360_strmap_get(ck->postings, key, &n) && n > ck->cfg->postings_max;
}

static bool name_ok(const char *a, const char *b, double threshold, const struct c360_nicknames *nk)
{
    return a && b && c360_name_match(a, b, threshold, nk) != C360_NAME_DIFFERENT;
}

static bool share(const char *const *va, size_t na, const char *const *vb, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (strcmp(va[i], vb[j]) == 0)
                return true;
    return false;
}

/* The rule of an email, phone or address a and b share, whatever their
 * names and birth dates; SIZE_MAX when they share none. */
static size_t shared_value(const struct c360_identity_config *cfg,
                           const struct c360_identity_input *a, const struct c360_identity_input *b)
{
    for (size_t r = 0; r < cfg->n_rules; r++) {
        enum c360_identity_kind kind = cfg->rules[r].kind;
        if ((kind == C360_IDENTITY_EMAIL &&
             share(a->emails, a->n_emails, b->emails, b->n_emails)) ||
            (kind == C360_IDENTITY_PHONE &&
             share(a->phones, a->n_phones, b->phones, b->n_phones)) ||
            (kind == C360_IDENTITY_ADDRESS &&
             share(a->addresses, a->n_addresses, b->addresses, b->n_addresses)))
            return r;
    }
    return SIZE_MAX;
}

/*
 * The strongest verdict on a and b, and the rule of a join (rule order as in
 * the configuration: 0 globalPartyId, 1 party identifier, 2 email, 3 phone,
 * 4 address). Mirrors graph.c's rule_holds and node_index.
 */
static enum verdict pair_verdict(const struct checker *ck, const struct c360_identity_input *a,
                                 const struct c360_identity_input *b, size_t *rule_out,
                                 const char **value_out)
{
    enum verdict best = V_NOTHING;
    const struct c360_nicknames *nk = ck->cfg->nicknames;
    bool dnm_gp = a->global_party_id && b->global_party_id &&
                  strcmp(a->global_party_id, b->global_party_id) != 0;
    bool dnm_birth = a->birth_date != C360_DATE_NONE && b->birth_date != C360_DATE_NONE &&
                     a->birth_date != b->birth_date;
    for (size_t r = 0; r < ck->cfg->n_rules; r++) {
        const char *const *va = NULL, *const *vb = NULL;
        size_t na = 0, nb = 0;
        switch (ck->cfg->rules[r].kind) {
        case C360_IDENTITY_GLOBAL_PARTY_ID:
            va = &a->global_party_id, na = a->global_party_id ? 1 : 0;
            vb = &b->global_party_id, nb = b->global_party_id ? 1 : 0;
            break;
        case C360_IDENTITY_PARTY_IDENTIFIER:
            va = a->identifiers, na = a->n_identifiers;
            vb = b->identifiers, nb = b->n_identifiers;
            break;
        case C360_IDENTITY_EMAIL:
            va = a->emails, na = a->first_name ? a->n_emails : 0;
            vb = b->emails, nb = b->first_name ? b->n_emails : 0;
            break;
        case C360_IDENTITY_PHONE:
            va = a->phones, na = a->first_name ? a->n_phones : 0;
            vb = b->phones, nb = b->first_name ? b->n_phones : 0;
            break;
        case C360_IDENTITY_ADDRESS: {
            bool ka = a->first_name && a->last_name && a->birth_date != C360_DATE_NONE;
            bool kb = b->first_name && b->last_name && b->birth_date != C360_DATE_NONE;
            bool same = ka && kb && strcmp(a->last_name, b->last_name) == 0 &&
                        a->birth_date == b->birth_date;
            va = a->addresses, na = same ? a->n_addresses : 0;
            vb = b->addresses, nb = same ? b->n_addresses : 0;
            break;
        }
        }
        for (size_t i = 0; i < na; i++) {
            for (size_t j = 0; j < nb; j++) {
                if (strcmp(va[i], vb[j]) != 0)
                    continue;
                enum verdict v;
                enum c360_identity_kind kind = ck->cfg->rules[r].kind;
                double t = ck->cfg->rules[r].threshold;
                if (capped(ck, r, va[i], a))
                    v = V_CAPPED;
                else if (kind == C360_IDENTITY_GLOBAL_PARTY_ID ||
                         kind == C360_IDENTITY_PARTY_IDENTIFIER)
                    v = V_JOIN;
                else if (dnm_gp)
                    v = V_DNM_GP;
                else if (dnm_birth)
                    v = V_DNM_BIRTH;
                else if (kind == C360_IDENTITY_ADDRESS
                             ? !name_ok(a->first_name, b->first_name, t, nk)
                             : !c360_name_match_person(a->first_name, a->last_name, b->first_name,
                                                       b->last_name, kind == C360_IDENTITY_PHONE, t,
                                                       nk))
                    v = V_NAME;
                else
                    v = V_JOIN;
                if (v < best) {
                    best = v;
                    *rule_out = r;
                    *value_out = va[i];
                }
                if (best == V_JOIN)
                    return best;
            }
        }
    }
    if (best == V_NOTHING) {
        size_t rule = shared_value(ck->cfg, a, b);
        if (rule != SIZE_MAX) {
            best = V_UNINDEXED;
            *rule_out = rule;
        }
    }
    return best;
}

enum cause { C_SPOUSE, C_TWIN, C_SAME_NAME, C_JUNK, C_OTHER, C_COUNT };
static const char *const cause_names[C_COUNT] = {"spouse", "twin", "same name", "shared junk",
                                                 "other"};

/* A missed pair that shares a value a rule blocks on, by what keeps it out,
 * or one that shares none, by whether a chain of shared values joins them. */
enum miss {
    M_EMAIL_NAMELESS_GP, /* email; the nameless record is placed by its globalPartyId */
    M_EMAIL_NAMELESS,    /* email; one record nameless (not attached) */
    M_EMAIL_BOTH,        /* email; neither has a first name */
    M_PHONE,             /* phone; a first name missing */
    M_ADDRESS_BIRTH,     /* address; a birth date missing */
    M_ADDRESS_NAME,      /* address; a first or last name missing */
    M_ADDRESS_LAST,      /* address; last names differ */
    M_CHAIN,             /* nothing shared directly, but a chain of shared values */
    M_BEYOND_GP,         /* no chain; one has a globalPartyId the other lacks */
    M_BEYOND,            /* no chain, otherwise */
    M_COUNT
};
static const char *const miss_names[M_COUNT] = {
    "email; nameless side placed by its globalPartyId",
    "email; one side nameless, not attached",
    "email; neither side has a first name",
    "phone; a first name missing",
    "address; a birth date missing",
    "address; a first or last name missing",
    "address; last names differ",
    "nothing shared directly; a chain of shared values",
    "no chain; a globalPartyId on one side only",
    "no chain; otherwise",
};

struct analysis {
    uint64_t false_links[C360_IDENTITY_RULES_MAX][C_COUNT];
    uint64_t false_attach[C_COUNT]; /* a nameless record joined by an email it shares */
    uint64_t false_attach_own;      /* ... an email the nameless record's own person's named
                                       records hold too */
    uint64_t impure_profiles;
    uint64_t missed[V_COUNT], missed_rule[V_COUNT][C360_IDENTITY_RULES_MAX];
    uint64_t missed_by[M_COUNT];
    uint64_t missed_reach[3]; /* within the ceiling without guessing, with a guess, beyond */
    uint64_t missed_flags[F_FLAGS], missed_total;
    double ceiling;      /* recall if every shared value under the postings cap linked */
    double fair_ceiling; /* ... but values two persons hold link named records only */
    char examples[8][320], missed_examples[6][320];
    unsigned n_examples, n_missed_examples;
};

static enum cause cause_of(const struct population *pop, uint32_t pa, uint32_t pb,
                           const char *value)
{
    const struct person *a = &pop->persons[pa], *b = &pop->persons[pb];
    char norm[64];
    for (unsigned i = 0; i < COUNT(junk_emails); i++) {
        snprintf(norm, sizeof(norm), "%s", junk_emails[i]);
        for (char *s = norm; *s; s++)
            *s = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
        if (strcmp(norm, value) == 0)
            return C_JUNK;
    }
    if (strcmp(value, "+18883603600") == 0 || strcmp(value, "+18006224360") == 0)
        return C_JUNK;
    if (a->household == b->household) {
        const struct person *later = pa > pb ? a : b;
        return later->relation == REL_TWIN ? C_TWIN : C_SPOUSE;
    }
    if (a->first == b->first && a->last == b->last && a->accent == b->accent)
        return C_SAME_NAME;
    return C_OTHER;
}

/* Groups records by profile (counting sort on dense profile numbers). */
struct groups {
    size_t *start; /* per group, into members; n_groups + 1 entries */
    uint32_t *members;
    size_t n_groups;
};

static int groups_by(const uint64_t *key, size_t n, struct groups *gr)
{
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (key[i] != UINT64_MAX && key[i] > max)
            max = key[i];
    gr->n_groups = (size_t)max + 1;
    gr->start = calloc(gr->n_groups + 1, sizeof(*gr->start));
    gr->members = malloc(n * sizeof(*gr->members));
    if (!gr->start || !gr->members)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (key[i] != UINT64_MAX)
            gr->start[key[i] + 1]++;
    for (size_t g = 0; g < gr->n_groups; g++)
        gr->start[g + 1] += gr->start[g];
    size_t *fill = malloc(gr->n_groups * sizeof(*fill));
    if (!fill)
        return -1;
    memcpy(fill, gr->start, gr->n_groups * sizeof(*fill));
    for (size_t i = 0; i < n; i++)
        if (key[i] != UINT64_MAX)
            gr->members[fill[key[i]]++] = (uint32_t)i;
    free(fill);
    return 0;
}

static void groups_free(struct groups *gr)
{
    free(gr->start);
    free(gr->members);
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

static double recall_of(const struct population *pop, uint32_t *parent)
{
    size_t n = pop->n_records;
    struct counter by_person, by_both;
    if (counter_init(&by_person, n) || counter_init(&by_both, n))
        return -1;
    for (size_t r = 0; r < n; r++) {
        counter_add(&by_person, pop->rec_person[r]);
        counter_add(&by_both, (uint64_t)pop->rec_person[r] << 32 | uf_find(parent, (uint32_t)r));
    }
    double recall = (double)counter_pairs(&by_both) / (double)counter_pairs(&by_person);
    counter_free(&by_person);
    counter_free(&by_both);
    return recall;
}

/* Joins r to the first record that put key in first. */
static int join_first(struct c360_strmap *first, const char *key, uint32_t r, uint32_t *parent)
{
    uint32_t at;
    if (!c360_strmap_get(first, key, &at))
        return c360_strmap_put(first, key, r) ? -1 : 0;
    parent[uf_find(parent, r)] = uf_find(parent, at);
    return 0;
}

/*
 * The recall no rule set could beat: records joined whenever they share any
 * normalized value (globalPartyId, identifier, email, phone, address) that
 * at most postings_max records hold, whatever their names say (parent, and
 * *out). And the recall no rule set could beat without guessing (*fair): a
 * value the records of two persons hold (a household's email or phone)
 * joins only records that have a first name to tell the persons apart, so
 * a nameless record holding only such a value is nobody's for sure
 * (fair_parent). Both take the truth's word for which values two persons
 * hold: they bound what rules can do, they are not rules.
 */
static int recall_ceiling(const struct population *pop, const struct c360_identity_config *cfg,
                          const struct c360_identity_input *inputs, uint32_t *parent,
                          uint32_t *fair_parent, double *out, double *fair)
{
    size_t n = pop->n_records;
    struct c360_strmap *count, *first, *owner;
    char key[1024], own[1100];
    if (c360_strmap_new(n * 40, &count) || c360_strmap_new(n * 80, &first) ||
        c360_strmap_new(n * 40, &owner))
        return -1;
    for (size_t r = 0; r < n; r++)
        parent[r] = fair_parent[r] = (uint32_t)r;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t r = 0; r < n; r++) {
            const struct c360_identity_input *in = &inputs[r];
            const char *const *lists[] = {&in->global_party_id, in->identifiers, in->emails,
                                          in->phones, in->addresses};
            size_t counts[] = {in->global_party_id ? 1u : 0u, in->n_identifiers, in->n_emails,
                               in->n_phones, in->n_addresses};
            uint32_t person = pop->rec_person[r];
            for (size_t l = 0; l < COUNT(lists); l++) {
                for (size_t i = 0; i < counts[l]; i++) {
                    uint32_t c = 0, who = person;
                    snprintf(key, sizeof(key), "%zu|%s", l, lists[l][i]);
                    c360_strmap_get(count, key, &c);
                    bool known = c360_strmap_get(owner, key, &who);
                    if (pass == 0) {
                        if (c360_strmap_put(count, key, c + 1) ||
                            c360_strmap_put(owner, key, known && who != person ? UINT32_MAX : who))
                            return -1;
                        continue;
                    }
                    if (c > cfg->postings_max)
                        continue;
                    if (join_first(first, key, (uint32_t)r, parent))
                        return -1;
                    if (who != UINT32_MAX) {
                        snprintf(own, sizeof(own), "f|%s", key);
                    } else if (in->first_name) {
                        snprintf(own, sizeof(own), "f|%s|%u", key, person);
                    } else {
                        continue;
                    }
                    if (join_first(first, own, (uint32_t)r, fair_parent))
                        return -1;
                }
            }
        }
    }
    *out = recall_of(pop, parent);
    *fair = recall_of(pop, fair_parent);
    c360_strmap_destroy(count);
    c360_strmap_destroy(first);
    c360_strmap_destroy(owner);
    return *out < 0 || *fair < 0 ? -1 : 0;
}

/* inputs[r]: record r's normalized input (by record index). */
/* An email both records hold, or NULL. */
static const char *shared_email(const struct c360_identity_input *a,
                                const struct c360_identity_input *b)
{
    for (size_t i = 0; i < a->n_emails; i++)
        for (size_t j = 0; j < b->n_emails; j++)
            if (strcmp(a->emails[i], b->emails[j]) == 0)
                return a->emails[i];
    return NULL;
}

static bool holds(const char *const *v, size_t n, const char *value)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], value) == 0)
            return true;
    return false;
}

/* Why a pair the rules do not join directly is apart (verdict V_UNINDEXED
 * or V_NOTHING); chained: a chain of shared values joins them. */
static enum miss miss_of(const struct c360_identity_input *a, const struct c360_identity_input *b,
                         bool chained)
{
    if (shared_email(a, b)) {
        const struct c360_identity_input *nameless = a->first_name ? b : a;
        if (!a->first_name && !b->first_name)
            return M_EMAIL_BOTH;
        return nameless->global_party_id ? M_EMAIL_NAMELESS_GP : M_EMAIL_NAMELESS;
    }
    if (share(a->phones, a->n_phones, b->phones, b->n_phones))
        return M_PHONE;
    if (share(a->addresses, a->n_addresses, b->addresses, b->n_addresses)) {
        if (!a->first_name || !b->first_name || !a->last_name || !b->last_name)
            return M_ADDRESS_NAME;
        if (strcmp(a->last_name, b->last_name) != 0)
            return M_ADDRESS_LAST;
        return M_ADDRESS_BIRTH;
    }
    if (chained)
        return M_CHAIN;
    return !a->global_party_id != !b->global_party_id ? M_BEYOND_GP : M_BEYOND;
}

static int analyse(const struct population *pop, const struct c360_identity_config *cfg,
                   const struct c360_identity_input *inputs, const uint64_t *profile_of,
                   const unsigned *flags, struct analysis *an)
{
    size_t n = pop->n_records;
    struct checker ck = {.cfg = cfg};
    char key[1024];
    if (c360_strmap_new(n * 16, &ck.postings))
        return -1;
    for (size_t r = 0; r < n; r++) {
        const struct c360_identity_input *in = &inputs[r];
        for (size_t rule = 0; rule < cfg->n_rules; rule++) {
            const char *const *v = NULL;
            size_t k = 0;
            switch (cfg->rules[rule].kind) {
            case C360_IDENTITY_GLOBAL_PARTY_ID:
                v = &in->global_party_id, k = in->global_party_id ? 1 : 0;
                break;
            case C360_IDENTITY_PARTY_IDENTIFIER:
                v = in->identifiers, k = in->n_identifiers;
                break;
            case C360_IDENTITY_EMAIL:
                v = in->emails, k = in->first_name ? in->n_emails : 0;
                break;
            case C360_IDENTITY_PHONE:
                v = in->phones, k = in->first_name ? in->n_phones : 0;
                break;
            case C360_IDENTITY_ADDRESS:
                v = in->addresses;
                k = in->first_name && in->last_name && in->birth_date != C360_DATE_NONE
                        ? in->n_addresses
                        : 0;
                break;
            }
            for (size_t i = 0; i < k; i++) {
                uint32_t count = 0;
                block_key(rule, v[i], in, key, sizeof(key));
                c360_strmap_get(ck.postings, key, &count);
                if (c360_strmap_put(ck.postings, key, count + 1))
                    return -1;
            }
        }
    }

    /* False merges: direct links between records of different persons. */
    struct groups by_profile, by_person;
    uint64_t *person_key = malloc(n * sizeof(*person_key));
    if (!person_key)
        return -1;
    for (size_t r = 0; r < n; r++)
        person_key[r] = pop->rec_person[r];
    if (groups_by(profile_of, n, &by_profile) || groups_by(person_key, n, &by_person))
        return -1;
    for (size_t g = 0; g < by_profile.n_groups; g++) {
        size_t s = by_profile.start[g], e = by_profile.start[g + 1];
        bool impure = false;
        for (size_t i = s + 1; i < e && !impure; i++)
            impure =
                pop->rec_person[by_profile.members[i]] != pop->rec_person[by_profile.members[s]];
        if (!impure)
            continue;
        an->impure_profiles++;
        if (e - s > ANALYSE_MAX)
            continue;
        for (size_t i = s; i < e; i++) {
            for (size_t j = i + 1; j < e; j++) {
                uint32_t a = by_profile.members[i], b = by_profile.members[j];
                uint32_t pa = pop->rec_person[a], pb = pop->rec_person[b];
                size_t rule = 0;
                const char *value = "";
                if (pa == pb)
                    continue;
                if (pair_verdict(&ck, &inputs[a], &inputs[b], &rule, &value) != V_JOIN) {
                    const char *mail = shared_email(&inputs[a], &inputs[b]);
                    if (!mail || (inputs[a].first_name && inputs[b].first_name))
                        continue;
                    an->false_attach[cause_of(pop, pa, pb, mail)]++;
                    /* Does the nameless record's own person have it on a named record? */
                    uint32_t x = inputs[a].first_name ? b : a, px = pop->rec_person[x];
                    for (size_t k = by_person.start[px]; k < by_person.start[px + 1]; k++) {
                        const struct c360_identity_input *o = &inputs[by_person.members[k]];
                        if (o->first_name && holds(o->emails, o->n_emails, mail)) {
                            an->false_attach_own++;
                            break;
                        }
                    }
                    continue;
                }
                enum cause c = cause_of(pop, pa, pb, value);
                an->false_links[rule][c]++;
                if (an->n_examples < COUNT(an->examples) && (c == C_OTHER || an->n_examples < 4))
                    snprintf(an->examples[an->n_examples++], sizeof(an->examples[0]),
                             "%s: %s %s <-> %s %s via %s '%s'", cause_names[c],
                             inputs[a].first_name ? inputs[a].first_name : "-",
                             inputs[a].last_name ? inputs[a].last_name : "-",
                             inputs[b].first_name ? inputs[b].first_name : "-",
                             inputs[b].last_name ? inputs[b].last_name : "-", cfg->rules[rule].name,
                             value);
            }
        }
    }

    uint32_t *chain = malloc(n * sizeof(*chain)), *fair_chain = malloc(n * sizeof(*chain));
    if (!chain || !fair_chain ||
        recall_ceiling(pop, cfg, inputs, chain, fair_chain, &an->ceiling, &an->fair_ceiling))
        return -1;

    /* Missed pairs: records of one person in different profiles. */
    for (size_t g = 0; g < by_person.n_groups; g++) {
        size_t s = by_person.start[g], e = by_person.start[g + 1];
        for (size_t i = s; i < e; i++) {
            for (size_t j = i + 1; j < e; j++) {
                uint32_t a = by_person.members[i], b = by_person.members[j];
                if (profile_of[a] == profile_of[b])
                    continue;
                size_t rule = 0;
                const char *value = "";
                enum verdict v = pair_verdict(&ck, &inputs[a], &inputs[b], &rule, &value);
                if (v == V_NAME && an->n_missed_examples < COUNT(an->missed_examples))
                    snprintf(an->missed_examples[an->n_missed_examples++],
                             sizeof(an->missed_examples[0]), "%s %s <-> %s %s sharing %s '%s'",
                             inputs[a].first_name, inputs[a].last_name ? inputs[a].last_name : "-",
                             inputs[b].first_name, inputs[b].last_name ? inputs[b].last_name : "-",
                             cfg->rules[rule].name, value);
                an->missed[v]++;
                an->missed_rule[v][rule]++;
                bool chained = uf_find(chain, a) == uf_find(chain, b);
                if (v == V_UNINDEXED || v == V_NOTHING)
                    an->missed_by[miss_of(&inputs[a], &inputs[b], chained)]++;
                an->missed_reach[!chained                                           ? 2
                                 : uf_find(fair_chain, a) != uf_find(fair_chain, b) ? 1
                                                                                    : 0]++;
                an->missed_total++;
                for (unsigned f = 0; f < F_FLAGS; f++)
                    an->missed_flags[f] += ((flags[a] | flags[b]) >> f) & 1;
            }
        }
    }
    free(person_key);
    free(chain);
    free(fair_chain);
    groups_free(&by_profile);
    groups_free(&by_person);
    c360_strmap_destroy(ck.postings);
    return 0;
}

static void analysis_print(const struct analysis *an, const struct c360_identity_config *cfg)
{
    printf("\nfalse merges: %llu profiles hold records of more than one person; direct "
           "links between two persons, by rule and cause:\n",
           (unsigned long long)an->impure_profiles);
    printf("  %-20s", "rule");
    for (unsigned c = 0; c < C_COUNT; c++)
        printf(" %11s", cause_names[c]);
    printf("\n");
    for (size_t r = 0; r < cfg->n_rules; r++) {
        printf("  %-20s", cfg->rules[r].name);
        for (unsigned c = 0; c < C_COUNT; c++)
            printf(" %11llu", (unsigned long long)an->false_links[r][c]);
        printf("\n");
    }
    printf("  %-20s", "nameless by email");
    for (unsigned c = 0; c < C_COUNT; c++)
        printf(" %11llu", (unsigned long long)an->false_attach[c]);
    printf("\n  (nameless by email: %llu of these pairs' emails are on a named record of the "
           "nameless record's own person too)\n",
           (unsigned long long)an->false_attach_own);
    for (unsigned i = 0; i < an->n_examples; i++)
        printf("  e.g. %s\n", an->examples[i]);
    printf("\nrecall ceiling %.5f: records joined by any shared value under the postings cap, "
           "names and birth dates ignored\n",
           an->ceiling);
    printf("recall ceiling without guessing %.5f: the same, but a value records of two persons "
           "hold (a household's) joins only records with a first name\n",
           an->fair_ceiling);
    printf("missed pairs (same person, different profiles): %llu, by what the two records "
           "share directly:\n",
           (unsigned long long)an->missed_total);
    for (unsigned v = 0; v < V_COUNT; v++) {
        if (!an->missed[v])
            continue;
        printf("  %-56s %8llu", verdict_names[v], (unsigned long long)an->missed[v]);
        if (v != V_NOTHING) {
            printf("  (");
            for (size_t r = 0; r < cfg->n_rules; r++)
                if (an->missed_rule[v][r])
                    printf(" %s %llu", cfg->rules[r].name,
                           (unsigned long long)an->missed_rule[v][r]);
            printf(" )");
        }
        printf("\n");
    }
    printf("  by reach: %llu within the ceiling without guessing, %llu only by a guess between "
           "persons, %llu beyond the ceiling\n",
           (unsigned long long)an->missed_reach[0], (unsigned long long)an->missed_reach[1],
           (unsigned long long)an->missed_reach[2]);
    printf("  the last two, by what they share and what keeps them apart:\n");
    for (unsigned m = 0; m < M_COUNT; m++)
        printf("    %-54s %8llu\n", miss_names[m], (unsigned long long)an->missed_by[m]);
    for (unsigned i = 0; i < an->n_missed_examples; i++)
        printf("  e.g. names do not match: %s\n", an->missed_examples[i]);
    printf("  noise on either record of a missed pair (a pair may count several times):\n");
    for (unsigned f = 0; f < F_FLAGS; f++)
        if (an->missed_flags[f])
            printf("    %-24s %8llu\n", flag_names[f], (unsigned long long)an->missed_flags[f]);
}

/* --- Persistence (persist=B): a sink that counts, and one that keeps. */

struct flushes {
    size_t batch, since;   /* changes per flush; changes since the last */
    size_t items, deletes; /* handed on */
    size_t bytes;          /* keys and values */
    double cpu;            /* in persist and persisted */
};

static enum c360_err count_put(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                               const void *val, size_t val_len)
{
    struct flushes *f = arg;
    (void)db, (void)key, (void)val;
    f->items++;
    f->deletes += !val;
    f->bytes += key_len + val_len;
    return C360_OK;
}

static double cpu_seconds(void);

/* After a change: flushes every batch changes (force: now). */
static int flush_maybe(struct c360_identity *graph, struct flushes *f, bool force)
{
    if (!f->batch || (++f->since < f->batch && !force))
        return 0;
    struct c360_persist_sink sink = {count_put, f};
    double t0 = cpu_seconds();
    if (c360_identity_persist(graph, &sink))
        return -1;
    c360_identity_persisted(graph);
    f->cpu += cpu_seconds() - t0;
    f->since = 0;
    return 0;
}

/* What the step's flushes handed on; then counts again from zero. */
static void flushes_print(struct flushes *f, size_t changes)
{
    if (!f->batch)
        return;
    printf("  persist every %zu changes: %.3f s CPU apart; per change %.1f items, %.0f bytes "
           "(%zu deletes)\n",
           f->batch, f->cpu, (double)f->items / (double)changes, (double)f->bytes / (double)changes,
           f->deletes);
    f->items = f->deletes = f->bytes = 0;
    f->cpu = 0;
    f->since = 0;
}

struct kept {
    enum c360_persist_db db;
    char *key, *val;
    size_t key_len, val_len;
};

struct keep {
    struct kept *v;
    size_t n, cap, bytes;
};

static enum c360_err keep_put(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                              const void *val, size_t val_len)
{
    struct keep *k = arg;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 1024;
        struct kept *v = realloc(k->v, cap * sizeof(*v));
        if (!v)
            return C360_ERR_NOMEM;
        k->v = v;
        k->cap = cap;
    }
    struct kept *it = &k->v[k->n];
    it->db = db;
    it->key = malloc(key_len + val_len + 1);
    if (!it->key)
        return C360_ERR_NOMEM;
    memcpy(it->key, key, key_len);
    it->val = it->key + key_len;
    memcpy(it->val, val, val_len);
    it->key_len = key_len;
    it->val_len = val_len;
    k->bytes += key_len + val_len;
    k->n++;
    return C360_OK;
}

/* The graph's items, then a graph restored from them: how long, how big. */
static int restore_timed(const struct c360_identity_config *cfg, const struct stored *st,
                         const struct pool *pl, size_t n)
{
    struct c360_identity *whole, *restored;
    struct c360_identity_changes changes;
    struct c360_identity_input in;
    struct keep keep = {0};
    struct c360_persist_sink sink = {keep_put, &keep};
    struct c360_diag diag = {0};
    if (c360_identity_new(cfg, &whole))
        return -1;
    for (size_t i = 0; i < n; i++) {
        load(pl, &st[i], &in);
        if (c360_identity_upsert(whole, &in, &changes))
            return -1;
    }
    double t0 = cpu_seconds();
    if (c360_identity_persist(whole, &sink))
        return -1;
    double t_persist = cpu_seconds() - t0;
    if (c360_identity_new(cfg, &restored))
        return -1;
    t0 = cpu_seconds();
    for (size_t i = 0; i < keep.n; i++) {
        const struct kept *it = &keep.v[i];
        if (c360_identity_restore(restored, it->db, it->key, it->key_len, it->val, it->val_len,
                                  &diag))
            goto fail;
    }
    if (c360_identity_restore_end(restored, &diag))
        goto fail;
    double t_restore = cpu_seconds() - t0;
    printf("persist (all)         %10.0f records/s  (%zu items, %.0f bytes/record)\n",
           (double)n / t_persist, keep.n, (double)keep.bytes / (double)n);
    printf("restore               %10.0f records/s  (%.2f s CPU, %zu records)\n",
           (double)n / t_restore, t_restore, c360_identity_count(restored));
    c360_identity_destroy(whole);
    c360_identity_destroy(restored);
    for (size_t i = 0; i < keep.n; i++)
        free(keep.v[i].key);
    free(keep.v);
    return 0;
fail:
    fprintf(stderr, "bench_identity: restore: %s\n", diag.text);
    return -1;
}

/* --- Timing. */

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

/* The shipped rules (config/identity.json, or rules=PATH): their blocklist and
 * calling code normalize the records, their rules and guards build the graph. */
static const struct c360_identity_rules *bench_rules;

/* Normalizes records idx[0..n) (version) into pool and st. */
static int normalize_all(struct gen *g, const size_t *idx, size_t n, unsigned version,
                         struct pool *pl, struct stored *st, unsigned *flags)
{
    static char buf[INPUT_BUF];
    struct c360_identity_input in;
    for (size_t i = 0; i < n; i++) {
        unsigned f = record_make(g, idx[i], version);
        if (flags)
            flags[idx[i]] = f;
        if (c360_identity_rules_input(bench_rules, g->rec, buf, sizeof(buf), &in) ||
            store(pl, &in, &st[i]))
            return -1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_identity [N] [name=value ...]\n  names:");
    for (unsigned i = 0; i < NZ_COUNT; i++)
        fprintf(stderr, " %s(%.3g)", noise[i].name, noise[i].rate);
    fprintf(stderr, "\n  profile (bank or hard), rules (a path), seed, postings_max, cluster_max, "
                    "email_jw, phone_jw, address_jw, attach_nameless, persist (changes per flush), "
                    "restore (0 or 1)\n");
}

/* The rule of kind in cfg, or NULL. */
static struct c360_identity_rule *rule_of(struct c360_identity_config *cfg,
                                          enum c360_identity_kind kind)
{
    for (size_t r = 0; r < cfg->n_rules; r++)
        if (cfg->rules[r].kind == kind)
            return &cfg->rules[r];
    return NULL;
}

int main(int argc, char **argv)
{
    size_t n = 100000;
    uint64_t seed = 42;
    struct flushes fl = {0};
    bool restore = false;
    const char *rules_path = C360_SOURCE_DIR "/config/identity.json";
    bool gp_set = false;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "rules=", 6) == 0)
            rules_path = argv[i] + 6;
    }
    struct c360_identity_rules *rules;
    struct c360_diag diag = {0};
    if (c360_identity_rules_load(rules_path, &rules, &diag)) {
        fprintf(stderr, "bench_identity: %s: %s\n", rules_path, diag.text);
        return 1;
    }
    bench_rules = rules;
    struct c360_identity_config cfg = *c360_identity_rules_config(rules);
    struct c360_identity_rule *email = rule_of(&cfg, C360_IDENTITY_EMAIL),
                              *phone = rule_of(&cfg, C360_IDENTITY_PHONE),
                              *address = rule_of(&cfg, C360_IDENTITY_ADDRESS);
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            n = (size_t)strtoull(argv[i], NULL, 10);
            continue;
        }
        *eq = '\0';
        double v = atof(eq + 1);
        bool known = true;
        if (strcmp(argv[i], "rules") == 0)
            ;
        else if (strcmp(argv[i], "profile") == 0 && strcmp(eq + 1, "bank") == 0)
            profile = PROFILE_BANK;
        else if (strcmp(argv[i], "profile") == 0 && strcmp(eq + 1, "hard") == 0)
            profile = PROFILE_HARD;
        else if (strcmp(argv[i], "persist") == 0)
            fl.batch = (size_t)v;
        else if (strcmp(argv[i], "restore") == 0)
            restore = v != 0;
        else if (strcmp(argv[i], "seed") == 0)
            seed = (uint64_t)v;
        else if (strcmp(argv[i], "postings_max") == 0)
            cfg.postings_max = (size_t)v;
        else if (strcmp(argv[i], "cluster_max") == 0)
            cfg.cluster_max = (size_t)v;
        else if (strcmp(argv[i], "email_jw") == 0 && email)
            email->threshold = v;
        else if (strcmp(argv[i], "attach_nameless") == 0 && email)
            email->attach_nameless = v != 0;
        else if (strcmp(argv[i], "phone_jw") == 0 && phone)
            phone->threshold = v;
        else if (strcmp(argv[i], "address_jw") == 0 && address)
            address->threshold = v;
        else {
            known = false;
            for (unsigned k = 0; k < NZ_COUNT; k++)
                if (strcmp(argv[i], noise[k].name) == 0)
                    noise[k].rate = v, known = true, gp_set |= k == NZ_GP;
        }
        if (!known) {
            usage();
            return 2;
        }
    }
    if (n < 10) {
        usage();
        return 2;
    }
    /* Customers: most persons of a bank, half of the hard population. */
    if (!gp_set)
        noise[NZ_GP].rate = profile == PROFILE_BANK ? 0.85 : 0.5;

    /* Generate. */
    static struct population pop;
    const char *nick_path = C360_SOURCE_DIR "/config/nicknames.txt";
    pop.seed = seed;
    if (names_read(&pop.names, nick_path) || population_make(&pop, n)) {
        fprintf(stderr, "bench_identity: cannot build the population (%s)\n", nick_path);
        return 1;
    }
    cfg.records_max = n + 16;
    printf("identity graph, one core: %zu records of %zu persons (seed %llu, profile %s)\nnoise:",
           n, pop.n_persons, (unsigned long long)seed, profile == PROFILE_BANK ? "bank" : "hard");
    for (unsigned i = 0; i < NZ_COUNT; i++)
        printf(" %s=%.3g", noise[i].name, noise[i].rate);
    printf("\nconfig: %s; postings_max=%zu cluster_max=%zu\n rules:", rules_path, cfg.postings_max,
           cfg.cluster_max);
    for (size_t r = 0; r < cfg.n_rules; r++)
        printf(" %s(%.2f%s)", cfg.rules[r].name, cfg.rules[r].threshold,
               cfg.rules[r].attach_nameless ? ", attachNameless" : "");
    printf("; %zu nickname pairs\n", c360_nicknames_count(cfg.nicknames));

    /* Records in shuffled order, normalized (the inputs the graph gets). */
    size_t *order = malloc(n * sizeof(*order));
    struct stored *st = malloc(n * sizeof(*st));
    unsigned *flags = calloc(n, sizeof(*flags));
    static char scratch[4][256];
    struct gen gen = {.pop = &pop, .scratch = scratch};
    struct pool pl = {0};
    if (!order || !st || !flags || c360_record_new(C360_ENTITY_INDIVIDUAL, &gen.rec))
        return 1;
    struct rng shuffle = rng_for(seed, 4, 0);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = below(&shuffle, (uint32_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    double t0 = cpu_seconds();
    if (normalize_all(&gen, order, n, 0, &pl, st, flags))
        return 1;
    double t_norm = cpu_seconds() - t0;
    size_t have[7] = {0};
    for (size_t i = 0; i < n; i++) {
        have[0] += (st[i].has >> 1) & 1;
        have[1] += (st[i].has >> 2) & 1;
        have[2] += st[i].birth != C360_DATE_NONE;
        have[3] += st[i].n_emails > 0;
        have[4] += st[i].n_phones > 0;
        have[5] += st[i].n_addresses > 0;
        have[6] += st[i].has & 1;
    }
    printf("records holding (normalized): first name %.0f%%, last name %.0f%%, birth date %.0f%%, "
           "email %.0f%%, phone %.0f%%, address %.0f%%, globalPartyId %.0f%%\n",
           100.0 * (double)have[0] / (double)n, 100.0 * (double)have[1] / (double)n,
           100.0 * (double)have[2] / (double)n, 100.0 * (double)have[3] / (double)n,
           100.0 * (double)have[4] / (double)n, 100.0 * (double)have[5] / (double)n,
           100.0 * (double)have[6] / (double)n);
    printf("generate + normalize  %10.0f records/s  (c360_record → c360_identity_input, "
           "%.0f bytes of normalized strings per record)\n",
           (double)n / t_norm, (double)pl.n / (double)n);

    /* Load: every record upserted once. */
    struct c360_identity *graph;
    struct c360_identity_changes changes;
    struct c360_identity_input in;
    double rss_before = peak_rss_mb();
    if (c360_identity_new(&cfg, &graph))
        return 1;
    if (fl.batch)
        c360_identity_persisted(graph); /* tracked from the start, as a stored graph */
    size_t events = 0, failed = 0;
    t0 = cpu_seconds();
    for (size_t i = 0; i < n; i++) {
        load(&pl, &st[i], &in);
        failed += c360_identity_upsert(graph, &in, &changes) != C360_OK;
        events += changes.count;
        if (flush_maybe(graph, &fl, i == n - 1))
            return 1;
    }
    double t_load = cpu_seconds() - t0 - fl.cpu;
    double rss_load = peak_rss_mb();
    size_t bytes = c360_identity_bytes(graph), count = c360_identity_count(graph);
    printf("upsert (load)         %10.0f records/s  (%.2f s CPU, %zu events, %zu failed, %zu "
           "capped keys)\n",
           (double)n / t_load, t_load, events, failed, c360_identity_capped_keys(graph));
    flushes_print(&fl, n);
    printf("state                 %10.0f bytes/record (c360_identity_bytes %zu / %zu records); "
           "peak RSS %.0f MB after the load, %.0f MB before the graph was built\n",
           (double)bytes / (double)count, bytes, count, rss_load, rss_before);

    /* Accuracy after the load, and why. */
    struct accuracy acc;
    uint64_t *profile_of = malloc(n * sizeof(*profile_of));
    struct c360_identity_input *inputs = malloc(n * sizeof(*inputs));
    if (!profile_of || !inputs)
        return 1;
    for (size_t i = 0; i < n; i++)
        profile_of[i] = UINT64_MAX;
    if (accuracy_of(&pop, graph, profile_of, &acc))
        return 1;
    printf("\n");
    accuracy_print("after load", &acc);
    for (size_t i = 0; i < n; i++)
        load(&pl, &st[i], &inputs[order[i]]);
    struct analysis *an = calloc(1, sizeof(*an));
    if (!an || analyse(&pop, &cfg, inputs, profile_of, flags, an))
        return 1;
    analysis_print(an, &cfg);
    free(an);
    free(inputs);

    /* Edits: a tenth of the records upserted again with changes. */
    size_t n_edit = n / 10;
    struct stored *st_edit = malloc(n_edit * sizeof(*st_edit));
    struct pool pl_edit = {0};
    if (!st_edit || normalize_all(&gen, order, n_edit, 1, &pl_edit, st_edit, NULL))
        return 1;
    events = failed = 0;
    t0 = cpu_seconds();
    for (size_t i = 0; i < n_edit; i++) {
        load(&pl_edit, &st_edit[i], &in);
        failed += c360_identity_upsert(graph, &in, &changes) != C360_OK;
        events += changes.count;
        if (flush_maybe(graph, &fl, i == n_edit - 1))
            return 1;
    }
    double t_edit = cpu_seconds() - t0 - fl.cpu;
    printf("\nupsert (edit)         %10.0f records/s  (%zu records changed: moves, new phones, "
           "new spellings; %zu events, %zu failed)\n",
           (double)n_edit / t_edit, n_edit, events, failed);
    flushes_print(&fl, n_edit);
    if (accuracy_of(&pop, graph, NULL, &acc))
        return 1;
    accuracy_print("after edits", &acc);

    /* Deletes: another tenth (the last records of the shuffled order). */
    size_t n_del = n / 10;
    char **keys = malloc(n_del * sizeof(*keys));
    if (!keys)
        return 1;
    for (size_t i = 0; i < n_del; i++)
        keys[i] = pl.bytes + st[n - 1 - i].off; /* the key comes first */
    events = 0;
    t0 = cpu_seconds();
    for (size_t i = 0; i < n_del; i++) {
        failed += c360_identity_delete(graph, keys[i], &changes) != C360_OK;
        events += changes.count;
        if (flush_maybe(graph, &fl, i == n_del - 1))
            return 1;
    }
    double t_del = cpu_seconds() - t0 - fl.cpu;
    printf("delete                %10.0f records/s  (%zu records; %zu events)\n",
           (double)n_del / t_del, n_del, events);
    flushes_print(&fl, n_del);
    if (accuracy_of(&pop, graph, NULL, &acc))
        return 1;
    accuracy_print("after deletes", &acc);
    if (restore && restore_timed(&cfg, st, &pl, n))
        return 1;
    printf("\npeak RSS              %10.0f MB at the end (the analysis included)\n", peak_rss_mb());

    c360_identity_destroy(graph);
    c360_identity_rules_free(rules);
    c360_record_destroy(gen.rec);
    free(keys);
    free(st_edit);
    free(pl_edit.bytes);
    free(profile_of);
    free(pl.bytes);
    free(st);
    free(flags);
    free(order);
    free(pop.persons);
    free(pop.rec_person);
    free(pop.rec_system);
    free(pop.names.first_cum);
    free(pop.names.last);
    free(pop.names.last_cum);
    return 0;
}
