//! The HTTP client: one [`RequestBuilder`] per endpoint (tg-common's, over the operations of
//! [`crate::operation`]), sent over the shared transport of `tg-common` (pooled connections,
//! retries, timeouts, redaction of the key).
//!
//! Every request goes to `{base}/v1/bot{BOT_ID}/{API_KEY}/{METHOD}`; the key is a secret path
//! segment, so it never appears in an error, a log line or a Debug print. Errors name the
//! operation (`POST orders`) instead of the URL.
//!
//! The GETs and `DELETE webhook` are retried after an ambiguous failure (a timeout, a reset
//! connection, a 5xx); the creates are not, since a repeat could issue a second invoice, plan,
//! token or affiliate. A caller who knows better opts in per call with
//! [`RequestBuilder::retry_unsafe`]. Answers the server refused without processing (429, a
//! connection never established) are retried for every endpoint.

mod builder;
mod handlers;

#[cfg(test)]
mod tests;

use tg_common::transport::RequestPath;
use tg_common::{ClientHandle, HandleClient};
use tg_common::{Core, Error, Operation, RequestBuilder, Secret};

pub use builder::ClientBuilder;
pub use handlers::*;

use crate::PROVIDER;
use crate::model::GetRevenue;

/// A TGmembership client for one bot and API key. Cheap to clone: clones share the connection
/// pool, the rate limiter (when quotas are set) and the retry budget.
///
/// Debug prints the bot id and the core settings, never the key.
#[derive(Clone, Debug)]
pub struct Client(ClientHandle<i64>);

/// The client's own setting is its bot id.
impl HandleClient for Client {
    const PROVIDER: &'static str = PROVIDER;
    type Settings = i64;

    fn handle(&self) -> &ClientHandle<i64> {
        &self.0
    }
}

impl Client {
    /// Starts configuring a client for the bot `bot_id` (the `BOT_ID` of the URL) and its API
    /// key (the `API_KEY`, from the bot's settings or `POST bot`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use std::sync::Arc;
    /// # let fake = Arc::new(tg_mock::tgmembership::TgmembershipFake::new(1347378140, "API_KEY"));
    /// # let server = tg_mock::MockServer::start(Arc::clone(&fake)).await?;
    /// use tgmembership_client::prelude::*; // the setters, and `StreamExt` for `.next()`
    /// use tgmembership_client::{Client, Currency, Decimal, PaymentGateway};
    ///
    /// let client = Client::builder(1347378140, "API_KEY")
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    ///     .build()?;
    ///
    /// let plan = client
    ///     .plans()
    ///     .create("Monthly", "1 month", Decimal::new(999, 2), Currency::Usd)
    ///     .send()
    ///     .await?;
    /// let plans = client.plans().list().limit(50).send().await?;
    /// assert!(plans.iter().any(|p| p.plan_id == plan.plan_id));
    ///
    /// // Not retried after an ambiguous failure: a second invoice is never sent by accident.
    /// let invoice = client
    ///     .orders()
    ///     .create(plan.plan_id, PaymentGateway::Stripe)
    ///     .member_id(1111111111)
    ///     .send()
    ///     .await?;
    /// println!("pay at {}", invoice.checkout_url);
    ///
    /// // Every member, page after page.
    /// let mut members = std::pin::pin!(client.members().list().page_size(1000).stream());
    /// while let Some(member) = members.next().await {
    ///     println!("{}", member?.member_id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(bot_id: i64, api_key: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(bot_id, api_key.into())
    }

    /// The bot this client speaks for.
    pub fn bot_id(&self) -> i64 {
        *self.0.settings()
    }

    /// The shared core (limiter, pool), for sharing its pool with another client.
    pub fn core(&self) -> &Core {
        self.0.core()
    }

    /// `POST affiliate`.
    pub fn affiliates(&self) -> AffiliatesHandler<'_> {
        AffiliatesHandler::new(self)
    }

    /// `POST bot`.
    pub fn bots(&self) -> BotsHandler<'_> {
        BotsHandler::new(self)
    }

    /// `GET coupons`.
    pub fn coupons(&self) -> CouponsHandler<'_> {
        CouponsHandler::new(self)
    }

    /// `GET members` and `POST members/accessToken`.
    pub fn members(&self) -> MembersHandler<'_> {
        MembersHandler::new(self)
    }

    /// `GET orders`, `GET orders/{order_key}`, `POST orders` and `GET orders/count`.
    pub fn orders(&self) -> OrdersHandler<'_> {
        OrdersHandler::new(self)
    }

    /// `GET paymentMethods` and `GET paymentMethods/report`.
    pub fn payment_methods(&self) -> PaymentMethodsHandler<'_> {
        PaymentMethodsHandler::new(self)
    }

    /// `GET plans`, `POST plans` and `GET plans/report`.
    pub fn plans(&self) -> PlansHandler<'_> {
        PlansHandler::new(self)
    }

    /// `GET projects`.
    pub fn projects(&self) -> ProjectsHandler<'_> {
        ProjectsHandler::new(self)
    }

    /// `GET revenue`: revenue and sales from `from` to `to` (Unix seconds, both required).
    pub fn revenue(&self, from: i64, to: i64) -> GetRevenueBuilder {
        self.request(GetRevenue::new(from, to))
    }

    /// `GET users/count`.
    pub fn users(&self) -> UsersHandler<'_> {
        UsersHandler::new(self)
    }

    /// `POST webhook` and `DELETE webhook`.
    pub fn webhooks(&self) -> WebhooksHandler<'_> {
        WebhooksHandler::new(self)
    }

    /// Sends a request value built elsewhere (`ListPlans::new().limit(5)`).
    pub fn request<O: Operation<Client = Client>>(&self, operation: O) -> RequestBuilder<O> {
        RequestBuilder::new(self.clone(), operation)
    }

    /// The client around `core`, for the bot `bot_id` and its `key`.
    fn new(core: Core, bot_id: i64, key: &Secret) -> Result<Client, Error> {
        let prefix = RequestPath::new()
            .segment("v1")
            .segment(format!("bot{bot_id}"))
            .secret(key);
        Ok(Client(ClientHandle::new(core, prefix, bot_id)))
    }
}
