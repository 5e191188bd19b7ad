//! JSON decoding whose errors name the failing path (`result[3].amount`).

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Decodes `body` (a response with HTTP `status`) into `T`.
///
/// A failure is an [`ErrorKind::Decode`](crate::ErrorKind::Decode) naming the JSON path that
/// failed, what was wrong there, and the start of the body.
pub fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, Error> {
    // Fast path: track the path (an allocation per map key) only to explain a failure.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| Error::decode(status, e.path().to_string(), e.inner().to_string(), body))?;
    de.end()
        .map_err(|e| Error::decode(status, ".", e.to_string(), body))?;
    Ok(value)
}

/// Decodes an already parsed JSON value into `T`, naming the failing path within it.
pub fn decode_value<T: DeserializeOwned>(
    status: u16,
    value: serde_json::Value,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| Error::decode(status, e.path().to_string(), e.inner().to_string(), b""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        amount: String,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        result: Vec<Item>,
    }

    #[test]
    fn names_the_failing_path() {
        let body = br#"{"result":[{"amount":"1"},{"amount":2}]}"#;
        let err = decode::<Doc>(200, body).unwrap_err();
        match err.kind() {
            ErrorKind::Decode { path, status, .. } => {
                assert_eq!(path, "result[1].amount");
                assert_eq!(*status, 200);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        assert!(decode::<serde_json::Value>(200, b"{} x").is_err());
    }
}
