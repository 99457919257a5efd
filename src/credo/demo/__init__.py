"""The demo city: a seeded, reproducible population and its records, loaded through the real
write path (``records.validate.StatementValidator`` + ``records.service.append_statements``)."""
