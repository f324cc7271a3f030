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
        .key = "identity.rules",
        .type = C360_CONFIG_PROP_PATH,
        .def = C360_DEFAULT_IDENTITY_RULES,
        .def_shown = "`config/identity.json` of the source tree (set at build time with "
                     "-DC360_IDENTITY_RULES)",
        .doc = "Identity resolution rules (JSON): the match rules and their name thresholds, "
               "the guards against over-merging (postingsMax, clusterMax), the default phone "
               "calling code, the nickname file (relative to this file) and the blocklist of "
               "junk values.",
    },
    {
        .key = "segments",
        .type = C360_CONFIG_PROP_PATH,
        .def = C360_DEFAULT_SEGMENTS,
        .def_shown = "`config/segments.json` of the source tree (set at build time with "
                     "-DC360_SEGMENTS)",
        .doc = "Segment definitions (JSON): each segment's name, its expression over the "
               "insights (tenureDays, holds, adb, externalAdb, qualifyingVisit, accountCount, "
               "totalBalance) and the activation text of its CSR message.",
    },
    {
        .key = "clock",
        .type = C360_CONFIG_PROP_ENUM,
        .def = "wall",
        .choices = "wall|event",
        .doc = "What \"today\" is for the insights and the segment timers: the UTC date of the "
               "wall clock, or of the largest occurredAt seen (deterministic, for replays and "
               "tests; `c360 replay` uses event unless told otherwise).",
    },
    {
        .key = "currency",
        .type = C360_CONFIG_PROP_STRING,
        .def = "USD",
        .doc = "The institution's ISO 4217 currency. Balances are summed in it; accounts in "
               "another currency are left out of sums and counted as foreign.",
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
        .key = "commit.interval.ms",
        .type = C360_CONFIG_PROP_INT,
        .def = "1000",
        .min = 10,
        .max = 600000,
        .doc = "How often the processor commits input offsets to its consumer group. An offset "
               "is committed only once every output and dead letter of the records before it "
               "is confirmed delivered; partitions being revoked and a stopping processor "
               "commit at once.",
    },
    {
        .key = "state.dir",
        .type = C360_CONFIG_PROP_PATH,
        .def = "c360-state",
        .doc = "Directory of the processor's state store (LMDB): profiles, identity graph, "
               "blocking index, insights, timers, Salesforce CDC rows and the input offsets "
               "they were built from, committed together after every batch. Created when "
               "missing. One processor writes a directory at a time. A processor whose "
               "store has no offset for a partition reads that partition from its beginning, "
               "so the input topics must keep their whole history (retention.ms=-1, or "
               "compaction of the keyed entities) for state to be rebuilt.",
    },
    {
        .key = "state.map.size",
        .type = C360_CONFIG_PROP_INT,
        .def = "268435456",
        .min = 1048576,
        .max = INT64_C(1) << 40,
        .doc = "Bytes of the state store's memory map at start. It doubles whenever a batch "
               "finds it full, up to state.map.max; address space only, not memory used.",
    },
    {
        .key = "state.map.max",
        .type = C360_CONFIG_PROP_INT,
        .def = "1099511627776",
        .min = 1048576,
        .max = INT64_C(1) << 44,
        .doc = "Bytes the state store's memory map may grow to. A batch that does not fit "
               "stops the processor (its offsets stay where they were).",
    },
    {
        .key = "state.sync",
        .type = C360_CONFIG_PROP_BOOL,
        .def = "true",
        .doc = "Flush the state store to disk at every batch commit. false survives a crash "
               "of c360 but not of the machine, for tests and benchmarks.",
    },
    {
        .key = "batch.records",
        .type = C360_CONFIG_PROP_INT,
        .def = "20000",
        .min = 1,
        .max = 1000000,
        .doc = "Most input records in one batch. A batch ends earlier when no more records "
               "are waiting; its outputs are then awaited and its state and offsets "
               "committed in one transaction. Awaiting the outputs costs a round trip to "
               "the brokers per batch, so a large cap speeds up catching up; under a "
               "steady stream batches stay small and latency does not depend on it.",
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
    {
        .key = "schema.registry.url",
        .type = C360_CONFIG_PROP_STRING,
        .def = "",
        .def_shown = "empty: no registry",
        .doc = "Base URL of the Confluent Schema Registry (http:// or https://) that serves the "
               "writer schemas of Avro input topics (GET /schemas/ids/{id}). Empty: `c360 run` "
               "does not consume Avro topics (their records stay in Kafka and the log names "
               "this key) and `c360 decode --format avro` refuses to start.",
    },
    {
        .key = "schema.registry.timeout.ms",
        .type = C360_CONFIG_PROP_INT,
        .def = "5000",
        .min = 1,
        .max = 600000,
        .doc = "Longest time one registry request may take, connecting included.",
    },
    {
        .key = "schema.registry.retries",
        .type = C360_CONFIG_PROP_INT,
        .def = "2",
        .min = 0,
        .max = 99,
        .doc = "Requests repeated after a failed one (network error, HTTP 5xx, 429, or 404 from a "
               "replica that may not have the id yet) before the record goes to the dead-letter "
               "topic. Each new schema id waits at most (retries + 1) x timeout plus the backoffs, "
               "and holds up its partition meanwhile.",
    },
    {
        .key = "schema.registry.backoff.ms",
        .type = C360_CONFIG_PROP_INT,
        .def = "100",
        .min = 0,
        .max = 60000,
        .doc = "Pause after the first failed registry request; it doubles after each further one.",
    },
    {
        .key = "schema.registry.backoff.max.ms",
        .type = C360_CONFIG_PROP_INT,
        .def = "1000",
        .min = 0,
        .max = 600000,
        .doc = "Longest pause between registry requests. Must be at least "
               "schema.registry.backoff.ms.",
    },
    {
        .key = "schema.registry.basic.auth.user.info",
        .type = C360_CONFIG_PROP_STRING,
        .def = "",
        .def_shown = "empty: no authentication",
        .doc = "`user:password` for HTTP basic authentication to the registry (Confluent's "
               "basic.auth.user.info). A secret: `c360 config` masks it and diagnostics never "
               "quote it.",
    },
    {
        .key = "http.port",
        .type = C360_CONFIG_PROP_INT,
        .def = "0",
        .def_shown = "0: no HTTP endpoint",
        .min = 0,
        .max = 65535,
        .doc = "TCP port of the processor's HTTP endpoint (`c360 run`, `c360 demo`): "
               "`/metrics` in the Prometheus text format, `/healthz` (liveness) and `/readyz` "
               "(readiness). Off by default, so that several instances can share a host; the "
               "container image sets 9360. A port that cannot be bound fails start-up.",
    },
    {
        .key = "http.bind",
        .type = C360_CONFIG_PROP_STRING,
        .def = "127.0.0.1",
        .doc = "Numeric IPv4 or IPv6 address the HTTP endpoint listens on. `0.0.0.0` or `::` "
               "to be scraped from other hosts (and by Kubernetes probes). The endpoint has no "
               "authentication; it shows counters and topic names, never customer data.",
    },
    {
        .key = "http.liveness.timeout.ms",
        .type = C360_CONFIG_PROP_INT,
        .def = "60000",
        .min = 1000,
        .max = 3600000,
        .doc = "`/healthz` answers 503 once the processing loop has not completed a step for "
               "this long. A step lasts up to poll.timeout.ms plus its records, and longer "
               "while partitions are revoked (outputs in flight are waited for, up to 30 s) or "
               "the producer's queue is full; keep this well above those.",
    },
    {0},
};
