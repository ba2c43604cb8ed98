#!/usr/bin/env python3
"""Compile cost of the ADBench objectives (issue 14): the build time of a crate holding the
`#[grad]` GMM and LSTM objectives (`src/gmm.rs`, `src/lstm.rs` without their `hand` modules)
against the same crate with the attributes removed and the hand-written adjoints
(`src/gmm/hand.rs`, `src/lstm/hand.rs`) instead, in debug and release; and the macro's
expansion time per function, from `-Z time-passes` on a crate of N copies of `gmm_objective`.

Run from the repository root (python3, cargo on the PATH; it builds in
`$CARGO_TARGET_DIR/compile-cost` or `target/compile-cost`):

    python3 benches/adbench_compile_cost.py            # 3 timed builds of each, N = 100

Each timed build touches the crate's `lib.rs` and rebuilds only that crate (the dependencies are
built once first); the median of the repetitions is printed. See BENCHMARKS.md for results.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "compile-cost"
)
REPS = int(os.environ.get("REPS", "3"))
COPIES = int(os.environ.get("COPIES", "100"))


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def remove_fn(src, name):
    """Removes `pub fn name(..) { .. }` and the doc comment and attributes above it."""
    start = src.index(f"pub fn {name}(")
    # Back up over the doc comments and attributes directly above.
    lines_before = src[:start].split("\n")
    while len(lines_before) >= 2 and (
        lines_before[-2].startswith("///") or lines_before[-2].startswith("#[")
    ):
        lines_before.pop(-2)
    head = "\n".join(lines_before)
    end = src.index("\n}\n", start) + 3
    return head + src[end:]


def strip_grad(src):
    src = re.sub(r"(?m)^#\[grad[^\n]*\]\n", "", src)
    src = re.sub(r"(?m)^\s*#\[checkpoint\]\n", "", src)
    return src.replace("use autodiff_runtime::grad;\n", "")


def crate(name, files):
    path = os.path.join(TARGET, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(os.path.join(path, "src"))
    with open(os.path.join(path, "Cargo.toml"), "w") as f:
        f.write(
            f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2024"\n'
            "publish = false\n\n[dependencies]\n"
            f'autodiff-runtime = {{ path = "{os.path.join(ROOT, "autodiff-runtime")}" }}\n\n'
            "[workspace]\n"
        )
    for rel, text in files.items():
        full = os.path.join(path, "src", rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return path


def cargo(path, args, env=None):
    full_env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(TARGET, "target"))
    full_env.update(env or {})
    return subprocess.run(
        ["cargo", *args], cwd=path, env=full_env, capture_output=True, text=True, check=True
    )


def timed_builds(path, release):
    args = ["build", "--lib"] + (["--release"] if release else [])
    cargo(path, args)  # dependencies, and a first build
    times = []
    for _ in range(REPS):
        os.utime(os.path.join(path, "src", "lib.rs"))
        start = time.monotonic()
        cargo(path, args)
        times.append(time.monotonic() - start)
    return statistics.median(times)


def expansion_seconds(path):
    out = cargo(
        path,
        ["rustc", "--lib", "--", "-Z", "time-passes", "-Z", "no-codegen"],
        env={"RUSTC_BOOTSTRAP": "1"},
    )
    for line in (out.stdout + out.stderr).splitlines():
        # "time:   1.234; rss: ...  macro_expand_crate" (the name differs across releases)
        if re.search(r"\b(expand_crate|macro_expand_crate)\b", line):
            return float(re.search(r"time:\s*([0-9.]+)", line).group(1))
    raise SystemExit("no expansion line in -Z time-passes output")


def main():
    gmm = read("src/gmm.rs")
    # ADBench's Manual LSTM (src/lstm/manual.rs) is in neither crate.
    lstm = read("src/lstm.rs").replace("pub mod manual;\n", "")
    generated = crate(
        "adbench_generated",
        {
            "lib.rs": "#![allow(dead_code)]\npub mod gmm;\npub mod lstm;\n",
            "gmm.rs": gmm.replace("pub mod hand;\n", ""),
            "lstm.rs": lstm.replace("pub mod hand;\n", ""),
        },
    )
    gmm_plain = strip_grad(gmm)
    for f in ["gradient_checkpointed", "gradient", "gmm_objective_checkpointed"]:
        gmm_plain = remove_fn(gmm_plain, f)
    lstm_plain = remove_fn(strip_grad(lstm), "gradient")
    hand = crate(
        "adbench_hand",
        {
            "lib.rs": "#![allow(dead_code)]\npub mod gmm;\npub mod lstm;\n",
            "gmm.rs": gmm_plain,
            "gmm/hand.rs": read("src/gmm/hand.rs"),
            "lstm.rs": lstm_plain,
            "lstm/hand.rs": read("src/lstm/hand.rs"),
        },
    )
    for profile, release in [("debug", False), ("release", True)]:
        t_gen = timed_builds(generated, release)
        t_hand = timed_builds(hand, release)
        print(
            f"{profile}: #[grad] objectives {t_gen:.2} s, hand-written adjoints {t_hand:.2} s "
            f"(ratio {t_gen / t_hand:.2}; median of {REPS})"
        )
    # Expansion time per function: COPIES copies of gmm_objective, renamed.
    start = gmm.index("#[grad(wrt(alphas, means, icf))]\npub fn gmm_objective(")
    end = gmm.index("\n}\n", start) + 3
    one = gmm[start:end]
    copies = "\n".join(
        one.replace("pub fn gmm_objective(", f"pub fn gmm_objective_{i}(") for i in range(COPIES)
    )
    many = crate(
        "adbench_many",
        {
            "lib.rs": "#![allow(dead_code, clippy::all)]\nuse autodiff_runtime::grad;\n"
            "const PI: f64 = 3.14159265359;\n" + copies,
        },
    )
    empty = crate(
        "adbench_none",
        {
            "lib.rs": "#![allow(dead_code, clippy::all)]\nconst PI: f64 = 3.14159265359;\n"
            + strip_grad(copies)
        },
    )
    t_many = expansion_seconds(many)
    t_none = expansion_seconds(empty)
    print(
        f"macro expansion: {COPIES} x gmm_objective {t_many:.3} s, the same without #[grad] "
        f"{t_none:.3} s: {(t_many - t_none) / COPIES * 1e3:.0f} ms per function"
    )


if __name__ == "__main__":
    sys.exit(main())
