/* station.c: station directory, keys at rest; see station.h. */
#include "station.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/file.h"
#include "../core/secret.h"
#include "../core/text.h"
#include "../crypto/age.h"
#include "../crypto/fingerprint.h"
#include "../image/qr.h"
#include "custody.h"
#include "station_lock.h"
#include "trust.h"

#define CONF_HEADER "airseal station v1"
#define CONF_MAX (16 * 1024) /* bytes of station.conf */

char *as_station_path(const as_station *st, const char *name, as_error *err)
{
    return as_path_join(st->dir, name, err);
}

void as_station_close(as_station *st)
{
    as_station_release(st);
    as_station_set_work_lock(st, -1);
    free(st->lk);
    free(st->dir);
    as_age_identity_free(st->identity);
    as_age_pq_identity_free(st->pq_identity);
    as_mini_seckey_free(st->signer);
    memset(st, 0, sizeof *st);
}

static int write_in(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
                    as_error *err)
{
    char *p = as_path_join(dir, name, err);
    if (p == NULL)
        return -1;
    int rc = as_file_create_excl(p, data, len, mode, err);
    free(p);
    return rc;
}

static int mkdir_in(const char *dir, const char *name, mode_t mode, as_error *err)
{
    char *p = as_path_join(dir, name, err);
    if (p == NULL)
        return -1;
    int rc = 0;
    if (mkdir(p, mode) != 0)
        rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot create %s", p);
    free(p);
    return rc;
}

/* Encrypts the identity file text to the passphrase (age scrypt recipient). */
static int seal_identity(as_buf *out, const as_buf *plain, const char *pass, size_t passlen,
                         as_error *err)
{
    as_buf_writer w;
    as_buf_writer_init(&w, out);
    as_age_encrypt_opts o = {.passphrase = pass, .passphrase_len = passlen};
    as_age_encryptor *e = as_age_encrypt_begin(&o, &w.base, err);
    if (e == NULL)
        return -1;
    int rc = as_write(as_age_encryptor_writer(e), plain->data, plain->len, err) != 0 ||
                     as_age_encrypt_finish(e, err) != 0
                 ? -1
                 : 0;
    as_age_encryptor_free(e);
    return rc;
}

/* Generates the station's identity of st->kind and its signing key; formats the identity
 * file text into idfile (secret) and the recipient string into rcpt. */
static int make_keys(as_station *st, as_buf *idfile, char *rcpt, as_error *err)
{
    if (st->kind == AS_STATION_HYBRID) {
        st->pq_identity = as_age_pq_identity_generate(err);
        if (st->pq_identity == NULL)
            return -1;
        as_age_pq_identity_recipient(st->pq_identity, &st->pq_recipient);
    } else {
        st->identity = as_age_identity_generate(err);
        if (st->identity == NULL)
            return -1;
        as_age_identity_recipient(st->identity, &st->recipient);
    }
    st->signer = as_mini_keygen(&st->pub, err);
    if (st->signer == NULL)
        return -1;
    as_mini_keyid(st->pub.keynum, st->id);
    as_station_recipient_format(st, rcpt);
    return st->kind == AS_STATION_HYBRID
               ? as_age_pq_identity_file_format(idfile, st->pq_identity, st->created, err)
               : as_age_identity_file_format(idfile, st->identity, st->created, err);
}

/* recipient.png. A hybrid recipient (1,959 characters) goes in alphanumeric mode as
 * upper-case Bech32 (case-insensitive; -r and the fingerprint verb accept it): version 30 at
 * level M (137 modules) instead of 37 (165) in byte mode, so the modules stay large enough for
 * a phone photo. A classical one stays as before (byte mode, lower case). */
