//! Exit codes: usage errors (flags, config values, config files) exit 2, everything else 1.

/// A usage error (exit code 2), as the pipeline's own.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    lso_pipeline::Error::Usage(msg.into()).into()
}

/// Exit code for an error chain: 2 if any link is a usage error, else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    let is_usage =
        |e: &(dyn std::error::Error + 'static)| e.downcast_ref::<lso_pipeline::Error>().is_some_and(|e| e.is_usage());
    if err.chain().any(is_usage) {
        2
    } else {
        1
    }
}
