//! The one value of a header a check reads: a missing or repeated header is refused, never
//! resolved by picking one of the values.

use http::header::AsHeaderName;
use http::{HeaderMap, HeaderValue};

/// Why a header a check needs does not have exactly one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderCount {
    /// The header is absent.
    Missing,
    /// The header is sent more than once.
    Repeated,
}

/// The one value of header `name` in `headers`; `Err` when it is missing or repeated.
pub fn one_header<K: AsHeaderName>(
    headers: &HeaderMap,
    name: K,
) -> Result<&HeaderValue, HeaderCount> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => Ok(value),
        (None, _) => Err(HeaderCount::Missing),
        (Some(_), Some(_)) => Err(HeaderCount::Repeated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_single_value_is_returned() {
        let mut headers = HeaderMap::new();
        assert_eq!(one_header(&headers, "x-a"), Err(HeaderCount::Missing));
        headers.append("x-a", HeaderValue::from_static("1"));
        assert_eq!(
            one_header(&headers, "x-a").map(|v| v.as_bytes()),
            Ok(&b"1"[..])
        );
        headers.append("x-a", HeaderValue::from_static("1"));
        assert_eq!(one_header(&headers, "x-a"), Err(HeaderCount::Repeated));
    }
}
