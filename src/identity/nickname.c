/*
 * c360 identity — the nickname table: (name, canonical name) pairs sorted by
 * name, so a name's canonical set is one contiguous, sorted run found by
 * binary search. Allocates while it is built, never while it is read; no I/O.
 */
#include "c360/name.h"

#include "c360/normalize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct nick_pair {
    uint32_t name;  /* offset of a normalized name in names */
    uint32_t canon; /* offset of the canonical name it stands for */
};

/* A pair once the names have stopped moving: what lookups read. */
struct nick_entry {
    const char *name, *canon;
};

struct c360_nicknames {
    char *names; /* NUL-terminated normalized names, back to back */
    size_t names_len, names_cap;
    struct nick_pair *pairs; /* while parsing */
    size_t count, cap;
    struct nick_entry *entries; /* sorted by name, then canonical name; unique */
    size_t nentries;
};

/* Folding at most doubles a name (ß→ss); with its NUL, this bounds the
 * names of any text the file cap lets in. */
#define NAMES_MAX (3 * (size_t)C360_NICKNAMES_FILE_MAX + 1)

static enum c360_err add_name(struct c360_nicknames *nk, const char *name, uint32_t *off)
{
    size_t len = strlen(name) + 1;
    if (nk->names_len + len > nk->names_cap) {
        size_t cap = nk->names_cap ? nk->names_cap * 2 : 4096;
        while (cap < nk->names_len + len)
            cap *= 2;
        if (cap > NAMES_MAX)
            cap = NAMES_MAX;
        if (nk->names_len + len > cap)
            return C360_ERR_LIMIT;
        char *grown = realloc(nk->names, cap);
        if (!grown)
            return C360_ERR_NOMEM;
        nk->names = grown;
        nk->names_cap = cap;
    }
    memcpy(nk->names + nk->names_len, name, len);
    *off = (uint32_t)nk->names_len;
    nk->names_len += len;
    return C360_OK;
}

static enum c360_err add_pair(struct c360_nicknames *nk, uint32_t name, uint32_t canon)
{
    if (nk->count == nk->cap) {
        if (nk->cap == C360_NICKNAMES_MAX)
            return C360_ERR_LIMIT;
        size_t cap = nk->cap ? nk->cap * 2 : 256;
        if (cap > C360_NICKNAMES_MAX)
            cap = C360_NICKNAMES_MAX;
        struct nick_pair *grown = realloc(nk->pairs, cap * sizeof(*grown));
        if (!grown)
            return C360_ERR_NOMEM;
        nk->pairs = grown;
        nk->cap = cap;
    }
    nk->pairs[nk->count++] = (struct nick_pair){name, canon};
    return C360_OK;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Normalizes text[0..len) into out, trimmed; diag says which name was bad. */
static enum c360_err parse_name(const char *text, size_t len, const char *what,
                                char out[C360_NORMALIZE_NAME_MAX + 1], struct c360_diag *diag)
{
    while (len > 0 && is_blank(text[len - 1]))
        len--;
    while (len > 0 && is_blank(*text))
        text++, len--;
    if (len == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, what, "empty name");
    struct c360_diag name_diag;
    c360_diag_clear(&name_diag);
    enum c360_err err =
        c360_normalize_name(text, len, out, C360_NORMALIZE_NAME_MAX + 1, &name_diag);
    if (err != C360_OK)
        return c360_diag_fail(diag, C360_ERR_INVALID, what, "'%.*s': %s",
                              (int)(len > 40 ? 40 : len), text, name_diag.text);
    return C360_OK;
}

/* One line without its comment: "canonical: nick, nick". */
static enum c360_err parse_line(struct c360_nicknames *nk, const char *line, size_t len,
                                struct c360_diag *diag)
{
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "expected 'canonical: nickname, nickname, …'");
    char name[C360_NORMALIZE_NAME_MAX + 1];
    enum c360_err err = parse_name(line, (size_t)(colon - line), "canonical", name, diag);
    if (err != C360_OK)
        return err;
    uint32_t canon;
    if ((err = add_name(nk, name, &canon)) != C360_OK ||
        (err = add_pair(nk, canon, canon)) != C360_OK)
        goto fail;
    const char *p = colon + 1, *end = line + len;
    while (p < end && is_blank(*p))
        p++;
    /* Every comma promises one more name: "bob,,rob" and "bob," are errors. */
    for (bool more = p < end; more;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if ((err = parse_name(p, (size_t)(stop - p), "nickname", name, diag)) != C360_OK)
            return err;
        uint32_t off;
        if ((err = add_name(nk, name, &off)) != C360_OK ||
            (err = add_pair(nk, off, canon)) != C360_OK)
            goto fail;
        more = comma != NULL;
        p = comma ? comma + 1 : end;
    }
    return C360_OK;
fail:
    if (err == C360_ERR_LIMIT)
        return c360_diag_fail(diag, err, NULL, "more than %d names", C360_NICKNAMES_MAX);
    return c360_diag_fail(diag, err, NULL, "out of memory");
}

