//! Empty on purpose: the tests live in the `it` integration-test binary (`tests/it/`).
