/*
 * Insights state, memory and speed, one core (DESIGN.md §5, §6: ≤ 2 KiB of
 * state per bank customer).
 *
 * Each of N customers is a bank customer as the budget imagines one: a
 * checking, a savings and a credit-card account with a balance every day,
 * one external savings account, and 3 web sessions of 4 page views in the
 * last 30 days. Days are applied in order for 46 days, as the engine would,
 * so pruning runs at its steady state. Then, per customer: the bytes
 * c360_insights_bytes counts, the heap the allocator really gave out
 * (mallinfo2: blocks and their headers), and the CPU time of applies and of
 * one evaluation (summarize + qualifying_visit + next_change). Last, the
 * state in a store (DESIGN.md §6): a flush of everything, as a first commit
 * writes it, into memory, the bytes a customer takes there, and the CPU time
 * of that flush and of a restore from it, as after a restart.
 *
 *   build/release/bench/bench_insights [N]
 *
 * N is customers (default 100,000).
 */
#include "c360/insights.h"
#include "c360/record.h"
#include "c360/time.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAYS 46
#define DUMP_MAX ((size_t)8 << 30) /* the in-memory store's cap */

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void must(enum c360_err err, const char *what)
{
    if (err) {
        fprintf(stderr, "bench_insights: %s: %s\n", what, c360_err_str(err));
        exit(1);
    }
}

/* An in-memory store: items one after another, each db, key length, value
 * length (uint32_t each), key, value. A flush from nothing only puts. */
struct dump {
    unsigned char *buf;
    size_t len, cap, items;
};

static enum c360_err dump_put(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                              const void *val, size_t val_len)
{
    struct dump *d = arg;
    uint32_t head[3] = {(uint32_t)db, (uint32_t)key_len, (uint32_t)val_len};
    size_t need = sizeof(head) + key_len + val_len;
    if (!val)
        return C360_ERR_INVALID;
    if (d->len + need > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : (size_t)1 << 20;
        while (cap < d->len + need)
            cap *= 2;
        if (cap > DUMP_MAX)
            return C360_ERR_LIMIT;
        unsigned char *buf = realloc(d->buf, cap);
        if (!buf)
            return C360_ERR_NOMEM;
        d->buf = buf;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, head, sizeof(head));
    memcpy(d->buf + d->len + sizeof(head), key, key_len);
    memcpy(d->buf + d->len + sizeof(head) + key_len, val, val_len);
    d->len += need;
    d->items++;
    return C360_OK;
}

/* A new state restored from d. */
static struct c360_insights *dump_restore(const struct dump *d,
                                          const struct c360_insights_config *cfg)
{
    struct c360_insights *ins;
    struct c360_diag diag;
    must(c360_insights_new(cfg, &ins, NULL), "new");
    for (size_t at = 0; at < d->len;) {
        uint32_t head[3];
        memcpy(head, d->buf + at, sizeof(head));
        const unsigned char *key = d->buf + at + sizeof(head);
        if (c360_insights_restore(ins, (enum c360_persist_db)head[0], key, head[1], key + head[1],
                                  head[2], &diag)) {
            fprintf(stderr, "bench_insights: restore: %s: %s\n", diag.where, diag.text);
            exit(1);
        }
        at += sizeof(head) + head[1] + head[2];
    }
    must(c360_insights_restore_end(ins, &diag), "restore_end");
    return ins;
}

