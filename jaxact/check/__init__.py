"""The checks: the derivative checker, the mpmath oracles and the ulp audit.

Owns :mod:`jaxact.check.gradcheck` (the checker and its report, ``python -m
jaxact.check``), :mod:`jaxact.check.oracles` (high-precision truths with mpmath) and
:mod:`jaxact.check.ulp_audit` (the catalog against those truths, in ulps). It may
import the catalog and nothing above it.
"""
