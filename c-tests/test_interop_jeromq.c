/* Debian's JeroMQ 0.3.6 (libjeromq-java), which speaks ZMTP 2.0, as a REQ
 * client of our REP under the profile the environment gives (an unconfigured
 * program: Rampart's `default`). libzmq accepts ZMTP 2.0 peers, and so must
 * Rampart outside its `strict` profile.
 *
 * The Java program is written out from this file and run with Java's
 * single-file source launcher (needs a JDK: default-jdk-headless). Skipped
 * (77) when java, javac or /usr/share/java/jeromq.jar is missing.
 *
 * RAMPART_TEST: timeout=120 labels=interop */
#include "testutil.h"
#include <sys/stat.h>
#include <sys/wait.h>

#define JEROMQ_JAR "/usr/share/java/jeromq.jar"
#define ROUNDS 5

static const char *java_src =
  "import org.zeromq.ZMQ;\n"
  "public class JeromqReq {\n"
  "    public static void main(String[] args) {\n"
  "        ZMQ.Context ctx = ZMQ.context(1);\n"
  "        ZMQ.Socket req = ctx.socket(ZMQ.REQ);\n"
  "        req.setReceiveTimeOut(20000);\n"
  "        req.setLinger(0);\n"
  "        req.connect(args[0]);\n"
  "        int rounds = Integer.parseInt(args[1]);\n"
  "        for (int i = 0; i < rounds; i++) {\n"
  "            req.send(\"ping \" + i);\n"
  "            String reply = req.recvStr();\n"
  "            if (reply == null || !reply.equals(\"pong \" + i)) {\n"
  "                System.err.println(\"JeroMQ REQ: bad reply \" + reply);\n"
  "                System.exit(1);\n"
  "            }\n"
  "        }\n"
  "        req.close();\n"
  "        ctx.term();\n"
  "        System.out.println(\"JeroMQ REQ: \" + rounds + \" round trips\");\n"
  "    }\n"
  "}\n";

static int on_path (const char *prog)
{
    char cmd[256];
    snprintf (cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
    return system (cmd) == 0;
}

int main (void)
{
    test_watchdog (110);
    if (!on_path ("java"))
        TEST_SKIP ("no java on PATH (apt-get install default-jdk-headless libjeromq-java)");
    if (!on_path ("javac"))
        TEST_SKIP ("java but no javac: the source launcher needs a JDK "
                   "(apt-get install default-jdk-headless)");
    struct stat st;
    if (stat (JEROMQ_JAR, &st) != 0)
        TEST_SKIP ("no " JEROMQ_JAR " (apt-get install libjeromq-java)");

    char dir[] = "/tmp/rampart-jeromq-XXXXXX";
    TEST_ASSERT (mkdtemp (dir) != NULL);
    char src[sizeof dir + 32];
    snprintf (src, sizeof src, "%s/JeromqReq.java", dir);
    FILE *f = fopen (src, "w");
    TEST_ASSERT (f);
    fputs (java_src, f);
    fclose (f);

    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    char ep[256];
    bind_ephemeral (rep, "tcp://127.0.0.1:*", ep, sizeof ep);
    set_rcvtimeo (rep, 60000);

    pid_t child = fork ();
    TEST_ASSERT (child >= 0);
    if (child == 0) {
        char rounds[16];
        snprintf (rounds, sizeof rounds, "%d", ROUNDS);
        execlp ("java", "java", "-cp", JEROMQ_JAR, src, ep, rounds, (char *) NULL);
        _exit (127);
    }
    for (int i = 0; i < ROUNDS; i++) {
        char buf[32], want[32];
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        if (n < 0) {
            kill (child, SIGKILL);
            waitpid (child, NULL, 0);
            TEST_FAIL ("no request %d from JeroMQ: %s", i, zmq_strerror (zmq_errno ()));
        }
        buf[n] = 0;
        snprintf (want, sizeof want, "ping %d", i);
        TEST_ASSERT (strcmp (buf, want) == 0);
        snprintf (buf, sizeof buf, "pong %d", i);
        send_str (rep, buf, 0);
    }
    int status = 0;
    TEST_ASSERT (waitpid (child, &status, 0) == child);
    unlink (src);
    rmdir (dir);
    TEST_ASSERT (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    close_zero (rep);
    TEST_OK (zmq_ctx_term (ctx));
    return 0;
}
