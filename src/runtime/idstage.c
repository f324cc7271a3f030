/*
 * c360 runtime — the identity stage (see runtime_int.h): records in, the
 * identity graph updated, its changes out as JSON shaped like
 * schemas/identity_change.avsc and schemas/identity_link.avsc. The graph
 * lives in memory: a restart rebuilds it only from what is consumed again
 * (the state store of issue 6 makes it durable).
 */
#include "runtime_int.h"

#include "c360/identity.h"
#include "c360/log.h"
#include "c360/time.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct c360_idstage {
    struct c360_identity_rules *rules;
    struct c360_identity *graph;
    struct c360_dlq *producer; /* borrowed */
    const char *changes_topic, *links_topic;
    long long outputs;
};

static bool identity_topic_id(const char *id)
{
    return strcmp(id, "individual") == 0 || strcmp(id, "web-engagement") == 0 ||
           strcmp(id, "external-financial-account") == 0;
}

enum c360_err c360_idstage_new(const struct c360_config *cfg, const struct c360_topic_set *topics,
                               struct c360_dlq *producer, struct c360_idstage **out)
{
    struct c360_diag diag;
    char text[1024];
    enum c360_err err;
    *out = NULL;
    const struct c360_topic *changes = c360_topic_set_find(topics, "identity-changes"),
                            *links = c360_topic_set_find(topics, "identity-links");
    if (!changes || !links)
        return C360_OK;
    struct c360_idstage *st = calloc(1, sizeof(*st));
    if (!st)
        return C360_ERR_NOMEM;
    st->producer = producer;
    st->changes_topic = changes->name;
    st->links_topic = links->name;
    c360_diag_clear(&diag);
    const char *path = c360_config_str(cfg, "identity.rules");
    if ((err = c360_identity_rules_load(path, &st->rules, &diag)) ||
        (err = c360_identity_new(c360_identity_rules_config(st->rules), &st->graph))) {
        c360_diag_format(&diag, text, sizeof(text));
        c360_log(C360_LOG_ERROR, "runtime", "cannot set up identity resolution: %s", text);
        c360_idstage_destroy(st);
        return err;
    }
    *out = st;
    return C360_OK;
}

void c360_idstage_destroy(struct c360_idstage *st)
{
    if (!st)
        return;
    c360_identity_destroy(st->graph);
    c360_identity_rules_free(st->rules);
    free(st);
}

size_t c360_idstage_records(const struct c360_idstage *st)
{
    return st ? c360_identity_count(st->graph) : 0;
}

size_t c360_idstage_capped_keys(const struct c360_idstage *st)
{
    return st ? c360_identity_capped_keys(st->graph) : 0;
}

long long c360_idstage_outputs(const struct c360_idstage *st)
{
    return st ? st->outputs : 0;
}

/* "u<n>", the unified id as outputs write it. */
static json_t *uid(uint64_t id)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "u%" PRIu64, id);
    return json_string(buf);
}

/* The deterministic id of output `index` of the input at `position`:
 * FNV-1a 64 of both, so reprocessing re-emits the same ids. */
static json_t *event_id(const char *position, size_t index)
{
    char buf[600];
    uint64_t h = 14695981039346656037ull;
    int n = snprintf(buf, sizeof(buf), "%s#%zu", position, index);
    for (int i = 0; i < n && i < (int)sizeof(buf); i++)
        h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
    snprintf(buf, sizeof(buf), "%016" PRIx64, h);
    return json_string(buf);
}

static enum c360_err send_json(struct c360_idstage *st, const char *topic, const char *key,
                               json_t *value /* stolen; NULL: tombstone */)
{
    char *text = value ? json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(value);
    if (value && !text)
        return C360_ERR_NOMEM;
    enum c360_err err = c360_dlq_send_output(st->producer, topic, key, text);
    free(text);
    if (!err)
        st->outputs++;
    return err;
}

static json_t *ids_array(uint64_t first, const uint64_t *ids, size_t n)
{
    json_t *arr = json_array();
    if (first)
        json_array_append_new(arr, uid(first));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, uid(ids[i]));
    return arr;
}

