//! Events whose user fields come from validated initData, never from the browser.

use tg_common::Error;
use uuid::Uuid;

use super::{Event, EventName};
use crate::init_data::InitData;

impl Event {
    /// An event for the user of validated `init`: `user_id`, `is_premium`, `locale` and
    /// `start_param` are read from it (see [`Event::with_init_data`]).
    ///
    /// The error is [`InvalidInput`](tg_common::ErrorKind::InvalidInput) when `init` carries no
    /// user.
    pub fn from_init_data(
        init: &InitData,
        event_name: impl Into<EventName>,
        session_id: Uuid,
        app_name: impl Into<String>,
    ) -> Result<Event, Error> {
        Event::new(0, event_name, session_id, app_name).with_init_data(init)
    }

    /// Replaces the user fields with those of validated `init`: `user_id` (the user's id),
    /// `is_premium` (as initData has it: `Some(true)` or absent), `locale` (`language_code`)
    /// and `start_param`. A field `init` lacks is cleared, so no value the browser claimed
    /// survives. `platform` is not part of initData and is left as is.
    ///
    /// The error is [`InvalidInput`](tg_common::ErrorKind::InvalidInput) when `init` carries no
    /// user.
    pub fn with_init_data(mut self, init: &InitData) -> Result<Event, Error> {
        let user = init
            .user
            .as_ref()
            .ok_or_else(|| Error::invalid_input("user", "the initData carries no user"))?;
        self.user_id = user.id;
        self.is_premium = user.is_premium;
        self.locale = user.language_code.clone();
        self.start_param = init.start_param.clone();
        Ok(self)
    }
}
