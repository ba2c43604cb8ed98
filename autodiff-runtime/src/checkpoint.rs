//! Checkpointing schedules for loops: which states to keep in the forward sweep and how to get
//! back to each step in the reverse sweep.
//!
//! `#[checkpoint(every = k)]` and `#[checkpoint(snapshots = s)]` on a loop of a `#[grad]`
//! function drive these from the generated code; they are ordinary values with no global state
//! and can be used by hand. A *snapshot* `S` is whatever the caller needs to run the loop again
//! from a step (the generated code keeps the loop-carried variables); a *step* is one iteration.
//!
//! - [`Periodic`]: a snapshot every `k` steps; the reverse sweep takes the segments back last
//!   first, and runs each forward again from its snapshot. One extra forward of the loop, n/k
//!   snapshots and one segment's records at a time.
//! - [`Revolve`]: the binomial schedule of Griewank and Walther (ACM TOMS 26(1), 2000,
//!   "Algorithm 799: revolve") with at most `s` snapshots: with `r` the least number such that
//!   C(s + r, s) ≥ n, each step runs forward at most `r` times more and the steps run forward
//!   again number r·n − C(s + r, s + 1) ([`Revolve::forward_steps`]), the fewest possible with `s`
//!   snapshots.

use std::fmt;

/// A snapshot every `every` steps, for `#[checkpoint(every = k)]`.
///
/// The forward sweep calls [`forward_step`](Periodic::forward_step) at the start of each step
/// and, where it says so, [`keep`](Periodic::keep)s a snapshot of the state before the step.
/// The reverse sweep takes the segments back with [`pop_segment`](Periodic::pop_segment), last
/// first: each gives its snapshot and the steps it covers, to run forward again and reverse.
///
/// ```
/// use autodiff_runtime::checkpoint::Periodic;
///
/// let mut state = 1.0_f64;
/// let mut periodic = Periodic::new(3);
/// for _ in 0..7 {
///     if periodic.forward_step() {
///         periodic.keep(state);
///     }
///     state *= 2.0;
/// }
/// assert_eq!(periodic.steps(), 7);
/// assert_eq!(periodic.pop_segment(), Some((64.0, 6, 1)));
/// assert_eq!(periodic.pop_segment(), Some((8.0, 3, 3)));
/// assert_eq!(periodic.pop_segment(), Some((1.0, 0, 3)));
/// assert_eq!(periodic.pop_segment(), None);
/// ```
#[derive(Clone, Debug)]
pub struct Periodic<S> {
    every: usize,
    steps: usize,
    snapshots: Vec<S>,
}

impl<S> Periodic<S> {
    /// A schedule keeping a snapshot every `every` steps. Panics if `every` is 0.
    ///
    /// ```
    /// let periodic = autodiff_runtime::checkpoint::Periodic::<f64>::new(100);
    /// assert_eq!(periodic.every(), 100);
    /// ```
    pub fn new(every: usize) -> Self {
        assert!(every > 0, "a snapshot every 0 steps");
        Periodic {
            every,
            steps: 0,
            snapshots: Vec::new(),
        }
    }

