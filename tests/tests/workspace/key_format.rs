//! Every client refuses, at `build()`, a key or token its service never issues, with an error
//! that names the problem and never the key; the keys the services do issue are accepted.

use tg_common::{Error, ErrorKind};

/// The three clients, by the name their errors use for the secret.
#[derive(Clone, Copy, Debug)]
enum Provider {
    Tga,
    Tgtrack,
    Tgmembership,
}

impl Provider {
    const ALL: [Provider; 3] = [Provider::Tga, Provider::Tgtrack, Provider::Tgmembership];

    fn build(self, secret: &str) -> Result<(), Error> {
        match self {
            Provider::Tga => tga_client::Client::builder(secret)
                .app_name("a")
                .origin("https://a.org")
                .build()
                .map(drop),
            Provider::Tgtrack => tgtrack_client::Client::builder(secret).build().map(drop),
            Provider::Tgmembership => tgmembership_client::Client::builder(1, secret)
                .build()
                .map(drop),
        }
    }

    /// What the error calls the secret.
    fn secret_name(self) -> &'static str {
        match self {
            Provider::Tga => "TGA token",
            Provider::Tgtrack | Provider::Tgmembership => "API key",
        }
    }

    /// A secret of the form the service issues.
    fn issued(self) -> &'static str {
        match self {
            Provider::Tga => "eyJhIjoxfQ==!c2ln-_/+.",
            Provider::Tgtrack | Provider::Tgmembership => "Ab-9._~",
        }
    }

    /// Path punctuation is refused in keys (they are path segments); base64 allows `/` and `+`
    /// in TGA tokens (they are headers).
    fn refuses_path_punctuation(self) -> bool {
        !matches!(self, Provider::Tga)
    }
}

#[test]
fn secrets_no_service_issues_are_refused_without_being_named() {
    let huge = format!("SECRET{}", "k".repeat(1 << 20));
    let everywhere: Vec<(&str, &str)> = vec![
        ("SECRET x", "space"),
        ("SECRET\tx", "control"),
        ("SECRET\u{7f}x", "control"),
        ("SECRET\u{0}", "control"),
        ("SECRETé", "non-ASCII"),
        ("SECRETключ", "non-ASCII"),
        ("SECRET;x", "punctuation"),
        ("SECRET,x", "punctuation"),
        ("SECRET?x", "punctuation"),
        ("SECRET#x", "punctuation"),
        ("SECRET%2F", "punctuation"),
        (huge.as_str(), "1048582 bytes long"),
    ];
    for provider in Provider::ALL {
        let mut cases = everywhere.clone();
        if provider.refuses_path_punctuation() {
            cases.push(("SECRET/x", "punctuation"));
            cases.push(("SECRET+x", "punctuation"));
        }
        for (secret, problem) in cases {
            let e = provider.build(secret).unwrap_err();
            let text = format!("{e} {e:?} {e:#?}");
            assert!(
                matches!(e.kind(), ErrorKind::Config { .. }),
                "{provider:?}: {text}"
            );
            assert!(
                text.contains(problem) && text.contains(provider.secret_name()),
                "{provider:?} {problem}: {text}"
            );
            assert!(!text.contains("SECRET"), "{provider:?}: {text}");
        }
        let issued = provider.build(provider.issued());
        assert!(issued.is_ok(), "{provider:?}: {issued:?}");
    }
}
