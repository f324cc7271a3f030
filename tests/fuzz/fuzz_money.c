/*
 * libFuzzer target: decimal money strings (c360_money_parse). Besides never
 * crashing, whatever is accepted must be in range and survive a round trip
 * through c360_money_format.
 */
#include "c360/money.h"

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
    int64_t minor, back;
    if (c360_money_parse(text, &minor, NULL) != C360_OK)
        return 0;
    if (minor > C360_MONEY_MAX_MINOR || minor < -C360_MONEY_MAX_MINOR)
        abort();
    c360_money_format(minor, buf, sizeof(buf));
    if (c360_money_parse(buf, &back, NULL) != C360_OK || back != minor)
        abort();
    return 0;
}
