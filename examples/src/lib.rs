//! Runnable examples live in `examples/`; this library holds only what two of them share.

/// Telegram updates exactly as Telegram sends them, for the teloxide examples (one bot, one
/// user). `/start` with a deep-link parameter and a block are what TGTrack needs; a plain
/// message is not.
pub mod updates {
    /// The bot's token in the examples (a test token the fake Telegram knows).
    pub const BOT_TOKEN: &str = "7123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

    /// The user's private `/start vk_ads` (a deep link from an ad), as update `id`.
    pub fn start(id: i64) -> String {
        format!(
            r#"{{"update_id":{id},"message":{{"message_id":17,"from":{{"id":7123456789,"is_bot":false,"first_name":"Vasya","language_code":"ru"}},"chat":{{"id":7123456789,"first_name":"Vasya","type":"private"}},"date":1700000000,"text":"/start vk_ads","entities":[{{"offset":0,"length":6,"type":"bot_command"}}]}}}}"#
        )
    }

    /// A plain text message from the user, as update `id`.
    pub fn text(id: i64) -> String {
        format!(
            r#"{{"update_id":{id},"message":{{"message_id":18,"from":{{"id":7123456789,"is_bot":false,"first_name":"Vasya"}},"chat":{{"id":7123456789,"first_name":"Vasya","type":"private"}},"date":1700000001,"text":"hello"}}}}"#
        )
    }

    /// The user blocks the bot (`my_chat_member`, status `kicked`), as update `id`.
    pub fn blocked(id: i64) -> String {
        format!(
            r#"{{"update_id":{id},"my_chat_member":{{"chat":{{"id":7123456789,"first_name":"Vasya","type":"private"}},"from":{{"id":7123456789,"is_bot":false,"first_name":"Vasya"}},"date":1700000100,"old_chat_member":{{"user":{{"id":7123456,"is_bot":true,"first_name":"Bot","username":"my_bot"}},"status":"member"}},"new_chat_member":{{"user":{{"id":7123456,"is_bot":true,"first_name":"Bot","username":"my_bot"}},"status":"kicked","until_date":0}}}}}}"#
        )
    }
}
