//! Properties: exact amounts, verbatim forwarding, and start parameters, over generated inputs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::value::RawValue;
use tgtrack_client::AddEventSetters;
use tgtrack_client::start_param::{is_valid_start_param, start_param};
use tgtrack_client::{AddEvent, RawUpdate, TrackedKind, is_tracked_update};
use tgtrack_client::{SambotEncoding, sambot_body};

fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        "[1-9][0-9]{19,29}",
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        "[a-z]{0,8}".prop_map(|s| format!("\"\\u00e9{s}\\n\"")),
        Just("null".to_owned()),
        Just("[1, 2.50, -0.0e0]".to_owned()),
    ]
}

fn whitespace() -> impl Strategy<Value = String> {
    "[ \t\r\n]{0,3}"
}

prop_compose! {
    /// A JSON object with odd spacing, key order and values, as text.
    fn odd_object()(entries in prop::collection::vec(("[a-z_]{1,6}", json_text(), whitespace()), 0..6),
                    pad in whitespace()) -> String {
        let body: Vec<String> = entries
            .into_iter()
            .map(|(k, v, ws)| format!("{ws}\"{k}\"{ws}:{ws}{v}{ws}"))
            .collect();
        format!("{pad}{{{}}}{pad}", body.join(","))
    }
}

proptest! {
    #[test]
    fn amounts_keep_their_exact_digits(mantissa in any::<i64>(), scale in 0u32..=18) {
        let amount = Decimal::new(mantissa, scale);
        let text = serde_json::to_string(&AddEvent::new(1, "x").amount(amount)).unwrap();
        let decoded: AddEvent = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(decoded.amount.unwrap().to_string(), amount.to_string());
        let wire = format!(",\"amount\":{}", amount);
        prop_assert!(text.contains(&wire), "{} lacks {}", text, wire);
    }

    #[test]
    fn raw_updates_keep_bytes_and_sambot_embeds_them(text in odd_object()) {
        let update = RawUpdate::try_from(text.as_str()).unwrap();
        prop_assert_eq!(update.as_bytes(), text.as_bytes());
        let body = sambot_body(&update, SambotEncoding::Object);
        #[derive(serde::Deserialize)]
        struct W<'a> {
            #[serde(borrow)]
            webhook: &'a RawValue,
        }
        let w: W<'_> = serde_json::from_slice(&body).unwrap();
        prop_assert_eq!(w.webhook.get(), text.trim_matches([' ', '\t', '\r', '\n']));
    }

    #[test]
    fn valid_params_are_extracted_and_tracked(param in "[A-Za-z0-9_-]{1,64}", bot in "(@[a-z_]{1,10})?") {
        prop_assert!(is_valid_start_param(&param));
        let text = format!("/start{bot} {param}");
        prop_assert_eq!(start_param(&text).unwrap(), Some(param.as_str()));
        let update = serde_json::json!({
            "update_id": 1,
            "message": {"chat": {"id": 1, "type": "private"}, "text": text, "date": 1}
        });
        prop_assert_eq!(
            is_tracked_update(update.to_string().as_bytes()),
            Some(TrackedKind::Start { param: Some(param.clone()) })
        );
    }

    #[test]
    fn params_with_other_characters_or_too_long_are_rejected(
        prefix in "[A-Za-z0-9_-]{0,10}",
        bad in "[^A-Za-z0-9_\\s-]",
        long in "[A-Za-z0-9_-]{65,80}",
    ) {
        let with_bad = format!("{prefix}{bad}");
        prop_assert!(!is_valid_start_param(&with_bad));
        let text = format!("/start {with_bad}");
        prop_assert!(start_param(&text).is_err());
        prop_assert!(!is_valid_start_param(&long));
    }
}
