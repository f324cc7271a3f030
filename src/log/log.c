/*
 * c360 log — formats records and writes each with a single locked write so
 * lines from different threads never interleave.
 */
#include "c360/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

/* A record longer than this is cut and marked; logs are for people, not bulk. */
#define C360_LOG_LINE_MAX 4096

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/* Read on every call, also for records below it (two per record applied at
 * debug level): an atomic, not the lock. */
static atomic_int log_level = C360_LOG_INFO;
static FILE *log_stream; /* NULL means stderr: stderr is not a constant initializer */

static const char *const level_names[] = {
    [C360_LOG_DEBUG] = "DEBUG",
    [C360_LOG_INFO] = "INFO",
    [C360_LOG_WARN] = "WARN",
    [C360_LOG_ERROR] = "ERROR",
};

enum c360_err c360_log_level_parse(const char *name, enum c360_log_level *out)
{
    static const char *const lower[] = {"debug", "info", "warn", "error"};
    for (size_t i = 0; i < sizeof(lower) / sizeof(lower[0]); i++) {
        if (strcmp(name, lower[i]) == 0) {
            *out = (enum c360_log_level)i;
            return C360_OK;
        }
    }
    return C360_ERR_INVALID;
}

void c360_log_set_level(enum c360_log_level level)
{
    atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

bool c360_log_enabled(enum c360_log_level level)
{
    return (int)level >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

void c360_log_set_stream(FILE *out)
{
    pthread_mutex_lock(&log_lock);
    log_stream = out;
    pthread_mutex_unlock(&log_lock);
}

enum c360_log_level c360_log_level_from_syslog(int syslog_level)
{
    if (syslog_level <= 3)
        return C360_LOG_ERROR;
    if (syslog_level == 4)
        return C360_LOG_WARN;
    if (syslog_level <= 6)
        return C360_LOG_INFO;
    return C360_LOG_DEBUG;
}

void c360_log(enum c360_log_level level, const char *module, const char *fmt, ...)
{
    if (!c360_log_enabled(level))
        return;

    char line[C360_LOG_LINE_MAX];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     now.tv_nsec / 1000000, level_names[level], module);
    size_t len = (size_t)n;

    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    if ((size_t)m >= sizeof(line) - len - 1) {
        len = sizeof(line) - 5;
        memcpy(line + len, "...", 3);
        len += 3;
    } else {
        len += (size_t)m;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)line[i] < 0x20)
            line[i] = ' ';
    }
    line[len++] = '\n';

    pthread_mutex_lock(&log_lock);
    FILE *out = log_stream ? log_stream : stderr;
    fwrite(line, 1, len, out);
    fflush(out);
    pthread_mutex_unlock(&log_lock);
}
