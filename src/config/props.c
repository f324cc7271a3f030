/*
 * c360 config — the property table. Adding a setting means adding a row here;
 * parsing, validation and config/REFERENCE.md all follow from it.
 */
#include "c360/config.h"

const struct c360_config_prop c360_config_props[] = {
    {
        .key = "group.id",
        .type = C360_CONFIG_PROP_STRING,
        .def = "c360",
        .doc = "Kafka consumer group of the processor. Instances with the same group split "
               "the input partitions between them.",
    },
    {
        .key = "topics.dir",
        .type = C360_CONFIG_PROP_PATH,
        .def = C360_DEFAULT_TOPICS_DIR,
        .def_shown = "`topics/` of the source tree (set at build time with -DC360_TOPICS_DIR)",
        .doc = "Folder of topic declarations (one JSON file per topic): names, partitions, "
               "cleanup policy, key and input wire format. Copy and edit it to rename topics.",
    },
    {
        .key = "schemas.dir",
        .type = C360_CONFIG_PROP_PATH,
        .def = C360_DEFAULT_SCHEMAS_DIR,
        .def_shown = "`schemas/` of the source tree (set at build time with -DC360_SCHEMAS_DIR)",
        .doc = "Folder of the Avro schemas (.avsc) of canonical inputs and outputs.",
    },
    {
        .key = "log.level",
        .type = C360_CONFIG_PROP_ENUM,
        .def = "info",
        .choices = "debug|info|warn|error",
        .doc = "Least severe log level written. librdkafka's own log is routed through the "
               "same logger; turn on its debug contexts with kafka.debug.",
    },
    {
        .key = "poll.timeout.ms",
        .type = C360_CONFIG_PROP_INT,
        .def = "100",
        .min = 1,
        .max = 10000,
        .doc = "Longest time one consumer poll waits for records. Bounds how late a stop "
               "signal is noticed.",
    },
    {
        .key = "cdc.rows.max",
        .type = C360_CONFIG_PROP_INT,
        .def = "1000000",
        .min = 1,
        .max = 100000000,
        .doc = "Most Salesforce records whose last full state c360 keeps to complete CDC "
               "updates (which carry changed fields only). A new record beyond it goes to the "
               "dead-letter topic. Held in memory for now: budget about 2 KiB per record.",
    },
    {0},
};
