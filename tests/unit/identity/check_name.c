/*
 * Suite identity: nickname table, Jaro–Winkler and the name match predicate
 * (include/c360/name.h, src/identity/{nickname,nickname_load,name}.c).
 */
#include "c360/name.h"

#include "../test_util.h"
#include "c360/normalize.h"
#include "check_identity.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SHIPPED C360_SOURCE_DIR "/config/nicknames.txt"

/* --- c360_name_jaro_winkler: published values (Winkler 1990; Wikipedia's
 * worked examples) to three decimals, and the edges of the range. */
static const struct {
    const char *a, *b;
    double score;
} jw[] = {
    {"MARTHA", "MARHTA", 0.961},
    {"DWAYNE", "DUANE", 0.840},
    {"DIXON", "DICKSONX", 0.813},
    {"JELLYFISH", "SMELLYFISH", 0.896},
    {"CRATE", "TRACE", 0.733},
    {"robert", "robert", 1.0},
    {"abc", "xyz", 0.0},
    {"", "", 1.0},
    {"a", "", 0.0},
    {"", "a", 0.0},
    {"a", "a", 1.0},
    {"ab", "ba", 0.0}, /* window 0: no match out of place */
    {"jon", "john", 0.933},
    {"jonathon", "jonathan", 0.950}, /* common prefix of 6 counts as 4 */
    {"zoë", "zoe", 0.822},           /* by code point: ë is one character */
    {"名字", "名字", 1.0},
};

START_TEST(test_c360_name_jaro_winkler_known_values)
{
    double s = c360_name_jaro_winkler(jw[_i].a, jw[_i].b);
    ck_assert_msg(fabs(s - jw[_i].score) < 0.0005, "%s/%s: %.4f, want %.3f", jw[_i].a, jw[_i].b, s,
                  jw[_i].score);
    double t = c360_name_jaro_winkler(jw[_i].b, jw[_i].a);
    ck_assert_msg(fabs(s - t) < 1e-12, "%s/%s not symmetric", jw[_i].a, jw[_i].b);
}
END_TEST

START_TEST(test_c360_name_jaro_winkler_survives_long_and_invalid_input)
{
    char a[400], b[400];
    memset(a, 'a', sizeof(a) - 1);
    a[sizeof(a) - 1] = '\0';
    memcpy(b, a, sizeof(b));
    b[300] = 'b'; /* beyond the compared prefix */
    ck_assert(c360_name_jaro_winkler(a, b) == 1.0);
    double s = c360_name_jaro_winkler("ab\xFF\xC3", "ab\xFF");
    ck_assert(s > 0.0 && s < 1.0);
}
END_TEST

/* --- c360_nicknames_parse, c360_nicknames_equivalent */

static struct c360_nicknames *shipped(void)
{
    struct c360_nicknames *nk = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    enum c360_err err = c360_nicknames_load(SHIPPED, &nk, &diag);
    ck_assert_msg(err == C360_OK, "%s:%ld: %s", diag.where, diag.line, diag.text);
    return nk;
}

static const struct {
    const char *a, *b;
    bool equivalent;
} pairs[] = {
    {"bob", "robert", true},
    {"robert", "bob", true},
    {"bobby", "bob", true}, /* both stand for robert */
    {"bill", "william", true},
    {"william", "bill", true},
    {"liam", "william", true},
    {"al", "alexander", true},
    {"alexander", "al", true},
    {"al", "alan", true},
    {"al", "albert", true},
    {"liz", "elizabeth", true},
    {"beth", "liz", true},
    {"peggy", "margaret", true},
    {"maggie", "peggy", true},
    {"kate", "catherine", true},
    {"catherine", "katherine", true},
    {"jim", "james", true},
    {"dick", "richard", true},
    {"jon", "john", true},
    {"sasha", "alexandra", true},
    {"bob", "william", false},
    {"bill", "robert", false},
    {"alan", "albert", false}, /* "al" joins each to al, not to each other */
    {"robert", "richard", false},
    {"xavier", "xavier", false}, /* equality is c360_name_match's job */
    {"bob", "", false},
    {"Bob", "robert", false}, /* the table holds normalized names only */
};

START_TEST(test_c360_nicknames_equivalent_both_ways)
{
    struct c360_nicknames *nk = shipped();
    ck_assert_msg(c360_nicknames_equivalent(nk, pairs[_i].a, pairs[_i].b) == pairs[_i].equivalent,
                  "%s ~ %s", pairs[_i].a, pairs[_i].b);
    ck_assert_msg(c360_nicknames_equivalent(nk, pairs[_i].b, pairs[_i].a) == pairs[_i].equivalent,
                  "%s ~ %s", pairs[_i].b, pairs[_i].a);
    c360_nicknames_free(nk);
}
END_TEST

