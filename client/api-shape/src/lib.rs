//! Compile-time checks of kctl-client's public API (issue 18), in a crate
//! of their own so that programs which must not compile can live next to
//! the workspace without breaking its build.
//!
//! - `compile_fail/*.rs` are examples behind the `compile-fail` feature.
//!   `tests/api_shape.rs` checks each with cargo and requires exactly the
//!   compiler error its comment states (code and message), so none can pass
//!   by failing for an unrelated reason. Stable rustdoc does not check the
//!   error code of a `compile_fail,E....` doctest, which is why these are
//!   not doctests.
//! - The passing twins are ordinary tests in `tests/api_shape.rs`: if one
//!   stops compiling, the test target does.
//!
//! The library itself is empty.
