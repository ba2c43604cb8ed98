//! ADBench's LSTM objective (issue 14): the `#[grad]` gradient of `src/lstm.rs`, ADBench's
//! Manual algorithm (`src/lstm/manual.rs`) and the hand-written reverse sweep
//! (`src/lstm/hand.rs`) against ADBench's reference values for `lstm_l2_c1024`, with ADBench's
//! tolerance ρ(x, y) = |x − y| / max(1, |x| + |y|) < 1e-8, and against each other on the other
//! inputs (ADBench publishes a reference only for `lstm_l2_c1024`).
//!
//! The inputs are embedded from `data/adbench/lstm/` (copied from ADBench, see its README).

use autodiff::adbench::{assert_rho_below, read_reference};
use autodiff::lstm::{self, LstmInput};

const L2_C1024: &str = include_str!("../data/adbench/lstm/lstm_l2_c1024.txt");
const EXPECTED: &str = include_str!("../data/adbench/lstm/reference/lstm_l2_c1024.expected.txt");

/// The objective and gradient of the reference file.
fn expected() -> (f64, Vec<f64>) {
    read_reference(EXPECTED)
}

fn input(text: &str) -> LstmInput {
    lstm::read(text).expect("an ADBench LSTM file")
}

#[test]
fn reads_the_input() {
    let input = input(L2_C1024);
    assert_eq!((input.l, input.c, input.b), (2, 1024, 14));
    assert_eq!(input.main_params.len(), 2 * 2 * 4 * 14);
    assert_eq!(input.extra_params.len(), 3 * 14);
    assert_eq!(input.state.len(), 2 * 2 * 14);
    assert_eq!(input.sequence.len(), 1024 * 14);
}

#[test]
fn a_truncated_input_is_an_error() {
    let err = lstm::read("2 4 1\n0.5\n").unwrap_err();
    assert!(err.0.contains("main parameters"), "{err}");
}

#[test]
fn objective_matches_adbench() {
    // The reference objective has 8 digits.
    let (objective, _) = expected();
    assert_rho_below(
        "objective",
        &[lstm::objective(&input(L2_C1024))],
        &[objective],
        1e-8,
    );
}

#[test]
fn generated_gradient_matches_adbench() {
    let (objective, gradient) = expected();
    let (loss, g) = lstm::gradient(&input(L2_C1024));
    assert_rho_below("objective", &[loss], &[objective], 1e-8);
    assert_rho_below("generated gradient", &g, &gradient, 1e-8);
}

#[test]
fn hand_written_gradient_matches_adbench() {
    let (objective, gradient) = expected();
    let (loss, g) = lstm::hand::gradient(&input(L2_C1024));
    assert_rho_below("objective", &[loss], &[objective], 1e-8);
    assert_rho_below("hand-written gradient", &g, &gradient, 1e-8);
}

#[test]
fn adbench_manual_gradient_matches_adbench() {
    let (objective, gradient) = expected();
    let (loss, g) = lstm::manual::gradient(&input(L2_C1024));
    assert_rho_below("objective", &[loss], &[objective], 1e-8);
    assert_rho_below("ADBench's Manual algorithm", &g, &gradient, 1e-8);
}

/// The generated gradient against the hand-written one (1e-12), and a central difference in
/// one parameter of each block (the weights, the biases, the extra parameters).
fn generated_against_hand(text: &str) {
    let input = input(text);
    let f = lstm::objective(&input);
    let (loss, g) = lstm::gradient(&input);
    let (loss_hand, g_hand) = lstm::hand::gradient(&input);
    assert_rho_below("objective, generated", &[loss], &[f], 1e-14);
    assert_rho_below("objective, hand-written", &[loss_hand], &[f], 1e-14);
    assert_rho_below("generated against hand-written", &g, &g_hand, 1e-12);
    let main = input.main_params.len();
    let h = 1e-5;
    for index in [7, 4 * input.b + 1, main + input.b + 3] {
        let mut plus = input.clone();
        let mut minus = input.clone();
        if index < main {
            plus.main_params[index] += h;
            minus.main_params[index] -= h;
        } else {
            plus.extra_params[index - main] += h;
            minus.extra_params[index - main] -= h;
        }
        let fd = (lstm::objective(&plus) - lstm::objective(&minus)) / (2.0 * h);
        assert!(
            (fd - g[index]).abs() <= 1e-7 * (1.0 + fd.abs()),
            "parameter {index}: difference {fd}, gradient {}",
            g[index]
        );
    }
}

/// ADBench's Manual algorithm against the hand-written sweep with four layers (the reference
/// has two). `O(b·l³)` per step: slow in a debug build, so one input.
#[test]
fn adbench_manual_against_hand_written_with_four_layers() {
    let input = input(include_str!("../data/adbench/lstm/lstm_l4_c1024.txt"));
    let (loss, g) = lstm::manual::gradient(&input);
    let (loss_hand, g_hand) = lstm::hand::gradient(&input);
    assert_rho_below("objective", &[loss], &[loss_hand], 1e-14);
    assert_rho_below("ADBench's Manual against hand-written", &g, &g_hand, 1e-12);
}

#[test]
fn lstm_l2_c1024() {
    generated_against_hand(L2_C1024);
}

#[test]
fn lstm_l4_c1024() {
    generated_against_hand(include_str!("../data/adbench/lstm/lstm_l4_c1024.txt"));
}

#[test]
fn lstm_l2_c4096() {
    generated_against_hand(include_str!("../data/adbench/lstm/lstm_l2_c4096.txt"));
}

#[test]
fn lstm_l4_c4096() {
    generated_against_hand(include_str!("../data/adbench/lstm/lstm_l4_c4096.txt"));
}

/// `#[checkpoint(every = 32)]` on the time loop: the same gradient to the last bit, on l2 c1024
/// (1023 steps: 31 full segments and a short one).
#[test]
fn checkpointed_gradient_is_the_stored_one() {
    let input = input(L2_C1024);
    let args = (
        input.l,
        input.c,
        input.b,
        &input.main_params[..],
        &input.extra_params[..],
        &input.state[..],
        &input.sequence[..],
    );
    let stored = lstm::lstm_objective_grad(args.0, args.1, args.2, args.3, args.4, args.5, args.6);
    let checkpointed = lstm::lstm_objective_checkpointed_grad(
        args.0, args.1, args.2, args.3, args.4, args.5, args.6,
    );
    assert_eq!(checkpointed, stored);
}
