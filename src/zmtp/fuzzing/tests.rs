//! The bodies on random inputs, the stable fuzzer's parts on a short fixed
//! run, and `soak`: the stable fuzz run itself (ignored; `scripts/fuzz.sh`).

use super::outcome::SEEN_HANDSHAKE;
use super::*;
use crate::zmtp::command::write_property;
use crate::zmtp::testutil::Rng;

fn peer_greeting_and_ready(socket_type: &[u8]) -> Vec<u8> {
    let mut v = greeting::signature(0).to_vec();
    v.push(3);
    v.extend_from_slice(&greeting::tail(
        1,
        &greeting::mechanism_field("NULL"),
        false,
    ));
    let mut props = vec![5];
    props.extend_from_slice(b"READY");
    write_property(&mut props, b"Socket-Type", socket_type);
    v.push(COMMAND);
    v.push(props.len() as u8);
    v.extend_from_slice(&props);
    v
}

#[test]
fn decoder_target_on_random_inputs() {
    let mut rng = Rng::new(11);
    for i in 0..3000 {
        let len = rng.below(if i % 10 == 0 { 20_000 } else { 300 });
        decoder(&rng.bytes(len));
    }
}

#[test]
fn greeting_target_on_random_inputs() {
    let mut rng = Rng::new(12);
    let valid = peer_greeting_and_ready(b"ROUTER");
    for i in 0..2000 {
        let mut input = if i % 2 == 0 {
            valid.clone()
        } else {
            rng.bytes_below(100)
        };
        for _ in 0..rng.below(4) {
            if !input.is_empty() {
                let at = rng.below(input.len());
                input[at] = rng.next() as u8;
            }
        }
        greeting(&input);
    }
}

#[test]
fn null_handshake_target_on_random_inputs() {
    let mut rng = Rng::new(13);
    let types: [&[u8]; 4] = [b"PUSH", b"DEALER", b"SUB", b"PAIR"];
    for i in 0..3000 {
        let mut wire = peer_greeting_and_ready(types[i % 4]);
        // Random frames after the handshake, some of them commands.
        for _ in 0..rng.below(6) {
            let kind = rng.below(5);
            let body = match kind {
                0 => b"\x04PING\x00\x05ctx".to_vec(),
                1 => b"\x09SUBSCRIBEtopic".to_vec(),
                2 => rng.bytes_below(40),
                _ => rng.bytes_below(300),
            };
            let flags = if kind < 2 {
                COMMAND
            } else {
                rng.below(2) as u8
            };
            if body.len() > 255 {
                wire.push(flags | 2);
                wire.extend_from_slice(&(body.len() as u64).to_be_bytes());
            } else {
                wire.push(flags);
                wire.push(body.len() as u8);
            }
            wire.extend_from_slice(&body);
        }
        for _ in 0..rng.below(3) {
            let at = rng.below(wire.len());
            wire[at] = rng.next() as u8;
        }
        // Wrap as [len] chunks.
        let mut data = vec![rng.next() as u8];
        let mut pos = 0;
        while pos < wire.len() {
            let n = (1 + rng.below(255)).min(wire.len() - pos);
            data.push(n as u8);
            data.extend_from_slice(&wire[pos..pos + n]);
            pos += n;
        }
        null_handshake(&data);
        // And as raw garbage.
        null_handshake(&rng.bytes_below(200));
    }
}

#[test]
fn plain_handshake_target_completes_and_survives_noise() {
    use super::outcome::SEEN_ZAP;
    use super::seeds::seeds;
    use super::target::Kind;
    let plain = seeds(Kind::Plain);
    // Both roles for each of the 11 socket types complete the handshake;
    // the server side asked ZAP.
    for (i, s) in plain[..22].iter().enumerate() {
        let o = plain_handshake_run(s);
        assert_ne!(o.seen & SEEN_HANDSHAKE, 0, "seed {i}: {o:?}");
        assert_eq!(o.seen & SEEN_ZAP != 0, i % 2 == 0, "seed {i}");
    }
    // ZAP answers: only 200 (picks 0 and 7) lets the handshake through.
    for (pick, s) in plain[22..30].iter().enumerate() {
        let o = plain_handshake_run(s);
        let done = o.seen & SEEN_HANDSHAKE != 0;
        assert_eq!(done, pick == 0 || pick == 7, "pick {pick}: {o:?}");
    }
    let mut rng = Rng::new(14);
    for _ in 0..3000 {
        let base = &plain[rng.below(plain.len())];
        let mut input = base.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(input.len());
            input[at] = rng.next() as u8;
        }
        plain_handshake(&input);
        plain_handshake(&rng.bytes_below(200));
    }
}

