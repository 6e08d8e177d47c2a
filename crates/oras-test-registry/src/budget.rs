//! Case budgets for the property tests over parsers of untrusted input.
//!
//! In `cargo test` every property runs a fixed, modest number of cases from a fixed seed, so
//! the suite stays quick and a failure is reproducible. `scripts/fuzz` runs the same properties
//! longer: `ORAS_FUZZ_SCALE=<n>` multiplies every budget, `ORAS_FUZZ_SEED=<n>` (or proptest's
//! own `PROPTEST_RNG_SEED`) picks the seed, and `PROPTEST_CASES=<n>` sets one count for all.
//! Each property says its parser, test and count on stderr (`[fuzz] <parser> | <test> | <n>
//! cases | seed <s>`), which the script collects for its summary.

use proptest::test_runner::{Config, RngSeed};

/// The seed of `cargo test` runs.
pub const DEFAULT_SEED: u64 = 0x07a5_f022;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// The configuration of the property `name`, which runs `base` cases in `cargo test`.
pub fn config(name: &str, base: u32) -> Config {
    let scale = env_u64("ORAS_FUZZ_SCALE").unwrap_or(1).clamp(1, 1_000_000) as u32;
    let cases = env_u64("PROPTEST_CASES")
        .map(|c| c.clamp(1, u32::MAX as u64) as u32)
        .unwrap_or_else(|| base.saturating_mul(scale));
    let seed = env_u64("ORAS_FUZZ_SEED")
        .or_else(|| env_u64("PROPTEST_RNG_SEED"))
        .unwrap_or(DEFAULT_SEED);
    // the test harness names each test's thread after the test
    let test = std::thread::current().name().unwrap_or("?").to_string();
    eprintln!("[fuzz] {name} | {test} | {cases} cases | seed {seed}");
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        // failing inputs become named regression tests; nothing is written during a run
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    }
}
