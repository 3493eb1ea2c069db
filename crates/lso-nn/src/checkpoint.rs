//! Weights as safetensors bytes (tensor names follow the module's field paths, e.g.
//! `encoder.layers.0.weight`, stored `[d_in, d_out]`: transpose for `torch.nn.Linear`), with the
//! JSON config beside them. The caller writes the bytes atomically.

use crate::NnError;
use burn::module::Module;
use burn::store::{ModuleSnapshot, SafetensorsStore};

/// The module's weights as safetensors bytes in one canonical layout (tensors and metadata in
/// name order), so the same weights always give the same bytes.
pub fn to_bytes<M: Module>(module: &M) -> Result<Vec<u8>, NnError> {
    let mut store = SafetensorsStore::from_bytes(None);
    module
        .save_into(&mut store)
        .map_err(|e| NnError::Load(format!("saving weights: {e}")))?;
    let bytes = store
        .get_bytes()
        .map_err(|e| NnError::Load(format!("saving weights: {e}")))?;
    canonical(&bytes)
}

type Header = std::collections::BTreeMap<String, serde_json::Value>;

fn bad(m: &str) -> NnError {
    NnError::Load(format!("not a safetensors file: {m}"))
}

/// The JSON header of a safetensors file and the offset where its data start.
fn header(bytes: &[u8]) -> Result<(Header, usize), NnError> {
    let n = bytes
        .get(..8)
        .map(|h| u64::from_le_bytes(h.try_into().expect("8 bytes")))
        .ok_or_else(|| bad("shorter than its header length"))?;
    let end = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_add(8))
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad("header runs past the end"))?;
    let header = serde_json::from_slice(&bytes[8..end]).map_err(|e| bad(&e.to_string()))?;
    Ok((header, end))
}

/// Rewrites a safetensors file with its header keys sorted and the tensor data laid out in name
/// order. burn writes both in hash-map order, which differs between runs of the same program.
pub fn canonical(bytes: &[u8]) -> Result<Vec<u8>, NnError> {
    use std::collections::BTreeMap;
    let (header, end) = header(bytes)?;
    let data = &bytes[end..];
    let mut out_header = BTreeMap::new();
    let mut out_data = Vec::with_capacity(data.len());
    for (name, entry) in header {
        if name == "__metadata__" {
            out_header.insert(name, entry);
            continue;
        }
        let offsets = entry["data_offsets"]
            .as_array()
            .ok_or_else(|| bad("a tensor without data_offsets"))?;
        let at = |k: usize| offsets.get(k).and_then(|v| v.as_u64()).map(|v| v as usize);
        let (a, b) = (at(0), at(1));
        let (a, b) = match (a, b) {
            (Some(a), Some(b)) if a <= b && b <= data.len() => (a, b),
            _ => return Err(bad("data_offsets out of range")),
        };
        let start = out_data.len();
        out_data.extend_from_slice(&data[a..b]);
        let mut e = entry.clone();
        e["data_offsets"] = serde_json::json!([start, out_data.len()]);
        out_header.insert(name, e);
    }
    let mut json = serde_json::to_vec(&out_header).map_err(|e| bad(&e.to_string()))?;
    // Pad the header with spaces to keep the data 8-byte aligned, as the reference writer does.
    while (8 + json.len()) % 8 != 0 {
        json.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + json.len() + out_data.len());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&out_data);
    Ok(out)
}

