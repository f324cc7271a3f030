/*
 * c360 insights — web visits (DESIGN.md §5): the engagements sharing a
 * sessionId, under the owner key the engine attributed them to.
 *
 * Engagements are kept one by one (24 bytes each), not folded into totals,
 * so a re-delivered engagement replaces itself instead of counting twice and
 * a DELETE can be honoured. A visit keeps its main subject current; its span
 * is recomputed when asked, from at most C360_INSIGHTS_VISIT_EVENTS_MAX
 * engagements.
 */
#include "insights_int.h"

#include "c360/time.h"

#include <stdlib.h>
#include <string.h>

#define MS C360_MS_PER_DAY
/* A visit's engagements grow this many at a time: a visit has a few
 * pages, and two engagements fill a 16-byte granule of the allocator. */
#define VISIT_EVENTS_STEP 2

static const char *subject_name(const struct c360_insights *ins, uint16_t id)
{
    return *(char **)c360_insights_pool_at(&ins->subjects, id);
}

uint16_t c360_insights_subject_find(const struct c360_insights *ins, const char *subject)
{
    if (!subject || !*subject)
        return C360_INSIGHTS_NO_SUBJECT;
    uint32_t i = c360_insights_index_get(&ins->by_subject, subject, &ins->subjects);
    return i == C360_INSIGHTS_NONE ? C360_INSIGHTS_NO_SUBJECT : (uint16_t)i;
}

/* Subjects are a site's small taxonomy; interned for good, under a cap
 * (and stored, so that a restored state meets the cap when this one does). */
enum c360_err c360_insights_subject_intern(struct c360_insights *ins, const char *subject,
                                           uint16_t *out, struct c360_diag *diag)
{
    enum c360_err err;
    *out = c360_insights_subject_find(ins, subject);
    if (*out != C360_INSIGHTS_NO_SUBJECT || !subject || !*subject)
        return C360_OK;
    size_t len = strnlen(subject, C360_RECORD_STRING_MAX + 1);
    if (len > C360_RECORD_STRING_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "subject", "longer than %d bytes",
                              C360_RECORD_STRING_MAX);
    char *copy = malloc(len + 1);
    if (!copy)
        return C360_ERR_NOMEM;
    memcpy(copy, subject, len + 1);
    uint32_t i;
    err = c360_insights_pool_take(&ins->subjects, C360_INSIGHTS_SUBJECTS_MAX, &i);
    if (err == C360_ERR_LIMIT)
        err = c360_diag_fail(diag, err, "subject", "more than %d distinct subjects",
                             C360_INSIGHTS_SUBJECTS_MAX);
    if (err)
        goto fail;
    /* The pool owns the copy from here; unindexed after an error, it only
     * waits for c360_insights_destroy. */
    *(char **)c360_insights_pool_at(&ins->subjects, i) = copy;
    copy = NULL;
    if ((err = c360_insights_index_put(&ins->by_subject,
                                       *(char **)c360_insights_pool_at(&ins->subjects, i), i,
                                       &ins->subjects)))
        goto fail;
    c360_insights_pool_mark(&ins->subjects, i);
    *out = (uint16_t)i;
    return C360_OK;
fail:
    free(copy);
    return err;
}

static uint16_t subject_of(const struct c360_insights_engagement *e)
{
    return (uint16_t)(e->meta & C360_INSIGHTS_NO_SUBJECT);
}

static uint32_t seconds_of(const struct c360_insights_engagement *e)
{
    return e->meta >> 12;
}

/* The subject with the most durationSeconds; ties go to the smallest name
 * (byte order), so the answer does not depend on arrival order. */
