//! Paginated lists (`limit` and `offset`) as one stream of items.
//!
//! [`paginate`] asks a page fetcher for `limit` items at `offset`, yields them one by one,
//! advances the offset by the number received and stops after a short page (fewer than `limit`)
//! or an empty one. An error is yielded once and ends the stream. The stream is fused: polling
//! it after its end keeps returning `None`.

use std::collections::VecDeque;
use std::future::Future;

use futures_util::{Stream, StreamExt};

use super::{Operation, ProviderClient, RequestBuilder};
use crate::error::Error;

/// A list operation that can be re-issued for any page.
pub trait Paginated: Operation + Clone {
    /// The largest `limit` the operation accepts.
    const MAX_LIMIT: u32;

    /// The page size the caller set, if any.
    fn page_limit(&self) -> Option<u32>;

    /// The offset the caller set (0 when unset).
    fn page_offset(&self) -> u64;

    /// The same operation for the page at `offset` of `limit` items.
    fn at_page(&self, offset: u64, limit: u32) -> Self;
}

impl<O, T> RequestBuilder<O>
where
    O: Paginated + Operation<Output = Vec<T>> + 'static,
    T: Send + 'static,
{
    /// The page size of [`RequestBuilder::stream`] (the same as the operation's `limit`).
    pub fn page_size(self, size: u32) -> Self {
        let offset = self.operation().page_offset();
        self.map_operation(|o| o.at_page(offset, size))
    }

    /// Every item from the operation's offset on, fetched page by page (`limit` items at a
    /// time, the operation's maximum when unset) until a short or empty page.
    ///
    /// Each page is one request with the usual validation and retries; an error is yielded
    /// once and ends the stream. The stream is not `Unpin`: pin it (`Box::pin`,
    /// `std::pin::pin!`) to call `next()` on it.
    pub fn stream(self) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        let page_size = self.operation().page_limit().unwrap_or(O::MAX_LIMIT);
        let start = self.operation().page_offset();
        let name = O::NAME;
        paginate(page_size, start, move |offset, limit| {
            let page = self.clone().map_operation(|o| o.at_page(offset, limit));
            page.send()
        })
        .map(move |item| {
            item.map_err(|e| e.with_context(<O::Client as ProviderClient>::PROVIDER, name))
        })
    }

    /// Every item of [`RequestBuilder::stream`], collected; the first error ends the walk and
    /// is returned (the items fetched before it are dropped).
    pub async fn fetch_all(self) -> Result<Vec<T>, Error> {
        let mut pages = std::pin::pin!(self.stream());
        let mut items = Vec::new();
        while let Some(item) = pages.next().await {
            items.push(item?);
        }
        Ok(items)
    }
}

struct State<F, T> {
    fetch: F,
    offset: u64,
    limit: u32,
    buffered: VecDeque<T>,
    done: bool,
}