START_TEST(test_c360_nicknames_equivalent_without_table)
{
    ck_assert(!c360_nicknames_equivalent(NULL, "bob", "robert"));
}
END_TEST

START_TEST(test_c360_nicknames_parse_normalizes_merges_and_dedupes)
{
    static const char text[] = "# comment\n"
                               "\n"
                               "  Robert :  Bob, ROB ,  Bobby  # trailing comment\r\n"
                               "robert: bob\n"
                               "Zoë: Zoey\n"
                               "José:\n"
                               "Mary Ann: Mae";
    struct c360_nicknames *nk = NULL;
    ck_assert_int_eq(c360_nicknames_parse(text, strlen(text), "inline", &nk, NULL), C360_OK);
    /* robert×{robert,bob,rob,bobby}, zoe×{zoe,zoey}, jose, mary ann×{mary ann,mae} */
    ck_assert_uint_eq(c360_nicknames_count(nk), 9);
    ck_assert(c360_nicknames_equivalent(nk, "rob", "robert"));
    ck_assert(c360_nicknames_equivalent(nk, "zoey", "zoe"));
    ck_assert(c360_nicknames_equivalent(nk, "mae", "mary ann"));
    ck_assert(c360_nicknames_equivalent(nk, "jose", "jose"));
    ck_assert(!c360_nicknames_equivalent(nk, "comment", "robert"));
    c360_nicknames_free(nk);
    c360_nicknames_free(NULL);
}
END_TEST

static const struct {
    const char *text;
    long line;
    const char *words;
    enum c360_err err;
} bad_tables[] = {
    {"robert: bob\nwilliam bill\n", 2, "expected", C360_ERR_INVALID},
    {"robert: bob\n\n# c\n: bob\n", 4, "empty name", C360_ERR_INVALID},
    {"robert: bob,, rob\n", 1, "empty name", C360_ERR_INVALID},
    {"robert: bob,\n", 1, "empty name", C360_ERR_INVALID},
    {"robert: b\xFFob\n", 1, "invalid UTF-8", C360_ERR_INVALID},
    {"robert: ...\n", 1, "no letters", C360_ERR_INVALID},
    {"a\n", 1, "expected", C360_ERR_INVALID},
};

START_TEST(test_c360_nicknames_parse_names_the_bad_line)
{
    struct c360_nicknames *nk = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    const char *text = bad_tables[_i].text;
    ck_assert_int_eq(c360_nicknames_parse(text, strlen(text), "nick.txt", &nk, &diag),
                     bad_tables[_i].err);
    ck_assert_ptr_null(nk);
    ck_assert_str_eq(diag.where, "nick.txt");
    ck_assert_int_eq(diag.line, bad_tables[_i].line);
    ck_assert_msg(strstr(diag.text, bad_tables[_i].words), "got '%s'", diag.text);
}
END_TEST

START_TEST(test_c360_nicknames_parse_caps_pairs)
{
    /* One line of C360_NICKNAMES_MAX distinct nicknames: one pair too many. */
    size_t size = 16 + (size_t)C360_NICKNAMES_MAX * 8;
    char *text = malloc(size);
    ck_assert_ptr_nonnull(text);
    size_t n = (size_t)snprintf(text, size, "canon:");
    for (int i = 0; i < C360_NICKNAMES_MAX; i++)
        n += (size_t)snprintf(text + n, size - n, "n%d,", i);
    text[n - 1] = '\n';
    ck_assert_uint_lt(n, C360_NICKNAMES_FILE_MAX);
    struct c360_nicknames *nk = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_nicknames_parse(text, n, "big", &nk, &diag), C360_ERR_LIMIT);
    ck_assert_ptr_null(nk);
    ck_assert_int_eq(diag.line, 1);
    /* Without the last nickname it fits exactly. */
    char *last = strrchr(text, ',');
    *last = '\n';
    ck_assert_int_eq(c360_nicknames_parse(text, (size_t)(last - text) + 1, "big", &nk, NULL),
                     C360_OK);
    ck_assert_uint_eq(c360_nicknames_count(nk), C360_NICKNAMES_MAX);
    c360_nicknames_free(nk);
    free(text);
}
END_TEST

START_TEST(test_c360_nicknames_parse_caps_size)
{
    char *text = malloc(C360_NICKNAMES_FILE_MAX + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, '#', C360_NICKNAMES_FILE_MAX + 1);
    struct c360_nicknames *nk = NULL;
    ck_assert_int_eq(c360_nicknames_parse(text, C360_NICKNAMES_FILE_MAX + 1, "big", &nk, NULL),
                     C360_ERR_LIMIT);
    ck_assert_ptr_null(nk);
    ck_assert_int_eq(c360_nicknames_parse(text, C360_NICKNAMES_FILE_MAX, "big", &nk, NULL),
                     C360_OK);
    ck_assert_uint_eq(c360_nicknames_count(nk), 0);
    ck_assert(!c360_nicknames_equivalent(nk, "a", "a"));
    c360_nicknames_free(nk);
    free(text);
}
END_TEST

