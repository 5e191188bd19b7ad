//! The optional parameters of each endpoint, as chained setters on its [`RequestBuilder`]; each
//! forwards to the request type of [`crate::model`], which validates when the request is sent.

use super::RequestBuilder;
use crate::model::{
    CountOrders, CreateAccessToken, CreateAffiliate, CreateOrder, CreatePlan, Currency,
    GetPaymentMethodsReport, GetPlansReport, GetRevenue, IntervalUnit, ListMembers, ListOrders,
    ListPlans, ListProjects, NewPlanOptions, OrderStatus,
};

/// Setters forwarding to the request type's builder methods of the same name.
macro_rules! forward_setters {
    ($request:ty { $( $(#[$doc:meta])* $name:ident($arg:ident: $ty:ty); )* }) => {
        impl RequestBuilder<$request> {
            $(
                $(#[$doc])*
                pub fn $name(self, $arg: $ty) -> Self {
                    self.map_request(|r| r.$name($arg))
                }
            )*
        }
    };
}

forward_setters!(CreateAffiliate {
    /// Chooses the affiliate id: starts with a letter, 3 to 12 letters or digits, unique.
    affiliate_id(affiliate_id: impl Into<String>);
});

forward_setters!(ListMembers {
    /// Only this member's memberships.
    member_id(member_id: i64);
    /// Only memberships of this plan.
    plan_id(plan_id: i64);
    /// Only memberships of this project.
    project_id(project_id: i64);
    /// Page size, 1 to 1000 (the service's default is 100).
    limit(limit: u32);
    /// Results to skip.
    offset(offset: u64);
});

forward_setters!(CreateAccessToken {
    /// Ties the token to a member who has used the bot.
    member_id(member_id: i64);
});

forward_setters!(ListOrders {
    /// Only this member's orders.
    member_id(member_id: i64);
    /// Only orders of this plan.
    plan_id(plan_id: i64);
    /// Only orders of this project.
    project_id(project_id: i64);
    /// Only orders in this status.
    order_status(status: OrderStatus);
    /// Converts the amounts into this currency (one of the 13 documented).
    currency(currency: Currency);
    /// Page size, 1 to 100 (the service's default is 100).
    limit(limit: u32);
    /// Results to skip.
    offset(offset: u64);
});

forward_setters!(CreateOrder {
    /// The member who pays.
    member_id(member_id: i64);
    /// The payer's email (required by Paystack and other gateways that say so in
    /// `GET paymentMethods`).
    email(email: impl Into<String>);
    /// The crypto token: `TOKEN.NETWORK` (`"USDT.MATIC"`, required by CryptoNoKYC) or a bare
    /// `TOKEN` (BinancePay).
    token(token: impl Into<String>);
    /// Where the payer lands after paying.
    return_url(url: impl Into<String>);
    /// Where the payer lands after cancelling.
    cancel_url(url: impl Into<String>);
});

forward_setters!(CountOrders {
    /// Day, month or year (the service's default is month).
    interval_unit(unit: IntervalUnit);
    /// How many periods, at least 1 (the service's default is 1).
    interval_count(count: u32);
    /// The report's currency (one of the 13 documented).
    currency(currency: Currency);
});

forward_setters!(ListPlans {
    /// Only this plan.
    plan_id(plan_id: i64);
    /// Only plans of this project.
    project_id(project_id: i64);
    /// Page size, 1 to 100 (the service's default is 100).
    limit(limit: u32);
    /// Results to skip.
    offset(offset: u64);
});

forward_setters!(CreatePlan {
    /// A trial period in the duration form (`"7 days"`).
    trial(trial: impl ToString);
    /// The project the plan belongs to.
    project_id(project_id: i64);
    /// The plan's options (recurring, newcomers, singleuse, ...).
    options(options: NewPlanOptions);
});

forward_setters!(ListProjects {
    /// Only this project.
    project_id(project_id: i64);
    /// Page size, 1 to 100 (the service's default is 100).
    limit(limit: u32);
    /// Results to skip.
    offset(offset: u64);
});

forward_setters!(GetRevenue {
    /// The report's currency (one of the 13 documented).
    currency(currency: Currency);
});

impl RequestBuilder<GetPlansReport> {
    /// The report's currency (one of the 13 documented; default: the bot's, else EUR).
    pub fn currency(self, currency: Currency) -> Self {
        self.map_request(|r| GetPlansReport(r.0.currency(currency)))
    }
}

impl RequestBuilder<GetPaymentMethodsReport> {
    /// The report's currency (one of the 13 documented; default: the bot's, else EUR).
    pub fn currency(self, currency: Currency) -> Self {
        self.map_request(|r| GetPaymentMethodsReport(r.0.currency(currency)))
    }
}
