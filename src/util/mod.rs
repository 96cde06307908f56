//! Utilities at the bottom of the crate: nothing here imports from other modules of the
//! crate, and every other module may import from here.
//!
//! - [`codes`]: the macro of the crate's code enums.
//! - [`float`]: decimal text to the nearest double; the largest safe integer.
//! - [`hash`]: the pre-hashed map type, the email hash, the stable fingerprint hasher.
//! - [`json`]: JSON string literals; numbers as text.
//! - [`json_read`]: JSON text read with numbers as the nearest double.
//! - [`order`]: ordering by integer keys with the `u64` sort the module links anyway.
//! - [`string_map`]: a JS object of strings kept as its entries.
//! - `test_rng` (tests only): the unit tests' pseudo-random numbers.
//! - [`text`]: Unicode lower case without the case tables in wasm.
//! - [`time`]: ISO 8601 and IMF-fixdate dates.
//! - [`url`]: the host and origin of a URL, and a URL as it may be shown.

pub mod codes;
pub mod float;
pub mod hash;
pub mod json;
pub mod json_read;
pub mod order;
pub mod string_map;
#[cfg(test)]
pub(crate) mod test_rng;
pub mod text;
pub mod time;
pub mod url;
