/*
 * c360 codec — Salesforce Change Data Capture as the Salesforce CDC source
 * connector writes it: the record's fields at the top level, compound fields
 * (Name, the addresses) as nested objects, and a ChangeEventHeader (Salesforce
 * Change Data Capture Developer Guide, "ChangeEventHeader Fields" and "Change
 * Event Body Fields"). What each header changeType becomes:
 *
 *   CREATE, UNDELETE  the body is the whole record: UPSERT, and the row is kept
 *   UPDATE            the body holds news only in the fields changedFields
 *                     names (the others are null whether set or not), so the
 *                     changes are merged onto the kept row: UPSERT of the whole
 *                     record; with no row kept, a RESYNC of that record
 *   DELETE            DELETE, identifiers from the kept row, which is dropped
 *   GAP_*             a RESYNC of the recordIds (rows dropped: they are stale)
 *   GAP_OVERFLOW      a RESYNC of every record of entityName in that commit
 *
 * An event whose recordIds lists several records (Salesforce merges identical
 * changes made within one transaction) has one part per record id.
 *
 * The topic's mapping sees the merged row plus "Id" (the record id of the
 * part) and "ChangeEventHeader". For org topics (DESIGN.md §7) the decoder
 * adds the header fields and the changed field values itself.
 */
#include "codec_int.h"

#include "c360/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Salesforce merges at most a few thousand records into one event. */
#define RECORD_IDS_MAX C360_RECORD_FIELDS_MAX

struct c360_codec_rows {
    json_t *by_id;  /* record id → row (object, owned) */
    json_t *dirty;  /* record id → true: rows changed since last staged */
    json_t *staged; /* record id → the row's stored text (string), or null */
    size_t max;
    char *text; /* the buffer rows are staged through */
    size_t text_cap;
};

enum c360_err c360_codec_rows_new(size_t max_rows, struct c360_codec_rows **out)
{
    struct c360_codec_rows *rows = calloc(1, sizeof(*rows));
    if (!rows || !(rows->by_id = json_object()) || !(rows->dirty = json_object()) ||
        !(rows->staged = json_object())) {
        c360_codec_rows_destroy(rows);
        return C360_ERR_NOMEM;
    }
    rows->max = max_rows;
    *out = rows;
    return C360_OK;
}

void c360_codec_rows_destroy(struct c360_codec_rows *rows)
{
    if (!rows)
        return;
    json_decref(rows->by_id);
    json_decref(rows->dirty);
    json_decref(rows->staged);
    free(rows->text);
    free(rows);
}

size_t c360_codec_rows_count(const struct c360_codec_rows *rows)
{
    return rows ? json_object_size(rows->by_id) : 0;
}

/* Keeps row (stolen) as the record's current state. */
static enum c360_err rows_put(struct c360_codec_rows *rows, const char *id, json_t *row,
                              struct c360_diag *diag)
{
    if (!json_object_get(rows->by_id, id) && json_object_size(rows->by_id) >= rows->max) {
        json_decref(row);
        return c360_diag_fail(diag, C360_ERR_LIMIT, NULL,
                              "the CDC row store holds %zu records, its maximum", rows->max);
    }
    if (json_object_set_new(rows->dirty, id, json_true()))
        return C360_ERR_NOMEM;
    return json_object_set_new(rows->by_id, id, row) ? C360_ERR_NOMEM : C360_OK;
}

/* Forgets a row; false when memory ran out marking it changed. */
static bool rows_del(struct c360_codec_rows *rows, const char *id)
{
    json_object_del(rows->by_id, id);
    return json_object_set_new(rows->dirty, id, json_true()) == 0;
}

/* The stored text of row id into *buf (c360_json_dump_sorted): compact
 * JSON, keys sorted so the same row is always the same bytes; *len = 0 for
 * a forgotten row. */
static enum c360_err row_text(const struct c360_codec_rows *rows, const char *id, char **buf,
                              size_t *cap, size_t *len)
{
    json_t *row = json_object_get(rows->by_id, id);
    *len = 0;
    return row ? c360_json_dump_sorted(row, buf, cap, len) : C360_OK;
}

