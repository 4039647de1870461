//! How records become bytes on disk.
//!
//! JSON keeps the file self-describing: a field added later reads as its serde default
//! from old rows, so most schema growth needs no migration at all.

use super::StoreError;
use serde::{Serialize, de::DeserializeOwned};

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(format!("encoding record: {e}")))
}

pub fn decode<T: DeserializeOwned>(table: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("decoding a row of {table}: {e}")))
}
