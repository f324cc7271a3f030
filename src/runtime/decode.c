/*
 * c360 runtime — the decode stage (see runtime_int.h): a thread that decodes
 * the records of a batch, in the batch's order, while the processor's thread
 * applies the ones before them. Decoding is about as costly as applying a
 * record, and on two cores the second one is otherwise mostly idle.
 *
 * The thread takes the codecs (and through them the registry client and the
 * CDC row store) from the processor's thread for the length of a batch: the
 * processor touches none of them between c360_decode_start and
 * c360_decode_finish, and the mutex hands them over with everything they
 * wrote. A record's parts are decoded one after the other and stop at the
 * first that fails, as they would inline. At the end of a batch the thread
 * stages the CDC rows it changed (c360_codec_rows_stage).
 */
#include "runtime_int.h"

#include "c360/codec.h"
#include "c360/record.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>

/* Records decoded ahead of the processor at most: more than the parts of
 * any one message (a CDC event names at most C360_RECORD_FIELDS_MAX
 * records), so a message always fits once those before it are released. A
 * record's first arena chunk is touched only as far as it is written. */
#define RING (2 * C360_RECORD_FIELDS_MAX)

/* One message of the batch and what decoding it gave. */
struct decode_slot {
    struct c360_codec_msg msg;      /* its bytes borrowed */
    const struct c360_codec *codec; /* borrowed; NULL: nothing decodes it */
    struct c360_decoded out;
};

struct c360_decode {
    struct c360_codec_rows *rows; /* borrowed; may be NULL */
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t work, progress, space;
    /* Guarded by lock. */
    size_t n, ready;       /* messages in the batch; decoded so far */
    size_t used, released; /* parts decoded and parts given back, this batch */
    bool busy;             /* a batch is being decoded */
    bool cancel;           /* the processor stopped reading the batch */
    bool quit;
    bool unstaged; /* the rows of the last batch could not be staged */
    /* The batch: written by the processor before start, read by the thread
     * until it is done; slot i's out is the processor's once ready > i. */
    struct decode_slot *slots;
    size_t cap_slots;
    /* Part k of the batch is ring[k % RING]; made by the thread when first
     * needed, then reused. */
    struct c360_record *ring[RING];
};

/* A record for the next part, once the processor has given back enough;
 * NULL when the batch was cancelled meanwhile or memory runs out. */
static struct c360_record *part_record(struct c360_decode *d)
{
    pthread_mutex_lock(&d->lock);
    while (d->used - d->released >= RING && !d->cancel)
        pthread_cond_wait(&d->space, &d->lock);
    bool cancel = d->cancel;
    size_t at = d->used % RING;
    pthread_mutex_unlock(&d->lock);
    if (cancel || (!d->ring[at] && c360_record_new(C360_ENTITY_INDIVIDUAL, &d->ring[at])))
        return NULL;
    return d->ring[at];
}

/* Decodes every part of slot s into the ring. */
static void slot_decode(struct c360_decode *d, struct decode_slot *s)
{
    struct c360_decoded *out = &s->out;
    out->err = C360_OK;
    out->n = 0;
    out->first = d->used; /* only this thread moves used while busy */
    c360_diag_clear(&out->diag);
    if (out->skip)
        return;
    if (!s->codec) {
        out->err =
            c360_diag_fail(&out->diag, C360_ERR_UNSUPPORTED, NULL, "no decoder for this topic");
        return;
    }
    size_t parts = 1;
    for (size_t part = 0; part < parts; part++) {
        struct c360_record *rec = part_record(d);
        if (!rec) {
            out->err = C360_ERR_NOMEM; /* or cancelled: nobody reads it then */
            return;
        }
        c360_diag_clear(&out->diag);
        if ((out->err = c360_codec_decode_part(s->codec, &s->msg, part, rec, &parts, &out->diag)))
            return;
        pthread_mutex_lock(&d->lock);
        d->used++;
        pthread_mutex_unlock(&d->lock);
        out->n++;
    }
}

