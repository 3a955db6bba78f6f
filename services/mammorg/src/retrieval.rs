//! Report-retrieval token (official `model.patient_rag.*`): soft attention over a database of
//! report embeddings stored with the checkpoint.

use crate::config::RetrievalConfig;
use crate::graph::l2_normalise;
use crate::norm::LayerNorm;
use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{Linear, VarBuilder};

/// Checkpoint name of the database matrix `[N, embed_dim]` (not official: the authors ship it
/// as a separate JSON file). It is a buffer, never trained.
pub const REPORT_DB_TENSOR: &str = "model.patient_rag.report_db";

#[derive(Debug, Clone)]
pub struct ReportRetrieval {
    adapter1: Linear,
    adapter2: Linear,
    norm: LayerNorm,
    database: Tensor,
    temperature: f64,
}

impl ReportRetrieval {
    /// `vb` points at `model.patient_rag`; `hidden` is the vision width (2048 for B5).
    pub fn new(cfg: &RetrievalConfig, hidden: usize, ln_eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(ReportRetrieval {
            adapter1: candle_nn::linear(4 * hidden, cfg.embed_dim, vb.pp("adapter1"))?,
            adapter2: candle_nn::linear(cfg.embed_dim, hidden, vb.pp("adapter2"))?,
            norm: LayerNorm::new(hidden, ln_eps, vb.pp("norm"))?,
            database: vb.get_with_hints(
                (cfg.database_size, cfg.embed_dim),
                "report_db",
                candle_nn::Init::Randn { mean: 0., stdev: 1. },
            )?,
            // Official: cos / sqrt(2048), the vision width.
            temperature: (hidden as f64).sqrt(),
        })
    }

    /// The four views' patch tokens (`[B, L, d]` each, order RCC, RMLO, LCC, LMLO) to the report
    /// token `[B, d]`.
    pub fn forward(&self, views: &[Tensor; 4]) -> Result<Tensor> {
        let pooled = Tensor::cat(views, D::Minus1)?.mean(1)?;
        let query = self.adapter1.forward(&pooled)?;
        let db = self.database.to_dtype(query.dtype())?;
        // Zero rows (empty reports) stay zero after the eps-clamped normalisation.
        let cos = l2_normalise(&query)?.matmul(&l2_normalise(&db)?.t()?)?;
        let weights = candle_nn::ops::softmax(&(cos.to_dtype(DType::F32)? / self.temperature)?, D::Minus1)?;
        let retrieved = weights.to_dtype(db.dtype())?.matmul(&db)?;
        self.norm.forward(&self.adapter2.forward(&retrieved)?)
    }
}