/// Streams every item from `start_offset` on, fetching `page_size` items at a time through
/// `fetch(offset, limit)`.
///
/// A `page_size` of 0 yields one [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
/// error without calling `fetch`.
pub fn paginate<T, F, Fut>(
    page_size: u32,
    start_offset: u64,
    fetch: F,
) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(u64, u32) -> Fut,
    Fut: Future<Output = Result<Vec<T>, Error>>,
{
    let state = State {
        fetch,
        offset: start_offset,
        limit: page_size,
        buffered: VecDeque::new(),
        done: false,
    };
    let pages = futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.buffered.pop_front() {
                return Some((Ok(item), st));
            }
            if st.done {
                return None;
            }
            if st.limit == 0 {
                st.done = true;
                return Some((
                    Err(Error::invalid_input(
                        "limit",
                        "page size must be at least 1",
                    )),
                    st,
                ));
            }
            match (st.fetch)(st.offset, st.limit).await {
                Ok(page) => {
                    let received = page.len();
                    if received < st.limit as usize {
                        st.done = true;
                    }
                    if received == 0 {
                        return None;
                    }
                    st.offset = st.offset.saturating_add(received as u64);
                    st.buffered.extend(page);
                }
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
            }
        }
    });
    // `unfold` panics when polled after its end; fused, it keeps answering `None`.
    pages.fuse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::sync::{Arc, Mutex};

    /// An in-memory list of `total` numbers, recording every (offset, limit) asked for.
    fn source(
        total: u64,
        calls: Arc<Mutex<Vec<(u64, u32)>>>,
    ) -> impl FnMut(u64, u32) -> std::future::Ready<Result<Vec<u64>, Error>> {
        move |offset, limit| {
            calls.lock().unwrap().push((offset, limit));
            let end = (offset + u64::from(limit)).min(total);
            std::future::ready(Ok((offset.min(total)..end).collect()))
        }
    }

    async fn run(total: u64, page: u32, start: u64) -> (Vec<u64>, Vec<(u64, u32)>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let items: Vec<u64> = paginate(page, start, source(total, calls.clone()))
            .map(|r| r.unwrap())
            .collect()
            .await;
        let calls = calls.lock().unwrap().clone();
        (items, calls)
    }

    #[tokio::test]
    async fn walks_across_page_boundaries_and_stops_on_a_short_page() {
        let (items, calls) = run(7, 3, 0).await;
        assert_eq!(items, (0..7).collect::<Vec<_>>());
        assert_eq!(calls, vec![(0, 3), (3, 3), (6, 3)]);
    }

    #[tokio::test]
    async fn an_exact_multiple_ends_on_an_empty_page() {
        let (items, calls) = run(6, 3, 0).await;
        assert_eq!(items, (0..6).collect::<Vec<_>>());
        assert_eq!(calls, vec![(0, 3), (3, 3), (6, 3)]);
    }

    #[tokio::test]
    async fn an_empty_list_asks_once() {
        let (items, calls) = run(0, 5, 0).await;
        assert!(items.is_empty());
        assert_eq!(calls, vec![(0, 5)]);
    }

    #[tokio::test]
    async fn starts_at_the_given_offset() {
        let (items, calls) = run(5, 2, 2).await;
        assert_eq!(items, vec![2, 3, 4]);
        assert_eq!(calls, vec![(2, 2), (4, 2)]);
    }

    #[tokio::test]
    async fn an_error_is_yielded_once_and_ends_the_stream() {
        let mut calls = 0;
        let stream = paginate(2, 0, move |offset, _limit| {
            calls += 1;
            let page = if calls == 2 {
                Err(Error::invalid_input("x", "boom"))
            } else {
                Ok(vec![offset, offset + 1])
            };
            std::future::ready(page)
        });
        let results: Vec<Result<u64, Error>> = stream.collect().await;
        assert_eq!(results.len(), 3);
        assert_eq!(*results[0].as_ref().unwrap(), 0);
        assert_eq!(*results[1].as_ref().unwrap(), 1);
        assert!(results[2].is_err());
    }

    #[tokio::test]
    async fn polling_after_the_end_keeps_returning_none() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let mut stream = Box::pin(paginate(2, 0, source(3, calls.clone())));
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            items.push(item.unwrap());
        }
        assert_eq!(items, vec![0, 1, 2]);
        assert!(stream.next().await.is_none());
        assert!(stream.next().await.is_none());
        assert_eq!(calls.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_zero_page_size_is_an_error_without_fetching() {
        let results: Vec<Result<u64, Error>> = paginate(
            0,
            0,
            |_, _| -> std::future::Ready<Result<Vec<u64>, Error>> { panic!("must not fetch") },
        )
        .collect()
        .await;
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }

    #[tokio::test]
    async fn a_page_longer_than_asked_advances_by_what_arrived() {
        let mut calls = Vec::new();
        let items: Vec<u64> = paginate(2, 0, |offset, _limit| {
            calls.push(offset);
            let page: Vec<u64> = match offset {
                0 => vec![0, 1, 2],
                3 => vec![3],
                _ => vec![],
            };
            std::future::ready(Ok(page))
        })
        .map(|r| r.unwrap())
        .collect()
        .await;
        assert_eq!(items, vec![0, 1, 2, 3]);
        assert_eq!(calls, vec![0, 3]);
    }
}