static int write_recipient_png(const char *tmp, const as_station *st, const char *rcpt,
                               as_error *err)
{
    as_qr code;
    char *png = as_path_join(tmp, AS_STATION_RECIPIENT_PNG, err);
    if (png == NULL)
        return -1;
    int rc;
    if (st->kind == AS_STATION_HYBRID) {
        char up[AS_AGE_PQ_RECIPIENT_STR_MAX];
        size_t i;
        for (i = 0; rcpt[i] != '\0'; i++)
            up[i] = rcpt[i] >= 'a' && rcpt[i] <= 'z' ? (char)(rcpt[i] - 'a' + 'A') : rcpt[i];
        up[i] = '\0';
        rc = as_qr_encode_alnum(&code, up, AS_ECC_M, err);
    } else {
        rc = as_qr_encode(&code, (const uint8_t *)rcpt, strlen(rcpt), 0, AS_ECC_M, err);
    }
    if (rc == 0) {
        rc = as_qr_save_png(&code, 8, 4, png, err);
        as_qr_free(&code);
    }
    free(png);
    return rc;
}

static int populate(const char *tmp, as_station *st, const char *pass, size_t passlen,
                    as_error *err)
{
    as_buf idfile, sealed, skfile, pub, conf;
    as_buf_init_secret(&idfile, 8192);
    as_buf_init(&sealed, 64 * 1024);
    as_buf_init_secret(&skfile, 4096);
    as_buf_init(&pub, 4096);
    as_buf_init(&conf, 8192);
    int rc = -1;
    char rcpt[AS_AGE_PQ_RECIPIENT_STR_MAX], when[21];

    st->created = time(NULL);
    st->protected_at_rest = pass != NULL;
    as_time_utc(when, st->created);
    if (make_keys(st, &idfile, rcpt, err) != 0)
        goto out;
    if (pass != NULL) {
        if (seal_identity(&sealed, &idfile, pass, passlen, err) != 0 ||
            write_in(tmp, AS_STATION_IDENTITY_ENC, sealed.data, sealed.len, 0600, err) != 0)
            goto out;
    } else if (write_in(tmp, AS_STATION_IDENTITY_PLAIN, idfile.data, idfile.len, 0600, err) != 0) {
        goto out;
    }
    char comment[96];
    snprintf(comment, sizeof comment, "airseal station %s signing key", st->id);
    if (as_mini_seckey_format_file(&skfile, st->signer, pass, passlen, comment, err) != 0 ||
        write_in(tmp, AS_STATION_SIGNKEY, skfile.data, skfile.len, 0600, err) != 0)
        goto out;
    snprintf(comment, sizeof comment, "airseal station %s public key", st->id);
    if (as_mini_pubkey_format_file(&pub, &st->pub, comment, err) != 0 ||
        write_in(tmp, AS_STATION_PUBKEY, pub.data, pub.len, 0644, err) != 0)
        goto out;
    pub.len = 0;
    if (as_buf_printf(&pub, err, "%s\n", rcpt) != 0 ||
        write_in(tmp, AS_STATION_RECIPIENT, pub.data, pub.len, 0644, err) != 0)
        goto out;
    /* The recipient as a QR code too, so an NGO can take it with a phone or a scanner. */
    if (write_recipient_png(tmp, st, rcpt, err) != 0)
        goto out;
    if (as_buf_printf(&conf, err,
                      CONF_HEADER "\nstation-id: %s\ncreated: %s\nrecipient: %s\n"
                                  "%spassphrase: %s\n",
                      st->id, when, rcpt,
                      st->kind == AS_STATION_HYBRID ? "recipient-type: mlkem768x25519\n" : "",
                      pass != NULL ? "yes" : "no") != 0 ||
        write_in(tmp, AS_STATION_CONF, conf.data, conf.len, 0644, err) != 0)
        goto out;
    as_trust_store empty = {0};
    char *trust = as_path_join(tmp, AS_STATION_TRUST, err);
    if (trust == NULL)
        goto out;
    rc = as_trust_save(&empty, trust, err);
    free(trust);
    if (rc != 0)
        goto out;
    rc = -1;
    if (mkdir_in(tmp, AS_STATION_VAULT, 0700, err) != 0 ||
        mkdir_in(tmp, AS_STATION_STAGING, 0700, err) != 0 ||
        mkdir_in(tmp, AS_STATION_RECEIPTS, 0755, err) != 0)
        goto out;
    char b64[AS_MINI_PUBKEY_B64_LEN + 1];
    as_mini_pubkey_b64(&st->pub, b64);
    as_log_field f[] = {{"station", st->id},
                        {"recipient", rcpt},
                        {"key", b64},
                        {"version", AS_VERSION},
                        {"tree", "rfc6962"}};
    char *log = as_path_join(tmp, AS_STATION_LOG, err);
    if (log == NULL)
        goto out;
    rc = as_custody_create(log, st->signer, "init", f, sizeof f / sizeof f[0], st->created, err);
    free(log);
    if (rc == 0)
        rc = as_fsync_dir(tmp, err);
out:
    as_buf_free(&idfile);
    as_buf_free(&sealed);
    as_buf_free(&skfile);
    as_buf_free(&pub);
    as_buf_free(&conf);
    return rc;
}

