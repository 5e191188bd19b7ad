//! Reading a response body under a size cap: refused from Content-Length when it is declared,
//! otherwise at the first chunk that goes over.

use bytes::{Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt;

use crate::error::{Error, ErrorKind, TransportKind};

/// Reads `body` whole, failing with [`ErrorKind::BodyTooLarge`] past `limit` bytes.
pub async fn read_capped<B>(body: B, limit: usize, declared: Option<u64>) -> Result<Bytes, Error>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<crate::BoxError>,
{
    if let Some(n) = declared {
        if n > limit as u64 {
            return Err(too_large(limit, Some(n)));
        }
    }
    let mut body = body;
    let mut buf = BytesMut::with_capacity(declared.map_or(8 * 1024, |n| n as usize));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Error::new(ErrorKind::Transport {
                kind: TransportKind::Incomplete,
                source: Some(e.into()),
            })
        })?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(too_large(limit, declared));
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}

fn too_large(limit: usize, declared: Option<u64>) -> Error {
    Error::new(ErrorKind::BodyTooLarge { limit, declared })
}
