/*
 * c360 log — one line per record: `ts level module message k=v …`, e.g.
 *
 *   2026-11-23T11:20:00.123Z INFO runtime joined group group=c360 partitions=6
 *
 * Thread-safe (librdkafka logs from its own threads through here). Control
 * characters in a record become spaces, so a record is always one line.
 *
 * Used by the imperative shell only (cli, runtime, kafka); the engine and the
 * modules under it never log. Personal data never goes into a log record: name
 * the field and the record key instead.
 */
#ifndef C360_LOG_H
#define C360_LOG_H

#include "c360/err.h"

#include <stdbool.h>
#include <stdio.h>

enum c360_log_level {
    C360_LOG_DEBUG,
    C360_LOG_INFO,
    C360_LOG_WARN,
    C360_LOG_ERROR,
};

/* Parses "debug" | "info" | "warn" | "error". */
enum c360_err c360_log_level_parse(const char *name, enum c360_log_level *out) C360_MUST_USE;

/* Records below level are dropped. Default: info. */
void c360_log_set_level(enum c360_log_level level);
bool c360_log_enabled(enum c360_log_level level);

/* Where records go (borrowed; default stderr). NULL restores stderr. */
void c360_log_set_stream(FILE *out);

/* Writes one record. fmt is the message followed by its k=v pairs. */
void c360_log(enum c360_log_level level, const char *module, const char *fmt, ...)
    C360_PRINTF(3, 4);

/* librdkafka reports syslog levels (0 emerg … 7 debug); this maps them. */
enum c360_log_level c360_log_level_from_syslog(int syslog_level);

#endif
