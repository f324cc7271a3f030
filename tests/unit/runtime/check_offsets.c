/*
 * Suite runtime: the offsets the processor may commit (src/runtime/offsets.c)
 * — at-least-once bookkeeping, with no broker.
 */
#include "runtime_int.h"

#include "check_runtime.h"

#include <check.h>
#include <string.h>

/* The one offset the commit list holds for topic t partition p, or -2 when
 * the list leaves the partition out. */
static int64_t listed(struct c360_offsets *offs, bool again, const char *t, int32_t p)
{
    rd_kafka_topic_partition_list_t *list;
    ck_assert_int_eq(c360_offsets_commit_list(offs, again, &list), C360_OK);
    int64_t at = -2;
    for (int i = 0; list && i < list->cnt; i++) {
        if (strcmp(list->elems[i].topic, t) == 0 && list->elems[i].partition == p)
            at = list->elems[i].offset;
    }
    if (list)
        rd_kafka_topic_partition_list_destroy(list);
    return at;
}

/* The coordinator accepts (or refuses) offset at for t:p. */
static void answer(struct c360_offsets *offs, const char *t, int32_t p, int64_t at, bool refused)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, t, p)->offset = at;
    ck_assert_uint_eq(c360_offsets_committed(offs, list, refused), refused ? 1 : 0);
    rd_kafka_topic_partition_list_destroy(list);
}

/* Consumes t:p:offset with `outputs` messages queued on its behalf. */
static struct c360_offsets_mark *consume(struct c360_offsets *offs, const char *t, int32_t p,
                                         int64_t offset, int outputs)
{
    struct c360_offsets_mark *mark;
    ck_assert_int_eq(c360_offsets_consume(offs, t, p, offset, &mark), C360_OK);
    for (int i = 0; i < outputs; i++)
        c360_offsets_hold(mark);
    c360_offsets_done(offs, mark, true); /* processed */
    return outputs ? mark : NULL;
}

START_TEST(test_c360_offsets_consume_commits_past_records_without_outputs)
{
    struct c360_offsets *offs;
    ck_assert_int_eq(c360_offsets_new(&offs), C360_OK);
    ck_assert_int_eq(c360_offsets_assign(offs, "in.a", 3), C360_OK);
    ck_assert_int_eq(listed(offs, false, "in.a", 3), -2); /* nothing consumed yet */
    consume(offs, "in.a", 3, 40, 0);
    consume(offs, "in.a", 3, 41, 0);
    ck_assert_uint_eq(c360_offsets_in_flight(offs), 0);
    ck_assert_uint_eq(c360_offsets_uncommitted(offs), 1);
    ck_assert_int_eq(listed(offs, false, "in.a", 3), 42);
    ck_assert_int_eq(listed(offs, false, "in.a", 3), -2); /* asked already */
    answer(offs, "in.a", 3, 42, false);
    ck_assert_uint_eq(c360_offsets_uncommitted(offs), 0);
    ck_assert_int_eq(listed(offs, true, "in.a", 3), -2); /* accepted: not even again */
    c360_offsets_destroy(offs);
}
END_TEST

START_TEST(test_c360_offsets_consume_refuses_partitions_not_owned)
{
    struct c360_offsets *offs;
    struct c360_offsets_mark *mark;
    ck_assert_int_eq(c360_offsets_new(&offs), C360_OK);
    ck_assert_int_eq(c360_offsets_consume(offs, "in.a", 0, 0, &mark), C360_ERR_NOT_FOUND);
    ck_assert_ptr_null(mark);
    ck_assert_int_eq(c360_offsets_assign(offs, "in.a", 0), C360_OK);
    ck_assert_int_eq(c360_offsets_consume(offs, "in.b", 0, 0, &mark), C360_ERR_NOT_FOUND);
    c360_offsets_revoke(offs, "in.a", 0);
    ck_assert_int_eq(c360_offsets_consume(offs, "in.a", 0, 0, &mark), C360_ERR_NOT_FOUND);
    c360_offsets_destroy(offs);
}
END_TEST

START_TEST(test_c360_offsets_done_holds_the_oldest_record_in_flight)
{
    struct c360_offsets *offs;
    ck_assert_int_eq(c360_offsets_new(&offs), C360_OK);
    ck_assert_int_eq(c360_offsets_assign(offs, "in.a", 0), C360_OK);
    ck_assert_int_eq(c360_offsets_assign(offs, "in.b", 0), C360_OK);
    struct c360_offsets_mark *m10 = consume(offs, "in.a", 0, 10, 2);
    consume(offs, "in.a", 0, 11, 0);
    struct c360_offsets_mark *m12 = consume(offs, "in.a", 0, 12, 1);
    consume(offs, "in.b", 0, 5, 0);
    ck_assert_uint_eq(c360_offsets_in_flight(offs), 2);
    ck_assert_int_eq(listed(offs, false, "in.a", 0), 10);
    ck_assert_int_eq(listed(offs, true, "in.b", 0), 6); /* partitions are independent */
    /* The newer record delivered first: the older one still holds. */
    c360_offsets_done(offs, m12, true);
    ck_assert_int_eq(listed(offs, true, "in.a", 0), 10);
    c360_offsets_done(offs, m10, true);
    ck_assert_int_eq(listed(offs, true, "in.a", 0), 10); /* one of two outputs */
    c360_offsets_done(offs, m10, true);
    ck_assert_int_eq(listed(offs, true, "in.a", 0), 13);
    ck_assert_uint_eq(c360_offsets_in_flight(offs), 0);
    c360_offsets_destroy(offs);
}
END_TEST