    /// How many steps a segment has (the last may have fewer).
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::checkpoint::Periodic::<f64>::new(8).every(), 8);
    /// ```
    pub fn every(&self) -> usize {
        self.every
    }

    /// How many steps have run forward.
    ///
    /// ```
    /// let mut periodic = autodiff_runtime::checkpoint::Periodic::<f64>::new(2);
    /// periodic.forward_step();
    /// assert_eq!(periodic.steps(), 1);
    /// ```
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Counts a step about to run forward; `true` if it starts a segment, whose snapshot (the
    /// state before the step) the caller then [`keep`](Periodic::keep)s.
    ///
    /// ```
    /// let mut periodic = autodiff_runtime::checkpoint::Periodic::<f64>::new(2);
    /// let starts: Vec<bool> = (0..5).map(|_| periodic.forward_step()).collect();
    /// assert_eq!(starts, [true, false, true, false, true]);
    /// ```
    pub fn forward_step(&mut self) -> bool {
        let starts = self.steps.is_multiple_of(self.every);
        self.steps += 1;
        starts
    }

    /// Keeps the snapshot of the segment that starts at the step just counted.
    ///
    /// ```
    /// let mut periodic = autodiff_runtime::checkpoint::Periodic::new(4);
    /// if periodic.forward_step() {
    ///     periodic.keep([0.5_f64; 4]);
    /// }
    /// assert_eq!(periodic.pop_segment(), Some(([0.5; 4], 0, 1)));
    /// ```
    pub fn keep(&mut self, snapshot: S) {
        self.snapshots.push(snapshot);
    }

    /// The last segment not yet taken back: its snapshot, its first step and its number of
    /// steps; `None` once every segment has been.
    ///
    /// ```
    /// let mut periodic = autodiff_runtime::checkpoint::Periodic::<f64>::new(4);
    /// assert_eq!(periodic.pop_segment(), None); // no step ran
    /// ```
    pub fn pop_segment(&mut self) -> Option<(S, usize, usize)> {
        let snapshot = self.snapshots.pop()?;
        let start = self.snapshots.len() * self.every;
        let len = self.steps - start;
        self.steps = start;
        Some((snapshot, start, len))
    }

    /// The segments, last first, as [`pop_segment`](Periodic::pop_segment) gives them.
    ///
    /// ```
    /// let mut periodic = autodiff_runtime::checkpoint::Periodic::new(2);
    /// for step in 0..3 {
    ///     if periodic.forward_step() {
    ///         periodic.keep(step);
    ///     }
    /// }
    /// let segments: Vec<_> = periodic.into_segments().collect();
    /// assert_eq!(segments, [(2, 2, 1), (0, 0, 2)]);
    /// ```
    pub fn into_segments(self) -> Segments<S> {
        Segments { periodic: self }
    }
}

/// The segments of a [`Periodic`] schedule, last first ([`Periodic::into_segments`]): each its
/// snapshot, its first step and its number of steps.
///
/// ```
/// let periodic = autodiff_runtime::checkpoint::Periodic::<f64>::new(2);
/// assert_eq!(periodic.into_segments().count(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct Segments<S> {
    periodic: Periodic<S>,
}

impl<S> Iterator for Segments<S> {
    type Item = (S, usize, usize);

    fn next(&mut self) -> Option<Self::Item> {
        self.periodic.pop_segment()
    }
}

/// What the reverse sweep of a [`Revolve`] schedule does next. Steps are numbered from 0; the
/// state *at* step `i` is the one before step `i` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the steps `from..to` forward from the current state (at `from`), keeping nothing.
    Advance { from: usize, to: usize },
    /// [`keep`](Revolve::keep) the current state, which is at step `at`.
    Snapshot { at: usize },
    /// Set the current state to [`restore`](Revolve::restore)'s, the snapshot at step `at`.
    Restore { at: usize },
    /// Run step `step` forward from the current state, recording what its reverse needs, then
    /// reverse it. After the last, the schedule ends.
    Reverse { step: usize },
}

/// Reverse `from..to`; the snapshot at `from` is on top, and the current state is at `from`
/// unless `restore`.
#[derive(Clone, Copy, Debug)]
struct Task {
    from: usize,
    to: usize,
    restore: bool,
}

