//! (c) Defaults from the token.

use super::*;

#[tokio::test(start_paused = true)]
async fn a_client_built_from_the_token_alone_sends_its_app_name_and_origin() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = Client::builder(s.token.clone())
        .core(|c| c.with_loopback_url(s.server.base_url()))
        .build()
        .unwrap();
    let session = Uuid::new_v4();
    client
        .send_events(&[client.event(42, EventName::AppInit, session)])
        .await
        .unwrap();
    let request = &s.server.requests()[0];
    assert_eq!(request.header("origin"), Some("https://docs.example.org"));
    let stored = s.fake.accepted_events();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["app_name"], APP);
    assert_eq!(stored[0]["session_id"], session.to_string());
}
