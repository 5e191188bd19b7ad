//! HTTP transport: base URLs and request paths, the pooled TLS client, capped body reads,
//! error classification.

mod body;
mod classify;
mod connector;
pub(crate) mod gzip;
mod url;

pub use body::read_capped;
pub(crate) use classify::request_error;
pub use connector::{Roots, Transport, TransportConfig};
pub use gzip::{GzipLevel, compress};
pub(crate) use url::is_plain_path;
pub use url::{BaseUrl, RequestPath, encode_segment, query_string};
