//! Runs one input with its panic caught and kept quiet: a panic is a
//! finding to report, not noise on the terminal.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use super::target::Target;
use super::Outcome;

thread_local! {
    static CAPTURE: Cell<bool> = const { Cell::new(false) };
    static MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

type Hook = Box<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Panics on a thread that has set `CAPTURE` are recorded silently;
/// others go to the previous hook. Restored on drop.
pub(super) struct QuietPanics(Arc<Hook>);

impl QuietPanics {
    pub(super) fn install() -> QuietPanics {
        let prev: Arc<Hook> = Arc::new(panic::take_hook());
        let fwd = Arc::clone(&prev);
        panic::set_hook(Box::new(move |info| {
            if CAPTURE.with(Cell::get) {
                MESSAGE.with(|m| *m.borrow_mut() = Some(info.to_string()));
            } else {
                fwd(info);
            }
        }));
        QuietPanics(prev)
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        let prev = Arc::clone(&self.0);
        let _ = panic::take_hook();
        panic::set_hook(Box::new(move |info| prev(info)));
    }
}

/// Runs one input; `Err(message)` when it panicked.
pub(super) fn exec(t: &Target, input: &[u8]) -> Result<Outcome, String> {
    CAPTURE.with(|c| c.set(true));
    let r = panic::catch_unwind(AssertUnwindSafe(|| (t.run)(input)));
    CAPTURE.with(|c| c.set(false));
    r.map_err(|_| {
        MESSAGE
            .with(|m| m.borrow_mut().take())
            .unwrap_or_else(|| "panic".to_string())
    })
}