static void visit_main(const struct c360_insights *ins, struct c360_insights_visit *visit)
{
    uint16_t best = C360_INSIGHTS_NO_SUBJECT;
    uint64_t best_sum = 0;
    for (uint8_t k = 0; k < visit->n_ev; k++) {
        uint16_t s = subject_of(&visit->ev[k]);
        bool seen = s == C360_INSIGHTS_NO_SUBJECT;
        for (uint8_t j = 0; j < k && !seen; j++)
            seen = subject_of(&visit->ev[j]) == s;
        if (seen)
            continue;
        uint64_t sum = 0;
        for (uint8_t j = k; j < visit->n_ev; j++) {
            if (subject_of(&visit->ev[j]) == s)
                sum += seconds_of(&visit->ev[j]);
        }
        if (best == C360_INSIGHTS_NO_SUBJECT || sum > best_sum ||
            (sum == best_sum && strcmp(subject_name(ins, s), subject_name(ins, best)) < 0)) {
            best = s;
            best_sum = sum;
        }
    }
    visit->main = best;
}

void c360_insights_visit_span(const struct c360_insights_visit *visit, int64_t *first,
                              int64_t *last, int64_t *end)
{
    *first = INT64_MAX;
    *last = *end = INT64_MIN;
    for (uint8_t k = 0; k < visit->n_ev; k++) {
        const struct c360_insights_engagement *e = &visit->ev[k];
        int64_t at = visit->base + e->at;
        int64_t stop = at + (int64_t)seconds_of(e) * 1000;
        if (at < *first)
            *first = at;
        if (at > *last)
            *last = at;
        if (stop > *end)
            *end = stop;
    }
}

/* The earliest and latest occurredAt of the visit with engagement k
 * (k == n_ev: one more) at at. */
static void span_with(const struct c360_insights_visit *visit, uint8_t k, int64_t at, int64_t *lo,
                      int64_t *hi)
{
    *lo = *hi = at;
    for (uint8_t j = 0; j < visit->n_ev; j++) {
        int64_t t = visit->base + visit->ev[j].at;
        if (j == k)
            continue;
        if (t < *lo)
            *lo = t;
        if (t > *hi)
            *hi = t;
    }
}

/* Counts every engagement from base (no earlier than any of them, spans
 * checked by the caller). */
static void visit_rebase(struct c360_insights_visit *visit, int64_t base)
{
    for (uint8_t j = 0; j < visit->n_ev; j++)
        visit->ev[j].at = (uint32_t)(visit->base + visit->ev[j].at - base);
    visit->base = base;
}

/* Sets engagement k (k == n_ev: appends, room reserved; span checked). */
static void visit_put(const struct c360_insights *ins, struct c360_insights_visit *visit, uint8_t k,
                      uint64_t id, int64_t at, uint32_t meta)
{
    int64_t lo, hi;
    span_with(visit, k, at, &lo, &hi);
    visit_rebase(visit, lo); /* a replaced ev[k] may wrap: it is overwritten next */
    if (k == visit->n_ev)
        visit->n_ev++;
    visit->ev[k] =
        (struct c360_insights_engagement){.id = id, .at = (uint32_t)(at - lo), .meta = meta};
    visit_main(ins, visit);
}

static void visit_remove(struct c360_insights_party *party, uint8_t v)
{
    free(party->visits[v].ev);
    party->visits[v] = party->visits[--party->n_visits];
}

/* Removes engagement k of visit v, and the visit once it is empty. */
static void engagement_remove(const struct c360_insights *ins, struct c360_insights_party *party,
                              uint8_t v, uint8_t k)
{
    struct c360_insights_visit *visit = &party->visits[v];
    visit->ev[k] = visit->ev[--visit->n_ev];
    /* The base may now precede every engagement: offsets stay valid, and
     * spans are measured from the engagements themselves (span_with). */
    if (visit->n_ev == 0)
        visit_remove(party, v);
    else
        visit_main(ins, visit);
}

void c360_insights_visits_prune(struct c360_insights *ins, uint32_t p)
{
    struct c360_insights_party *party = c360_insights_party_at(ins, p);
    uint8_t had = party->n_visits;
    /* No rule looks further back than visit_days_max from start of today;
     * the slack keeps a session whose later pages have yet to arrive. */
    int64_t cutoff =
        ((int64_t)ins->watermark - ins->cfg.visit_days_max - C360_INSIGHTS_VISIT_SLACK_DAYS) * MS;
    for (uint8_t v = party->n_visits; v-- > 0;) {
        int64_t first, last, end;
        c360_insights_visit_span(&party->visits[v], &first, &last, &end);
        if (last < cutoff)
            visit_remove(party, v);
    }
    if (party->n_visits < had)
        c360_insights_pool_mark(&ins->parties, p);
    if (party->n_visits == 0) {
        free(party->visits);
        party->visits = NULL;
        party->cap_visits = 0;
    }
}

