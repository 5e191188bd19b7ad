//! Who the client says it is: the token, the app name events carry and the Origin it presents.
//!
//! The service checks the Origin against the domain the token was created for, and each
//! event's `app_name` against the token's app. Both default to what the token says when it can
//! be read ([`TokenInfo`]); otherwise the caller must give them.

use tg_common::{Error, Secret};

use crate::token::TokenInfo;

/// The resolved identity of a TGA client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The `TGA-Auth-Token` value.
    pub token: Secret,
    /// The app name the token was created for; events should carry it.
    pub app_name: String,
    /// The Origin header to send (`https://my-app.example.com`).
    pub origin: String,
    /// The domain the token names, when it could be read (used to explain a 403).
    pub token_domain: Option<String>,
}

impl Identity {
    /// Resolves the identity: `app_name` and `origin` when given, else what the token says.
    ///
    /// Fails with a configuration error when the token is empty, when a value is neither given
    /// nor readable from the token, or when `origin` is not `scheme://host[:port]`.
    pub fn resolve(
        token: Secret,
        app_name: Option<String>,
        origin: Option<String>,
    ) -> Result<Identity, Error> {
        if token.expose().trim().is_empty() {
            return Err(Error::config("the TGA token is empty"));
        }
        let info = TokenInfo::read(&token);
        let app_name = match app_name.map(|a| a.trim().to_owned()) {
            Some(name) if !name.is_empty() => name,
            Some(_) => return Err(Error::config("app_name is empty")),
            None => match &info {
                Some(info) => info.app_name.clone(),
                None => {
                    return Err(Error::config(
                        "app_name is required: the token could not be read to find it",
                    ));
                }
            },
        };
        let origin = match origin {
            Some(origin) => origin,
            None => match info.as_ref().and_then(TokenInfo::origin) {
                Some(origin) => origin,
                None => {
                    return Err(Error::config(
                        "origin is required: the token could not be read to find its domain \
                         (give the Origin of the Mini App's URL, e.g. https://my-app.example.com)",
                    ));
                }
            },
        };
        let origin = check_origin(&origin)?;
        if let Some(info) = &info {
            if info.app_name != app_name {
                tracing::warn!(
                    configured = %app_name,
                    in_token = %info.app_name,
                    "the configured TGA app_name differs from the token's; the service will answer \"Invalid app_name is specified.\""
                );
            }
        }
        Ok(Identity {
            token,
            app_name,
            origin,
            token_domain: info.and_then(|i| i.app_domain),
        })
    }
}

/// `origin` without a trailing `/`, if it is `http(s)://host[:port]`.
fn check_origin(origin: &str) -> Result<String, Error> {
    let origin = origin.trim().trim_end_matches('/');
    let bad = || {
        Error::config(format!(
            "origin `{origin}` must be a scheme and host, like https://my-app.example.com"
        ))
    };
    let (scheme, host) = origin.split_once("://").ok_or_else(bad)?;
    let scheme_ok = scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http");
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if scheme_ok && host_ok {
        Ok(origin.to_owned())
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use tg_common::ErrorKind;
    use tg_mock::tga::TgaFake;

    use super::*;

    fn issued() -> Secret {
        Secret::new(TgaFake::new().issue_token("docs", "docs.example.org"))
    }

    #[test]
    fn defaults_come_from_the_token() {
        let id = Identity::resolve(issued(), None, None).unwrap();
        assert_eq!(id.app_name, "docs");
        assert_eq!(id.origin, "https://docs.example.org");
        assert_eq!(id.token_domain.as_deref(), Some("docs.example.org"));
    }

    #[test]
    fn given_values_win() {
        let id = Identity::resolve(
            issued(),
            Some("other".into()),
            Some("http://localhost:8080/".into()),
        )
        .unwrap();
        assert_eq!(id.app_name, "other");
        assert_eq!(id.origin, "http://localhost:8080");
    }

    #[test]
    fn an_unreadable_token_needs_both_values() {
        let opaque = Secret::new("opaque-token");
        for (app, origin) in [
            (None, Some("https://a.org".to_owned())),
            (Some("a".to_owned()), None),
        ] {
            let err = Identity::resolve(opaque.clone(), app, origin).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Config { .. }));
        }
        let id = Identity::resolve(opaque, Some("a".into()), Some("https://a.org".into())).unwrap();
        assert_eq!(id.token_domain, None);
    }

    #[test]
    fn bad_values_are_configuration_errors() {
        for (token, app, origin) in [
            ("", Some("a"), Some("https://a.org")),
            ("t", Some(" "), Some("https://a.org")),
            ("t", Some("a"), Some("a.org")),
            ("t", Some("a"), Some("ftp://a.org")),
            ("t", Some("a"), Some("https://a.org/path")),
            ("t", Some("a"), Some("https://a.org\r\nx: y")),
        ] {
            let err = Identity::resolve(
                Secret::new(token),
                app.map(str::to_owned),
                origin.map(str::to_owned),
            )
            .unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err}");
        }
    }

    #[test]
    fn debug_masks_the_token() {
        let token = issued();
        let id = Identity::resolve(token.clone(), None, None).unwrap();
        let debug = format!("{id:?}");
        assert!(!debug.contains(token.expose()));
        assert!(!debug.contains(token.expose().split('!').nth(1).unwrap()));
    }
}
