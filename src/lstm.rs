//! ADBench's LSTM objective (issue 14): the "diagonal" LSTM of ADBench's C++ reference
//! (`src/cpp/shared/lstm.h`, commit `38cb7931303a830c3700ca36ba9520868327ac87`), written with
//! loops over slices as a Rust user would and differentiated by `#[grad]` ([`lstm_objective`],
//! storing every time step's records); a reader for ADBench's input files; and, in [`hand`], the
//! expert baseline: a hand-written reverse sweep (back-propagation through time, the gates of
//! every step recorded in the forward sweep); and, in [`manual`], ADBench's own Manual
//! algorithm (the state's Jacobian carried forward in time), for comparison.
//!
//! The model, for `l` layers of `b` cells, over `c − 1` steps of a sequence of `c` bit vectors:
//!
//! ```text
//! y        = seq[t] ⊙ in_weight
//! layer j (input y for j = 0, the hidden state of layer j−1 after this step otherwise):
//!   forget = σ(input ⊙ w_f + b_f)      ingate = σ(hidden ⊙ w_i + b_i)
//!   outgate = σ(input ⊙ w_o + b_o)     change = tanh(hidden ⊙ w_c + b_c)
//!   cell   ← cell ⊙ forget + ingate ⊙ change
//!   hidden ← outgate ⊙ tanh(cell)
//! ypred    = hidden_{l−1} ⊙ out_weight + out_bias
//! total   += Σ seq[t+1] ⊙ (ypred − ln(Σ exp(ypred) + 2))     (ADBench adds 2 inside the log)
//! loss     = −total / ((c − 1)·b)
//! ```
//!
//! (ADBench's gates read the input for `forget` and `outgate` but the layer's own hidden state
//! for `ingate` and `change`; that is kept.) The gradient is with respect to `main_params`
//! (`2l` rows of `4b`: per layer a weight row then a bias row, each `[forget, ingate, outgate,
//! change]`) and `extra_params` (`3b`: in weight, out weight, out bias), in that order; the
//! initial `state` (`2l` rows of `b`: per layer hidden then cell) and the sequence are data.

#![allow(
    clippy::needless_range_loop,
    clippy::manual_memcpy,
    reason = "the objective is written as ADBench's C++ writes it, with indices"
)]

use autodiff_runtime::grad;

use crate::gmm::{ParseError, floats, next};

pub mod hand;
pub mod manual;

/// One ADBench LSTM instance, as [`read`] returns it.
///
/// ```
/// let input = autodiff::lstm::read(include_str!("../data/adbench/lstm/lstm_l2_c1024.txt"))
///     .unwrap();
/// assert_eq!(input.main_params.len(), 8 * input.l * input.b);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LstmInput {
    /// The number of layers.
    pub l: usize,
    /// The length of the sequence.
    pub c: usize,
    /// The number of cells per layer (and bits per character).
    pub b: usize,
    /// `2l·4b` values: per layer the weights, then the biases, each `[forget, ingate, outgate,
    /// change]` of `b` values.
    pub main_params: Vec<f64>,
    /// `3b` values: the input weight, the output weight, the output bias.
    pub extra_params: Vec<f64>,
    /// `2l·b` values: per layer the initial hidden state, then the initial cell state.
    pub state: Vec<f64>,
    /// `c·b` values: the sequence, one character of `b` bits per row.
    pub sequence: Vec<f64>,
}

/// Parses an ADBench LSTM file (`read_lstm_instance` of `src/cpp/shared/utils.cpp`): `l c b`,
/// then the main parameters, the extra parameters, the state and the sequence.
///
/// ```
/// let text = "1 2 1\n0.1 0.2 0.3 0.4\n0.5 0.6 0.7 0.8\n1 1 0\n0\n0\n1\n0\n";
/// let input = autodiff::lstm::read(text).unwrap();
/// assert_eq!((input.l, input.c, input.b), (1, 2, 1));
/// assert_eq!(input.extra_params, vec![1.0, 1.0, 0.0]);
/// assert_eq!(input.sequence, vec![1.0, 0.0]);
/// ```
pub fn read(text: &str) -> Result<LstmInput, ParseError> {
    let mut tokens = text.split_whitespace();
    let l: usize = next(&mut tokens, "l")?;
    let c: usize = next(&mut tokens, "c")?;
    let b: usize = next(&mut tokens, "b")?;
    let main_params = floats(&mut tokens, 2 * l * 4 * b, "the main parameters")?;
    let extra_params = floats(&mut tokens, 3 * b, "the extra parameters")?;
    let state = floats(&mut tokens, 2 * l * b, "the state")?;
    let sequence = floats(&mut tokens, c * b, "the sequence")?;
    Ok(LstmInput {
        l,
        c,
        b,
        main_params,
        extra_params,
        state,
        sequence,
    })
}

