// Consumer check for C++: a cppzmq (zmq.hpp) program built against an
// installed libzmq that checks the version and passes one message between two
// PAIR sockets over inproc.
//
//   consumer_cpp [--expect-version X.Y.Z]
//
// Exit status 0 on success, 1 on failure.
#include <zmq.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>

int main (int argc, char **argv)
{
    std::string expect_version;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp (argv[i], "--expect-version") == 0 && i + 1 < argc)
            expect_version = argv[++i];
        else {
            std::fprintf (stderr, "usage: %s [--expect-version X.Y.Z]\n", argv[0]);
            return 2;
        }
    }

    int major, minor, patch;
    std::tie (major, minor, patch) = zmq::version ();
    const std::string runtime = std::to_string (major) + "." + std::to_string (minor) + "."
                                + std::to_string (patch);
    std::printf ("cppzmq %d.%d.%d on libzmq %s\n", CPPZMQ_VERSION_MAJOR, CPPZMQ_VERSION_MINOR,
                 CPPZMQ_VERSION_PATCH, runtime.c_str ());
    if (!expect_version.empty () && runtime != expect_version) {
        std::fprintf (stderr, "consumer_cpp: expected libzmq %s\n", expect_version.c_str ());
        return 1;
    }

    try {
        zmq::context_t ctx;
        zmq::socket_t a (ctx, zmq::socket_type::pair);
        zmq::socket_t b (ctx, zmq::socket_type::pair);
        b.set (zmq::sockopt::rcvtimeo, 5000);
        a.set (zmq::sockopt::linger, 0);
        b.set (zmq::sockopt::linger, 0);
        a.bind ("inproc://consumer-cpp");
        b.connect ("inproc://consumer-cpp");
        if (!a.send (zmq::str_buffer ("ping"), zmq::send_flags::none)) {
            std::fprintf (stderr, "consumer_cpp: send would block\n");
            return 1;
        }
        zmq::message_t msg;
        if (!b.recv (msg, zmq::recv_flags::none)) {
            std::fprintf (stderr, "consumer_cpp: recv timed out\n");
            return 1;
        }
        if (msg.to_string () != "ping") {
            std::fprintf (stderr, "consumer_cpp: received '%s', expected 'ping'\n",
                          msg.to_string ().c_str ());
            return 1;
        }
        std::printf ("PAIR over inproc: sent and received 'ping'\n");
    }
    catch (const zmq::error_t &e) {
        std::fprintf (stderr, "consumer_cpp: zmq error: %s (errno %d)\n", e.what (), e.num ());
        return 1;
    }
    return 0;
}
