//! Structured results of parsing AI reports and radiologists' free text (`parsed_reports`).
