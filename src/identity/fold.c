/*
 * c360 identity — strict UTF-8 decoding and Latin case and diacritic folding.
 *
 * The tables map code points to the ASCII letters their Unicode character
 * names start from ("LATIN SMALL LETTER E WITH ACUTE" → e); letters that are
 * ligatures or have a conventional transliteration get it (æ→ae, ß→ss,
 * þ→th, œ→oe, ĳ→ij). No allocation, no I/O.
 */
#include "identity_int.h"

#include "c360/normalize.h"

#include <string.h>

bool c360_identity_utf8_next(const char *text, size_t len, size_t *pos, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = *pos;
    if (i >= len)
        return false;
    unsigned char c = s[i];
    if (c < 0x80) {
        *cp = c;
        *pos = i + 1;
        return true;
    }
    size_t need;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, v = c & 0x07, min = 0x10000;
    } else {
        return false; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (len - i - 1 < need)
        return false;
    for (size_t k = 1; k <= need; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return false;
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return false;
    *cp = v;
    *pos = i + 1 + need;
    return true;
}

/* U+00C0..U+017F: Latin-1 Supplement letters and Latin Extended-A. "" marks
 * the two operators (× ÷) in the range: they separate words. */
/* One row of 16 code points per line. */
/* clang-format off */
static const char latin[192][3] = {
    /* C0 À..Ï */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    /* D0 Ð..ß */ "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss",
    /* E0 à..ï */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    /* F0 ð..ÿ */ "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
    /* 100 Ā..ď */ "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
    /* 110 Đ..ğ */ "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    /* 120 Ġ..į */ "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
    /* 130 İ..Ŀ */ "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
    /* 140 ŀ..ŏ */ "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    /* 150 Ő..ş */ "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
    /* 160 Š..ů */ "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
    /* 170 Ű..ſ */ "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};
/* clang-format on */

/* U+1E00..U+1E95 come in capital/small pairs: one letter per pair (Ḁ ḁ → a,
 * Ḃ ḃ → b, …, Ẕ ẕ → z), mostly transliterations of Indic and Semitic names. */
static const char latin_additional_pairs[] = "abbbcdddddeeeeefghhhhhiikkkllllmmmnnnnoooopprrrrsssss"
                                             "ttttuuuuuvvwwwwwxxyzzz";

/* U+1EA0..U+1EF9, the Vietnamese block: runs of one base letter. */
static const struct {
    uint32_t last;
    char letter;
} vietnamese[] = {
    {0x1EB7, 'a'}, {0x1EC7, 'e'}, {0x1ECB, 'i'}, {0x1EE3, 'o'}, {0x1EF1, 'u'}, {0x1EF9, 'y'},
};

enum fold_kind {
    FOLD_KEEP, /* write the code point's own bytes */
    FOLD_TEXT, /* write the replacement letters */
    FOLD_SEP,  /* a word boundary */
    FOLD_DROP, /* nothing: joins the letters around it */
};

/* Classifies cp; for FOLD_TEXT, copies its replacement (1 or 2 letters) into repl. */
static enum fold_kind fold_one(uint32_t cp, char repl[3])
{
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z') {
            repl[0] = (char)(cp - 'A' + 'a');
            return FOLD_TEXT;
        }
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
            return FOLD_KEEP;
        /* O'Brien, D`Arcy and initials (A.J.) read as one word. */
        if (cp == '\'' || cp == '`' || cp == '.')
            return FOLD_DROP;
        return FOLD_SEP;
    }
    if (cp < 0xC0) {
        /* Soft hyphen, acute accent used as an apostrophe (O´Brien), Catalan
         * middle dot (Paral·lel). The rest are symbols and C1 controls. */
        if (cp == 0xAD || cp == 0xB4 || cp == 0xB7)
            return FOLD_DROP;
        return FOLD_SEP;
    }
    if (cp <= 0x17F) {
        memcpy(repl, latin[cp - 0xC0], 3);
        return repl[0] ? FOLD_TEXT : FOLD_SEP;
    }
    switch (cp) {
    case 0x1A0: /* Ơ ơ: Vietnamese horned o and u */
    case 0x1A1:
        memcpy(repl, "o", 2);
        return FOLD_TEXT;
    case 0x1AF:
    case 0x1B0:
        memcpy(repl, "u", 2);
        return FOLD_TEXT;
    case 0x218: /* Ș ș Ț ț: Romanian comma below */
    case 0x219:
        memcpy(repl, "s", 2);
        return FOLD_TEXT;
    case 0x21A:
    case 0x21B:
        memcpy(repl, "t", 2);
        return FOLD_TEXT;
    case 0x2B9: /* modifier letter prime, apostrophe, turned comma (ʻokina) */
    case 0x2BB:
    case 0x2BC:
    case 0x2018: /* ‘ ’ ‛ ′: typographic apostrophes */
    case 0x2019:
    case 0x201B:
    case 0x2032:
    case 0x200B: /* zero width space, non-joiner, joiner, word joiner, BOM */
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
        return FOLD_DROP;
    case 0x1E9E: /* ẞ capital sharp s */
        memcpy(repl, "ss", 3);
        return FOLD_TEXT;
    case 0x1680: /* ogham space, ideographic space */
    case 0x3000:
        return FOLD_SEP;
    default:
        break;
    }
    if (cp >= 0x300 && cp <= 0x36F)
        return FOLD_DROP; /* combining diacritics: decomposed (NFD) input */
    if (cp >= 0x1E00 && cp <= 0x1E95) {
        repl[0] = latin_additional_pairs[(cp - 0x1E00) / 2];
        return FOLD_TEXT;
    }
    if (cp >= 0x1EA0 && cp <= 0x1EF9) {
        size_t k = 0;
        while (cp > vietnamese[k].last)
            k++;
        repl[0] = vietnamese[k].letter;
        return FOLD_TEXT;
    }
    if (cp >= 0x2000 && cp <= 0x206F)
        return FOLD_SEP; /* spaces, dashes, quotes and other general punctuation */
    return FOLD_KEEP;    /* other scripts: compared as written */
}

