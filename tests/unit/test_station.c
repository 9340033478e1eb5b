/* test_station.c: trust store, custody log and the station directory. */
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/core/file.h"
#include "common/crypto/checkpoint.h"
#include "common/image/qr.h"
#include "common/station/receipt_sign.h"
#include "common/station/custody.h"
#include "common/station/station.h"
#include "common/station/trust.h"

static char tmpdir[256];

static int setup(void **state)
{
    if (crypto_setup(state) != 0)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "%s/airseal-station-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return as_remove_tree(tmpdir, NULL);
}

static char *tmp(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static void trust_store_roundtrip(void **state)
{
    (void)state;
    as_error err = {0};
    as_trust_store ts = {0}, back;
    as_mini_pubkey pk[3];
    as_mini_seckey *sk[3];
    for (int i = 0; i < 3; i++)
        sk[i] = as_mini_keygen(&pk[i], &err);
    assert_int_equal(as_trust_add(&ts, &pk[0], "Field NGO one", &err), 0);
    assert_int_equal(as_trust_add(&ts, &pk[1], "ONG \xc3\xa9quipe 2", &err), 0);
    assert_int_equal(as_trust_add(&ts, &pk[0], "again", &err), -1);
    assert_int_equal(err.code, AS_ERR_EXISTS);
    as_error_clear(&err);
    assert_int_equal(as_trust_add(&ts, &pk[2], "bad\nlabel", &err), -1);
    as_error_clear(&err);
    assert_int_equal(as_trust_save(&ts, tmp("trust.txt"), &err), 0);
    struct stat st;
    assert_int_equal(stat(tmp("trust.txt"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(as_trust_load(&back, tmp("trust.txt"), &err), 0);
    assert_int_equal(back.n, 2);
    assert_string_equal(back.v[1].label, "ONG \xc3\xa9quipe 2");
    assert_non_null(as_trust_find(&back, pk[1].keynum));
    assert_null(as_trust_find(&back, pk[2].keynum));
    assert_int_equal(as_trust_remove(&back, pk[0].keynum, NULL, &err), 0);
    assert_int_equal(as_trust_remove(&back, pk[0].keynum, NULL, &err), -1);
    as_trust_free(&back);
    as_trust_free(&ts);
    for (int i = 0; i < 3; i++)
        as_mini_seckey_free(sk[i]);
}

static void trust_store_rejects_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "# something else\n",
        "# airseal trust store v1\nE7620F1842B4E81F RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0"
        "QTaLn73Y7GFO3\n",
        "# airseal trust store v1\nE7620F1842B4E81E RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0"
        "QTaLn73Y7GFO3 wrong id\n",
        "# airseal trust store v1\nE7620F1842B4E81F RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0"
        "QTaLn73Y7GFO3 ctl\x01char\n",
        "# airseal trust store v1\nE7620F1842B4E81F RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0"
        "QTaLn73Y7GFO3 a\nE7620F1842B4E81F RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7"
        "GFO3 b\n",
        "# airseal trust store v1\nE7620F1842B4E81F RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0"
        "QTaLn73Y7GFO3 no newline",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_error err = {0};
        as_trust_store ts;
        assert_int_equal(as_trust_parse(&ts, (const uint8_t *)bad[i], strlen(bad[i]), &err), -1);
        assert_int_equal(err.code, AS_ERR_FORMAT);
    }
    const char *good = "# airseal trust store v1\n# comment\n\nE7620F1842B4E81F "
                       "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3 Test key\n";
    as_error err = {0};
    as_trust_store ts;
    assert_int_equal(as_trust_parse(&ts, (const uint8_t *)good, strlen(good), &err), 0);
    assert_int_equal(ts.n, 1);
    as_trust_free(&ts);
}

/* The number of entries in the log file at path, verified with pk; -1 when it does not verify. */
static long log_entries(const char *path, const as_mini_pubkey *pk, as_error *err)
{
    as_custody *log;
    if (as_custody_open(&log, path, pk, AS_CUSTODY_READ, NULL, NULL, err) != 0)
        return -1;
    long n = (long)as_custody_count(log);
    as_custody_close(log);
    return n;
}

/* Appends n "import" entries to the log at path through one open handle. */
static void append_n(const char *path, const as_mini_seckey *sk, const as_mini_pubkey *pk,
                     const as_log_field *f, size_t nf, int n, uint64_t *seq)
{
    as_error err = {0};
    as_custody *log;
    if (as_custody_open(&log, path, pk, AS_CUSTODY_APPEND, NULL, NULL, &err) != 0)
        fail_msg("open %s: %s", path, err.msg);
    for (int i = 0; i < n; i++)
        if (as_custody_append(log, sk, "import", f, nf, 2000 + i, seq, &err) != 0)
            fail_msg("append: %s", err.msg);
    as_custody_close(log);
}

/* Trust store lines read with the cursor, each refused with its reason (all AS_ERR_FORMAT). */
static void trust_store_rows(void **state)
{
    (void)state;
#define H "# airseal trust store v1\n"
#define K "E7620F1842B4E81F RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"
    static const struct {
        const char *text, *why;
    } rows[] = {
        {"", "not an airseal trust store (empty file)"},
        {"# airseal trust store v1", "not an airseal trust store (bad first line)"},
        {"# airseal trust store v2\n", "not an airseal trust store (bad first line)"},
        {H K " label", "trust store line 2 is too long or unterminated"},
        {H "\n# c\n" K "\n", "trust store line 4 is malformed"}, /* no label */
        {H K " \n", "trust store line 2 is malformed"},          /* empty label */
        {H K "  two spaces\n", "trust store line 2: bad label or duplicate key"},
        {H "E7620F1842B4E81 RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3 x\n",
         "trust store line 2 is malformed"},
        {H " E7620F1842B4E81F RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3 x\n",
         "trust store line 2 is malformed"},
        {H "E7620F1842B4E81F  RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3 x\n",
         "trust store line 2 is malformed"},
        {H "E7620F1842B4E81G RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3 x\n",
         "trust store line 2 has a malformed key"},
        {H "E7620F1842B4E81F RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO! x\n",
         "trust store line 2 has a malformed key"},
        {H "E7620F1842B4E81E RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3 x\n",
         "trust store line 2: key id does not match the key"},
        {H K " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
         "trust store line 2: label too long"},
        {H K " a\n" K " b\n", "trust store line 3: bad label or duplicate key"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        as_error err = {0};
        as_trust_store ts;
        assert_int_equal(
            as_trust_parse(&ts, (const uint8_t *)rows[i].text, strlen(rows[i].text), &err), -1);
        if (err.code != AS_ERR_FORMAT || strcmp(err.msg, rows[i].why) != 0)
            fail_msg("row %zu: code %d: %s", i, err.code, err.msg);
    }
    /* a label may hold single spaces and the longest label fits */
    const char *good = H K " Field NGO two\n";
    as_error err = {0};
    as_trust_store ts;
    assert_int_equal(as_trust_parse(&ts, (const uint8_t *)good, strlen(good), &err), 0);
    assert_string_equal(ts.v[0].label, "Field NGO two");
    as_trust_free(&ts);
#undef H
#undef K
}

static void custody_chain(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk, other_pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    as_mini_seckey *other = as_mini_keygen(&other_pk, &err);
    char log[512];
    snprintf(log, sizeof log, "%s", tmp("custody.log"));
    as_log_field f[] = {{"station", "X"}, {"note", "spaces and % signs\xc3\xa9"}};
    uint64_t seq = 0, count;
    assert_int_equal(as_custody_create(log, sk, "init", f, 2, 1000, &err), 0);
    assert_int_equal(as_custody_create(log, sk, "init", f, 2, 1000, &err), -1);
    assert_int_equal(err.code, AS_ERR_EXISTS);
    as_error_clear(&err);
    append_n(log, sk, &pk, f, 2, 5, &seq);
    assert_int_equal(seq, 6);
    assert_int_equal(log_entries(log, &pk, &err), 6);
    /* another key neither verifies nor extends it */
    assert_int_equal(log_entries(log, &other_pk, &err), -1);
    as_error_clear(&err);
    as_custody *h;
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_APPEND, NULL, NULL, &err), 0);
    assert_int_equal(as_custody_append(h, other, "import", f, 2, 3000, &seq, &err), -1);
    assert_int_equal(err.code, AS_ERR_INTERNAL);
    as_custody_close(h);
    /* a read-only handle does not append */
    as_error_clear(&err);
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_READ, NULL, NULL, &err), 0);
    assert_int_equal(as_custody_append(h, sk, "import", f, 2, 3000, &seq, &err), -1);
    as_custody_close(h);
    assert_int_equal(log_entries(log, &pk, &err), 6);

    uint8_t *data;
    size_t len;
    as_error_clear(&err);
    assert_int_equal(as_file_read_all(log, 1 << 20, &data, &len, &err), 0);
    /* every single-byte change is caught, naming the entry it is in */
    size_t line = 1;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            line++;
            continue;
        }
        data[i] ^= 0x02;
        as_error_clear(&err);
        assert_int_equal(as_custody_verify(data, len, &pk, NULL, NULL, &count, &err), -1);
        char want[64];
        snprintf(want, sizeof want, "custody log entry %zu ", line);
        if (strstr(err.msg, want) == NULL)
            fail_msg("byte %zu (entry %zu): %s", i, line, err.msg);
        data[i] ^= 0x02;
    }
    /* a removed entry */
    char *second = strchr((char *)data, '\n') + 1;
    char *third = strchr(second, '\n') + 1;
    memmove(second, third, len - (size_t)(third - (char *)data));
    as_error_clear(&err);
    assert_int_equal(
        as_custody_verify(data, len - (size_t)(third - second), &pk, NULL, NULL, &count, &err), -1);
    assert_non_null(strstr(err.msg, "entry 2 "));
    free(data);
    as_mini_seckey_free(sk);
    as_mini_seckey_free(other);
}