/* --- c360_nicknames_load */

START_TEST(test_c360_nicknames_load_reads_shipped_table)
{
    struct c360_nicknames *nk = shipped();
    /* About 250 canonical lines with 3 to 20 names each. */
    ck_assert_uint_gt(c360_nicknames_count(nk), 1000);
    c360_nicknames_free(nk);
}
END_TEST

START_TEST(test_c360_nicknames_load_reads_good_file)
{
    char path[64];
    test_write_temp(path, sizeof(path), "robert: bob\nwilliam: bill, will\n");
    struct c360_nicknames *nk = NULL;
    ck_assert_int_eq(c360_nicknames_load(path, &nk, NULL), C360_OK);
    ck_assert_uint_eq(c360_nicknames_count(nk), 5);
    ck_assert(c360_nicknames_equivalent(nk, "will", "bill"));
    c360_nicknames_free(nk);
    unlink(path);
}
END_TEST

START_TEST(test_c360_nicknames_load_names_file_and_line)
{
    char path[64];
    test_write_temp(path, sizeof(path), "robert: bob\nwilliam: bill\njames jim\n");
    struct c360_nicknames *nk = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_nicknames_load(path, &nk, &diag), C360_ERR_INVALID);
    ck_assert_ptr_null(nk);
    char text[1024];
    c360_diag_format(&diag, text, sizeof(text));
    char want[128];
    snprintf(want, sizeof(want), "%s:3:", path);
    ck_assert_msg(strncmp(text, want, strlen(want)) == 0, "got '%s'", text);
    unlink(path);
}
END_TEST

START_TEST(test_c360_nicknames_load_refuses_oversized_and_missing)
{
    char *big = malloc(C360_NICKNAMES_FILE_MAX + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, '#', C360_NICKNAMES_FILE_MAX + 1);
    big[C360_NICKNAMES_FILE_MAX + 1] = '\0';
    char path[64];
    test_write_temp(path, sizeof(path), big);
    free(big);
    struct c360_nicknames *nk = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_nicknames_load(path, &nk, &diag), C360_ERR_LIMIT);
    ck_assert_ptr_null(nk);
    ck_assert_ptr_nonnull(strstr(diag.text, "larger than"));
    unlink(path);
    ck_assert_int_eq(c360_nicknames_load("/nonexistent/nicknames.txt", &nk, NULL), C360_ERR_IO);
    ck_assert_ptr_null(nk);
}
END_TEST

/* --- c360_name_match */

static const struct {
    const char *a, *b;
    double threshold;
    bool table;
    enum c360_name_match want;
} matches[] = {
    {"robert", "robert", 0.92, true, C360_NAME_EQUAL},
    {"bob", "robert", 0.92, true, C360_NAME_NICKNAME},
    {"robert", "bob", 0.92, true, C360_NAME_NICKNAME},
    {"bob", "robert", 0.92, false, C360_NAME_DIFFERENT},
    {"jonathon", "jonathan", 0.92, true, C360_NAME_SIMILAR},
    {"martha", "marhta", 0.92, true, C360_NAME_SIMILAR},
    {"martha", "marhta", 0.97, true, C360_NAME_DIFFERENT},
    {"dwayne", "duane", 0.92, true, C360_NAME_DIFFERENT},
    {"dwayne", "duane", 0.83, true, C360_NAME_SIMILAR},
    {"robert", "william", 0.92, true, C360_NAME_DIFFERENT},
    {"alan", "albert", 0.92, true, C360_NAME_DIFFERENT},
    {"xavier", "xavier", 0.92, true, C360_NAME_EQUAL},
    {"", "", 0.0, true, C360_NAME_DIFFERENT},
    {"bob", "", 0.0, true, C360_NAME_DIFFERENT},
};

START_TEST(test_c360_name_match_table)
{
    struct c360_nicknames *nk = matches[_i].table ? shipped() : NULL;
    enum c360_name_match got =
        c360_name_match(matches[_i].a, matches[_i].b, matches[_i].threshold, nk);
    ck_assert_msg(got == matches[_i].want, "%s/%s: %d, want %d", matches[_i].a, matches[_i].b, got,
                  matches[_i].want);
    c360_nicknames_free(nk);
}
END_TEST

