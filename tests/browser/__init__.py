"""Browser tests of the dashboard.

A package on purpose: tests/test_*.py do ``from conftest import ...``. Without this file pytest
would import tests/browser/conftest.py under the same module name, ``conftest``, and those imports
would find this folder's conftest instead of tests/conftest.py.
"""