/*
 * A crash during an append can leave a torn last line: it never happened. The log verifies
 * without it, and the next append cuts it off and takes its place.
 */
static void custody_torn_tail(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512];
    snprintf(log, sizeof log, "%s", tmp("torn.log"));
    as_log_field f[] = {{"note", "x"}};
    uint64_t seq = 0;
    assert_int_equal(as_custody_create(log, sk, "init", f, 1, 1, &err), 0);
    append_n(log, sk, &pk, f, 1, 2, &seq);
    uint8_t *whole;
    size_t wlen;
    assert_int_equal(as_file_read_all(log, 1 << 20, &whole, &wlen, &err), 0);
    /* a fourth entry torn after 40 bytes (a crash inside its write: no tree record and no
     * checkpoint refer to it; truncating a whole entry is a removal, see custody_tree_tamper) */
    FILE *fp = fopen(log, "ab");
    assert_non_null(fp);
    assert_int_equal(fwrite("4 1970-01-01T00:00:05Z import note=x pre", 1, 40, fp), 40);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(log_entries(log, &pk, &err), 3);
    append_n(log, sk, &pk, f, 1, 1, &seq);
    assert_int_equal(seq, 4);
    assert_int_equal(log_entries(log, &pk, &err), 4);
    uint8_t *after;
    size_t alen;
    assert_int_equal(as_file_read_all(log, 1 << 20, &after, &alen, &err), 0);
    assert_true(alen > wlen + 40);
    assert_memory_equal(after, whole, wlen);
    assert_int_equal(after[alen - 1], '\n');
    free(whole);
    free(after);
    as_mini_seckey_free(sk);
}

