-- The screening exam's date (DICOM StudyDate): the audit counts exams by the day they were
-- performed, not by the day they reached mammoflow (a backlog or a replay must not move an exam
-- into another period). NULL when the header had none or it was not a valid date; the audit
-- then falls back to the day the study was stored.

ALTER TABLE studies ADD COLUMN study_date date;

-- The audit's window and period key, as one expression so the index serves it.
CREATE INDEX studies_exam_date_idx ON studies ((COALESCE(study_date, (created_at AT TIME ZONE 'UTC')::date)));
