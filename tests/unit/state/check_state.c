/*
 * Suite state: the LMDB store (src/state/state.c) — what one write puts is
 * loaded back, database by database; a failed write stores nothing; a full
 * map grows and the write is done again; a second writer of a directory is
 * refused while readers are not; a store of another format is refused.
 */
#include "c360/state.h"

#include "../test_util.h"

#include <check.h>
#include <lmdb.h>

Suite *c360_test_suite(void);
#include <string.h>

#define MIB (1024u * 1024u)

/* What load gave back, flattened to "db/key=val;" text. */
struct seen {
    char text[8192];
    size_t items;
};

static enum c360_err collect(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                             const void *val, size_t val_len)
{
    struct seen *s = arg;
    size_t len = strlen(s->text);
    snprintf(s->text + len, sizeof(s->text) - len, "%s/%.*s=%.*s;", c360_persist_db_name(db),
             (int)key_len, (const char *)key, (int)val_len, (const char *)val);
    s->items++;
    return C360_OK;
}

/* One item to write; val NULL deletes. */
struct item {
    enum c360_persist_db db;
    const char *key, *val;
};

struct items {
    const struct item *v;
    size_t n;
    enum c360_err fail_with; /* returned after the puts, to test aborts */
    int calls;
};

static enum c360_err put_items(void *arg, const struct c360_persist_sink *sink)
{
    struct items *it = arg;
    it->calls++;
    for (size_t i = 0; i < it->n; i++) {
        const char *val = it->v[i].val;
        enum c360_err err = c360_persist_put(sink, it->v[i].db, it->v[i].key, strlen(it->v[i].key),
                                             val, val ? strlen(val) : 0);
        if (err)
            return err;
    }
    return it->fail_with;
}

static struct c360_state *open_store(const char *dir, bool read_only)
{
    struct c360_state_opts opts = {dir, MIB, 64 * MIB, read_only, false};
    struct c360_state *st = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_msg(c360_state_open(&opts, &st, &diag) == C360_OK, "%s", diag.text);
    return st;
}

static void load_all(struct c360_state *st, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    ck_assert_int_eq(c360_state_load(st, collect, s, NULL), C360_OK);
}

START_TEST(test_c360_state_write_is_loaded_back_in_database_order)
{
    char dir[64];
    test_make_dir(dir, sizeof(dir));
    struct c360_state *st = open_store(dir, false);
    static const struct item first[] = {
        {C360_DB_OFFSETS, "in:0", "\x01\x05"},
        {C360_DB_IDENTITY, "fsc:2", "b"},
        {C360_DB_IDENTITY, "fsc:1", "a"},
        {C360_DB_META, "engine", "m"},
        {C360_DB_TIMERS, "t", "x"},
    };
    struct items it = {first, 5, C360_OK, 0};
    ck_assert_int_eq(c360_state_write(st, put_items, &it, NULL), C360_OK);
    struct seen s;
    load_all(st, &s);
    ck_assert_str_eq(s.text, "meta/engine=m;identity/fsc:1=a;identity/fsc:2=b;timers/t=x;"
                             "offsets/in:0=\x01\x05;");

    /* A delete, a replaced value, a delete of what is not there. */
    static const struct item second[] = {
        {C360_DB_IDENTITY, "fsc:1", NULL},
        {C360_DB_TIMERS, "t", "y"},
        {C360_DB_PROFILES, "none", NULL},
    };
    struct items it2 = {second, 3, C360_OK, 0};
    ck_assert_int_eq(c360_state_write(st, put_items, &it2, NULL), C360_OK);
    c360_state_close(st);

    st = open_store(dir, false); /* reopened: what was committed is there */
    load_all(st, &s);
    ck_assert_str_eq(s.text, "meta/engine=m;identity/fsc:2=b;timers/t=y;offsets/in:0=\x01\x05;");
    c360_state_close(st);
    test_remove_dir(dir);
}
END_TEST

