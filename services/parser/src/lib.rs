//! parser stage (being written).
