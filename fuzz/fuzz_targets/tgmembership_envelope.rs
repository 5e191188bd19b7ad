//! TGmembership's response envelope (`tgmembership_client::envelope`) decoded into every
//! endpoint's result type by the endpoint's operation (`Operation::decode`), under the statuses an answer may carry: never a panic, a success
//! only with a 2xx status, every error printable, and a decoded result re-encodes to JSON that
//! decodes to the same value.

#![no_main]
#![forbid(unsafe_code)]

use std::fmt::Debug;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tgmembership_client::CountUsers;
use tg_common::{Operation, RawResponse};
use tgmembership_client::*;

/// The client the operations decode for; it never sends.
fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder(1347378140, "fuzz")
            .build()
            .expect("a valid client")
    })
}

/// The statuses an answer is tried under.
const STATUSES: [u16; 8] = [200, 201, 204, 400, 401, 404, 429, 503];

/// Decodes `data` as the answer to `request`.
fn answer<R: Operation<Client = Client>>(
    request: &R,
    status: u16,
    data: &[u8],
) -> Option<R::Output> {
    let response = RawResponse {
        status,
        headers: Default::default(),
        body: data.to_vec().into(),
    };
    match request.decode(client(), response) {
        Ok(result) => {
            assert!(
                (200..300).contains(&status),
                "a success with status {status}"
            );
            Some(result)
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
fn round_trip<R: Operation<Client = Client>>(request: R, status: u16, data: &[u8])
where
    R::Output: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let Some(result) = answer(&request, status, data) else {
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
        round_trip(CreateAffiliate::new(1), status, data);
        round_trip(RegisterBot::new("1:token"), status, data);
        round_trip(ListCoupons, status, data);
        round_trip(ListMembers::new(), status, data);
        round_trip(CreateAccessToken::new(1), status, data);
        round_trip(ListOrders::new(), status, data);
        round_trip(GetOrder::new("key"), status, data);
        round_trip(CreateOrder::new(1, PaymentGateway::Stripe), status, data);
        round_trip(CountOrders::new(), status, data);
        round_trip(ListPaymentMethods, status, data);
        round_trip(GetPaymentMethodsReport::default(), status, data);
        round_trip(ListPlans::new(), status, data);
        round_trip(
            CreatePlan::new("Plan", "1 month", Decimal::ONE, Currency::Eur),
            status,
            data,
        );
        round_trip(GetPlansReport::default(), status, data);
        round_trip(ListProjects::new(), status, data);
        round_trip(GetRevenue::new(0, 1), status, data);
        round_trip(CountUsers, status, data);
        let _ = answer(&SetWebhook::new("https://example.com/"), status, data);
        let _ = answer(&DeleteWebhook::new("https://example.com/"), status, data);
    }
});