START_TEST(test_c360_state_write_that_fails_stores_nothing)
{
    char dir[64];
    test_make_dir(dir, sizeof(dir));
    struct c360_state *st = open_store(dir, false);
    static const struct item items[] = {{C360_DB_IDENTITY, "fsc:1", "a"},
                                        {C360_DB_OFFSETS, "in:0", "9"}};
    struct items it = {items, 2, C360_ERR_NOMEM, 0};
    ck_assert_int_eq(c360_state_write(st, put_items, &it, NULL), C360_ERR_NOMEM);
    struct seen s;
    load_all(st, &s);
    ck_assert_uint_eq(s.items, 0);

    /* An empty key is refused, and nothing of that write is stored either. */
    static const struct item bad[] = {{C360_DB_IDENTITY, "fsc:1", "a"},
                                      {C360_DB_IDENTITY, "", "a"}};
    struct items it2 = {bad, 2, C360_OK, 0};
    ck_assert_int_eq(c360_state_write(st, put_items, &it2, NULL), C360_ERR_INVALID);
    load_all(st, &s);
    ck_assert_uint_eq(s.items, 0);
    c360_state_close(st);
    test_remove_dir(dir);
}
END_TEST

/* Writes n values of size bytes each, keys "k<i>". */
struct bulk {
    size_t n, size;
    int calls;
};

static enum c360_err put_bulk(void *arg, const struct c360_persist_sink *sink)
{
    struct bulk *b = arg;
    static char val[4096];
    memset(val, 'v', sizeof(val));
    b->calls++;
    for (size_t i = 0; i < b->n; i++) {
        char key[32];
        int len = snprintf(key, sizeof(key), "k%06zu", i);
        enum c360_err err =
            c360_persist_put(sink, C360_DB_INSIGHTS, key, (size_t)len, val, b->size);
        if (err)
            return err;
    }
    return C360_OK;
}

START_TEST(test_c360_state_write_grows_a_full_map)
{
    char dir[64];
    test_make_dir(dir, sizeof(dir));
    struct c360_state *st = open_store(dir, false);
    uint64_t used, mapped;
    c360_state_size(st, &used, &mapped);
    ck_assert_uint_eq(mapped, MIB);
    struct bulk b = {2000, 2000, 0}; /* 4 MB of values: past the first map */
    ck_assert_int_eq(c360_state_write(st, put_bulk, &b, NULL), C360_OK);
    ck_assert_int_gt(b.calls, 1);
    c360_state_size(st, &used, &mapped);
    ck_assert_uint_gt(mapped, 4 * MIB);
    ck_assert_uint_ge(used, 4 * MIB);
    struct seen s;
    memset(&s, 0, sizeof(s));
    c360_state_close(st);

    /* Past map_max: refused, and the store keeps what it had. */
    st = open_store(dir, false);
    struct bulk big = {40000, 2000, 0}; /* 80 MB > 64 MiB */
    struct c360_diag diag;
    ck_assert_int_eq(c360_state_write(st, put_bulk, &big, &diag), C360_ERR_LIMIT);
    size_t n = 0;
    ck_assert_int_eq(c360_state_load(st, collect, &s, NULL), C360_OK);
    n = s.items;
    ck_assert_uint_eq(n, 2000);
    c360_state_close(st);
    test_remove_dir(dir);
}
END_TEST

START_TEST(test_c360_state_open_refuses_a_second_writer_not_readers)
{
    char dir[64];
    test_make_dir(dir, sizeof(dir));
    struct c360_state *st = open_store(dir, false);
    struct c360_state_opts opts = {dir, MIB, MIB, false, false};
    struct c360_state *other = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_state_open(&opts, &other, &diag), C360_ERR_IO);
    ck_assert_ptr_nonnull(strstr(diag.text, "in use"));

    static const struct item items[] = {{C360_DB_PROFILES, "7", "p"}};
    struct items it = {items, 1, C360_OK, 0};
    ck_assert_int_eq(c360_state_write(st, put_items, &it, NULL), C360_OK);
    struct c360_state *reader = open_store(dir, true);
    struct seen s;
    load_all(reader, &s);
    ck_assert_str_eq(s.text, "profiles/7=p;");
    ck_assert_int_eq(c360_state_write(reader, put_items, &it, NULL), C360_ERR_INVALID);
    c360_state_close(reader);
    c360_state_close(st);

    /* The writer gone, the directory is free again. */
    st = open_store(dir, false);
    c360_state_close(st);
    test_remove_dir(dir);
}
END_TEST

