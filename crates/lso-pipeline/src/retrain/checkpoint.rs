//! A loop's state after its last finished round, in one directory swapped in whole
//! ([`Staging`]): `state.json` (rounds and values), `rows.npy` (the configurations added) and,
//! once retrained, `vae.safetensors`.

use super::RoundRecord;
use crate::error::{fail, Result};
use crate::rundir::{read_json, Staging};
use lso_physics::npy;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Serialize, Deserialize)]
struct Stored {
    key: String,
    rounds: Vec<RoundRecord>,
    /// JSON has no infinity: `null` is a configuration the objective cannot rank (+∞).
    values: Vec<Option<f64>>,
}

pub struct State {
    pub key: String,
    pub rounds: Vec<RoundRecord>,
    pub values: Vec<f64>,
    pub rows: Vec<f32>,
    pub vae: Option<Vec<u8>>,
}

impl State {
    pub fn fresh(key: String) -> Self {
        Self {
            key,
            rounds: Vec::new(),
            values: Vec::new(),
            rows: Vec::new(),
            vae: None,
        }
    }
}

/// The checkpoint in `dir`, if there is one; one made by other settings is an error.
pub fn load(dir: &Path, key: &str, width: usize) -> Result<Option<State>> {
    let file = dir.join("state.json");
    if !file.exists() {
        return Ok(None);
    }
    let s: Stored = read_json(&file)?;
    if s.key != key {
        return Err(fail!(
            "{}: a retraining checkpoint made with other settings; remove it or use another directory",
            file.display()
        ));
    }
    let rows_file = dir.join("rows.npy");
    let bytes = std::fs::read(&rows_file).map_err(|e| fail!("{}: cannot read: {e}", rows_file.display()))?;
    let a = npy::decode(&bytes).map_err(|e| fail!("{}: {e}", rows_file.display()))?;
    let rows: Vec<f32> = (0..a.data.len()).map(|i| a.data.get_f64(i) as f32).collect();
    if a.shape != [s.values.len(), width] {
        return Err(fail!(
            "{}: shape {:?}, but state.json holds {} values of {width} sites each",
            rows_file.display(),
            a.shape,
            s.values.len()
        ));
    }
    let w = dir.join("vae.safetensors");
    let vae = if w.exists() {
        Some(std::fs::read(&w).map_err(|e| fail!("{}: cannot read: {e}", w.display()))?)
    } else {
        None
    };
    Ok(Some(State {
        key: s.key,
        rounds: s.rounds,
        values: s.values.iter().map(|v| v.unwrap_or(f64::INFINITY)).collect(),
        rows,
        vae,
    }))
}

pub fn save(dir: &Path, s: &State, width: usize, vae: Option<&[u8]>) -> Result<()> {
    let out = Staging::new(dir, true)?;
    out.write("rows.npy", &npy::encode(&[s.values.len(), width], &s.rows))?;
    if let Some(b) = vae {
        out.write("vae.safetensors", b)?;
    }
    out.write_json(
        "state.json",
        &Stored {
            key: s.key.clone(),
            rounds: s.rounds.clone(),
            values: s.values.iter().map(|v| v.is_finite().then_some(*v)).collect(),
        },
    )?;
    out.commit()?;
    Ok(())
}