/*
 * The log is verified when it is opened, once: appending on the open handle does not read it
 * again. An entry damaged behind the handle's back (nothing does this under the station
 * lock) is found by the next open, not by the appends.
 */
static void custody_verified_once(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512];
    snprintf(log, sizeof log, "%s", tmp("once.log"));
    as_log_field f[] = {{"note", "abc"}};
    assert_int_equal(as_custody_create(log, sk, "init", f, 1, 1, &err), 0);
    as_custody *h;
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_APPEND, NULL, NULL, &err), 0);
    int fd = open(log, O_WRONLY);
    assert_true(fd >= 0);
    const char *pos = "1 1970-01-01T00:00:01Z init note=ab";
    assert_int_equal(pwrite(fd, "X", 1, (off_t)strlen(pos)), 1); /* abc -> abX */
    close(fd);
    uint64_t seq;
    assert_int_equal(as_custody_append(h, sk, "import", f, 1, 2, &seq, &err), 0);
    assert_int_equal(as_custody_append(h, sk, "import", f, 1, 3, &seq, &err), 0);
    assert_int_equal(seq, 3);
    assert_int_equal(as_custody_count(h), 3);
    as_custody_close(h);
    assert_int_equal(log_entries(log, &pk, &err), -1);
    assert_string_equal(err.msg, "custody log entry 1 (line 1): signature does not verify (entry "
                                 "modified)");
    as_mini_seckey_free(sk);
}

/* Malformed entries are refused with their reason: grammar as FORMAT, a broken rule as
 * REJECTED. Each row edits the second line of a valid two-entry log. */
static void custody_malformed_lines(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512];
    snprintf(log, sizeof log, "%s", tmp("rows.log"));
    as_log_field f[] = {{"bundle", "b1"}};
    uint64_t seq;
    assert_int_equal(as_custody_create(log, sk, "init", f, 1, 1, &err), 0);
    append_n(log, sk, &pk, f, 1, 1, &seq);
    uint8_t *data;
    size_t len;
    assert_int_equal(as_file_read_all(log, 1 << 20, &data, &len, &err), 0);
    char *second = strchr((char *)data, '\n') + 1;
    static const struct {
        const char *from, *to; /* replace the first occurrence in line 2 */
        as_errcode code;
        const char *why;
    } rows[] = {
        {"2 ", "02 ", AS_ERR_FORMAT, "malformed sequence number"},
        {"2 ", "x ", AS_ERR_FORMAT, "malformed sequence number"},
        {"2 ", "3 ", AS_ERR_REJECTED,
         "sequence number 3, expected 2 (entry missing, duplicated or moved)"},
        {"T00:33:20Z", "T00:33:20", AS_ERR_FORMAT, "malformed time"},
        {" import ", " Import ", AS_ERR_FORMAT, "malformed event name"},
        {" import ", " import  ", AS_ERR_FORMAT, "malformed field (empty token)"},
        {" bundle=b1", " bundle", AS_ERR_FORMAT, "malformed field"},
        {" bundle=b1", " =b1", AS_ERR_FORMAT, "malformed field"},
        {" bundle=b1", " Bundle=b1", AS_ERR_FORMAT, "too many or malformed field names"},
        {" bundle=b1", " bundle=b%2", AS_ERR_FORMAT, "malformed value of field bundle"},
        {" bundle=b1", " bundle=b 1", AS_ERR_FORMAT, "malformed field"},
        {" prev=", " prev=0", AS_ERR_FORMAT, "missing or malformed prev="},
        {" prev=", " pre=", AS_ERR_FORMAT, "missing or malformed prev="},
        {" sig=", " sig=A", AS_ERR_FORMAT, "missing or malformed sig="},
        {" sig=", " note=x sig=", AS_ERR_FORMAT, "field after prev="},
        {"\n", " more=1\n", AS_ERR_FORMAT, "data after the signature"},
        {"\n", " \n", AS_ERR_FORMAT, "malformed field (empty token)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char edited[8192];
        const char *at = strstr(second, rows[i].from);
        assert_non_null(at);
        size_t head = (size_t)(at - (char *)data);
        snprintf(edited, sizeof edited, "%.*s%s%s", (int)head, (char *)data, rows[i].to,
                 at + strlen(rows[i].from));
        as_error e = {0};
        uint64_t count;
        assert_int_equal(
            as_custody_verify((const uint8_t *)edited, strlen(edited), &pk, NULL, NULL, &count, &e),
            -1);
        char want[300];
        snprintf(want, sizeof want, "custody log entry 2 (line 2): %s", rows[i].why);
        if (e.code != rows[i].code || strcmp(e.msg, want) != 0)
            fail_msg("row %zu: code %d: %s", i, e.code, e.msg);
    }
    /* the chain: a prev naming another line */
    char edited[8192];
    snprintf(edited, sizeof edited, "%s", (char *)data);
    char *prev = strstr(strchr(edited, '\n'), " prev=") + 6;
    prev[0] = prev[0] == 'a' ? 'b' : 'a';
    as_error e = {0};
    assert_int_equal(
        as_custody_verify((const uint8_t *)edited, strlen(edited), &pk, NULL, NULL, NULL, &e), -1);
    assert_int_equal(e.code, AS_ERR_REJECTED);
    assert_non_null(strstr(e.msg, "prev= does not match the previous entry (chain broken)"));
    /* an unterminated line longer than any entry is not a torn append */
    size_t big = AS_LOG_LINE_MAX + 10;
    char *huge = malloc(len + big);
    memcpy(huge, data, len);
    memset(huge + len, 'x', big);
    as_error_clear(&e);
    assert_int_equal(as_custody_verify((uint8_t *)huge, len + big, &pk, NULL, NULL, NULL, &e), -1);
    assert_string_equal(e.msg, "custody log entry 3 (line 3): unterminated or too long");
    free(huge);
    free(data);
    as_mini_seckey_free(sk);
}

