/*
 * sluice-supervisor: one small process per job between the node agent and the workload, so that
 * the workload and its exit status outlive the agent (a crash, `systemctl restart`, an upgrade).
 *
 *   agent ──spawn (own session, empty env)──▶ sluice-supervisor <runDir>
 *         ──stdin: the launch (records below)──▶  fork: own session and process group,
 *                                                 stdin /dev/null, stdout+stderr → output.log,
 *                                                 cwd, exec with the launch's env only
 *                                                 → started.json {pid, startTime}
 *         ◀──stdout: "started"──                  wait → kill the process group → cgroup.kill
 *                                                 → exit.json {exitCode, signal, endedAt[, error]}
 *
 * The launch on stdin is a list of NUL-terminated records, each a tag byte and a value (encodeLaunch
 * in src/supervisor-program.ts writes it): `f` program, `d` working directory, `k` cgroup.kill
 * file (optional), `a` one argument (in order, after argv[0]), `e` one NAME=value of the environment,
 * and a last record `.` that says the launch is whole. Nothing starts until the whole launch has
 * come: if the agent died before sending it (stdin ends early), the supervisor exits and nothing
 * ran. It ignores SIGTERM, SIGINT and SIGHUP: stopping a job signals the workload's process group
 * and cgroup, never the supervisor; only SIGKILL ends it early.
 *
 * A C program rather than a Node one: it starts with every job, and a Node process costs about
 * 40 ms of CPU and 10 MiB of memory per job, which a busy node (hundreds of short jobs a minute)
 * pays in full.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LAUNCH (16 * 1024 * 1024)

extern char **environ;

static const char *run_dir;

struct launch {
  const char *file;
  const char *cwd;
  const char *kill_file;
  char **argv; /* argv[0] = file, NULL-terminated */
  char **envp; /* NULL-terminated */
};

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Writes <runDir>/<name> atomically (a temporary file, then rename), mode 0600. */
static int record(const char *name, const char *json) {
  char path[PATH_MAX], tmp[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", run_dir, name) >= (int)sizeof path) return -1;
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int ok = write_all(fd, json, strlen(json)) == 0;
  ok = close(fd) == 0 && ok;
  return ok && rename(tmp, path) == 0 ? 0 : -1;
}

/* `text` as a JSON string (with its quotes) into `out` (at least 6 * strlen + 3 bytes). */
static void json_string(char *out, const char *text) {
  *out++ = '"';
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
    if (*c == '"' || *c == '\\') {
      *out++ = '\\';
      *out++ = (char)*c;
    } else if (*c < 0x20) {
      out += sprintf(out, "\\u%04x", *c);
    } else {
      *out++ = (char)*c;
    }
  }
  *out++ = '"';
  *out = '\0';
}

/* A signal's name as the agent reports it (SIGTERM, ...: the names Node uses). */
static const char *signal_name(int sig) {
  switch (sig) {
#define S(name) case name: return #name;
    S(SIGHUP) S(SIGINT) S(SIGQUIT) S(SIGILL) S(SIGTRAP) S(SIGABRT) S(SIGBUS) S(SIGFPE) S(SIGKILL)
    S(SIGUSR1) S(SIGSEGV) S(SIGUSR2) S(SIGPIPE) S(SIGALRM) S(SIGTERM) S(SIGCHLD) S(SIGCONT)
    S(SIGSTOP) S(SIGTSTP) S(SIGTTIN) S(SIGTTOU) S(SIGURG) S(SIGXCPU) S(SIGXFSZ) S(SIGVTALRM)
    S(SIGPROF) S(SIGWINCH) S(SIGIO) S(SIGPWR) S(SIGSYS)
#ifdef SIGSTKFLT
    S(SIGSTKFLT)
#endif
#undef S
  default: return NULL;
  }
}