/// The binomial checkpointing schedule of revolve for `steps` steps with at most `snapshots`
/// snapshots, for `#[checkpoint(snapshots = s)]`. It holds the snapshots (a stack of at most
/// `snapshots`) and hands out [`Action`]s one at a time, so it needs O(`snapshots`) memory
/// whatever the number of steps.
///
/// Used whole, [`next_action`](Revolve::next_action) gives the schedule from the start: keep
/// step 0, advance, keep, …, then reverse the last step, restore, and so on. The generated code
/// instead runs the forward sweep as the loop itself, calling
/// [`forward_step`](Revolve::forward_step) at the start of each step, then starts the reverse
/// sweep with [`start_reverse`](Revolve::start_reverse).
///
/// ```
/// use autodiff_runtime::checkpoint::{Action, Revolve};
///
/// // The reverse of x ← x² run 10 times from 1.1, with 3 snapshots: d x₁₀ / d x₀.
/// let mut revolve = Revolve::new(10, 3);
/// let mut x = 1.1_f64;
/// let mut bar = 1.0;
/// let mut forward = 0;
/// while let Some(action) = revolve.next_action() {
///     match action {
///         Action::Advance { from, to } => {
///             for _ in from..to {
///                 x = x * x;
///             }
///             forward += to - from;
///         }
///         Action::Snapshot { .. } => revolve.keep(x),
///         Action::Restore { .. } => x = revolve.restore(),
///         Action::Reverse { .. } => bar *= 2.0 * x,
///     }
/// }
/// assert!((bar - 1024.0 * 1.1_f64.powi(1023)).abs() < 1e-9 * bar);
/// assert_eq!(forward, Revolve::<f64>::forward_steps(10, 3));
/// ```
#[derive(Clone)]
pub struct Revolve<S> {
    steps: usize,
    snapshots: usize,
    /// The kept states, by step, in increasing order of step.
    kept: Vec<(usize, S)>,
    tasks: Vec<Task>,
    /// The actions of the task being run, the next last.
    pending: Vec<Action>,
    /// The snapshot [`restore`](Revolve::restore) gives is not needed again: move it out.
    last_use: bool,
    /// Steps run by [`forward_step`](Revolve::forward_step).
    forward: usize,
    /// The step of the state the last [`Action::Snapshot`] asked to keep.
    snapshot_at: usize,
}

impl<S: fmt::Debug> fmt::Debug for Revolve<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revolve")
            .field("steps", &self.steps)
            .field("snapshots", &self.snapshots)
            .field("kept", &self.kept)
            .finish_non_exhaustive()
    }
}

/// C(s + r, s): how many steps `s` snapshots reverse if each step runs forward at most `r`
/// times more (β(s, r) in Griewank and Walther); 0 for negative `r`, saturating.
fn beta(s: usize, r: isize) -> usize {
    if r < 0 {
        return 0;
    }
    let mut c = 1;
    for i in 1..=r as usize {
        c = next_beta(c, s, i);
    }
    c
}

/// β(s, i) from β(s, i − 1) = `c`: C(s + i, s) = C(s + i − 1, s)·(s + i)/i, exact, saturating.
fn next_beta(c: usize, s: usize, i: usize) -> usize {
    if c == usize::MAX {
        return c;
    }
    (c as u128 * (s + i) as u128 / i as u128)
        .try_into()
        .unwrap_or(usize::MAX)
}

/// The repetition number r of `n` steps with `s` snapshots, and β(s, r − 2), β(s, r − 1),
/// β(s, r) (0 for negative arguments), in O(r).
fn repetitions_and_betas(n: usize, s: usize) -> (usize, [usize; 3]) {
    let mut betas = [0, 0, 1];
    let mut r = 0;
    while betas[2] < n {
        r += 1;
        betas = [betas[1], betas[2], next_beta(betas[2], s, r)];
    }
    (r, betas)
}

impl<S> Revolve<S> {
    /// The schedule for `steps` steps with at most `snapshots` snapshots. Panics if `snapshots`
    /// is 0 (the state at the first step must be kept).
    ///
    /// ```
    /// let revolve = autodiff_runtime::checkpoint::Revolve::<[f64; 4]>::new(10_000, 8);
    /// assert_eq!(revolve.steps(), 10_000);
    /// ```
    pub fn new(steps: usize, snapshots: usize) -> Self {
        assert!(snapshots > 0, "revolve needs at least one snapshot");
        let mut revolve = Revolve {
            steps: 0,
            snapshots,
            kept: Vec::new(),
            tasks: Vec::new(),
            pending: Vec::new(),
            last_use: false,
            forward: 0,
            snapshot_at: 0,
        };
        revolve.plan(steps);
        revolve
    }

