"""Reading and writing files: atomic, deterministic writes; safe workbook reads."""
