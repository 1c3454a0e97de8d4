//! How far a long operation is, for whoever wants to show it. The library reports steps and
//! units; the CLI draws a bar on a terminal and nothing anywhere else. Silent by default, so
//! tests and library users see nothing.

use std::sync::Arc;

/// What a step counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Cmdlet calls of an apply.
    Operations,
    /// Bytes of configuration read and parsed.
    Bytes,
    /// Messages of an archive written to the store.
    Messages,
    /// A step whose size is not known (a spinner).
    Unknown,
}

/// A receiver of progress reports.
pub trait Progress: Send + Sync {
    /// A step begins: `total` units of `unit` (0 for `Unit::Unknown`). It ends the step before.
    fn begin(&self, step: &str, total: u64, unit: Unit);
    /// `n` more units of the current step are done.
    fn advance(&self, n: u64);
    /// The last step ended.
    fn finish(&self);
}

struct Silent;

impl Progress for Silent {
    fn begin(&self, _: &str, _: u64, _: Unit) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// A shared handle on a [`Progress`], silent unless made from one.
#[derive(Clone)]
pub struct Reporter(Arc<dyn Progress>);

impl Reporter {
    pub fn new(p: impl Progress + 'static) -> Reporter {
        Reporter(Arc::new(p))
    }

    pub fn begin(&self, step: &str, total: u64, unit: Unit) {
        self.0.begin(step, total, unit);
    }

    pub fn advance(&self, n: u64) {
        self.0.advance(n);
    }

    pub fn finish(&self) {
        self.0.finish();
    }
}

impl Default for Reporter {
    fn default() -> Reporter {
        Reporter(Arc::new(Silent))
    }
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reporter")
    }
}