enum c360_err c360_codec_rows_stage(struct c360_codec_rows *rows)
{
    const char *id;
    json_t *flag;
    json_object_foreach(rows->dirty, id, flag)
    {
        size_t len;
        if (row_text(rows, id, &rows->text, &rows->text_cap, &len))
            return C360_ERR_NOMEM; /* what is still dirty is written as it is */
        json_t *val = len ? json_stringn_nocheck(rows->text, len) : json_null();
        if (!val || json_object_set_new(rows->staged, id, val))
            return C360_ERR_NOMEM;
    }
    json_object_clear(rows->dirty);
    return C360_OK;
}

/* Hands one row's stored value (text NULL: forgotten) to sink. */
static enum c360_err row_put(const struct c360_persist_sink *sink, struct c360_persist_writer *w,
                             const char *id, const char *text)
{
    const void *val = NULL;
    size_t len = 0;
    enum c360_err err;
    if (text) {
        c360_persist_writer_reset(w);
        c360_persist_str(w, text);
        if ((err = c360_persist_value(w, &val, &len)))
            return err;
    }
    return c360_persist_put(sink, C360_DB_CODEC, id, strlen(id), val, len);
}

enum c360_err c360_codec_rows_persist(const struct c360_codec_rows *rows,
                                      const struct c360_persist_sink *sink)
{
    enum c360_err err = C360_OK;
    struct c360_persist_writer w;
    const char *id;
    json_t *item;
    c360_persist_writer_init(&w, C360_CODEC_ROW_MAX);
    json_object_foreach(rows->staged, id, item)
    {
        /* Changed again since it was staged: written below as it is now. */
        if (json_object_get(rows->dirty, id))
            continue;
        if ((err = row_put(sink, &w, id, json_string_value(item))))
            break;
    }
    char *text = NULL;
    size_t cap = 0, len;
    json_object_foreach(rows->dirty, id, item)
    {
        if (err || (err = row_text(rows, id, &text, &cap, &len)))
            break;
        err = row_put(sink, &w, id, len ? text : NULL);
    }
    free(text);
    c360_persist_writer_free(&w);
    return err;
}

enum c360_err c360_codec_rows_take_staged(struct c360_codec_rows *rows,
                                          struct c360_codec_rows *into)
{
    if (json_object_update(into->staged, rows->staged))
        return C360_ERR_NOMEM;
    json_object_clear(rows->staged);
    return C360_OK;
}

void c360_codec_rows_persisted(struct c360_codec_rows *rows)
{
    json_object_clear(rows->dirty);
    json_object_clear(rows->staged);
}

enum c360_err c360_codec_rows_restore(struct c360_codec_rows *rows, const void *key, size_t key_len,
                                      const void *val, size_t val_len, struct c360_diag *diag)
{
    struct c360_persist_reader r;
    char id[256];
    size_t len;
    enum c360_err err;
    if (key_len == 0 || key_len >= sizeof(id) || memchr(key, '\0', key_len))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a CDC row key of %zu bytes", key_len);
    memcpy(id, key, key_len);
    id[key_len] = '\0';
    if ((err = c360_persist_reader_init(&r, val, val_len, diag)))
        return err;
    const char *text = c360_persist_get_strn(&r, &len);
    if ((err = c360_persist_reader_end(&r, "CDC row", diag)) || !text)
        return err ? err : c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a CDC row without text");
    json_error_t jerr;
    json_t *row = json_loadb(text, len, 0, &jerr); /* new */
    if (!json_is_object(row)) {
        json_decref(row);
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "a stored CDC row is not an object");
    }
    if (json_object_size(rows->by_id) >= rows->max) {
        json_decref(row);
        return c360_diag_fail(diag, C360_ERR_LIMIT, "cdc.rows.max",
                              "the store holds more CDC rows than cdc.rows.max (%zu)", rows->max);
    }
    return json_object_set_new(rows->by_id, id, row) ? C360_ERR_NOMEM : C360_OK;
}

/* --- The header. */

struct header {
    const char *entity, *change_type, *commit_user, *change_origin, *transaction_key;
    json_t *record_ids, *changed, *nulled; /* borrowed arrays; NULL when absent */
    int64_t commit_ts;
    json_int_t sequence; /* -1 when absent */
};

