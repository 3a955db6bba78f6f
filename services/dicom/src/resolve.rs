//! Turning an event's URI into a file we are allowed to open.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("DICOMweb retrieval is not supported yet: {0}")]
    UnsupportedScheme(String),
    #[error("path {0} is not absolute")]
    NotAbsolute(String),
    #[error("path {0} is outside the configured DICOM roots")]
    OutsideRoots(String),
    #[error("file not found: {0}")]
    NotFound(String),
    #[error("no DICOM roots are configured; refusing to read {0}")]
    NoRoots(String),
}

/// Resolves a plain absolute path or a `file://` URI to a canonical path inside one of `roots`.
/// Canonicalising first means `..` segments and symlinks cannot escape a root.
pub fn resolve_uri(uri: &str, roots: &[PathBuf]) -> Result<PathBuf, ResolveError> {
    let raw = if let Some(rest) = uri.strip_prefix("file://") {
        // file:///abs/path (empty authority) or file://localhost/abs/path.
        rest.strip_prefix("localhost").unwrap_or(rest)
    } else if uri.contains("://") {
        return Err(ResolveError::UnsupportedScheme(uri.to_string()));
    } else {
        uri
    };
    let path = Path::new(raw);
    if !path.is_absolute() {
        return Err(ResolveError::NotAbsolute(uri.to_string()));
    }
    if roots.is_empty() {
        return Err(ResolveError::NoRoots(uri.to_string()));
    }
    let canonical = path.canonicalize().map_err(|_| ResolveError::NotFound(uri.to_string()))?;
    let inside = roots
        .iter()
        .filter_map(|root| root.canonicalize().ok())
        .any(|root| canonical.starts_with(root));
    if inside {
        Ok(canonical)
    } else {
        Err(ResolveError::OutsideRoots(uri.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_paths_inside_roots_only() -> std::io::Result<()> {
        let root = tempfile::tempdir()?;
        let other = tempfile::tempdir()?;
        std::fs::write(root.path().join("a.dcm"), b"x")?;
        std::fs::write(other.path().join("b.dcm"), b"x")?;
        let roots = vec![root.path().to_path_buf()];
        let inside = root.path().join("a.dcm");
        assert!(resolve_uri(inside.to_str().unwrap_or_default(), &roots).is_ok());
        let as_uri = format!("file://{}", inside.display());
        assert!(resolve_uri(&as_uri, &roots).is_ok());
        let escape = format!("{}/../{}/b.dcm", root.path().display(),
            other.path().file_name().and_then(|n| n.to_str()).unwrap_or_default());
        assert!(matches!(resolve_uri(&escape, &roots), Err(ResolveError::OutsideRoots(_)) | Err(ResolveError::NotFound(_))));
        let outside = other.path().join("b.dcm");
        assert!(matches!(resolve_uri(outside.to_str().unwrap_or_default(), &roots), Err(ResolveError::OutsideRoots(_))));
        assert!(matches!(resolve_uri("relative/a.dcm", &roots), Err(ResolveError::NotAbsolute(_))));
        assert!(matches!(resolve_uri("https://pacs/wado/1", &roots), Err(ResolveError::UnsupportedScheme(_))));
        assert!(matches!(resolve_uri(inside.to_str().unwrap_or_default(), &[]), Err(ResolveError::NoRoots(_))));
        Ok(())
    }
}
