/*
 * Suite runtime: the decode stage (src/runtime/decode.c) — a batch decoded
 * by its own thread, handed over message by message in the order added —
 * and the order a batch is put in first (c360_runtime_sort, run.c).
 */
#include "runtime_int.h"

#include "c360/codec.h"
#include "c360/persist.h"
#include "c360/record.h"
#include "c360/topic.h"

#include "check_runtime.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More messages than the stage keeps decoded ahead, so its ring wraps. */
#define MANY 5000

struct fixture {
    struct c360_topic_set *topics;
    struct c360_codec *codec;
    struct c360_decode *d;
    char **values;
    struct c360_codec_msg *msgs;
    size_t n;
};

/* A canonical transaction whose three ids are %zu. */
#define TRANSACTION                                                                                \
    "{\"eventId\":\"e-tx-%zu\",\"changeType\":\"UPSERT\",\"occurredAt\":\"2026-11-20T09:30:00Z\"," \
    "\"source\":{\"system\":\"snowflake\",\"recordId\":\"TX-%zu\"},\"globalPartyId\":\"gp-1\","    \
    "\"globalTransactionId\":\"TX-%zu\",\"globalAccountId\":\"ACC-1\",\"amount\":{\"amount\":"     \
    "\"1.50\",\"currency\":\"USD\"},\"direction\":\"DEBIT\",\"transactionDate\":\"2026-11-18\","   \
    "\"status\":\"POSTED\"}"

static const struct c360_topic *topic_named(const struct c360_topic_set *set, const char *name)
{
    for (size_t i = 0; i < c360_topic_set_count(set); i++)
        if (strcmp(c360_topic_set_at(set, i)->name, name) == 0)
            return c360_topic_set_at(set, i);
    ck_abort_msg("no topic %s", name);
    return NULL;
}

/* n canonical transactions; every seventh is cut short, which its decoder
 * refuses. */
static void fixture_new(struct fixture *f, size_t n)
{
    struct c360_diag diag;
    *f = (struct fixture){.n = n};
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &f->topics, NULL), C360_OK);
    ck_assert_int_eq(c360_codec_new(topic_named(f->topics, "c360.in.financial-transaction"),
                                    "canonical", &f->codec, &diag),
                     C360_OK);
    ck_assert_int_eq(c360_decode_new(NULL, &f->d), C360_OK);
    f->values = calloc(n, sizeof(*f->values));
    f->msgs = calloc(n, sizeof(*f->msgs));
    ck_assert(f->values && f->msgs);
    for (size_t i = 0; i < n; i++) {
        char buf[1024];
        int len = snprintf(buf, sizeof(buf), TRANSACTION, i, i, i);
        if (i % 7 == 3)
            len /= 2;
        f->values[i] = strndup(buf, (size_t)len);
        f->msgs[i] = (struct c360_codec_msg){
            .topic = "c360.in.financial-transaction",
            .partition = 0,
            .offset = (int64_t)i,
            .timestamp = C360_TIME_NONE,
            .value = f->values[i],
            .len = (size_t)len,
        };
    }
}

static void fixture_free(struct fixture *f)
{
    c360_decode_destroy(f->d);
    c360_codec_destroy(f->codec);
    c360_topic_set_destroy(f->topics);
    for (size_t i = 0; i < f->n; i++)
        free(f->values[i]);
    free(f->values);
    free(f->msgs);
}

/* Adds messages [0, n) with every eleventh skipped, and starts. */
static void batch_start(struct fixture *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(c360_decode_add(f->d, &f->msgs[i], f->codec, i % 11 == 5), C360_OK);
    c360_decode_start(f->d);
}

/* Message i as the stage gave it: skipped, refused, or its one record. */
static void check_message(struct fixture *f, size_t i)
{
    const struct c360_decoded *dec = c360_decode_wait(f->d, i);
    char want[64];
    if (i % 11 == 5) {
        ck_assert(dec->skip);
        ck_assert_uint_eq(dec->n, 0);
        return;
    }
    if (i % 7 == 3) {
        ck_assert_int_ne(dec->err, C360_OK);
        ck_assert_uint_eq(dec->n, 0);
        ck_assert_str_ne(dec->diag.text, "");
        return;
    }
    ck_assert_int_eq(dec->err, C360_OK);
    ck_assert_uint_eq(dec->n, 1);
    snprintf(want, sizeof(want), "e-tx-%zu", i);
    ck_assert_str_eq(c360_decode_part(f->d, dec, 0)->event_id, want);
}

