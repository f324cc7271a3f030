/*
 * c360 identity — reading the nickname table from a file (config/nicknames.txt).
 * The only file I/O of the identity module, kept apart so that everything the
 * matching code calls stays pure.
 */
#include "c360/file.h"
#include "c360/name.h"

#include <stdlib.h>

enum c360_err c360_nicknames_load(const char *path, struct c360_nicknames **out,
                                  struct c360_diag *diag)
{
    char *text = NULL;
    size_t len;
    enum c360_err err = c360_file_read(path, C360_NICKNAMES_FILE_MAX, &text, &len, diag);
    if (err != C360_OK)
        return err;
    err = c360_nicknames_parse(text, len, path, out, diag);
    free(text);
    return err;
}
