#!/usr/bin/env bash
# Checks the oracles of tests/control_flow_*.rs without the control-flow implementation: copies each
# file into ./tests with `#[grad]` and `#[custom_vjp]` replaced by a stand-in (./shim) whose
# `f_grad`/`f_vjp` are accurate finite differences of the plain function, and runs them. A test
# passes only if its closed form (or its own finite-difference reference) agrees with finite
# differences, so every failure here is a wrong oracle, a point too near a kink or a
# trip-count jump, or a too-coarse reference. Arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=../..
rm -rf tests && mkdir -p tests/common
for f in ../control_flow_*.rs; do
  sed -e 's/^use autodiff_runtime::grad;/use cf_fd_shim::grad;/' \
      -e 's/^use autodiff_runtime::custom_vjp;/use cf_fd_shim::custom_vjp;/' "$f" > "tests/$(basename "$f")"
done
# Closed forms are compared with EXACTISH (a few ulps); against finite differences they can
# only agree to the differences' accuracy (about 1e-10 relative here).
sed -e '/^pub const EXACTISH/,/^};/c\pub const EXACTISH: Tol = Tol { rel: 1e-8, abs: 1e-8 };' \
  "$ROOT/tests/common/mod.rs" > tests/common/mod.rs
grep -q "rel: 1e-8, abs: 1e-8" tests/common/mod.rs
[ -f Cargo.lock ] || cp "$ROOT/Cargo.lock" .
cargo test --tests "$@"