START_TEST(test_c360_decode_wait_gives_each_message_in_the_order_added)
{
    struct fixture f;
    fixture_new(&f, MANY);
    for (int round = 0; round < 2; round++) { /* the stage is reused batch after batch */
        batch_start(&f, MANY);
        for (size_t i = 0; i < MANY; i++)
            check_message(&f, i);
        ck_assert_int_eq(c360_decode_finish(f.d), C360_OK);
    }
    fixture_free(&f);
}
END_TEST

START_TEST(test_c360_decode_finish_stops_a_batch_midway)
{
    struct fixture f;
    fixture_new(&f, MANY);
    batch_start(&f, MANY);
    for (size_t i = 0; i < 10; i++)
        check_message(&f, i);
    /* The thread is ahead, or blocked with the ring full: either way it
     * stops and the next batch starts from its first message. */
    ck_assert_int_eq(c360_decode_finish(f.d), C360_OK);
    batch_start(&f, 100);
    for (size_t i = 0; i < 100; i++)
        check_message(&f, i);
    ck_assert_int_eq(c360_decode_finish(f.d), C360_OK);
    /* A batch never read, then destroyed while the thread decodes. */
    batch_start(&f, MANY);
    fixture_free(&f);
}
END_TEST

static enum c360_err count_item(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                                const void *val, size_t val_len)
{
    (void)key, (void)key_len;
    ck_assert_int_eq(db, C360_DB_CODEC);
    ck_assert(val && val_len > 0); /* a row, not a deletion */
    (*(size_t *)arg)++;
    return C360_OK;
}

START_TEST(test_c360_decode_wait_gives_every_part_of_a_cdc_event)
{
    static const char *const event =
        "{\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":[\"001A\",\"001B\","
        "\"001C\"],\"changeType\":\"CREATE\",\"commitTimestamp\":1795430000000,"
        "\"commitUser\":\"005X\"},\"Name\":{\"FirstName\":\"Jane\",\"LastName\":\"Doe\"},"
        "\"Global_Party_Id__c\":\"GP-1\",\"IsPersonAccount\":true}";
    struct c360_topic_set *topics;
    struct c360_codec *codec;
    struct c360_codec_rows *rows;
    struct c360_decode *d;
    struct c360_diag diag;
    ck_assert_int_eq(c360_topic_set_load_dir(C360_SOURCE_DIR "/topics", &topics, NULL), C360_OK);
    ck_assert_int_eq(
        c360_codec_new(topic_named(topics, "c360.in.individual"), "salesforce-cdc", &codec, &diag),
        C360_OK);
    ck_assert_int_eq(c360_codec_rows_new(16, &rows), C360_OK);
    c360_codec_set_rows(codec, rows);
    ck_assert_int_eq(c360_decode_new(rows, &d), C360_OK);
    struct c360_codec_msg msg = {.topic = "c360.in.individual",
                                 .timestamp = C360_TIME_NONE,
                                 .value = event,
                                 .len = strlen(event)};
    ck_assert_int_eq(c360_decode_add(d, &msg, codec, false), C360_OK);
    c360_decode_start(d);
    const struct c360_decoded *dec = c360_decode_wait(d, 0);
    ck_assert_msg(dec->err == C360_OK, "%s", dec->diag.text);
    ck_assert_uint_eq(dec->n, 3);
    ck_assert_str_eq(c360_decode_part(d, dec, 0)->source_record_id, "001A");
    ck_assert_str_eq(c360_decode_part(d, dec, 1)->source_record_id, "001B");
    ck_assert_str_eq(c360_decode_part(d, dec, 2)->source_record_id, "001C");
    ck_assert_int_eq(c360_decode_finish(d), C360_OK);
    /* The stage's thread kept the rows and staged them for the commit. */
    ck_assert_uint_eq(c360_codec_rows_count(rows), 3);
    size_t items = 0;
    struct c360_persist_sink sink = {count_item, &items};
    ck_assert_int_eq(c360_codec_rows_persist(rows, &sink), C360_OK);
    ck_assert_uint_eq(items, 3);
    c360_decode_destroy(d);
    c360_codec_destroy(codec);
    c360_codec_rows_destroy(rows);
    c360_topic_set_destroy(topics);
}
END_TEST

/* Records as Kafka hands them over: partitions interleaved, topics out of
 * name order, a topic under two handles, consumer errors among them. They
 * come out by topic name, partition and offset, errors first as they came. */
START_TEST(test_c360_runtime_sort_orders_by_topic_partition_offset)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new(); /* no broker: topic handles only */
    ck_assert_int_eq(rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    rd_kafka_conf_t *conf2 = rd_kafka_conf_dup(conf);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)),
               *rk2 = rd_kafka_new(RD_KAFKA_PRODUCER, conf2, errstr, sizeof(errstr));
    ck_assert(rk && rk2);
    /* One client gives one handle per name: a's second one is another's. */
    rd_kafka_topic_t *b = rd_kafka_topic_new(rk, "c360.in.b", NULL),
                     *a = rd_kafka_topic_new(rk, "c360.in.a", NULL),
                     *a2 = rd_kafka_topic_new(rk2, "c360.in.a", NULL);
    ck_assert(a && b && a2 && a != a2);
    static const struct {
        int topic; /* 0: none (an error), 1: a, 2: b, 3: a's other handle */
        int32_t partition;
        int64_t offset;
    } in[] = {{2, 1, 7}, {2, 1, 8}, {1, 3, 5}, {0, 9, 100}, {2, 0, 40}, {1, 0, 2},
              {3, 3, 4}, {2, 1, 6}, {0, 2, 1}, {1, 3, 6},   {2, 0, 39}, {3, 0, 1}};
    static const size_t want[] = {3, 8, 11, 5, 6, 2, 9, 10, 4, 7, 0, 1};
    const size_t n = sizeof(in) / sizeof(in[0]);
    rd_kafka_message_t msgs[sizeof(in) / sizeof(in[0])], *v[sizeof(in) / sizeof(in[0])];
    rd_kafka_topic_t *handles[] = {NULL, a, b, a2};
    for (size_t i = 0; i < n; i++) {
        memset(&msgs[i], 0, sizeof(msgs[i]));
        msgs[i].rkt = handles[in[i].topic];
        msgs[i].err = in[i].topic ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__TRANSPORT;
        msgs[i].partition = in[i].partition;
        msgs[i].offset = in[i].offset;
        v[i] = &msgs[i];
    }
    ck_assert_int_eq(c360_runtime_sort(v, n), C360_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(v[i] == &msgs[want[i]], "place %zu holds record %zu, not %zu", i,
                      (size_t)(v[i] - msgs), want[i]);
    rd_kafka_topic_destroy(a);
    rd_kafka_topic_destroy(a2);
    rd_kafka_topic_destroy(b);
    rd_kafka_destroy(rk);
    rd_kafka_destroy(rk2);
}
END_TEST

