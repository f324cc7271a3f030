/*
 * Small helpers shared by the Check suites: temporary files and folders that
 * a test writes its input into.
 */
#ifndef C360_TEST_UTIL_H
#define C360_TEST_UTIL_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many of a property test's random cases to run: all n, or a tenth under
 * the sanitizers, which make these tests 20 to 40 times slower. The sanitizer
 * run looks for memory and undefined-behaviour errors; the dev preset runs
 * every case and so checks the property at its full count. */
#ifdef C360_TEST_SANITIZED
#define TEST_CASES(n) ((n) / 10 > 0 ? (n) / 10 : 1)
#else
#define TEST_CASES(n) (n)
#endif

/* Writes text to a new temporary file; path receives its name. */
static inline void test_write_temp(char *path, size_t size, const char *text)
{
    snprintf(path, size, "/tmp/c360-test-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(text);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* Creates a new temporary folder; path receives its name. */
static inline void test_make_dir(char *path, size_t size)
{
    snprintf(path, size, "/tmp/c360-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(path));
}

static inline int test_remove_entry(const char *path, const struct stat *st, int flag,
                                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes a folder made by test_make_dir and everything in it. */
static inline void test_remove_dir(const char *path)
{
    ck_assert_int_eq(nftw(path, test_remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* Writes text to dir/name. */
static inline void test_write_in(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fputs(text, out);
    fclose(out);
}

#endif
