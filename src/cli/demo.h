/*
 * c360 cli — the live view of `c360 demo` (demo_view.c).
 *
 * It reads the segment changes and the CSR messages back from their output
 * topics with a consumer of its own, as a downstream system would, and draws
 * on stdout: progress of the records processed against those published, the
 * event rate, ENTER and EXIT per segment, and a few CSR messages as they
 * appear. On a terminal the progress block is redrawn in place; otherwise a
 * status line is printed every few seconds. The CSR messages are the
 * product's output and are shown as such; nothing here goes to the log.
 */
#ifndef C360_CLI_DEMO_H
#define C360_CLI_DEMO_H

#include "c360/config.h"
#include "c360/err.h"
#include "c360/topic.h"

#include <stdbool.h>
#include <stddef.h>

/* Segments the view counts at most; more are folded into the last row. */
#define C360_CLI_VIEW_SEGMENTS 8

/* Where the demo stands, for one drawing. */
struct c360_cli_progress {
    long long published; /* records the broker confirmed */
    bool publishing;     /* the bank is still being published */
    long long processed; /* records the processor consumed */
    double rate;         /* records processed per second, lately */
    double elapsed;      /* seconds since the demo started */
};

/* Counts read back from the output topics. */
struct c360_cli_view_counts {
    long long changes, csr; /* messages read */
    size_t n_segments;
    struct {
        char name[64];
        long long enter, exit;
    } segments[C360_CLI_VIEW_SEGMENTS];
};

struct c360_cli_view;

/* A view reading the declared segment-changes and activation-csr-insight
 * topics of topics (borrowed) from the beginning, on the cluster of cfg.
 * *out is new (c360_cli_view_destroy). Failures are reported here. */
enum c360_err c360_cli_view_new(const struct c360_config *cfg, const struct c360_topic_set *topics,
                                struct c360_cli_view **out) C360_MUST_USE;
void c360_cli_view_destroy(struct c360_cli_view *view);

/* Reads what the topics hold now, without waiting. */
void c360_cli_view_poll(struct c360_cli_view *view);
/* Prints the CSR messages picked since the last drawing, then the progress. */
void c360_cli_view_draw(struct c360_cli_view *view, const struct c360_cli_progress *progress);
/* Leaves the progress block on screen: later output goes below it. */
void c360_cli_view_end(struct c360_cli_view *view);
void c360_cli_view_counts(const struct c360_cli_view *view, struct c360_cli_view_counts *out);

/* v with thousands separators ("279,327"), written into buf; returns buf. */
const char *c360_cli_view_num(long long v, char *buf, size_t size);

#endif