START_TEST(test_c360_offsets_done_pins_the_partition_at_a_failure)
{
    struct c360_offsets *offs;
    ck_assert_int_eq(c360_offsets_new(&offs), C360_OK);
    ck_assert_int_eq(c360_offsets_assign(offs, "in.a", 0), C360_OK);
    struct c360_offsets_mark *m0 = consume(offs, "in.a", 0, 0, 2);
    struct c360_offsets_mark *m1 = consume(offs, "in.a", 0, 1, 1);
    c360_offsets_done(offs, m0, false);
    c360_offsets_done(offs, m0, true);
    c360_offsets_done(offs, m1, true);
    consume(offs, "in.a", 0, 2, 0);
    ck_assert_int_eq(listed(offs, true, "in.a", 0), 0);
    ck_assert_uint_eq(c360_offsets_in_flight(offs), 1);
    c360_offsets_destroy(offs); /* frees the pinned mark */
}
END_TEST

START_TEST(test_c360_offsets_revoke_orphans_the_marks_in_flight)
{
    struct c360_offsets *offs;
    const char *topic;
    int32_t partition;
    int64_t offset;
    ck_assert_int_eq(c360_offsets_new(&offs), C360_OK);
    ck_assert_int_eq(c360_offsets_assign(offs, "in.a", 1), C360_OK);
    struct c360_offsets_mark *m7 = consume(offs, "in.a", 1, 7, 1);
    struct c360_offsets_mark *m8 = consume(offs, "in.a", 1, 8, 1);
    c360_offsets_position(m7, &topic, &partition, &offset);
    ck_assert_str_eq(topic, "in.a");
    ck_assert_int_eq(partition, 1);
    ck_assert_int_eq(offset, 7);
    c360_offsets_revoke(offs, "in.a", 1);
    ck_assert_int_eq(listed(offs, true, "in.a", 1), -2);
    c360_offsets_position(m7, &topic, &partition, &offset);
    ck_assert_str_eq(topic, "-");
    /* Owned again: the stale marks gate nothing; a new record does. */
    ck_assert_int_eq(c360_offsets_assign(offs, "in.a", 1), C360_OK);
    ck_assert_int_eq(listed(offs, true, "in.a", 1), -2);
    consume(offs, "in.a", 1, 30, 0);
    ck_assert_int_eq(listed(offs, true, "in.a", 1), 31);
    c360_offsets_done(offs, m8, true); /* late reports free them */
    c360_offsets_done(offs, m7, false);
    ck_assert_uint_eq(c360_offsets_in_flight(offs), 0);
    ck_assert_int_eq(listed(offs, true, "in.a", 1), 31);
    c360_offsets_destroy(offs);
}
END_TEST

START_TEST(test_c360_offsets_committed_asks_again_after_a_refusal)
{
    struct c360_offsets *offs;
    ck_assert_int_eq(c360_offsets_new(&offs), C360_OK);
    ck_assert_int_eq(c360_offsets_assign(offs, "in.a", 0), C360_OK);
    consume(offs, "in.a", 0, 0, 0);
    ck_assert_int_eq(listed(offs, false, "in.a", 0), 1);
    answer(offs, "in.a", 0, 1, true);
    ck_assert_uint_eq(c360_offsets_uncommitted(offs), 1);
    ck_assert_int_eq(listed(offs, false, "in.a", 0), 1);
    /* A refusal without a list: every partition is asked for again. */
    ck_assert_uint_eq(c360_offsets_committed(offs, NULL, true), 1);
    ck_assert_int_eq(listed(offs, false, "in.a", 0), 1);
    answer(offs, "in.a", 0, 1, false);
    ck_assert_uint_eq(c360_offsets_uncommitted(offs), 0);
    /* An answer for a partition never tracked is ignored. */
    answer(offs, "in.z", 9, 5, false);
    c360_offsets_destroy(offs);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc = tcase_create("c360_offsets_consume");
    tcase_add_test(tc, test_c360_offsets_consume_commits_past_records_without_outputs);
    tcase_add_test(tc, test_c360_offsets_consume_refuses_partitions_not_owned);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_offsets_done");
    tcase_add_test(tc, test_c360_offsets_done_holds_the_oldest_record_in_flight);
    tcase_add_test(tc, test_c360_offsets_done_pins_the_partition_at_a_failure);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_offsets_revoke");
    tcase_add_test(tc, test_c360_offsets_revoke_orphans_the_marks_in_flight);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_offsets_committed");
    tcase_add_test(tc, test_c360_offsets_committed_asks_again_after_a_refusal);
    suite_add_tcase(s, tc);
    c360_check_metrics_add(s);
    c360_check_decode_add(s);
    return s;
}
