/*
 * c360 core — calendar arithmetic and RFC 3339 parsing. The day count uses
 * the usual era-based conversion (400-year cycles of 146097 days), exact for
 * the whole proleptic Gregorian calendar.
 */
#include "c360/time.h"

#include <stdbool.h>
#include <stdio.h>

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

int32_t c360_date_from_civil(int year, int month, int day)
{
    /* Count from March so the leap day is the last day of the year. */
    int y = month <= 2 ? year - 1 : year;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;                                            /* [0, 399] */
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* [0, 365] */
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}

static void civil_from_days(int32_t days, int *year, int *month, int *day)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

int32_t c360_date_of(int64_t epoch_ms)
{
    int64_t d = epoch_ms / C360_MS_PER_DAY;
    if (epoch_ms % C360_MS_PER_DAY < 0)
        d--; /* floor, not truncation, before 1970 */
    return (int32_t)d;
}

/* Reads exactly n digits at *p into *out and advances. */
static bool take_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

#define RFC3339_FORM "an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fff]Z)"

/* YYYY-MM-DD at *p, checked against the calendar; `form` names what the whole
 * text should have been. */
static enum c360_err take_date(const char **p, const char *text, const char *form, int32_t *days,
                               struct c360_diag *diag)
{
    int y, m, d;
    if (!take_digits(p, 4, &y) || *(*p)++ != '-' || !take_digits(p, 2, &m) || *(*p)++ != '-' ||
        !take_digits(p, 2, &d))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is not %s", text, form);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is not a calendar date", text);
    *days = c360_date_from_civil(y, m, d);
    return C360_OK;
}

enum c360_err c360_date_parse(const char *text, int32_t *days, struct c360_diag *diag)
{
    const char *p = text;
    enum c360_err err = take_date(&p, text, "YYYY-MM-DD", days, diag);
    if (err == C360_OK && *p)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is not YYYY-MM-DD", text);
    return err;
}

enum c360_err c360_time_parse(const char *text, int64_t *epoch_ms, struct c360_diag *diag)
{
    const char *p = text;
    int32_t days;
    int hh, mm, ss, ms = 0;
    enum c360_err err = take_date(&p, text, RFC3339_FORM, &days, diag);
    if (err)
        return err;
    if (*p != 'T' && *p != 't' && *p != ' ')
        goto bad;
    p++;
    if (!take_digits(&p, 2, &hh) || *p++ != ':' || !take_digits(&p, 2, &mm) || *p++ != ':' ||
        !take_digits(&p, 2, &ss))
        goto bad;
    if (hh > 23 || mm > 59)
        goto bad_range;
    if (ss == 60)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "'%.40s' is a leap second, which c360 does not place", text);
    if (ss > 59)
        goto bad_range;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++) {
            if (n < 3)
                ms = ms * 10 + (*p - '0');
        }
        if (n == 0)
            goto bad;
        for (; n < 3; n++)
            ms *= 10;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!take_digits(&p, 2, &oh) || *p++ != ':' || !take_digits(&p, 2, &om))
            goto bad;
        if (oh > 23 || om > 59)
            goto bad_range;
        offset_min = sign * (oh * 60 + om);
    } else {
        goto bad;
    }
    if (*p)
        goto bad;
    int64_t t = (int64_t)days * C360_MS_PER_DAY +
                ((int64_t)hh * 3600 + mm * 60 + ss - (int64_t)offset_min * 60) * 1000 + ms;
    /* An offset can carry the first or last day past the years c360 writes. */
    if (c360_time_check(t, NULL))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is outside years 0001-9999",
                              text);
    *epoch_ms = t;
    return C360_OK;
bad:
    return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' is not " RFC3339_FORM, text);
bad_range:
    return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "'%.40s' has a field out of range", text);
}

enum c360_err c360_time_check(int64_t epoch_ms, struct c360_diag *diag)
{
    if (epoch_ms < C360_TIME_MIN_MS || epoch_ms > C360_TIME_MAX_MS)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "%lld ms is outside years 0001-9999",
                              (long long)epoch_ms);
    return C360_OK;
}

/* n decimal digits of v (zero-padded) at p; returns the byte after them. */
static char *put_digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
}

/* YYYY-MM-DD at p when the year has four digits (false otherwise). Written
 * by hand: formatting is a good part of decoding a record whose times come
 * as numbers (Kafka Connect), and snprintf costs ten times more. */
static bool put_date(char *p, int32_t days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return false;
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    put_digits(p, d, 2);
    return true;
}

char *c360_time_format(int64_t epoch_ms, char *buf, size_t size)
{
    int32_t days = c360_date_of(epoch_ms);
    int64_t rest = epoch_ms - (int64_t)days * C360_MS_PER_DAY; /* [0, 86400000) */
    int ms = (int)rest;
    if (size > 24 && put_date(buf, days)) {
        char *p = buf + 10;
        *p++ = 'T';
        p = put_digits(p, ms / 3600000, 2);
        *p++ = ':';
        p = put_digits(p, ms / 60000 % 60, 2);
        *p++ = ':';
        p = put_digits(p, ms / 1000 % 60, 2);
        *p++ = '.';
        p = put_digits(p, ms % 1000, 3);
        p[0] = 'Z';
        p[1] = '\0';
        return buf;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, ms / 3600000,
             ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
    return buf;
}

char *c360_date_format(int32_t days, char *buf, size_t size)
{
    if (size > 10 && put_date(buf, days)) {
        buf[10] = '\0';
        return buf;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
    return buf;
}