static int count_imports(const as_log_entry *e, void *ctx, as_error *err)
{
    (void)err;
    if (strcmp(e->event, "import") == 0) {
        (*(int *)ctx)++;
        assert_string_equal(as_log_get(e, "note"), "spaces and % signs\xc3\xa9");
    }
    return 0;
}

static void custody_visit(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512];
    snprintf(log, sizeof log, "%s", tmp("visit.log"));
    as_log_field f[] = {{"note", "spaces and % signs\xc3\xa9"}};
    uint64_t seq;
    assert_int_equal(as_custody_create(log, sk, "init", f, 1, 1, &err), 0);
    append_n(log, sk, &pk, f, 1, 2, &seq);
    int imports = 0;
    as_custody *h;
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_READ, count_imports, &imports, &err),
                     0);
    as_custody_close(h);
    assert_int_equal(imports, 2);
    as_mini_seckey_free(sk);
}

static void station_lifecycle(void **state)
{
    (void)state;
    as_error err = {0};
    as_station st, opened;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp("st-plain"));
    assert_int_equal(as_station_create(&st, dir, NULL, 0, &err), 0);
    assert_int_equal(as_station_create(&opened, dir, NULL, 0, &err), -1);
    assert_int_equal(err.code, AS_ERR_EXISTS);
    as_error_clear(&err);
    assert_int_equal(as_station_open(&opened, dir, &err), 0);
    assert_string_equal(opened.id, st.id);
    assert_memory_equal(opened.recipient.pk, st.recipient.pk, 32);
    assert_false(opened.protected_at_rest);
    assert_int_equal(as_station_unlock(&opened, NULL, 0, &err), 0);
    assert_memory_equal(opened.identity->sk, st.identity->sk, 32);
    char *key = as_station_path(&opened, AS_STATION_SIGNKEY, &err);
    struct stat sb;
    assert_int_equal(stat(key, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* a secret key readable by others is refused */
    chmod(key, 0644);
    as_station_close(&opened);
    assert_int_equal(as_station_open(&opened, dir, &err), 0);
    assert_int_equal(as_station_unlock(&opened, NULL, 0, &err), -1);
    assert_non_null(strstr(err.msg, "chmod 600"));
    chmod(key, 0600);
    free(key);
    as_station_close(&opened);
    /* the log starts with a verified init entry */
    char *log = as_station_path(&st, AS_STATION_LOG, &err);
    assert_int_equal(log_entries(log, &st.pub, &err), 1);
    free(log);
    as_station_close(&st);
    /* a directory that is not a station */
    as_error_clear(&err);
    assert_int_equal(as_station_open(&opened, tmpdir, &err), -1);
    assert_int_equal(err.code, AS_ERR_USAGE);
}

/* Writes text to path (replacing it). */
static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

/*
 * station.conf read with the cursor: each row edits the conf of a fresh classical station
 * (first occurrence of `from` replaced by `to`) and expects the open to succeed or to fail
 * with this message (after "<dir>/" or "<dir>: "), and this code.
 */
static void station_conf_rows(void **state)
{
    (void)state;
    as_error err = {0};
    as_station st;
    char dir[512], conf[600], *text;
    size_t len;
    snprintf(dir, sizeof dir, "%s", tmp("st-conf"));
    assert_int_equal(as_station_create(&st, dir, NULL, 0, &err), 0);
    char id[AS_MINI_KEYID_STR];
    memcpy(id, st.id, sizeof id);
    as_station_close(&st);
    snprintf(conf, sizeof conf, "%s/station.conf", dir);
    assert_int_equal(as_file_read_all(conf, 1 << 16, (uint8_t **)&text, &len, &err), 0);
    static const struct {
        const char *from, *to;
        as_errcode code; /* AS_OK: opens */
        const char *why;
    } rows[] = {
        {"passphrase: no\n", "passphrase: no\nfuture-key: x\n", AS_OK, NULL},
        {"passphrase: no\n", "passphrase: no\nfree text without a separator\n\n", AS_OK, NULL},
        {"created:", "station-id: \ncreated:", AS_OK, NULL}, /* an empty value is no value */
        {"created:", "note: x\ncreated:", AS_OK, NULL},
        {"airseal station v1", "airseal station v2", AS_ERR_FORMAT, "station.conf is malformed"},
        {"airseal station v1\n", "airseal station v1\r\n", AS_ERR_FORMAT,
         "station.conf is malformed"},
        {"passphrase: no\n", "passphrase: no", AS_ERR_FORMAT, "station.conf is malformed"},
        {"passphrase: no", "passphrase: maybe", AS_ERR_FORMAT, "station.conf is malformed"},
        {"passphrase: no", "passphrase: no\r", AS_ERR_FORMAT, "station.conf is malformed"},
        {"passphrase: no\n", "", AS_ERR_FORMAT, "station.conf is malformed"},
        {"passphrase: no", "passphrase:no", AS_ERR_FORMAT, "station.conf is malformed"},
        {"created: ", "created: 2026-13-01T00:00:00Z ", AS_ERR_FORMAT, "station.conf is malformed"},
        {"station-id:", "Station-id:", AS_ERR_FORMAT, "station.conf is malformed"},
        {"recipient: ", "recipient-type: kyber\nrecipient: ", AS_ERR_FORMAT,
         "station.conf: unknown recipient-type (x25519 or mlkem768x25519)"},
        {"recipient: ", "recipient-typo: ", AS_ERR_FORMAT, "station.conf: no recipient line"},
        {"recipient: age1", "recipient: age2", AS_ERR_FORMAT, NULL},
        {"station-id: ", "station-id: 0000000000000000\nstation-id: ", AS_ERR_FORMAT, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char edited[8192];
        const char *at = strstr(text, rows[i].from);
        assert_non_null(at);
        snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - text), text, rows[i].to,
                 at + strlen(rows[i].from));
        put_file(conf, edited);
        as_error e = {0};
        int rc = as_station_open(&st, dir, &e);
        if (rc == 0)
            as_station_close(&st);
        if (e.code != rows[i].code)
            fail_msg("row %zu: code %d: %s", i, e.code, e.msg);
        if (rows[i].why != NULL && strcmp(e.msg + strlen(dir) + 1, rows[i].why) != 0)
            fail_msg("row %zu: %s", i, e.msg);
    }
    /* the first of two station-id lines counts (the row above): it names the wrong key */
    put_file(conf, text);
    free(text);
}