/// Loads `bytes` into `module`, which must have been built from the matching config: every
/// tensor present, none left over, every shape equal.
pub fn load_into<M: Module>(module: M, bytes: Vec<u8>) -> Result<M, NnError> {
    // burn panics on a dtype it did not expect (a PyTorch model saved after `.double()`).
    for (name, entry) in header(&bytes)?.0 {
        let dtype = entry["dtype"].as_str().unwrap_or("?");
        if name != "__metadata__" && dtype != "F32" {
            return Err(NnError::Mismatch(format!(
                "tensor {name} is stored as {dtype}; lso models are float32 (in PyTorch, call .float() before saving)"
            )));
        }
    }
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
    // A loaded model is for inference, as a trained one is returned: batch norms use their
    // running statistics, not the batch's (training switches them back on).
    Ok(module.valid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VaeConfig;

    /// The same weights give the same bytes, and the canonical bytes load back to the same model.
    #[test]
    fn saved_bytes_are_canonical_and_load_back() {
        let cfg = VaeConfig {
            input: 12,
            hidden: vec![8, 6],
            latent: 3,
            output: crate::OutputKind::Tanh,
        };
        let vae = cfg.init(4, &crate::device()).unwrap();
        let bytes = to_bytes(&vae).unwrap();
        for _ in 0..5 {
            assert_eq!(to_bytes(&vae).unwrap(), bytes);
        }
        assert_eq!(canonical(&bytes).unwrap(), bytes, "canonical is idempotent");
        let back = load_into(cfg.init(9, &crate::device()).unwrap(), bytes.clone()).unwrap();
        assert_eq!(to_bytes(&back).unwrap(), bytes);
        // The header's keys are in name order.
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
        let keys: Vec<&str> = header
            .match_indices("\"decoder.")
            .map(|(i, _)| &header[i..i + 20])
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert!(canonical(&bytes[..4]).is_err() && canonical(&bytes[..8 + n - 1]).is_err());
    }

    /// Weights stored as float64 (what a PyTorch `.double()` model saves) are refused with a
    /// message, not a panic inside burn.
    #[test]
    fn float64_weights_are_refused() {
        let cfg = VaeConfig {
            input: 6,
            hidden: vec![4],
            latent: 2,
            output: crate::OutputKind::Tanh,
        };
        let bytes = to_bytes(&cfg.init(1, &crate::device()).unwrap()).unwrap();
        let (h, end) = header(&bytes).unwrap();
        let mut out_h = Header::new();
        let mut data = Vec::new();
        for (name, mut e) in h {
            if name == "__metadata__" {
                out_h.insert(name, e);
                continue;
            }
            let o = e["data_offsets"].as_array().unwrap().clone();
            let (a, b) = (o[0].as_u64().unwrap() as usize, o[1].as_u64().unwrap() as usize);
            let start = data.len();
            for c in bytes[end + a..end + b].chunks(4) {
                data.extend_from_slice(&(f32::from_le_bytes(c.try_into().unwrap()) as f64).to_le_bytes());
            }
            e["dtype"] = "F64".into();
            e["data_offsets"] = serde_json::json!([start, data.len()]);
            out_h.insert(name, e);
        }
        let json = serde_json::to_vec(&out_h).unwrap();
        let mut f64_file = (json.len() as u64).to_le_bytes().to_vec();
        f64_file.extend(json);
        f64_file.extend(data);
        let err = load_into(cfg.init(1, &crate::device()).unwrap(), f64_file)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is stored as F64; lso models are float32"), "{err}");
    }

    #[test]
    fn absurd_sizes_are_refused_before_allocating() {
        let huge = VaeConfig {
            input: 1_000_000_000_000,
            hidden: vec![256],
            latent: 8,
            output: crate::OutputKind::Tanh,
        };
        let err = huge.init(0, &crate::device()).unwrap_err().to_string();
        assert!(err.contains("weights, more than"), "{err}");
        let conv = crate::conv::ConvVaeConfig {
            size: 32,
            channels: vec![4; 70],
            latent: 4,
            arch: Default::default(),
            hidden: None,
        };
        assert!(conv.validate().is_err(), "70 pooling stages do not overflow a shift");
        let wide = crate::conv::ConvVaeConfig {
            size: 1 << 20,
            channels: vec![64],
            latent: 100,
            arch: Default::default(),
            hidden: None,
        };
        assert!(wide.validate().unwrap_err().to_string().contains("weights"));
    }
}
