/* passphrase.c: passphrase prompt and file; see passphrase.h. */
#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../core/file.h"
#include "../core/text.h"

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    caught_signal = sig;
}

/* Reads one line from the terminal without echo into out. */
static int read_tty_line(int fd, const char *prompt, as_buf *out, as_error *err)
{
    struct termios saved, quiet;
    struct sigaction sa, old_int, old_term, old_hup;
    int rc = -1;
    if (tcgetattr(fd, &saved) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot read the terminal settings");
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    caught_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    quiet = saved;
    quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot turn off echo");
        goto restore;
    }
    if (as_write_fd_all(fd, prompt, strlen(prompt), "terminal", err) != 0)
        goto restore;
    out->len = 0;
    for (;;) {
        char c;
        ssize_t k = read(fd, &c, 1);
        if (k < 0 && errno == EINTR && !caught_signal)
            continue;
        if (k <= 0 || caught_signal) {
            as_fail(err, AS_ERR_USAGE, "no passphrase entered");
            goto restore;
        }
        if (c == '\n' || c == '\r')
            break;
        if (as_buf_append(out, &c, 1, err) != 0)
            goto restore;
        c = 0;
    }
    rc = as_buf_terminate(out, err);
restore:
    tcsetattr(fd, TCSAFLUSH, &saved);
    if (as_write_fd_all(fd, "\n", 1, "terminal", NULL) != 0) {
        /* the newline is cosmetic */
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    if (caught_signal) {
        int sig = caught_signal;
        caught_signal = 0;
        raise(sig);
    }
    return rc;
}

static int from_prompt(const char *what, bool confirm, as_buf *out, as_error *err)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return as_fail(err, AS_ERR_USAGE,
                       "a passphrase is needed for %s but there is no terminal to ask on; use "
                       "--passphrase-file FILE",
                       what);
    char prompt[256], shown[200]; /* what may name a path: shown, cut to fit the prompt */
    as_text_show(shown, sizeof shown, what, strlen(what));
    snprintf(prompt, sizeof prompt, "Passphrase for %s: ", shown);
    int rc = read_tty_line(fd, prompt, out, err);
    if (rc == 0 && confirm) {
        if (out->len == 0) {
            rc = as_fail(err, AS_ERR_USAGE,
                         "an empty passphrase is not allowed; use "
                         "--no-passphrase to store keys unencrypted");
        } else {
            as_buf again;
            as_buf_init_secret(&again, AS_PASSPHRASE_MAX);
            snprintf(prompt, sizeof prompt, "Repeat the passphrase for %s: ", shown);
            rc = read_tty_line(fd, prompt, &again, err);
            if (rc == 0 && (again.len != out->len || !as_equal_ct(again.data, out->data, out->len)))
                rc = as_fail(err, AS_ERR_USAGE, "the two passphrases differ; nothing was written");
            as_buf_free(&again);
        }
    }
    close(fd);
    return rc;
}

static int from_file(const char *path, as_buf *out, as_error *err)
{
    as_buf raw;
    if (as_file_read_secret(path, AS_PASSPHRASE_MAX, &raw, err) != 0)
        return -1;
    size_t n = 0;
    while (n < raw.len && raw.data[n] != '\n')
        n++;
    if (n > 0 && raw.data[n - 1] == '\r')
        n--;
    int rc = 0;
    if (n == 0)
        rc = as_fail(err, AS_ERR_USAGE, "%s: the passphrase file's first line is empty", path);
    else if (as_buf_append(out, raw.data, n, err) != 0 || as_buf_terminate(out, err) != 0)
        rc = -1;
    as_buf_free(&raw);
    return rc;
}

int as_passphrase_get(const as_pass_source *src, const char *what, bool confirm, as_buf *out,
                      as_error *err)
{
    as_buf_init_secret(out, AS_PASSPHRASE_MAX + 1);
    int rc;
    switch (src->kind) {
    case AS_PASS_FILE:
        rc = from_file(src->file, out, err);
        break;
    case AS_PASS_PROMPT:
        rc = from_prompt(what, confirm, out, err);
        break;
    default:
        rc = as_fail(err, AS_ERR_INTERNAL, "no passphrase source");
        break;
    }
    if (rc != 0)
        as_buf_free(out);
    return rc;
}
