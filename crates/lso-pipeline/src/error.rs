//! The pipeline's typed error. Front ends tell the two kinds apart by variant: [`Error::Usage`]
//! is a problem with what the user asked for (flags, config values, config files: exit code 2 in
//! the CLI, `ValueError` in Python); everything else is a failure of data, files or numerics.

use std::fmt::Display;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What the user asked for is wrong; the message names the file and key.
    #[error("{0}")]
    Usage(String),
    /// Bad data, corrupt or missing files, failed writes; the message names the file.
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Physics(#[from] lso_physics::PhysicsError),
    #[error(transparent)]
    Nn(#[from] lso_nn::NnError),
    #[error(transparent)]
    Opt(#[from] lso_opt::OptError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }

    /// The same kind of error with `context` in front of its message.
    fn within(self, context: impl Display) -> Error {
        match self {
            Error::Usage(m) => Error::Usage(format!("{context}: {m}")),
            other => Error::Failed(format!("{context}: {other}")),
        }
    }
}

/// A usage error (exit code 2).
pub fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

/// A failure with a formatted message, like `anyhow!`.
#[macro_export]
macro_rules! fail {
    ($($t:tt)*) => { $crate::error::Error::Failed(format!($($t)*)) };
}
pub use crate::fail;

/// Context in front of an error message, keeping a usage error a usage error.
pub trait Context<T> {
    fn context(self, context: impl Display) -> Result<T>;
    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Display) -> Result<T> {
        self.map_err(|e| e.into().within(context))
    }
    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| e.into().within(context()))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, context: impl Display) -> Result<T> {
        self.ok_or_else(|| Error::Failed(context.to_string()))
    }
    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.ok_or_else(|| Error::Failed(context().to_string()))
    }
}

impl From<toml::ser::Error> for Error {
    fn from(e: toml::ser::Error) -> Self {
        Error::Failed(format!("serialising TOML: {e}"))
    }
}

impl From<image::ImageError> for Error {
    fn from(e: image::ImageError) -> Self {
        Error::Failed(e.to_string())
    }
}

/// Collects the problems found while checking a config, each prefixed by file and key.
pub struct Checker<'a> {
    origin: &'a str,
    problems: Vec<String>,
    names: &'a [(&'a str, &'a str)],
}

impl<'a> Checker<'a> {
    pub fn new(origin: &'a str) -> Self {
        Self {
            origin,
            problems: Vec::new(),
            names: &[],
        }
    }
    /// Names keys as the user wrote them (command-line flags for a config built from flags).
    pub fn naming(mut self, names: &'a [(&'a str, &'a str)]) -> Self {
        self.names = names;
        self
    }
    pub fn require(&mut self, ok: bool, key: &str, msg: impl FnOnce() -> String) {
        if !ok {
            let key = self.names.iter().find(|(k, _)| *k == key).map_or(key, |(_, n)| *n);
            self.problems.push(format!("{}: {key} {}", self.origin, msg()));
        }
    }
    /// The first problem as a usage error (one line), if any.
    pub fn finish(self) -> Result<()> {
        match self.problems.into_iter().next() {
            Some(p) => Err(usage(p)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_kind_of_error() {
        let r: Result<()> = Err(usage("x.toml: bad"));
        let e = r.context("loading config").unwrap_err();
        assert!(e.is_usage());
        assert_eq!(e.to_string(), "loading config: x.toml: bad");
        let r: std::result::Result<(), std::io::Error> = Err(std::io::Error::other("gone"));
        let e = r.context("a.npy").unwrap_err();
        assert!(!e.is_usage());
        assert_eq!(e.to_string(), "a.npy: gone");
    }
}
