//! Writes the generated `#[grad]` functions and their harness into `OUT_DIR/generated.rs`,
//! `include!`d by `tests/generated.rs`.
//!
//! Environment:
//! - `DIFFTEST_COUNT`: how many functions (default 500);
//! - `DIFFTEST_SEED`: the seed, decimal or `0x` hex (default [`generator::DEFAULT_SEED`]);
//! - `DIFFTEST_ONLY`: build only this function index (and the functions it calls);
//! - `DIFFTEST_CALLS=0`: no calls between generated functions;
//! - `DIFFTEST_KNOWN_BUGS=1`: also generate constructs that trip known macro bugs.
//!
//! It writes the functions with control flow of [`control`] into `OUT_DIR/control_flow.rs`, for
//! `tests/control_flow.rs`:
//! - `DIFFTEST_CF_COUNT`: how many functions (default 320);
//! - `DIFFTEST_CF_SEED`: the seed (default [`control::DEFAULT_SEED`]);
//! - `DIFFTEST_CF_ONLY`: build only this function (and the functions it calls);
//! - `DIFFTEST_CF_SKIP`: leave out these functions, comma-separated (and those calling them);
//! - `DIFFTEST_CF_CALLS=0`: no calls between generated functions.
//!
//! It also writes the ndarray functions of [`arrays`] into `OUT_DIR/arrays.rs`, for
//! `tests/arrays.rs`: `DIFFTEST_ARRAY_COUNT` functions (default 100), seed `DIFFTEST_ARRAY_SEED`.

#[allow(dead_code, reason = "the library uses the rest of the generator")]
#[path = "src/generator.rs"]
mod generator;

#[allow(dead_code, reason = "the library uses the rest of the generator")]
#[path = "src/arrays.rs"]
mod arrays;

#[allow(dead_code, reason = "the library uses the rest of the generator")]
#[path = "src/control.rs"]
mod control;

use std::env;
use std::path::PathBuf;

fn var(name: &str) -> Option<String> {
    println!("cargo::rerun-if-env-changed={name}");
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_u64(name: &str, value: &str) -> u64 {
    let v = value.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    parsed.unwrap_or_else(|e| panic!("{name}={value:?}: {e}"))
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/generator.rs");
    println!("cargo::rerun-if-changed=src/arrays.rs");
    println!("cargo::rerun-if-changed=src/control.rs");
    let mut cfg = generator::Config::default();
    if let Some(v) = var("DIFFTEST_COUNT") {
        cfg.count = parse_u64("DIFFTEST_COUNT", &v) as usize;
    }
    if let Some(v) = var("DIFFTEST_SEED") {
        cfg.seed = parse_u64("DIFFTEST_SEED", &v);
    }
    if let Some(v) = var("DIFFTEST_CALLS") {
        cfg.calls = v != "0";
    }
    if let Some(v) = var("DIFFTEST_KNOWN_BUGS") {
        cfg.known_bugs = v != "0";
    }
    let only = var("DIFFTEST_ONLY").map(|v| parse_u64("DIFFTEST_ONLY", &v) as usize);
    if let Some(i) = only {
        // The functions before `i` are generated too: `i` may call them.
        cfg.count = cfg.count.max(i + 1);
    }
    let funcs = generator::generate(&cfg);
    let file = generator::render(&cfg, &funcs, only);
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("generated.rs");
    std::fs::write(&out, file).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));

    let mut ccfg = control::Config::default();
    if let Some(v) = var("DIFFTEST_CF_COUNT") {
        ccfg.count = parse_u64("DIFFTEST_CF_COUNT", &v) as usize;
    }
    if let Some(v) = var("DIFFTEST_CF_SEED") {
        ccfg.seed = parse_u64("DIFFTEST_CF_SEED", &v);
    }
    if let Some(v) = var("DIFFTEST_CF_CALLS") {
        ccfg.calls = v != "0";
    }
    if let Some(v) = var("DIFFTEST_KNOWN_BUGS") {
        ccfg.known_bugs = v != "0";
    }
    if let Some(v) = var("DIFFTEST_CF_SKIP") {
        ccfg.skip = v
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_u64("DIFFTEST_CF_SKIP", s) as usize)
            .collect();
    }
    let only = var("DIFFTEST_CF_ONLY").map(|v| parse_u64("DIFFTEST_CF_ONLY", &v) as usize);
    if let Some(i) = only {
        ccfg.count = ccfg.count.max(i + 1);
    }
    let file = control::render(&ccfg, &control::generate(&ccfg), only);
    let cf = out.with_file_name("control_flow.rs");
    std::fs::write(&cf, file).unwrap_or_else(|e| panic!("writing {}: {e}", cf.display()));

    let mut acfg = arrays::Config::default();
    if let Some(v) = var("DIFFTEST_ARRAY_COUNT") {
        acfg.count = parse_u64("DIFFTEST_ARRAY_COUNT", &v) as usize;
    }
    if let Some(v) = var("DIFFTEST_ARRAY_SEED") {
        acfg.seed = parse_u64("DIFFTEST_ARRAY_SEED", &v);
    }
    if let Some(v) = var("DIFFTEST_KNOWN_BUGS") {
        acfg.known_bugs = v != "0";
    }
    let file = arrays::render(&acfg, &arrays::generate(&acfg));
    let out = out.with_file_name("arrays.rs");
    std::fs::write(&out, file).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