static void *decode_main(void *arg)
{
    struct c360_decode *d = arg;
    prctl(PR_SET_NAME, "c360-decode"); /* as top -H and /proc show it */
    pthread_mutex_lock(&d->lock);
    for (;;) {
        while (!d->busy && !d->quit)
            pthread_cond_wait(&d->work, &d->lock);
        if (d->quit)
            break;
        for (size_t i = 0; i < d->n && !d->cancel; i++) {
            pthread_mutex_unlock(&d->lock);
            slot_decode(d, &d->slots[i]);
            pthread_mutex_lock(&d->lock);
            d->ready = i + 1;
            pthread_cond_signal(&d->progress);
        }
        if (!d->cancel && d->rows) {
            /* While the processor applies the last records: its commit then
             * only copies the rows. */
            pthread_mutex_unlock(&d->lock);
            bool unstaged = c360_codec_rows_stage(d->rows) != C360_OK;
            pthread_mutex_lock(&d->lock);
            d->unstaged = unstaged;
        }
        d->busy = false;
        pthread_cond_signal(&d->progress);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

enum c360_err c360_decode_new(struct c360_codec_rows *rows, struct c360_decode **out)
{
    struct c360_decode *d = calloc(1, sizeof(*d));
    *out = NULL;
    if (!d)
        return C360_ERR_NOMEM;
    d->rows = rows;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->work, NULL);
    pthread_cond_init(&d->progress, NULL);
    pthread_cond_init(&d->space, NULL);
    if (pthread_create(&d->thread, NULL, decode_main, d) != 0) {
        c360_decode_destroy(d);
        return C360_ERR_NOMEM;
    }
    d->started = true;
    *out = d;
    return C360_OK;
}

void c360_decode_destroy(struct c360_decode *d)
{
    if (!d)
        return;
    if (d->started) {
        pthread_mutex_lock(&d->lock);
        d->cancel = d->quit = true;
        pthread_cond_signal(&d->work);
        pthread_cond_signal(&d->space);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->thread, NULL);
    }
    for (size_t i = 0; i < RING; i++)
        c360_record_destroy(d->ring[i]);
    free(d->slots);
    pthread_cond_destroy(&d->space);
    pthread_cond_destroy(&d->progress);
    pthread_cond_destroy(&d->work);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

enum c360_err c360_decode_add(struct c360_decode *d, const struct c360_codec_msg *msg,
                              const struct c360_codec *codec, bool skip)
{
    /* Only between batches: the thread reads the slots while it decodes.
     * A batch holds batch.records messages at most, which bounds them. */
    if (d->n == d->cap_slots) {
        size_t cap = d->cap_slots ? d->cap_slots * 2 : 256;
        struct decode_slot *slots = realloc(d->slots, cap * sizeof(*slots));
        if (!slots)
            return C360_ERR_NOMEM;
        d->slots = slots;
        d->cap_slots = cap;
    }
    d->slots[d->n++] = (struct decode_slot){.msg = *msg, .codec = codec, .out = {.skip = skip}};
    return C360_OK;
}

void c360_decode_start(struct c360_decode *d)
{
    pthread_mutex_lock(&d->lock);
    d->ready = d->used = d->released = 0;
    d->cancel = d->unstaged = false;
    d->busy = d->n > 0;
    pthread_cond_signal(&d->work);
    pthread_mutex_unlock(&d->lock);
}

const struct c360_decoded *c360_decode_wait(struct c360_decode *d, size_t i)
{
    pthread_mutex_lock(&d->lock);
    if (i > 0) { /* the processor is done with message i - 1 and before */
        const struct c360_decoded *prev = &d->slots[i - 1].out;
        d->released = prev->first + prev->n;
        pthread_cond_signal(&d->space);
    }
    while (d->ready <= i)
        pthread_cond_wait(&d->progress, &d->lock);
    pthread_mutex_unlock(&d->lock);
    return &d->slots[i].out;
}

struct c360_record *c360_decode_part(const struct c360_decode *d, const struct c360_decoded *out,
                                     size_t part)
{
    return d->ring[(out->first + part) % RING];
}

enum c360_err c360_decode_finish(struct c360_decode *d)
{
    pthread_mutex_lock(&d->lock);
    d->cancel = true;
    pthread_cond_signal(&d->space);
    while (d->busy)
        pthread_cond_wait(&d->progress, &d->lock);
    bool unstaged = d->unstaged;
    d->n = d->ready = 0;
    d->unstaged = false;
    pthread_mutex_unlock(&d->lock);
    return unstaged ? C360_ERR_NOMEM : C360_OK;
}
