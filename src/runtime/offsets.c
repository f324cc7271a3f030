/*
 * c360 runtime — input offsets and the outputs in flight (see runtime_int.h).
 *
 * Each consumed record gets a mark that counts what it still waits for: one
 * hold while it is being processed, plus one per message queued on its
 * behalf. A partition keeps its marks in consumption order, so its oldest
 * mark's offset is the first record not yet fully delivered, and every
 * record before it is. A mark whose count reaches zero leaves the list at
 * once, wherever it sits; a failed one stays and pins its partition.
 */
#include "runtime_int.h"

#include <stdlib.h>
#include <string.h>

struct c360_offsets_mark {
    struct offsets_part *part; /* NULL once orphaned by a revocation */
    struct c360_offsets_mark *prev, *next;
    int64_t offset;
    long pending; /* the processing hold plus the messages queued */
    bool failed;
};

/* One input partition this instance owns or owned. */
struct offsets_part {
    char *topic;
    int32_t partition;
    bool owned;
    int64_t next;      /* the offset after the last one consumed; -1: none yet */
    int64_t sent;      /* the offset last asked to be committed; -1: none */
    int64_t committed; /* the offset the coordinator last accepted; -1: none */
    struct c360_offsets_mark *head, *tail;
};

struct c360_offsets {
    struct offsets_part **parts;
    size_t n, cap;
    struct offsets_part *last;         /* records come in runs from one partition */
    struct c360_offsets_mark *orphans; /* marks of revoked partitions still in flight */
    size_t marks;
};

enum c360_err c360_offsets_new(struct c360_offsets **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? C360_OK : C360_ERR_NOMEM;
}

static void marks_free(struct c360_offsets_mark *m)
{
    while (m) {
        struct c360_offsets_mark *next = m->next;
        free(m);
        m = next;
    }
}

void c360_offsets_destroy(struct c360_offsets *offs)
{
    if (!offs)
        return;
    for (size_t i = 0; i < offs->n; i++) {
        marks_free(offs->parts[i]->head);
        free(offs->parts[i]->topic);
        free(offs->parts[i]);
    }
    marks_free(offs->orphans);
    free(offs->parts);
    free(offs);
}

static struct offsets_part *part_find(struct c360_offsets *offs, const char *topic,
                                      int32_t partition)
{
    if (offs->last && offs->last->partition == partition && strcmp(offs->last->topic, topic) == 0)
        return offs->last;
    for (size_t i = 0; i < offs->n; i++) {
        struct offsets_part *p = offs->parts[i];
        if (p->partition == partition && strcmp(p->topic, topic) == 0)
            return offs->last = p;
    }
    return NULL;
}

/* Unlinks m from its partition's list. */
static void mark_unlink(struct c360_offsets_mark *m)
{
    struct offsets_part *p = m->part;
    if (m->prev)
        m->prev->next = m->next;
    else
        p->head = m->next;
    if (m->next)
        m->next->prev = m->prev;
    else
        p->tail = m->prev;
    m->prev = m->next = NULL;
}

enum c360_err c360_offsets_assign(struct c360_offsets *offs, const char *topic, int32_t partition)
{
    struct offsets_part *p = part_find(offs, topic, partition);
    if (!p) {
        if (offs->n == C360_OFFSETS_PARTITIONS_MAX)
            return C360_ERR_LIMIT;
        if (offs->n == offs->cap) {
            size_t cap = offs->cap ? offs->cap * 2 : 64;
            struct offsets_part **parts = realloc(offs->parts, cap * sizeof(*parts));
            if (!parts)
                return C360_ERR_NOMEM;
            offs->parts = parts;
            offs->cap = cap;
        }
        if (!(p = calloc(1, sizeof(*p))) || !(p->topic = strdup(topic))) {
            free(p);
            return C360_ERR_NOMEM;
        }
        p->partition = partition;
        offs->parts[offs->n++] = p;
    }
    /* What the group holds for it now is unknown: whoever owned it meanwhile
     * may have committed. Nothing is committed until a record is consumed. */
    p->owned = true;
    p->next = p->sent = p->committed = -1;
    return C360_OK;
}

