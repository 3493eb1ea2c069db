use thiserror::Error;

#[derive(Debug, Error)]
pub enum NnError {
    #[error("invalid config: {0}")]
    Config(String),
    #[error("data: {0}")]
    Data(String),
    #[error("model file does not match its config: {0}")]
    Mismatch(String),
    #[error("cannot read model: {0}")]
    Load(String),
    #[error("backend: {0}")]
    Backend(String),
    #[error("training diverged (loss {loss}) at epoch {epoch}")]
    Diverged { epoch: usize, loss: f64 },
}
