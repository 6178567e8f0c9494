"""Pure image kernels, one module per family (``geometric``, ``noise``, ...).

Kernels are plain functions of arrays and numbers: no randomness, no sample
dicts, no validation; the transform classes draw parameters and validate.
"""
