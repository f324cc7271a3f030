/*
 * c360 cli — replay input: the files `c360 replay` and `c360 explain` read
 * (see cli.h). One topic's file is decoded line by line in file order, since
 * a Salesforce CDC topic's updates merge onto the rows of earlier lines.
 */
#include "cli.h"

#include "c360/codec.h"
#include "c360/time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES (C360_CODEC_VALUE_MAX + 2)

enum c360_err c360_cli_replay_read(const char *dir, const struct c360_topic *t,
                                   struct c360_record *rec, const struct c360_cli_replay_sink *sink)
{
    char path[4096];
    struct c360_codec *codec = NULL;
    struct c360_codec_rows *rows = NULL;
    struct c360_diag diag;
    char *line = NULL;
    enum c360_err err;
    snprintf(path, sizeof(path), "%s/%s.jsonl", dir, t->name);
    FILE *in = fopen(path, "r");
    if (!in)
        return errno == ENOENT ? C360_OK : C360_ERR_IO;
    c360_diag_clear(&diag);
    /* An Avro topic's replay lines are the JSON rows its mapping reads. */
    const char *format = strcmp(t->format, "avro") == 0 ? "json" : NULL;
    if ((err = c360_codec_new(t, format, &codec, &diag)) ||
        (err = c360_codec_rows_new(10000000, &rows))) {
        fprintf(stderr, "c360: %s: %s\n", t->name, diag.text);
        goto done;
    }
    if (!(line = malloc(LINE_MAX_BYTES))) {
        err = C360_ERR_NOMEM;
        goto done;
    }
    c360_codec_set_rows(codec, rows);
    for (int64_t n = 0; fgets(line, LINE_MAX_BYTES, in); n++) {
        size_t len = strcspn(line, "\n");
        if (len == 0)
            continue;
        struct c360_codec_msg msg = {
            .topic = t->name, .offset = n, .timestamp = C360_TIME_NONE, .value = line, .len = len};
        size_t parts = 1;
        for (size_t part = 0; part < parts; part++) {
            c360_diag_clear(&diag);
            if (c360_codec_decode_part(codec, &msg, part, rec, &parts, &diag)) {
                /* As the processor does: the line is refused, the rest goes on. */
                sink->refused(sink->arg, t, n, line, len, &diag);
                break;
            }
            if ((err = sink->record(sink->arg, t, n, part, rec)))
                goto done;
        }
    }
    err = ferror(in) ? C360_ERR_IO : C360_OK;
done:
    fclose(in);
    free(line);
    c360_codec_destroy(codec);
    c360_codec_rows_destroy(rows);
    return err;
}
