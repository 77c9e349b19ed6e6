/* hald serve's request handling end to end: each input is the raw bytes
 * of one HTTP connection (request line, headers, query string, body) sent
 * to a real server on a Unix socket.  Whatever it is, the server answers
 * or closes, and then still answers a good request with exactly the bytes
 * hald score writes: no input crashes it, hangs it or changes the next
 * answer. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "hald/score_run.h"
#include "hald/serve.h"
#include "hald/weights.h"
#include "fuzz.h"

/* The server lives for the fuzzing process: one per process, made on the
 * first input and stopped at exit. */
typedef struct harness {
    hald_server_t *server;
    char socket[256];
    char *expected;          /* hald score's bytes for GOOD_BODY */
    size_t expected_len;
} harness_t;

static harness_t H;

static const char GOOD_BODY[] = ">a\nCAGGTAAGTATTTTAGGGTTCTAAGCCTTGATGAGTTCTCCCCCTACAGTTCTTCATCGGAAATCATAAAGTG"
                                "AACAGGCCAATGCCTGTATATACCACTGTAATAGAGACATCCATTACTGGGAACACACGAGCAGCTCTCG"
                                "TTATT\n>b\nACGT\n";

static void stop(void)
{
    hald_server_stop(H.server);
    free(H.expected);
}

static void start(void)
{
    hald_weights_t *w = fuzz_weights_new(7, 3, 89, 16.0);
    hald_error_t err;
    hald_error_clear(&err);
    hald_serve_model_t *m = hald_serve_model_new(w, HALD_CPU_SCALAR, &err);
    FUZZ_CHECK(m != NULL);
    const char *dir = getenv("TMPDIR");
    snprintf(H.socket, sizeof H.socket, "%s/hald-fuzz-serve-%ld.sock", dir && *dir ? dir : "/tmp",
             (long)getpid());
    hald_serve_opts_t o;
    hald_serve_opts_init(&o);
    o.socket_path = H.socket;
    o.limits.max_body = 1 << 20;
    o.limits.max_line = 4096;
    o.limits.idle_timeout = 2;
    o.limits.threads = 2;
    H.server = hald_server_start(&o, m, &err);
    FUZZ_CHECK(H.server != NULL);

    /* The good request's answer, from the file run's code. */
    hald_scorer_t *scorer = malloc(sizeof *scorer);
    FUZZ_CHECK(scorer != NULL);
    hald_scorer_init(scorer, w, HALD_CPU_SCALAR, 0);
    fuzz_outcome_t out;
    int fd;
    hald_sink_t *sink = fuzz_sink(&fd, &out);
    hald_reader_t *r = hald_reader_from_memory(GOOD_BODY, sizeof GOOD_BODY - 1, "good", &out.err);
    FUZZ_CHECK(r != NULL);
    hald_score_opts_t so;
    hald_score_opts_init(&so);
    so.models = HALD_MODELS_BOTH;
    hald_run_env_t env;
    hald_run_env_init(&env);
    hald_run_stats_t st;
    out.rc = hald_score_run_reader(scorer, &so, r, sink, &env, &st, &out.err);
    hald_reader_close(r);
    fuzz_sink_done(sink, fd, &out);
    FUZZ_CHECK(out.rc == HALD_OK);
    H.expected = out.text;
    H.expected_len = out.len;
    hald_serve_model_release(m);
    free(scorer);
    free(w);
    atexit(stop);
}

/* Sends bytes as one connection (then no more), and reads until the
 * server closes: what it answered (free it). */
static char *exchange(const void *data, size_t size, size_t *len)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(fd >= 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, H.socket, strlen(H.socket));
    FUZZ_CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    const char *p = data;
    size_t left = size;
    while (left) { /* the server may stop reading (an early answer): that is fine */
        ssize_t n = send(fd, p, left, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    size_t cap = 4096, got = 0;
    char *buf = malloc(cap);
    FUZZ_CHECK(buf != NULL);
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int ready = poll(&pfd, 1, 10000);
        if (ready < 0 && errno == EINTR) /* libFuzzer's timer */
            continue;
        FUZZ_CHECK(ready > 0); /* the server never leaves a connection hanging */
        if (got + 1 >= cap) { /* room for the NUL */
            buf = realloc(buf, cap *= 2);
            FUZZ_CHECK(buf != NULL);
        }
        ssize_t n = recv(fd, buf + got, cap - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!H.server)
        start();
    size_t len;
    free(exchange(data, size, &len));

    char request[1024];
    int n = snprintf(request, sizeof request,
                     "POST /score?model=both HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     sizeof GOOD_BODY - 1, GOOD_BODY);
    char *answer = exchange(request, (size_t)n, &len);
    const char *body = strstr(answer, "\r\n\r\n");
    FUZZ_CHECK(strncmp(answer, "HTTP/1.1 200", 12) == 0 && body != NULL);
    body += 4;
    /* Content-Length framing: the body is the rest. */
    FUZZ_CHECK((size_t)(answer + len - body) == H.expected_len &&
               memcmp(body, H.expected, H.expected_len) == 0);
    free(answer);
    return 0;
}
