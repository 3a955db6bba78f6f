//! Knowledge-graph branch: the R-GCN over the clinical knowledge graph (official
//! `model.graph_model.model.*`) and the per-view cross-attention that turns a view's patch tokens
//! into one graph token (official `model.cross_module.*`).

use crate::config::GraphConfig;
use crate::norm::LayerNorm;
use candle_core::{DType, Device, Module, Result, Tensor, D};
use candle_nn::{Linear, VarBuilder};

/// PyTorch Geometric `RGCNConv` with mean aggregation, root weight and bias:
/// `x_i' = x_i W_root + sum_r mean_{j -> i in E_r} x_j W_r + b`. Weights are stored `[in, out]`
/// (`weight` `[R, in, out]`, `root` `[in, out]`), exactly as PyG keeps them.
#[derive(Debug, Clone)]
struct RgcnConv {
    weight: Tensor,
    root: Tensor,
    bias: Tensor,
}

impl RgcnConv {
    fn new(relations: usize, c_in: usize, c_out: usize, vb: VarBuilder) -> Result<Self> {
        let bound = (1.0 / c_in as f64).sqrt();
        let init = candle_nn::Init::Uniform { lo: -bound, up: bound };
        Ok(RgcnConv {
            weight: vb.get_with_hints((relations, c_in, c_out), "weight", init)?,
            root: vb.get_with_hints((c_in, c_out), "root", init)?,
            bias: vb.get_with_hints(c_out, "bias", candle_nn::init::ZERO)?,
        })
    }

    /// `adjacency` is `[R, N, N]` with row i holding 1/deg_r(i) at every source j of i.
    fn forward(&self, x: &Tensor, adjacency: &Tensor) -> Result<Tensor> {
        let mut out = x.matmul(&self.root)?.broadcast_add(&self.bias)?;
        for r in 0..adjacency.dim(0)? {
            let messages = adjacency.get(r)?.matmul(x)?;
            out = (out + messages.matmul(&self.weight.get(r)?)?)?;
        }
        Ok(out)
    }
}

/// Row-normalised adjacency `[R, N, N]` (target row, source column) from `[src, rel, dst]`
/// edges: messages flow source to target, so nodes without incoming edges keep only their root
/// term, as in the official graph.
pub fn mean_adjacency(cfg: &GraphConfig, dtype: DType, device: &Device) -> Result<Tensor> {
    let n = cfg.nodes.len();
    let mut adj = vec![0f32; cfg.num_relations * n * n];
    for &[src, rel, dst] in &cfg.edges {
        adj[rel * n * n + dst * n + src] = 1.0;
    }
    for row in adj.chunks_mut(n) {
        let degree: f32 = row.iter().sum();
        if degree > 0.0 {
            row.iter_mut().for_each(|v| *v /= degree);
        }
    }
    Tensor::from_vec(adj, (cfg.num_relations, n, n), device)?.to_dtype(dtype)
}

/// R-GCN producing the node embeddings G `[N, hidden]` from stored node features.
#[derive(Debug, Clone)]
pub struct GraphModel {
    /// Node input features `[N, node_feature_dim]` (`model.graph_model.node_features`, not an
    /// official tensor: the official code recomputes them with BERT at start-up).
    node_features: Tensor,
    adjacency: Tensor,
    in_conv: RgcnConv,
    in_norm: LayerNorm,
    layers: Vec<(LayerNorm, RgcnConv)>,
    out_norm: LayerNorm,
}