/* One customer's records of one day; returns how many were applied. */
static long customer_day(struct c360_insights *ins, struct c360_record *rec, long c, int32_t day,
                         int32_t today)
{
    static const enum c360_account_type types[3] = {C360_ACCOUNT_CHECKING, C360_ACCOUNT_SAVINGS,
                                                    C360_ACCOUNT_CREDIT_CARD};
    char party[24], account[32], id[64], session[48];
    long applied = 0;
    int64_t start = (int64_t)day * C360_MS_PER_DAY;
    snprintf(party, sizeof(party), "GP-%08ld", c);
    for (int k = 0; k < 3; k++) {
        snprintf(account, sizeof(account), "ACC-%08ld-%d", c, k);
        c360_record_reset(rec, C360_ENTITY_FINANCIAL_ACCOUNT);
        rec->change = C360_CHANGE_UPSERT;
        rec->occurred_at = start + 20 * 3600000;
        rec->global_party_id = party;
        struct c360_financial_account *fa = &rec->as.account;
        fa->global_account_id = account;
        fa->account_type = types[k];
        fa->status = C360_STATUS_OPEN;
        fa->opened_date = today - 1000 - (int32_t)(c % 3000);
        fa->balance.minor = 100000 * (k + 1) + day % 13;
        memcpy(fa->balance.currency, "USD", 4);
        fa->balance_as_of = start + 18 * 3600000;
        must(c360_insights_apply(ins, rec, NULL, day, NULL, NULL), "account");
        applied++;
    }
    if (day == today - 20) {
        snprintf(id, sizeof(id), "EXT-%08ld", c);
        c360_record_reset(rec, C360_ENTITY_EXTERNAL_ACCOUNT);
        rec->change = C360_CHANGE_UPSERT;
        rec->occurred_at = start;
        rec->global_party_id = party;
        rec->as.external.external_account_id = id;
        rec->as.external.account_type = C360_ACCOUNT_SAVINGS;
        rec->as.external.status = C360_STATUS_OPEN;
        rec->as.external.average_daily_balance.minor = 2500000;
        memcpy(rec->as.external.average_daily_balance.currency, "USD", 4);
        rec->as.external.as_of = start;
        must(c360_insights_apply(ins, rec, NULL, day, NULL, NULL), "external");
        applied++;
    }
    if (day == today - 25 || day == today - 12 || day == today - 3) {
        snprintf(session, sizeof(session), "sess-%08ld-%d", c, day);
        for (int k = 0; k < 4; k++) {
            snprintf(id, sizeof(id), "%s-%d", session, k);
            c360_record_reset(rec, C360_ENTITY_WEB_ENGAGEMENT);
            rec->change = C360_CHANGE_UPSERT;
            rec->occurred_at = start + 12 * 3600000 + k * 120000;
            rec->global_party_id = party;
            rec->as.web.engagement_id = id;
            rec->as.web.session_id = session;
            rec->as.web.subject = k % 2 ? "real_estate" : "savings";
            rec->as.web.duration_seconds = 400;
            must(c360_insights_apply(ins, rec, party, day, NULL, NULL), "web");
            applied++;
        }
    }
    return applied;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    if (n <= 0) {
        fprintf(stderr, "usage: bench_insights [customers]\n");
        return 2;
    }
    int32_t today = c360_date_from_civil(2026, 6, 15);
    struct c360_insights_config cfg = {.currency = "USD",
                                       .parties_max = (size_t)n,
                                       .accounts_max = 3 * (size_t)n,
                                       .externals_max = (size_t)n,
                                       .visit_days_max = 30};
    struct c360_insights *ins;
    struct c360_record *rec;
    /* The record's pointers are set directly, so its arena never grows:
     * what the heap gains after it exists is the state's. */
    must(c360_record_new(C360_ENTITY_FINANCIAL_ACCOUNT, &rec), "record");
    size_t heap0 = mallinfo2().uordblks;
    must(c360_insights_new(&cfg, &ins, NULL), "new");

    long applied = 0;
    double t0 = cpu_now();
    for (int32_t day = today - DAYS + 1; day <= today; day++) {
        for (long c = 0; c < n; c++)
            applied += customer_day(ins, rec, c, day, today);
    }
    double t_apply = cpu_now() - t0;
    size_t heap = mallinfo2().uordblks - heap0;
    c360_record_destroy(rec);

    struct c360_insights_stats st;
    c360_insights_stats(ins, &st);
    size_t bytes = c360_insights_bytes(ins);

    /* One evaluation per customer, as the engine makes after a change. */
    struct c360_insights_visit_rule rule = {"real_estate", 20, 30};
    uint32_t mm = C360_INSIGHTS_TYPE(C360_ACCOUNT_SAVINGS) |
                  C360_INSIGHTS_TYPE(C360_ACCOUNT_CHECKING) |
                  C360_INSIGHTS_TYPE(C360_ACCOUNT_MONEY_MARKET);
    long members = 0, visiting = 0, tomorrow = 0;
    t0 = cpu_now();
    for (long c = 0; c < n; c++) {
        char party[24];
        snprintf(party, sizeof(party), "GP-%08ld", c);
        const char *keys[1] = {party};
        struct c360_insights_summary sum;
        c360_insights_summarize(ins, keys, 1, today, &sum);
        bool in = sum.tenure_days >= 365 && sum.open_by_type[C360_ACCOUNT_SAVINGS] > 0 &&
                  c360_insights_cmp_avg(c360_insights_adb_sum(&sum, mm), 0, 300000) >= 0 &&
                  sum.open_by_type[C360_ACCOUNT_MONEY_MARKET] == 0;
        members += in;
        visiting += c360_insights_qualifying_visit(ins, keys, 1, today, &rule);
        tomorrow += c360_insights_next_change(ins, keys, 1, today, &rule, 1) == today + 1;
    }
    double t_eval = cpu_now() - t0;

    struct dump dump = {0};
    struct c360_persist_sink sink = {dump_put, &dump};
    t0 = cpu_now();
    must(c360_insights_persist(ins, &sink), "persist");
    c360_insights_persisted(ins);
    double t_persist = cpu_now() - t0;
    t0 = cpu_now();
    struct c360_insights *back = dump_restore(&dump, &cfg);
    double t_restore = cpu_now() - t0;
    struct c360_insights_stats bst;
    c360_insights_stats(back, &bst);
    if (bst.parties != st.parties || bst.accounts != st.accounts || bst.visits != st.visits ||
        bst.engagements != st.engagements || bst.balances != st.balances) {
        fprintf(stderr, "bench_insights: the restored state differs\n");
        return 1;
    }
    c360_insights_destroy(back);
    free(dump.buf);

    printf("customers %ld: %zu accounts, %zu external, %zu visits of %zu engagements, "
           "%zu balance days\n",
           n, st.accounts, st.externals, st.visits, st.engagements, st.balances);
    printf("state: %zu bytes counted (%.0f per customer)", bytes, (double)bytes / n);
    if (heap)
        printf(", %zu heap bytes in use (%.0f per customer, allocator headers included)\n", heap,
               (double)heap / n);
    else
        printf("; heap not measurable (a sanitizer's allocator)\n");
    printf("apply: %ld records in %.2f s CPU (%.0f/s)\n", applied, t_apply, applied / t_apply);
    printf("evaluate: %ld customers in %.2f s CPU (%.0f/s; summarize, a visit rule, next_change):"
           " %ld in cross_sell_money_market, %ld with a qualifying visit, %ld due tomorrow\n",
           n, t_eval, n / t_eval, members, visiting, tomorrow);
    printf("store: %zu items, %zu bytes of keys and values (%.0f per customer); flush %.2f s CPU"
           " (%.0f items/s), restore %.2f s CPU (%.0f items/s)\n",
           dump.items, dump.len - dump.items * 3 * sizeof(uint32_t),
           (double)(dump.len - dump.items * 3 * sizeof(uint32_t)) / n, t_persist,
           dump.items / t_persist, t_restore, dump.items / t_restore);
    c360_insights_destroy(ins);
    return 0;
}