    fn plan(&mut self, steps: usize) {
        self.steps = steps;
        self.tasks.clear();
        self.pending.clear();
        if steps > 0 {
            self.tasks.push(Task {
                from: 0,
                to: steps,
                restore: false,
            });
            self.pending.push(Action::Snapshot { at: 0 });
        }
    }

    /// The number of steps the schedule reverses.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::checkpoint::Revolve::<f64>::new(5, 2).steps(), 5);
    /// ```
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The repetition number: the least `r` such that C(s + r, s) ≥ `steps`, the most times
    /// a step runs forward before it is reversed (besides the run that records it).
    ///
    /// ```
    /// use autodiff_runtime::checkpoint::Revolve;
    /// assert_eq!(Revolve::<f64>::repetitions(1000, 10), 4);
    /// assert_eq!(Revolve::<f64>::repetitions(1, 1), 0);
    /// ```
    pub fn repetitions(steps: usize, snapshots: usize) -> usize {
        repetitions_and_betas(steps, snapshots).0
    }

    /// The closed form r·n − C(s + r, s + 1) of the number of steps the schedule advances
    /// (n = `steps`, s = `snapshots`, r the [`repetitions`](Revolve::repetitions)), the first
    /// forward sweep included and the recording runs of [`Action::Reverse`] not.
    ///
    /// ```
    /// use autodiff_runtime::checkpoint::Revolve;
    /// assert_eq!(Revolve::<f64>::forward_steps(1000, 10), 3636);
    /// assert_eq!(Revolve::<f64>::forward_steps(10, 1), 45); // 9 + 8 + … + 1
    /// ```
    pub fn forward_steps(steps: usize, snapshots: usize) -> usize {
        if steps == 0 {
            return 0;
        }
        let r = Self::repetitions(steps, snapshots);
        r * steps - beta(snapshots + 1, r as isize - 1)
    }

    /// The number of snapshots held.
    ///
    /// ```
    /// let mut revolve = autodiff_runtime::checkpoint::Revolve::new(3, 2);
    /// revolve.next_action();
    /// revolve.keep(0.0_f64);
    /// assert_eq!(revolve.held(), 1);
    /// ```
    pub fn held(&self) -> usize {
        self.kept.len()
    }

    /// The next action, `None` once every step has been reversed. After
    /// [`Action::Snapshot`] call [`keep`](Revolve::keep), after [`Action::Restore`]
    /// [`restore`](Revolve::restore).
    ///
    /// ```
    /// use autodiff_runtime::checkpoint::{Action, Revolve};
    /// let mut revolve = Revolve::new(2, 1);
    /// assert_eq!(revolve.next_action(), Some(Action::Snapshot { at: 0 }));
    /// revolve.keep(());
    /// assert_eq!(revolve.next_action(), Some(Action::Advance { from: 0, to: 1 }));
    /// assert_eq!(revolve.next_action(), Some(Action::Reverse { step: 1 }));
    /// assert_eq!(revolve.next_action(), Some(Action::Restore { at: 0 }));
    /// revolve.restore();
    /// assert_eq!(revolve.next_action(), Some(Action::Reverse { step: 0 }));
    /// assert_eq!(revolve.next_action(), None);
    /// ```
    pub fn next_action(&mut self) -> Option<Action> {
        let action = self.plan_next();
        if let Some(Action::Snapshot { at }) = action {
            self.snapshot_at = at;
        }
        action
    }