static void station_with_passphrase(void **state)
{
    (void)state;
    as_error err = {0};
    as_station st, opened;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp("st-protected"));
    assert_int_equal(as_station_create(&st, dir, "s3cret", 6, &err), 0);
    assert_int_equal(as_path_exists(tmp("st-protected/identity.txt"), &err), 0);
    assert_int_equal(as_path_exists(tmp("st-protected/identity.age"), &err), 1);
    assert_int_equal(as_station_open(&opened, dir, &err), 0);
    assert_true(opened.protected_at_rest);
    assert_int_equal(as_station_unlock(&opened, "wrong", 5, &err), -1);
    assert_int_equal(err.code, AS_ERR_KEY);
    assert_non_null(strstr(err.msg, "wrong passphrase"));
    as_error_clear(&err);
    if (as_station_unlock(&opened, "s3cret", 6, &err) != 0)
        fail_msg("%s", err.msg);
    assert_memory_equal(opened.signer->sk, st.signer->sk, sizeof st.signer->sk);
    as_station_close(&opened);
    as_station_close(&st);
}

/*
 * A tree far deeper and longer than PATH_MAX (600 folders with 250-byte names: about 150 KB
 * of path), with read-only folders, files and links to a file outside it at every level, as a
 * killed import or a hostile bundle could leave in staging: as_remove_tree removes all of it
 * and follows no link.
 */
