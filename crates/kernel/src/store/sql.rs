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

/// The most rows one multi-row statement takes.
const MOST_ROWS: usize = 256;

/// The most arguments one statement binds, far below both databases' limits (SQLite 32,766,
/// PostgreSQL 65,535). sqlx's SQLite driver looks each argument's name up in a list, a cost
/// that grows with the square of the arguments a statement binds: at 256 rows of 12 that lookup
/// took a third of an import's time.
const MOST_ARGUMENTS: usize = 512;

/// Splits rows of `arguments_per_row` bound arguments each into runs of a power of two (256,
/// 128, …, 1 rows, fewer for wide rows; the binary digits of their number), one statement
/// each. A multi-row statement then has one of a few shapes, which PostgreSQL parses and plans
/// once per connection and keeps; a statement of exactly each chunk's size was a new one to
/// parse and plan for nearly every chunk.
pub fn statement_batches<T>(mut rows: &[T], arguments_per_row: usize) -> Vec<&[T]> {
    let widest = (MOST_ARGUMENTS / arguments_per_row.max(1)).clamp(1, MOST_ROWS);
    let most = 1 << widest.ilog2();
    let mut batches = Vec::new();
    while !rows.is_empty() {
        let size = most.min(1 << rows.len().ilog2());
        let (batch, rest) = rows.split_at(size);
        batches.push(batch);
        rows = rest;
    }
    batches
}

/// The conditions that select the rows whose `column` is one of `ids`, one statement each,
/// with the arguments each binds (numbered from `first`). Ids that lie close together (a chunk
/// of the register read in id order) are one range with two arguments, and the rows of ids in
/// it not asked for come along for the caller to drop; others are lists of at most 256.
pub fn id_conditions(column: &str, ids: &[i64], first: usize) -> Vec<(String, Vec<i64>)> {
    let (Some(&low), Some(&high)) = (ids.iter().min(), ids.iter().max()) else {
        return Vec::new();
    };
    let span = usize::try_from(high.saturating_sub(low)).unwrap_or(usize::MAX);
    if span < ids.len().saturating_mul(2) {
        let range = format!("{column} BETWEEN ${first} AND ${}", first + 1);
        return vec![(range, vec![low, high])];
    }
    statement_batches(ids, 1)
        .into_iter()
        .map(|batch| {
            let list = format!("{column} IN ({})", in_list(first, batch.len()));
            (list, batch.to_vec())
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::{id_conditions, statement_batches};

    #[test]
    fn batches_have_power_of_two_sizes_and_keep_every_row_in_order() {
        let rows: Vec<usize> = (0..1000).collect();
        let batches = statement_batches(&rows, 1);
        let sizes: Vec<usize> = batches.iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [256, 256, 256, 128, 64, 32, 8]);
        assert_eq!(batches.concat(), rows);
        assert!(statement_batches::<u8>(&[], 1).is_empty());
    }

    #[test]
    fn close_ids_are_one_range_and_scattered_ones_lists() {
        let chunk: Vec<i64> = (1000..1500).filter(|id| id % 3 != 0).collect();
        assert_eq!(
            id_conditions("enterprise_id", &chunk, 2),
            [(
                "enterprise_id BETWEEN $2 AND $3".to_string(),
                vec![1000, 1499]
            )]
        );
        let scattered: Vec<i64> = (0..300).map(|n| n * 1000).collect();
        let lists = id_conditions("id", &scattered, 1);
        assert_eq!(lists.len(), 4, "256, 32, 8 and 4 ids");
        assert!(lists[0].0.starts_with("id IN ($1, $2,"));
        let listed: Vec<i64> = lists.into_iter().flat_map(|(_, ids)| ids).collect();
        assert_eq!(listed, scattered);
        assert!(id_conditions("id", &[], 1).is_empty());
    }

    #[test]
    fn wide_rows_come_in_fewer_rows_a_statement() {
        let rows: Vec<usize> = (0..100).collect();
        // 12 arguments a row: at most 512 / 12 = 42 rows, so 32 a statement.
        let sizes: Vec<usize> = statement_batches(&rows, 12)
            .iter()
            .map(|b| b.len())
            .collect();
        assert_eq!(sizes, [32, 32, 32, 4]);
        // Wider than the bound: one row a statement, never none.
        assert_eq!(statement_batches(&rows[..3], 600).len(), 3);
    }
}
