/*
 * libFuzzer target: one topic declaration (c360_topic_set_add_json), as read
 * from a user-edited topics/ folder. Must never crash, leak or overrun.
 */
#include "c360/topic.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_topic_set *set;
    struct c360_diag diag;
    if (c360_topic_set_new(&set) != C360_OK)
        return 0;
    if (c360_topic_set_add_json(set, (const char *)data, size, "fuzz", &diag) == C360_OK)
        (void)c360_topic_set_check(set, &diag);
    c360_topic_set_destroy(set);
    return 0;
}
