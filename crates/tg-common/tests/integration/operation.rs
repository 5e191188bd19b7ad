//! The operation contract end to end, as a fourth provider would use it: a small "notes" API
//! written with operations, a setter trait and an envelope only, sent over real HTTP to a
//! loopback fake. What `render` returns is what the fake receives; invalid input sends
//! nothing; idempotency and `.retry_unsafe()` decide the retries; pages stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::Method;
use tg_common::transport::{RequestPath, query_string};
use tg_common::{
    Core, CoreConfig, Error, ErrorKind, Idempotency, Operation, ProviderClient, RawResponse,
    RequestBuilder, RetryPolicy, Secret,
};
use tg_common::{HasOperation, Paginated};
use tg_mock::{FakeService, MockServer, Reply, Request};
use tg_mock::{Fault, FaultRule};

const KEY: &str = "notes-key/with slash";

// ---- the provider: client, operations, setters, envelope -----------------------------------

#[derive(Clone)]
struct Client {
    inner: Arc<(Core, RequestPath)>,
}

impl ProviderClient for Client {
    const PROVIDER: &'static str = "notes";
    fn core(&self) -> &Core {
        &self.inner.0
    }
    fn prefix(&self) -> &RequestPath {
        &self.inner.1
    }
}

impl Client {
    fn new(base_url: String) -> Client {
        let key = Secret::new(KEY);
        let config = CoreConfig::new(base_url)
            .with_plain_http_loopback(true)
            .with_retry(RetryPolicy {
                jitter: false,
                base_delay: Duration::from_millis(5),
                ..RetryPolicy::default()
            });
        let core = Core::new(Self::PROVIDER, &key, config).unwrap();
        let prefix = RequestPath::new().segment("v1").secret(&key);
        Client {
            inner: Arc::new((core, prefix)),
        }
    }
    fn create(&self, text: &str) -> RequestBuilder<CreateNote> {
        RequestBuilder::new(self.clone(), CreateNote::new(text))
    }
    fn get(&self, id: &str) -> RequestBuilder<GetNote> {
        RequestBuilder::new(self.clone(), GetNote { id: id.into() })
    }
    fn list(&self) -> RequestBuilder<ListNotes> {
        RequestBuilder::new(self.clone(), ListNotes::default())
    }
}

/// `{"ok":true,"result":...}` or `{"ok":false,"error":"..."}`.
fn decode<T: serde::de::DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
    #[derive(serde::Deserialize)]
    struct Envelope<T> {
        ok: bool,
        result: Option<T>,
    }
    if response.status != 200 {
        let retry_after = response.retry_after();
        return Err(Error::http(response.status, &response.body, retry_after));
    }
    let envelope: Envelope<T> = tg_common::json::decode(response.status, &response.body)?;
    match (envelope.ok, envelope.result) {
        (true, Some(result)) => Ok(result),
        _ => Err(Error::http(
            response.status,
            &response.body,
            response.retry_after(),
        )),
    }
}

#[derive(Debug, Clone)]
struct CreateNote {
    text: String,
    tag: Option<String>,
}

impl CreateNote {
    fn new(text: &str) -> Self {
        CreateNote {
            text: text.into(),
            tag: None,
        }
    }
}

/// The one setter layer of `CreateNote`: on the value and on its builder.
trait CreateNoteSetters: HasOperation<Operation = CreateNote> + Sized {
    fn tag(mut self, tag: &str) -> Self {
        self.operation_mut().tag = Some(tag.into());
        self
    }
}
impl<T: HasOperation<Operation = CreateNote>> CreateNoteSetters for T {}

impl Operation for CreateNote {
    type Client = Client;
    type Output = String;
    const NAME: &'static str = "POST notes";
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "notes";
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    fn validate(&self) -> Result<(), Error> {
        if self.text.is_empty() {
            return Err(Error::invalid_input("text", "must not be empty"));
        }
        Ok(())
    }
    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        let body = serde_json::json!({"text": self.text, "tag": self.tag});
        Ok(Some(Bytes::from(body.to_string())))
    }
    fn decode(&self, _: &Client, response: RawResponse) -> Result<String, Error> {
        decode(&response)
    }
}

#[derive(Debug, Clone)]
struct GetNote {
    id: String,
}

impl Operation for GetNote {
    type Client = Client;
    type Output = String;
    const NAME: &'static str = "GET notes/{id}";
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "notes/{id}";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    fn path(&self, prefix: &RequestPath) -> RequestPath {
        prefix.clone().segment("notes").segment(&self.id)
    }
    fn decode(&self, _: &Client, response: RawResponse) -> Result<String, Error> {
        decode(&response)
    }
}

#[derive(Debug, Clone, Default)]
struct ListNotes {
    limit: Option<u32>,
    offset: u64,
}

impl Operation for ListNotes {
    type Client = Client;
    type Output = Vec<u64>;
    const NAME: &'static str = "GET notes";
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "notes";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    fn query(&self) -> Option<String> {
        let mut pairs = vec![("offset", self.offset.to_string())];
        pairs.extend(self.limit.map(|l| ("limit", l.to_string())));
        Some(query_string(pairs))
    }
    fn decode(&self, _: &Client, response: RawResponse) -> Result<Vec<u64>, Error> {
        decode(&response)
    }
}

impl Paginated for ListNotes {
    const MAX_LIMIT: u32 = 4;
    fn page_limit(&self) -> Option<u32> {
        self.limit
    }
    fn page_offset(&self) -> u64 {
        self.offset
    }
    fn at_page(&self, offset: u64, limit: u32) -> Self {
        ListNotes {
            limit: Some(limit),
            offset,
        }
    }
}

