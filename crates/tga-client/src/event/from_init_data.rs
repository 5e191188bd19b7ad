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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tga::TgaFake::new());
    /// # let token = fake.issue_token("my_app", "my-app.example.com");
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// # let client = tga_client::Client::builder(token)
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    /// #   .build()?;
    /// # let raw = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73";
    /// # let now = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_733_509_700);
    /// use tga_client::init_data::InitDataValidator;
    /// use tga_client::{Event, Uuid};
    ///
    /// // `raw`: the Mini App's `Telegram.WebApp.initData`, as its frontend sent it.
    /// let validator = InitDataValidator::bot_token("7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4")?;
    /// let init = validator.validate_at(raw, now)?; // `validate(raw)` against the clock
    /// let event = Event::from_init_data(&init, "purchase", Uuid::new_v4(), client.app_name())?;
    /// assert_eq!(event.user_id, 279_058_397); // from Telegram's signed data, not the browser
    /// client.send_events(&[event]).await?;
    /// # assert_eq!(fake.accepted_events()[0]["user_id"], 279_058_397);
    /// # Ok(())
    /// # }
    /// ```
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
