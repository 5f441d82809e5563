//! A small mutational fuzzer on stable Rust for the three bodies of
//! `mod.rs`, so that CI (stable toolchain only) fuzzes without cargo-fuzz.
//! Run through `tests::soak`; see `scripts/fuzz.sh`.
//!
//! - Corpus: valid inputs built per target (`seeds.rs`), grown with every
//!   input whose [`Outcome`] shows a new *state*: a projection of (error
//!   kind, phase, events, bytes consumed, what was seen), counts bucketed by
//!   powers of two.
//! - Mutations (`mutate.rs`): byte, length-field, range, token, splice,
//!   frame-level, chunk-boundary and timing edits.
//! - A panic is a finding (`findings.rs`): the input is written as hex to
//!   `RAMPART_FUZZ_FINDINGS` (default `target/fuzz-findings/`), with a
//!   minimized copy, and the test fails. A watchdog treats an execution
//!   longer than `RAMPART_FUZZ_HANG_SECS` (default 20) as a hang finding.
//!
//! Environment: `RAMPART_FUZZ_SECS` (per target, default 10),
//! `RAMPART_FUZZ_SEED` (default from the clock; printed),
//! `RAMPART_FUZZ_EXECS` (stop after this many executions per target, for
//! exact repeats), `RAMPART_FUZZ_TARGETS` (comma-separated names),
//! `RAMPART_FUZZ_REPLAY` (hex files to run once instead; the file name
//! starts with the target name).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::catch::{exec, QuietPanics};
use super::findings::save;
use super::mutate::mutate;
use super::prng::{mix, Prng};
use super::seeds::seeds;
use super::target::{Kind, Target};
use super::Outcome;

/// Corpus entries beyond the seeds.
const MAX_CORPUS: usize = 8192;

fn bucket(n: u32) -> u64 {
    u64::from(32 - n.leading_zeros())
}

/// The states an outcome reaches: projections of it, counts bucketed.
pub(super) fn states(o: &Outcome) -> [u64; 5] {
    let e = u64::from(o.error);
    let ph = u64::from(o.phase);
    let ev = bucket(o.events);
    let by = bucket(o.consumed);
    let seen = u64::from(o.seen);
    [
        mix(1 << 60 | e << 8 | ph),
        mix(2 << 60 | e << 8 | ev),
        mix(3 << 60 | e << 8 | by),
        mix(4 << 60 | seen),
        mix(5 << 60 | ph << 8 | ev),
    ]
}

/// What the watchdog sees: executions so far and the current input.
struct Watch {
    execs: AtomicU64,
    stop: AtomicBool,
    current: Mutex<(&'static str, Vec<u8>)>,
}

/// Deletes ranges while the input still panics (a few seconds at most).
fn minimize(t: &Target, input: &[u8], watch: &Watch) -> Vec<u8> {
    let keep = usize::from(t.kind != Kind::Greeting);
    let mut best = input.to_vec();
    let until = Instant::now() + Duration::from_secs(5);
    let mut chunk = best.len() / 2;
    while chunk >= 1 && Instant::now() < until {
        let mut i = keep;
        while i < best.len() && Instant::now() < until {
            let mut cand = best.clone();
            cand.drain(i..(i + chunk).min(cand.len()));
            watch.execs.fetch_add(1, Ordering::Relaxed);
            if exec(t, &cand).is_err() {
                best = cand;
            } else {
                i += chunk;
            }
        }
        chunk /= 2;
    }
    best
}

pub(super) struct Report {
    pub(super) name: &'static str,
    pub(super) execs: u64,
    pub(super) secs: f64,
    pub(super) seeds: usize,
    pub(super) corpus: usize,
    pub(super) states: usize,
    pub(super) slowest: Duration,
    pub(super) mean_len: usize,
    pub(super) findings: Vec<PathBuf>,
}

pub(super) struct Settings {
    pub(super) seed: u64,
    pub(super) secs: u64,
    pub(super) max_execs: Option<u64>,
    pub(super) hang: Duration,
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}

pub(super) fn settings() -> Settings {
    let seed = env_u64("RAMPART_FUZZ_SEED").unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        mix(t.as_nanos() as u64 ^ u64::from(std::process::id()) << 32)
    });
    Settings {
        seed,
        secs: env_u64("RAMPART_FUZZ_SECS").unwrap_or(10),
        max_execs: env_u64("RAMPART_FUZZ_EXECS"),
        hang: Duration::from_secs(env_u64("RAMPART_FUZZ_HANG_SECS").unwrap_or(20)),
    }
}