static void remove_tree_any_depth(void **state)
{
    (void)state;
    as_error err = {0};
    char name[251], outside[512];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(outside, sizeof outside, "%s", tmp("outside.txt"));
    assert_int_equal(as_file_create_excl(outside, "keep", 4, 0644, &err), 0);
    assert_int_equal(mkdir(tmp("deep"), 0700), 0);
    int fd = open(tmp("deep"), O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    for (int level = 0; level < 600; level++) {
        int f = openat(fd, "f", O_WRONLY | O_CREAT | O_EXCL, 0444);
        assert_true(f >= 0);
        assert_int_equal(write(f, "x", 1), 1);
        close(f);
        assert_int_equal(symlinkat(outside, fd, "l"), 0);
        assert_int_equal(mkdirat(fd, name, 0700), 0);
        int child = openat(fd, name, O_RDONLY | O_DIRECTORY);
        assert_true(child >= 0);
        if (level % 3 == 0)
            assert_int_equal(fchmod(fd, 0555), 0);
        close(fd);
        fd = child;
    }
    assert_int_equal(fchmod(fd, 0555), 0);
    close(fd);
    assert_int_equal(as_remove_tree(tmp("deep"), &err), 0);
    assert_int_equal(err.code, AS_OK);
    assert_int_equal(as_path_exists(tmp("deep"), &err), 0);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(as_file_read_all(outside, 64, &data, &len, &err), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(data, "keep", 4);
    free(data);
    unlink(outside);
}

/* ---------------------------------------------------------------- the tree log */

/* A tree log (init with tree=) of 1 + n entries at tmp(name). */
static void tree_log(char *log, size_t cap, const char *name, const as_mini_seckey *sk,
                     const as_mini_pubkey *pk, int n)
{
    as_error err = {0};
    as_log_field init[] = {{"tree", "rfc6962"}};
    as_log_field f[] = {{"note", "entry"}};
    uint64_t seq = 0;
    snprintf(log, cap, "%s", tmp(name));
    assert_int_equal(as_custody_create(log, sk, "init", init, 1, 1, &err), 0);
    if (n > 0)
        append_n(log, sk, pk, f, 1, n, &seq);
}

/* Every entry of a 21-entry tree log is proven alone, and verifies with the public key. */
static void custody_tree_proofs(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk, other_pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err), *other = as_mini_keygen(&other_pk, &err);
    char log[512];
    tree_log(log, sizeof log, "tree.log", sk, &pk, 20);
    as_custody *h;
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_READ, NULL, NULL, &err), 0);
    assert_true(as_custody_is_tree(h));
    assert_int_equal(as_custody_checkpoint_size(h), 21);
    static as_log_entry e;
    for (uint64_t seq = 1; seq <= 21; seq++) {
        as_buf b;
        uint64_t size = 0;
        as_buf_init(&b, AS_TLOG_PROOF_MAX);
        assert_int_equal(as_custody_prove(h, seq, &b, &err), 0);
        assert_int_equal(as_custody_entry_verify(b.data, b.len, &pk, &e, &size, &err), 0);
        assert_int_equal(e.seq, seq);
        assert_int_equal(size, 21);
        assert_int_equal(as_custody_entry_verify(b.data, b.len, &other_pk, &e, &size, &err), -1);
        as_buf_free(&b);
    }
    as_buf b;
    as_buf_init(&b, AS_TLOG_PROOF_MAX);
    as_error_clear(&err);
    assert_int_equal(as_custody_prove(h, 22, &b, &err), -1);
    assert_int_equal(err.code, AS_ERR_USAGE);
    /* hostile proofs of entry 7: each edit fails */
    assert_int_equal(as_custody_prove(h, 7, &b, &err), 0);
    assert_int_equal(as_buf_terminate(&b, &err), 0);
    const char *text = (const char *)b.data;
    const char *at[] = {strstr(text, "index 6\n") + 6, strstr(text, "index 6\n") + 9,
                        strstr(text, "\n\n") + 2 + strlen("airseal.station/") + 20,
                        strstr(text, "extra ") + 10};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        char *copy = strdup(text);
        size_t k = (size_t)(at[i] - text);
        copy[k] = copy[k] == 'A' ? 'B' : (copy[k] == '6' ? '5' : 'A');
        as_error e2 = {0};
        assert_int_equal(as_custody_entry_verify((uint8_t *)copy, b.len, &pk, &e, NULL, &e2), -1);
        assert_true(e2.msg[0] != '\0');
        free(copy);
    }
    as_buf_free(&b);
    as_custody_close(h);
    as_mini_seckey_free(sk);
    as_mini_seckey_free(other);
}

/* The side path of the log at path: ".tree" or ".checkpoint" in place of ".log". */
static char *side(const char *log, const char *ext)
{
    static char p[600];
    snprintf(p, sizeof p, "%.*s%s", (int)(strlen(log) - 4), log, ext);
    return p;
}

/* What the tree catches that the chain alone cannot, each with its message. */
static void custody_tree_tamper(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512];
    uint8_t *data;
    size_t len;
    /* the last entry deleted: the chain still verifies, the checkpoint does not */
    tree_log(log, sizeof log, "cut.log", sk, &pk, 3);
    assert_int_equal(as_file_read_all(log, 1 << 20, &data, &len, &err), 0);
    size_t keep = len - 1;
    while (keep > 0 && data[keep - 1] != '\n')
        keep--;
    assert_int_equal(truncate(log, (off_t)keep), 0);
    free(data);
    assert_int_equal(log_entries(log, &pk, &err), -1);
    assert_string_equal(err.msg, "the custody log holds 3 entries but its signed checkpoint "
                                 "covers 4: entries were removed");
    /* a tree record altered */
    tree_log(log, sizeof log, "rec.log", sk, &pk, 3);
    assert_int_equal(as_file_read_all(side(log, ".tree"), 1 << 20, &data, &len, &err), 0);
    assert_int_equal(len, 32 * as_custody_tree_records(4));
    data[40] ^= 1;
    assert_int_equal(as_file_write_atomic(side(log, ".tree"), data, len, 0644, &err), 0);
    free(data);
    as_error_clear(&err);
    assert_int_equal(log_entries(log, &pk, &err), -1);
    assert_non_null(strstr(err.msg, ": record 2 does not match the custody log (the tree file "
                                    "was altered)"));
    /* the checkpoint of a tree log removed */
    tree_log(log, sizeof log, "gone.log", sk, &pk, 1);
    assert_int_equal(unlink(side(log, ".checkpoint")), 0);
    as_error_clear(&err);
    assert_int_equal(log_entries(log, &pk, &err), -1);
    assert_non_null(strstr(err.msg, ".checkpoint is missing, but the custody log is a Merkle "
                                    "tree log"));
    as_mini_seckey_free(sk);
}

/*
 * A crash between an append's steps: the tree file short by a torn record and the checkpoint
 * one entry behind. Opening for appending completes the tree; sync signs the checkpoint.
 */
