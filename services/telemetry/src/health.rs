use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// State of one component (a consumer, the database pool, the broker connection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ComponentStatus {
    Starting,
    Ok,
    Degraded { reason: String },
    Down { reason: String },
}

/// Health of a process: ready when every registered component is `Ok` or `Degraded`.
#[derive(Debug, Clone, Default)]
pub struct Health {
    components: Arc<RwLock<BTreeMap<String, ComponentStatus>>>,
}

impl Health {
    pub fn set(&self, component: &str, status: ComponentStatus) {
        if let Ok(mut map) = self.components.write() {
            map.insert(component.to_string(), status);
        }
    }

    pub fn snapshot(&self) -> BTreeMap<String, ComponentStatus> {
        self.components.read().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn is_ready(&self) -> bool {
        self.snapshot()
            .values()
            .all(|s| matches!(s, ComponentStatus::Ok | ComponentStatus::Degraded { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_no_component_is_down_or_starting() {
        let h = Health::default();
        assert!(h.is_ready(), "no components: nothing is failing");
        h.set("db", ComponentStatus::Starting);
        assert!(!h.is_ready());
        h.set("db", ComponentStatus::Ok);
        h.set("broker", ComponentStatus::Degraded { reason: "retrying".into() });
        assert!(h.is_ready());
        h.set("broker", ComponentStatus::Down { reason: "refused".into() });
        assert!(!h.is_ready());
    }
}
