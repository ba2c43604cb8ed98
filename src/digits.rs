//! The UCI handwritten digits (`data/digits/`): 1,797 8×8 images, 10 classes.

use std::io::Read;

use autodiff_runtime::ndarray::{Array2, Axis};

/// Images (one row of 64 pixels in `[0, 1]` each) and their labels.
pub struct Digits {
    pub images: Array2<f64>,
    pub labels: Vec<usize>,
}

/// The compressed CSV, embedded so examples and benchmarks run from any directory.
const DATA: &[u8] = include_bytes!("../data/digits/digits.csv.gz");

impl Digits {
    /// Loads the whole data set, pixels scaled from 0..16 to 0..1.
    ///
    /// ```
    /// let digits = autodiff::digits::Digits::load();
    /// assert_eq!(digits.images.dim(), (1797, 64));
    /// ```
    pub fn load() -> Digits {
        let mut text = String::new();
        flate2::read::GzDecoder::new(DATA)
            .read_to_string(&mut text)
            .expect("the embedded digits data is valid gzip text");
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for (line_number, line) in text.lines().enumerate() {
            let values: Vec<f64> = line
                .split(',')
                .map(|v| {
                    v.trim().parse().unwrap_or_else(|_| {
                        panic!("digits line {}: {v:?} is not a number", line_number + 1)
                    })
                })
                .collect();
            assert_eq!(
                values.len(),
                65,
                "digits line {}: 64 pixels and a label",
                line_number + 1
            );
            pixels.extend(values[..64].iter().map(|p| p / 16.0));
            labels.push(values[64] as usize);
        }
        let images = Array2::from_shape_vec((labels.len(), 64), pixels).expect("64 pixels a row");
        Digits { images, labels }
    }

    /// Splits into a training and a held-out set after a deterministic shuffle: `test_fraction`
    /// of the rows go to the second.
    ///
    /// ```
    /// let (train, test) = autodiff::digits::Digits::load().split(0.2, 7);
    /// assert_eq!(train.labels.len() + test.labels.len(), 1797);
    /// assert_eq!(test.labels.len(), 359);
    /// ```
    pub fn split(&self, test_fraction: f64, seed: u64) -> (Digits, Digits) {
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        let mut rng = Rng::new(seed);
        rng.shuffle(&mut order);
        let n_test = (self.labels.len() as f64 * test_fraction) as usize;
        let (test, train) = order.split_at(n_test);
        (self.select(train), self.select(test))
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Digits {
        Digits {
            images: self.images.select(Axis(0), indices),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// The small deterministic generator (the workspace's one SplitMix64), so runs are reproducible.
///
/// ```
/// let mut order = [0, 1, 2, 3];
/// autodiff::digits::Rng::new(7).shuffle(&mut order);
/// ```
pub use testkit::SplitMix64 as Rng;