static enum c360_err header_str(json_t *hdr, const char *key, bool required, const char **out,
                                struct c360_diag *diag)
{
    json_t *v = json_object_get(hdr, key);
    *out = json_string_value(v);
    if (*out || (!required && (!v || json_is_null(v))))
        return C360_OK;
    char field[64];
    snprintf(field, sizeof(field), "ChangeEventHeader.%s", key);
    return c360_diag_fail(diag, C360_ERR_INVALID, field,
                          v ? "must be a string" : "required field is missing");
}

/* A list of field names or ids; NULL or [] when absent. */
static enum c360_err header_list(json_t *hdr, const char *key, json_t **out, struct c360_diag *diag)
{
    json_t *v = json_object_get(hdr, key), *item;
    size_t i;
    char field[64];
    snprintf(field, sizeof(field), "ChangeEventHeader.%s", key);
    *out = NULL;
    if (!v || json_is_null(v))
        return C360_OK;
    if (!json_is_array(v))
        return c360_diag_fail(diag, C360_ERR_INVALID, field, "must be an array of strings");
    if (json_array_size(v) > RECORD_IDS_MAX)
        return c360_diag_fail(diag, C360_ERR_LIMIT, field, "more than %d items", RECORD_IDS_MAX);
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);
        if (!s || !s[0])
            return c360_diag_fail(diag, C360_ERR_INVALID, field, "must be an array of strings");
        /* Pub/Sub API clients receive these as bitmaps that need the event
         * schema to decode; the connector decodes them, a raw relay does not. */
        if (strncmp(s, "0x", 2) == 0 && strcmp(key, "recordIds") != 0)
            return c360_diag_fail(diag, C360_ERR_INVALID, field,
                                  "is bitmap-encoded (0x...); the producer must decode it");
    }
    *out = v;
    return C360_OK;
}

static enum c360_err header_parse(json_t *root, struct header *h, struct c360_diag *diag)
{
    enum c360_err err;
    json_t *hdr = json_object_get(root, "ChangeEventHeader");
    if (!json_is_object(hdr))
        return c360_diag_fail(diag, C360_ERR_INVALID, "ChangeEventHeader",
                              "not a Salesforce CDC event (no ChangeEventHeader object)");
    if ((err = header_str(hdr, "entityName", true, &h->entity, diag)) ||
        (err = header_str(hdr, "changeType", true, &h->change_type, diag)) ||
        (err = header_str(hdr, "commitUser", false, &h->commit_user, diag)) ||
        (err = header_str(hdr, "changeOrigin", false, &h->change_origin, diag)) ||
        (err = header_str(hdr, "transactionKey", false, &h->transaction_key, diag)) ||
        (err = header_list(hdr, "recordIds", &h->record_ids, diag)) ||
        (err = header_list(hdr, "changedFields", &h->changed, diag)) ||
        (err = header_list(hdr, "nulledFields", &h->nulled, diag)))
        return err;
    json_t *ts = json_object_get(hdr, "commitTimestamp");
    if (json_is_integer(ts)) {
        h->commit_ts = json_integer_value(ts);
        err = c360_time_check(h->commit_ts, diag);
    } else if (json_is_string(ts)) {
        err = c360_time_parse(json_string_value(ts), &h->commit_ts, diag);
    } else {
        err = c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                             ts ? "must be epoch milliseconds" : "required field is missing");
    }
    if (err) {
        if (diag)
            snprintf(diag->field, sizeof(diag->field), "ChangeEventHeader.commitTimestamp");
        return err;
    }
    json_t *seq = json_object_get(hdr, "sequenceNumber");
    h->sequence = json_is_integer(seq) ? json_integer_value(seq) : -1;
    return C360_OK;
}

/* --- Rows. A row is the record's fields as the body gives them: top-level
 * values, compound fields as objects of components, nulls left out. */

static bool is_meta(const char *name)
{
    /* The header, and what the connector or a transform adds (_ObjectType,
     * _EventType, an org id inserted by InsertField), are not record fields. */
    return strcmp(name, "ChangeEventHeader") == 0 || name[0] == '_';
}

/* A copy of obj's members without nulls, one level down for compounds (new). */
static json_t *without_nulls(json_t *obj)
{
    json_t *copy = json_object(), *v;
    const char *name;
    json_object_foreach(obj, name, v)
    {
        if (json_is_null(v))
            continue;
        json_object_set_new(copy, name, json_is_object(v) ? without_nulls(v) : json_deep_copy(v));
    }
    return copy;
}