/* A reference order for the generated batches below: errors first as they
 * came, then by topic name, partition and offset, and a record that came
 * twice as it came. */
static int ref_cmp(const void *a, const void *b)
{
    const rd_kafka_message_t *x = *(const rd_kafka_message_t *const *)a,
                             *y = *(const rd_kafka_message_t *const *)b;
    if (!x->rkt || !y->rkt) {
        if (x->rkt || y->rkt)
            return x->rkt ? 1 : -1;
        return (int)((const void *)x > (const void *)y) - (int)((const void *)x < (const void *)y);
    }
    int c = strcmp(rd_kafka_topic_name(x->rkt), rd_kafka_topic_name(y->rkt));
    if (c)
        return c;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return (int)((const void *)x > (const void *)y) - (int)((const void *)x < (const void *)y);
}

static uint64_t next_rand(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Batches as a consumer hands them over: runs of one partition's records
 * between other partitions', now and then an error, now and then two
 * records of a partition out of offset order, now and then a record twice;
 * few partitions (sorted by gathering) and more than the gathering takes
 * (sorted by comparisons).
 * Each comes out as the reference order has it. */
START_TEST(test_c360_runtime_sort_matches_a_reference_on_generated_batches)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    ck_assert_int_eq(rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    rd_kafka_conf_t *conf2 = rd_kafka_conf_dup(conf);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)),
               *rk2 = rd_kafka_new(RD_KAFKA_PRODUCER, conf2, errstr, sizeof(errstr));
    ck_assert(rk && rk2);
    /* Two handles of one topic (of two clients: one client gives one per name). */
    rd_kafka_topic_t *handles[] = {rd_kafka_topic_new(rk, "c360.in.web", NULL),
                                   rd_kafka_topic_new(rk, "c360.in.account", NULL),
                                   rd_kafka_topic_new(rk, "c360.in.party", NULL),
                                   rd_kafka_topic_new(rk2, "c360.in.account", NULL)};
    ck_assert(handles[1] != handles[3]);
    enum { N = 6000, TOPICS = 4, PARTS_MAX = 1000 };
    /* With 1000 partitions each run is one record: more partitions in the
     * batch than the gathering takes, so it is sorted by comparisons. */
    static const int32_t partitions[] = {1, 6, 40, 300, PARTS_MAX};
    rd_kafka_message_t *msgs = calloc(N, sizeof(*msgs));
    rd_kafka_message_t **v = malloc(N * sizeof(*v)), **want = malloc(N * sizeof(*want));
    int64_t *next = calloc(TOPICS * PARTS_MAX, sizeof(*next));
    ck_assert(msgs && v && want && next);
    uint64_t rnd = 0x9e3779b97f4a7c15ull;
    for (size_t round = 0; round < 4 * sizeof(partitions) / sizeof(partitions[0]); round++) {
        int32_t parts = partitions[round % (sizeof(partitions) / sizeof(partitions[0]))];
        memset(next, 0, TOPICS * PARTS_MAX * sizeof(*next));
        size_t n = 0;
        while (n < N) {
            size_t t = next_rand(&rnd) % TOPICS,
                   run = parts == PARTS_MAX ? 1 : 1 + next_rand(&rnd) % 40;
            int32_t p = (int32_t)(next_rand(&rnd) % (uint64_t)parts);
            /* Both handles of a topic share its offsets. */
            int64_t *off = &next[(t == 3 ? 1 : t) * PARTS_MAX + (size_t)p];
            for (size_t k = 0; k < run && n < N; k++, n++) {
                rd_kafka_message_t *m = &msgs[n];
                memset(m, 0, sizeof(*m));
                if (next_rand(&rnd) % 97 == 0) {
                    m->err = RD_KAFKA_RESP_ERR__TRANSPORT;
                    m->partition = p;
                    continue;
                }
                m->rkt = handles[t];
                m->partition = p;
                m->offset = (*off)++;
            }
        }
        /* Some records of a partition trade offsets: out of order. */
        for (size_t k = 0; k < 30; k++) {
            size_t i = next_rand(&rnd) % N;
            for (size_t j = i + 1; j < N && j < i + 400; j++) {
                if (msgs[i].rkt && msgs[j].rkt && msgs[j].partition == msgs[i].partition &&
                    strcmp(rd_kafka_topic_name(msgs[i].rkt), rd_kafka_topic_name(msgs[j].rkt)) ==
                        0) {
                    int64_t o = msgs[i].offset;
                    msgs[i].offset = msgs[j].offset;
                    msgs[j].offset = o;
                    break;
                }
            }
        }
        /* Some records come twice, as after a re-assignment: as they came. */
        for (size_t k = 0; k < 10; k++) {
            size_t i = next_rand(&rnd) % (N / 2), j = N / 2 + next_rand(&rnd) % (N / 2);
            if (msgs[i].rkt)
                msgs[j] = msgs[i];
        }
        for (size_t i = 0; i < N; i++)
            v[i] = want[i] = &msgs[i];
        qsort(want, N, sizeof(*want), ref_cmp);
        ck_assert_int_eq(c360_runtime_sort(v, N), C360_OK);
        for (size_t i = 0; i < N; i++)
            ck_assert_msg(v[i] == want[i],
                          "round %zu (%d partitions): place %zu holds record %zu, not %zu", round,
                          parts, i, (size_t)(v[i] - msgs), (size_t)(want[i] - msgs));
    }
    free(next);
    free(want);
    free(v);
    free(msgs);
    for (size_t t = 0; t < TOPICS; t++)
        rd_kafka_topic_destroy(handles[t]);
    rd_kafka_destroy(rk);
    rd_kafka_destroy(rk2);
}
END_TEST

void c360_check_decode_add(Suite *s)
{
    TCase *tc = tcase_create("c360_decode_wait");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_c360_decode_wait_gives_each_message_in_the_order_added);
    tcase_add_test(tc, test_c360_decode_wait_gives_every_part_of_a_cdc_event);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_decode_finish");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_c360_decode_finish_stops_a_batch_midway);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_runtime_sort");
    tcase_add_test(tc, test_c360_runtime_sort_orders_by_topic_partition_offset);
    tcase_add_test(tc, test_c360_runtime_sort_matches_a_reference_on_generated_batches);
    suite_add_tcase(s, tc);
}
