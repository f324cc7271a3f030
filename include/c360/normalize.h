/*
 * c360 identity — normalizers that turn the values customer records carry
 * (names, emails, phones, addresses) into the forms match rules compare and
 * blocking keys are built from (DESIGN.md §4), plus junk-value tests.
 *
 * Pure: no I/O, no logging, no allocation. Inputs are (text, len) UTF-8 from
 * records; invalid UTF-8 and NUL bytes are refused with C360_ERR_INVALID,
 * input longer than C360_NORMALIZE_INPUT_MAX with C360_ERR_LIMIT. Output goes
 * into the caller's buffer (out, size), NUL-terminated; C360_ERR_LIMIT when
 * it does not fit. A value that normalizes to nothing is C360_ERR_INVALID: an
 * empty key must never match. Every normalizer is idempotent. diag may be NULL.
 */
#ifndef C360_NORMALIZE_H
#define C360_NORMALIZE_H

#include "c360/err.h"

#include <stdbool.h>
#include <stddef.h>

#define C360_NORMALIZE_INPUT_MAX 512 /* bytes of any raw value */
#define C360_NORMALIZE_NAME_MAX 128  /* bytes of a normalized name */
#define C360_NORMALIZE_EMAIL_MAX 254 /* RFC 5321 §4.5.3.1.3 path limit */
#define C360_NORMALIZE_PHONE_SIZE 17 /* "+" 15 digits NUL (ITU-T E.164 §6) */

/*
 * Lower-case ASCII letters and digits separated by single spaces: Latin
 * letters (ASCII, Latin-1, Extended-A, Vietnamese) lose case and diacritics
 * (é→e, ß→ss, æ→ae, ł→l, combining marks dropped); apostrophes and periods
 * join ("O'Brien"→"obrien", "A.J."→"aj"), hyphens and other punctuation
 * separate ("Jean-Luc"→"jean luc"); other scripts pass through unchanged.
 * Honorifics and suffixes are kept: names arrive split into first and last.
 */
enum c360_err c360_normalize_name(const char *text, size_t len, char *out, size_t size,
                                  struct c360_diag *diag) C360_MUST_USE;

/* Drop the +tag of every domain, not only Gmail's (sub-addressing is common
 * but not universal: at some providers '+' is part of the mailbox name). */
#define C360_NORMALIZE_EMAIL_DROP_TAGS 0x1

/*
 * Trimmed and lower-cased "local@domain" (local parts are case-sensitive by
 * RFC 5321, but no provider we match on treats them so). gmail.com and
 * googlemail.com become gmail.com with the dots and the +tag of the local
 * part removed. Refuses what is not an address: no '@' or several, empty
 * local part or domain, a domain without a dot or with empty labels, spaces.
 */
enum c360_err c360_normalize_email(const char *text, size_t len, unsigned flags, char *out,
                                   size_t size, struct c360_diag *diag) C360_MUST_USE;

/*
 * E.164 "+<8-15 digits>". Separators " -./()" are ignored, an extension
 * ("x12", "ext. 12", ";ext=12", "#12") dropped. International forms: "+",
 * "00", and "011" when the default is "1". National numbers take the default
 * calling code (digits, e.g. "1", "44"; NULL or "" refuses them): its trunk prefix
 * '0' is dropped where the country dials one (GB, DE, FR, …) and kept where
 * it belongs to the number (IT, ES, …); "1" wants NANP's ten digits (or 11
 * starting with 1). An unknown default is C360_ERR_UNSUPPORTED. Letters
 * (vanity numbers) are refused, and input over 64 bytes is C360_ERR_LIMIT.
 * out needs C360_NORMALIZE_PHONE_SIZE bytes.
 */
enum c360_err c360_normalize_phone(const char *text, size_t len, const char *default_cc, char *out,
                                   size_t size, struct c360_diag *diag) C360_MUST_USE;

/*
 * A street line folded like a name (periods join: "N.W."→"nw", other
 * punctuation separates: "#4"→"4"), then each word's USPS Publication 28
 * suffix or unit abbreviation (street→st, avenue→ave, apartment→apt,
 * north→n, …).
 */
enum c360_err c360_normalize_street(const char *text, size_t len, char *out, size_t size,
                                    struct c360_diag *diag) C360_MUST_USE;

/*
 * Postal code: letters upper-cased, spaces and hyphens removed ("sw1a 1aa"→
 * "SW1A1AA"). With country "US" it must be a ZIP or ZIP+4, cut to the 5-digit
 * ZIP, a leading zero put back when a spreadsheet lost it ("2110"→"02110");
 * with country NULL or "" only the written form ddddd-dddd is cut. Other
 * characters, or more than 10 letters and digits, are refused.
 */
enum c360_err c360_normalize_postal_code(const char *text, size_t len, const char *country,
                                         char *out, size_t size,
                                         struct c360_diag *diag) C360_MUST_USE;

/*
 * ISO 3166-1 alpha-2 code of a country name from a small table (English and
 * native names, alpha-3 codes: "United States", "USA" → "US"; "UK", "Great
 * Britain" → "GB"; "Deutschland" → "DE"). Any other two letters are taken
 * as an alpha-2 code and upper-cased. Unknown names: C360_ERR_NOT_FOUND.
 * out needs 3 bytes.
 */
enum c360_err c360_normalize_country(const char *text, size_t len, char *out, size_t size,
                                     struct c360_diag *diag) C360_MUST_USE;

/*
 * Junk tests on normalized values, for the blocklist: true for placeholder
 * addresses (noreply@…, test@…, none@none.com, a@a.com, xxx@…, reserved
 * domains like example.com or *.invalid) and placeholder numbers (one
 * repeated digit, runs like 1234567890, the ranges NANP and Ofcom reserve
 * for fiction). The lists are inline tables in src/identity/email.c and
 * src/identity/phone.c; a configurable blocklist belongs to its caller.
 */
bool c360_normalize_is_junk_email(const char *email);
bool c360_normalize_is_junk_phone(const char *e164);

#endif
