//! Trains a one-hidden-layer network on the UCI handwritten digits, with gradients from
//! `#[grad]` alone, and reports its accuracy on a held-out 20%.
//!
//! Run with `cargo run --release --example mlp` (add `-- --sgd` for plain SGD instead of Adam).

use std::time::Instant;

use autodiff::digits::{Digits, Rng};
use autodiff::mlp::{Adam, Mlp};

const HIDDEN: usize = 64;
const EPOCHS: usize = 30;
const BATCH: usize = 32;

fn main() {
    let use_sgd = std::env::args().any(|a| a == "--sgd");
    let started = Instant::now();
    let (train, test) = Digits::load().split(0.2, 2024);
    println!(
        "digits: {} training and {} held-out images of 8x8 pixels, 10 classes",
        train.len(),
        test.len()
    );
    println!(
        "network: 64 -> {HIDDEN} (relu) -> 10, {}, batch {BATCH}, {EPOCHS} epochs",
        if use_sgd {
            "SGD (learning rate 0.1)"
        } else {
            "Adam (learning rate 0.003)"
        }
    );

    let mut mlp = Mlp::new(64, HIDDEN, 10, 1);
    let mut adam = Adam::new(&mlp, 0.003);
    let mut rng = Rng::new(7);
    let mut order: Vec<usize> = (0..train.len()).collect();
    for epoch in 1..=EPOCHS {
        rng.shuffle(&mut order);
        let mut total = 0.0;
        for batch in order.chunks(BATCH) {
            let batch = train.select(batch);
            let (loss, gradients) = mlp.loss_and_gradients(&batch.images, &batch.labels);
            total += loss * batch.len() as f64;
            if use_sgd {
                mlp.sgd_step(&gradients, 0.1);
            } else {
                adam.step(&mut mlp, &gradients);
            }
        }
        println!(
            "epoch {epoch:>2}/{EPOCHS}  loss {:.4}  train accuracy {:5.1}%  held-out accuracy {:5.1}%",
            total / train.len() as f64,
            100.0 * mlp.accuracy(&train.images, &train.labels),
            100.0 * mlp.accuracy(&test.images, &test.labels),
        );
    }
    println!(
        "final held-out accuracy: {:.2}% ({} images), in {:.1} s",
        100.0 * mlp.accuracy(&test.images, &test.labels),
        test.len(),
        started.elapsed().as_secs_f64()
    );
}