/* The body as a row: every non-null record field (new). */
static json_t *row_from_body(json_t *root)
{
    json_t *row = json_object(), *v;
    const char *name;
    json_object_foreach(root, name, v)
    {
        if (is_meta(name) || json_is_null(v))
            continue;
        json_object_set_new(row, name, json_is_object(v) ? without_nulls(v) : json_deep_copy(v));
    }
    return row;
}

/* Sets path ("Field" or "Compound.Component") of row to value (borrowed), or
 * removes it when value is NULL or null. */
static void row_set(json_t *row, const char *path, json_t *value)
{
    bool clear = !value || json_is_null(value);
    const char *dot = strchr(path, '.');
    if (!dot) {
        if (clear)
            json_object_del(row, path);
        else
            json_object_set_new(
                row, path, json_is_object(value) ? without_nulls(value) : json_deep_copy(value));
        return;
    }
    char compound[256];
    snprintf(compound, sizeof(compound), "%.*s", (int)(dot - path), path);
    json_t *parent = json_object_get(row, compound);
    if (!json_is_object(parent)) {
        if (clear)
            return;
        parent = json_object();
        json_object_set_new(row, compound, parent);
    }
    if (clear) {
        json_object_del(parent, dot + 1);
        if (json_object_size(parent) == 0)
            json_object_del(row, compound);
    } else {
        json_object_set_new(parent, dot + 1, json_deep_copy(value));
    }
}

/* The body's value at path (borrowed; NULL when absent). */
static json_t *body_get(json_t *root, const char *path)
{
    const char *dot = strchr(path, '.');
    if (!dot)
        return json_object_get(root, path);
    char compound[256];
    snprintf(compound, sizeof(compound), "%.*s", (int)(dot - path), path);
    return json_object_get(json_object_get(root, compound), dot + 1);
}

/* Merges an UPDATE onto row: each changed field takes the body's value (a
 * null there means it was set to null), and each nulled field is cleared. */
static void row_merge(json_t *row, json_t *root, const struct header *h)
{
    json_t *item;
    size_t i;
    json_array_foreach(h->changed, i, item)
    {
        const char *path = json_string_value(item);
        row_set(row, path, body_get(root, path));
    }
    json_array_foreach(h->nulled, i, item) row_set(row, json_string_value(item), NULL);
}

/* --- Org records: the header and the field values of this change. */

/* Adds field (dotted for compound components) = value to fields, as
 * c360_org_field text later: strings as they are, other values as JSON. */
static void fields_put(json_t *fields, const char *name, json_t *value)
{
    json_object_set_new(fields, name, value ? json_deep_copy(value) : json_null());
}

/* Every non-null leaf of row, compound components as Compound.Component. */
static void fields_from_row(json_t *fields, json_t *row)
{
    json_t *v, *c;
    const char *name, *comp;
    char path[512];
    json_object_foreach(row, name, v)
    {
        if (!json_is_object(v)) {
            fields_put(fields, name, v);
            continue;
        }
        json_object_foreach(v, comp, c)
        {
            snprintf(path, sizeof(path), "%s.%s", name, comp);
            fields_put(fields, path, c);
        }
    }
}

static enum c360_err org_add(json_t *canon, const struct header *h, const char *id, json_t *root,
                             json_t *row, bool update, bool deleted, struct c360_diag *diag)
{
    const char *object = strcmp(h->entity, "Account") == 0   ? "ACCOUNT"
                         : strcmp(h->entity, "Contact") == 0 ? "CONTACT"
                                                             : NULL;
    if (!object)
        return c360_diag_fail(diag, C360_ERR_INVALID, "ChangeEventHeader.entityName",
                              "org sync takes Account and Contact changes, not '%.64s'", h->entity);
    json_object_set_new(canon, "objectType", json_string(object));
    json_object_set_new(canon, "recordId", json_string(id));
    json_object_set_new(canon, "commitTimestamp", json_integer(h->commit_ts));
    if (h->commit_user)
        json_object_set_new(canon, "commitUser", json_string(h->commit_user));
    if (h->change_origin)
        json_object_set_new(canon, "changeOrigin", json_string(h->change_origin));
    if (h->changed)
        json_object_set(canon, "changedFields", h->changed);
    if (h->nulled)
        json_object_set(canon, "nulledFields", h->nulled);
    json_t *fields = json_object(), *item;
    size_t i;
    if (update) {
        json_array_foreach(h->changed, i, item)
        {
            const char *path = json_string_value(item);
            json_t *v = body_get(root, path);
            if (json_is_object(v)) { /* a whole compound: its components */
                json_t *one = json_object();
                json_object_set(one, path, v);
                fields_from_row(fields, one);
                json_decref(one);
            } else {
                fields_put(fields, path, v && !json_is_null(v) ? v : NULL);
            }
        }
        json_array_foreach(h->nulled, i, item) fields_put(fields, json_string_value(item), NULL);
    } else if (!deleted) {
        fields_from_row(fields, row);
    }
    json_object_set_new(canon, "fields", fields);
    return C360_OK;
}

