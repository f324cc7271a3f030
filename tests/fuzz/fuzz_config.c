/*
 * libFuzzer target: a properties file (c360_config_load_stream), including
 * kafka.* settings handed to librdkafka for validation.
 */
#include "c360/config.h"
#include "c360/kafka.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct c360_config *cfg;
    struct c360_diag diag;
    if (size == 0 || c360_config_new(&cfg) != C360_OK)
        return 0;
    FILE *in = fmemopen((void *)data, size, "r");
    if (in) {
        if (c360_config_load_stream(cfg, in, "fuzz", &diag) == C360_OK)
            (void)c360_kafka_conf_check(cfg, &diag);
        fclose(in);
    }
    c360_config_destroy(cfg);
    return 0;
}