    fn plan_next(&mut self) -> Option<Action> {
        if let Some(action) = self.pending.pop() {
            return Some(action);
        }
        let task = self.tasks.pop()?;
        // Actions pushed last first.
        let Task { from, to, restore } = task;
        let n = to - from;
        if restore {
            while self.kept.last().is_some_and(|(at, _)| *at > from) {
                self.kept.pop();
            }
            debug_assert_eq!(self.kept.last().map(|(at, _)| *at), Some(from));
            self.last_use = n == 1;
        }
        if n == 1 {
            self.pending.push(Action::Reverse { step: from });
        } else {
            // With s snapshots (the one at `from` among them) and r repetitions, split at
            // `from + first` so that the first part is reversed with s snapshots and r - 1
            // repetitions and the second with s - 1 and r: the count is then the closed form.
            let s = self.snapshots - self.kept.len() + 1;
            let (r, [two_fewer, _, most]) = repetitions_and_betas(n, s);
            // β(s − 1, r) = β(s, r)·s/(s + r).
            let second_most = match most {
                usize::MAX => usize::MAX,
                most => (most as u128 * s as u128 / (s + r) as u128) as usize,
            };
            let first = two_fewer
                .max(1)
                .max(n.saturating_sub(second_most))
                .min(n - 1);
            let split = from + first;
            self.tasks.push(Task {
                from,
                to: split,
                restore: true,
            });
            if to - split == 1 {
                self.pending.push(Action::Reverse { step: split });
            } else {
                self.tasks.push(Task {
                    from: split,
                    to,
                    restore: false,
                });
                self.pending.push(Action::Snapshot { at: split });
            }
            self.pending.push(Action::Advance { from, to: split });
        }
        if restore {
            self.pending.push(Action::Restore { at: from });
        }
        self.pending.pop()
    }

    /// Keeps the current state as the snapshot [`Action::Snapshot`] asked for. Panics if that
    /// would hold more than `snapshots`.
    ///
    /// ```
    /// let mut revolve = autodiff_runtime::checkpoint::Revolve::new(4, 2);
    /// assert!(revolve.forward_step());
    /// revolve.keep([1.0_f64, 2.0]);
    /// assert_eq!(revolve.held(), 1);
    /// ```
    pub fn keep(&mut self, snapshot: S) {
        assert!(
            self.kept.len() < self.snapshots,
            "revolve holds at most {} snapshots",
            self.snapshots
        );
        self.kept.push((self.snapshot_at, snapshot));
    }

    /// Counts a step about to run in the forward sweep, the loop itself running the schedule's
    /// first advances: `true` if the state before it is to be kept (then
    /// [`keep`](Revolve::keep) it). Steps past the planned number are counted and not kept.
    ///
    /// ```
    /// let mut revolve = autodiff_runtime::checkpoint::Revolve::new(6, 2);
    /// let mut kept = Vec::new();
    /// for step in 0..6 {
    ///     if revolve.forward_step() {
    ///         revolve.keep(step);
    ///         kept.push(step);
    ///     }
    /// }
    /// assert_eq!(kept[0], 0);
    /// assert!(kept.len() <= 2);
    /// ```
    pub fn forward_step(&mut self) -> bool {
        let step = self.forward;
        self.forward += 1;
        // The state at step 0 is always kept: the reverse can start again from it.
        let keep = step == 0;
        if keep {
            self.snapshot_at = 0;
        }
        loop {
            if self.pending.is_empty() {
                match self.plan_next() {
                    Some(action) => self.pending.push(action),
                    None => return keep,
                }
            }
            match self.pending.last().copied() {
                // Return at once: the snapshot is kept before the schedule plans on.
                Some(Action::Snapshot { at }) if at == step => {
                    self.pending.pop();
                    self.snapshot_at = at;
                    return true;
                }
                Some(Action::Advance { to, .. }) if to <= step => {
                    self.pending.pop();
                }
                _ => return keep,
            }
        }
    }

