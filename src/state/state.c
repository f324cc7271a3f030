/*
 * c360 state — the LMDB store (see state.h).
 *
 * One environment, C360_DB_COUNT named databases and a lock file. LMDB
 * already allows one writer at a time inside an environment; the lock file
 * (flock, released by the kernel when the process dies, so a crash never
 * leaves it stale) keeps a second processor from interleaving its batches
 * with ours in the same directory.
 */
#include "c360/state.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_KEY "format" /* in the meta database: C360_PERSIST_VERSION */
/* LMDB's largest key is 511 bytes as Debian builds it; record ids may be
 * longer. A longer key is stored as its first LONG_PREFIX bytes, a NUL and
 * the 16 hex digits of its FNV-1a 64 hash (LONG_KEY_LEN bytes in all), with
 * the whole key written before the value. A short key of that very shape is
 * refused, so the two are never confused. */
#define KEY_MAX 511
#define LONG_PREFIX 400
#define LONG_KEY_LEN (LONG_PREFIX + 17)

static bool long_shaped(const void *key, size_t key_len)
{
    return key_len == LONG_KEY_LEN && ((const char *)key)[LONG_PREFIX] == '\0';
}

struct c360_state {
    MDB_env *env;
    MDB_dbi dbi[C360_DB_COUNT];
    MDB_txn *txn; /* the write in progress */
    uint64_t map_size, map_max;
    int lock_fd;
    bool read_only;
    int put_rc;    /* the LMDB error of the last failed put */
    uint8_t *wrap; /* a long key's value: the key's length, the key, the value */
    size_t wrap_cap;
};

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* The stored key of a long key, into buf[LONG_PREFIX + 17]. */
static size_t long_key(const void *key, size_t key_len, char *buf)
{
    memcpy(buf, key, LONG_PREFIX);
    buf[LONG_PREFIX] = '\0';
    uint64_t hash = fnv1a(key, key_len);
    for (int i = 0; i < 16; i++) /* 16 hex digits, no terminator: the key ends here */
        buf[LONG_PREFIX + 1 + i] = "0123456789abcdef"[(hash >> (60 - 4 * i)) & 0xf];
    return LONG_PREFIX + 17;
}

static enum c360_err lmdb_fail(struct c360_diag *diag, int rc, const char *what)
{
    enum c360_err err = rc == MDB_MAP_FULL ? C360_ERR_LIMIT
                        : rc == ENOMEM     ? C360_ERR_NOMEM
                                           : C360_ERR_IO;
    return c360_diag_fail(diag, err, NULL, "%s: %s", what, mdb_strerror(rc));
}

static enum c360_err lock_dir(struct c360_state *st, const char *dir, struct c360_diag *diag)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/c360.lock", dir) >= sizeof(path))
        return c360_diag_fail(diag, C360_ERR_INVALID, "state.dir", "path too long");
    st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (st->lock_fd < 0)
        return c360_diag_fail(diag, C360_ERR_IO, "state.dir", "cannot open %s: %s", path,
                              strerror(errno));
    if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return c360_diag_fail(diag, C360_ERR_IO, "state.dir",
                              "%s is in use by another c360 process (%s)", dir, strerror(errno));
    return C360_OK;
}

/* Opens the named databases, and checks (or, in a new store, writes) the
 * format version. */
static enum c360_err open_dbs(struct c360_state *st, struct c360_diag *diag)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, st->read_only ? MDB_RDONLY : 0, &txn);
    if (rc)
        return lmdb_fail(diag, rc, "cannot begin a transaction");
    for (int db = 0; db < C360_DB_COUNT && !rc; db++)
        rc = mdb_dbi_open(txn, c360_persist_db_name((enum c360_persist_db)db),
                          st->read_only ? 0 : MDB_CREATE, &st->dbi[db]);
    if (rc) {
        mdb_txn_abort(txn);
        if (rc == MDB_NOTFOUND)
            return c360_diag_fail(diag, C360_ERR_NOT_FOUND, "state.dir",
                                  "no c360 state store there yet");
        return lmdb_fail(diag, rc, "cannot open the databases");
    }
    MDB_val key = {strlen(FORMAT_KEY), FORMAT_KEY}, val;
    rc = mdb_get(txn, st->dbi[C360_DB_META], &key, &val);
    if (rc == MDB_NOTFOUND && !st->read_only) {
        uint8_t version = C360_PERSIST_VERSION;
        val = (MDB_val){1, &version};
        rc = mdb_put(txn, st->dbi[C360_DB_META], &key, &val, 0);
        if (!rc)
            return (rc = mdb_txn_commit(txn)) ? lmdb_fail(diag, rc, "cannot create the store")
                                              : C360_OK;
    } else if (!rc && (val.mv_size != 1 || *(const uint8_t *)val.mv_data != C360_PERSIST_VERSION)) {
        unsigned found = val.mv_size ? *(const uint8_t *)val.mv_data : 0;
        mdb_txn_abort(txn);
        return c360_diag_fail(diag, C360_ERR_MISMATCH, "state.dir",
                              "the store holds state format %u and this build reads %u: "
                              "move it away to rebuild the state from the input topics",
                              found, C360_PERSIST_VERSION);
    }
    if (rc && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return lmdb_fail(diag, rc, "cannot read the store's format");
    }
    /* Read-only, or a store that already has its format. Committing (not
     * aborting) keeps the database handles open for later transactions. */
    if ((rc = mdb_txn_commit(txn)))
        return lmdb_fail(diag, rc, "cannot open the databases");
    return C360_OK;
}

