//! Findings on disk: inputs saved as hex under `RAMPART_FUZZ_FINDINGS`
//! (default `target/fuzz-findings/`), and replayed from there.

use std::path::{Path, PathBuf};

use super::prng::mix;
use super::target::TARGETS;

fn hex(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len() * 2 + data.len() / 32 + 1);
    for (i, b) in data.iter().enumerate() {
        s.push_str(&format!("{b:02x}"));
        if i % 32 == 31 {
            s.push('\n');
        }
    }
    s.push('\n');
    s
}

pub(super) fn unhex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter_map(|c| (c as char).to_digit(16).map(|d| d as u8))
        .collect();
    digits.chunks_exact(2).map(|p| p[0] << 4 | p[1]).collect()
}

fn findings_dir() -> PathBuf {
    std::env::var_os("RAMPART_FUZZ_FINDINGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-findings"))
}

/// Writes `input` as hex; returns the path.
pub(super) fn save(target: &str, tag: &str, input: &[u8], note: &str) -> PathBuf {
    let dir = findings_dir();
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{target}-{tag}{:016x}.hex", mix(fnv(input))));
    if let Err(e) = std::fs::write(&path, hex(input)) {
        println!("fuzz: cannot write {}: {e}", path.display());
    }
    let _ = std::fs::write(path.with_extension("txt"), note);
    path
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xCBF2_9CE4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    })
}

/// Runs saved inputs once each (a panic propagates).
pub(super) fn replay(paths: &str) {
    for p in paths.split(':').filter(|p| !p.is_empty()) {
        let file = Path::new(p)
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        let t = TARGETS
            .iter()
            .filter(|t| file.starts_with(t.name))
            .max_by_key(|t| t.name.len())
            .unwrap_or_else(|| panic!("{p}: file name does not start with a target name"));
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        let input = unhex(&text);
        println!("replay {} on {p} ({} bytes)", t.name, input.len());
        let o = (t.run)(&input);
        println!("  outcome {o:?}");
    }
}