    /// Starts the reverse sweep after [`forward_step`](Revolve::forward_step)s: the snapshot to
    /// continue from, `None` if no step ran. If the loop ran another number of steps than
    /// planned (an early `break`), the schedule is planned again for that number from the
    /// snapshot at step 0.
    ///
    /// ```
    /// use autodiff_runtime::checkpoint::{Action, Revolve};
    /// let mut revolve = Revolve::new(3, 3);
    /// let mut x = 0;
    /// for _ in 0..3 {
    ///     if revolve.forward_step() {
    ///         revolve.keep(x);
    ///     }
    ///     x += 1;
    /// }
    /// let mut x = revolve.start_reverse().unwrap();
    /// let mut reversed = Vec::new();
    /// while let Some(action) = revolve.next_action() {
    ///     match action {
    ///         Action::Advance { from, to } => x += to - from,
    ///         Action::Snapshot { .. } => revolve.keep(x),
    ///         Action::Restore { .. } => x = revolve.restore(),
    ///         Action::Reverse { step } => {
    ///             assert_eq!(x, step);
    ///             reversed.push(step);
    ///         }
    ///     }
    /// }
    /// assert_eq!(reversed, [2, 1, 0]);
    /// ```
    pub fn start_reverse(&mut self) -> Option<S>
    where
        S: Clone,
    {
        let ran = self.forward;
        self.forward = 0;
        if ran == 0 {
            return None;
        }
        let at_last_turn = ran == self.steps
            && self.pending.last() == Some(&Action::Reverse { step: ran - 1 })
            && !self.kept.is_empty();
        if !at_last_turn {
            // Plan again for the steps that ran, from the snapshot at step 0.
            self.kept.truncate(1);
            let (_, first) = self.kept.pop().expect("the snapshot at step 0");
            self.plan(ran);
            // The schedule's first action keeps the state at 0, which is the one returned.
            self.pending.pop();
            self.kept.push((0, first.clone()));
            return Some(first);
        }
        // The loop ran past the last step: from the last snapshot, advance to it again.
        let (at, _) = self.kept.last().expect("a snapshot");
        let at = *at;
        if at < ran - 1 {
            self.pending.push(Action::Advance {
                from: at,
                to: ran - 1,
            });
        }
        self.last_use = false;
        Some(self.restore())
    }

