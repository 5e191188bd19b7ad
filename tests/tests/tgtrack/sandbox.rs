//! (d) Sandbox mode.

use super::*;

#[tokio::test(start_paused = true)]
async fn the_mode_of_the_key_is_exposed() {
    let key = "it-track-sandbox-key";
    let s = setup(key, FakeMode::Sandbox).await;
    let r = s.client.add_event(5, "sale").send().await.unwrap();
    assert_eq!(r.mode, Some(Mode::Sandbox));
    assert!(r.is_sandbox());
    s.fake.set_mode(key, FakeMode::Production);
    let r = s.client.add_event(5, "sale").send().await.unwrap();
    assert_eq!(r.mode, Some(Mode::Production));
    assert!(!r.is_sandbox());
}
