/*
 * c360 runtime — stop signals, taken synchronously with sigtimedwait so no
 * code runs in signal context.
 */
#include "c360/runtime.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

static void stop_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void c360_runtime_signal_block(void)
{
    sigset_t set;
    stop_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int c360_runtime_signal_take(int timeout_ms)
{
    sigset_t set;
    stop_set(&set);
    for (;;) {
        int sig;
        if (timeout_ms < 0) {
            sig = sigwaitinfo(&set, NULL);
        } else {
            struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
            sig = sigtimedwait(&set, NULL, &ts);
        }
        if (sig > 0) {
            pthread_sigmask(SIG_UNBLOCK, &set, NULL);
            return sig;
        }
        if (errno != EINTR)
            return 0; /* EAGAIN: nothing came in time */
    }
}
