//! Tests for the header / export consistency check that build.rs runs
//! (build_support/header_check.rs): its C preprocessor, declaration parser
//! and comparison, and the real include/ headers seen through it.

#[path = "../build_support/header_check.rs"]
mod header_check;

use header_check::*;

fn hdr(text: &str) -> Header {
    parse_header(text, LINUX_GCC, false).expect("header parses")
}

fn fn_type(text: &str, name: &str) -> CType {
    hdr(text).functions[name].ty.clone()
}

fn zmq_h() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/zmq.h")).unwrap()
}

/// The 70 functions Debian's libzmq 4.3.4 exports (zmq.h's stable API).
const STABLE: &[&str] = &[
    "zmq_atomic_counter_dec",
    "zmq_atomic_counter_destroy",
    "zmq_atomic_counter_inc",
    "zmq_atomic_counter_new",
    "zmq_atomic_counter_set",
    "zmq_atomic_counter_value",
    "zmq_bind",
    "zmq_close",
    "zmq_connect",
    "zmq_ctx_destroy",
    "zmq_ctx_get",
    "zmq_ctx_new",
    "zmq_ctx_set",
    "zmq_ctx_shutdown",
    "zmq_ctx_term",
    "zmq_curve_keypair",
    "zmq_curve_public",
    "zmq_device",
    "zmq_disconnect",
    "zmq_errno",
    "zmq_getsockopt",
    "zmq_has",
    "zmq_init",
    "zmq_msg_close",
    "zmq_msg_copy",
    "zmq_msg_data",
    "zmq_msg_get",
    "zmq_msg_gets",
    "zmq_msg_init",
    "zmq_msg_init_data",
    "zmq_msg_init_size",
    "zmq_msg_more",
    "zmq_msg_move",
    "zmq_msg_recv",
    "zmq_msg_send",
    "zmq_msg_set",
    "zmq_msg_size",
    "zmq_poll",
    "zmq_proxy",
    "zmq_proxy_steerable",
    "zmq_recv",
    "zmq_recviov",
    "zmq_recvmsg",
    "zmq_send",
    "zmq_send_const",
    "zmq_sendiov",
    "zmq_sendmsg",
    "zmq_setsockopt",
    "zmq_sleep",
    "zmq_socket",
    "zmq_socket_monitor",
    "zmq_stopwatch_intermediate",
    "zmq_stopwatch_start",
    "zmq_stopwatch_stop",
    "zmq_strerror",
    "zmq_term",
    "zmq_threadclose",
    "zmq_threadstart",
    "zmq_timers_add",
    "zmq_timers_cancel",
    "zmq_timers_destroy",
    "zmq_timers_execute",
    "zmq_timers_new",
    "zmq_timers_reset",
    "zmq_timers_set_interval",
    "zmq_timers_timeout",
    "zmq_unbind",
    "zmq_version",
    "zmq_z85_decode",
    "zmq_z85_encode",
];

#[test]
fn comments_and_splices_are_removed() {
    let s = strip_comments("a /* x\n y */ b // c\n#define X \\\n 1\n\"/* kept */\"");
    assert_eq!(
        s.lines().take(3).collect::<Vec<_>>(),
        ["a  ", " b ", "#define X  1"]
    );
    assert!(s.contains("\"/* kept */\""));
}

#[test]
fn integer_expressions() {
    let m = hdr("#define B 100\n#define V(a, b) ((a) *10000 + (b) *100)\n#define X (V (4, 3) + 5)\n\
                 #define H (B + 51)\n#define O 010\n#define N -1\n#define U 0xFFFFu\n#define S (1 << 16 | 2)\n");
    assert_eq!(m.int_value("X").unwrap(), 40305);
    assert_eq!(m.int_value("H").unwrap(), 151);
    assert_eq!(m.int_value("O").unwrap(), 8);
    assert_eq!(m.int_value("N").unwrap(), -1);
    assert_eq!(m.int_value("U").unwrap(), 0xFFFF);
    assert_eq!(m.int_value("S").unwrap(), 0x10002);
    assert!(m.int_value("V").is_err());
    assert!(m.int_value("missing").is_err());
    assert_eq!(
        eval_tokens(&tokenize("1 ? 2 : 3").unwrap(), false).unwrap(),
        2
    );
    assert_eq!(
        eval_tokens(&tokenize("!0 && (3 >= 4 || 2 == 2)").unwrap(), false).unwrap(),
        1
    );
    assert!(eval_tokens(&tokenize("FOO + 1").unwrap(), false).is_err());
    assert_eq!(eval_tokens(&tokenize("FOO + 1").unwrap(), true).unwrap(), 1);
}