/* The symbolic name of the errors exec and chdir give (ENOENT, ...), as Node's spawn errors say. */
static const char *errno_name(int err) {
  switch (err) {
#define E(name) case name: return #name;
    E(ENOENT) E(EACCES) E(EPERM) E(ENOTDIR) E(ENOEXEC) E(E2BIG) E(ENOMEM) E(ELOOP) E(ENAMETOOLONG)
    E(ETXTBSY) E(EISDIR) E(EIO) E(EMFILE) E(ENFILE) E(EINVAL) E(EAGAIN)
#undef E
  default: return "EUNKNOWN";
  }
}

/* Now as an ISO 8601 UTC time with milliseconds, e.g. 2026-11-23T20:31:07.123Z. */
static void iso_now(char *out, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* Records the end (exit code or signal; or why nothing could start) and exits. */
static void end(int has_code, int code, const char *signal, const char *error) {
  char when[40], sig[32] = "null", err[6 * 256 + 16] = "", json[2048];
  iso_now(when, sizeof when);
  if (signal) snprintf(sig, sizeof sig, "\"%s\"", signal);
  if (error) {
    char quoted[6 * 256 + 3];
    char clipped[256];
    snprintf(clipped, sizeof clipped, "%s", error);
    json_string(quoted, clipped);
    snprintf(err, sizeof err, ",\"error\":%s", quoted);
  }
  char exit_code[16] = "null";
  if (has_code) snprintf(exit_code, sizeof exit_code, "%d", code);
  snprintf(json, sizeof json, "{\"exitCode\":%s,\"signal\":%s%s,\"endedAt\":\"%s\"}", exit_code, sig, err, when);
  if (record("exit.json", json) != 0) perror("sluice-supervisor: cannot write exit.json");
  exit(0);
}

/* When a process started (field 22 of /proc/<pid>/stat, as proc-identity.ts reads it), or -1. */
static long long start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  p += 2; /* field 3 (state) on */
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (!p) return -1;
    p++;
  }
  char *stop;
  long long t = strtoll(p, &stop, 10);
  return stop == p ? -1 : t;
}