/* --- Records. */

static void event_id(const struct header *h, const struct c360_codec_msg *msg, const char *id,
                     size_t parts, char *buf, size_t size)
{
    /* transactionKey and sequenceNumber name the event in Salesforce, so a
     * connector's redelivery gets the same id; else the Kafka position does. */
    int n = h->transaction_key && h->sequence >= 0
                ? snprintf(buf, size, "%s:%lld", h->transaction_key, (long long)h->sequence)
                : snprintf(buf, size, "%s:%d:%lld", msg->topic ? msg->topic : "",
                           (int)msg->partition, (long long)msg->offset);
    if (parts > 1 && id && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ":%s", id);
}

/* The mapping's view of one record: row, "Id" and the header (new). */
static enum c360_err map_row(const struct c360_mapping *m, json_t *row, json_t *root,
                             const char *id, const struct c360_codec_msg *msg, json_t **canon,
                             struct c360_diag *diag)
{
    json_t *source = json_copy(row);
    if (id)
        json_object_set_new(source, "Id", json_string(id));
    json_object_set(source, "ChangeEventHeader", json_object_get(root, "ChangeEventHeader"));
    /* Fields added by the connector or a transform (an org id, say) are not
     * part of the row but may be mapped. */
    json_t *v;
    const char *name;
    json_object_foreach(root, name, v)
    {
        if (name[0] == '_')
            json_object_set(source, name, v);
    }
    enum c360_err err = C360_OK;
    if (m)
        err = c360_mapping_apply(m, &(struct c360_row){.obj = source}, msg, canon, diag);
    else
        *canon = json_incref(source);
    json_decref(source);
    return err;
}

static enum c360_err resync(const struct c360_mapping *m, json_t *root, const struct header *h,
                            json_t *ids, const char *reason, const struct c360_codec_msg *msg,
                            struct c360_record *rec, struct c360_diag *diag)
{
    json_t *canon, *empty = json_object(), *item;
    enum c360_err err = map_row(m, empty, root, NULL, msg, &canon, diag);
    json_decref(empty);
    if (err)
        return err;
    char id_buf[512];
    size_t i;
    struct c360_resync *r = &rec->as.resync;
    const char *system =
        json_string_value(json_object_get(json_object_get(canon, "source"), "system"));
    /* The union held the entity's defaults; a request starts empty. */
    memset(&rec->as, 0, sizeof(rec->as));
    rec->change = C360_CHANGE_RESYNC;
    rec->occurred_at = h->commit_ts;
    r->commit_timestamp = h->commit_ts;
    event_id(h, msg, NULL, 1, id_buf, sizeof(id_buf));
    if ((err = c360_record_str(rec, id_buf, strlen(id_buf), &rec->event_id, diag)) ||
        (system &&
         (err = c360_record_str(rec, system, strlen(system), &rec->source_system, diag))) ||
        (err = c360_record_str(rec, h->entity, strlen(h->entity), &r->entity_name, diag)) ||
        (err =
             c360_record_str(rec, h->change_type, strlen(h->change_type), &r->change_type, diag)) ||
        (h->transaction_key &&
         (err = c360_record_str(rec, h->transaction_key, strlen(h->transaction_key),
                                &r->transaction_key, diag))) ||
        (err = c360_record_str(rec, reason, strlen(reason), &r->reason, diag)))
        goto done;
    json_array_foreach(ids, i, item)
    {
        const char *id = json_string_value(item);
        if ((err = c360_record_strs_add_upto(rec, &r->record_ids, RECORD_IDS_MAX, id, strlen(id),
                                             diag)))
            goto done;
    }
    err = c360_record_validate(rec, diag);
done:
    json_decref(canon);
    if (err && diag && !diag->field[0])
        snprintf(diag->field, sizeof(diag->field), "%s", "recordIds");
    return err;
}

