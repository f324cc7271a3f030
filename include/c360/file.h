/*
 * c360 core — whole small files and folder listings, the way c360 reads its
 * declarations (topics/, schemas/, config/): every read has a hard cap, every
 * listing a maximum count, and results come in a stable (name) order.
 *
 * Owns what it returns until the caller frees it; no logging.
 */
#ifndef C360_FILE_H
#define C360_FILE_H

#include "c360/err.h"

#include <stddef.h>

/* Reads a whole file of at most `cap` bytes. *out is new (free() it) and
 * NUL-terminated; *len excludes the terminator. Larger files: C360_ERR_LIMIT. */
enum c360_err c360_file_read(const char *path, size_t cap, char **out, size_t *len,
                             struct c360_diag *diag) C360_MUST_USE;

/* A folder's file names ending in `suffix` (hidden files skipped), sorted. */
struct c360_file_list {
    char **names; /* new; free with c360_file_list_free */
    size_t count;
};

/* Lists at most `max` names; more is C360_ERR_LIMIT. */
enum c360_err c360_file_list_dir(const char *dir, const char *suffix, size_t max,
                                 struct c360_file_list *out, struct c360_diag *diag) C360_MUST_USE;
void c360_file_list_free(struct c360_file_list *list);

#endif
