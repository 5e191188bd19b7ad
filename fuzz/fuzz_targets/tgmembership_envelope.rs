//! TGmembership's response envelope (`tgmembership_client::envelope`) decoded into every
//! endpoint's result type, under the statuses an answer may carry: never a panic, a success
//! only with a 2xx status, every error printable, and a decoded result re-encodes to JSON that
//! decodes to the same value.

#![no_main]
#![forbid(unsafe_code)]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tgmembership_client::envelope::decode;
use tgmembership_client::model::users_count::CountUsers;
use tgmembership_client::request::ApiRequest;
use tgmembership_client::*;

/// The statuses an answer is tried under.
const STATUSES: [u16; 8] = [200, 201, 204, 400, 401, 404, 429, 503];

/// Decodes `data` as the answer to `R`.
fn answer<R: ApiRequest>(status: u16, data: &[u8]) -> Option<R::Output> {
    match decode::<R::Output>(status, data) {
        Ok(envelope) => {
            assert!(
                (200..300).contains(&status),
                "a success with status {status}"
            );
            match R::output(envelope) {
                Ok(result) => Some(result),
                Err(e) => {
                    let _ = e.to_string();
                    None
                }
            }
        }
        Err(e) => {
            let _ = (
                e.to_string(),
                format!("{e:?}"),
                e.retry_safety(),
                e.status(),
            );
            None
        }
    }
}

/// [`answer`], then: the result re-encodes, and decoding that gives the result back.
fn round_trip<R: ApiRequest>(status: u16, data: &[u8])
where
    R::Output: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let Some(result) = answer::<R>(status, data) else {
        return;
    };
    let json = serde_json::to_vec(&result).expect("a decoded result re-encodes");
    let again: R::Output = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "{} does not decode again: {e}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(again, result, "{}", String::from_utf8_lossy(&json));
}

fuzz_target!(|data: &[u8]| {
    // Every input as a success, and under one more status picked by its length (all of them
    // for every input would cost eight times the runs).
    for status in [200, STATUSES[data.len() % STATUSES.len()]] {
        round_trip::<CreateAffiliate>(status, data);
        round_trip::<RegisterBot>(status, data);
        round_trip::<ListCoupons>(status, data);
        round_trip::<ListMembers>(status, data);
        round_trip::<CreateAccessToken>(status, data);
        round_trip::<ListOrders>(status, data);
        round_trip::<GetOrder>(status, data);
        round_trip::<CreateOrder>(status, data);
        round_trip::<CountOrders>(status, data);
        round_trip::<ListPaymentMethods>(status, data);
        round_trip::<GetPaymentMethodsReport>(status, data);
        round_trip::<ListPlans>(status, data);
        round_trip::<CreatePlan>(status, data);
        round_trip::<GetPlansReport>(status, data);
        round_trip::<ListProjects>(status, data);
        round_trip::<GetRevenue>(status, data);
        round_trip::<CountUsers>(status, data);
        let _ = answer::<SetWebhook>(status, data);
        let _ = answer::<DeleteWebhook>(status, data);
    }
});
