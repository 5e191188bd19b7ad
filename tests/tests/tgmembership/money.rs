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
