//! Reading policy files from disk, for the CLI and tests. The rest of the crate does no I/O.

use crate::diag::Diagnostic;
use crate::set::{PolicySet, SCHEMA_FILE};
use std::path::Path;

/// The texts of a policy directory (or single file): the schema file if there is one beside
/// them, and every other `*.toml` file as a policy, sorted by file name.
#[allow(clippy::type_complexity)]
pub fn read_sources(
    path: &Path,
) -> Result<(Option<(String, String)>, Vec<(String, String)>), Vec<Diagnostic>> {
    let io_error = |p: &Path, e: std::io::Error| {
        vec![Diagnostic::new(
            &p.display().to_string(),
            0,
            format!("无法读取:{e}"),
            format!("cannot read: {e}"),
        )]
    };
    let (dir, files) = if path.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| io_error(path, e))? {
            let p = entry.map_err(|e| io_error(path, e))?.path();
            let is_policy = p.extension().is_some_and(|x| x == "toml")
                && p.file_name().is_some_and(|n| n != SCHEMA_FILE);
            if is_policy {
                files.push(p);
            }
        }
        files.sort();
        (path.to_path_buf(), files)
    } else {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        (dir, vec![path.to_path_buf()])
    };
    let schema_path = dir.join(SCHEMA_FILE);
    let schema = if schema_path.is_file() {
        let text = std::fs::read_to_string(&schema_path).map_err(|e| io_error(&schema_path, e))?;
        Some((schema_path.display().to_string(), text))
    } else {
        None
    };
    let mut sources = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| io_error(&f, e))?;
        sources.push((f.display().to_string(), text));
    }
    Ok((schema, sources))
}

/// Loads a policy directory (or one policy file with the schema beside it).
pub fn load_dir(path: &Path) -> Result<PolicySet, Vec<Diagnostic>> {
    let (schema, files) = read_sources(path)?;
    PolicySet::from_sources(
        schema.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
        &files,
    )
}
