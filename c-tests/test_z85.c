/* Z85 (RFC 32) through zmq_z85_encode / zmq_z85_decode: the RFC test vector,
 * round trips, and strict rejection of bad lengths, characters outside the
 * alphabet and groups worth more than 0xFFFFFFFF. */
#include "testutil.h"

static const char alphabet[] =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

static const uint8_t hello[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};

/* Decoding `text` must fail with EINVAL. */
static void expect_bad_decode (const char *text)
{
    uint8_t out[64];
    errno = 0;
    if (zmq_z85_decode (out, text) != NULL)
        TEST_FAIL ("decoding '%s' succeeded", text);
    TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
}

static void test_rfc_vector (void)
{
    char text[11];
    memset (text, 'x', sizeof text);
    TEST_ASSERT (zmq_z85_encode (text, hello, 8) == text);
    TEST_ASSERT (strcmp (text, "HelloWorld") == 0);

    uint8_t bytes[8];
    TEST_ASSERT (zmq_z85_decode (bytes, "HelloWorld") == bytes);
    TEST_ASSERT (memcmp (bytes, hello, 8) == 0);
}

static void test_encode_lengths (void)
{
    uint8_t data[8] = {0};
    char text[16];
    /* Empty data encodes as an empty string. */
    text[0] = 'x';
    TEST_ASSERT (zmq_z85_encode (text, data, 0) == text);
    TEST_ASSERT_EQ_INT (0, text[0]);
    for (size_t n = 1; n < 8; n++) {
        if (n % 4 == 0)
            continue;
        errno = 0;
        TEST_ASSERT (zmq_z85_encode (text, data, n) == NULL);
        TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
    }
}

static void test_decode_lengths (void)
{
    /* 4.3.5 rejects the empty text, and every length not a multiple of 5. */
    expect_bad_decode ("");
    expect_bad_decode ("H");
    expect_bad_decode ("Hell");
    expect_bad_decode ("Hello1");
    expect_bad_decode ("HelloWorl");
    expect_bad_decode ("HelloWorld1");
}

static void test_decode_characters (void)
{
    /* Every alphabet character decodes to its index. */
    for (int i = 0; i < 85; i++) {
        char text[6] = "0000";
        text[4] = alphabet[i];
        text[5] = 0;
        uint8_t out[4];
        TEST_ASSERT (zmq_z85_decode (out, text) == out);
        TEST_ASSERT_EQ_INT (i, out[3]);
        TEST_ASSERT_EQ_INT (0, out[0] | out[1] | out[2]);
    }
    /* Everything else, in any position of any group, is rejected. */
    for (int c = 1; c < 256; c++) {
        if (memchr (alphabet, c, 85))
            continue;
        for (int pos = 0; pos < 10; pos += 3) {
            char text[11] = "HelloWorld";
            text[pos] = (char) c;
            expect_bad_decode (text);
        }
    }
}

static void test_decode_range (void)
{
    uint8_t out[4];
    TEST_ASSERT (zmq_z85_decode (out, "%nSc0") == out);
    for (int i = 0; i < 4; i++)
        TEST_ASSERT_EQ_INT (0xFF, out[i]);
    char text[6];
    TEST_ASSERT (zmq_z85_encode (text, out, 4) == text);
    TEST_ASSERT (strcmp (text, "%nSc0") == 0);
    /* 0x100000000 and the largest 5-character value do not fit in 32 bits. */
    expect_bad_decode ("%nSc1");
    expect_bad_decode ("#####");
    expect_bad_decode ("HelloWorld#####");
}

static void test_round_trips (void)
{
    /* The CURVE key from the zmq_z85_decode man page. */
    const char *key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    uint8_t bin[32];
    char text[41];
    TEST_ASSERT (zmq_z85_decode (bin, key) == bin);
    TEST_ASSERT (zmq_z85_encode (text, bin, 32) == text);
    TEST_ASSERT (strcmp (text, key) == 0);

    /* All byte values, in several lengths. */
    uint8_t data[256], back[256];
    char big[321];
    uint32_t x = 0x9E3779B9u;
    for (int round = 0; round < 64; round++) {
        for (int i = 0; i < 256; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            data[i] = round == 0 ? (uint8_t) i : (uint8_t) x;
        }
        size_t n = (size_t) (round % 64 + 1) * 4;
        TEST_ASSERT (zmq_z85_encode (big, data, n) == big);
        TEST_ASSERT_EQ_INT (n * 5 / 4, strlen (big));
        TEST_ASSERT (zmq_z85_decode (back, big) == back);
        TEST_ASSERT (memcmp (data, back, n) == 0);
    }
}

static void test_in_place_decode (void)
{
    /* libzmq reads 5 characters before writing 4 bytes, so decoding into the
     * text's own buffer works; keep that working. */
    char buf[11] = "HelloWorld";
    TEST_ASSERT (zmq_z85_decode ((uint8_t *) buf, buf) == (uint8_t *) buf);
    TEST_ASSERT (memcmp (buf, hello, 8) == 0);
}

static void test_rampart_only (void)
{
    if (!is_rampart ())
        return;
    uint8_t out[8];
    char text[11];
    /* NULL pointers are refused instead of crashing. */
    errno = 0;
    TEST_ASSERT (zmq_z85_decode (NULL, "HelloWorld") == NULL);
    TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
    errno = 0;
    TEST_ASSERT (zmq_z85_decode (out, NULL) == NULL);
    TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
    errno = 0;
    TEST_ASSERT (zmq_z85_encode (NULL, hello, 8) == NULL);
    TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
    errno = 0;
    TEST_ASSERT (zmq_z85_encode (text, NULL, 8) == NULL);
    TEST_ASSERT_EQ_INT (EINVAL, zmq_errno ());
    /* A rejected text leaves the destination untouched (libzmq may have
     * written the groups before the bad one). */
    memset (out, 0xAA, sizeof out);
    TEST_ASSERT (zmq_z85_decode (out, "HelloWor~d") == NULL);
    for (int i = 0; i < 8; i++)
        TEST_ASSERT_EQ_INT (0xAA, out[i]);
}

int main (void)
{
    test_watchdog (30);
    test_rfc_vector ();
    test_encode_lengths ();
    test_decode_lengths ();
    test_decode_characters ();
    test_decode_range ();
    test_round_trips ();
    test_in_place_decode ();
    test_rampart_only ();
    return 0;
}