void c360_insights_party_visits_free(struct c360_insights_party *party)
{
    for (uint8_t v = 0; v < party->n_visits; v++)
        free(party->visits[v].ev);
    free(party->visits);
    party->visits = NULL;
    party->n_visits = party->cap_visits = 0;
}

/* The visit holding engagement id: false when none does. */
static bool find_engagement(const struct c360_insights_party *party, uint64_t id, uint8_t *v,
                            uint8_t *k)
{
    for (uint8_t i = 0; i < party->n_visits; i++) {
        for (uint8_t j = 0; j < party->visits[i].n_ev; j++) {
            if (party->visits[i].ev[j].id == id) {
                *v = i;
                *k = j;
                return true;
            }
        }
    }
    return false;
}

static bool find_session(const struct c360_insights_party *party, uint64_t session, uint8_t *v)
{
    for (uint8_t i = 0; i < party->n_visits; i++) {
        if (party->visits[i].session == session) {
            *v = i;
            return true;
        }
    }
    return false;
}

/* The visit whose last event is the oldest: the one least likely to
 * qualify for anything, dropped when an owner has too many. At equal last
 * events, the smaller session hash: the order visits are held in is no
 * canonical order (removals move the last into the gap, a restore keeps
 * the stored order), so it must not decide. */
static uint8_t stalest(const struct c360_insights_party *party)
{
    uint8_t best = 0;
    int64_t best_last = INT64_MAX;
    for (uint8_t v = 0; v < party->n_visits; v++) {
        int64_t first, last, end;
        c360_insights_visit_span(&party->visits[v], &first, &last, &end);
        if (last < best_last ||
            (last == best_last && party->visits[v].session < party->visits[best].session)) {
            best = v;
            best_last = last;
        }
    }
    return best;
}

static enum c360_err delete_web(struct c360_insights *ins, const char *owner_key, uint64_t id)
{
    uint8_t v, k;
    uint32_t p = c360_insights_party_find(ins, owner_key);
    if (p == C360_INSIGHTS_NONE)
        return C360_OK;
    struct c360_insights_party *party = c360_insights_party_at(ins, p);
    if (find_engagement(party, id, &v, &k)) {
        engagement_remove(ins, party, v, k);
        c360_insights_pool_mark(&ins->parties, p);
        c360_insights_touch(ins, p);
    }
    return C360_OK;
}