START_TEST(test_c360_state_open_refuses_another_format)
{
    char dir[64];
    test_make_dir(dir, sizeof(dir));
    c360_state_close(open_store(dir, false));

    /* Rewrite the format byte behind the store's back. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, C360_DB_COUNT), 0);
    ck_assert_int_eq(mdb_env_open(env, dir, 0, 0644), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    MDB_val key = {6, "format"}, val = {1, "\x63"};
    ck_assert_int_eq(mdb_put(txn, dbi, &key, &val, 0), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    struct c360_state_opts opts = {dir, MIB, MIB, false, false};
    struct c360_state *st = NULL;
    struct c360_diag diag;
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_state_open(&opts, &st, &diag), C360_ERR_MISMATCH);
    ck_assert_ptr_nonnull(strstr(diag.text, "format 99"));
    test_remove_dir(dir);

    /* A reader of a directory with no store. */
    opts.read_only = true;
    ck_assert_int_eq(c360_state_open(&opts, &st, &diag), C360_ERR_NOT_FOUND);
}
END_TEST

/* Writes (or, for a negative n, deletes) the item whose key is 600 bytes
 * ending in the digit |n|: two such keys share their first 599 bytes. */
static enum c360_err put_long(void *arg, const struct c360_persist_sink *sink)
{
    int n = *(int *)arg;
    char key[600];
    memset(key, 'k', sizeof(key));
    key[599] = (char)('0' + (n < 0 ? -n : n));
    return c360_persist_put(sink, C360_DB_RECORDS, key, sizeof(key), n < 0 ? NULL : "v",
                            n < 0 ? 0 : 1);
}

static enum c360_err long_seen(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                               const void *val, size_t val_len)
{
    size_t *n = arg;
    ck_assert_int_eq(db, C360_DB_RECORDS);
    ck_assert_uint_eq(key_len, 600);
    ck_assert_int_eq(((const char *)key)[0], 'k');
    ck_assert_uint_eq(val_len, 1);
    ck_assert_int_eq(*(const char *)val, 'v');
    (*n)++;
    return C360_OK;
}

/* A binary key with NUL bytes (the timer index's). */
static enum c360_err put_binary(void *arg, const struct c360_persist_sink *sink)
{
    (void)arg;
    static const uint8_t key[12] = {0x80, 0, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    return c360_persist_put(sink, C360_DB_TIMERS, key, sizeof(key), "\x01", 1);
}

START_TEST(test_c360_state_write_keeps_binary_keys)
{
    char dir[64];
    test_make_dir(dir, sizeof(dir));
    struct c360_state *st = open_store(dir, false);
    ck_assert_int_eq(c360_state_write(st, put_binary, NULL, NULL), C360_OK);
    struct seen s;
    load_all(st, &s);
    ck_assert_uint_eq(s.items, 1);
    c360_state_close(st);
    test_remove_dir(dir);
}
END_TEST

START_TEST(test_c360_state_write_keeps_keys_longer_than_lmdb_allows)
{
    char dir[64];
    test_make_dir(dir, sizeof(dir));
    struct c360_state *st = open_store(dir, false);
    int one = 1, two = 2, gone = -1;
    ck_assert_int_eq(c360_state_write(st, put_long, &one, NULL), C360_OK);
    ck_assert_int_eq(c360_state_write(st, put_long, &two, NULL), C360_OK);
    ck_assert_int_eq(c360_state_write(st, put_long, &two, NULL), C360_OK); /* replaced */
    size_t n = 0;
    ck_assert_int_eq(c360_state_load(st, long_seen, &n, NULL), C360_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(c360_state_write(st, put_long, &gone, NULL), C360_OK);
    n = 0;
    ck_assert_int_eq(c360_state_load(st, long_seen, &n, NULL), C360_OK);
    ck_assert_uint_eq(n, 1);
    c360_state_close(st);
    test_remove_dir(dir);
}
END_TEST

Suite *c360_test_suite(void)
{
    Suite *s = suite_create("state");
    TCase *tc = tcase_create("c360_state_write");
    tcase_add_test(tc, test_c360_state_write_is_loaded_back_in_database_order);
    tcase_add_test(tc, test_c360_state_write_that_fails_stores_nothing);
    tcase_add_test(tc, test_c360_state_write_grows_a_full_map);
    tcase_add_test(tc, test_c360_state_write_keeps_keys_longer_than_lmdb_allows);
    tcase_add_test(tc, test_c360_state_write_keeps_binary_keys);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_state_open");
    tcase_add_test(tc, test_c360_state_open_refuses_a_second_writer_not_readers);
    tcase_add_test(tc, test_c360_state_open_refuses_another_format);
    suite_add_tcase(s, tc);
    return s;
}