/* What map_row adds to the row, laid over it: "Id", the header and the
 * fields the connector added (new). */
static json_t *row_overlay(json_t *root, const char *id)
{
    json_t *over = json_object(), *v;
    const char *name;
    if (!over || json_object_set_new(over, "Id", json_string(id)) ||
        json_object_set(over, "ChangeEventHeader", json_object_get(root, "ChangeEventHeader"))) {
        json_decref(over);
        return NULL;
    }
    json_object_foreach(root, name, v)
    {
        if (name[0] == '_' && json_object_set(over, name, v)) {
            json_decref(over);
            return NULL;
        }
    }
    return over;
}

/* The record of an individual's row through a direct mapping, as map_row,
 * the defaults below and c360_codec_record_from_json would make it, without
 * copying the row into a canonical object; C360_ERR_UNSUPPORTED: not decided
 * here (rec is then reset). */
static enum c360_err record_direct(const struct c360_mapping *m, json_t *row, json_t *root,
                                   const struct header *h, const char *id, size_t parts,
                                   bool deleted, const struct c360_codec_msg *msg,
                                   struct c360_record *rec, struct c360_diag *diag)
{
    json_t *over = row_overlay(root, id);
    if (!over)
        return C360_ERR_NOMEM;
    char event[512];
    event_id(h, msg, id, parts, event, sizeof(event));
    const struct c360_row under = {.obj = row}, source = {.obj = over, .under = &under};
    const struct c360_mapping_defaults defaults = {
        .change = deleted ? C360_CHANGE_DELETE : C360_CHANGE_UPSERT,
        .occurred_at = h->commit_ts,
        .event_id = event,
        .source_record_id = id,
    };
    enum c360_err err = c360_mapping_record(m, &source, msg, &defaults, rec, diag);
    json_decref(over);
    if (err == C360_ERR_UNSUPPORTED)
        c360_record_reset(rec, rec->entity);
    return err;
}

