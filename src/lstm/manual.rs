//! ADBench's Manual LSTM gradient (`src/cpp/modules/manual/lstm_d.cpp`), its algorithm
//! reimplemented compactly: forward accumulation of the state's Jacobian with respect to the
//! parameters, step by step, with no reverse sweep. Reported beside the reverse-mode baselines
//! because it is what ADBench measured as "Manual" for LSTM; it is no fair reverse-mode
//! baseline (issue 14).
//!
//! The LSTM is diagonal, so cell `pos` of every layer depends only on the parameters at `pos`:
//! per position there are `P = 8l + 1` parameters that reach the state (each layer's 8 weights
//! and biases, and the input weight). As `lstm_d.cpp` does, each step forms, per position, the
//! derivatives of the new state (hidden and cell of each layer, `2l` values) with respect to
//! the old state (`2l × 2l`, chained through the layers within the step) and to the parameters
//! directly (`2l × P`), then updates the Jacobian `J = ∂state/∂params` as
//! `J ← direct + (∂new/∂old)·J`: `O(b·l³)` per step (ADBench: "O(b·l³) per step, R ≈ 6–10").
//! The prediction's Jacobian and the `logsumexp` (with ADBench's + 2) give the step's
//! contribution to the gradient.

#![allow(
    clippy::needless_range_loop,
    reason = "indices as in the objective, for reading side by side"
)]