static int entry_cmp(const void *a, const void *b)
{
    const struct nick_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->canon, y->canon);
}

enum c360_err c360_nicknames_parse(const char *text, size_t len, const char *where,
                                   struct c360_nicknames **out, struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    c360_diag_at(diag, where ? where : "", 0);
    struct c360_nicknames *nk = calloc(1, sizeof(*nk));
    if (!nk)
        return c360_diag_fail(diag, C360_ERR_NOMEM, NULL, "out of memory");
    if (len > C360_NICKNAMES_FILE_MAX) {
        err = c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "larger than %d bytes",
                             C360_NICKNAMES_FILE_MAX);
        goto fail;
    }
    long lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl != NULL);
        lineno++;
        const char *hash = memchr(line, '#', n);
        if (hash)
            n = (size_t)(hash - line);
        size_t k = 0;
        while (k < n && is_blank(line[k]))
            k++;
        if (k == n)
            continue;
        if ((err = parse_line(nk, line, n, diag)) != C360_OK) {
            if (diag)
                diag->line = lineno;
            goto fail;
        }
    }

    nk->entries = malloc((nk->count ? nk->count : 1) * sizeof(*nk->entries));
    if (!nk->entries) {
        err = c360_diag_fail(diag, C360_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nk->count; i++)
        nk->entries[i] =
            (struct nick_entry){nk->names + nk->pairs[i].name, nk->names + nk->pairs[i].canon};
    qsort(nk->entries, nk->count, sizeof(*nk->entries), entry_cmp);
    for (size_t i = 0; i < nk->count; i++)
        if (nk->nentries == 0 || entry_cmp(&nk->entries[nk->nentries - 1], &nk->entries[i]) != 0)
            nk->entries[nk->nentries++] = nk->entries[i];
    free(nk->pairs);
    nk->pairs = NULL;
    *out = nk;
    return C360_OK;
fail:
    c360_nicknames_free(nk);
    return err;
}

void c360_nicknames_free(struct c360_nicknames *nk)
{
    if (!nk)
        return;
    free(nk->names);
    free(nk->pairs);
    free(nk->entries);
    free(nk);
}

size_t c360_nicknames_count(const struct c360_nicknames *nk)
{
    return nk ? nk->nentries : 0;
}

/* The run of pairs whose name is name: [*first, *first + return). */
static size_t find_run(const struct c360_nicknames *nk, const char *name, size_t *first)
{
    size_t lo = 0, hi = nk->nentries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(nk->entries[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < nk->nentries && strcmp(nk->entries[end].name, name) == 0)
        end++;
    *first = lo;
    return end - lo;
}

bool c360_nicknames_equivalent(const struct c360_nicknames *nk, const char *a, const char *b)
{
    if (!nk || nk->nentries == 0)
        return false;
    size_t ia, ib;
    size_t na = find_run(nk, a, &ia), nb = find_run(nk, b, &ib);
    size_t ea = ia + na, eb = ib + nb;
    /* Both runs are sorted by canonical name: one merge pass. */
    while (ia < ea && ib < eb) {
        int c = strcmp(nk->entries[ia].canon, nk->entries[ib].canon);
        if (c == 0)
            return true;
        if (c < 0)
            ia++;
        else
            ib++;
    }
    return false;
}
