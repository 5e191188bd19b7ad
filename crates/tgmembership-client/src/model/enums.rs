//! The service's enumerations, each with a fallback that keeps an undocumented value unchanged.
//!
//! String enums match exactly (case-sensitive), so whatever arrives is written back byte for
//! byte; integer enums keep an undocumented number in `Unknown(i64)`.

use std::fmt;

/// Declares a string enum with an `Unknown(String)` fallback that round-trips unchanged.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value outside the documented list, exactly as received or given.
            Unknown(String),
        }

        impl $name {
            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(s) => s,
                }
            }

            /// Reads a wire value; anything undocumented becomes `Unknown`.
            pub fn parse(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok($name::parse(&text))
            }
        }
    };
}

pub(crate) use string_enum;

/// Declares an enum over documented integers with an `Unknown(i64)` fallback.
macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A number outside the documented list, as received.
            Unknown(i64),
        }

        impl $name {
            /// The integer on the wire.
            pub fn as_i64(self) -> i64 {
                match self {
                    $( $name::$variant => $value, )+
                    $name::Unknown(n) => n,
                }
            }

            /// Reads a wire integer; anything undocumented becomes `Unknown`.
            pub fn from_i64(value: i64) -> Self {
                match value {
                    $( $value => $name::$variant, )+
                    other => $name::Unknown(other),
                }
            }

            /// Whether the value is one the document lists.
            pub fn is_documented(self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.as_i64())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from_i64(<i64 as serde::Deserialize>::deserialize(d)?))
            }
        }
    };
}

string_enum! {
    /// The status of an order (`order_status`).
    OrderStatus {
        /// Created, not paid yet.
        Pending => "PENDING",
        /// Paid.
        Completed => "COMPLETED",
    }
}

string_enum! {
    /// The unit of the `orders/count` intervals.
    IntervalUnit {
        /// Daily periods.
        Day => "day",
        /// Monthly periods (the service's default).
        Month => "month",
        /// Yearly periods.
        Year => "year",
    }
}

string_enum! {
    /// Whether a coupon's revenue condition is a lower or an upper bound.
    RevenueDirection {
        /// The customer's revenue must be above the amount.
        Above => "above",
        /// The customer's revenue must be below the amount (name inferred from `above`).
        Below => "below",
    }
}

int_enum! {
    /// Plan option `newcomers`: who may buy the plan by membership history.
    Newcomers {
        /// `0`: everyone.
        #[default]
        Everyone = 0,
        /// `1`: newcomers only.
        NewcomersOnly = 1,
        /// `2`: returning users only (who held or hold a membership).
        ReturningOnly = 2,
    }
}

int_enum! {
    /// Plan option `singleuse`: purchase limitations.
    SingleUse {
        /// `0`: can be bought any number of times.
        #[default]
        Unlimited = 0,
        /// `1`: can be bought once per user.
        OncePerUser = 1,
        /// `2`: only while the user holds a membership.
        CurrentMembersOnly = 2,
        /// `3`: only by users who had a membership before but hold none now.
        LapsedMembersOnly = 3,
    }
}

int_enum! {
    /// Plan option `invitee_only`: availability by affiliate invitation.
    InviteeOnly {
        /// `0`: everyone.
        #[default]
        Everyone = 0,
        /// `1`: only users invited by an affiliate.
        InviteesOnly = 1,
        /// `2`: only users not invited by an affiliate.
        NonInviteesOnly = 2,
    }
}

/// A payment gateway (payment method) as the service names it.
///
/// The documented ids (`"paypal"`, `"cryptonokyc"`) come from `GET paymentMethods` and
/// `paymentMethods/report`; orders name the gateway either by id (`"stripe"`) or by display name
/// (`"Credit / Debit card (Stripe)"`), see [`PaymentGatewayName`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentGateway {
    /// `authorizenet`, "AuthorizeNet".
    AuthorizeNet,
    /// `cryptocom`, "Crypto (Crypto.Com)".
    CryptoCom,
    /// `cryptonokyc`, "Crypto (No KYC)": needs a `TOKEN.NETWORK` token.
    CryptoNoKyc,
    /// `gocardless`, "GoCardless".
    GoCardless,
    /// `paypal`, "PayPal".
    PayPal,
    /// `paystack`, "Paystack": needs an email.
    Paystack,
    /// `reepay`, "Billwerk+".
    Reepay,
    /// `revolut`, "Revolut".
    Revolut,
    /// `stripe`, "Credit / Debit card (Stripe)".
    Stripe,
    /// `telegram`, "Telegram Pay".
    Telegram,
    /// `telegram_stars`, "Telegram Stars".
    TelegramStars,
    /// `yookassa`, "YooKassa".
    YooKassa,
    /// A gateway id outside the documented list (`"binancepay"`), exactly as received or given.
    Unknown(String),
}