#[test]
fn conditionals() {
    let text = "#if defined __GNUC__ && __GNUC__ >= 4\n#define A 1\n#elif 1\n#define A 2\n#else\n#define A 3\n#endif\n\
                #ifdef _WIN32\n#define W 1\n#else\n#define W 0\n#endif\n\
                #ifndef ENOTSUP\n#define ENOTSUP 7\n#endif\n\
                #if !defined(_WIN32)\n#if 0\n#define Z 1\n#elif defined(FOO)\n#define Z 2\n#else\n#define Z 3\n#endif\n#endif\n\
                #define GONE 1\n#undef GONE\n#ifdef GONE\n#define AFTER 1\n#endif\n";
    let h = hdr(text);
    assert_eq!(h.int_value("A").unwrap(), 1);
    assert_eq!(h.int_value("W").unwrap(), 0);
    assert_eq!(h.int_value("ENOTSUP").unwrap(), 7);
    assert_eq!(h.int_value("Z").unwrap(), 3);
    // Defines are remembered after #undef, but the #undef is honoured.
    assert!(h.defines.contains_key("GONE"));
    assert!(!h.defines.contains_key("AFTER"));
    assert!(parse_header("#if 1\n", &[], false).is_err());
    assert!(parse_header("#endif\n", &[], false).is_err());
    // all_branches takes every branch.
    let all = parse_header(
        "#ifdef X\nint a(void);\n#else\nint b(void);\n#endif\n",
        &[],
        true,
    )
    .unwrap();
    assert!(all.functions.contains_key("a") && all.functions.contains_key("b"));
}

#[test]
fn prototypes_compare_structurally() {
    // Parameter names, spacing, const placement and decorations do not matter.
    let a = fn_type(
        "#define EXP __attribute__ ((visibility (\"default\")))\nEXP const char *f (int x_, char const *s_);",
        "f",
    );
    let b = fn_type("const char* f(int, const char *);", "f");
    assert_eq!(a, b);
    // Top-level qualifiers of parameters do not matter, pointee ones do.
    assert_eq!(
        fn_type("int f(const int x, void *const p);", "f"),
        fn_type("int f(int, void *);", "f")
    );
    assert_ne!(
        fn_type("int f(const void *p);", "f"),
        fn_type("int f(void *p);", "f")
    );
    assert_ne!(
        fn_type("size_t f(void);", "f"),
        fn_type("unsigned long f(void);", "f")
    );
    assert_eq!(
        fn_type("unsigned long int f(long int);", "f"),
        fn_type("unsigned long f(long);", "f")
    );
    // `struct iovec *` and cbindgen's `iovec *` are the same.
    assert_eq!(
        fn_type("struct iovec;\nint f(struct iovec *iov_);", "f"),
        fn_type("int f(iovec *iov);", "f")
    );
    assert_eq!(fn_type("int f(void);", "f"), fn_type("int f();", "f"));
}

#[test]
fn function_pointer_typedefs_resolve() {
    // libzmq style: typedefs of function types, used with and without '*'.
    let header = "typedef void (zmq_free_fn) (void *data_, void *hint_);\n\
                  typedef void (zmq_timer_fn) (int timer_id, void *arg);\n\
                  int init (zmq_free_fn *ffn_);\n\
                  int add (void *t, zmq_timer_fn handler, void *arg);";
    // cbindgen style: raw pointers, pointer typedefs, Option<alias>.
    let rust = "typedef void (*TimerFn)(int timer_id, void *arg);\n\
                typedef struct Option_TimerFn Option_TimerFn;\n\
                int init(void (*ffn)(void *, void *));\n\
                int add(void *t, Option_TimerFn handler, void *arg);";
    let h = hdr(header);
    let r = parse_header(rust, &[], true).unwrap();
    assert_eq!(h.functions["init"].ty, r.functions["init"].ty);
    assert_eq!(h.functions["add"].ty, r.functions["add"].ty);
    assert_eq!(
        r.functions["init"].ty.to_string(),
        "int (void (*)(void *, void *))"
    );
    // A different callback signature is caught.
    let wrong = parse_header("int init(void (*ffn)(void *));", &[], true).unwrap();
    assert_ne!(h.functions["init"].ty, wrong.functions["init"].ty);
}

