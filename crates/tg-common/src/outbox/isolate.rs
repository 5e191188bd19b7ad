//! Runs code that may panic (a user callback, or a task of ours) without letting the panic
//! take an outbox's or a tracker's state down: the panic becomes a message the caller can count.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};

use futures_util::FutureExt;

/// The longest panic message kept, in bytes.
const MESSAGE_LEN: usize = 200;

/// Calls `f`; a panic becomes `Err` with its message.
pub fn call<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(message)
}

/// Awaits `future`; a panic while it is polled becomes `Err` with its message.
pub async fn run<T>(future: impl Future<Output = T>) -> Result<T, String> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .map_err(message)
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`), cut to
/// [`MESSAGE_LEN`] bytes.
fn message(payload: Box<dyn Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    if text.len() <= MESSAGE_LEN {
        return text;
    }
    let mut end = MESSAGE_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(call(|| 7), Ok(7));
        assert_eq!(call(|| panic!("boom")), Err::<(), _>("boom".to_owned()));
        let long = "é".repeat(300);
        let cut = call(|| panic!("{long}")).unwrap_err();
        assert!(cut.len() <= MESSAGE_LEN + '…'.len_utf8(), "{}", cut.len());
        assert!(cut.ends_with('…'));
    }

    #[tokio::test]
    async fn a_panicking_future_becomes_its_message() {
        assert_eq!(run(async { 1 }).await, Ok(1));
        let failed = run(async {
            tokio::task::yield_now().await;
            panic!("late")
        })
        .await;
        assert_eq!(failed, Err::<(), _>("late".to_owned()));
    }
}