int as_station_can_create(const char *dir, as_error *err)
{
    int exists = as_path_exists(dir, err);
    if (exists < 0)
        return -1;
    if (exists && as_dir_is_empty(dir, err) != 1) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_EXISTS,
                       "%s exists and is not empty; refusing to overwrite a station", dir);
    }
    return 0;
}

int as_station_create(as_station *st, const char *dir, const char *passphrase,
                      size_t passphrase_len, as_error *err)
{
    return as_station_create_kind(st, dir, AS_STATION_X25519, passphrase, passphrase_len, err);
}

void as_station_recipient_format(const as_station *st, char out[AS_AGE_PQ_RECIPIENT_STR_MAX])
{
    if (st->kind == AS_STATION_HYBRID)
        as_age_pq_recipient_format(&st->pq_recipient, out);
    else
        as_age_recipient_format(&st->recipient, out);
}

void as_station_recipient_fingerprint(const as_station *st, char out[AS_FINGERPRINT_STR])
{
    if (st->kind == AS_STATION_HYBRID)
        as_fingerprint_age_pq(&st->pq_recipient, out);
    else
        as_fingerprint_age(&st->recipient, out);
}

int as_station_create_kind(as_station *st, const char *dir, as_station_kind kind,
                           const char *passphrase, size_t passphrase_len, as_error *err)
{
    memset(st, 0, sizeof *st);
    st->kind = kind;
    if (as_station_can_create(dir, err) != 0)
        return -1;
    char *tmp = as_path_fmt(err, "%s.init-XXXXXX", dir);
    if (tmp == NULL)
        return -1;
    if (mkdtemp(tmp) == NULL) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot create a directory beside %s", dir);
        free(tmp);
        return -1;
    }
    if (populate(tmp, st, passphrase, passphrase_len, err) != 0)
        goto fail;
    /* rename(2) replaces an empty directory atomically and fails on a non-empty one. */
    if (rename(tmp, dir) != 0) {
        if (errno == ENOTEMPTY || errno == EEXIST)
            as_fail(err, AS_ERR_EXISTS,
                    "%s exists and is not empty; refusing to overwrite a station", dir);
        else
            as_fail_errno(err, AS_ERR_IO, errno, "cannot create %s", dir);
        goto fail;
    }
    free(tmp);
    st->dir = strdup(dir);
    if (st->dir == NULL) {
        as_station_close(st);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    return as_fsync_parent(dir, err);
fail:
    as_remove_tree(tmp, NULL);
    free(tmp);
    as_station_close(st);
    return -1;
}

/* The values of station.conf (spans into its text), each from the first non-empty line with
 * its key; .p NULL when absent. */
typedef struct conf_fields {
    as_span station_id, created, recipient, recipient_type, passphrase;
} conf_fields;

/*
 * Reads station.conf: the header line, then "key: value" lines. Lines with other keys, or
 * that are not "key: value" at all, are ignored (later versions may add some). Fails only
 * when the header is wrong or a line is unterminated or longer than the file may be.
 */