#[test]
fn structs_and_extern_c_blocks() {
    let text = "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\
                typedef struct zmq_msg_t { unsigned char _[64] __attribute__ ((aligned (sizeof (void *)))); } zmq_msg_t;\n\
                typedef struct { void *socket; int fd; short events; short revents; } item_t;\n\
                int zmq_msg_init (zmq_msg_t *msg_);\nint poll (item_t *items, int n, long t);\n\
                #ifdef __cplusplus\n}\n#endif\n";
    let h = hdr(text);
    assert_eq!(
        h.functions["zmq_msg_init"].ty.to_string(),
        "int (zmq_msg_t *)"
    );
    assert_eq!(
        h.functions["poll"].ty.to_string(),
        "int (item_t *, int, long)"
    );
    let cxx = parse_header(text, &[("__cplusplus", "201103L")], false).unwrap();
    assert_eq!(cxx.functions.len(), 2);
}

#[test]
fn zmq_h_declares_exactly_the_stable_api() {
    let (stable, full) = stable_and_full(&zmq_h()).unwrap();
    let names: Vec<&str> = stable.functions.keys().map(String::as_str).collect();
    assert_eq!(names, STABLE);
    for draft in [
        "zmq_ctx_set_ext",
        "zmq_msg_init_buffer",
        "zmq_poller_new",
        "zmq_poller_wait_all",
        "zmq_socket_monitor_versioned",
        "zmq_ppoll",
        "zmq_connect_peer",
    ] {
        assert!(full.functions.contains_key(draft), "{draft}");
        assert!(!stable.functions.contains_key(draft), "{draft}");
    }
    assert_eq!(full.functions.len(), 70 + 26);
    assert!(!stable.defines.contains_key("ZMQ_SERVER"));
    assert_eq!(full.int_value("ZMQ_SERVER").unwrap(), 12);
    assert_eq!(stable.int_value("ZMQ_VERSION").unwrap(), 40305);
    assert_eq!(stable.int_value("ETERM").unwrap(), 156_384_712 + 53);
    assert_eq!(stable.int_value("ZMQ_XREP").unwrap(), 6);
    assert_eq!(full.int_value("ZMQ_EVENT_ALL_V2").unwrap(), 0x1FFFF);
    assert_eq!(
        full.str_value("ZMQ_MSG_PROPERTY_PEER_ADDRESS").unwrap(),
        "Peer-Address"
    );
    assert_eq!(
        stable.functions["zmq_msg_init_data"].ty.to_string(),
        "int (zmq_msg_t *, void *, size_t, void (*)(void *, void *), void *)"
    );
    assert_eq!(
        stable.functions["zmq_msg_gets"].ty.to_string(),
        "const char * (const zmq_msg_t *, const char *)"
    );
    assert_eq!(
        stable.functions["zmq_poll"].ty.to_string(),
        "int (zmq_pollitem_t *, int, long)"
    );
    assert_eq!(
        full.functions["zmq_poller_add_fd"].ty.to_string(),
        "int (void *, int, void *, short)"
    );
}

#[test]
fn zmq_utils_h_agrees_with_zmq_h() {
    let utils =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/zmq_utils.h"))
            .unwrap();
    let u = hdr(&utils);
    let (stable, _) = stable_and_full(&zmq_h()).unwrap();
    assert_eq!(u.functions.len(), 6);
    for (name, f) in &u.functions {
        assert_eq!(f.ty, stable.functions[name].ty, "{name}");
    }
    // With zmq.h already included it declares nothing.
    let after = parse_header(&utils, &[("__ZMQ_H_INCLUDED__", "")], false).unwrap();
    assert!(after.functions.is_empty());
}

#[test]
fn consts_rs_mirrors_every_zmq_h_value() {
    let consts =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/consts.rs")).unwrap();
    let names = rust_const_names(&consts);
    let (_, full) = stable_and_full(&zmq_h()).unwrap();
    for (name, m) in &full.defines {
        if name.starts_with("ZMQ_")
            && m.params.is_none()
            && !HEADER_ONLY_MACROS.contains(&name.as_str())
        {
            assert!(names.contains(name), "{name} missing from src/consts.rs");
        }
    }
    let strs = rust_cstr_consts(&consts);
    assert_eq!(strs.len(), 4);
    for (name, v) in strs {
        assert_eq!(full.str_value(&name).unwrap(), v);
    }
}

fn inputs<'a>(rust_c: &'a str, consts_rs: &'a str, zmq_h: &'a str) -> Inputs<'a> {
    Inputs {
        rust_c,
        consts_rs,
        zmq_h,
        other_headers: vec![],
    }
}

