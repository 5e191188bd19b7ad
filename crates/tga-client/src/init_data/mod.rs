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
//! use std::time::{Duration, SystemTime};
//!
//! use tga_client::init_data::{InitDataError, InitDataValidator, TelegramPublicKey};
//!
//! // A published vector (Telegram-Mini-Apps/init-data-golang), signed on 2024-12-06.
//! let raw = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73";
//! let signed_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_733_509_682);
//!
//! // Your own bot: the `hash` field, checked with the bot token.
//! let validator = InitDataValidator::bot_token("7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4")?;
//! let init = validator.validate_at(raw, signed_at + Duration::from_secs(60))?;
//! assert_eq!(init.user_id(), Some(279_058_397)); // a user id the backend can trust
//!
//! // Another bot, without its token: the `signature` field, checked with Telegram's key.
//! let third_party = InitDataValidator::third_party(7342037359, TelegramPublicKey::PRODUCTION);
//! assert!(third_party.validate_at(raw, signed_at).is_ok());
//!
//! // A changed field, or data older than `max_age` (a day by default), is refused.
//! let forged = raw.replace("279058397", "279058398");
//! assert!(matches!(validator.validate_at(&forged, signed_at), Err(InitDataError::BadHash)));
//! let a_week_later = signed_at + Duration::from_secs(7 * 86_400);
//! assert!(matches!(validator.validate_at(raw, a_week_later), Err(InitDataError::Expired { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
//! no repeated key, no control character in a decoded key or value), then authentic, then
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
