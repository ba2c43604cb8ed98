//! The expert baseline for ADBench's LSTM: a hand-written reverse sweep (back-propagation through
//! time) in plain Rust.
//!
//! The forward sweep runs the model as [`super::lstm_objective`] does and records, for every
//! step, layer and cell, what the reverse sweep reads: the cell's input, its hidden and cell
//! state before the step, the four gates and `tanh` of the new cell state (8 floats), and per
//! step the softmax weights `exp(ypred)/(Σ exp(ypred) + 2)`. The reverse sweep then walks the
//! steps backwards, layers from the top down, carrying the cotangents of each layer's hidden and
//! cell state from one step to the one before. It calls no `exp` or `tanh`: every derivative
//! comes from the recorded values (`σ' = σ(1 − σ)`, `tanh' = 1 − tanh²`).
//!
//! ADBench's own Manual LSTM (`src/cpp/modules/manual/lstm_d.cpp`) carries the state's Jacobian
//! forward in time instead, which is no fair reverse-mode baseline (issue 14); its algorithm is
//! in [`super::manual`], for comparison.

#![allow(
    clippy::needless_range_loop,
    reason = "indices as in the objective, for reading side by side"
)]

use super::LstmInput;

/// What the reverse sweep reads of one cell at one step.
#[derive(Clone, Copy, Default)]
struct Cell {
    input: f64,
    hidden: f64,
    cell: f64,
    forget: f64,
    ingate: f64,
    outgate: f64,
    change: f64,
    tanh_cell: f64,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The loss and its gradient, main parameters then extra parameters (ADBench's order), by a
/// recorded forward sweep and a hand-written reverse sweep.
///
/// ```
/// let input = autodiff::lstm::read(include_str!("../../data/adbench/lstm/lstm_l2_c1024.txt"))
///     .unwrap();
/// let (loss, gradient) = autodiff::lstm::hand::gradient(&input);
/// let (loss_generated, gradient_generated) = autodiff::lstm::gradient(&input);
/// assert!((loss - loss_generated).abs() < 1e-14);
/// assert!(gradient.iter().zip(&gradient_generated).all(|(a, b)| (a - b).abs() < 1e-14));
/// ```
pub fn gradient(input: &LstmInput) -> (f64, Vec<f64>) {
    let LstmInput {
        l,
        c,
        b,
        ref main_params,
        ref extra_params,
        ref state,
        ref sequence,
    } = *input;
    let steps = c - 1;
    let (in_weight, rest) = extra_params.split_at(b);
    let (out_weight, out_bias) = rest.split_at(b);

    // Forward sweep, recording.
    let mut s = state.clone();
    let mut cells = vec![Cell::default(); steps * l * b];
    let mut weights = vec![0.0; steps * b];
    let mut ypred = vec![0.0; b];
    let mut total = 0.0;
    for t in 0..steps {
        for i in 0..b {
            ypred[i] = sequence[t * b + i] * in_weight[i];
        }
        for layer in 0..l {
            let w = 8 * b * layer;
            let h = 2 * b * layer;
            let record = &mut cells[(t * l + layer) * b..(t * l + layer + 1) * b];
            for i in 0..b {
                let input = if layer == 0 {
                    ypred[i]
                } else {
                    s[h - 2 * b + i]
                };
                let hidden = s[h + i];
                let cell = s[h + b + i];
                let forget = sigmoid(input * main_params[w + i] + main_params[w + 4 * b + i]);
                let ingate = sigmoid(hidden * main_params[w + b + i] + main_params[w + 5 * b + i]);
                let outgate =
                    sigmoid(input * main_params[w + 2 * b + i] + main_params[w + 6 * b + i]);
                let change =
                    (hidden * main_params[w + 3 * b + i] + main_params[w + 7 * b + i]).tanh();
                let new_cell = cell * forget + ingate * change;
                let tanh_cell = new_cell.tanh();
                s[h + b + i] = new_cell;
                s[h + i] = outgate * tanh_cell;
                record[i] = Cell {
                    input,
                    hidden,
                    cell,
                    forget,
                    ingate,
                    outgate,
                    change,
                    tanh_cell,
                };
            }
        }
        let last = 2 * b * (l - 1);
        let weight = &mut weights[t * b..(t + 1) * b];
        let mut sum = 0.0;
        for i in 0..b {
            ypred[i] = s[last + i] * out_weight[i] + out_bias[i];
            weight[i] = ypred[i].exp();
            sum += weight[i];
        }
        let lse = (sum + 2.0).ln();
        let norm = 1.0 / (sum + 2.0);
        for i in 0..b {
            total += sequence[(t + 1) * b + i] * (ypred[i] - lse);
            weight[i] *= norm;
        }
    }
    let count = (steps * b) as f64;
    let loss = -total / count;

    // Reverse sweep.
    let mut bar_main = vec![0.0; main_params.len()];
    let mut bar_extra = vec![0.0; extra_params.len()];
    let (bar_in_weight, bar_rest) = bar_extra.split_at_mut(b);
    let (bar_out_weight, bar_out_bias) = bar_rest.split_at_mut(b);
    let bar_total = -1.0 / count;
    // The cotangents of each layer's hidden and cell state after the step being reversed.
    let mut bar_h = vec![0.0; l * b];
    let mut bar_c = vec![0.0; l * b];
    let mut bar_x = vec![0.0; b];
    for t in (0..steps).rev() {
        let gold = &sequence[(t + 1) * b..(t + 2) * b];
        let weight = &weights[t * b..(t + 1) * b];
        // total += Σ gold·(ypred − lse): bar_ypred = bar_total·(gold − softmax·Σ gold).
        let gold_sum: f64 = gold.iter().sum();
        let last_record = &cells[(t * l + l - 1) * b..(t * l + l) * b];
        for i in 0..b {
            let bar_y = bar_total * (gold[i] - weight[i] * gold_sum);
            let hidden_last = last_record[i].outgate * last_record[i].tanh_cell;
            bar_out_weight[i] += bar_y * hidden_last;
            bar_out_bias[i] += bar_y;
            bar_h[(l - 1) * b + i] += bar_y * out_weight[i];
        }
        for layer in (0..l).rev() {
            let w = 8 * b * layer;
            let record = &cells[(t * l + layer) * b..(t * l + layer + 1) * b];
            let bar_w = &mut bar_main[w..w + 8 * b];
            for i in 0..b {
                let r = record[i];
                let bar_hidden = bar_h[layer * b + i];
                // hidden ← outgate·tanh(cell), cell ← cell·forget + ingate·change
                let bar_outgate = bar_hidden * r.tanh_cell;
                let bar_cell = bar_c[layer * b + i]
                    + bar_hidden * r.outgate * (1.0 - r.tanh_cell * r.tanh_cell);
                let bar_forget = bar_cell * r.cell;
                let bar_ingate = bar_cell * r.change;
                let bar_change = bar_cell * r.ingate;
                // The gates' pre-activations.
                let zf = bar_forget * r.forget * (1.0 - r.forget);
                let zi = bar_ingate * r.ingate * (1.0 - r.ingate);
                let zo = bar_outgate * r.outgate * (1.0 - r.outgate);
                let zc = bar_change * (1.0 - r.change * r.change);
                bar_w[i] += zf * r.input;
                bar_w[4 * b + i] += zf;
                bar_w[b + i] += zi * r.hidden;
                bar_w[5 * b + i] += zi;
                bar_w[2 * b + i] += zo * r.input;
                bar_w[6 * b + i] += zo;
                bar_w[3 * b + i] += zc * r.hidden;
                bar_w[7 * b + i] += zc;
                bar_x[i] = zf * main_params[w + i] + zo * main_params[w + 2 * b + i];
                bar_h[layer * b + i] =
                    zi * main_params[w + b + i] + zc * main_params[w + 3 * b + i];
                bar_c[layer * b + i] = bar_cell * r.forget;
            }
            if layer > 0 {
                for i in 0..b {
                    bar_h[(layer - 1) * b + i] += bar_x[i];
                }
            } else {
                for i in 0..b {
                    bar_in_weight[i] += bar_x[i] * sequence[t * b + i];
                }
            }
        }
    }
    bar_main.extend_from_slice(&bar_extra);
    (loss, bar_main)
}