static int conf_parse(const uint8_t *text, size_t len, conf_fields *f)
{
    struct {
        const char *key;
        as_span *out;
    } want[] = {{"station-id", &f->station_id},
                {"created", &f->created},
                {"recipient", &f->recipient},
                {"recipient-type", &f->recipient_type},
                {"passphrase", &f->passphrase}};
    as_cursor c;
    memset(f, 0, sizeof *f);
    as_cursor_init(&c, text, len);
    if (as_cursor_expect(&c, CONF_HEADER "\n", strlen(CONF_HEADER) + 1) != 0)
        return -1;
    while (as_cursor_left(&c) > 0) {
        as_span k, v, line;
        if (as_cursor_any_kv(&c, &k, &v, CONF_MAX) != 0) {
            if (as_cursor_line_span(&c, &line, CONF_MAX) != 0)
                return -1;
            continue;
        }
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            if (want[i].out->p == NULL && v.n > 0 && as_span_eq(k, want[i].key))
                *want[i].out = v;
    }
    return 0;
}

/* Reads the station's recipient and its type from station.conf: "recipient-type:
 * mlkem768x25519" makes a hybrid station; its absence (every station before issue 15) or
 * "x25519" a classical one. Returns 0, or -1 with AS_ERR_FORMAT. */
static int conf_recipient(as_station *st, const conf_fields *f, as_error *err)
{
    char rcpt[AS_AGE_PQ_RECIPIENT_STR_MAX], type[32] = "x25519";
    if (f->recipient.p == NULL || as_span_str(f->recipient, rcpt, sizeof rcpt) != 0)
        return as_fail(err, AS_ERR_FORMAT, "no recipient line");
    if (f->recipient_type.p != NULL && as_span_str(f->recipient_type, type, sizeof type) != 0)
        return as_fail(err, AS_ERR_FORMAT, "unknown recipient-type (x25519 or mlkem768x25519)");
    if (strcmp(type, "mlkem768x25519") == 0) {
        st->kind = AS_STATION_HYBRID;
        return as_age_pq_recipient_parse(&st->pq_recipient, rcpt, strlen(rcpt), err);
    }
    if (strcmp(type, "x25519") != 0)
        return as_fail(err, AS_ERR_FORMAT, "unknown recipient-type (x25519 or mlkem768x25519)");
    st->kind = AS_STATION_X25519;
    return as_age_recipient_parse(&st->recipient, rcpt, strlen(rcpt), err);
}

/* The protection and creation time of station.conf into st, and the station id it names into
 * id (compared with station.pub by the caller). */
static int conf_identity(as_station *st, const conf_fields *f, char *id, size_t cap)
{
    if (f->station_id.p == NULL || as_span_str(f->station_id, id, cap) != 0 ||
        f->passphrase.p == NULL ||
        (!as_span_eq(f->passphrase, "yes") && !as_span_eq(f->passphrase, "no")) ||
        f->created.p == NULL || as_time_parse_utc(f->created.p, f->created.n, &st->created) != 0)
        return -1;
    st->protected_at_rest = as_span_eq(f->passphrase, "yes");
    return 0;
}

/* Checks that recipient.pub holds exactly the recipient of station.conf, and one LF. */
static int check_recipient_pub(as_station *st, as_error *err)
{
    uint8_t *rdata = NULL;
    size_t rlen;
    char *path = as_station_path(st, AS_STATION_RECIPIENT, err);
    if (path == NULL || as_file_read_all(path, 4096, &rdata, &rlen, err) != 0) {
        free(path);
        return -1;
    }
    char want[AS_AGE_PQ_RECIPIENT_STR_MAX];
    as_station_recipient_format(st, want);
    int rc = 0;
    if (rlen != strlen(want) + 1 || rdata[rlen - 1] != '\n' || memcmp(rdata, want, rlen - 1) != 0)
        rc = as_fail(err, AS_ERR_FORMAT, "%s does not match station.conf", path);
    free(path);
    free(rdata);
    return rc;
}