/// Fuzzes each of `targets` in turn; prints one line per target.
pub(super) fn run(targets: &[&Target], s: &Settings) -> Vec<Report> {
    let _quiet = QuietPanics::install();
    let watch = Arc::new(Watch {
        execs: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        current: Mutex::new(("", Vec::new())),
    });
    let dog = {
        let watch = Arc::clone(&watch);
        let (hang, seed) = (s.hang, s.seed);
        std::thread::spawn(move || {
            let mut last = (u64::MAX, Instant::now());
            while !watch.stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let n = watch.execs.load(Ordering::Relaxed);
                if n != last.0 {
                    last = (n, Instant::now());
                } else if last.1.elapsed() >= hang {
                    let cur = watch.current.lock().unwrap_or_else(|e| e.into_inner());
                    let note = format!("hang (> {hang:?}) in {}, seed {seed:#x}\n", cur.0);
                    let path = save(cur.0, "hang-", &cur.1, &note);
                    println!(
                        "FUZZ FINDING: {} ran longer than {hang:?} on one input (seed {seed:#x})\n  reproducer: {}",
                        cur.0,
                        path.display()
                    );
                    std::process::exit(3);
                }
            }
        })
    };
    let mut reports = Vec::new();
    for (ti, t) in targets.iter().enumerate() {
        let r = run_target(t, s, s.seed ^ mix(ti as u64 + 1), &watch);
        let rate = r.execs as f64 / r.secs.max(1e-9);
        println!(
            "fuzz {:<20} {:>9} execs ({:>7.0}/s), corpus {:>5} ({} seeds), {:>5} states, slowest {:.1} ms, mean input {} B, {} finding(s)",
            r.name,
            r.execs,
            rate,
            r.corpus,
            r.seeds,
            r.states,
            r.slowest.as_secs_f64() * 1e3,
            r.mean_len,
            r.findings.len()
        );
        reports.push(r);
    }
    watch.stop.store(true, Ordering::Relaxed);
    let _ = dog.join();
    reports
}

fn run_target(t: &Target, s: &Settings, seed: u64, watch: &Watch) -> Report {
    let mut rng = Prng::new(seed);
    let seeds = seeds(t.kind);
    let n_seeds = seeds.len();
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut findings = Vec::new();
    let mut slowest = Duration::ZERO;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(s.secs);
    let mut execs = 0u64;
    let mut pending = seeds.into_iter();
    loop {
        if s.max_execs.is_some_and(|m| execs >= m) {
            break;
        }
        if execs.is_multiple_of(32) && s.max_execs.is_none() && Instant::now() >= deadline {
            break;
        }
        let (input, is_seed) = match pending.next() {
            Some(seed) => (seed, true),
            None if corpus.is_empty() => break,
            None => {
                // Prefer the shorter of two: growth is rewarded (bytes
                // consumed is part of the state) but costs speed.
                let (a, b) = (rng.below(corpus.len()), rng.below(corpus.len()));
                let short = if corpus[a].len() <= corpus[b].len() {
                    a
                } else {
                    b
                };
                let base = &corpus[if rng.one_in(4) { a } else { short }];
                let donor = &corpus[rng.below(corpus.len())];
                (mutate(&mut rng, t.kind, base, donor), false)
            }
        };
        {
            let mut cur = watch.current.lock().unwrap_or_else(|e| e.into_inner());
            cur.0 = t.name;
            cur.1.clear();
            cur.1.extend_from_slice(&input);
        }
        let t0 = Instant::now();
        let r = exec(t, &input);
        let took = t0.elapsed();
        execs += 1;
        watch.execs.fetch_add(1, Ordering::Relaxed);
        slowest = slowest.max(took);
        match r {
            Ok(o) => {
                let mut new = false;
                for st in states(&o) {
                    new |= seen.insert(st);
                }
                if is_seed || new {
                    if corpus.len() < n_seeds + MAX_CORPUS {
                        corpus.push(input);
                    } else {
                        let i = n_seeds + rng.below(MAX_CORPUS);
                        corpus[i] = input;
                    }
                }
            }
            Err(msg) => {
                let note = format!(
                    "{}: {msg}\nseed {:#x} (RAMPART_FUZZ_SEED), execution {execs}\n",
                    t.name, s.seed
                );
                let path = save(t.name, "", &input, &note);
                let min = minimize(t, &input, watch);
                let min_path = save(t.name, "min-", &min, &note);
                println!(
                    "FUZZ FINDING in {} (seed {:#x}, execution {execs}): {msg}\n  reproducer: {} ({} bytes)\n  minimized:  {} ({} bytes)\n  replay: RAMPART_FUZZ_REPLAY={} cargo test --lib zmtp::fuzzing::tests::soak -- --ignored --nocapture",
                    t.name,
                    s.seed,
                    path.display(),
                    input.len(),
                    min_path.display(),
                    min.len(),
                    min_path.display()
                );
                findings.push(path);
                // One finding per target per run: fix it, then go on.
                break;
            }
        }
    }
    Report {
        name: t.name,
        execs,
        secs: started.elapsed().as_secs_f64(),
        seeds: n_seeds,
        corpus: corpus.len(),
        states: seen.len(),
        slowest,
        mean_len: corpus.iter().map(Vec::len).sum::<usize>() / corpus.len().max(1),
        findings,
    }
}