#[test]
fn check_reports_prototype_and_constant_mismatches() {
    let zmq = "#define ZMQ_PAIR 0\n#define ZMQ_SNDHWM 23\n#define ZMQ_XREQ ZMQ_PAIR\n\
               #define ZMQ_PROP \"Routing-Id\"\n#define ZMQ_EXPORT\n\
               ZMQ_EXPORT size_t zmq_msg_size (const zmq_msg_t *msg_);\n\
               ZMQ_EXPORT int zmq_bind (void *s_, const char *addr_);\n";
    let consts = "pub const ZMQ_PAIR: c_int = 0;\npub const ZMQ_SNDHWM: c_int = 24;\n\
                  pub const ZMQ_XREQ: c_int = ZMQ_PAIR;\npub const ZMQ_PROP: &CStr = c\"Routing-ID\";\n\
                  pub const ZMQ_EXTRA: c_int = 1;\n";
    let rust = "#define ZMQ_PAIR 0\n#define ZMQ_SNDHWM 24\n#define ZMQ_XREQ ZMQ_PAIR\n#define ZMQ_EXTRA 1\n\
                size_t zmq_msg_size(zmq_msg_t *msg);\nint zmq_unknown(void);\n";
    let out = run(&inputs(rust, consts, zmq));
    let all = out.errors.join("\n");
    assert_eq!(out.errors.len(), 5, "{all}");
    assert!(all.contains("zmq_msg_size: prototype differs"), "{all}");
    assert!(
        all.contains("size_t zmq_msg_size (const zmq_msg_t *msg_);"),
        "{all}"
    );
    assert!(
        all.contains("size_t zmq_msg_size (zmq_msg_t *msg);"),
        "{all}"
    );
    assert!(
        all.contains("zmq_unknown: exported by Rust but declared in no header"),
        "{all}"
    );
    assert!(
        all.contains("ZMQ_SNDHWM: value differs")
            && all.contains("(= 23)")
            && all.contains("(= 24)"),
        "{all}"
    );
    assert!(all.contains("ZMQ_PROP: value differs"), "{all}");
    assert!(all.contains("ZMQ_EXTRA: defined on the Rust side"), "{all}");
    assert_eq!(out.missing_stable, vec!["zmq_bind".to_string()]);
}

#[test]
fn check_passes_on_agreement_and_flags_missing_consts() {
    let zmq = "#define ZMQ_PAIR 0\n#define ZMQ_NEW 5\n#define ZMQ_EXPORT\n\
               ZMQ_EXPORT int zmq_close (void *s_);\n";
    let consts = "pub const ZMQ_PAIR: c_int = 0;\n";
    let rust = "#define ZMQ_PAIR (0)\nint zmq_close(void *socket);\n";
    let out = run(&inputs(rust, consts, zmq));
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert!(out.errors[0].contains("ZMQ_NEW: #defined in include/zmq.h"));
    assert!(out.missing_stable.is_empty());
    assert!(out.exported.contains("zmq_close"));
}

#[test]
fn draft_functions_are_not_required() {
    let zmq = "int zmq_a (void);\n#ifdef ZMQ_BUILD_DRAFT_API\nint zmq_b (void);\n#endif\n";
    let out = run(&inputs("", "", zmq));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.missing_stable, vec!["zmq_a".to_string()]);
    assert_eq!(out.missing_draft, vec!["zmq_b".to_string()]);
}

/// Differential check against the libzmq header installed on the machine
/// (Debian's libzmq3-dev: 4.3.4), when there is one: every function it
/// declares must be declared by ours with the same type, and every macro
/// value must match except the known 4.3.4 -> 4.3.5 changes.
#[test]
fn agrees_with_installed_libzmq_header() {
    let Ok(system) = std::fs::read_to_string("/usr/include/zmq.h") else {
        eprintln!("skipped: /usr/include/zmq.h not installed");
        return;
    };
    let (sys_stable, sys_full) = stable_and_full(&system).unwrap();
    let (our_stable, our_full) = stable_and_full(&zmq_h()).unwrap();
    assert!(sys_stable.functions.len() >= 70);
    for (sys, ours) in [(&sys_stable, &our_stable), (&sys_full, &our_full)] {
        for (name, f) in &sys.functions {
            let mine = ours
                .functions
                .get(name)
                .unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(f.ty, mine.ty, "{name}: {} vs {}", f.text, mine.text);
        }
        for (name, m) in &sys.defines {
            if m.params.is_some() || !ours.defines.contains_key(name) {
                assert!(
                    ours.defines.contains_key(name),
                    "{name} defined by the installed header only"
                );
                continue;
            }
            let (Ok(a), Ok(b)) = (sys.int_value(name), ours.int_value(name)) else {
                continue;
            };
            let expected_change = matches!(
                name.as_str(),
                "ZMQ_VERSION" | "ZMQ_VERSION_PATCH" | "ZMQ_RECONNECT_STOP_AFTER_DISCONNECT"
            );
            assert!(a == b || expected_change, "{name}: installed {a}, ours {b}");
        }
    }
}