use super::LstmInput;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The loss and its gradient (main parameters, then extra parameters) by ADBench's Manual
/// algorithm: the state's Jacobian carried forward in time.
///
/// ```
/// let input = autodiff::lstm::read(include_str!("../../data/adbench/lstm/lstm_l2_c1024.txt"))
///     .unwrap();
/// let (loss, gradient) = autodiff::lstm::manual::gradient(&input);
/// let (loss_hand, gradient_hand) = autodiff::lstm::hand::gradient(&input);
/// assert!((loss - loss_hand).abs() < 1e-14);
/// assert!(gradient.iter().zip(&gradient_hand).all(|(a, b)| (a - b).abs() < 1e-12));
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
    let p = 8 * l + 1; // per position: 8 per layer, then the input weight
    let n = 2 * l; // per position: hidden and cell of each layer
    let param = |layer: usize, k: usize, pos: usize| main_params[8 * b * layer + k * b + pos];
    let (in_weight, rest) = extra_params.split_at(b);
    let (out_weight, out_bias) = rest.split_at(b);

    let mut s = state.clone();
    // jac[pos][row][q]: ∂ state row (2·layer: hidden, 2·layer + 1: cell) / ∂ parameter q.
    let mut jac = vec![vec![vec![0.0; p]; n]; b];
    // Per step and position: ∂new/∂old (n × n) and ∂new/∂params directly (n × p).
    let mut d_old = vec![vec![0.0; n]; n];
    let mut d_par = vec![vec![0.0; p]; n];
    let mut new_jac = vec![vec![0.0; p]; n];
    // ∂ypred[pos]/∂ (per-position parameters), and ∂ypred[pos]/∂(out weight, out bias).
    let mut dy = vec![vec![0.0; p]; b];
    let mut ypred = vec![0.0; b];
    let mut grad_main = vec![0.0; main_params.len()];
    let mut grad_extra = vec![0.0; extra_params.len()];
    let mut total = 0.0;

    for t in 0..c - 1 {
        for pos in 0..b {
            let input0 = sequence[t * b + pos] * in_weight[pos];
            for row in d_old.iter_mut() {
                row.fill(0.0);
            }
            for row in d_par.iter_mut() {
                row.fill(0.0);
            }
            for layer in 0..l {
                let (hi, ci) = (2 * layer, 2 * layer + 1);
                let x = if layer == 0 {
                    input0
                } else {
                    s[2 * b * (layer - 1) + pos]
                };
                let h = s[2 * b * layer + pos];
                let cell = s[2 * b * layer + b + pos];
                let w = |k| param(layer, k, pos);
                let forget = sigmoid(x * w(0) + w(4));
                let ingate = sigmoid(h * w(1) + w(5));
                let outgate = sigmoid(x * w(2) + w(6));
                let change = (h * w(3) + w(7)).tanh();
                let new_cell = cell * forget + ingate * change;
                let tanh_cell = new_cell.tanh();
                s[2 * b * layer + b + pos] = new_cell;
                s[2 * b * layer + pos] = outgate * tanh_cell;

                // Local derivatives of (new cell, new hidden) w.r.t. x, h, cell and the 8 own
                // parameters (lstm_model_d).
                let sf = forget * (1.0 - forget);
                let si = ingate * (1.0 - ingate);
                let so = outgate * (1.0 - outgate);
                let tc = 1.0 - change * change;
                let dc_dx = cell * sf * w(0);
                let dc_dh = ingate * tc * w(3) + change * si * w(1);
                let dc_dcell = forget;
                let dc_dw = [
                    cell * sf * x,
                    change * si * h,
                    0.0,
                    ingate * tc * h,
                    cell * sf,
                    change * si,
                    0.0,
                    ingate * tc,
                ];
                let th = outgate * (1.0 - tanh_cell * tanh_cell);
                let dh_dx = so * w(2) * tanh_cell + th * dc_dx;
                let mut dh_dw = dc_dw.map(|v| th * v);
                dh_dw[2] = tanh_cell * so * x;
                dh_dw[6] = tanh_cell * so;

                // The input's derivatives: x = seq·in_weight for the first layer, the new
                // hidden state of the layer below otherwise (chained within the step).
                for (row, (dx_coef, dw, d_h, d_cell)) in [
                    (ci, (dc_dx, &dc_dw, dc_dh, dc_dcell)),
                    (hi, (dh_dx, &dh_dw, th * dc_dh, th * dc_dcell)),
                ] {
                    if layer == 0 {
                        d_par[row][8 * l] += dx_coef * sequence[t * b + pos];
                    } else {
                        let below = 2 * (layer - 1);
                        for q in 0..p {
                            d_par[row][q] += dx_coef * d_par[below][q];
                        }
                        for k in 0..n {
                            d_old[row][k] += dx_coef * d_old[below][k];
                        }
                    }
                    for k in 0..8 {
                        d_par[row][8 * layer + k] += dw[k];
                    }
                    d_old[row][hi] += d_h;
                    d_old[row][ci] += d_cell;
                }
            }
            // J ← direct + (∂new/∂old)·J (update_state_jacobian_with_prev_state_jacobian).
            let j = &mut jac[pos];
            for row in 0..n {
                new_jac[row].copy_from_slice(&d_par[row]);
                for k in 0..n {
                    let a = d_old[row][k];
                    for q in 0..p {
                        new_jac[row][q] += a * j[k][q];
                    }
                }
            }
            std::mem::swap(j, &mut new_jac);
            // The prediction and its Jacobian.
            let top = 2 * (l - 1);
            ypred[pos] = s[2 * b * (l - 1) + pos] * out_weight[pos] + out_bias[pos];
            for q in 0..p {
                dy[pos][q] = out_weight[pos] * j[top][q];
            }
        }
        // logsumexp with ADBench's + 2, and the step's gradient.
        let mut sum = 0.0;
        for pos in 0..b {
            sum += ypred[pos].exp();
        }
        let lse = (sum + 2.0).ln();
        let gold = &sequence[(t + 1) * b..(t + 2) * b];
        let gold_sum: f64 = gold.iter().sum();
        for pos in 0..b {
            total += gold[pos] * (ypred[pos] - lse);
            // ∂ total / ∂ ypred[pos]
            let g = gold[pos] - ypred[pos].exp() / (sum + 2.0) * gold_sum;
            for layer in 0..l {
                for k in 0..8 {
                    grad_main[8 * b * layer + k * b + pos] += g * dy[pos][8 * layer + k];
                }
            }
            grad_extra[pos] += g * dy[pos][8 * l];
            grad_extra[b + pos] += g * s[2 * b * (l - 1) + pos];
            grad_extra[2 * b + pos] += g;
        }
    }
    let count = ((c - 1) * b) as f64;
    let scale = -1.0 / count;
    grad_main.extend_from_slice(&grad_extra);
    for v in grad_main.iter_mut() {
        *v *= scale;
    }
    (-total / count, grad_main)
}
