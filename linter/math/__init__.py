"""The math stage: LaTeX math read into a typed tree, and relation chains into claims. Entry: ``derivlint.math.claims.claims_of``."""
