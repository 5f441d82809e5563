//! Holds the `zeromq-src` dependency so `cargo metadata` unpacks libzmq 4.3.5's
//! source tree; scripts/conformance.sh builds its tests against Rampart.
