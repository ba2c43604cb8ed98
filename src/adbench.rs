//! What the ADBench tests and benchmark share: ADBench's closeness measure and its reference
//! files (the objective and gradient ADBench publishes for an input).

/// ADBench's closeness measure, `|x − y| / max(1, |x| + |y|)`: relative for large values,
/// absolute for small ones. ADBench accepts `rho < 1e-8`.
///
/// ```
/// use autodiff::adbench::rho;
/// assert_eq!(rho(2.0, 2.0), 0.0);
/// assert_eq!(rho(1e-3, 2e-3), 1e-3); // absolute below 1
/// assert_eq!(rho(100.0, 101.0), 1.0 / 201.0);
/// ```
pub fn rho(x: f64, y: f64) -> f64 {
    (x - y).abs() / 1f64.max(x.abs() + y.abs())
}

/// Asserts `rho(actual[i], expected[i]) < tol` for every element, naming the worst one.
///
/// # Panics
///
/// Where the lengths differ, or an element is not within `tol`.
///
/// ```
/// autodiff::adbench::assert_rho_below("gradient", &[1.0, 2.0], &[1.0, 2.0 + 1e-12], 1e-8);
/// ```
pub fn assert_rho_below(what: &str, actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    let (worst, r) = actual
        .iter()
        .zip(expected)
        .map(|(a, e)| rho(*a, *e))
        .enumerate()
        .fold((0, 0.0), |acc, (i, r)| if r > acc.1 { (i, r) } else { acc });
    assert!(
        r < tol,
        "{what}: element {worst}: {} against {} (rho {r:e})",
        actual[worst],
        expected[worst]
    );
}

/// The objective and gradient of an ADBench reference file for GMM or LSTM (`objective`, its
/// value, `gradient`, its values on one line; `#` comments and blank lines skipped).
///
/// # Panics
///
/// Where the text is not in that form.
///
/// ```
/// let (objective, gradient) =
///     autodiff::adbench::read_reference("# a comment\nobjective\n1.5\ngradient\n0.5 -2\n");
/// assert_eq!((objective, gradient), (1.5, vec![0.5, -2.0]));
/// ```
pub fn read_reference(text: &str) -> (f64, Vec<f64>) {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(lines[0], "objective");
    assert_eq!(lines[2], "gradient");
    let objective = lines[1].trim().parse().expect("the objective is a number");
    let gradient = lines[3]
        .split_whitespace()
        .map(|t| t.parse().expect("the gradient's elements are numbers"))
        .collect();
    (objective, gradient)
}