enum c360_err c360_codec_sfcdc_decode(const struct c360_mapping *m, bool direct,
                                      struct c360_codec_rows *rows, json_t *root,
                                      const struct c360_codec_msg *msg, size_t part,
                                      struct c360_record *rec, size_t *parts,
                                      struct c360_diag *diag)
{
    struct header h = {0};
    enum c360_err err;
    char reason[256];
    *parts = 1;
    if (!json_is_object(root))
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                              "not a Salesforce CDC event (not a JSON object)");
    if ((err = header_parse(root, &h, diag)))
        return err;

    if (strncmp(h.change_type, "GAP_", 4) == 0) {
        /* Salesforce could not build the change events (gap) or there were
         * too many (overflow): the body carries no field values. */
        json_t *item;
        size_t i;
        json_array_foreach(h.record_ids, i, item)
        {
            if (rows && !rows_del(rows, json_string_value(item)))
                return C360_ERR_NOMEM;
        }
        snprintf(reason, sizeof(reason),
                 strcmp(h.change_type, "GAP_OVERFLOW") == 0
                     ? "%s: too many changes in one transaction for change events; fetch the "
                       "current state of the records of %.64s changed at commitTimestamp"
                     : "%s: Salesforce could not produce change events; fetch the records' "
                       "current state",
                 h.change_type, h.entity);
        return resync(m, root, &h, h.record_ids, reason, msg, rec, diag);
    }

    bool create = strcmp(h.change_type, "CREATE") == 0 || strcmp(h.change_type, "UNDELETE") == 0;
    bool update = strcmp(h.change_type, "UPDATE") == 0;
    bool deleted = strcmp(h.change_type, "DELETE") == 0;
    if (!create && !update && !deleted)
        return c360_diag_fail(diag, C360_ERR_INVALID, "ChangeEventHeader.changeType",
                              "'%.32s' is not a CDC change type (CREATE, UPDATE, DELETE, "
                              "UNDELETE, GAP_*)",
                              h.change_type);
    size_t n = json_array_size(h.record_ids);
    if (n == 0)
        return c360_diag_fail(diag, C360_ERR_INVALID, "ChangeEventHeader.recordIds",
                              "a %s event names no record", h.change_type);
    *parts = n;
    if (part >= n)
        return c360_diag_fail(diag, C360_ERR_INVALID, "ChangeEventHeader.recordIds",
                              "part %zu of an event with %zu records", part, n);
    const char *id = json_string_value(json_array_get(h.record_ids, part));
    /* A wildcard id: a field type conversion changed every record at once. */
    if (strchr(id, '*')) {
        snprintf(reason, sizeof(reason),
                 "%s of every record of %.64s (wildcard recordIds); fetch their current state",
                 h.change_type, h.entity);
        return resync(m, root, &h, NULL, reason, msg, rec, diag);
    }

    json_t *row = NULL, *canon = NULL; /* new */
    json_t *kept = rows ? json_object_get(rows->by_id, id) : NULL;
    if (create) {
        row = row_from_body(root);
        if (rows && (err = rows_put(rows, id, json_incref(row), diag)))
            goto done;
    } else if (update) {
        if (!kept) {
            json_t *one = json_pack("[s]", id);
            snprintf(reason, sizeof(reason),
                     "UPDATE of a record c360 holds no state for (its changed fields only); "
                     "fetch its current state");
            err = resync(m, root, &h, one, reason, msg, rec, diag);
            json_decref(one);
            return err;
        }
        row = json_deep_copy(kept);
        row_merge(row, root, &h);
        if ((err = rows_put(rows, id, json_incref(row), diag)))
            goto done;
    } else {
        row = kept ? json_incref(kept) : json_object();
        if (rows && !rows_del(rows, id)) {
            err = C360_ERR_NOMEM;
            goto done;
        }
    }

    bool org = rec->entity == C360_ENTITY_ORG_ACCOUNT || rec->entity == C360_ENTITY_ORG_CONTACT;
    if (direct && !org && c360_mapping_is_direct(m) &&
        (err = record_direct(m, row, root, &h, id, n, deleted, msg, rec, diag)) !=
            C360_ERR_UNSUPPORTED)
        goto done;
    if ((err = map_row(m, row, root, id, msg, &canon, diag)))
        goto done;
    json_object_set_new(canon, "changeType", json_string(deleted ? "DELETE" : "UPSERT"));
    if (!json_object_get(canon, "occurredAt"))
        json_object_set_new(canon, "occurredAt", json_integer(h.commit_ts));
    if (!json_object_get(canon, "eventId")) {
        char buf[512];
        event_id(&h, msg, id, n, buf, sizeof(buf));
        json_object_set_new(canon, "eventId", json_string(buf));
    }
    json_t *source = json_object_get(canon, "source");
    if (!json_is_object(source)) {
        source = json_object();
        json_object_set_new(canon, "source", source);
    }
    if (!json_object_get(source, "recordId"))
        json_object_set_new(source, "recordId", json_string(id));
    if (org) {
        if ((err = org_add(canon, &h, id, root, row, update, deleted, diag)))
            goto done;
    }
    err = c360_codec_record_from_json(canon, rec, diag);
done:
    json_decref(canon);
    json_decref(row);
    return err;
}

/* --- Re-sync requests out, as schemas/resync_request.avsc. */

enum c360_err c360_codec_resync_encode(const struct c360_record *rec, enum c360_codec_layout layout,
                                       char **out)
{
    const struct c360_resync *r = &rec->as.resync;
    char ts[32];
    json_t *ids = json_array();
    for (uint16_t i = 0; i < r->record_ids.count; i++)
        json_array_append_new(ids, json_string(r->record_ids.items[i]));
    json_t *obj = json_pack(
        "{s:s?, s:s?, s:s?, s:o, s:s?, s:s, s:s?, s:s?}", "eventId", rec->event_id, "orgId",
        rec->source_system, "entityName", r->entity_name, "recordIds", ids, "changeType",
        r->change_type, "commitTimestamp", c360_time_format(r->commit_timestamp, ts, sizeof(ts)),
        "transactionKey", r->transaction_key, "reason", r->reason);
    if (!obj)
        return C360_ERR_NOMEM;
    size_t flags =
        JSON_PRESERVE_ORDER | (layout == C360_CODEC_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);
    *out = json_dumps(obj, flags);
    json_decref(obj);
    return *out ? C360_OK : C360_ERR_NOMEM;
}
