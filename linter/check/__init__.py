"""The check stage: shapes, numeric and exact truth, and the corrected formulas. Entry: ``derivlint.check.truth.analyse_claims``."""