static void custody_tree_crash_gap(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512];
    uint8_t *old;
    size_t olen;
    tree_log(log, sizeof log, "gap.log", sk, &pk, 4);
    assert_int_equal(as_file_read_all(side(log, ".checkpoint"), 1 << 20, &old, &olen, &err), 0);
    as_log_field f[] = {{"note", "entry"}};
    uint64_t seq;
    append_n(log, sk, &pk, f, 1, 1, &seq);
    assert_int_equal(as_file_write_atomic(side(log, ".checkpoint"), old, olen, 0644, &err), 0);
    assert_int_equal(truncate(side(log, ".tree"), 32 * (off_t)as_custody_tree_records(5) + 7), 0);
    free(old);
    as_custody *h;
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_APPEND, NULL, NULL, &err), 0);
    assert_int_equal(as_custody_checkpoint_size(h), 5);
    assert_int_equal(as_custody_count(h), 6);
    assert_int_equal(as_custody_sync(h, sk, &err), 0);
    as_custody_close(h);
    struct stat st;
    assert_int_equal(stat(side(log, ".tree"), &st), 0);
    assert_int_equal(st.st_size, 32 * (off_t)as_custody_tree_records(6));
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_READ, NULL, NULL, &err), 0);
    assert_int_equal(as_custody_checkpoint_size(h), 6);
    as_custody_close(h);
    as_mini_seckey_free(sk);
}

/* A log from before the tree verifies as a chain, and one migration carries it over. */
static void custody_migrate(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512];
    as_log_field f[] = {{"note", "old"}};
    uint64_t seq = 0;
    snprintf(log, sizeof log, "%s", tmp("old.log"));
    assert_int_equal(as_custody_create(log, sk, "init", f, 1, 1, &err), 0);
    append_n(log, sk, &pk, f, 1, 3, &seq);
    assert_int_equal(unlink(side(log, ".tree")), 0);
    assert_int_equal(unlink(side(log, ".checkpoint")), 0);
    as_custody *h;
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_APPEND, NULL, NULL, &err), 0);
    assert_false(as_custody_is_tree(h));
    as_buf b;
    as_buf_init(&b, AS_TLOG_PROOF_MAX);
    assert_int_equal(as_custody_prove(h, 1, &b, &err), -1);
    as_error_clear(&err);
    assert_int_equal(as_custody_append(h, sk, "import", f, 1, 5, &seq, &err),
                     0); /* still a chain */
    assert_int_equal(as_custody_migrate(h, sk, 6, &seq, &err), 0);
    assert_int_equal(seq, 6);
    as_error_clear(&err);
    assert_int_equal(as_custody_migrate(h, sk, 7, &seq, &err), -1);
    assert_int_equal(err.code, AS_ERR_EXISTS);
    as_custody_close(h);
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_READ, NULL, NULL, &err), 0);
    assert_true(as_custody_is_tree(h));
    assert_int_equal(as_custody_checkpoint_size(h), 6);
    static as_log_entry e;
    assert_int_equal(as_custody_prove(h, 2, &b, &err), 0);
    assert_int_equal(as_custody_entry_verify(b.data, b.len, &pk, &e, NULL, &err), 0);
    assert_int_equal(e.seq, 2);
    b.len = 0;
    assert_int_equal(as_custody_prove(h, 6, &b, &err), 0);
    assert_int_equal(as_custody_entry_verify(b.data, b.len, &pk, &e, NULL, &err), 0);
    assert_string_equal(e.event, "tlog-start");
    assert_string_equal(as_log_get(&e, "entries"), "5");
    as_buf_free(&b);
    as_custody_close(h);
    /* from now on the checkpoint is required */
    assert_int_equal(unlink(side(log, ".checkpoint")), 0);
    assert_int_equal(log_entries(log, &pk, &err), -1);
    as_mini_seckey_free(sk);
}

/* A landed callback that keeps the proof it is given, or refuses it. */
typedef struct landed_seen {
    int refuse;
    uint64_t seq;
    as_buf proof;
} landed_seen;

static int on_landed(void *ctx, uint64_t seq, const uint8_t *proof, size_t len, as_error *err)
{
    landed_seen *l = ctx;
    if (l->refuse)
        return as_fail(err, AS_ERR_IO, "refused by the test");
    l->seq = seq;
    l->proof.len = 0;
    return as_buf_append(&l->proof, proof, len, err);
}

/*
 * as_custody_append_proven: the proof handed over before the checkpoint is published is the
 * one the log gives afterwards; a refusal takes the entry back (log, tree file and checkpoint
 * byte for byte as before) and the next append takes its number.
 */
static void custody_append_proven(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512];
    tree_log(log, sizeof log, "proven.log", sk, &pk, 2);
    uint8_t *before[3], *after[3];
    size_t blen[3], alen[3];
    /* side() answers in one static buffer: keep each path */
    char tree[600], ckpt[600];
    snprintf(tree, sizeof tree, "%s", side(log, ".tree"));
    snprintf(ckpt, sizeof ckpt, "%s", side(log, ".checkpoint"));
    const char *files[3] = {log, tree, ckpt};
    for (int i = 0; i < 3; i++)
        assert_int_equal(as_file_read_all(files[i], 1 << 20, &before[i], &blen[i], &err), 0);
    as_custody *h;
    as_log_field f[] = {{"note", "x"}};
    landed_seen l = {.refuse = 1};
    as_buf_init(&l.proof, AS_TLOG_PROOF_MAX);
    uint64_t seq = 0;
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_APPEND, NULL, NULL, &err), 0);
    assert_int_equal(as_custody_append_proven(h, sk, "import", f, 1, 9, on_landed, &l, &seq, &err),
                     -1);
    assert_string_equal(err.msg, "refused by the test");
    assert_int_equal(as_custody_count(h), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(as_file_read_all(files[i], 1 << 20, &after[i], &alen[i], &err), 0);
        assert_int_equal(alen[i], blen[i]);
        assert_memory_equal(after[i], before[i], blen[i]);
        free(after[i]);
        free(before[i]);
    }
    as_error_clear(&err);
    l.refuse = 0;
    assert_int_equal(as_custody_append_proven(h, sk, "import", f, 1, 9, on_landed, &l, &seq, &err),
                     0);
    assert_int_equal(seq, 4);
    assert_int_equal(l.seq, 4);
    as_buf now;
    as_buf_init(&now, AS_TLOG_PROOF_MAX);
    assert_int_equal(as_custody_prove(h, 4, &now, &err), 0);
    assert_int_equal(now.len, l.proof.len);
    assert_memory_equal(now.data, l.proof.data, now.len);
    as_custody_close(h);
    assert_int_equal(log_entries(log, &pk, &err), 4);
    as_buf_free(&now);
    as_buf_free(&l.proof);
    as_mini_seckey_free(sk);
}

