-- The model's malignancy probability for the exam (the stage-1 heads' suspicious BI-RADS mass,
-- worse breast), as the report.generated event carries it: the audit watches its distribution
-- for drift. NULL for reports stored before this column existed.

ALTER TABLE ai_reports ADD COLUMN malignancy_probability real
    CHECK (malignancy_probability BETWEEN 0 AND 1);
