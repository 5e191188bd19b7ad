use std::sync::Arc;
use std::time::Duration;

use http::Method;

use super::*;
use crate::MockServer;

const TOKEN: &str = "123456:AAE-secret_token";

fn fake() -> TelegramFake {
    let f = TelegramFake::new();
    f.add_bot(TOKEN);
    f
}

fn get(query: &str) -> Request {
    Request::new(
        Method::GET,
        &format!("/bot123456%3AAAE-secret_token/getUpdates{query}"),
    )
}

fn body(reply: &Reply) -> String {
    String::from_utf8(reply.body.to_vec()).unwrap()
}

#[test]
fn updates_come_back_byte_for_byte_and_offset_confirms() {
    let f = fake();
    let odd = "{ \"update_id\" : 7,\n \"message\":{\"text\":\"caf\\u00e9\",\"big\":123456789012345678901234567890}}";
    assert_eq!(f.push_update(TOKEN, odd), Ok(Some(7)));
    assert_eq!(
        f.push(TOKEN, "message", "{\"text\":\"/start\"}"),
        Ok(Some(8))
    );
    let r = f.handle(&get(""));
    assert_eq!(r.status, 200);
    assert_eq!(
        body(&r),
        format!(
            "{{\"ok\":true,\"result\":[{odd},{{\"update_id\":8,\"message\":{{\"text\":\"/start\"}}}}]}}"
        )
    );
    assert_eq!(f.pending(TOKEN), [7, 8]);
    let r = f.handle(&get("?offset=8&limit=1"));
    assert!(body(&r).starts_with("{\"ok\":true,\"result\":[{\"update_id\":8"));
    assert_eq!(f.pending(TOKEN), [8]);
    assert_eq!(
        body(&f.handle(&get("?offset=9"))),
        "{\"ok\":true,\"result\":[]}"
    );
    assert!(f.pending(TOKEN).is_empty());
    assert_eq!(f.calls(TOKEN)[1].offset, Some(8));
}

#[test]
fn wrong_token_other_methods_and_bad_parameters_are_refused() {
    let f = fake();
    let wrong = Request::new(Method::GET, "/bot123456:other/getUpdates");
    let r = f.handle(&wrong);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json_body().unwrap(),
        json!({"ok":false,"error_code":401,"description":"Unauthorized"})
    );
    let r = f.handle(&Request::new(
        Method::GET,
        "/bot123456:AAE-secret_token/sendMessage",
    ));
    assert_eq!(r.status, 404);
    let me = f.handle(&Request::new(
        Method::POST,
        "/bot123456:AAE-secret_token/getMe",
    ));
    assert_eq!(me.json_body().unwrap()["result"]["id"], 123456);
    let r = f.handle(&get("?offset=abc"));
    assert_eq!(r.status, 400);
    assert!(body(&r).contains("Bad Request"));
    f.set_webhook(TOKEN, true);
    assert_eq!(f.handle(&get("")).status, 409);
}

#[test]
fn allowed_updates_filters_updates_created_afterwards() {
    let f = fake();
    f.push(TOKEN, "callback_query", "{}").unwrap();
    assert_eq!(f.push(TOKEN, "chat_member", "{}"), Ok(None));
    let json_body = get("")
        .with_header("content-type", "application/json")
        .with_body(r#"{"allowed_updates":["message","my_chat_member"]}"#);
    let r = f.handle(&json_body);
    assert!(
        body(&r).contains("callback_query"),
        "created before the setting"
    );
    assert_eq!(f.push(TOKEN, "callback_query", "{}"), Ok(None));
    assert!(f.push(TOKEN, "my_chat_member", "{}").unwrap().is_some());
    let form = get("")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body("allowed_updates=%5B%5D");
    f.handle(&form);
    assert_eq!(f.push(TOKEN, "chat_member", "{}"), Ok(None));
    assert!(f.push(TOKEN, "callback_query", "{}").unwrap().is_some());
}

#[test]
fn pushes_that_telegram_could_not_send_are_refused() {
    let f = fake();
    assert!(
        f.push_update("nope", "{\"update_id\":1,\"message\":{}}")
            .is_err()
    );
    for bad in [
        "[]",
        "{\"message\":{}}",
        "{\"update_id\":1}",
        "{\"update_id\":1,\"message\":{},\"poll\":{}}",
    ] {
        assert!(f.push_update(TOKEN, bad).is_err(), "{bad}");
    }
    f.push_update(TOKEN, "{\"update_id\":5,\"message\":{}}")
        .unwrap();
    assert!(
        f.push_update(TOKEN, "{\"update_id\":5,\"message\":{}}")
            .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn a_long_poll_is_held_until_an_update_arrives_or_the_timeout_passes() {
    let f = fake();
    let server = MockServer::start(Arc::new(f.clone())).await.unwrap();
    let url = format!(
        "{}/bot123456:AAE-secret_token/getUpdates?timeout=30",
        server.base_url()
    );
    let started = tokio::time::Instant::now();
    let empty = raw_get(&url).await;
    assert!(empty.ends_with("{\"ok\":true,\"result\":[]}"), "{empty}");
    assert!(started.elapsed() >= Duration::from_secs(30));

    let started = tokio::time::Instant::now();
    let pusher = f.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        pusher.push(TOKEN, "message", "{\"text\":\"hi\"}").unwrap();
    });
    let answer = raw_get(&url).await;
    assert!(answer.contains("\"text\":\"hi\""), "{answer}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(3) && waited < Duration::from_secs(30));
}

/// A GET over a raw socket (tg-mock has no HTTP client of its own).
async fn raw_get(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET /{path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}