/* The way the engine uses it: raw record values, normalized once. */
START_TEST(test_c360_name_match_after_normalizing)
{
    struct c360_nicknames *nk = shipped();
    char a[C360_NORMALIZE_NAME_MAX + 1], b[C360_NORMALIZE_NAME_MAX + 1];
    ck_assert_int_eq(c360_normalize_name("  BOB ", 6, a, sizeof(a), NULL), C360_OK);
    ck_assert_int_eq(c360_normalize_name("Róbert", 7, b, sizeof(b), NULL), C360_OK);
    ck_assert_int_eq(c360_name_match(a, b, 0.92, nk), C360_NAME_NICKNAME);
    ck_assert_int_eq(c360_normalize_name("Zoë", 4, a, sizeof(a), NULL), C360_OK);
    ck_assert_int_eq(c360_normalize_name("ZOE", 3, b, sizeof(b), NULL), C360_OK);
    ck_assert_int_eq(c360_name_match(a, b, 0.92, nk), C360_NAME_EQUAL);
    c360_nicknames_free(nk);
}
END_TEST

/* --- c360_name_match_person: names straight or crosswise, last names
 * compared only when asked and both present. */
static const struct {
    const char *first_a, *last_a, *first_b, *last_b;
    bool with_last, want;
} persons[] = {
    {"robert", "smith", "bob", "smith", true, true},        /* straight, nickname */
    {"robert", "smith", "robert", "jones", true, false},    /* last names differ */
    {"robert", "smith", "robert", "jones", false, true},    /* ... not compared */
    {"robert", NULL, "robert", "jones", true, true},        /* one last name missing */
    {"robert", "smith", "robert", "", true, true},          /* empty is missing */
    {"smith", "robert", "robert", "smith", true, true},     /* swapped */
    {"smith", "robert", "bob", "smith", false, true},       /* swapped, and a nickname */
    {"smith", NULL, "robert", "smith", false, false},       /* a swap needs both names */
    {"smith", "robert", "robert", NULL, true, false},       /* ... on both records */
    {"smith", "mary", "mary", "jones", true, false},        /* one name crosses, not the other */
    {"jonathon", "smith", "jonathan", "smith", true, true}, /* Jaro-Winkler 0.95 */
    {"robert", "smith", "william", "smith", true, false},
    {NULL, "smith", "robert", "smith", true, false}, /* no first name matches nothing */
    {NULL, NULL, NULL, NULL, false, false},
};

START_TEST(test_c360_name_match_person_table)
{
    struct c360_nicknames *nk = shipped();
    bool got = c360_name_match_person(persons[_i].first_a, persons[_i].last_a, persons[_i].first_b,
                                      persons[_i].last_b, persons[_i].with_last, 0.92, nk);
    ck_assert_msg(got == persons[_i].want, "%s %s / %s %s: %d, want %d",
                  persons[_i].first_a ? persons[_i].first_a : "-",
                  persons[_i].last_a ? persons[_i].last_a : "-",
                  persons[_i].first_b ? persons[_i].first_b : "-",
                  persons[_i].last_b ? persons[_i].last_b : "-", got, persons[_i].want);
    /* Symmetric: the order of the records does not matter. */
    ck_assert(c360_name_match_person(persons[_i].first_b, persons[_i].last_b, persons[_i].first_a,
                                     persons[_i].last_a, persons[_i].with_last, 0.92, nk) == got);
    c360_nicknames_free(nk);
}
END_TEST

#define LOOP(tc, test, table) tcase_add_loop_test(tc, test, 0, sizeof(table) / sizeof((table)[0]))

void c360_check_name_add(Suite *s)
{
    TCase *tc = tcase_create("c360_name_jaro_winkler");
    LOOP(tc, test_c360_name_jaro_winkler_known_values, jw);
    tcase_add_test(tc, test_c360_name_jaro_winkler_survives_long_and_invalid_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_nicknames_equivalent");
    LOOP(tc, test_c360_nicknames_equivalent_both_ways, pairs);
    tcase_add_test(tc, test_c360_nicknames_equivalent_without_table);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_nicknames_parse");
    tcase_add_test(tc, test_c360_nicknames_parse_normalizes_merges_and_dedupes);
    LOOP(tc, test_c360_nicknames_parse_names_the_bad_line, bad_tables);
    tcase_add_test(tc, test_c360_nicknames_parse_caps_pairs);
    tcase_add_test(tc, test_c360_nicknames_parse_caps_size);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_nicknames_load");
    tcase_add_test(tc, test_c360_nicknames_load_reads_shipped_table);
    tcase_add_test(tc, test_c360_nicknames_load_reads_good_file);
    tcase_add_test(tc, test_c360_nicknames_load_names_file_and_line);
    tcase_add_test(tc, test_c360_nicknames_load_refuses_oversized_and_missing);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_name_match");
    LOOP(tc, test_c360_name_match_table, matches);
    tcase_add_test(tc, test_c360_name_match_after_normalizing);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_name_match_person");
    LOOP(tc, test_c360_name_match_person_table, persons);
    suite_add_tcase(s, tc);
}
