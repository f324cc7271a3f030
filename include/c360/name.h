/*
 * c360 identity — fuzzy comparison of given names for the match rules
 * (DESIGN.md §4): equal, nickname-equivalent (Bob ~ Robert) or close by
 * Jaro–Winkler. Compares names already passed through c360_normalize_name.
 *
 * The nickname table is the only thing this module allocates, once, when it
 * is built; comparisons allocate nothing and do no I/O. Only
 * c360_nicknames_load reads a file.
 */
#ifndef C360_NAME_H
#define C360_NAME_H

#include "c360/err.h"

#include <stdbool.h>
#include <stddef.h>

#define C360_NICKNAMES_FILE_MAX (256 * 1024) /* bytes of a nickname file */
#define C360_NICKNAMES_MAX 16384             /* (name, canonical) pairs */

/* Names mapped to the canonical names they can stand for: "bob" → {robert},
 * "al" → {albert, alan, alexander}; a canonical name maps to itself. */
struct c360_nicknames;

/*
 * Builds the table from text, one canonical name per line followed by its
 * nicknames: "robert: bob, rob, robbie". '#' starts a comment; names are
 * normalized as by c360_normalize_name; a name may appear on several lines.
 * where names the text in diag (with the line number of a bad line).
 * *out is new: free it with c360_nicknames_free.
 */
enum c360_err c360_nicknames_parse(const char *text, size_t len, const char *where,
                                   struct c360_nicknames **out,
                                   struct c360_diag *diag) C360_MUST_USE;

/* Reads a file of at most C360_NICKNAMES_FILE_MAX bytes and parses it. */
enum c360_err c360_nicknames_load(const char *path, struct c360_nicknames **out,
                                  struct c360_diag *diag) C360_MUST_USE;

void c360_nicknames_free(struct c360_nicknames *nk);

/* Pairs in the table (a canonical name's pair with itself included). */
size_t c360_nicknames_count(const struct c360_nicknames *nk);

/*
 * True when the canonical sets of a and b intersect ("al" ~ "alan", "al" ~
 * "albert"); deliberately not transitive ("alan" is not "albert"). Names
 * not in the table are equivalent to nothing. nk may be NULL.
 */
bool c360_nicknames_equivalent(const struct c360_nicknames *nk, const char *a, const char *b);

/*
 * Jaro–Winkler similarity in [0, 1] by Unicode code point (normalized names
 * are ASCII unless the script is not Latin): matching window
 * max(|a|,|b|)/2 - 1, transpositions halved, common prefix of at most 4
 * weighted 0.1, boosted whatever the Jaro score. Two empty strings score 1.
 * Only the first C360_NORMALIZE_NAME_MAX code points count.
 */
double c360_name_jaro_winkler(const char *a, const char *b);

/* Why two names match, strongest first: the evidence an identity edge
 * records. */
enum c360_name_match {
    C360_NAME_DIFFERENT = 0,
    C360_NAME_EQUAL,
    C360_NAME_NICKNAME,
    C360_NAME_SIMILAR, /* Jaro–Winkler ≥ threshold (0.92 is typical) */
};

/* Compares two normalized names; an empty name matches nothing. nk may be
 * NULL (no nickname step). */
enum c360_name_match c360_name_match(const char *a, const char *b, double threshold,
                                     const struct c360_nicknames *nk);

/*
 * Whether two records name one person: their first names match and, when
 * with_last and both records hold a last name, their last names too (a
 * source that lacks the last name cannot contradict it); or, when both
 * records hold both names, the names match crosswise, first against last (a
 * source that wrote each name in the other's field: a common data-entry
 * error; the crosswise match asks for two names, more than the straight
 * one). NULL or empty names match nothing.
 */
bool c360_name_match_person(const char *first_a, const char *last_a, const char *first_b,
                            const char *last_b, bool with_last, double threshold,
                            const struct c360_nicknames *nk);

#endif