enum c360_err c360_insights_apply_web(struct c360_insights *ins, const struct c360_record *rec,
                                      const char *owner_key, struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    const struct c360_web_engagement *w = &rec->as.web;
    struct c360_insights_engagement *fresh = NULL;
    uint16_t subject;
    uint32_t p;
    uint8_t ov = 0, ok = 0, tv = 0;
    if (!owner_key || !*owner_key)
        return c360_diag_fail(diag, C360_ERR_INVALID, "globalPartyId",
                              "a web engagement needs the owner key it is attributed to");
    if (!w->engagement_id || !*w->engagement_id)
        return c360_diag_fail(diag, C360_ERR_INVALID, "engagementId", "is missing");
    uint64_t id = c360_insights_hash64(w->engagement_id);
    if (rec->change == C360_CHANGE_DELETE)
        return delete_web(ins, owner_key, id);
    if (!w->session_id || !*w->session_id)
        return c360_diag_fail(diag, C360_ERR_INVALID, "sessionId", "is missing");
    if (w->duration_seconds < 0 || w->duration_seconds > C360_INSIGHTS_SECONDS_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "durationSeconds", "must be 0 to %d (a week)",
                              C360_INSIGHTS_SECONDS_MAX);
    if ((err = c360_insights_subject_intern(ins, w->subject, &subject, diag)) ||
        (err = c360_insights_party_get(ins, owner_key, &p, diag)))
        return err;
    struct c360_insights_party *party = c360_insights_party_at(ins, p);
    c360_insights_visits_prune(ins, p); /* first, so the caps count live visits */
    uint64_t session = c360_insights_hash64(w->session_id);
    bool had = find_engagement(party, id, &ov, &ok);
    bool in_place = false;
    if (find_session(party, session, &tv)) {
        struct c360_insights_visit *visit = &party->visits[tv];
        int64_t lo, hi;
        in_place = had && ov == tv;
        span_with(visit, in_place ? ok : visit->n_ev, rec->occurred_at, &lo, &hi);
        if (hi - lo > (int64_t)UINT32_MAX) {
            err = c360_diag_fail(diag, C360_ERR_LIMIT, "occurredAt",
                                 "a visit (session) spans at most 49 days");
            goto fail;
        }
        if (!in_place && visit->n_ev >= C360_INSIGHTS_VISIT_EVENTS_MAX) {
            err = c360_diag_fail(diag, C360_ERR_LIMIT, "sessionId",
                                 "a visit holds at most %d engagements",
                                 C360_INSIGHTS_VISIT_EVENTS_MAX);
            goto fail;
        }
        if (!in_place && visit->n_ev == visit->cap_ev) {
            unsigned cap = visit->cap_ev + VISIT_EVENTS_STEP;
            if (cap > C360_INSIGHTS_VISIT_EVENTS_MAX)
                cap = C360_INSIGHTS_VISIT_EVENTS_MAX;
            struct c360_insights_engagement *ev = realloc(visit->ev, cap * sizeof(*ev));
            if (!ev) {
                err = C360_ERR_NOMEM;
                goto fail;
            }
            visit->ev = ev;
            visit->cap_ev = (uint8_t)cap;
        }
    } else {
        tv = UINT8_MAX;
        if (!(fresh = malloc(VISIT_EVENTS_STEP * sizeof(*fresh)))) {
            err = C360_ERR_NOMEM;
            goto fail;
        }
        if (party->n_visits == party->cap_visits && party->cap_visits < C360_INSIGHTS_VISITS_MAX) {
            /* One at a time: a customer has a few visits a month. */
            unsigned cap = party->cap_visits + 1u;
            if (cap > C360_INSIGHTS_VISITS_MAX)
                cap = C360_INSIGHTS_VISITS_MAX;
            struct c360_insights_visit *visits = realloc(party->visits, cap * sizeof(*visits));
            if (!visits) {
                err = C360_ERR_NOMEM;
                goto fail;
            }
            party->visits = visits;
            party->cap_visits = (uint8_t)cap;
        }
    }

    /* Commit: nothing below fails. */
    uint32_t meta = (uint32_t)w->duration_seconds << 12 | subject;
    c360_insights_touch(ins, p);
    c360_insights_pool_mark(&ins->parties, p);
    if (in_place) {
        visit_put(ins, &party->visits[tv], ok, id, rec->occurred_at, meta);
        c360_insights_visits_prune(ins, p);
        return C360_OK;
    }
    if (had) {
        /* The engagement moved to another session: out of its old visit,
         * which may go, moving the last visit into its place. */
        uint8_t last = (uint8_t)(party->n_visits - 1);
        bool gone = party->visits[ov].n_ev == 1;
        engagement_remove(ins, party, ov, ok);
        if (gone && tv == last)
            tv = ov;
    }
    if (tv == UINT8_MAX) {
        if (party->n_visits >= C360_INSIGHTS_VISITS_MAX) {
            visit_remove(party, stalest(party));
            ins->visits_evicted++;
            ins->meta_dirty = true;
        }
        tv = party->n_visits++;
        party->visits[tv] = (struct c360_insights_visit){.session = session,
                                                         .ev = fresh,
                                                         .cap_ev = VISIT_EVENTS_STEP,
                                                         .main = C360_INSIGHTS_NO_SUBJECT};
        fresh = NULL;
    }
    struct c360_insights_visit *visit = &party->visits[tv];
    visit_put(ins, visit, visit->n_ev, id, rec->occurred_at, meta);
    /* An engagement too old to matter, even to its session, leaves at once. */
    c360_insights_visits_prune(ins, p);
    return C360_OK;
fail:
    free(fresh);
    return err;
}

