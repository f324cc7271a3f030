/*
 * c360 core — times and dates as c360 holds them: instants in epoch
 * milliseconds (UTC), calendar dates in days since 1970-01-01. Parses
 * RFC 3339 timestamps and YYYY-MM-DD dates strictly (real calendar, years
 * 0001–9999) and formats them back.
 *
 * Owns nothing; never reads the clock (the engine's "today" is passed in).
 */
#ifndef C360_TIME_H
#define C360_TIME_H

#include "c360/err.h"

#include <stdint.h>

#define C360_MS_PER_DAY INT64_C(86400000)
/* The instants c360 accepts: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z,
 * the range RFC 3339 can write. */
#define C360_TIME_MIN_MS INT64_C(-62135596800000)
#define C360_TIME_MAX_MS INT64_C(253402300799999)

/* Checks an instant given as epoch milliseconds (e.g. a JSON integer or an
 * Avro timestamp-millis) against that range. */
enum c360_err c360_time_check(int64_t epoch_ms, struct c360_diag *diag) C360_MUST_USE;

/*
 * Parses an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM).
 * 'T' may be 't' or a space and 'Z' may be 'z' (RFC 3339 §5.6 note).
 * Fractions finer than milliseconds are truncated; a leap second (:60) is
 * refused rather than guessed.
 */
enum c360_err c360_time_parse(const char *text, int64_t *epoch_ms,
                              struct c360_diag *diag) C360_MUST_USE;

/* Parses YYYY-MM-DD into days since 1970-01-01 (negative before). */
enum c360_err c360_date_parse(const char *text, int32_t *days,
                              struct c360_diag *diag) C360_MUST_USE;

/* Days since 1970-01-01 of a proleptic Gregorian date (no validation). */
int32_t c360_date_from_civil(int year, int month, int day);

/* The UTC date of an instant, in days since 1970-01-01. */
int32_t c360_date_of(int64_t epoch_ms);

/* "2026-11-23T11:20:00.123Z"; buf needs 25 bytes. Returns buf. */
char *c360_time_format(int64_t epoch_ms, char *buf, size_t size);

/* "2026-11-23"; buf needs 11 bytes. Returns buf. */
char *c360_date_format(int32_t days, char *buf, size_t size);

#endif
