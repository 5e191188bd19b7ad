//! Every TGmembership method: its HTTP method, path, operation name and whether it is idempotent.
//!
//! The transport retries a timed-out or 5xx request only when its endpoint is idempotent (or the
//! caller opts in): the GETs and `DELETE webhook` are; the creates are not, since a retry after
//! a lost answer could register a second affiliate, bot, access token, order, plan or webhook.

use std::fmt;

use http::Method;
use tg_common::Idempotency;

/// One method of the API, addressed as `/v1/bot{BOT_ID}/{API_KEY}/{path}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST affiliate`: register an affiliate.
    CreateAffiliate,
    /// `POST bot`: register a new bot.
    RegisterBot,
    /// `GET coupons`: the bot's coupons.
    ListCoupons,
    /// `GET members`: memberships, paginated.
    ListMembers,
    /// `POST members/accessToken`: a single-use access token for a plan.
    CreateAccessToken,
    /// `GET orders`: orders, newest first, paginated.
    ListOrders,
    /// `GET orders/{order_key}`: one order.
    GetOrder,
    /// `POST orders`: create an invoice.
    CreateOrder,
    /// `GET orders/count`: revenue and sales per period.
    CountOrders,
    /// `GET paymentMethods`: installed payment methods.
    ListPaymentMethods,
    /// `GET paymentMethods/report`: revenue and sales per payment method.
    PaymentMethodsReport,
    /// `GET plans`: plans, paginated.
    ListPlans,
    /// `POST plans`: create a plan.
    CreatePlan,
    /// `GET plans/report`: revenue and sales per plan over the last 6 months.
    PlansReport,
    /// `GET projects`: projects, paginated.
    ListProjects,
    /// `GET revenue`: revenue and sales between two instants.
    Revenue,
    /// `GET users/count`: users, leads, churned customers and members.
    CountUsers,
    /// `POST webhook`: register a webhook URL.
    SetWebhook,
    /// `DELETE webhook`: remove a webhook URL.
    DeleteWebhook,
}

