//! Decoding with explicit limits and typed, permanent errors.

use crate::{Envelope, Event};
use serde::Deserialize;
use serde_json::value::RawValue;
use uuid::Uuid;

/// Limits applied before and while decoding.
#[derive(Debug, Clone, Copy)]
pub struct EventLimits {
    pub max_event_bytes: usize,
}

impl Default for EventLimits {
    fn default() -> Self {
        EventLimits { max_event_bytes: 256 * 1024 }
    }
}

/// Why a message could not become a typed event. All variants are permanent: re-reading the
/// same bytes gives the same error, so the message goes to the dead-letter topic.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("event is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("not a valid event envelope: {0}")]
    Malformed(String),
    #[error("event type {found:?} on a topic of {expected:?}")]
    WrongType { expected: &'static str, found: String },
    #[error("unsupported schema version {found} of {event_type} (supported: {supported})")]
    UnsupportedVersion { event_type: String, found: u32, supported: u32 },
    #[error("invalid payload of {event_type}: {reason}")]
    InvalidPayload { event_type: String, reason: String },
}

impl DecodeError {
    /// Short machine-readable kind for metrics labels and the dead-letter table.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Malformed(_) => "malformed",
            DecodeError::WrongType { .. } => "wrong_type",
            DecodeError::UnsupportedVersion { .. } => "unsupported_version",
            DecodeError::InvalidPayload { .. } => "invalid_payload",
        }
    }
}

/// The envelope with its payload left undecoded: enough to route, dedupe and dead-letter.
#[derive(Debug, Deserialize)]
pub struct RawEnvelope<'a> {
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: u32,
    pub correlation_id: Uuid,
    #[serde(borrow)]
    pub payload: &'a RawValue,
}

/// Reads the envelope header only (for dead letters of events whose payload is bad).
pub fn peek(bytes: &[u8]) -> Option<RawEnvelope<'_>> {
    serde_json::from_slice(bytes).ok()
}

/// Decodes and validates one event of type `E`.
pub fn decode<E: Event>(bytes: &[u8], limits: &EventLimits) -> Result<Envelope<E>, DecodeError> {
    if bytes.len() > limits.max_event_bytes {
        return Err(DecodeError::TooLarge { size: bytes.len(), limit: limits.max_event_bytes });
    }
    let raw: RawEnvelope<'_> =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if raw.event_type != E::TYPE {
        return Err(DecodeError::WrongType { expected: E::TYPE, found: raw.event_type });
    }
    if raw.schema_version != E::VERSION {
        return Err(DecodeError::UnsupportedVersion {
            event_type: raw.event_type,
            found: raw.schema_version,
            supported: E::VERSION,
        });
    }
    let invalid = |reason: String| DecodeError::InvalidPayload { event_type: E::TYPE.to_string(), reason };
    let envelope: Envelope<E> = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    envelope.payload.validate().map_err(invalid)?;
    Ok(envelope)
}
