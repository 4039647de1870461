//! The error every domain operation returns; the web layer maps it to a response in one place.

use crate::i18n::Msg;
use crate::store::StoreError;
use crate::validate::Problems;

#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The input was wrong; nothing was changed.
    Invalid(Problems),
    /// The record does not exist.
    NotFound,
    /// The request is well-formed but not allowed in the current state.
    Conflict(Msg),
    /// A limit on how much one may do in a while was reached; nothing was changed. The problems
    /// say which, for the form that sent it.
    TooMany(Problems),
    /// The store failed.
    Store(StoreError),
    /// Anything else unexpected; the text goes to the log only.
    Internal(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}

impl From<Problems> for Error {
    fn from(p: Problems) -> Self {
        Error::Invalid(p)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Invalid(p) => {
                let fields: Vec<String> =
                    p.0.iter()
                        .map(|p| format!("{}: {}", p.field, p.text(crate::i18n::Lang::En)))
                        .collect();
                write!(f, "invalid input: {}", fields.join("; "))
            }
            Error::NotFound => write!(f, "not found"),
            Error::Conflict(m) => write!(f, "{}", m.en()),
            Error::TooMany(p) => write!(f, "limit reached: {}", Error::Invalid(p.clone())),
            Error::Store(e) => write!(f, "{e}"),
            Error::Internal(e) => write!(f, "internal error: {e}"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