#[test]
fn fuzz_driver_seeds_mutations_and_helpers() {
    use super::findings::unhex;
    use super::mutate::mutate;
    use super::prng::Prng;
    use super::seeds::seeds;
    use super::target::{decoder_sel, Kind, TARGETS};
    // Every seed runs; the NULL seeds for each socket type (11 types x 4
    // option sets) complete the handshake.
    for t in &TARGETS {
        for s in seeds(t.kind) {
            (t.run)(&s);
        }
    }
    let null = seeds(Kind::Null);
    for s in &null[..44] {
        let o = null_handshake_run(s);
        assert_ne!(o.seen & SEEN_HANDSHAKE, 0, "{o:?}");
    }
    assert_eq!(decoder_sel(2, 3, 5) % 3, 2);
    assert_eq!(decoder_sel(0, 1, 0) >> 2 & 3, 1);
    assert_eq!(unhex("0aff\n10"), vec![0x0a, 0xff, 0x10]);
    // The mutators (not under catch_unwind here): a short fixed run.
    let mut rng = Prng::new(42);
    for t in &TARGETS {
        let corpus = seeds(t.kind);
        let mut states = std::collections::HashSet::new();
        for _ in 0..1500 {
            let base = &corpus[rng.below(corpus.len())];
            let donor = &corpus[rng.below(corpus.len())];
            let input = mutate(&mut rng, t.kind, base, donor);
            assert!(input.len() <= 64 * 1024);
            states.extend(driver_states(&(t.run)(&input)));
        }
        assert!(states.len() > 20, "{}: {} states", t.name, states.len());
    }
}

fn driver_states(o: &Outcome) -> [u64; 5] {
    super::soak::states(o)
}

/// The stable fuzz run (`scripts/fuzz.sh`; CI runs it for 10 s per
/// target from `scripts/test.sh`). See `soak.rs` for the environment.
#[test]
#[ignore = "long: scripts/fuzz.sh"]
fn soak() {
    use super::{findings, soak, target};
    if let Ok(paths) = std::env::var("RAMPART_FUZZ_REPLAY") {
        findings::replay(&paths);
        return;
    }
    let s = soak::settings();
    let only = std::env::var("RAMPART_FUZZ_TARGETS").ok();
    let targets: Vec<_> = target::TARGETS
        .iter()
        .filter(|t| {
            only.as_deref()
                .is_none_or(|o| o.split(',').any(|n| n.trim() == t.name))
        })
        .collect();
    println!(
        "fuzz: seed {:#x} (RAMPART_FUZZ_SEED repeats it), {} s per target{}",
        s.seed,
        s.secs,
        s.max_execs
            .map_or(String::new(), |n| format!(", at most {n} executions"))
    );
    let reports = soak::run(&targets, &s);
    let findings: Vec<_> = reports.iter().flat_map(|r| &r.findings).collect();
    assert!(
        findings.is_empty(),
        "{} fuzz finding(s) (seed {:#x}): {findings:?}",
        findings.len(),
        s.seed
    );
}

#[test]
fn curve_target_clean_and_mangled() {
    // A clean stream completes the handshake unless the client names the
    // wrong server key or the target, as server, has ZAP refuse.
    for sel in 0..=255u8 {
        let o = curve_handshake_run(&[sel]);
        let target_server = sel & 1 == 0;
        let zap = sel >> 6;
        let want = sel & 0x20 == 0 && (!target_server || zap <= 1);
        assert_eq!(o.seen & SEEN_HANDSHAKE != 0, want, "sel {sel:#x}: {o:?}");
        if want {
            assert!(o.events >= 2, "sel {sel:#x}: traffic delivered: {o:?}");
        }
    }
    // Random ops on the honest stream: never a panic, never a forged or
    // replayed message (the body asserts it).
    let mut rng = Rng::new(14);
    for _ in 0..1500 {
        let mut input = vec![rng.next() as u8 & 0x1F];
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(700) as u16;
            input.push(rng.next() as u8);
            input.extend_from_slice(&at.to_be_bytes());
            input.push(rng.next() as u8);
        }
        curve_handshake(&input);
    }
}
