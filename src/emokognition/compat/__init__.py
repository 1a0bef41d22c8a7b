"""Drop-in APIs of peer packages, backed by emokognition's models.

`emokognition.compat.fer`: the `fer` package's `FER`, `Video` and `InvalidImage`; a script
that used `fer` changes its import line only.
"""
