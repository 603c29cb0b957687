-- The language a user chose for the pages (issue 21): en, fr or pl; NULL: her browser's. Keep in step with the other backend.
ALTER TABLE users ADD COLUMN language TEXT;