// ---- the fake -------------------------------------------------------------------------------

/// Ten notes numbered 0..10; POST answers the text it received.
struct NotesFake {
    created: Mutex<u32>,
}

impl FakeService for NotesFake {
    fn name(&self) -> &'static str {
        "notes"
    }
    fn handle(&self, request: &Request) -> Reply {
        if request.method == Method::POST {
            *self.created.lock().unwrap() += 1;
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            return Reply::json(
                200,
                &serde_json::json!({"ok": true, "result": body["text"]}),
            );
        }
        if let Some(id) = request.path.rsplit('/').next().filter(|_| {
            request.path.matches('/').count() == 4 // /v1/<key>/notes/<id>
        }) {
            return Reply::json(200, &serde_json::json!({"ok": true, "result": id}));
        }
        let offset: u64 = request.query_param("offset").unwrap().parse().unwrap();
        let limit: u64 = request
            .query_param("limit")
            .map_or(4, |l| l.parse().unwrap());
        let page: Vec<u64> = (offset..(offset + limit).min(10)).collect();
        Reply::json(200, &serde_json::json!({"ok": true, "result": page}))
    }
}

async fn setup() -> (MockServer, Arc<NotesFake>, Client) {
    let fake = Arc::new(NotesFake {
        created: Mutex::new(0),
    });
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let client = Client::new(server.base_url());
    (server, fake, client)
}

// ---- the tests ------------------------------------------------------------------------------

#[tokio::test]
async fn what_render_returns_is_what_the_server_receives() {
    let (server, _fake, client) = setup().await;
    let request = client.create("hello").tag("t1");
    let call = request.render().unwrap();
    assert_eq!(call.method, Method::POST);
    assert_eq!(call.target.masked_path(), "/v1/[redacted]/notes");
    assert_eq!(call.idempotency, Idempotency::NotIdempotent);
    assert_eq!(request.send().await.unwrap(), "hello");
    let received = &server.requests()[0];
    assert_eq!(received.method, call.method);
    assert_eq!(received.path, "/v1/notes-key%2Fwith%20slash/notes");
    assert_eq!(received.body, call.body);
    assert_eq!(received.header("content-type"), Some("application/json"));

    let list = client.list().map_operation(|l| l.at_page(3, 2));
    let call = list.render().unwrap();
    assert_eq!(call.query.as_deref(), Some("offset=3&limit=2"));
    assert_eq!(list.await.unwrap(), vec![3, 4]); // IntoFuture: awaited directly
    assert_eq!(server.requests()[1].query, call.query);

    let get = client.get("a b/c");
    assert_eq!(
        get.render().unwrap().target.masked_path(),
        "/v1/[redacted]/notes/a%20b%2Fc"
    );
    assert_eq!(get.send().await.unwrap(), "a%20b%2Fc");
}

#[tokio::test]
async fn one_setter_serves_the_value_and_the_builder() {
    let (_server, _fake, client) = setup().await;
    let value = CreateNote::new("x").tag("from-value");
    let builder = client.create("x").tag("from-builder");
    assert_eq!(value.tag.as_deref(), Some("from-value"));
    assert_eq!(builder.operation().tag.as_deref(), Some("from-builder"));
    let sent = RequestBuilder::new(client.clone(), value).render().unwrap();
    assert!(String::from_utf8_lossy(&sent.body).contains("from-value"));
}

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_sent() {
    let (server, fake, client) = setup().await;
    let err = client.create("").send().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "text"),
        "{err}"
    );
    let context = err.context().unwrap();
    assert_eq!(
        (context.provider, &*context.operation),
        ("notes", "POST notes")
    );
    assert_eq!(server.request_count(), 0);
    assert_eq!(*fake.created.lock().unwrap(), 0);
}

#[tokio::test]
async fn idempotency_and_retry_unsafe_decide_the_retries() {
    let (server, fake, client) = setup().await;
    let outage = || FaultRule::next(1, Fault::Respond(Reply::new(503, "busy")));

    server.push_fault(outage());
    let err = client.create("once").send().await.unwrap_err();
    assert_eq!(err.answer_status(), Some(503));
    assert_eq!(*fake.created.lock().unwrap(), 1, "not repeated");

    server.push_fault(outage());
    let text = client.create("twice").retry_unsafe().send().await.unwrap();
    assert_eq!(text, "twice");
    assert_eq!(*fake.created.lock().unwrap(), 3, "repeated once, as asked");

    server.push_fault(outage());
    assert_eq!(
        client.get("7").send().await.unwrap(),
        "7",
        "a GET is retried"
    );

    server.push_fault(outage());
    let err = client.get("7").max_attempts(1).send().await.unwrap_err();
    assert_eq!(err.answer_status(), Some(503), "one attempt only");
}

#[tokio::test]
async fn a_paginated_list_streams_every_item() {
    let (server, _fake, client) = setup().await;
    let all = client.list().fetch_all().await.unwrap();
    assert_eq!(all, (0..10).collect::<Vec<_>>());
    assert_eq!(
        server.request_count(),
        3,
        "4 + 4 + 2: the short page ends it"
    );

    let mut from_five = std::pin::pin!(
        client
            .list()
            .page_size(3)
            .map_operation(|l| {
                let limit = l.limit;
                ListNotes { offset: 5, limit }
            })
            .stream()
    );
    let mut items = Vec::new();
    while let Some(item) = from_five.next().await {
        items.push(item.unwrap());
    }
    assert_eq!(items, vec![5, 6, 7, 8, 9]);

    let err = client.list().page_size(0).fetch_all().await.unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert_eq!(err.context().unwrap().operation, "GET notes");
}