enum c360_err c360_state_open(const struct c360_state_opts *opts, struct c360_state **out,
                              struct c360_diag *diag)
{
    enum c360_err err;
    int rc;
    struct c360_state *st = calloc(1, sizeof(*st));
    if (!st)
        return C360_ERR_NOMEM;
    st->lock_fd = -1;
    st->read_only = opts->read_only;
    st->map_size = opts->map_size;
    st->map_max = opts->map_max < opts->map_size ? opts->map_size : opts->map_max;
    if (!opts->read_only && mkdir(opts->dir, 0755) != 0 && errno != EEXIST) {
        err = c360_diag_fail(diag, C360_ERR_IO, "state.dir", "cannot create %s: %s", opts->dir,
                             strerror(errno));
        goto fail;
    }
    if (!opts->read_only && (err = lock_dir(st, opts->dir, diag)))
        goto fail;
    unsigned flags = MDB_NOTLS | (opts->read_only ? MDB_RDONLY : 0) | (opts->sync ? 0 : MDB_NOSYNC);
    if ((rc = mdb_env_create(&st->env)) || (rc = mdb_env_set_maxdbs(st->env, C360_DB_COUNT)) ||
        (rc = mdb_env_set_mapsize(st->env, (size_t)st->map_size)) ||
        (rc = mdb_env_open(st->env, opts->dir, flags, 0644))) {
        err = rc == ENOENT ? c360_diag_fail(diag, C360_ERR_NOT_FOUND, "state.dir",
                                            "no c360 state store in %s", opts->dir)
                           : lmdb_fail(diag, rc, "cannot open the state store");
        goto fail;
    }
    /* Another process may have grown the map: adopt its size. */
    MDB_envinfo info;
    mdb_env_info(st->env, &info);
    if (info.me_mapsize > st->map_size)
        st->map_size = info.me_mapsize;
    if ((err = open_dbs(st, diag)))
        goto fail;
    *out = st;
    return C360_OK;
fail:
    c360_state_close(st);
    return err;
}

void c360_state_close(struct c360_state *st)
{
    if (!st)
        return;
    if (st->txn)
        mdb_txn_abort(st->txn);
    if (st->env)
        mdb_env_close(st->env);
    if (st->lock_fd >= 0)
        close(st->lock_fd); /* releases the flock */
    free(st->wrap);
    free(st);
}

/* A read transaction, adopting a map another process grew. */
static int begin_read(struct c360_state *st, MDB_txn **txn)
{
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
    if (rc == MDB_MAP_RESIZED && !(rc = mdb_env_set_mapsize(st->env, 0)))
        rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
    return rc;
}

enum c360_err c360_state_load(struct c360_state *st, c360_state_item_fn fn, void *arg,
                              struct c360_diag *diag)
{
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    enum c360_err err = C360_OK;
    int rc = begin_read(st, &txn);
    if (rc)
        return lmdb_fail(diag, rc, "cannot read the state store");
    for (int db = 0; db < C360_DB_COUNT && !err; db++) {
        if ((rc = mdb_cursor_open(txn, st->dbi[db], &cur))) {
            err = lmdb_fail(diag, rc, "cannot read the state store");
            break;
        }
        MDB_val key, val;
        for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); !rc && !err;
             rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
            if (db == C360_DB_META && key.mv_size == strlen(FORMAT_KEY) &&
                memcmp(key.mv_data, FORMAT_KEY, key.mv_size) == 0)
                continue; /* the store's, not a module's */
            if (long_shaped(key.mv_data, key.mv_size)) {
                /* A long key: the whole of it leads the value. */
                const uint8_t *v = val.mv_data;
                uint32_t n = 0;
                if (val.mv_size >= 4)
                    n = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
                if (val.mv_size < 4 || n > val.mv_size - 4) {
                    err = c360_diag_fail(diag, C360_ERR_INVALID, NULL,
                                         "a long key's value in %s is corrupt",
                                         c360_persist_db_name((enum c360_persist_db)db));
                    break;
                }
                err = fn(arg, (enum c360_persist_db)db, v + 4, n, v + 4 + n, val.mv_size - 4 - n);
                continue;
            }
            err = fn(arg, (enum c360_persist_db)db, key.mv_data, key.mv_size, val.mv_data,
                     val.mv_size);
        }
        if (!err && rc != MDB_NOTFOUND)
            err = lmdb_fail(diag, rc, "cannot read the state store");
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return err;
}

