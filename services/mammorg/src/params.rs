//! Parameter storage: every weight is a [`Var`] in a [`VarMap`] so that the same model object
//! serves inference and training. Tensors come from a loaded checkpoint when present, otherwise
//! from a deterministic, per-name seeded initialiser (candle's CPU RNG cannot be seeded).
//!
//! candle records the op graph of every result computed from a variable, so a model run on
//! variables keeps every activation alive (gigabytes for B5 at 512 px). Frozen models therefore
//! get *detached* views of the variables: same storage (so `Var::set`, e.g. a LoRA merge, is seen
//! by the model), no gradient tracking.

use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::init::{Init, NormalOrUniform};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// A [`SimpleBackend`] that returns the preset tensor of a name if there is one, else a seeded
/// random one, and records every tensor it hands out as a trainable variable.
struct ParamStore {
    varmap: VarMap,
    preset: Arc<Mutex<HashMap<String, Tensor>>>,
    seed: u64,
    track_gradients: bool,
}

impl ParamStore {
    fn register(&self, name: &str, tensor: Tensor) -> candle_core::Result<Tensor> {
        let mut vars = self.varmap.data().lock().map_err(|_| candle_core::Error::Msg("poisoned var map".into()))?;
        let var = Var::from_tensor(&tensor)?;
        let out = self.view(&var);
        vars.insert(name.to_string(), var);
        Ok(out)
    }

    fn view(&self, var: &Var) -> Tensor {
        if self.track_gradients {
            var.as_tensor().clone()
        } else {
            var.as_detached_tensor()
        }
    }

    fn existing(&self, name: &str) -> candle_core::Result<Option<Tensor>> {
        let vars = self.varmap.data().lock().map_err(|_| candle_core::Error::Msg("poisoned var map".into()))?;
        Ok(vars.get(name).map(|v| self.view(v)))
    }

    fn take_preset(&self, name: &str) -> candle_core::Result<Option<Tensor>> {
        let mut preset = self.preset.lock().map_err(|_| candle_core::Error::Msg("poisoned preset map".into()))?;
        Ok(preset.remove(name))
    }
}

