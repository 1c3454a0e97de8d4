//! Progress bars on a terminal (indicatif) for the library's progress reports. Only steps big
//! enough to take a while get a bar, and the unsized steps after them a spinner; nothing is
//! drawn when stderr is not a terminal, with `--quiet`, or with JSON logs.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::{Progress, Unit};

/// The smallest step worth a bar: below these, an operation ends before a bar helps.
fn worth_a_bar(total: u64, unit: Unit) -> bool {
    match unit {
        Unit::Operations | Unit::Messages => total >= 1_000,
        Unit::Bytes => total >= 4 << 20,
        Unit::Unknown => false,
    }
}

#[derive(Default)]
pub struct Bars {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    bar: Option<ProgressBar>,
    /// A sized step was big enough: the unsized steps of the same operation get a spinner.
    large: bool,
}

impl Progress for Bars {
    fn begin(&self, step: &str, total: u64, unit: Unit) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = state.bar.take() {
            bar.finish_and_clear();
        }
        let template = match unit {
            Unit::Unknown if state.large => "{spinner} {msg}… {elapsed}",
            Unit::Unknown => return,
            _ if !worth_a_bar(total, unit) => return,
            Unit::Operations => "{msg} [{bar:30}] {human_pos}/{human_len} operations ({eta} left)",
            Unit::Messages => "{msg} [{bar:30}] {human_pos}/{human_len} messages ({eta} left)",
            Unit::Bytes => "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({eta} left)",
        };
        state.large = true;
        let bar = ProgressBar::with_draw_target(
            (unit != Unit::Unknown).then_some(total),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(step.to_string());
        if unit == Unit::Unknown {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        bar.tick();
        state.bar = Some(bar);
    }

    fn advance(&self, n: u64) {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = &state.bar {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = state.bar.take() {
            bar.finish_and_clear();
        }
        state.large = false;
    }
}