/// The logistic function `1 / (1 + e^{−x})`, as ADBench's `sigmoid`.
///
/// ```
/// assert_eq!(autodiff::lstm::sigmoid(0.0), 0.5);
/// let (s, ds) = autodiff::lstm::sigmoid_grad(0.0);
/// assert_eq!((s, ds), (0.5, 0.25));
/// ```
#[grad]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// ADBench's LSTM loss, differentiated in `main_params` and `extra_params` by `#[grad]`
/// ([`lstm_objective_grad`]); every time step's records are kept for the reverse sweep.
///
/// The state is copied into a local array, which the time loop overwrites in place as the C++
/// does. Use [`objective`] and [`gradient`] to call it on an [`LstmInput`].
///
/// [`lstm_objective_checkpointed`] is the same loss with `#[checkpoint(every = 32)]` on the time
/// loop.
///
/// ```
/// use autodiff::lstm::{lstm_objective, lstm_objective_grad};
/// // One layer of one cell, two characters: one step.
/// let main = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
/// let extra = [1.0, 1.0, 0.0];
/// let (state, sequence) = ([0.0, 0.0], [1.0, 1.0]);
/// let loss = lstm_objective(1, 2, 1, &main, &extra, &state, &sequence);
/// let (value, d_main, d_extra) = lstm_objective_grad(1, 2, 1, &main, &extra, &state, &sequence);
/// assert_eq!(value, loss);
/// assert_eq!((d_main.len(), d_extra.len()), (8, 3));
/// assert!(d_main.iter().chain(&d_extra).all(|g| g.is_finite()));
/// ```
#[grad(wrt(main_params, extra_params))]
pub fn lstm_objective(
    l: usize,
    c: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &[f64],
    sequence: &[f64],
) -> f64 {
    let mut s = vec![0.0; 2 * l * b];
    for i in 0..2 * l * b {
        s[i] = state[i];
    }
    let mut ypred = vec![0.0; b];
    let mut total = 0.0;
    let mut count = 0;
    for t in 0..c - 1 {
        // lstm_predict: the input through every layer.
        for i in 0..b {
            ypred[i] = sequence[t * b + i] * extra_params[i];
        }
        for layer in 0..l {
            let w = 8 * b * layer;
            let h = 2 * b * layer;
            for i in 0..b {
                let input = if layer == 0 {
                    ypred[i]
                } else {
                    s[h - 2 * b + i]
                };
                let hidden = s[h + i];
                let forget = sigmoid(input * main_params[w + i] + main_params[w + 4 * b + i]);
                let ingate = sigmoid(hidden * main_params[w + b + i] + main_params[w + 5 * b + i]);
                let outgate =
                    sigmoid(input * main_params[w + 2 * b + i] + main_params[w + 6 * b + i]);
                let change =
                    (hidden * main_params[w + 3 * b + i] + main_params[w + 7 * b + i]).tanh();
                s[h + b + i] = s[h + b + i] * forget + ingate * change;
                s[h + i] = outgate * s[h + b + i].tanh();
            }
        }
        let last = 2 * b * (l - 1);
        for i in 0..b {
            ypred[i] = s[last + i] * extra_params[b + i] + extra_params[2 * b + i];
        }
        // logsumexp with ADBench's + 2, then the log-likelihood of the next character.
        let mut sum = 0.0;
        for i in 0..b {
            sum += ypred[i].exp();
        }
        let lse = (sum + 2.0).ln();
        for i in 0..b {
            total += sequence[(t + 1) * b + i] * (ypred[i] - lse);
        }
        count += b;
    }
    -total / count as f64
}

