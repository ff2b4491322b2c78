//! Search rules in plain Rust: how forgiving a word is, how words are compared, the
//! shop's synonyms, the choices a shopper makes on the results page (and their URL
//! form), and facet counts. The engine (tantivy, on the server) finds candidates; these
//! rules decide what a match is worth and what the page shows.
//!
//! `words` (matching and ranking), `synonyms`, `understand` (plurals, and colour and
//! size words read as choices), `params` (the results page's choices and
//! their URL form) and `facets` (filters and counts); everything is re-exported here.

mod facets;
mod params;
mod synonyms;
mod understand;
mod words;

pub use facets::*;
pub use params::*;
pub use synonyms::*;
pub use understand::*;
pub use words::*;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
