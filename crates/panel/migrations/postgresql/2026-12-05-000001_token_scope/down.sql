-- The expiries the up migration gave cannot be told from chosen ones: they stay.
ALTER TABLE personal_access_tokens DROP COLUMN scope;
