//! The names most programs use: `use tgmembership_client::prelude::*;`.
//!
//! The client, the setters of every request type (so `.limit(..)` works on a request and on
//! its builder), the common model types, TGmembership's error with [`TgmembershipErrorExt`]
//! (so `err.tgmembership_error()` works), and the operation contract.

pub use crate::setters::{
    CountOrdersSetters, CreateAccessTokenSetters, CreateAffiliateSetters, CreateOrderSetters,
    CreatePlanSetters, GetPaymentMethodsReportSetters, GetPlansReportSetters, GetRevenueSetters,
    ListMembersSetters, ListOrdersSetters, ListPlansSetters, ListProjectsSetters,
};
pub use crate::{
    Client, ClientBuilder, Currency, Decimal, IntervalUnit, OrderStatus, PaymentGateway,
    TgmembershipApiError, TgmembershipErrorExt, WebhookVerifier,
};
pub use tg_common::{Error, ErrorKind, Operation, RequestBuilder, Secret};
