//! The optional parameters of each request type, as chained setters: one trait per request
//! type, implemented for every [`HasOperation`] of it, so the same setters work on the request
//! value (`ListPlans::new().limit(5)`) and on its builder (`client.plans().list().limit(5)`).
//! The request validates when it is rendered or sent.
//!
//! Import them with `use tgmembership_client::prelude::*;`.

use tg_common::HasOperation;

use crate::model::{
    CountOrders, CreateAccessToken, CreateAffiliate, CreateOrder, CreatePlan, Currency,
    GetPaymentMethodsReport, GetPlansReport, GetRevenue, IntervalUnit, ListMembers, ListOrders,
    ListPlans, ListProjects, NewPlanOptions, OrderStatus,
};

/// One setter trait: each setter stores its value in one field of the request.
macro_rules! setters {
    (
        $(#[$trait_doc:meta])*
        $trait:ident for $request:ident {
            $( $(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) => $field:ident = $value:expr; )*
        }
    ) => {
        $(#[$trait_doc])*
        pub trait $trait: HasOperation<Operation = $request> + Sized {
            $(
                $(#[$doc])*
                fn $name(mut self, $arg: $ty) -> Self {
                    self.operation_mut().$field = $value;
                    self
                }
            )*
        }

        impl<T: HasOperation<Operation = $request>> $trait for T {}
    };
}

setters!(
    /// The setters of `POST affiliate` ([`CreateAffiliate`]).
    CreateAffiliateSetters for CreateAffiliate {
        /// Chooses the affiliate id: starts with a letter, 3 to 12 letters or digits, unique.
        affiliate_id(affiliate_id: impl Into<String>) => affiliate_id = Some(affiliate_id.into());
    }
);

setters!(
    /// The setters of `GET members` ([`ListMembers`]).
    ListMembersSetters for ListMembers {
        /// Only this member's memberships.
        member_id(member_id: i64) => member_id = Some(member_id);
        /// Only memberships of this plan.
        plan_id(plan_id: i64) => plan_id = Some(plan_id);
        /// Only memberships of this project.
        project_id(project_id: i64) => project_id = Some(project_id);
        /// Page size, 1 to 1000 (the service's default is 100).
        limit(limit: u32) => limit = Some(limit);
        /// Results to skip.
        offset(offset: u64) => offset = Some(offset);
    }
);

setters!(
    /// The setters of `POST members/accessToken` ([`CreateAccessToken`]).
    CreateAccessTokenSetters for CreateAccessToken {
        /// Ties the token to a member who has used the bot.
        member_id(member_id: i64) => member_id = Some(member_id);
    }
);

setters!(
    /// The setters of `GET orders` ([`ListOrders`]).
    ListOrdersSetters for ListOrders {
        /// Only this member's orders.
        member_id(member_id: i64) => member_id = Some(member_id);
        /// Only orders of this plan.
        plan_id(plan_id: i64) => plan_id = Some(plan_id);
        /// Only orders of this project.
        project_id(project_id: i64) => project_id = Some(project_id);
        /// Only orders in this status.
        order_status(status: OrderStatus) => order_status = Some(status);
        /// Converts the amounts into this currency (one of the 13 documented).
        currency(currency: Currency) => currency = Some(currency);
        /// Page size, 1 to 100 (the service's default is 100).
        limit(limit: u32) => limit = Some(limit);
        /// Results to skip.
        offset(offset: u64) => offset = Some(offset);
    }
);

setters!(
    /// The setters of `POST orders` ([`CreateOrder`]).
    CreateOrderSetters for CreateOrder {
        /// The member who pays.
        member_id(member_id: i64) => member_id = Some(member_id);
        /// The payer's email (required by Paystack and other gateways that say so in
        /// `GET paymentMethods`).
        email(email: impl Into<String>) => email = Some(email.into());
        /// The crypto token: `TOKEN.NETWORK` (`"USDT.MATIC"`, required by CryptoNoKYC) or a bare
        /// `TOKEN` (`"USDT"`, BinancePay).
        token(token: impl Into<String>) => token = Some(token.into());
        /// Where the payer lands after paying (gateways that support it, such as Stripe).
        return_url(url: impl Into<String>) => return_url = Some(url.into());
        /// Where the payer lands after cancelling.
        cancel_url(url: impl Into<String>) => cancel_url = Some(url.into());
    }
);

setters!(
    /// The setters of `GET orders/count` ([`CountOrders`]).
    CountOrdersSetters for CountOrders {
        /// Day, month or year (the service's default is month).
        interval_unit(unit: IntervalUnit) => interval_unit = Some(unit);
        /// How many periods, at least 1 (the service's default is 1).
        interval_count(count: u32) => interval_count = Some(count);
        /// The report's currency (one of the 13 documented).
        currency(currency: Currency) => currency = Some(currency);
    }
);

setters!(
    /// The setters of `GET plans` ([`ListPlans`]).
    ListPlansSetters for ListPlans {
        /// Only this plan.
        plan_id(plan_id: i64) => plan_id = Some(plan_id);
        /// Only plans of this project.
        project_id(project_id: i64) => project_id = Some(project_id);
        /// Page size, 1 to 100 (the service's default is 100).
        limit(limit: u32) => limit = Some(limit);
        /// Results to skip.
        offset(offset: u64) => offset = Some(offset);
    }
);

setters!(
    /// The setters of `POST plans` ([`CreatePlan`]).
    CreatePlanSetters for CreatePlan {
        /// A trial period in the duration form (`"7 days"`).
        trial(trial: impl ToString) => plan_trial = Some(trial.to_string());
        /// The project the plan belongs to.
        project_id(project_id: i64) => plan_project_id = Some(project_id);
        /// The plan's options (recurring, newcomers, singleuse, ...).
        options(options: NewPlanOptions) => options = Some(options);
    }
);

setters!(
    /// The setters of `GET projects` ([`ListProjects`]).
    ListProjectsSetters for ListProjects {
        /// Only this project.
        project_id(project_id: i64) => project_id = Some(project_id);
        /// Page size, 1 to 100 (the service's default is 100).
        limit(limit: u32) => limit = Some(limit);
        /// Results to skip.
        offset(offset: u64) => offset = Some(offset);
    }
);

setters!(
    /// The setters of `GET revenue` ([`GetRevenue`]).
    GetRevenueSetters for GetRevenue {
        /// The report's currency (one of the 13 documented).
        currency(currency: Currency) => currency = Some(currency);
    }
);

/// The setters of `GET plans/report` ([`GetPlansReport`]).
pub trait GetPlansReportSetters: HasOperation<Operation = GetPlansReport> + Sized {
    /// The report's currency (one of the 13 documented; default: the bot's, else EUR).
    fn currency(mut self, currency: Currency) -> Self {
        self.operation_mut().0.currency = Some(currency);
        self
    }
}

impl<T: HasOperation<Operation = GetPlansReport>> GetPlansReportSetters for T {}

/// The setters of `GET paymentMethods/report` ([`GetPaymentMethodsReport`]).
pub trait GetPaymentMethodsReportSetters:
    HasOperation<Operation = GetPaymentMethodsReport> + Sized
{
    /// The report's currency (one of the 13 documented; default: the bot's, else EUR).
    fn currency(mut self, currency: Currency) -> Self {
        self.operation_mut().0.currency = Some(currency);
        self
    }
}

impl<T: HasOperation<Operation = GetPaymentMethodsReport>> GetPaymentMethodsReportSetters for T {}