enum c360_err c360_identity_fold(const char *text, size_t len, char *out, size_t size,
                                 size_t *out_len, const char *field, struct c360_diag *diag)
{
    if (len > C360_NORMALIZE_INPUT_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, field, "longer than %d bytes",
                              C360_NORMALIZE_INPUT_MAX);
    if (size == 0)
        return c360_diag_fail(diag, C360_ERR_LIMIT, field, "no room for the result");
    size_t n = 0;
    bool space = false; /* a separator is pending: written before the next letter */
    size_t pos = 0;
    while (pos < len) {
        size_t start = pos;
        uint32_t cp;
        if (!c360_identity_utf8_next(text, len, &pos, &cp))
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "invalid UTF-8 at byte %zu",
                                  start);
        if (cp == 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "NUL byte at %zu", start);
        char repl[3] = "";
        const char *bytes;
        size_t nbytes;
        switch (fold_one(cp, repl)) {
        case FOLD_DROP:
            continue;
        case FOLD_SEP:
            space = n > 0; /* trims the front; the back never gets one */
            continue;
        case FOLD_KEEP:
            bytes = text + start;
            nbytes = pos - start;
            break;
        case FOLD_TEXT:
        default:
            bytes = repl;
            nbytes = repl[1] ? 2 : 1;
            break;
        }
        if (n + space + nbytes >= size)
            return c360_diag_fail(diag, C360_ERR_LIMIT, field, "longer than %zu bytes once folded",
                                  size - 1);
        if (space)
            out[n++] = ' ';
        space = false;
        memcpy(out + n, bytes, nbytes);
        n += nbytes;
    }
    out[n] = '\0';
    *out_len = n;
    return C360_OK;
}