impl Endpoint {
    /// Every endpoint, in the document's order.
    pub const ALL: [Endpoint; 19] = [
        Endpoint::CreateAffiliate,
        Endpoint::RegisterBot,
        Endpoint::ListCoupons,
        Endpoint::ListMembers,
        Endpoint::CreateAccessToken,
        Endpoint::GetOrder,
        Endpoint::ListOrders,
        Endpoint::CreateOrder,
        Endpoint::CountOrders,
        Endpoint::ListPaymentMethods,
        Endpoint::PaymentMethodsReport,
        Endpoint::ListPlans,
        Endpoint::CreatePlan,
        Endpoint::PlansReport,
        Endpoint::ListProjects,
        Endpoint::Revenue,
        Endpoint::CountUsers,
        Endpoint::DeleteWebhook,
        Endpoint::SetWebhook,
    ];

    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Endpoint::CreateAffiliate
            | Endpoint::RegisterBot
            | Endpoint::CreateAccessToken
            | Endpoint::CreateOrder
            | Endpoint::CreatePlan
            | Endpoint::SetWebhook => Method::POST,
            Endpoint::DeleteWebhook => Method::DELETE,
            Endpoint::ListCoupons
            | Endpoint::ListMembers
            | Endpoint::ListOrders
            | Endpoint::GetOrder
            | Endpoint::CountOrders
            | Endpoint::ListPaymentMethods
            | Endpoint::PaymentMethodsReport
            | Endpoint::ListPlans
            | Endpoint::PlansReport
            | Endpoint::ListProjects
            | Endpoint::Revenue
            | Endpoint::CountUsers => Method::GET,
        }
    }

    /// The path after `/v1/bot{BOT_ID}/{API_KEY}/`, as documented; `orders/{order_key}` is a
    /// template (the request fills in the percent-encoded key).
    pub const fn path(self) -> &'static str {
        match self {
            Endpoint::CreateAffiliate => "affiliate",
            Endpoint::RegisterBot => "bot",
            Endpoint::ListCoupons => "coupons",
            Endpoint::ListMembers => "members",
            Endpoint::CreateAccessToken => "members/accessToken",
            Endpoint::ListOrders | Endpoint::CreateOrder => "orders",
            Endpoint::GetOrder => "orders/{order_key}",
            Endpoint::CountOrders => "orders/count",
            Endpoint::ListPaymentMethods => "paymentMethods",
            Endpoint::PaymentMethodsReport => "paymentMethods/report",
            Endpoint::ListPlans | Endpoint::CreatePlan => "plans",
            Endpoint::PlansReport => "plans/report",
            Endpoint::ListProjects => "projects",
            Endpoint::Revenue => "revenue",
            Endpoint::CountUsers => "users/count",
            Endpoint::SetWebhook | Endpoint::DeleteWebhook => "webhook",
        }
    }

    /// Whether the path is the same for every request (all but `orders/{order_key}`).
    pub fn has_fixed_path(self) -> bool {
        !self.path().contains('{')
    }

    /// The operation name used in errors and logs: `"GET orders/count"`. Never holds a key.
    pub fn operation(self) -> &'static str {
        match self {
            Endpoint::CreateAffiliate => "POST affiliate",
            Endpoint::RegisterBot => "POST bot",
            Endpoint::ListCoupons => "GET coupons",
            Endpoint::ListMembers => "GET members",
            Endpoint::CreateAccessToken => "POST members/accessToken",
            Endpoint::ListOrders => "GET orders",
            Endpoint::GetOrder => "GET orders/{order_key}",
            Endpoint::CreateOrder => "POST orders",
            Endpoint::CountOrders => "GET orders/count",
            Endpoint::ListPaymentMethods => "GET paymentMethods",
            Endpoint::PaymentMethodsReport => "GET paymentMethods/report",
            Endpoint::ListPlans => "GET plans",
            Endpoint::CreatePlan => "POST plans",
            Endpoint::PlansReport => "GET plans/report",
            Endpoint::ListProjects => "GET projects",
            Endpoint::Revenue => "GET revenue",
            Endpoint::CountUsers => "GET users/count",
            Endpoint::SetWebhook => "POST webhook",
            Endpoint::DeleteWebhook => "DELETE webhook",
        }
    }

    /// Whether repeating the request cannot repeat an effect: true for the GETs and
    /// `DELETE webhook`, false for the creates.
    pub fn is_idempotent(self) -> bool {
        match self {
            Endpoint::CreateAffiliate
            | Endpoint::RegisterBot
            | Endpoint::CreateAccessToken
            | Endpoint::CreateOrder
            | Endpoint::CreatePlan
            | Endpoint::SetWebhook => false,
            Endpoint::DeleteWebhook
            | Endpoint::ListCoupons
            | Endpoint::ListMembers
            | Endpoint::ListOrders
            | Endpoint::GetOrder
            | Endpoint::CountOrders
            | Endpoint::ListPaymentMethods
            | Endpoint::PaymentMethodsReport
            | Endpoint::ListPlans
            | Endpoint::PlansReport
            | Endpoint::ListProjects
            | Endpoint::Revenue
            | Endpoint::CountUsers => true,
        }
    }

    /// [`Endpoint::is_idempotent`] as the transport reads it.
    pub fn idempotency(self) -> Idempotency {
        if self.is_idempotent() {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        }
    }

    /// Where the endpoint's path is in [`PATHS`] (its declaration order).
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// Every endpoint's path in declaration order ([`Endpoint::index`]): the client's
/// [`PathTable`](tg_common::operation::PathTable) entries below `/v1/bot{BOT_ID}/{API_KEY}`.
pub(crate) const PATHS: [&str; Endpoint::ALL.len()] = {
    let mut paths = [""; Endpoint::ALL.len()];
    let mut i = 0;
    while i < Endpoint::ALL.len() {
        let endpoint = Endpoint::ALL[i];
        paths[endpoint.index()] = endpoint.path();
        i += 1;
    }
    paths
};

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gets_and_delete_are_idempotent_creates_are_not() {
        for e in Endpoint::ALL {
            let expected = e.method() != Method::POST;
            assert_eq!(e.is_idempotent(), expected, "{e}");
        }
        assert!(Endpoint::DeleteWebhook.is_idempotent());
        assert!(!Endpoint::CreateOrder.is_idempotent());
    }

    #[test]
    fn only_the_order_key_path_is_templated() {
        let templated: Vec<_> = Endpoint::ALL
            .into_iter()
            .filter(|e| !e.has_fixed_path())
            .collect();
        assert_eq!(templated, [Endpoint::GetOrder]);
    }

    #[test]
    fn operation_is_method_and_path() {
        for e in Endpoint::ALL {
            assert_eq!(e.operation(), format!("{} {}", e.method(), e.path()));
        }
    }

    #[test]
    fn the_path_table_is_in_declaration_order() {
        for e in Endpoint::ALL {
            assert_eq!(PATHS[e.index()], e.path(), "{e}");
        }
    }

    #[test]
    fn all_lists_nineteen_distinct_endpoints() {
        let mut ops: Vec<_> = Endpoint::ALL.iter().map(|e| e.operation()).collect();
        ops.sort_unstable();
        ops.dedup();
        assert_eq!(ops.len(), 19);
    }
}