/*
 * A receipt and the proof of its import entry, for a log of 10^6 entries (20 hashes), with
 * the longest case id (AS_CASE_MAX) and a 64-byte label, fit in one QR code (version 40,
 * level L).
 */
static void receipt_proof_fits_one_qr(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    char log[512], long64[65], hex[65], longcase[AS_CASE_MAX + 1];
    memset(long64, 'C', 64);
    long64[64] = '\0';
    memset(longcase, 'K', AS_CASE_MAX);
    longcase[AS_CASE_MAX] = '\0';
    memset(hex, 'a', 64);
    hex[64] = '\0';
    tree_log(log, sizeof log, "qr.log", sk, &pk, 0);
    as_receipt r = {.sealed_size = 1ull << 40,
                    .files = 100000,
                    .bytes = 1ull << 40,
                    .imported = 1,
                    .custody_entry = 1000000};
    snprintf(r.station, sizeof r.station, "0123456789ABCDEF");
    snprintf(r.signer, sizeof r.signer, "0123456789ABCDEF");
    memset(r.bundle_id, 'b', 32);
    snprintf(r.case_id, sizeof r.case_id, "%s", longcase);
    as_buf text, proof;
    as_buf_init(&text, 8192);
    as_buf_init(&proof, AS_TLOG_PROOF_MAX);
    assert_int_equal(as_receipt_format(&r, &text, &err), 0);
    as_log_field f[] = {
        {"bundle", hex + 32},       {"case", longcase},       {"signer", "0123456789ABCDEF"},
        {"signer-label", long64},   {"transport", "usb"},     {"sealed-size", "1099511627776"},
        {"sealed-sha256", hex},     {"manifest-sha256", hex}, {"files", "100000"},
        {"bytes", "1099511627776"}, {"repaired-blocks", "0"}, {"receipt-sha256", hex}};
    uint64_t seq;
    as_custody *h;
    assert_int_equal(as_custody_open(&h, log, &pk, AS_CUSTODY_APPEND, NULL, NULL, &err), 0);
    assert_int_equal(as_custody_append(h, sk, "import", f, 12, 1, &seq, &err), 0);
    assert_int_equal(as_custody_prove(h, 2, &proof, &err), 0);
    as_custody_close(h);
    /* the same proof grown to 10^6 entries: index 999999, 20 hashes, size 1000000 */
    static as_tlog_proof p;
    assert_int_equal(as_tlog_proof_parse(&p, proof.data, proof.len, &err), 0);
    as_checkpoint cp = {.size = 1000000};
    as_note_vkey vk;
    assert_int_equal(as_custody_origin(&pk, &vk, &err), 0);
    memcpy(cp.origin, vk.name, vk.name_len);
    cp.origin_len = vk.name_len;
    as_buf note, big;
    as_buf_init(&note, AS_NOTE_MAX);
    as_buf_init(&big, AS_TLOG_PROOF_MAX);
    assert_int_equal(as_checkpoint_sign(&note, &cp, &vk, sk->sk, &err), 0);
    p.index = 999999;
    p.path.n = 20;
    p.checkpoint = note.data;
    p.checkpoint_len = note.len;
    assert_int_equal(as_tlog_proof_format(&big, &p, &err), 0);
    size_t total = text.len + big.len;
    print_message("receipt %zu + proof %zu = %zu bytes; QR 40-L holds %zu\n", text.len, big.len,
                  total, as_qr_capacity(40, AS_ECC_L));
    assert_true(total <= as_qr_capacity(40, AS_ECC_L));
    as_buf_free(&text);
    as_buf_free(&proof);
    as_buf_free(&note);
    as_buf_free(&big);
    as_mini_seckey_free(sk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trust_store_roundtrip),   cmocka_unit_test(trust_store_rejects_malformed),
        cmocka_unit_test(trust_store_rows),        cmocka_unit_test(custody_chain),
        cmocka_unit_test(custody_visit),           cmocka_unit_test(custody_torn_tail),
        cmocka_unit_test(custody_verified_once),   cmocka_unit_test(custody_malformed_lines),
        cmocka_unit_test(station_conf_rows),       cmocka_unit_test(station_lifecycle),
        cmocka_unit_test(station_with_passphrase), cmocka_unit_test(remove_tree_any_depth),
        cmocka_unit_test(custody_tree_proofs),     cmocka_unit_test(custody_tree_tamper),
        cmocka_unit_test(custody_tree_crash_gap),  cmocka_unit_test(custody_migrate),
        cmocka_unit_test(custody_append_proven),   cmocka_unit_test(receipt_proof_fits_one_qr),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
