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
    // A body in one chunk (the common case) is returned as it came, without a copy; more
    // chunks are gathered into one buffer.
    let mut first: Option<Bytes> = None;
    let mut gathered: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Error::new(ErrorKind::Transport {
                kind: TransportKind::Incomplete,
                source: Some(e.into()),
            })
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total > limit {
            return Err(too_large(limit, declared));
        }
        if let Some(buf) = gathered.as_mut() {
            buf.extend_from_slice(&data);
        } else if let Some(head) = first.take() {
            let expected = declared.map_or(total, |n| usize::try_from(n).unwrap_or(total));
            let mut buf = BytesMut::with_capacity(expected.max(total));
            buf.extend_from_slice(&head);
            buf.extend_from_slice(&data);
            gathered = Some(buf);
        } else {
            first = Some(data);
        }
    }
    Ok(match (gathered, first) {
        (Some(buf), _) => buf.freeze(),
        (None, Some(head)) => head,
        (None, None) => Bytes::new(),
    })
}

fn too_large(limit: usize, declared: Option<u64>) -> Error {
    Error::new(ErrorKind::BodyTooLarge { limit, declared })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Frame;
    use http_body_util::StreamBody;

    fn chunks(parts: &[&'static str]) -> impl Body<Data = Bytes, Error = std::io::Error> + Unpin {
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = parts
            .iter()
            .map(|p| Ok(Frame::data(Bytes::from_static(p.as_bytes()))))
            .collect();
        StreamBody::new(futures_util::stream::iter(frames))
    }

    #[tokio::test]
    async fn one_chunk_is_returned_without_a_copy() {
        let text: &'static str = "{\"ok\":true}";
        let body = read_capped(chunks(&[text]), 100, None).await.unwrap();
        assert_eq!(body.as_ptr(), text.as_ptr());
    }

    #[tokio::test]
    async fn several_chunks_are_joined_in_order() {
        let body = read_capped(chunks(&["{\"a\":", "1", ",\"b\":2}"]), 100, Some(13))
            .await
            .unwrap();
        assert_eq!(&body[..], b"{\"a\":1,\"b\":2}");
        let empty = read_capped(chunks(&[]), 100, None).await.unwrap();
        assert!(empty.is_empty());
    }

    #[tokio::test]
    async fn the_cap_counts_every_chunk() {
        let err = read_capped(chunks(&["12345", "67890", "x"]), 10, None)
            .await
            .unwrap_err();
        assert!(matches!(
            err.kind(),
            ErrorKind::BodyTooLarge { limit: 10, .. }
        ));
        assert!(
            read_capped(chunks(&["12345", "67890"]), 10, None)
                .await
                .is_ok()
        );
    }
}
