"""Tools for co-investigators' workbooks: compare two copies (reconcile), show what changed (diff, textconv),
carry a workbook into the current codebook (migrate).

Everything here reads workbooks with the validator's own parsing (so "SLE" and "systemic lupus
erythematosus" are the same value) and matches rows by the codebook keys, never by row number.
Nothing here writes to a workbook it reads: every output is a new file.
"""
