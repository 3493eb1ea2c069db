//! Weights as safetensors bytes (tensor names follow the module's field paths, e.g.
//! `encoder.layers.0.weight`, stored `[d_in, d_out]`: transpose for `torch.nn.Linear`), with the
//! JSON config beside them. The caller writes the bytes atomically.

use crate::NnError;
use burn::module::Module;
use burn::store::{ModuleSnapshot, SafetensorsStore};

pub fn to_bytes<M: Module>(module: &M) -> Result<Vec<u8>, NnError> {
    let mut store = SafetensorsStore::from_bytes(None);
    module
        .save_into(&mut store)
        .map_err(|e| NnError::Load(format!("saving weights: {e}")))?;
    store
        .get_bytes()
        .map_err(|e| NnError::Load(format!("saving weights: {e}")))
}

/// Loads `bytes` into `module`, which must have been built from the matching config: every
/// tensor present, none left over, every shape equal.
pub fn load_into<M: Module>(module: M, bytes: Vec<u8>) -> Result<M, NnError> {
    let mut module = module;
    let mut store = SafetensorsStore::from_bytes(Some(bytes));
    let result = module
        .load_from(&mut store)
        .map_err(|e| NnError::Mismatch(e.to_string()))?;
    if !result.errors.is_empty() {
        return Err(NnError::Mismatch(format!("{:?}", result.errors[0])));
    }
    if let Some((path, _)) = result.missing.first() {
        return Err(NnError::Mismatch(format!("tensor {path} is missing")));
    }
    if let Some(path) = result.unused.first() {
        return Err(NnError::Mismatch(format!("tensor {path} is not part of the model")));
    }
    Ok(module)
}
