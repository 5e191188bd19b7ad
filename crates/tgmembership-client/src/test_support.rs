//! Rendering a request value for the unit tests: what [`RequestBuilder::render`] returns is
//! what goes on the wire, so the tests read the path, query and body from it.

use tg_common::MASK;
use tg_common::{Call, Error, Operation, RequestBuilder};

use crate::Client;

/// The bot and key of [`client`].
pub(crate) const BOT: i64 = 42;

/// A client that never sends (the unit tests only render).
pub(crate) fn client() -> Client {
    Client::builder(BOT, "unit-key").build().unwrap()
}

/// `operation` as it would be sent.
pub(crate) fn render<O: Operation<Client = Client>>(operation: O) -> Result<Rendered, Error> {
    RequestBuilder::new(client(), operation)
        .render()
        .map(Rendered)
}

/// A rendered call, read back.
#[derive(Debug)]
pub(crate) struct Rendered(pub(crate) Call);

impl Rendered {
    /// The path after `/v1/bot{BOT_ID}/{API_KEY}/`, percent-encoded.
    pub(crate) fn path(&self) -> String {
        let full = self.0.target.masked_path();
        let prefix = format!("/v1/bot{BOT}/{MASK}/");
        full.strip_prefix(&prefix).unwrap_or(&full).to_owned()
    }

    /// The query string.
    pub(crate) fn query(&self) -> Option<&str> {
        self.0.query.as_deref()
    }

    /// The body parsed as JSON, when there is one.
    pub(crate) fn body_json(&self) -> Option<serde_json::Value> {
        (!self.0.body.is_empty()).then(|| serde_json::from_slice(&self.0.body).unwrap())
    }
}

pub(crate) use crate::operation::*;

/// `.render()` on a request value, as the builder renders it.
pub(crate) trait Render: Operation<Client = Client> {
    fn render(self) -> Result<Rendered, Error> {
        render(self)
    }
}

impl<O: Operation<Client = Client>> Render for O {}