/* All of stdin; NULL when it ends with nothing or is too large. */
static char *read_stdin(size_t *len) {
  size_t cap = 64 * 1024, n = 0;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  for (;;) {
    if (n == cap) {
      if (cap >= MAX_LAUNCH) return NULL;
      cap *= 2;
      char *more = realloc(buf, cap);
      if (!more) return NULL;
      buf = more;
    }
    ssize_t r = read(0, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return NULL;
    if (r == 0) break;
    n += (size_t)r;
  }
  *len = n;
  return buf;
}

/* Parses the launch records; 0 when the launch is whole and has a program and a directory. */
static int parse_launch(char *buf, size_t len, struct launch *l) {
  size_t args = 0, envs = 0;
  /* Count first, so the arrays are allocated once. */
  for (size_t i = 0; i < len;) {
    char *rec = buf + i;
    char *nul = memchr(rec, '\0', len - i);
    if (!nul) return -1;
    if (rec[0] == 'a') args++;
    if (rec[0] == 'e') envs++;
    i = (size_t)(nul - buf) + 1;
  }
  l->argv = calloc(args + 2, sizeof(char *));
  l->envp = calloc(envs + 1, sizeof(char *));
  if (!l->argv || !l->envp) return -1;
  size_t a = 1, e = 0;
  int whole = 0;
  for (size_t i = 0; i < len;) {
    char *rec = buf + i;
    char *nul = memchr(rec, '\0', len - i);
    if (whole) return -1; /* nothing may follow the end record */
    switch (rec[0]) {
    case 'f': l->file = rec + 1; break;
    case 'd': l->cwd = rec + 1; break;
    case 'k': l->kill_file = rec + 1; break;
    case 'a': l->argv[a++] = rec + 1; break;
    case 'e':
      if (!strchr(rec + 1, '=')) return -1;
      l->envp[e++] = rec + 1;
      break;
    case '.':
      if (rec[1] != '\0') return -1;
      whole = 1;
      break;
    default: return -1;
    }
    i = (size_t)(nul - buf) + 1;
  }
  if (!whole || !l->file || !l->cwd || l->file[0] == '\0') return -1;
  l->argv[0] = (char *)l->file;
  return 0;
}

/* In the forked child: the workload's own session, stdio and directory, then exec. Never returns. */
static void exec_workload(const struct launch *l, int out, int devnull, int report) {
  setsid();
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int failed_step = 0; /* 1: directory, 2: exec */
  if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
    failed_step = 2;
  } else if (chdir(l->cwd) != 0) {
    failed_step = 1;
  } else {
    environ = l->envp;
    execvp(l->file, l->argv);
    failed_step = 2;
  }
  int report_msg[2] = {failed_step, errno};
  (void)write_all(report, (const char *)report_msg, sizeof report_msg);
  _exit(127);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: sluice-supervisor RUN_DIR (the launch on stdin)\n");
    return 2;
  }
  run_dir = argv[1];
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN); /* the agent may be gone when "started" is written */

  size_t len = 0;
  char *input = read_stdin(&len);
  struct launch l = {0};
  /* Nothing (or not all of it) came: the agent died before it sent the launch. Nothing was started. */
  if (!input || len == 0 || parse_launch(input, len, &l) != 0) return 0;

  char out_path[PATH_MAX];
  snprintf(out_path, sizeof out_path, "%s/output.log", run_dir);
  int out = open(out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];
  if (out < 0 || devnull < 0 || pipe2(report, O_CLOEXEC) != 0) {
    char why[300];
    snprintf(why, sizeof why, "cannot prepare the workload's output: %s", strerror(errno));
    end(0, 0, NULL, why);
  }

  pid_t pid = fork();
  if (pid < 0) {
    char why[300];
    snprintf(why, sizeof why, "spawn %s %s: %s", l.file, errno_name(errno), strerror(errno));
    end(0, 0, NULL, why);
  }
  if (pid == 0) exec_workload(&l, out, devnull, report[1]);
  close(report[1]);
  close(out);
  close(devnull);

  /* The report pipe closes on a successful exec; before that, a failed step writes its errno. */
  int failure[2];
  ssize_t got;
  do got = read(report[0], failure, sizeof failure);
  while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == (ssize_t)sizeof failure) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    char why[PATH_MAX + 300];
    if (failure[0] == 1) snprintf(why, sizeof why, "spawn %s %s: cannot enter the working directory %s: %s", l.file, errno_name(failure[1]), l.cwd, strerror(failure[1]));
    else snprintf(why, sizeof why, "spawn %s %s: %s", l.file, errno_name(failure[1]), strerror(failure[1]));
    end(0, 0, NULL, why);
  }

  char started[96];
  long long t = start_time(pid);
  if (t >= 0) snprintf(started, sizeof started, "{\"pid\":%d,\"startTime\":%lld}", (int)pid, t);
  else snprintf(started, sizeof started, "{\"pid\":%d,\"startTime\":null}", (int)pid);
  if (record("started.json", started) != 0) perror("sluice-supervisor: cannot write started.json");
  (void)write_all(1, "started\n", 8); /* the agent is gone: a new one reads started.json */

  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) end(0, 0, NULL, "lost the workload: waitpid failed");
  }
  /* What the workload left behind goes with it: its process group, and what left the group too. */
  kill(-pid, SIGKILL);
  if (l.kill_file && l.kill_file[0]) {
    int fd = open(l.kill_file, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)write_all(fd, "1", 1);
      close(fd);
    }
    /* no cgroup.kill here: the agent kills the cgroup's members when it removes it */
  }
  if (WIFSIGNALED(status)) {
    const char *name = signal_name(WTERMSIG(status));
    char other[24];
    if (!name) {
      snprintf(other, sizeof other, "SIG%d", WTERMSIG(status));
      name = other;
    }
    end(0, 0, name, NULL);
  }
  end(1, WEXITSTATUS(status), NULL, NULL);
}
