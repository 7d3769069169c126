//! Building SQL with a variable number of conditions: arguments collected in order, bound at once.

/// One bound argument of a dynamically built query.
pub enum Arg {
    Text(String),
    Int(i64),
}

/// Pushes `arg` and returns its placeholder (`$n`).
pub fn next(arg: Arg, args: &mut Vec<Arg>) -> String {
    args.push(arg);
    format!("${}", args.len())
}

/// `($1, $2, …), (…)` for `rows` rows of `columns` placeholders each: the VALUES of a
/// multi-row INSERT, which writes a chunk of long work in one statement (one round trip on
/// PostgreSQL instead of one per row).
pub fn value_rows(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$from, $from+1, …` for `count` placeholders: an `IN (…)` list after `from - 1` other
/// arguments.
pub fn in_list(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most this many rows per multi-row statement: far below both databases' limits on bound
/// arguments (SQLite 32,766, PostgreSQL 65,535) for the widest rows written this way.
pub const ROWS_PER_STATEMENT: usize = 500;

/// Escapes LIKE wildcards; queries using it say `ESCAPE '\\'`.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    args: &'q [Arg],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for arg in args {
        query = match arg {
            Arg::Text(s) => query.bind(s.as_str()),
            Arg::Int(i) => query.bind(*i),
        };
    }
    query
}
