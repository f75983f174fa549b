"""CSV/XLSX imports: stream rows, validate each, write all or nothing."""
