//! Telegram Mini App initData: validation, with the bot token or without it, and the typed
//! [`InitData`] a backend can trust (the user id above all).
//!
//! A Mini App's frontend holds `Telegram.WebApp.initData`, a form-encoded string Telegram
//! signed; the ecosystem's convention is to send it as `Authorization: tma <initData>`. Never
//! trust `initDataUnsafe` or a user id the browser sends: validate the string and read the user
//! from the result ([`Event::from_init_data`](crate::Event::from_init_data) does so for an
//! analytics event).
//!
//! ```
//! use tga_client::init_data::{InitDataValidator, TelegramPublicKey};
//! # fn check(raw: &str) -> Result<(), Box<dyn std::error::Error>> {
//! // Your own bot: the `hash` field, checked with the bot token.
//! let validator = InitDataValidator::bot_token("123456:bot-token")?;
//! // Another bot, without its token: the `signature` field, checked with Telegram's key.
//! let third_party = InitDataValidator::third_party(123456, TelegramPublicKey::PRODUCTION);
//! let init = validator.validate(raw)?;
//! println!("user {:?}", init.user_id());
//! # Ok(()) }
//! ```
//!
//! The algorithms and keys come from Telegram's page
//! <https://core.telegram.org/bots/webapps>, sections "Validating data received via the Mini
//! App" (HMAC-SHA256 under a key derived from the bot token) and "Validating data for Third-Party Use" (Ed25519,
//! [`TelegramPublicKey`]). The tests check both against the published vector of
//! `Telegram-Mini-Apps/init-data-golang`, whose `signature` verifies with
//! [`TelegramPublicKey::PRODUCTION`]. The `tma` scheme is the convention of
//! <https://docs.telegram-mini-apps.com/platform/authorizing-user>.
//!
//! Checks run in this order: the string is well-formed (at most [`MAX_INIT_DATA_LEN`] bytes,
//! no repeated key), then authentic, then
//! fresh (`auth_date` at most [`max_age`](InitDataValidator::max_age) old), then its JSON
//! fields decode. Errors ([`InitDataError`]) never show the token or the input.
//!
//! Crypto is `ring`'s, which the TLS stack already compiles: no further dependency.

#[cfg(feature = "axum")]
mod axum;
mod ed25519;
mod error;
mod hmac;
mod model;
mod parse;
mod validator;

#[cfg(feature = "axum")]
pub use axum::{TmaInitData, TmaRejection};
pub use ed25519::TelegramPublicKey;
pub use error::InitDataError;
pub use model::{ChatType, InitData, WebAppChat, WebAppUser};
pub use parse::MAX_INIT_DATA_LEN;
pub use validator::{DEFAULT_MAX_AGE, FUTURE_TOLERANCE, InitDataValidator};

/// The initData in an `Authorization` header value of the `tma` scheme (`tma <initData>`),
/// or `None` for another scheme. The scheme's case is ignored; `tma` alone gives `""`.
pub fn tma_credentials(authorization: &str) -> Option<&str> {
    let (scheme, rest) = authorization.split_once(' ').unwrap_or((authorization, ""));
    scheme
        .eq_ignore_ascii_case("tma")
        .then(|| rest.trim_matches(' '))
}

#[cfg(test)]
mod tests;
