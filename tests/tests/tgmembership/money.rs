//! (f) Money on the wire.

use super::*;

#[tokio::test]
async fn money_survives_the_wire_byte_exact() {
    let s = Setup::new("money").await;
    let c = s.client();
    for price in ["1.344882", "5.10", "1000", "0.00000001"] {
        let plan = c
            .plans()
            .create("Exact Plan", "1 month", dec(price), Currency::Usd)
            .send()
            .await
            .unwrap();
        let sent: Value = serde_json::from_slice(&s.server.requests().pop().unwrap().body).unwrap();
        assert_eq!(sent["plan_price"], price, "sent as a string, digits kept");
        assert_eq!(plan.price.to_string(), price);
        let listed = c.plans().list().plan_id(plan.plan_id).send().await.unwrap();
        assert_eq!(listed[0].price.to_string(), price);
        assert_eq!(serde_json::to_value(&listed[0]).unwrap()["price"], price);
    }

    let amounts: Vec<String> = c
        .orders()
        .list()
        .currency(Currency::Usd)
        .send()
        .await
        .unwrap()
        .iter()
        .map(|o| o.amount.unwrap().to_string())
        .collect();
    assert!(amounts.contains(&"9.25856208".to_owned()), "{amounts:?}");
    assert!(amounts.contains(&"11.35291".to_owned()), "{amounts:?}");

    // The document's float-shaped revenue, exactly, as the document prints the answer.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(
            Reply::new(
                200,
                include_str!("../../../fixtures/tgmembership/get-revenue.response.json"),
            )
            .with_header("content-type", "application/json"),
        ),
    ));
    let revenue = c.revenue(1681159917, 1683751930).send().await.unwrap();
    assert_eq!(revenue.revenue.to_string(), "398.60636332000007");
    assert_eq!(revenue.revenue, dec("398.60636332000007"));
    assert_eq!(
        serde_json::to_value(&revenue).unwrap()["revenue"],
        "398.60636332000007"
    );

    // More precision than a Decimal holds is an error naming the field, never a rounding.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::json(
            200,
            &json!({"ok": true, "code": 200, "result": {
                "from": 1, "to": 2, "revenue": "0.12345678901234567890123456789",
                "currency": "EUR", "formatted": "0,12€", "sales": 1
            }}),
        )),
    ));
    let err = c.revenue(1, 2).send().await.unwrap_err();
    match err.kind() {
        ErrorKind::Decode { path, .. } => assert_eq!(path, "result.revenue"),
        other => panic!("{other:?}"),
    }
}

/// The fake keeps its own currency table (it shares no code with the client); the two must
/// agree on every currency's minor units, both ways.
#[test]
fn the_fake_and_the_client_agree_on_every_currencys_minor_units() {
    for c in Currency::DOCUMENTED {
        let fake = tg_mock::tgmembership::currency(c.code())
            .unwrap_or_else(|| panic!("the fake lacks {c}"));
        assert_eq!(Some(fake.minor_units), c.minor_units(), "{c}");
    }
    for fake in tg_mock::tgmembership::CURRENCIES {
        assert!(Currency::parse(fake.code).is_documented(), "{}", fake.code);
    }
    assert_eq!(
        tg_mock::tgmembership::CURRENCIES.len(),
        Currency::DOCUMENTED.len()
    );
}

/// Over the wire, the fake's `formatted` shows as many decimals as the client's `Money` rounds
/// to: for the currencies written as `AMOUNT CODE` the two texts are the same.
#[tokio::test]
async fn formatted_amounts_use_the_currencys_minor_units() {
    let s = Setup::new("minor-units").await;
    let c = s.client();
    for currency in Currency::DOCUMENTED {
        let r = c
            .revenue(0, NOW)
            .currency(currency.clone())
            .send()
            .await
            .unwrap();
        let money = tgmembership_client::money::Money::new(r.revenue, r.currency.clone());
        if matches!(currency, Currency::Usd | Currency::Gbp | Currency::Eur) {
            let decimals = r.formatted.rsplit(['.', ',']).next().unwrap();
            let digits = decimals.chars().filter(char::is_ascii_digit).count();
            assert_eq!(
                Some(digits as u32),
                currency.minor_units(),
                "{}",
                r.formatted
            );
        } else {
            assert_eq!(r.formatted, money.to_string(), "{currency}");
        }
    }
}
