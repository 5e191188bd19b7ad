//! One port for all the fakes: routes a request to TGA, TGTrack, TGmembership or the Telegram
//! Bot API by its path.
//!
//! `/events...` goes to TGA; `/v1/{KEY}/{METHOD}` (three segments) to TGTrack;
//! `/v1/bot{ID}/{KEY}/{METHOD...}` (four or more) to TGmembership; `/bot{TOKEN}/{METHOD}` and
//! the Telegram admin endpoints (`/_admin/telegram/...`) to the Telegram fake; anything else
//! answers 404.

use std::sync::Arc;

use crate::service::{FakeService, Reply, Request};
use crate::telegram::TelegramFake;
use crate::tga::TgaFake;
use crate::tgmembership::TgmembershipFake;
use crate::tgtrack::TgtrackFake;

/// The three fakes behind one address.
#[derive(Clone)]
pub struct AllServices {
    /// The fake TGA.
    pub tga: Arc<TgaFake>,
    /// The fake TGTrack.
    pub tgtrack: Arc<TgtrackFake>,
    /// The fake TGmembership.
    pub tgmembership: Arc<TgmembershipFake>,
    /// The fake Telegram Bot API (`getUpdates`).
    pub telegram: TelegramFake,
}

enum Target<'a> {
    Tga(&'a TgaFake),
    Tgtrack(&'a TgtrackFake),
    Tgmembership(&'a TgmembershipFake),
    Telegram(&'a TelegramFake),
    None,
}

impl AllServices {
    fn route(&self, request: &Request) -> Target<'_> {
        let path = request.path.as_str();
        if path == "/events" || path.starts_with("/events/") {
            return Target::Tga(&self.tga);
        }
        if path.starts_with("/bot") || path.starts_with(crate::telegram::ADMIN_PREFIX) {
            return Target::Telegram(&self.telegram);
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["v1", _, _] => Target::Tgtrack(&self.tgtrack),
            ["v1", bot, _, _, ..] if bot.starts_with("bot") => {
                Target::Tgmembership(&self.tgmembership)
            }
            _ => Target::None,
        }
    }
}

impl FakeService for AllServices {
    fn name(&self) -> &'static str {
        "all"
    }

    fn handle(&self, request: &Request) -> Reply {
        match self.route(request) {
            Target::Tga(s) => s.handle(request),
            Target::Tgtrack(s) => s.handle(request),
            Target::Tgmembership(s) => s.handle(request),
            Target::Telegram(s) => s.handle(request),
            Target::None => Reply::json(404, &serde_json::json!({"message": "no such route"})),
        }
    }

    fn rate_limited(&self, request: &Request) -> Reply {
        match self.route(request) {
            Target::Tga(s) => s.rate_limited(request),
            Target::Tgtrack(s) => s.rate_limited(request),
            Target::Tgmembership(s) => s.rate_limited(request),
            Target::Telegram(s) => s.rate_limited(request),
            Target::None => Reply::json(429, &serde_json::json!({"message": "Too many requests"})),
        }
    }

    fn hold(&self, request: &Request) -> Option<futures_util::future::BoxFuture<'static, ()>> {
        match self.route(request) {
            Target::Telegram(s) => s.hold(request),
            _ => None,
        }
    }

    fn rate_limit_key(&self, request: &Request) -> Option<String> {
        match self.route(request) {
            Target::Tga(s) => s.rate_limit_key(request).map(|k| format!("tga:{k}")),
            Target::Tgtrack(s) => s.rate_limit_key(request).map(|k| format!("tgtrack:{k}")),
            Target::Tgmembership(s) => s
                .rate_limit_key(request)
                .map(|k| format!("tgmembership:{k}")),
            Target::Telegram(_) | Target::None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use http::Method;

    use super::*;

    fn all() -> AllServices {
        let tgtrack = TgtrackFake::new();
        tgtrack.add_key("track-key", crate::tgtrack::Mode::Production);
        AllServices {
            tga: Arc::new(TgaFake::new()),
            tgtrack: Arc::new(tgtrack),
            tgmembership: Arc::new(TgmembershipFake::new(42, "member-key")),
            telegram: TelegramFake::new(),
        }
    }

    #[test]
    fn routes_by_path_shape() {
        let s = all();
        let track = Request::new(Method::POST, "/v1/track-key/add_event")
            .with_header("content-type", "application/json")
            .with_body(r#"{"user_id":"1","event_type":"x"}"#);
        assert_eq!(s.handle(&track).status, 200);
        let plans = Request::new(Method::GET, "/v1/bot42/member-key/plans");
        assert_eq!(s.handle(&plans).status, 200);
        let events = Request::new(Method::POST, "/events");
        assert_ne!(s.handle(&events).status, 404);
        assert_eq!(s.handle(&Request::new(Method::GET, "/nope")).status, 404);
        s.telegram.add_bot("1:tok");
        let poll = Request::new(Method::GET, "/bot1%3Atok/getUpdates");
        assert_eq!(s.handle(&poll).status, 200);
    }
}