/// [`lstm_objective`] with `#[checkpoint(every = 32)]` on the time loop: the forward keeps the
/// state every 32 steps, and the reverse sweep runs each segment of 32 steps again, recording it
/// into one reused buffer, before reversing it. The gradient is the same to the last bit.
///
/// ```
/// use autodiff::lstm::{lstm_objective_checkpointed_grad, lstm_objective_grad};
/// let main = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
/// let extra = [1.0, 1.0, 0.0];
/// let (state, sequence) = ([0.0, 0.0], [1.0, 1.0, 0.0]);
/// assert_eq!(
///     lstm_objective_checkpointed_grad(1, 3, 1, &main, &extra, &state, &sequence),
///     lstm_objective_grad(1, 3, 1, &main, &extra, &state, &sequence)
/// );
/// ```
#[grad(wrt(main_params, extra_params))]
pub fn lstm_objective_checkpointed(
    l: usize,
    c: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &[f64],
    sequence: &[f64],
) -> f64 {
    let mut s = vec![0.0; 2 * l * b];
    for i in 0..2 * l * b {
        s[i] = state[i];
    }
    let mut ypred = vec![0.0; b];
    let mut total = 0.0;
    let mut count = 0;
    #[checkpoint(every = 32)]
    for t in 0..c - 1 {
        // lstm_predict: the input through every layer.
        for i in 0..b {
            ypred[i] = sequence[t * b + i] * extra_params[i];
        }
        for layer in 0..l {
            let w = 8 * b * layer;
            let h = 2 * b * layer;
            for i in 0..b {
                let input = if layer == 0 {
                    ypred[i]
                } else {
                    s[h - 2 * b + i]
                };
                let hidden = s[h + i];
                let forget = sigmoid(input * main_params[w + i] + main_params[w + 4 * b + i]);
                let ingate = sigmoid(hidden * main_params[w + b + i] + main_params[w + 5 * b + i]);
                let outgate =
                    sigmoid(input * main_params[w + 2 * b + i] + main_params[w + 6 * b + i]);
                let change =
                    (hidden * main_params[w + 3 * b + i] + main_params[w + 7 * b + i]).tanh();
                s[h + b + i] = s[h + b + i] * forget + ingate * change;
                s[h + i] = outgate * s[h + b + i].tanh();
            }
        }
        let last = 2 * b * (l - 1);
        for i in 0..b {
            ypred[i] = s[last + i] * extra_params[b + i] + extra_params[2 * b + i];
        }
        // logsumexp with ADBench's + 2, then the log-likelihood of the next character.
        let mut sum = 0.0;
        for i in 0..b {
            sum += ypred[i].exp();
        }
        let lse = (sum + 2.0).ln();
        for i in 0..b {
            total += sequence[(t + 1) * b + i] * (ypred[i] - lse);
        }
        count += b;
    }
    -total / count as f64
}

/// The loss of `input` (through [`lstm_objective`]).
///
/// ```
/// let input = autodiff::lstm::read(include_str!("../data/adbench/lstm/lstm_l2_c1024.txt"))
///     .unwrap();
/// let loss = autodiff::lstm::objective(&input);
/// assert!((loss - 0.66666518).abs() < 1e-8); // ADBench's reference value
/// ```
pub fn objective(input: &LstmInput) -> f64 {
    lstm_objective(
        input.l,
        input.c,
        input.b,
        &input.main_params,
        &input.extra_params,
        &input.state,
        &input.sequence,
    )
}

/// The loss of `input` and its gradient from the code `#[grad]` generates
/// ([`lstm_objective_grad`]), in ADBench's order (main parameters, then extra parameters).
///
/// ```
/// let input = autodiff::lstm::read(include_str!("../data/adbench/lstm/lstm_l2_c1024.txt"))
///     .unwrap();
/// let (loss, gradient) = autodiff::lstm::gradient(&input);
/// assert_eq!(gradient.len(), 8 * 2 * 14 + 3 * 14);
/// ```
pub fn gradient(input: &LstmInput) -> (f64, Vec<f64>) {
    let (loss, mut g, g_extra) = lstm_objective_grad(
        input.l,
        input.c,
        input.b,
        &input.main_params,
        &input.extra_params,
        &input.state,
        &input.sequence,
    );
    g.extend_from_slice(&g_extra);
    (loss, g)
}

/// The loss of `input` and its gradient through [`lstm_objective_checkpointed`] (the state kept
/// every 32 steps), in ADBench's order; the same values as [`gradient`].
///
/// ```
/// let input = autodiff::lstm::read(include_str!("../data/adbench/lstm/lstm_l2_c1024.txt"))
///     .unwrap();
/// assert_eq!(
///     autodiff::lstm::gradient_checkpointed(&input),
///     autodiff::lstm::gradient(&input)
/// );
/// ```
pub fn gradient_checkpointed(input: &LstmInput) -> (f64, Vec<f64>) {
    let (loss, mut g, g_extra) = lstm_objective_checkpointed_grad(
        input.l,
        input.c,
        input.b,
        &input.main_params,
        &input.extra_params,
        &input.state,
        &input.sequence,
    );
    g.extend_from_slice(&g_extra);
    (loss, g)
}
