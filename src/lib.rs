//! Support code shared by the examples, tests and benchmarks of the workspace: the digits data
//! set and the one-hidden-layer network trained on it, and ADBench's bundle-adjustment, GMM and
//! LSTM objectives.
//! Not published.

pub mod adbench;
pub mod ba;
pub mod digits;
pub mod gmm;
pub mod lstm;
pub mod mlp;
