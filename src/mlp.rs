//! A one-hidden-layer network, `softmax(relu(x·W1 + b1)·W2 + b2)`, whose loss is differentiated
//! by `#[grad]`, with plain SGD and Adam.

use autodiff_runtime::ndarray::{Array1, Array2, Axis};
use autodiff_runtime::{grad, nn};

use crate::digits::Rng;

/// Mean cross-entropy of the network on a batch. `#[grad]` writes `loss_grad` from it.
#[grad(wrt(w1, b1, w2, b2))]
pub fn loss(
    x: &Array2<f64>,
    labels: &[usize],
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
) -> f64 {
    let h = nn::relu(&(x.dot(w1) + b1));
    let logits = h.dot(w2) + b2;
    nn::cross_entropy(&logits, labels)
}

/// The network's parameters.
#[derive(Clone)]
pub struct Mlp {
    pub w1: Array2<f64>,
    pub b1: Array1<f64>,
    pub w2: Array2<f64>,
    pub b2: Array1<f64>,
}

/// Gradients of the loss, one per parameter.
pub struct Gradients {
    pub w1: Array2<f64>,
    pub b1: Array1<f64>,
    pub w2: Array2<f64>,
    pub b2: Array1<f64>,
}

impl Mlp {
    /// He-uniform weights for the ReLU layer, Glorot-uniform for the output layer, zero biases.
    ///
    /// ```
    /// let mlp = autodiff::mlp::Mlp::new(64, 32, 10, 1);
    /// assert_eq!(mlp.w1.dim(), (64, 32));
    /// ```
    pub fn new(inputs: usize, hidden: usize, classes: usize, seed: u64) -> Mlp {
        let mut rng = Rng::new(seed);
        let mut uniform = |rows: usize, cols: usize, limit: f64| {
            Array2::from_shape_simple_fn((rows, cols), || (2.0 * rng.unit() - 1.0) * limit)
        };
        let w1 = uniform(inputs, hidden, (6.0 / inputs as f64).sqrt());
        let w2 = uniform(hidden, classes, (6.0 / (hidden + classes) as f64).sqrt());
        Mlp {
            w1,
            b1: Array1::zeros(hidden),
            w2,
            b2: Array1::zeros(classes),
        }
    }

    /// The loss on a batch and its gradient.
    pub fn loss_and_gradients(&self, x: &Array2<f64>, labels: &[usize]) -> (f64, Gradients) {
        let (l, w1, b1, w2, b2) = loss_grad(x, labels, &self.w1, &self.b1, &self.w2, &self.b2);
        (l, Gradients { w1, b1, w2, b2 })
    }

    /// The loss and gradient written out by hand, the way one would without `#[grad]`: the
    /// baseline of the benchmark.
    pub fn loss_and_gradients_by_hand(
        &self,
        x: &Array2<f64>,
        labels: &[usize],
    ) -> (f64, Gradients) {
        let z1 = x.dot(&self.w1) + &self.b1;
        let h = z1.mapv(|v| v.max(0.0));
        let logits = h.dot(&self.w2) + &self.b2;
        let loss = nn::cross_entropy(&logits, labels);
        // d loss / d logits = (softmax − onehot) / N
        let n = labels.len() as f64;
        let mut d_logits = nn::softmax(&logits);
        for (mut row, &label) in d_logits.rows_mut().into_iter().zip(labels) {
            row[label] -= 1.0;
            row /= n;
        }
        let w2 = h.t().dot(&d_logits);
        let b2 = d_logits.sum_axis(Axis(0));
        let mut d_h = d_logits.dot(&self.w2.t());
        d_h.zip_mut_with(&z1, |d, &z| {
            if z <= 0.0 {
                *d = 0.0;
            }
        });
        let w1 = x.t().dot(&d_h);
        let b1 = d_h.sum_axis(Axis(0));
        (loss, Gradients { w1, b1, w2, b2 })
    }

    /// The loss on a batch, without the gradient.
    pub fn loss(&self, x: &Array2<f64>, labels: &[usize]) -> f64 {
        loss(x, labels, &self.w1, &self.b1, &self.w2, &self.b2)
    }

    /// The most likely class of each row.
    pub fn predict(&self, x: &Array2<f64>) -> Vec<usize> {
        let h = nn::relu(&(x.dot(&self.w1) + &self.b1));
        let logits = h.dot(&self.w2) + &self.b2;
        logits
            .axis_iter(Axis(0))
            .map(|row| {
                let mut best = 0;
                for (class, &value) in row.iter().enumerate() {
                    if value > row[best] {
                        best = class;
                    }
                }
                best
            })
            .collect()
    }

    /// The fraction of rows classified as labelled.
    pub fn accuracy(&self, x: &Array2<f64>, labels: &[usize]) -> f64 {
        let predicted = self.predict(x);
        let right = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
        right as f64 / labels.len() as f64
    }

    /// One step of plain gradient descent.
    pub fn sgd_step(&mut self, gradients: &Gradients, learning_rate: f64) {
        self.w1.scaled_add(-learning_rate, &gradients.w1);
        self.b1.scaled_add(-learning_rate, &gradients.b1);
        self.w2.scaled_add(-learning_rate, &gradients.w2);
        self.b2.scaled_add(-learning_rate, &gradients.b2);
    }
}

/// Adam (Kingma & Ba), with bias-corrected moment estimates.
pub struct Adam {
    learning_rate: f64,
    beta1: f64,
    beta2: f64,
    epsilon: f64,
    step: i32,
    first: Mlp,
    second: Mlp,
}

impl Adam {
    /// Adam with the usual betas (0.9, 0.999) for a network shaped like `like`.
    pub fn new(like: &Mlp, learning_rate: f64) -> Adam {
        let zeros = Mlp {
            w1: Array2::zeros(like.w1.raw_dim()),
            b1: Array1::zeros(like.b1.raw_dim()),
            w2: Array2::zeros(like.w2.raw_dim()),
            b2: Array1::zeros(like.b2.raw_dim()),
        };
        Adam {
            learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            step: 0,
            first: zeros.clone(),
            second: zeros,
        }
    }

    /// Updates `mlp` with one step along `gradients`.
    pub fn step(&mut self, mlp: &mut Mlp, gradients: &Gradients) {
        self.step += 1;
        let (b1, b2, eps) = (self.beta1, self.beta2, self.epsilon);
        let rate =
            self.learning_rate * (1.0 - b2.powi(self.step)).sqrt() / (1.0 - b1.powi(self.step));
        macro_rules! update {
            ($field:ident) => {{
                let (m, v) = (&mut self.first.$field, &mut self.second.$field);
                autodiff_runtime::ndarray::Zip::from(&mut mlp.$field)
                    .and(m)
                    .and(v)
                    .and(&gradients.$field)
                    .for_each(|p, m, v, &g| {
                        *m = b1 * *m + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        *p -= rate * *m / (v.sqrt() + eps);
                    });
            }};
        }
        update!(w1);
        update!(b1);
        update!(w2);
        update!(b2);
    }
}
