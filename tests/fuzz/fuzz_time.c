/*
 * libFuzzer target: RFC 3339 timestamps and dates (c360_time_parse,
 * c360_date_parse). Whatever is accepted must survive a round trip through
 * the formatters.
 */
#include "c360/time.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[256], buf[32];
    if (size >= sizeof(text))
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int64_t ms, ms_back;
    if (c360_time_parse(text, &ms, NULL) == C360_OK) {
        c360_time_format(ms, buf, sizeof(buf));
        if (c360_time_parse(buf, &ms_back, NULL) != C360_OK || ms_back != ms)
            abort();
    }
    int32_t days, days_back;
    if (c360_date_parse(text, &days, NULL) == C360_OK) {
        c360_date_format(days, buf, sizeof(buf));
        if (c360_date_parse(buf, &days_back, NULL) != C360_OK || days_back != days)
            abort();
    }
    return 0;
}
