//! Typed client for the TGTrack ("Откуда Подписки") bot API:
//! `POST https://bot-api.tgtrack.ru/v1/{API_KEY}/{METHOD}` with a JSON body.
//!
//! - [`model`]: the objects and request bodies of every method, with wire-exact encoding
//!   (user ids as strings, amounts as exact JSON numbers, unset fields omitted).
//! - [`envelope`]: the `OK` / `error` response envelope, decoded into a [`Response`] or a
//!   [`tg_common::Error`] carrying a [`TgtrackApiError`].
//! - [`forward`]: Telegram updates and builder webhooks forwarded byte for byte.
//! - [`update_filter`]: which Telegram updates TGTrack needs, to save the daily quota.
//! - [`start_param`]: the `/start` command and its deep-link parameter.
//! - [`method`]: method names, idempotency and the default quotas.
//! - [`validate`]: the checks run before a request is sent.

pub mod envelope;
pub mod error;
pub mod forward;
pub mod method;
pub mod model;
pub mod start_param;
pub mod update_filter;
pub mod validate;

pub use envelope::Response;
pub use error::{ErrorCode, TgtrackApiError};
pub use forward::{RawJson, RawUpdate, SambotEncoding};
pub use method::{DEFAULT_QUOTAS, Method, MethodRequest};
pub use model::{
    AddEvent, EventResult, GetUserInfo, Label, Mode, MyBotWasStarted, MyBotWasStopped,
    SendReachGoal, StartValue, User, UserDidStartBot, UserInfo,
};
pub use update_filter::{TrackedKind, is_tracked_update};
