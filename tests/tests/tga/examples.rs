//! (a) The documents' examples.

use super::*;

#[tokio::test(start_paused = true)]
async fn the_documented_examples_are_accepted_and_stored_from_gzipped_bodies() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    for (json, events) in examples() {
        client.send_events(&events).await.unwrap();
        let request = s.server.requests().pop().unwrap();
        assert_eq!(request.header("content-encoding"), Some("gzip"));
        assert_eq!(&request.body[..2], &[0x1f, 0x8b], "a gzip stream");
        let decoded: Value = serde_json::from_slice(&request.decoded_body().unwrap()).unwrap();
        assert_eq!(decoded, json);
        let headers: serde_json::Map<String, Value> = serde_json::from_str(HEADERS).unwrap();
        for (name, value) in headers {
            let want = value.as_str().unwrap().replace("YOUR_TOKEN", &s.token);
            assert_eq!(
                request.header(&name.to_ascii_lowercase()),
                Some(want.as_str())
            );
        }
        assert_eq!(request.header("origin"), Some("https://docs.example.org"));
        assert_eq!(request.path, "/events");
    }
    let stored = s.fake.accepted_events();
    let want: Vec<Value> = examples()
        .into_iter()
        .map(|(json, _)| json[0].clone())
        .collect();
    assert_eq!(stored, want);
    assert_eq!(s.dispositions(), vec![Disposition::Answered(202); 3]);
}

#[tokio::test(start_paused = true)]
async fn with_gzip_off_bodies_arrive_plain() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.builder_for(&s.token).gzip(false).build().unwrap();
    let (json, events) = examples().remove(2);
    client.send_events(&events).await.unwrap();
    let request = &s.server.requests()[0];
    assert_eq!(request.header("content-encoding"), None);
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, json);
    assert_eq!(s.fake.accepted_events(), vec![json[0].clone()]);
}