void c360_offsets_revoke(struct c360_offsets *offs, const char *topic, int32_t partition)
{
    struct offsets_part *p = part_find(offs, topic, partition);
    if (!p)
        return;
    p->owned = false;
    /* Marks still in flight no longer gate anything here: the partition's
     * next owner starts from what was committed. They go on the orphan list
     * to be counted down and freed by their late delivery reports. */
    while (p->head) {
        struct c360_offsets_mark *m = p->head;
        mark_unlink(m);
        m->part = NULL;
        m->next = offs->orphans;
        if (offs->orphans)
            offs->orphans->prev = m;
        offs->orphans = m;
    }
}

bool c360_offsets_owned(struct c360_offsets *offs, const char *topic, int32_t partition)
{
    const struct offsets_part *p = part_find(offs, topic, partition);
    return p && p->owned;
}

enum c360_err c360_offsets_consume(struct c360_offsets *offs, const char *topic, int32_t partition,
                                   int64_t offset, struct c360_offsets_mark **out)
{
    struct offsets_part *p = part_find(offs, topic, partition);
    *out = NULL;
    if (!p || !p->owned)
        return C360_ERR_NOT_FOUND;
    struct c360_offsets_mark *m = calloc(1, sizeof(*m));
    if (!m)
        return C360_ERR_NOMEM;
    m->part = p;
    m->offset = offset;
    m->pending = 1;
    m->prev = p->tail;
    if (p->tail)
        p->tail->next = m;
    else
        p->head = m;
    p->tail = m;
    if (offset + 1 > p->next)
        p->next = offset + 1;
    offs->marks++;
    *out = m;
    return C360_OK;
}

void c360_offsets_hold(struct c360_offsets_mark *mark)
{
    mark->pending++;
}

void c360_offsets_done(struct c360_offsets *offs, struct c360_offsets_mark *mark, bool ok)
{
    if (!ok)
        mark->failed = true;
    if (--mark->pending > 0)
        return;
    if (mark->failed && mark->part)
        return; /* pins its partition: nothing after it is committed */
    if (mark->part) {
        mark_unlink(mark);
    } else {
        if (mark->prev)
            mark->prev->next = mark->next;
        else
            offs->orphans = mark->next;
        if (mark->next)
            mark->next->prev = mark->prev;
    }
    offs->marks--;
    free(mark);
}

void c360_offsets_position(const struct c360_offsets_mark *mark, const char **topic,
                           int32_t *partition, int64_t *offset)
{
    *topic = mark->part ? mark->part->topic : "-";
    *partition = mark->part ? mark->part->partition : -1;
    *offset = mark->offset;
}

size_t c360_offsets_in_flight(const struct c360_offsets *offs)
{
    return offs->marks;
}

/* The offset to commit: the oldest record still waiting, else the next one
 * to consume; -1 when nothing was consumed since the assignment. */
static int64_t committable(const struct offsets_part *p)
{
    return p->head ? p->head->offset : p->next;
}

enum c360_err c360_offsets_commit_list(struct c360_offsets *offs, bool again,
                                       rd_kafka_topic_partition_list_t **out)
{
    *out = NULL;
    for (size_t i = 0; i < offs->n; i++) {
        struct offsets_part *p = offs->parts[i];
        int64_t at = committable(p);
        if (!p->owned || at < 0 || at <= p->committed || (!again && at <= p->sent))
            continue;
        if (!*out && !(*out = rd_kafka_topic_partition_list_new(16)))
            return C360_ERR_NOMEM;
        rd_kafka_topic_partition_list_add(*out, p->topic, p->partition)->offset = at;
        p->sent = at;
    }
    return C360_OK;
}

size_t c360_offsets_committed(struct c360_offsets *offs,
                              const rd_kafka_topic_partition_list_t *list, bool refused)
{
    size_t failed = 0;
    if (!list && refused) {
        for (size_t i = 0; i < offs->n; i++)
            offs->parts[i]->sent = offs->parts[i]->committed;
        return offs->n;
    }
    for (int i = 0; list && i < list->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &list->elems[i];
        struct offsets_part *p = part_find(offs, tp->topic, tp->partition);
        if (!p)
            continue;
        if (refused || tp->err) {
            failed++;
            p->sent = p->committed; /* asked again next time */
        } else if (tp->offset > p->committed) {
            p->committed = tp->offset;
        }
    }
    return failed;
}

size_t c360_offsets_uncommitted(const struct c360_offsets *offs)
{
    size_t n = 0;
    for (size_t i = 0; i < offs->n; i++) {
        const struct offsets_part *p = offs->parts[i];
        if (p->owned && committable(p) > p->committed)
            n++;
    }
    return n;
}