/* Hashes of ids go whole into a value: 8 bytes, least significant first. */
static void put_hash(struct c360_persist_writer *w, uint64_t h)
{
    uint8_t b[8];
    for (int k = 0; k < 8; k++)
        b[k] = (uint8_t)(h >> (8 * k));
    c360_persist_bytes(w, b, sizeof(b));
}

static uint64_t get_hash(struct c360_persist_reader *r)
{
    const uint8_t *b = c360_persist_get_bytes(r, 8);
    uint64_t h = 0;
    for (int k = 0; b && k < 8; k++)
        h |= (uint64_t)b[k] << (8 * k);
    return h;
}

/*
 * An owner key's value: its subjects' names, numbered from 1 in the order
 * they are first met; then each visit: session hash, earliest occurredAt,
 * and each engagement: id hash, occurredAt − that earliest, durationSeconds
 * and subject number (0: none).
 */
void c360_insights_visits_encode(const struct c360_insights *ins,
                                 const struct c360_insights_party *party, uint16_t *local,
                                 struct c360_persist_writer *w)
{
    uint16_t n = 0, next = 1;
    for (uint8_t v = 0; v < party->n_visits; v++) {
        for (uint8_t k = 0; k < party->visits[v].n_ev; k++) {
            uint16_t s = subject_of(&party->visits[v].ev[k]);
            if (s != C360_INSIGHTS_NO_SUBJECT && !local[s])
                local[s] = ++n;
        }
    }
    c360_persist_u64(w, n);
    for (uint8_t v = 0; v < party->n_visits; v++) {
        for (uint8_t k = 0; k < party->visits[v].n_ev; k++) {
            uint16_t s = subject_of(&party->visits[v].ev[k]);
            if (s != C360_INSIGHTS_NO_SUBJECT && local[s] == next) {
                c360_persist_str(w, subject_name(ins, s));
                next++;
            }
        }
    }
    c360_persist_u64(w, party->n_visits);
    for (uint8_t v = 0; v < party->n_visits; v++) {
        const struct c360_insights_visit *visit = &party->visits[v];
        int64_t first, last, end;
        c360_insights_visit_span(visit, &first, &last, &end);
        put_hash(w, visit->session);
        c360_persist_i64(w, first);
        c360_persist_u64(w, visit->n_ev);
        for (uint8_t k = 0; k < visit->n_ev; k++) {
            const struct c360_insights_engagement *e = &visit->ev[k];
            uint16_t s = subject_of(e);
            put_hash(w, e->id);
            c360_persist_u64(w, (uint64_t)(visit->base + e->at - first));
            c360_persist_u64(w, seconds_of(e));
            c360_persist_u64(w, s == C360_INSIGHTS_NO_SUBJECT ? 0 : local[s]);
        }
    }
    for (uint8_t v = 0; v < party->n_visits; v++) {
        for (uint8_t k = 0; k < party->visits[v].n_ev; k++) {
            uint16_t s = subject_of(&party->visits[v].ev[k]);
            if (s != C360_INSIGHTS_NO_SUBJECT)
                local[s] = 0;
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Whether n sorted-in-place hashes are distinct. */
static bool distinct(uint64_t *h, size_t n)
{
    qsort(h, n, sizeof(*h), cmp_u64);
    for (size_t k = 1; k < n; k++) {
        if (h[k] == h[k - 1])
            return false;
    }
    return true;
}

enum c360_err c360_insights_visits_restore(struct c360_insights *ins, uint32_t p,
                                           struct c360_persist_reader *r, struct c360_diag *diag)
{
    enum c360_err err = C360_OK;
    struct c360_insights_party *party = c360_insights_party_at(ins, p);
    struct c360_insights_visit *visits = NULL;
    uint64_t *ids = NULL, sessions[C360_INSIGHTS_VISITS_MAX];
    uint16_t subjects[C360_INSIGHTS_SUBJECTS_MAX];
    char name[C360_RECORD_STRING_MAX + 1];
    size_t n_ids = 0;
    uint8_t n_visits = 0;
    if (party->n_visits)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "stored twice");
    uint64_t n_subjects = c360_persist_get_u64(r);
    if (n_subjects > C360_INSIGHTS_SUBJECTS_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "subject", "too many subjects");
    for (uint64_t k = 0; k < n_subjects; k++) {
        if (!c360_persist_get_str(r, name, sizeof(name)) || !name[0])
            return c360_diag_fail(diag, C360_ERR_INVALID, "subject", "is missing or corrupt");
        if ((err = c360_insights_subject_intern(ins, name, &subjects[k], diag)))
            return err;
    }
    uint64_t n = c360_persist_get_u64(r);
    if (n == 0 || n > C360_INSIGHTS_VISITS_MAX)
        return c360_diag_fail(diag, C360_ERR_INVALID, "sessionId", "no visit, or more than %d",
                              C360_INSIGHTS_VISITS_MAX);
    visits = calloc(n, sizeof(*visits));
    ids = malloc(n * C360_INSIGHTS_VISIT_EVENTS_MAX * sizeof(*ids));
    if (!visits || !ids) {
        err = C360_ERR_NOMEM;
        goto fail;
    }
    for (uint64_t v = 0; v < n && !r->failed; v++) {
        struct c360_insights_visit *visit = &visits[n_visits];
        visit->session = sessions[v] = get_hash(r);
        visit->base = c360_persist_get_i64(r);
        visit->main = C360_INSIGHTS_NO_SUBJECT;
        uint64_t n_ev = c360_persist_get_u64(r);
        if (r->failed)
            break;
        if (c360_time_check(visit->base, NULL) || n_ev == 0 ||
            n_ev > C360_INSIGHTS_VISIT_EVENTS_MAX) {
            err = c360_diag_fail(diag, C360_ERR_INVALID, "sessionId", "a visit is corrupt");
            goto fail;
        }
        if (!(visit->ev = malloc(n_ev * sizeof(*visit->ev)))) {
            err = C360_ERR_NOMEM;
            goto fail;
        }
        visit->cap_ev = (uint8_t)n_ev;
        n_visits++;
        for (uint64_t k = 0; k < n_ev; k++) {
            uint64_t id = get_hash(r), off = c360_persist_get_u64(r);
            uint64_t seconds = c360_persist_get_u64(r), s = c360_persist_get_u64(r);
            if (r->failed)
                break;
            if (off > UINT32_MAX || visit->base + (int64_t)off > C360_TIME_MAX_MS ||
                seconds > C360_INSIGHTS_SECONDS_MAX || s > n_subjects) {
                err = c360_diag_fail(diag, C360_ERR_INVALID, "engagementId",
                                     "an engagement is corrupt");
                goto fail;
            }
            visit->ev[k] = (struct c360_insights_engagement){
                .id = id,
                .at = (uint32_t)off,
                .meta = (uint32_t)seconds << 12 | (s ? subjects[s - 1] : C360_INSIGHTS_NO_SUBJECT)};
            visit->n_ev = (uint8_t)(k + 1);
            ids[n_ids++] = id;
        }
        visit_main(ins, visit);
    }
    if ((err = c360_persist_reader_end(r, "owner key", diag)))
        goto fail;
    /* Apply keeps one visit per session and an engagement in one visit. */
    if (!distinct(sessions, n) || !distinct(ids, n_ids)) {
        err = c360_diag_fail(diag, C360_ERR_INVALID, "sessionId",
                             "a session or engagement is stored twice");
        goto fail;
    }
    free(ids);
    party->visits = visits;
    party->n_visits = party->cap_visits = (uint8_t)n;
    return C360_OK;
fail:
    for (uint8_t v = 0; v < n_visits; v++)
        free(visits[v].ev);
    free(visits);
    free(ids);
    return err;
}
