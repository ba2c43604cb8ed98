//! Workspace root: tests, examples and benchmarks live here.