impl SimpleBackend for ParamStore {
    fn get(&self, s: Shape, name: &str, init: Init, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        if let Some(t) = self.existing(name)? {
            if t.shape() != &s {
                return Err(candle_core::Error::UnexpectedShape { msg: name.to_string(), expected: s, got: t.shape().clone() });
            }
            return Ok(t);
        }
        let tensor = match self.take_preset(name)? {
            Some(t) if t.shape() != &s => {
                return Err(candle_core::Error::UnexpectedShape { msg: name.to_string(), expected: s, got: t.shape().clone() })
            }
            Some(t) => t,
            None => seeded_init(&s, &init, name_seed(self.seed, name))?,
        };
        self.register(name, tensor.to_dtype(dtype)?.to_device(dev)?)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        if let Some(t) = self.existing(name)? {
            return Ok(t);
        }
        match self.take_preset(name)? {
            Some(t) => self.register(name, t.to_dtype(dtype)?.to_device(dev)?),
            None => Err(candle_core::Error::CannotFindTensor { path: name.to_string() }),
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        let in_vars = self.varmap.data().lock().map(|v| v.contains_key(name)).unwrap_or(false);
        in_vars || self.preset.lock().map(|p| p.contains_key(name)).unwrap_or(false)
    }
}

fn name_seed(seed: u64, name: &str) -> u64 {
    // DefaultHasher with fixed keys (SipHash-1-3, zero keys) is stable within a Rust release;
    // a fixed FNV-1a keeps seeds stable across toolchains too.
    let mut h = Fnv(0xcbf2_9ce4_8422_2325 ^ seed);
    name.hash(&mut h);
    h.finish()
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Draws a tensor for candle's [`Init`] hints from a seeded ChaCha stream (f32, CPU).
fn seeded_init(shape: &Shape, init: &Init, seed: u64) -> candle_core::Result<Tensor> {
    let n = shape.elem_count();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let uniform = |rng: &mut ChaCha8Rng, lo: f64, up: f64| -> Vec<f32> {
        let (lo, up) = (lo as f32, up as f32);
        (0..n).map(|_| rng.random_range(lo..=up)).collect()
    };
    let normal = |rng: &mut ChaCha8Rng, mean: f64, std: f64| -> Vec<f32> {
        // Box-Muller, both outputs used: enough for initialisation, no extra dependency, and
        // fast enough for the 7B-sized shape tests.
        let (mean, std) = (mean as f32, std as f32);
        let mut out = Vec::with_capacity(n + 1);
        while out.len() < n {
            let u1: f32 = rng.random_range(f32::EPSILON..1.0);
            let u2: f32 = rng.random::<f32>();
            let r = std * (-2.0 * u1.ln()).sqrt();
            let (sin, cos) = (2.0 * std::f32::consts::PI * u2).sin_cos();
            out.push(mean + r * cos);
            out.push(mean + r * sin);
        }
        out.truncate(n);
        out
    };
    let values = match *init {
        Init::Const(c) => vec![c as f32; n],
        Init::Uniform { lo, up } => uniform(&mut rng, lo, up),
        Init::Randn { mean, stdev } => normal(&mut rng, mean, stdev),
        Init::Kaiming { dist, fan, non_linearity } => {
            let std = non_linearity.gain() / (fan.for_shape(shape).max(1) as f64).sqrt();
            match dist {
                NormalOrUniform::Uniform => uniform(&mut rng, -(3f64.sqrt() * std), 3f64.sqrt() * std),
                NormalOrUniform::Normal => normal(&mut rng, 0.0, std),
            }
        }
    };
    Tensor::from_vec(values, shape.clone(), &Device::Cpu)
}


/// The preset tensors not (yet) consumed by a builder.
pub(crate) type Leftover = Arc<Mutex<HashMap<String, Tensor>>>;

/// A fresh parameter set: a [`VarMap`], the [`VarBuilder`] that fills it, and the presets it
/// has not used so far (after building a model: the tensors the model does not know). With
/// `track_gradients` off the builder hands out detached views (inference).
pub(crate) fn builder<'a>(
    preset: HashMap<String, Tensor>,
    seed: u64,
    track_gradients: bool,
    dtype: DType,
    device: &Device,
) -> (VarMap, VarBuilder<'a>, Leftover) {
    let varmap = VarMap::new();
    let preset = Arc::new(Mutex::new(preset));
    let store = ParamStore { varmap: varmap.clone(), preset: preset.clone(), seed, track_gradients };
    let vb = VarBuilder::from_backend(Box::new(store), dtype, device.clone());
    (varmap, vb, preset)
}

/// Every variable of a var map by name, sorted (deterministic iteration for saving/optimisers).
pub(crate) fn named_vars(varmap: &VarMap) -> Vec<(String, Var)> {
    let mut vars: Vec<(String, Var)> = match varmap.data().lock() {
        Ok(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Err(poisoned) => poisoned.into_inner().iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    };
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_is_deterministic_per_name_and_presets_win() {
        let dev = Device::Cpu;
        let mut preset = HashMap::new();
        preset.insert("b".to_string(), Tensor::ones(3, DType::F32, &dev).expect("t"));
        let (_, vb1, _) = builder(HashMap::new(), 7, true, DType::F32, &dev);
        let (vm2, vb2, _) = builder(preset, 7, false, DType::F32, &dev);
        let a1 = vb1.get_with_hints(4, "a", candle_nn::init::DEFAULT_KAIMING_NORMAL).expect("a1");
        let a2 = vb2.get_with_hints(4, "a", candle_nn::init::DEFAULT_KAIMING_NORMAL).expect("a2");
        assert_eq!(a1.to_vec1::<f32>().expect("v"), a2.to_vec1::<f32>().expect("v"));
        let b = vb2.get_with_hints(3, "b", candle_nn::init::ZERO).expect("b");
        assert_eq!(b.to_vec1::<f32>().expect("v"), vec![1.0; 3]);
        assert_eq!(named_vars(&vm2).len(), 2);
        assert!(vb2.get_with_hints(2, "b", candle_nn::init::ZERO).is_err());
    }
}
