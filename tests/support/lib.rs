//! Test support: real local services for the integration tests.
