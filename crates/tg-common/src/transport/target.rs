//! Where a call goes: a [`RequestPath`] joined with the base URL when the call is sent, or a
//! [`PreparedPath`] joined once by [`Core::prepare`](crate::Core::prepare) for an endpoint whose
//! path never changes, so that sending it neither encodes nor parses a URI.

use std::fmt;
use std::sync::Arc;

use super::url::{BaseUrl, RequestPath};
use crate::error::Error;

/// The target of a [`Call`](crate::Call).
#[derive(Debug, Clone)]
pub enum Target {
    /// A path joined with the base URL when the call is sent.
    Path(RequestPath),
    /// A path joined with one core's base URL in advance.
    Prepared(PreparedPath),
}

impl Default for Target {
    fn default() -> Self {
        Target::Path(RequestPath::new())
    }
}

impl From<RequestPath> for Target {
    fn from(path: RequestPath) -> Self {
        Target::Path(path)
    }
}

impl From<PreparedPath> for Target {
    fn from(path: PreparedPath) -> Self {
        Target::Prepared(path)
    }
}

/// A path joined with a base URL once; cloning it is one reference count. Debug masks the
/// secret segments, as [`RequestPath`]'s does.
///
/// Used by another core than the one that prepared it, it is joined again with that core's
/// base URL, so it can never send a request to the wrong host.
#[derive(Clone)]
pub struct PreparedPath {
    inner: Arc<Prepared>,
}

struct Prepared {
    /// The core that prepared it.
    owner: u64,
    path: RequestPath,
    /// Holds the key when the path does: never formatted.
    uri: http::Uri,
}

impl PreparedPath {
    /// Joins `path` with `base` for the core identified by `owner`.
    pub(crate) fn new(owner: u64, base: &BaseUrl, path: RequestPath) -> Result<Self, Error> {
        let uri = base.join(path.clone(), None)?;
        Ok(PreparedPath {
            inner: Arc::new(Prepared { owner, path, uri }),
        })
    }
}

impl fmt::Debug for PreparedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PreparedPath")
            .field(&self.inner.path)
            .finish()
    }
}

impl Target {
    /// The path below the base URL, its secret segments masked (see [`RequestPath::masked`]).
    pub fn masked_path(&self) -> String {
        match self {
            Target::Path(path) => path.masked(),
            Target::Prepared(prepared) => prepared.inner.path.masked(),
        }
    }

    /// The URI for the core `owner` with base URL `base`, with an optional encoded query. The
    /// prepared URI is reused when it belongs to that core and there is no query.
    pub(crate) fn into_uri(
        self,
        owner: u64,
        base: &BaseUrl,
        query: Option<&str>,
    ) -> Result<http::Uri, Error> {
        let query = query.filter(|q| !q.is_empty());
        match self {
            Target::Prepared(p) if p.inner.owner == owner && query.is_none() => {
                Ok(p.inner.uri.clone())
            }
            Target::Prepared(p) => base.join(p.inner.path.clone(), query),
            Target::Path(path) => base.join(path, query),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{MASK, Secret};

    fn keyed() -> RequestPath {
        RequestPath::new()
            .segment("v1")
            .secret(&Secret::new("s3cr3t key"))
            .segment("addEvent")
    }

    #[test]
    fn a_prepared_path_is_the_joined_path_and_masks_the_key() {
        let base = BaseUrl::parse("http://127.0.0.1:9/api", true).unwrap();
        let prepared = PreparedPath::new(7, &base, keyed()).unwrap();
        let joined = base.join(keyed(), None).unwrap();
        let uri = Target::from(prepared.clone())
            .into_uri(7, &base, None)
            .unwrap();
        assert_eq!(uri, joined);
        assert_eq!(uri.path(), "/api/v1/s3cr3t%20key/addEvent");
        let shown = format!("{prepared:?} {:?}", Target::from(prepared.clone()));
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains(MASK), "{shown}");
    }

    #[test]
    fn another_core_or_a_query_joins_again() {
        let base = BaseUrl::parse("http://127.0.0.1:9", true).unwrap();
        let other = BaseUrl::parse("http://127.0.0.1:10/x", true).unwrap();
        let prepared = PreparedPath::new(7, &base, keyed()).unwrap();
        let uri = Target::from(prepared.clone())
            .into_uri(8, &other, None)
            .unwrap();
        assert_eq!(
            uri.to_string(),
            "http://127.0.0.1:10/x/v1/s3cr3t%20key/addEvent"
        );
        let uri = Target::from(prepared)
            .into_uri(7, &base, Some("a=1"))
            .unwrap();
        assert_eq!(
            uri.to_string(),
            "http://127.0.0.1:9/v1/s3cr3t%20key/addEvent?a=1"
        );
    }
}
