-- Rendered attestations move to the file storage: data_key says where the
-- PDF is. Rows written before keep their bytes in data (and no key); new
-- rows leave data empty.
ALTER TABLE attestations ADD COLUMN data_key TEXT;