impl PaymentGateway {
    /// Every documented gateway.
    pub const DOCUMENTED: [PaymentGateway; 12] = [
        PaymentGateway::AuthorizeNet,
        PaymentGateway::CryptoCom,
        PaymentGateway::CryptoNoKyc,
        PaymentGateway::GoCardless,
        PaymentGateway::PayPal,
        PaymentGateway::Paystack,
        PaymentGateway::Reepay,
        PaymentGateway::Revolut,
        PaymentGateway::Stripe,
        PaymentGateway::Telegram,
        PaymentGateway::TelegramStars,
        PaymentGateway::YooKassa,
    ];

    /// The gateway id (`"paypal"`), or the unknown id as given.
    pub fn id(&self) -> &str {
        match self {
            PaymentGateway::AuthorizeNet => "authorizenet",
            PaymentGateway::CryptoCom => "cryptocom",
            PaymentGateway::CryptoNoKyc => "cryptonokyc",
            PaymentGateway::GoCardless => "gocardless",
            PaymentGateway::PayPal => "paypal",
            PaymentGateway::Paystack => "paystack",
            PaymentGateway::Reepay => "reepay",
            PaymentGateway::Revolut => "revolut",
            PaymentGateway::Stripe => "stripe",
            PaymentGateway::Telegram => "telegram",
            PaymentGateway::TelegramStars => "telegram_stars",
            PaymentGateway::YooKassa => "yookassa",
            PaymentGateway::Unknown(id) => id,
        }
    }

    /// The documented display name (`"PayPal"`); `None` for an unknown gateway.
    pub fn display_name(&self) -> Option<&'static str> {
        Some(match self {
            PaymentGateway::AuthorizeNet => "AuthorizeNet",
            PaymentGateway::CryptoCom => "Crypto (Crypto.Com)",
            PaymentGateway::CryptoNoKyc => "Crypto (No KYC)",
            PaymentGateway::GoCardless => "GoCardless",
            PaymentGateway::PayPal => "PayPal",
            PaymentGateway::Paystack => "Paystack",
            PaymentGateway::Reepay => "Billwerk+",
            PaymentGateway::Revolut => "Revolut",
            PaymentGateway::Stripe => "Credit / Debit card (Stripe)",
            PaymentGateway::Telegram => "Telegram Pay",
            PaymentGateway::TelegramStars => "Telegram Stars",
            PaymentGateway::YooKassa => "YooKassa",
            PaymentGateway::Unknown(_) => return None,
        })
    }

    /// Reads a gateway id exactly as the service writes it; anything else is `Unknown`.
    pub fn from_id(id: &str) -> Self {
        PaymentGateway::DOCUMENTED
            .iter()
            .find(|g| g.id() == id)
            .cloned()
            .unwrap_or_else(|| PaymentGateway::Unknown(id.to_owned()))
    }

    /// Reads what a person would type: an id or a display name in any case (`"PayPal"`,
    /// `"CryptoNoKYC"`, `"Stripe"`); anything else is `Unknown` as given.
    pub fn from_user_text(text: &str) -> Self {
        PaymentGateway::DOCUMENTED
            .iter()
            .find(|g| {
                g.id().eq_ignore_ascii_case(text)
                    || g.display_name()
                        .is_some_and(|d| d.eq_ignore_ascii_case(text))
            })
            .cloned()
            .unwrap_or_else(|| PaymentGateway::Unknown(text.to_owned()))
    }
}

impl fmt::Display for PaymentGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl serde::Serialize for PaymentGateway {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for PaymentGateway {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Ok(PaymentGateway::from_id(&id))
    }
}

/// Which of its two names an order used for its gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayNameForm {
    /// The id (`"stripe"`), as in `GET orders/{order_key}`; also every unknown name.
    Id,
    /// The display name (`"Credit / Debit card (Stripe)"`), as in `GET orders`.
    DisplayName,
}

/// An order's `payment_gateway`: a gateway named by id or by display name, written back in the
/// form it arrived in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentGatewayName {
    gateway: PaymentGateway,
    form: GatewayNameForm,
}

impl PaymentGatewayName {
    /// Reads the name: a documented id or display name (exact match), else an unknown gateway.
    pub fn parse(text: &str) -> Self {
        for g in PaymentGateway::DOCUMENTED {
            if g.id() == text {
                return PaymentGatewayName {
                    gateway: g,
                    form: GatewayNameForm::Id,
                };
            }
            if g.display_name() == Some(text) {
                return PaymentGatewayName {
                    gateway: g,
                    form: GatewayNameForm::DisplayName,
                };
            }
        }
        PaymentGatewayName {
            gateway: PaymentGateway::Unknown(text.to_owned()),
            form: GatewayNameForm::Id,
        }
    }

