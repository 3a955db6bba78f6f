//! triage stage (being written).
