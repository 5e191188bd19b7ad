//! The URIs of a client's constant paths, kept after their first call: building a URI parses
//! its path byte by byte (a few hundred instructions), the same work for every call of an
//! operation whose path has no parameter and no query.

use std::sync::Mutex;

use crate::error::Error;
use crate::transport::{BaseUrl, RequestPath};

/// How many constant paths one client keeps (an API's operations without a parameter).
const KEPT: usize = 32;

/// The kept URIs, by their encoded path (which holds the key: never formatted).
#[derive(Default)]
pub(crate) struct UriMemo {
    kept: Mutex<Vec<(String, http::Uri)>>,
}

impl UriMemo {
    /// `base` joined with `path` and `query`, from the kept URIs when `path` is constant and
    /// there is no query.
    pub(crate) fn join(
        &self,
        base: &BaseUrl,
        path: RequestPath,
        query: Option<&str>,
    ) -> Result<http::Uri, Error> {
        if !path.is_constant() || query.is_some_and(|q| !q.is_empty()) {
            return base.join(path, query);
        }
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, uri)) = kept.iter().find(|(p, _)| p.as_str() == path.encoded()) {
            return Ok(uri.clone());
        }
        let key = path.encoded().to_owned();
        let uri = base.join(path, None)?;
        if kept.len() < KEPT {
            kept.push((key, uri.clone()));
        }
        Ok(uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    #[test]
    fn a_kept_uri_is_the_uri_built_anew() {
        let base = BaseUrl::https("https://api.example.org/prefix").unwrap();
        let prefix = RequestPath::new()
            .segment("v1")
            .secret(&Secret::new("k3y/with space"));
        let memo = UriMemo::default();
        for _ in 0..3 {
            let kept = memo
                .join(&base, prefix.with_plain_path("plans"), None)
                .unwrap();
            let anew = base.join(prefix.with_plain_path("plans"), None).unwrap();
            assert_eq!(kept, anew);
        }
        let other = memo
            .join(&base, prefix.with_plain_path("orders/count"), None)
            .unwrap();
        assert_eq!(other.path(), "/prefix/v1/k3y%2Fwith%20space/orders/count");
        // A query, or a path with parameters, is built each time and not kept.
        let queried = memo
            .join(&base, prefix.with_plain_path("plans"), Some("limit=5"))
            .unwrap();
        assert_eq!(queried.query(), Some("limit=5"));
        let param = memo
            .join(&base, prefix.clone().segment("orders").segment("A 1"), None)
            .unwrap();
        assert!(param.path().ends_with("/orders/A%201"), "{param}");
        assert_eq!(memo.kept.lock().unwrap().len(), 2);
    }
}