    /// The gateway.
    pub fn gateway(&self) -> &PaymentGateway {
        &self.gateway
    }

    /// Which name was used.
    pub fn form(&self) -> GatewayNameForm {
        self.form
    }

    /// The name as received.
    pub fn as_str(&self) -> &str {
        match self.form {
            GatewayNameForm::DisplayName => self
                .gateway
                .display_name()
                .unwrap_or_else(|| self.gateway.id()),
            GatewayNameForm::Id => self.gateway.id(),
        }
    }
}

impl From<PaymentGateway> for PaymentGatewayName {
    fn from(gateway: PaymentGateway) -> Self {
        PaymentGatewayName {
            gateway,
            form: GatewayNameForm::Id,
        }
    }
}

impl fmt::Display for PaymentGatewayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for PaymentGatewayName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PaymentGatewayName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Ok(PaymentGatewayName::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(json: &str) -> T {
        let v: T = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), json);
        v
    }

    #[test]
    fn order_status_round_trips_known_and_unknown() {
        assert_eq!(
            round_trip::<OrderStatus>("\"PENDING\""),
            OrderStatus::Pending
        );
        assert_eq!(
            round_trip::<OrderStatus>("\"COMPLETED\""),
            OrderStatus::Completed
        );
        assert_eq!(
            round_trip::<OrderStatus>("\"REFUNDED\""),
            OrderStatus::Unknown("REFUNDED".into())
        );
        // Exact match: a different case is kept verbatim rather than normalised.
        assert_eq!(
            round_trip::<OrderStatus>("\"pending\""),
            OrderStatus::Unknown("pending".into())
        );
    }

    #[test]
    fn interval_unit_round_trips() {
        assert_eq!(round_trip::<IntervalUnit>("\"day\""), IntervalUnit::Day);
        assert_eq!(
            round_trip::<IntervalUnit>("\"week\""),
            IntervalUnit::Unknown("week".into())
        );
    }

    #[test]
    fn plan_option_integers_round_trip() {
        assert_eq!(round_trip::<Newcomers>("2"), Newcomers::ReturningOnly);
        assert_eq!(round_trip::<SingleUse>("3"), SingleUse::LapsedMembersOnly);
        assert_eq!(round_trip::<InviteeOnly>("1"), InviteeOnly::InviteesOnly);
        assert_eq!(round_trip::<SingleUse>("9"), SingleUse::Unknown(9));
        assert!(!SingleUse::Unknown(9).is_documented());
        for n in 0..=3 {
            assert!(SingleUse::from_i64(n).is_documented());
        }
        assert!(!Newcomers::from_i64(3).is_documented());
        // A coupon's boolean is not a plan's integer option.
        assert!(serde_json::from_str::<Newcomers>("false").is_err());
    }

    #[test]
    fn gateway_ids_and_display_names_round_trip_in_their_own_form() {
        let by_id = round_trip::<PaymentGatewayName>("\"stripe\"");
        let by_name = round_trip::<PaymentGatewayName>("\"Credit / Debit card (Stripe)\"");
        assert_eq!(by_id.gateway(), &PaymentGateway::Stripe);
        assert_eq!(by_name.gateway(), &PaymentGateway::Stripe);
        assert_eq!(by_id.form(), GatewayNameForm::Id);
        assert_eq!(by_name.form(), GatewayNameForm::DisplayName);
        let odd = round_trip::<PaymentGatewayName>("\"Crypto (Binance)\"");
        assert_eq!(
            odd.gateway(),
            &PaymentGateway::Unknown("Crypto (Binance)".into())
        );
        for g in PaymentGateway::DOCUMENTED {
            assert_eq!(PaymentGateway::from_id(g.id()), g);
            let name = g.display_name().unwrap();
            assert_eq!(PaymentGatewayName::parse(name).as_str(), name);
        }
    }

    #[test]
    fn user_text_matches_ids_and_names_in_any_case() {
        assert_eq!(
            PaymentGateway::from_user_text("CryptoNoKYC"),
            PaymentGateway::CryptoNoKyc
        );
        assert_eq!(
            PaymentGateway::from_user_text("PayPal"),
            PaymentGateway::PayPal
        );
        assert_eq!(
            PaymentGateway::from_user_text("billwerk+"),
            PaymentGateway::Reepay
        );
        assert_eq!(
            PaymentGateway::from_user_text("binancepay"),
            PaymentGateway::Unknown("binancepay".into())
        );
    }
}
