//! The `Label` object: an extra analytics dimension attached to an event.

use serde::{Deserialize, Serialize};
use tg_common::Error;

use crate::validate;

/// An analytics label (`Label`): a name and a value, e.g. `manager` = `John Doe`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Label {
    /// The label's name.
    pub name: String,
    /// The label's value.
    pub value: String,
}

impl Label {
    /// A label with this name and value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Label {
            name: name.into(),
            value: value.into(),
        }
    }

    /// Rejects a blank name, and a name or value with control characters or longer than
    /// [`validate::MAX_TEXT_LEN`], naming the field `field` (`labels[2]`) in the error.
    pub fn validate_at(&self, field: &str) -> Result<(), Error> {
        validate::not_blank(format!("{field}.name"), &self.name)?;
        validate::bounded_text(format!("{field}.name"), &self.name, validate::MAX_TEXT_LEN)?;
        validate::bounded_text(
            format!("{field}.value"),
            &self.value,
            validate::MAX_TEXT_LEN,
        )
    }
}
