//! Support code shared by the examples, tests and benchmarks of the workspace: the digits data
//! set and the one-hidden-layer network trained on it. Not published.

pub mod digits;
pub mod mlp;
