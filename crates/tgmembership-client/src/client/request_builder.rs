//! [`RequestBuilder`]: one request ready to send, with its per-call options, `send`, and for
//! the paginated lists `stream`.

use std::time::Duration;

pub(super) use tg_common::CallOptions;

use futures_core::Stream;
use futures_util::StreamExt;
use tg_common::Error;

use super::Client;
use crate::PROVIDER;
use crate::model::{
    CountOrders, CountUsers, CreateAccessToken, CreateAffiliate, CreateOrder, CreatePlan,
    DeleteWebhook, GetOrder, GetPaymentMethodsReport, GetPlansReport, GetRevenue, ListCoupons,
    ListMembers, ListOrders, ListPaymentMethods, ListPlans, ListProjects, RegisterBot, SetWebhook,
};
use crate::paginate::{Paginated, paginate};
use crate::request::ApiRequest;

/// A request to one endpoint, ready to send with [`RequestBuilder::send`].
///
/// Owns a clone of the [`Client`], so it can be moved into a task. The setters of each
/// endpoint's optional parameters are on the aliases ([`ListPlansBuilder::limit`],
/// [`CreateOrderBuilder::email`], ...).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send().await`"]
pub struct RequestBuilder<R> {
    client: Client,
    request: R,
    options: CallOptions,
}

/// `POST affiliate`, ready to send.
pub type CreateAffiliateBuilder = RequestBuilder<CreateAffiliate>;
/// `POST bot`, ready to send.
pub type RegisterBotBuilder = RequestBuilder<RegisterBot>;
/// `GET coupons`, ready to send.
pub type ListCouponsBuilder = RequestBuilder<ListCoupons>;
/// `GET members`, ready to send or stream.
pub type ListMembersBuilder = RequestBuilder<ListMembers>;
/// `POST members/accessToken`, ready to send.
pub type CreateAccessTokenBuilder = RequestBuilder<CreateAccessToken>;
/// `GET orders`, ready to send or stream.
pub type ListOrdersBuilder = RequestBuilder<ListOrders>;
/// `GET orders/{order_key}`, ready to send.
pub type GetOrderBuilder = RequestBuilder<GetOrder>;
/// `POST orders`, ready to send.
pub type CreateOrderBuilder = RequestBuilder<CreateOrder>;
/// `GET orders/count`, ready to send.
pub type CountOrdersBuilder = RequestBuilder<CountOrders>;
/// `GET paymentMethods`, ready to send.
pub type ListPaymentMethodsBuilder = RequestBuilder<ListPaymentMethods>;
/// `GET paymentMethods/report`, ready to send.
pub type GetPaymentMethodsReportBuilder = RequestBuilder<GetPaymentMethodsReport>;
/// `GET plans`, ready to send or stream.
pub type ListPlansBuilder = RequestBuilder<ListPlans>;
/// `POST plans`, ready to send.
pub type CreatePlanBuilder = RequestBuilder<CreatePlan>;
/// `GET plans/report`, ready to send.
pub type GetPlansReportBuilder = RequestBuilder<GetPlansReport>;
/// `GET projects`, ready to send or stream.
pub type ListProjectsBuilder = RequestBuilder<ListProjects>;
/// `GET revenue`, ready to send.
pub type GetRevenueBuilder = RequestBuilder<GetRevenue>;
/// `GET users/count`, ready to send.
pub type CountUsersBuilder = RequestBuilder<CountUsers>;
/// `POST webhook`, ready to send.
pub type SetWebhookBuilder = RequestBuilder<SetWebhook>;
/// `DELETE webhook`, ready to send.
pub type DeleteWebhookBuilder = RequestBuilder<DeleteWebhook>;

impl<R: ApiRequest> RequestBuilder<R> {
    pub(super) fn new(client: Client, request: R) -> Self {
        RequestBuilder {
            client,
            request,
            options: CallOptions::default(),
        }
    }

    /// The request as it will be sent.
    pub fn request(&self) -> &R {
        &self.request
    }

    /// Changes the request value (for setters the builder does not mirror).
    pub fn map_request(mut self, change: impl FnOnce(R) -> R) -> Self {
        self.request = change(self.request);
        self
    }

    /// Allows retrying this call after an ambiguous failure (a timeout, a reset connection, a
    /// 5xx) although the endpoint is not idempotent. A repeated `POST orders` may issue a second
    /// invoice: opt in only when a duplicate is harmless or detected.
    pub fn retry_unsafe(mut self) -> Self {
        self.options.retry_unsafe = true;
        self
    }

    /// This call's maximum wait for the rate limiter, instead of the client's.
    pub fn max_rate_wait(mut self, max_wait: Duration) -> Self {
        self.options.max_rate_wait = Some(max_wait);
        self
    }

    /// Validates the request, sends it and decodes the `result`.
    ///
    /// Invalid input fails with [`tg_common::ErrorKind::InvalidInput`] and nothing is sent.
    /// The service's error answers are [`tg_common::ErrorKind::Api`] errors holding a
    /// [`TgmembershipApiError`](crate::TgmembershipApiError).
    pub async fn send(self) -> Result<R::Output, Error> {
        self.client.execute(&self.request, self.options).await
    }
}

impl<R, T> RequestBuilder<R>
where
    R: Paginated<Output = Vec<T>> + Send + Sync + 'static,
    T: Send + 'static,
{
    /// The page size of [`RequestBuilder::stream`] (the same as the endpoint's `limit`).
    pub fn page_size(self, size: u32) -> Self {
        let offset = self.request.page_offset();
        self.map_request(|r| r.at_page(offset, size))
    }

    /// Every item from the request's offset on, fetched page by page (`limit` items at a time,
    /// the endpoint's maximum when unset) until a short or empty page.
    ///
    /// Each page is one request with the usual validation and retries; an error is yielded
    /// once and ends the stream. The stream is not `Unpin`: pin it (`Box::pin`,
    /// `std::pin::pin!`) to call `next()` on it.
    pub fn stream(self) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        let page_size = self.request.page_limit().unwrap_or(R::MAX_LIMIT);
        let start = self.request.page_offset();
        let operation = self.request.endpoint().operation();
        let RequestBuilder {
            client,
            request,
            options,
        } = self;
        paginate(page_size, start, move |offset, limit| {
            let client = client.clone();
            let page = request.at_page(offset, limit);
            async move { client.execute(&page, options).await }
        })
        .map(move |item| item.map_err(|e| e.with_context(PROVIDER, operation)))
    }

    /// Every item of [`RequestBuilder::stream`], collected; the first error ends the walk and
    /// is returned (the items fetched before it are dropped).
    pub async fn fetch_all(self) -> Result<Vec<T>, Error> {
        let mut pages = std::pin::pin!(self.stream());
        let mut items = Vec::new();
        while let Some(item) = pages.next().await {
            items.push(item?);
        }
        Ok(items)
    }
}