static json_t *link_value(struct c360_idstage *st, const char *key, uint64_t id, json_t *eid,
                          const char *at)
{
    struct c360_identity_link link;
    json_t *parts = json_array();
    if (!c360_identity_link_of(st->graph, key, &link))
        memset(&link, 0, sizeof(link));
    for (size_t i = 0; i < link.n_parts; i++) {
        const struct c360_identity_evidence *e = &link.parts[i];
        json_array_append_new(parts, json_pack("{s:s, s:s, s:s?, s:o}", "field", e->field, "value",
                                               e->value, "otherValue", e->other_value, "score",
                                               e->score < 0 ? json_null() : json_real(e->score)));
    }
    return json_pack("{s:o, s:s, s:o, s:s?, s:s?, s:o, s:s}", "eventId", eid, "recordKey", key,
                     "unifiedId", uid(id), "rule", link.rule, "matchedWith", link.matched_with,
                     "matchedOn", parts, "updatedAt", at);
}

enum c360_err c360_idstage_apply(struct c360_idstage *st, const struct c360_record *rec,
                                 const char *topic, int32_t partition, int64_t offset, size_t part)
{
    struct c360_identity_changes changes;
    struct c360_identity_input in;
    char buf[16384], position[512], at[40];
    enum c360_err err;
    if (!st || rec->change == C360_CHANGE_RESYNC ||
        !identity_topic_id(c360_entity_name(rec->entity)))
        return C360_OK;
    if ((err = c360_identity_rules_input(st->rules, rec, buf, sizeof(buf), &in)))
        return err;
    err = rec->change == C360_CHANGE_DELETE ? c360_identity_delete(st->graph, in.key, &changes)
                                            : c360_identity_upsert(st->graph, &in, &changes);
    if (err)
        return err;
    snprintf(position, sizeof(position), "%s:%d:%lld:%zu", topic, (int)partition, (long long)offset,
             part);
    c360_time_format(rec->occurred_at, at, sizeof(at));
    size_t index = 0;
    struct c360_identity_link causing; /* filled for a MERGE only: most changes have none */
    bool have_causing = false;
    for (size_t i = 0; i < changes.count && !err; i++) {
        const struct c360_identity_event *ev = &changes.events[i];
        json_t *change = NULL;
        switch (ev->kind) {
        case C360_IDENTITY_UNLINK: /* the record's link goes: a tombstone */
            err = send_json(st, st->links_topic, ev->record_key, NULL);
            break;
        case C360_IDENTITY_LINK:
            change = json_pack("{s:o, s:s, s:o, s:o, s:o, s:s, s:s?, s:s}", "eventId",
                               event_id(position, index++), "type", "LINK", "unifiedId",
                               uid(ev->into), "from", ids_array(ev->from, NULL, 0), "into",
                               ids_array(ev->into, NULL, 0), "recordKey", ev->record_key, "rule",
                               ev->rule, "at", at);
            snprintf(buf, sizeof(buf), "u%" PRIu64, ev->into);
            if (!(err = send_json(st, st->changes_topic, buf, change)))
                err = send_json(
                    st, st->links_topic, ev->record_key,
                    link_value(st, ev->record_key, ev->into, event_id(position, index++), at));
            continue;
        case C360_IDENTITY_MERGE:
            /* The upserted record is in the graph; an unknown key zeroes causing. */
            if (!have_causing) {
                (void)c360_identity_link_of(st->graph, in.key, &causing);
                have_causing = true;
            }
            change = json_pack("{s:o, s:s, s:o, s:o, s:o, s:s, s:s?, s:s}", "eventId",
                               event_id(position, index++), "type", "MERGE", "unifiedId",
                               uid(ev->into), "from", ids_array(ev->into, ev->ids, ev->n_ids),
                               "into", ids_array(ev->into, NULL, 0), "recordKey", in.key, "rule",
                               causing.rule, "at", at);
            break;
        case C360_IDENTITY_SPLIT:
            change = json_pack(
                "{s:o, s:s, s:o, s:o, s:o, s:s, s:n, s:s}", "eventId", event_id(position, index++),
                "type", "SPLIT", "unifiedId", uid(ev->into ? ev->into : ev->from), "from",
                ids_array(ev->from, NULL, 0), "into", ids_array(ev->into, ev->ids, ev->n_ids),
                "recordKey", in.key, "rule", "at", at);
            break;
        }
        if (change) {
            /* Keyed by the profile, so one profile's changes stay in order. */
            char key[32];
            snprintf(key, sizeof(key), "u%" PRIu64,
                     ev->kind == C360_IDENTITY_SPLIT && !ev->into ? ev->from : ev->into);
            err = send_json(st, st->changes_topic, key, change);
        }
    }
    return err;
}