impl GraphModel {
    /// `vb` points at `model.graph_model`.
    pub fn new(cfg: &GraphConfig, hidden: usize, ln_eps: f64, vb: VarBuilder) -> Result<Self> {
        let n = cfg.nodes.len();
        let node_features =
            vb.get_with_hints((n, cfg.node_feature_dim), "node_features", candle_nn::Init::Randn { mean: 0., stdev: 1. })?;
        let adjacency = mean_adjacency(cfg, vb.dtype(), vb.device())?;
        let m = vb.pp("model");
        let in_conv = RgcnConv::new(cfg.num_relations, cfg.node_feature_dim, hidden, m.pp("in_conv"))?;
        let in_norm = LayerNorm::new(hidden, ln_eps, m.pp("in_norm"))?;
        let layers = (0..cfg.num_rgcn_layers)
            .map(|i| {
                Ok((
                    LayerNorm::new(hidden, ln_eps, m.pp(format!("norms.{i}")))?,
                    RgcnConv::new(cfg.num_relations, hidden, hidden, m.pp(format!("convs.{i}")))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let out_norm = LayerNorm::new(hidden, ln_eps, m.pp("out_norm"))?;
        Ok(GraphModel { node_features, adjacency, in_conv, in_norm, layers, out_norm })
    }

    /// G `[N, hidden]`. Image-independent: inference computes it once.
    pub fn forward(&self) -> Result<Tensor> {
        let mut h = self.in_norm.forward(&self.in_conv.forward(&self.node_features, &self.adjacency)?)?.relu()?;
        for (norm, conv) in &self.layers {
            let update = conv.forward(&norm.forward(&h)?, &self.adjacency)?.relu()?;
            h = (h + update)?;
        }
        self.out_norm.forward(&h)
    }
}

/// Cosine-normalised multi-head cross-attention from patch tokens to graph nodes, mean-pooled and
/// layer-normed into one graph token per view (`model.cross_module.{img2graph,post_norm}`).
#[derive(Debug, Clone)]
pub struct GraphCrossAttention {
    q_proj: Linear,
    k_proj: Linear,
    v_proj: Linear,
    out_proj: Linear,
    post_norm: LayerNorm,
    num_heads: usize,
}

impl GraphCrossAttention {
    /// `vb` points at `model.cross_module`.
    pub fn new(hidden: usize, num_heads: usize, ln_eps: f64, vb: VarBuilder) -> Result<Self> {
        let a = vb.pp("img2graph");
        Ok(GraphCrossAttention {
            q_proj: candle_nn::linear(hidden, hidden, a.pp("q_proj"))?,
            k_proj: candle_nn::linear(hidden, hidden, a.pp("k_proj"))?,
            v_proj: candle_nn::linear(hidden, hidden, a.pp("v_proj"))?,
            out_proj: candle_nn::linear(hidden, hidden, a.pp("out_proj"))?,
            post_norm: LayerNorm::new(hidden, ln_eps, vb.pp("post_norm"))?,
            num_heads,
        })
    }

    /// Patch tokens `[B, L, d]` and node embeddings `[N, d]` to graph tokens `[B, d]`.
    pub fn forward(&self, tokens: &Tensor, nodes: &Tensor) -> Result<Tensor> {
        let (b, l, d) = tokens.dims3()?;
        let n = nodes.dim(0)?;
        let (h, dh) = (self.num_heads, d / self.num_heads);
        let q = l2_normalise(&self.q_proj.forward(tokens)?)?;
        let k = l2_normalise(&self.k_proj.forward(nodes)?)?;
        let v = self.v_proj.forward(nodes)?;
        // Official quirk: heads are a raw row-major reshape of (L, d) into (h, L, dh), i.e.
        // contiguous memory slabs, not the usual per-token split of d.
        let qh = q.contiguous()?.reshape((b, h, l, dh))?;
        let kh = k.contiguous()?.reshape((h, n, dh))?;
        let vh = v.contiguous()?.reshape((h, n, dh))?;
        let scores = (qh.broadcast_matmul(&kh.t()?)? / (dh as f64).sqrt())?;
        let attn = candle_nn::ops::softmax(&scores.to_dtype(DType::F32)?, D::Minus1)?.to_dtype(v.dtype())?;
        let out = attn.broadcast_matmul(&vh)?.transpose(1, 2)?.contiguous()?.reshape((b, l, d))?;
        let out = self.out_proj.forward(&out)?;
        self.post_norm.forward(&out.mean(1)?)
    }
}

/// Rows scaled to unit L2 norm (PyTorch `F.normalize`, eps 1e-12).
pub(crate) fn l2_normalise(x: &Tensor) -> Result<Tensor> {
    let norm = x.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
    x.broadcast_div(&norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacency_means_over_sources_per_relation() -> Result<()> {
        let cfg = GraphConfig {
            nodes: (0..4).map(|i| i.to_string()).collect(),
            edges: vec![[0, 0, 2], [1, 0, 2], [0, 1, 3]],
            num_relations: 2,
            node_feature_dim: 2,
            num_rgcn_layers: 1,
            num_attention_heads: 1,
        };
        let adj = mean_adjacency(&cfg, DType::F32, &Device::Cpu)?.to_vec3::<f32>()?;
        assert_eq!(adj[0][2], vec![0.5, 0.5, 0.0, 0.0]);
        assert_eq!(adj[1][3], vec![1.0, 0.0, 0.0, 0.0]);
        assert_eq!(adj[0][0], vec![0.0; 4]);
        Ok(())
    }
}
