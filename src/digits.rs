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

/// A small deterministic generator (SplitMix64), so runs are reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}