static enum c360_err sink_put(void *arg, enum c360_persist_db db, const void *key, size_t key_len,
                              const void *val, size_t val_len)
{
    struct c360_state *st = arg;
    char stored[LONG_PREFIX + 17];
    if ((unsigned)db >= C360_DB_COUNT || key_len == 0 || key_len > UINT32_MAX ||
        long_shaped(key, key_len))
        return C360_ERR_INVALID;
    bool is_long = key_len > KEY_MAX;
    MDB_val k = {key_len, (void *)key};
    if (is_long)
        k = (MDB_val){long_key(key, key_len, stored), stored};
    int rc;
    if (val && is_long) {
        size_t need = 4 + key_len + val_len;
        if (need > st->wrap_cap) {
            uint8_t *p = realloc(st->wrap, need);
            if (!p)
                return C360_ERR_NOMEM;
            st->wrap = p;
            st->wrap_cap = need;
        }
        for (int i = 0; i < 4; i++)
            st->wrap[i] = (uint8_t)(key_len >> (24 - 8 * i));
        memcpy(st->wrap + 4, key, key_len);
        memcpy(st->wrap + 4 + key_len, val, val_len);
        MDB_val v = {need, st->wrap};
        rc = mdb_put(st->txn, st->dbi[db], &k, &v, 0);
    } else if (val) {
        MDB_val v = {val_len, (void *)val};
        rc = mdb_put(st->txn, st->dbi[db], &k, &v, 0);
    } else {
        rc = mdb_del(st->txn, st->dbi[db], &k, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    st->put_rc = rc;
    return !rc ? C360_OK : rc == MDB_MAP_FULL ? C360_ERR_LIMIT : C360_ERR_IO;
}

/* Doubles the map, up to map_max; false when it is there already. */
static bool grow(struct c360_state *st)
{
    if (st->map_size >= st->map_max)
        return false;
    uint64_t want = st->map_size * 2 > st->map_max ? st->map_max : st->map_size * 2;
    if (mdb_env_set_mapsize(st->env, (size_t)want))
        return false;
    st->map_size = want;
    return true;
}

enum c360_err c360_state_write(struct c360_state *st,
                               enum c360_err (*write)(void *arg,
                                                      const struct c360_persist_sink *sink),
                               void *arg, struct c360_diag *diag)
{
    struct c360_persist_sink sink = {sink_put, st};
    if (st->read_only)
        return c360_diag_fail(diag, C360_ERR_INVALID, NULL, "the state store is open read-only");
    for (;;) {
        int rc = mdb_txn_begin(st->env, NULL, 0, &st->txn);
        if (rc == MDB_MAP_RESIZED && !(rc = mdb_env_set_mapsize(st->env, 0)))
            rc = mdb_txn_begin(st->env, NULL, 0, &st->txn);
        if (rc) {
            st->txn = NULL;
            return lmdb_fail(diag, rc, "cannot begin a state write");
        }
        st->put_rc = 0;
        enum c360_err err = write(arg, &sink);
        rc = st->put_rc;
        if (!err) {
            rc = mdb_txn_commit(st->txn); /* frees the transaction, failed or not */
            st->txn = NULL;
            if (!rc)
                return C360_OK;
        } else {
            mdb_txn_abort(st->txn);
            st->txn = NULL;
        }
        if (rc == MDB_MAP_FULL && grow(st))
            continue; /* everything again, in a bigger map */
        if (rc)
            return lmdb_fail(diag, rc, "cannot write the state");
        return err;
    }
}

void c360_state_size(struct c360_state *st, uint64_t *used, uint64_t *mapped)
{
    MDB_envinfo info;
    MDB_stat stat;
    mdb_env_info(st->env, &info);
    mdb_env_stat(st->env, &stat);
    *used = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
    *mapped = info.me_mapsize;
}
