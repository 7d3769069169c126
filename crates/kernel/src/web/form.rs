//! Forms posted as ordered pairs of name and value.

/// A form posted as ordered pairs: repeated and dynamic names (checkboxes, pledge_*, fact_*)
/// included, which a struct could not name.
pub type Pairs = Vec<(String, String)>;

/// The first value of the field `name`; "" when the form has none, as an empty input sends.
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}
