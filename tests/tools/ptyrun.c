/*
 * ptyrun: runs a command on a pseudo-terminal and answers its passphrase prompts, for tests
 * that drive tools which read passphrases only from a terminal (age 1.1.1) or that check
 * terminal-only behaviour (progress bars, no-echo prompts).
 *
 *   ptyrun [-a ANSWER]... [-o TRANSCRIPT] -- COMMAND [ARG]...
 *
 * Each time the command's output ends with a prompt containing "passphrase" or "Password"
 * (case-insensitive) and ": ", or with a question ending "[y/N] ", the next ANSWER is typed
 * followed by Enter. Everything the
 * command writes to the terminal is copied to TRANSCRIPT (or discarded). Exits with the
 * command's exit status (128+signal if killed).
 */
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

static int has_prompt(const char *tail)
{
    size_t tl = strlen(tail);
    if (tl >= 6 && strcmp(tail + tl - 6, "[y/N] ") == 0)
        return 1;
    const char *p = strstr(tail, ": ");
    if (p == NULL)
        return 0;
    char low[512];
    size_t n = strlen(tail) < sizeof low - 1 ? strlen(tail) : sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)((tail[i] >= 'A' && tail[i] <= 'Z') ? tail[i] + 32 : tail[i]);
    low[n] = '\0';
    return strstr(low, "passphrase") != NULL || strstr(low, "password") != NULL;
}

int main(int argc, char **argv)
{
    const char *answers[16];
    int nanswers = 0, next = 0, c;
    FILE *transcript = NULL;
    while ((c = getopt(argc, argv, "+a:o:")) != -1) {
        if (c == 'a' && nanswers < 16)
            answers[nanswers++] = optarg;
        else if (c == 'o')
            transcript = fopen(optarg, "w");
        else
            return 2;
    }
    if (optind >= argc)
        return 2;
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    if (pid < 0) {
        perror("forkpty");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[optind], argv + optind);
        perror("exec");
        _exit(127);
    }
    char tail[512] = "";
    size_t tlen = 0;
    for (;;) {
        char buf[1024];
        ssize_t n = read(master, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EIO when the child has closed the terminal */
        if (transcript != NULL)
            fwrite(buf, 1, (size_t)n, transcript);
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || tlen == sizeof tail - 1)
                tlen = 0;
            else
                tail[tlen++] = buf[i];
            tail[tlen] = '\0';
        }
        if (has_prompt(tail) && next < nanswers) {
            usleep(50000); /* let the program switch echo off */
            if (write(master, answers[next], strlen(answers[next])) < 0 ||
                write(master, "\r", 1) < 0)
                break;
            next++;
            tlen = 0;
            tail[0] = '\0';
        }
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (transcript != NULL)
        fclose(transcript);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
