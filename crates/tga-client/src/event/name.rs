//! Event names: every name the official SDK knows, and any other name unchanged.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! event_names {
    ($( $(#[$doc:meta])* $variant:ident => $wire:literal, )*) => {
        /// The `event_name` of an event.
        ///
        /// Known names are variants; any other name is [`EventName::Custom`] and is sent exactly
        /// as given. Build one from text with [`EventName::from`], which picks the known variant
        /// when there is one, so that equal wire names compare equal.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum EventName {
            $( $(#[$doc])* $variant, )*
            /// A name this crate does not know; sent unchanged.
            Custom(String),
        }

        impl EventName {
            /// Every known name, in the order of the SDK's `constants.ts`.
            pub const KNOWN: &'static [EventName] = &[$( EventName::$variant, )*];

            /// The name as sent on the wire (`app-init`).
            pub fn as_str(&self) -> &str {
                match self {
                    $( EventName::$variant => $wire, )*
                    EventName::Custom(name) => name,
                }
            }

            fn known(name: &str) -> Option<EventName> {
                match name {
                    $( $wire => Some(EventName::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

event_names! {
    /// `app-init`: the Mini App was opened.
    AppInit => "app-init",
    /// `app-hide`: the Mini App was hidden.
    AppHide => "app-hide",
    /// `custom-event`: an event the app defines itself.
    CustomEvent => "custom-event",
    /// `connection-started`: a TON Connect wallet connection began.
    ConnectionStarted => "connection-started",
    /// `connection-completed`: a wallet connected.
    ConnectionCompleted => "connection-completed",
    /// `connection-error`: a wallet connection failed.
    ConnectionError => "connection-error",
    /// `connection-restoring-started`: restoring a previous connection began.
    ConnectionRestoringStarted => "connection-restoring-started",
    /// `connection-restoring-completed`: a previous connection was restored.
    ConnectionRestoringCompleted => "connection-restoring-completed",
    /// `connection-restoring-error`: restoring a previous connection failed.
    ConnectionRestoringError => "connection-restoring-error",
    /// `transaction-sent-for-signature`: a transaction was sent to the wallet.
    TransactionSentForSignature => "transaction-sent-for-signature",
    /// `transaction-signed`: the wallet signed the transaction.
    TransactionSigned => "transaction-signed",
    /// `transaction-signing-failed`: the wallet did not sign the transaction.
    TransactionSigningFailed => "transaction-signing-failed",
    /// `disconnection`: the wallet was disconnected (`scope` says by whom).
    Disconnection => "disconnection",
    /// `purchase-init`: a purchase began.
    PurchaseInit => "purchase-init",
    /// `purchase-success`: a purchase succeeded.
    PurchaseSuccess => "purchase-success",
    /// `purchase-failed`: a purchase failed.
    PurchaseFailed => "purchase-failed",
    /// `purchase-cancelled`: the user cancelled a purchase.
    PurchaseCancelled => "purchase-cancelled",
    /// `refund-issued`: a refund was issued.
    RefundIssued => "refund-issued",
    /// `subscription-started`: a subscription began.
    SubscriptionStarted => "subscription-started",
    /// `subscription-renewed`: a subscription was renewed.
    SubscriptionRenewed => "subscription-renewed",
    /// `subscription-cancelled`: a subscription was cancelled.
    SubscriptionCancelled => "subscription-cancelled",
    /// `register-invoice`: an invoice was registered.
    RegisterInvoice => "register-invoice",
}

impl From<&str> for EventName {
    fn from(name: &str) -> Self {
        EventName::known(name).unwrap_or_else(|| EventName::Custom(name.to_owned()))
    }
}

impl From<String> for EventName {
    fn from(name: String) -> Self {
        EventName::known(&name).unwrap_or(EventName::Custom(name))
    }
}

impl FromStr for EventName {
    type Err = std::convert::Infallible;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(EventName::from(name))
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(EventName::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_round_trips_to_its_variant() {
        assert_eq!(EventName::KNOWN.len(), 22);
        for name in EventName::KNOWN {
            let wire = serde_json::to_string(name).unwrap();
            let back: EventName = serde_json::from_str(&wire).unwrap();
            assert_eq!(&back, name);
            assert!(!matches!(back, EventName::Custom(_)));
        }
    }

    #[test]
    fn unknown_name_round_trips_unchanged() {
        let back: EventName = serde_json::from_str(r#""Wallet-Opened v2""#).unwrap();
        assert_eq!(back, EventName::Custom("Wallet-Opened v2".into()));
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            r#""Wallet-Opened v2""#
        );
    }

    #[test]
    fn from_text_picks_the_known_variant() {
        assert_eq!(EventName::from("app-init"), EventName::AppInit);
        assert_eq!(
            EventName::from(String::from("register-invoice")),
            EventName::RegisterInvoice
        );
        assert_eq!("x".parse::<EventName>().unwrap().as_str(), "x");
        assert_eq!(EventName::Disconnection.to_string(), "disconnection");
    }
}
