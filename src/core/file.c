/*
 * c360 core — capped whole-file reads and sorted folder listings.
 */
#include "c360/file.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum c360_err c360_file_read(const char *path, size_t cap, char **out, size_t *len,
                             struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    c360_diag_at(diag, path, 0);
    FILE *in = fopen(path, "rb");
    if (!in)
        return c360_diag_fail(diag, C360_ERR_IO, NULL, "cannot open: %s", strerror(errno));
    /* One byte more than the cap tells "exactly cap" from "larger". */
    char *buf = malloc(cap + 2);
    if (!buf) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    size_t n = fread(buf, 1, cap + 1, in);
    if (ferror(in)) {
        err = c360_diag_fail(diag, C360_ERR_IO, NULL, "read error");
        goto fail;
    }
    if (n > cap) {
        err = c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "file larger than %zu bytes", cap);
        goto fail;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
fail:
    free(buf);
    fclose(in);
    return err;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void c360_file_list_free(struct c360_file_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->names[i]);
    free(list->names);
    list->names = NULL;
    list->count = 0;
}

enum c360_err c360_file_list_dir(const char *dir, const char *suffix, size_t max,
                                 struct c360_file_list *out, struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    struct c360_file_list list = {calloc(max + 1, sizeof(char *)), 0};
    size_t slen = strlen(suffix);

    c360_diag_at(diag, dir, 0);
    if (!list.names)
        return C360_ERR_NOMEM;
    DIR *d = opendir(dir);
    if (!d) {
        err = c360_diag_fail(diag, C360_ERR_IO, NULL, "cannot open folder: %s", strerror(errno));
        goto fail;
    }
    struct dirent *ent;
    while ((ent = readdir(d))) {
        size_t len = strlen(ent->d_name);
        if (ent->d_name[0] == '.' || len <= slen || strcmp(ent->d_name + len - slen, suffix) != 0)
            continue;
        if (list.count == max) {
            err = c360_diag_fail(diag, C360_ERR_LIMIT, NULL, "more than %zu %s files", max, suffix);
            break;
        }
        if (!(list.names[list.count] = strdup(ent->d_name))) {
            err = C360_ERR_NOMEM;
            break;
        }
        list.count++;
    }
    closedir(d);
    if (err)
        goto fail;
    qsort(list.names, list.count, sizeof(list.names[0]), name_cmp);
    *out = list;
    return C360_OK;
fail:
    c360_file_list_free(&list);
    return err;
}
