//! The MLP loss gradient from `#[grad]` against the loss alone and against a hand-written
//! backward pass, for batch 64 and two network sizes.
//!
//! Run with `cargo bench --bench mlp`; figures are recorded in BENCHMARKS.md.

use std::hint::black_box;

use autodiff::digits::Rng;
use autodiff::mlp::Mlp;
use autodiff_runtime::ndarray::Array2;
use criterion::{Criterion, criterion_group, criterion_main};

const BATCH: usize = 64;

fn bench(c: &mut Criterion) {
    for (inputs, hidden, classes) in [(64, 128, 10), (784, 256, 10)] {
        let mlp = Mlp::new(inputs, hidden, classes, 3);
        let mut rng = Rng::new(11);
        let x = Array2::from_shape_simple_fn((BATCH, inputs), || rng.unit());
        let labels: Vec<usize> = (0..BATCH).map(|i| (i * 7) % classes).collect();

        // Equal work: the two gradients agree before they are timed.
        let (generated_loss, generated) = mlp.loss_and_gradients(&x, &labels);
        let (hand_loss, hand) = mlp.loss_and_gradients_by_hand(&x, &labels);
        assert!((generated_loss - hand_loss).abs() <= 1e-12 * hand_loss.abs());
        for (a, b) in [(&generated.w1, &hand.w1), (&generated.w2, &hand.w2)] {
            assert!(
                a.iter()
                    .zip(b)
                    .all(|(a, b)| (a - b).abs() <= 1e-12 * (1.0 + b.abs()))
            );
        }

        let mut group = c.benchmark_group(format!("mlp {inputs}-{hidden}-{classes} batch {BATCH}"));
        group.bench_function("loss alone", |b| {
            b.iter(|| black_box(mlp.loss(black_box(&x), &labels)))
        });
        group.bench_function("#[grad] loss_grad", |b| {
            b.iter(|| black_box(mlp.loss_and_gradients(black_box(&x), &labels)))
        });
        group.bench_function("hand-written backward", |b| {
            b.iter(|| black_box(mlp.loss_and_gradients_by_hand(black_box(&x), &labels)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
