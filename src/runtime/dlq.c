/*
 * c360 runtime — the dead-letter headers (see runtime_int.h): what a Kafka
 * Connect-minded reader of the dead-letter topic expects, plus c360's own
 * diagnostic. The original bytes, key and headers travel unchanged.
 */
#include "runtime_int.h"

#include <stdio.h>

/* The exception class a Connect-minded reader of the DLQ sees. */
static const char *error_class(enum c360_err err)
{
    switch (err) {
    case C360_ERR_INVALID:
        return "c360.InvalidRecord";
    case C360_ERR_LIMIT:
        return "c360.RecordTooLarge";
    case C360_ERR_UNSUPPORTED:
        return "c360.UnsupportedRecord";
    default:
        return "c360.DecodeError";
    }
}

static void header_add(rd_kafka_headers_t *hdrs, const char *name, const char *value)
{
    rd_kafka_header_add(hdrs, name, -1, value, -1);
}

rd_kafka_headers_t *c360_dlq_headers_new(const rd_kafka_message_t *msg, enum c360_err err,
                                         const struct c360_diag *diag)
{
    rd_kafka_headers_t *orig = NULL, *hdrs;
    char number[32], message[1024];
    if (rd_kafka_message_headers(msg, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR)
        hdrs = rd_kafka_headers_copy(orig); /* new */
    else
        hdrs = rd_kafka_headers_new(8); /* new */
    header_add(hdrs, "__connect.errors.topic", rd_kafka_topic_name(msg->rkt));
    snprintf(number, sizeof(number), "%d", (int)msg->partition);
    header_add(hdrs, "__connect.errors.partition", number);
    snprintf(number, sizeof(number), "%lld", (long long)msg->offset);
    header_add(hdrs, "__connect.errors.offset", number);
    header_add(hdrs, "__connect.errors.exception.class.name", error_class(err));
    snprintf(message, sizeof(message), "%s%s%s", diag->field, diag->field[0] ? ": " : "",
             diag->text);
    header_add(hdrs, "__connect.errors.exception.message", message);
    header_add(hdrs, "c360.errors.field", diag->field);
    header_add(hdrs, "c360.errors.code", c360_err_str(err));
    return hdrs;
}
