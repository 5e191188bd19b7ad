//! (b) Pagination.

use super::*;

#[tokio::test]
async fn members_stream_across_page_boundaries_until_a_short_page() {
    let s = Setup::new("pages").await;
    s.add_members(500, 7_000_000_000, 25);
    let c = s.client();
    let members: Vec<_> = c
        .members()
        .list()
        .plan_id(500)
        .page_size(10)
        .stream()
        .map(|m| m.unwrap().member_id)
        .collect()
        .await;
    assert_eq!(
        members,
        (0..25).map(|i| 7_000_000_000 + i).collect::<Vec<_>>()
    );
    let want: Vec<(String, String)> = [("0", "10"), ("10", "10"), ("20", "10")]
        .iter()
        .map(|(o, l)| ((*o).to_owned(), (*l).to_owned()))
        .collect();
    assert_eq!(s.pages(), want);
}

#[tokio::test]
async fn an_exact_multiple_ends_on_an_empty_page() {
    let s = Setup::new("exact").await;
    s.add_members(600, 8_000_000_000, 20);
    let c = s.client();
    let members: Vec<_> = c
        .members()
        .list()
        .plan_id(600)
        .page_size(10)
        .stream()
        .collect()
        .await;
    assert_eq!(members.len(), 20);
    assert!(members.iter().all(Result::is_ok));
    assert_eq!(s.server.request_count(), 3);
    assert_eq!(s.pages()[2], ("20".to_owned(), "10".to_owned()));
}

#[tokio::test]
async fn orders_plans_and_projects_stream_too() {
    let s = Setup::new("streams").await;
    let c = s.client();
    let orders: Vec<_> = c
        .orders()
        .list()
        .currency(Currency::Usd)
        .page_size(4)
        .stream()
        .map(|o| o.unwrap().order_key)
        .collect()
        .await;
    let all = c
        .orders()
        .list()
        .currency(Currency::Usd)
        .send()
        .await
        .unwrap();
    assert_eq!(
        orders,
        all.iter().map(|o| o.order_key.clone()).collect::<Vec<_>>()
    );
    assert_eq!(orders.len(), 6);

    let plans: Vec<_> = c.plans().list().page_size(1).stream().collect().await;
    assert_eq!(plans.len(), 2);
    let projects: Vec<_> = c.projects().list().page_size(2).stream().collect().await;
    assert_eq!(projects.len(), 3);
    // orders: 2 pages + the plain list; plans: 1 + 1 + empty; projects: 2 + 1.
    assert_eq!(s.server.request_count(), 3 + 3 + 2);
}

#[tokio::test]
async fn an_error_mid_walk_is_yielded_once_and_ends_the_stream() {
    let s = Setup::new("midway").await;
    s.add_members(700, 9_000_000_000, 25);
    let c = s.client();
    let mut stream = std::pin::pin!(c.members().list().plan_id(700).page_size(10).stream());
    for i in 0..10 {
        assert_eq!(
            stream.next().await.unwrap().unwrap().member_id,
            9_000_000_000 + i
        );
    }
    assert_eq!(
        s.server.request_count(),
        1,
        "the second page is fetched lazily"
    );
    // Every attempt at the second page fails (the default policy makes three).
    s.server.push_fault(
        FaultRule::next(
            3,
            Fault::RespondUnprocessed(error_envelope(503, "Service Unavailable")),
        )
        .matching(Matcher::path("/members")),
    );
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(detail(&err).code, 503);
    assert_eq!(err.context().unwrap().operation, "GET members");
    assert!(stream.next().await.is_none());
    assert!(stream.next().await.is_none());
    assert_eq!(
        s.server.request_count(),
        4,
        "one page, three attempts, no more"
    );
    assert_eq!(s.pages()[3], ("10".to_owned(), "10".to_owned()));
}
