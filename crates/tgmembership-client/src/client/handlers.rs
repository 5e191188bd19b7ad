//! One handler per resource, returned by the [`Client`] accessors (`client.plans()`); each
//! method starts the [`RequestBuilder`] of one endpoint, whose optional parameters are set
//! through its setter trait (`ListPlansSetters`, ...).

use rust_decimal::Decimal;
use tg_common::{RequestBuilder, Secret};

use super::Client;
use crate::model::{
    CountOrders, CountUsers, CreateAccessToken, CreateAffiliate, CreateOrder, CreatePlan, Currency,
    DeleteWebhook, GetOrder, GetPaymentMethodsReport, GetPlansReport, GetRevenue, ListCoupons,
    ListMembers, ListOrders, ListPaymentMethods, ListPlans, ListProjects, PaymentGateway,
    RegisterBot, SetWebhook,
};

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

/// Defines a handler struct borrowing the client.
macro_rules! handler {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'c> {
            client: &'c Client,
        }

        impl<'c> $name<'c> {
            pub(super) fn new(client: &'c Client) -> Self {
                $name { client }
            }
        }
    };
}

handler!(
    /// `POST affiliate`; from [`Client::affiliates`].
    AffiliatesHandler
);
handler!(
    /// `POST bot`; from [`Client::bots`].
    BotsHandler
);
handler!(
    /// `GET coupons`; from [`Client::coupons`].
    CouponsHandler
);
handler!(
    /// `GET members` and `POST members/accessToken`; from [`Client::members`].
    MembersHandler
);
handler!(
    /// `GET orders`, `GET orders/{order_key}`, `POST orders`, `GET orders/count`; from
    /// [`Client::orders`].
    OrdersHandler
);
handler!(
    /// `GET paymentMethods` and `GET paymentMethods/report`; from [`Client::payment_methods`].
    PaymentMethodsHandler
);
handler!(
    /// `GET plans`, `POST plans` and `GET plans/report`; from [`Client::plans`].
    PlansHandler
);
handler!(
    /// `GET projects`; from [`Client::projects`].
    ProjectsHandler
);
handler!(
    /// `GET users/count`; from [`Client::users`].
    UsersHandler
);
handler!(
    /// `POST webhook` and `DELETE webhook`; from [`Client::webhooks`].
    WebhooksHandler
);

impl AffiliatesHandler<'_> {
    /// `POST affiliate`: registers `member_id` (a user of the bot) as an affiliate; choose the
    /// id with `.affiliate_id(..)`. Not retried after an ambiguous failure.
    pub fn create(&self, member_id: i64) -> CreateAffiliateBuilder {
        self.client.request(CreateAffiliate::new(member_id))
    }
}

impl BotsHandler<'_> {
    /// `POST bot`: registers a bot by its @BotFather token; the answer holds its new API key.
    /// Not retried after an ambiguous failure.
    pub fn register(&self, bot_token: impl Into<Secret>) -> RegisterBotBuilder {
        self.client.request(RegisterBot::new(bot_token))
    }
}

impl CouponsHandler<'_> {
    /// `GET coupons`: the bot's coupons.
    pub fn list(&self) -> ListCouponsBuilder {
        self.client.request(ListCoupons)
    }
}

impl MembersHandler<'_> {
    /// `GET members`: memberships, filtered and paginated (limit 1 to 1000); `.stream()` walks
    /// every page.
    pub fn list(&self) -> ListMembersBuilder {
        self.client.request(ListMembers::new())
    }

    /// `POST members/accessToken`: a single-use token that activates `plan_id` without
    /// payment. Not retried after an ambiguous failure.
    pub fn access_token(&self, plan_id: i64) -> CreateAccessTokenBuilder {
        self.client.request(CreateAccessToken::new(plan_id))
    }
}

impl OrdersHandler<'_> {
    /// `GET orders`: orders, newest first, filtered and paginated (limit 1 to 100);
    /// `.stream()` walks every page.
    pub fn list(&self) -> ListOrdersBuilder {
        self.client.request(ListOrders::new())
    }

    /// `GET orders/{order_key}`: one order.
    pub fn get(&self, order_key: impl Into<String>) -> GetOrderBuilder {
        self.client.request(GetOrder::new(order_key))
    }

    /// `POST orders`: an invoice for `plan_id` paid through `payment_gateway`. Never retried
    /// after a timeout, a reset or a 5xx unless `.retry_unsafe()`: a repeat could issue a
    /// second invoice.
    pub fn create(&self, plan_id: i64, payment_gateway: PaymentGateway) -> CreateOrderBuilder {
        self.client
            .request(CreateOrder::new(plan_id, payment_gateway))
    }

    /// `GET orders/count`: revenue and sales per day, month or year.
    pub fn count(&self) -> CountOrdersBuilder {
        self.client.request(CountOrders::new())
    }
}

impl PaymentMethodsHandler<'_> {
    /// `GET paymentMethods`: the installed payment methods.
    pub fn list(&self) -> ListPaymentMethodsBuilder {
        self.client.request(ListPaymentMethods)
    }

    /// `GET paymentMethods/report`: revenue and sales per payment method.
    pub fn report(&self) -> GetPaymentMethodsReportBuilder {
        self.client.request(GetPaymentMethodsReport::default())
    }
}

impl PlansHandler<'_> {
    /// `GET plans`: plans, filtered and paginated (limit 1 to 100); `.stream()` walks every
    /// page.
    pub fn list(&self) -> ListPlansBuilder {
        self.client.request(ListPlans::new())
    }

    /// `POST plans`: a plan named `plan_name` (3 to 24 characters, starting with a letter)
    /// lasting `plan_duration` (`"1 month"` or a [`PlanDuration`](crate::PlanDuration)) for
    /// `plan_price` in `plan_currency`. Not retried after an ambiguous failure.
    pub fn create(
        &self,
        plan_name: impl Into<String>,
        plan_duration: impl ToString,
        plan_price: Decimal,
        plan_currency: Currency,
    ) -> CreatePlanBuilder {
        self.client.request(CreatePlan::new(
            plan_name,
            plan_duration,
            plan_price,
            plan_currency,
        ))
    }

    /// `GET plans/report`: revenue and sales per plan over the last 6 months.
    pub fn report(&self) -> GetPlansReportBuilder {
        self.client.request(GetPlansReport::default())
    }
}

impl ProjectsHandler<'_> {
    /// `GET projects`: projects, paginated (limit 1 to 100); `.stream()` walks every page.
    pub fn list(&self) -> ListProjectsBuilder {
        self.client.request(ListProjects::new())
    }
}

impl UsersHandler<'_> {
    /// `GET users/count`: users, leads, churned customers and members.
    pub fn count(&self) -> CountUsersBuilder {
        self.client.request(CountUsers)
    }
}

impl WebhooksHandler<'_> {
    /// `POST webhook`: registers `url` (https); the answer holds the secret that signs its
    /// events (see [`WebhookVerifier`](crate::WebhookVerifier)). Not retried after an
    /// ambiguous failure.
    pub fn set(&self, url: impl Into<String>) -> SetWebhookBuilder {
        self.client.request(SetWebhook::new(url))
    }

    /// `DELETE webhook`: removes `url` (sent in the JSON body). Idempotent: retried after an
    /// ambiguous failure.
    pub fn delete(&self, url: impl Into<String>) -> DeleteWebhookBuilder {
        self.client.request(DeleteWebhook::new(url))
    }
}
