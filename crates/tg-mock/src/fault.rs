//! Scripted faults: what the fake server does instead of (or besides) answering normally.

use std::time::Duration;

use http::Method;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::service::{Reply, Request};

/// One fault.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Wait this long, then process and answer normally.
    Delay(Duration),
    /// Never answer and never process (the connection stays open until the client gives up).
    Stall,
    /// Close the connection before processing and before any response byte.
    ResetBeforeHeaders,
    /// Process the request, send the status line and headers, then close: the answer is lost.
    ResetAfterHeaders,
    /// Process the request, then send this reply instead of the service's.
    Respond(Reply),
    /// Answer this reply without processing the request (a proxy error, an outage page).
    RespondUnprocessed(Reply),
    /// Process the request, then send half the body under a Content-Length for all of it.
    TruncatedBody,
    /// Answer 200 with a body of this many bytes, declaring Content-Length or streaming chunks.
    Oversized {
        /// Body size.
        bytes: usize,
        /// Send Content-Length (otherwise chunked).
        declare_length: bool,
    },
}

impl Fault {
    /// Whether the service processes the request under this fault.
    pub fn processes(&self) -> bool {
        matches!(
            self,
            Fault::Delay(_) | Fault::ResetAfterHeaders | Fault::Respond(_) | Fault::TruncatedBody
        )
    }
}

/// Which requests a rule applies to.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// Only this method.
    pub method: Option<Method>,
    /// Only paths containing this text.
    pub path_contains: Option<String>,
    /// Only query strings containing this text (`offset=10`).
    pub query_contains: Option<String>,
}

impl Matcher {
    /// Every request.
    pub fn any() -> Self {
        Matcher::default()
    }

    /// Requests whose path contains `text`.
    pub fn path(text: &str) -> Self {
        Matcher {
            path_contains: Some(text.to_owned()),
            ..Matcher::default()
        }
    }

    /// The same matcher, also requiring the query string to contain `text`.
    pub fn query(mut self, text: &str) -> Self {
        self.query_contains = Some(text.to_owned());
        self
    }

    fn matches(&self, r: &Request) -> bool {
        self.method.as_ref().is_none_or(|m| *m == r.method)
            && self
                .path_contains
                .as_ref()
                .is_none_or(|p| r.path.contains(p.as_str()))
            && self
                .query_contains
                .as_ref()
                .is_none_or(|q| r.query.as_deref().is_some_and(|rq| rq.contains(q.as_str())))
    }
}

/// A fault applied to matching requests, a number of times or always.
#[derive(Debug, Clone)]
pub struct FaultRule {
    /// Which requests.
    pub matcher: Matcher,
    /// What happens.
    pub fault: Fault,
    /// How many matching requests it applies to (`None`: all of them).
    pub times: Option<u32>,
}

impl FaultRule {
    /// `fault` on the next `times` requests of any route.
    pub fn next(times: u32, fault: Fault) -> Self {
        FaultRule {
            matcher: Matcher::any(),
            fault,
            times: Some(times),
        }
    }

    /// `fault` on every request of any route.
    pub fn always(fault: Fault) -> Self {
        FaultRule {
            matcher: Matcher::any(),
            fault,
            times: None,
        }
    }

    /// The same rule limited to matching requests.
    pub fn matching(mut self, matcher: Matcher) -> Self {
        self.matcher = matcher;
        self
    }
}

/// Random faults: each request meets one with `probability`, chosen by weight; seeded, so a run
/// is repeatable for a given request order.
#[derive(Debug, Clone)]
pub struct Chaos {
    /// Chance in `[0, 1]` that a request meets a fault.
    pub probability: f64,
    /// Faults with their weights.
    pub faults: Vec<(u32, Fault)>,
    /// Seed of the generator.
    pub seed: u64,
}

#[derive(Debug, Default)]
pub(crate) struct FaultScript {
    rules: Vec<FaultRule>,
    chaos: Option<(Chaos, StdRng)>,
}

impl FaultScript {
    pub(crate) fn push(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
        self.chaos = None;
    }

    pub(crate) fn set_chaos(&mut self, chaos: Option<Chaos>) {
        self.chaos = chaos.map(|c| {
            let rng = StdRng::seed_from_u64(c.seed);
            (c, rng)
        });
    }

    /// The fault for this request, consuming one use of a counted rule.
    pub(crate) fn pick(&mut self, r: &Request) -> Option<Fault> {
        if let Some(i) = self.rules.iter().position(|rule| rule.matcher.matches(r)) {
            let rule = &mut self.rules[i];
            let fault = rule.fault.clone();
            if let Some(n) = rule.times.as_mut() {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.rules.remove(i);
                }
            }
            return Some(fault);
        }
        let (chaos, rng) = self.chaos.as_mut()?;
        if !rng.random_bool(chaos.probability.clamp(0.0, 1.0)) {
            return None;
        }
        let total: u32 = chaos.faults.iter().map(|(w, _)| *w).sum();
        if total == 0 {
            return None;
        }
        let mut x = rng.random_range(0..total);
        for (w, f) in &chaos.faults {
            if x < *w {
                return Some(f.clone());
            }
            x -= w;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use http::Method;

    use super::*;

    #[test]
    fn a_matcher_can_require_a_query_fragment() {
        let m = Matcher::path("/members").query("offset=10");
        assert!(m.matches(&Request::new(Method::GET, "/v1/members?limit=10&offset=10")));
        assert!(!m.matches(&Request::new(Method::GET, "/v1/members?limit=10&offset=0")));
        assert!(!m.matches(&Request::new(Method::GET, "/v1/members")));
    }
}