    /// The snapshot [`Action::Restore`] asked for (moved out if no later action needs it).
    ///
    /// ```
    /// let mut revolve = autodiff_runtime::checkpoint::Revolve::new(2, 1);
    /// revolve.next_action();
    /// revolve.keep(7);
    /// while revolve.next_action() != Some(autodiff_runtime::checkpoint::Action::Restore { at: 0 }) {}
    /// assert_eq!(revolve.restore(), 7);
    /// ```
    pub fn restore(&mut self) -> S
    where
        S: Clone,
    {
        if self.last_use {
            self.last_use = false;
            let (_, snapshot) = self.kept.pop().expect("a snapshot to restore");
            snapshot
        } else {
            self.kept.last().expect("a snapshot to restore").1.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the whole schedule on a state that is its step number, checking each action, and
    /// returns the steps advanced and the most snapshots held.
    fn run(steps: usize, snapshots: usize) -> (usize, usize) {
        let mut revolve = Revolve::new(steps, snapshots);
        let mut state = 0;
        let mut advanced = 0;
        let mut most = 0;
        let mut reversed = Vec::new();
        while let Some(action) = revolve.next_action() {
            match action {
                Action::Advance { from, to } => {
                    assert_eq!(state, from);
                    assert!(from < to);
                    advanced += to - from;
                    state = to;
                }
                Action::Snapshot { at } => {
                    assert_eq!(state, at);
                    revolve.keep(state);
                }
                Action::Restore { at } => {
                    state = revolve.restore();
                    assert_eq!(state, at);
                }
                Action::Reverse { step } => {
                    assert_eq!(state, step);
                    reversed.push(step);
                    state = usize::MAX;
                }
            }
            most = most.max(revolve.held());
        }
        assert_eq!(reversed, (0..steps).rev().collect::<Vec<_>>());
        (advanced, most)
    }

    #[test]
    fn the_number_of_forward_steps_is_the_closed_form() {
        for snapshots in 1..=12 {
            for steps in 0..=300 {
                let (advanced, most) = run(steps, snapshots);
                assert_eq!(
                    advanced,
                    Revolve::<usize>::forward_steps(steps, snapshots),
                    "n = {steps}, s = {snapshots}"
                );
                assert!(
                    most <= snapshots,
                    "n = {steps}, s = {snapshots}: {most} held"
                );
            }
        }
        for (steps, snapshots) in [(1000, 10), (4096, 20), (10_000, 8), (10_000, 32), (256, 8)] {
            let (advanced, most) = run(steps, snapshots);
            assert_eq!(advanced, Revolve::<usize>::forward_steps(steps, snapshots));
            assert!(most <= snapshots);
        }
        assert_eq!(Revolve::<usize>::forward_steps(1000, 10), 3636);
        assert_eq!(Revolve::<usize>::repetitions(4096, 20), 4);
    }

    #[test]
    fn more_snapshots_than_steps() {
        // No cap: each step is advanced once at most.
        let (advanced, most) = run(50, 1000);
        assert_eq!(advanced, 49);
        assert!(most <= 50);
    }

    /// The loop runs the first sweep itself; the reverse goes on from where it stopped.
    fn run_with_forward_loop(planned: usize, ran: usize, snapshots: usize) -> (usize, usize) {
        let mut revolve = Revolve::new(planned, snapshots);
        let mut state = 0;
        let mut most = 0;
        for _ in 0..ran {
            if revolve.forward_step() {
                revolve.keep(state);
            }
            most = most.max(revolve.held());
            state += 1;
        }
        let mut advanced = ran;
        let mut reversed = Vec::new();
        let Some(start) = revolve.start_reverse() else {
            assert_eq!(ran, 0);
            return (0, 0);
        };
        state = start;
        while let Some(action) = revolve.next_action() {
            match action {
                Action::Advance { from, to } => {
                    assert_eq!(state, from);
                    advanced += to - from;
                    state = to;
                }
                Action::Snapshot { at } => {
                    assert_eq!(state, at);
                    revolve.keep(state);
                }
                Action::Restore { at } => {
                    state = revolve.restore();
                    assert_eq!(state, at);
                }
                Action::Reverse { step } => {
                    assert_eq!(state, step);
                    reversed.push(step);
                    state = usize::MAX;
                }
            }
            most = most.max(revolve.held());
        }
        assert_eq!(reversed, (0..ran).rev().collect::<Vec<_>>());
        assert!(most <= snapshots);
        (advanced, most)
    }

    #[test]
    fn the_loop_runs_the_first_sweep() {
        for snapshots in 1..=8 {
            for steps in 0..=120 {
                let (advanced, _) = run_with_forward_loop(steps, steps, snapshots);
                let offline = Revolve::<usize>::forward_steps(steps, snapshots);
                // The loop runs the last step too, and the reverse advances again to it from
                // the last snapshot: at most the repetition number more.
                let r = Revolve::<usize>::repetitions(steps, snapshots);
                assert!(
                    advanced >= offline && advanced <= offline + 1 + r,
                    "n = {steps}, s = {snapshots}: {advanced} against {offline}"
                );
            }
        }
    }

    #[test]
    fn a_loop_that_stops_early_is_planned_again() {
        for snapshots in 1..=5 {
            for planned in 0..=40 {
                for ran in 0..=planned {
                    run_with_forward_loop(planned, ran, snapshots);
                }
                // And one that runs longer than planned.
                run_with_forward_loop(planned, planned + 3, snapshots);
            }
        }
    }

    #[test]
    fn periodic_segments_cover_the_steps() {
        for every in 1..6 {
            for steps in 0..30 {
                let mut periodic = Periodic::new(every);
                for step in 0..steps {
                    if periodic.forward_step() {
                        periodic.keep(step);
                    }
                }
                let mut end = steps;
                while let Some((snapshot, start, len)) = periodic.pop_segment() {
                    assert_eq!(snapshot, start);
                    assert_eq!(start + len, end);
                    assert!(len >= 1 && len <= every);
                    end = start;
                }
                assert_eq!(end, 0);
            }
        }
    }
}
