//! [`PathTable`]: a client's operation paths, each fixed one joined with the base URL once.

use super::OperationPath;
use crate::client::Core;
use crate::error::Error;
use crate::transport::{PreparedPath, RequestPath, Target};

/// The paths of a client's operations below a common prefix (`/v1/{API_KEY}`), in the
/// provider's order: [`OperationPath::Fixed`]`(n)` is entry `n`.
///
/// Entries holding `{` are templates: they are not prepared, and their operations send
/// [`OperationPath::Segments`] instead. Debug masks the secret segments of the prefix.
#[derive(Debug, Clone)]
pub struct PathTable {
    prefix: RequestPath,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    path: &'static str,
    prepared: Option<PreparedPath>,
}

impl PathTable {
    /// Joins `prefix` + each fixed entry of `paths` (`"orders/count"`) with `core`'s base URL.
    pub fn new(core: &Core, prefix: RequestPath, paths: &[&'static str]) -> Result<Self, Error> {
        let entries = paths
            .iter()
            .map(|&path| {
                let prepared = (!path.contains('{'))
                    .then(|| core.prepare(prefix.clone().segments(path)))
                    .transpose()?;
                Ok(Entry { path, prepared })
            })
            .collect::<Result<_, Error>>()?;
        Ok(PathTable { prefix, entries })
    }

    /// The prefix every path starts with.
    pub fn prefix(&self) -> &RequestPath {
        &self.prefix
    }

    /// Where `path` goes. A `Fixed` index outside the table is a provider's bug, reported as a
    /// configuration error instead of sending anywhere.
    pub fn target(&self, path: OperationPath) -> Result<Target, Error> {
        match path {
            OperationPath::Fixed(n) => match self.entries.get(n) {
                Some(Entry {
                    prepared: Some(prepared),
                    ..
                }) => Ok(prepared.clone().into()),
                Some(Entry { path, .. }) => Err(Error::config(format!(
                    "the path `{path}` is a template: send its segments"
                ))),
                None => Err(Error::config(format!("no operation path number {n}"))),
            },
            OperationPath::Segments(segments) => {
                let mut path = self.prefix.clone();
                for segment in segments {
                    path = path.segment(segment);
                }
                Ok(path.into())
            }
        }
    }
}