int as_station_open(as_station *st, const char *dir, as_error *err)
{
    memset(st, 0, sizeof *st);
    uint8_t *conf = NULL;
    size_t len;
    conf_fields f;
    char id[64];
    st->dir = strdup(dir);
    if (st->dir == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    char *path = as_station_path(st, AS_STATION_CONF, err);
    if (path == NULL)
        goto fail;
    if (as_file_read_all_flags(path, CONF_MAX, AS_FILE_NOFOLLOW, &conf, &len, err) != 0) {
        as_error_clear(err);
        as_fail(err, AS_ERR_USAGE,
                "%s is not an airseal station (no readable %s); create one "
                "with: airseal-recv init %s",
                dir, AS_STATION_CONF, dir);
        goto fail;
    }
    free(path);
    path = NULL;
    if (conf_parse(conf, len, &f) != 0 || conf_identity(st, &f, id, sizeof id) != 0) {
        as_fail(err, AS_ERR_FORMAT, "%s/%s is malformed", dir, AS_STATION_CONF);
        goto fail;
    }
    if (conf_recipient(st, &f, err) != 0) {
        as_error_prefix(err, "%s/%s: ", dir, AS_STATION_CONF);
        goto fail;
    }
    path = as_station_path(st, AS_STATION_PUBKEY, err);
    if (path == NULL || as_mini_pubkey_load(&st->pub, path, err) != 0)
        goto fail;
    as_mini_keyid(st->pub.keynum, st->id);
    if (strcmp(st->id, id) != 0) {
        as_fail(err, AS_ERR_FORMAT, "%s: station key id %s does not match station.conf (%s)", dir,
                st->id, id);
        goto fail;
    }
    if (check_recipient_pub(st, err) != 0)
        goto fail;
    free(path);
    free(conf);
    return 0;
fail:
    free(path);
    free(conf);
    as_station_close(st);
    return -1;
}

/* Parses the decrypted identity file text and keeps its identity if it is the one of the
 * station's recipient (of the station's type). The caller prefixes the file's path. */
static int take_identity(as_station *st, const uint8_t *text, size_t len, as_error *err)
{
    if (st->kind == AS_STATION_HYBRID) {
        as_age_pq_identity *id = as_age_pq_identity_file_parse(text, len, err);
        if (id == NULL)
            return -1;
        if (memcmp(id->pk, st->pq_recipient.pk, sizeof id->pk) != 0) {
            as_age_pq_identity_free(id);
            return as_fail(err, AS_ERR_KEY, "does not hold the identity of recipient.pub");
        }
        st->pq_identity = id;
        return 0;
    }
    as_age_identity_list ids;
    if (as_age_identity_file_parse(&ids, text, len, err) != 0)
        return -1;
    if (ids.n != 1 || memcmp(ids.v[0]->pk, st->recipient.pk, 32) != 0) {
        as_age_identity_list_free(&ids);
        return as_fail(err, AS_ERR_KEY, "does not hold the identity of recipient.pub");
    }
    st->identity = ids.v[0];
    free(ids.v);
    return 0;
}

static int unlock_identity(as_station *st, const char *pass, size_t passlen, as_error *err)
{
    as_buf secret, plain;
    as_buf_init_secret(&plain, 64 * 1024);
    char *path = as_station_path(
        st, st->protected_at_rest ? AS_STATION_IDENTITY_ENC : AS_STATION_IDENTITY_PLAIN, err);
    int rc = -1;
    if (path == NULL)
        return -1;
    if (as_file_read_secret(path, 64 * 1024, &secret, err) != 0)
        goto out;
    const uint8_t *text = secret.data;
    size_t textlen = secret.len;
    if (st->protected_at_rest) {
        as_mem_reader src;
        as_mem_reader_init(&src, secret.data, secret.len);
        as_age_keyring keys = {.passphrase = pass, .passphrase_len = passlen};
        as_age_decryptor *d = as_age_decrypt_open(&src.base, &keys, AS_AGE_ARMOR_AUTO, err);
        if (d == NULL) {
            if (err->code == AS_ERR_NO_MATCH) {
                as_error_clear(err);
                as_fail(err, AS_ERR_KEY, "wrong passphrase for station %s", st->dir);
            }
            goto out_secret;
        }
        uint8_t chunk[4096];
        ssize_t n;
        while ((n = as_read(as_age_decryptor_reader(d), chunk, sizeof chunk, err)) > 0)
            if (as_buf_append(&plain, chunk, (size_t)n, err) != 0) {
                n = -1;
                break;
            }
        as_wipe(chunk, sizeof chunk);
        as_age_decryptor_free(d);
        if (n < 0)
            goto out_secret;
        text = plain.data;
        textlen = plain.len;
    }
    rc = take_identity(st, text, textlen, err);
out_secret:
    as_buf_free(&secret);
out:
    as_buf_free(&plain);
    if (rc != 0)
        as_error_prefix(err, "%s: ", path);
    free(path);
    return rc;
}

static int unlock_signer(as_station *st, const char *pass, size_t passlen, as_error *err)
{
    as_buf secret;
    char *path = as_station_path(st, AS_STATION_SIGNKEY, err);
    if (path == NULL)
        return -1;
    int rc = -1;
    if (as_file_read_secret(path, 4096, &secret, err) == 0) {
        st->signer = as_mini_seckey_parse_file(secret.data, secret.len,
                                               st->protected_at_rest ? pass : NULL, passlen, err);
        as_buf_free(&secret);
        if (st->signer != NULL) {
            as_mini_pubkey pk;
            as_mini_seckey_public(st->signer, &pk);
            if (memcmp(&pk, &st->pub, sizeof pk) == 0)
                rc = 0;
            else
                as_fail(err, AS_ERR_KEY, "does not match station.pub");
        }
    }
    if (rc != 0)
        as_error_prefix(err, "%s: ", path);
    free(path);
    return rc;
}

int as_station_unlock(as_station *st, const char *passphrase, size_t passphrase_len, as_error *err)
{
    if (st->protected_at_rest && passphrase == NULL)
        return as_fail(err, AS_ERR_USAGE, "station %s is protected by a passphrase", st->dir);
    if (st->identity == NULL && st->pq_identity == NULL &&
        unlock_identity(st, passphrase, passphrase_len, err) != 0)
        return -1;
    if (st->signer == NULL && unlock_signer(st, passphrase, passphrase_len, err) != 0)
        return -1;
    return 0;
}

/* The lock state, allocated on first use (a station that never locks needs none). */
static struct as_station_lockstate *lockstate(as_station *st, as_error *err)
{
    if (st->lk == NULL) {
        st->lk = calloc(1, sizeof *st->lk);
        if (st->lk == NULL) {
            as_fail(err, AS_ERR_NOMEM, "out of memory");
            return NULL;
        }
        st->lk->lock_fd = -1;
        st->lk->work_fd = -1;
    }
    return st->lk;
}

int as_station_lock(as_station *st, as_error *err)
{
    struct as_station_lockstate *lk = lockstate(st, err);
    if (lk == NULL)
        return -1;
    if (lk->locked)
        return as_fail(err, AS_ERR_INTERNAL, "station %s is already locked", st->dir);
    char *path = as_station_path(st, ".lock", err);
    if (path == NULL)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    free(path);
    if (fd < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot open the lock of station %s", st->dir);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return as_fail(err, AS_ERR_BUSY,
                           "station %s is busy: another airseal-recv is working on it; nothing "
                           "was done (run the same command again when it has finished)",
                           st->dir);
        return as_fail_errno(err, AS_ERR_IO, e, "cannot lock station %s", st->dir);
    }
    lk->lock_fd = fd;
    lk->locked = true;
    return 0;
}

void as_station_release(as_station *st)
{
    if (st->lk == NULL)
        return;
    if (st->lk->locked)
        close(st->lk->lock_fd);
    st->lk->locked = false;
    st->lk->lock_fd = -1;
}

bool as_station_locked(const as_station *st)
{
    return st->lk != NULL && st->lk->locked;
}

void as_station_set_work_lock(as_station *st, int fd)
{
    as_error ignored = {0};
    if (st->lk == NULL && fd < 0)
        return;
    if (lockstate(st, &ignored) == NULL) {
        close(fd);
        return;
    }
    if (st->lk->work_fd >= 0)
        close(st->lk->work_fd);
    st->lk->work_fd = fd;
}
