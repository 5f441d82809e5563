//! Routing helpers used by the socket types on the application thread:
//! pure data structures, no I/O, no `unsafe`.

pub mod mtrie;
pub mod trie;
