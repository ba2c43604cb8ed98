#!/usr/bin/env bash
# The long run of the control-flow differential tester: for each seed given, builds
# DIFFTEST_CF_COUNT (default 2000) functions and checks them (tests/control_flow.rs). A function
# the compiler rejects would stop its whole build: each one (found from the errors' lines in the
# generated file) is reported as a compile failure and left out with DIFFTEST_CF_SKIP (with the
# functions calling it), and the build is tried again. Prints one summary line per seed and the
# totals; the failing functions' reports are in $LOG_DIR (default target/control-flow-run).
#
#   difftest/control_flow_run.sh 1 2 3 4 5
#
# Run from the workspace root; CARGO_TARGET_DIR and the other DIFFTEST_* variables are honoured.
set -u

count=${DIFFTEST_CF_COUNT:-2000}
target=${CARGO_TARGET_DIR:-target}
log_dir=${LOG_DIR:-$target/control-flow-run}
mkdir -p "$log_dir"
total_programs=0
total_checked=0
total_passed=0
total_compile=0
total_left_out=0
declare -A kinds

for seed in "$@"; do
    skip=""
    compile_failures=0
    for attempt in 1 2 3 4 5 6; do
        log="$log_dir/seed-$seed-build-$attempt.log"
        DIFFTEST_CF_SEED=$seed DIFFTEST_CF_COUNT=$count DIFFTEST_CF_SKIP=$skip \
            cargo test -p difftest --test control_flow --no-run >"$log" 2>&1 && break
        # The generated file the errors point into, and the functions holding their lines.
        file=$(grep -o '/[^ ]*/out/control_flow\.rs' "$log" | head -1)
        if [ -z "$file" ]; then
            echo "seed $seed: the build failed outside the generated functions; see $log" >&2
            exit 1
        fi
        lines=$(grep -o 'control_flow\.rs:[0-9]*' "$log" | cut -d: -f2 | sort -un)
        new=$(for l in $lines; do
            awk -v l="$l" 'NR <= l && /^\/\/ ---- cf[0-9]+ ----$/ { f = $3 } NR == l { print substr(f, 3); exit }' "$file"
        done | sort -un)
        if [ -z "$new" ]; then
            echo "seed $seed: no generated function holds the errors; see $log" >&2
            exit 1
        fi
        for f in $new; do
            echo "seed $seed: function $f does not compile (see $log)"
            compile_failures=$((compile_failures + 1))
        done
        skip=$(echo "$skip $new" | tr ' ,' '\n\n' | grep . | sort -un | paste -sd, -)
    done
    log="$log_dir/seed-$seed.log"
    DIFFTEST_CF_SEED=$seed DIFFTEST_CF_COUNT=$count DIFFTEST_CF_SKIP=$skip \
        cargo test -p difftest --test control_flow -- --nocapture >"$log" 2>&1
    summary=$(grep -o '[0-9]* functions, .* [0-9]* passed, [0-9]* failed' "$log" | head -1)
    by_kind=$(grep -o 'failed functions by kind: .*' "$log" | head -1 | sed 's/failed functions by kind: //')
    checked=$(echo "$summary" | awk '{print $1}')
    passed=$(echo "$summary" | grep -o '[0-9]* passed' | awk '{print $1}')
    if [ -z "$checked" ]; then
        echo "seed $seed: the test did not report; see $log" >&2
        exit 1
    fi
    # Left out: the functions that do not compile and those calling them.
    left_out=$(grep -o '[0-9]* functions left out' "$log" | awk '{print $1}')
    left_out=${left_out:-0}
    echo "seed $seed: $count programs, $checked checked: $passed passed, $((checked - passed)) failed (by kind: ${by_kind:-none}); $compile_failures do not compile ($left_out left out with the functions calling them)"
    total_programs=$((total_programs + count))
    total_checked=$((total_checked + checked))
    total_passed=$((total_passed + passed))
    total_compile=$((total_compile + compile_failures))
    total_left_out=$((total_left_out + left_out))
    if [ -n "$by_kind" ]; then
        IFS=',' read -ra parts <<<"$by_kind"
        for part in "${parts[@]}"; do
            k=$(echo "$part" | cut -d: -f1 | tr -d ' ')
            n=$(echo "$part" | cut -d: -f2 | tr -d ' ')
            kinds[$k]=$((${kinds[$k]:-0} + n))
        done
    fi
done

by_kind=""
for k in "${!kinds[@]}"; do
    by_kind="$by_kind${by_kind:+, }$k: ${kinds[$k]}"
done
echo "total: $total_programs programs, $total_checked checked: $total_passed passed, $((total_checked - total_passed)) failed (by kind: ${by_kind:-none}); $total_compile do not compile ($total_left_out left out with the functions calling them)"
