//! Where networks run: burn's `flex` CPU backend, always built, or its `wgpu` backend (Vulkan,
//! Metal or DX12 through wgpu), built with the `wgpu` cargo feature. The choice is a setting
//! (`device = "cpu" | "wgpu"`), never a requirement: every path also runs on the CPU.
//!
//! Only the CPU backend has the fused periodic convolution; on wgpu the conv VAE falls back to
//! circular padding + `conv2d` ([`crate::periodic::composite_periodic_conv3x3`]).

use crate::NnError;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn's pure-Rust `flex` backend.
    #[default]
    Cpu,
    /// burn's `wgpu` backend on the best adapter wgpu finds (`CUBECL_WGPU_DEFAULT_DEVICE`
    /// overrides it); on a machine without a GPU, Mesa's software Vulkan driver is one.
    Wgpu,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Cpu => "cpu",
            Backend::Wgpu => "wgpu",
        })
    }
}

impl Backend {
    /// Whether this build has the backend: `cpu` always, `wgpu` with the cargo feature.
    pub fn built(self) -> bool {
        match self {
            Backend::Cpu => true,
            Backend::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// A clear error when this build lacks the backend, before any work starts.
    pub fn check_built(self) -> Result<(), NnError> {
        if self.built() {
            Ok(())
        } else {
            Err(NnError::Backend(format!(
                "this lso was built without the `{self}` backend; rebuild with \
                 `cargo build --release --features {self}`"
            )))
        }
    }

    /// The inference device (no autodiff). The first call for wgpu opens the adapter; an
    /// error says why none could be opened.
    pub fn device(self) -> Result<Device, NnError> {
        match self {
            Backend::Cpu => Ok(Device::flex()),
            Backend::Wgpu => wgpu_device(),
        }
    }

    /// The training device: [`Self::device`] with autodiff.
    pub fn train_device(self) -> Result<Device, NnError> {
        Ok(self.device()?.autodiff())
    }
}

/// `module` with its parameters moved to the CPU (flex), whatever backend trained it.
pub fn to_cpu<M: burn::module::Module>(module: M) -> M {
    module.to_device(&Device::flex())
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device, NnError> {
    use std::sync::OnceLock;
    // burn opens the runtime once per process and refuses a second initialisation, so the
    // first outcome, device or error, is kept.
    static DEVICE: OnceLock<Result<Device, String>> = OnceLock::new();
    DEVICE
        .get_or_init(|| Device::wgpu_options().init().map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| NnError::Backend(format!("cannot open a wgpu device: {e}")))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Result<Device, NnError> {
    Backend::Wgpu.check_built()?;
    unreachable!("check_built fails without the feature")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_backend_is_always_there_and_names_parse() {
        assert!(Backend::Cpu.built());
        assert!(Backend::Cpu.train_device().is_ok());
        let b: Backend = serde_json::from_str("\"wgpu\"").unwrap();
        assert_eq!(b, Backend::Wgpu);
        assert!(serde_json::from_str::<Backend>("\"cuda\"").is_err());
    }

    #[cfg(not(feature = "wgpu"))]
    #[test]
    fn wgpu_without_the_feature_says_how_to_build_it() {
        let e = Backend::Wgpu.train_device().unwrap_err().to_string();
        assert!(e.contains("--features wgpu"), "{e}");
    }
}
