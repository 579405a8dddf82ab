//! lwIP's error codes.
//!
//! Port of lwIP's `err_t` / `err_enum_t` (err.h). The type is defined once
//! for the port, the C stack's driver and the harness, in `lwip-vocab`, and
//! re-exported here: [`Err`] (`#[repr(i8)]`, each variant the value of the C
//! enumerator it mirrors, `Err::ALL`, `Err::from_raw`, `Err::as_raw`,
//! lwIP's names).
//!
//! The enum is called [`Err`] after lwIP's `err_t`. Note that importing it
//! shadows the prelude's `Result::Err` in the *type* namespace only; the
//! `Err(..)` constructor and pattern of `Result` keep working, but modules
//! that use both may prefer `use crate::err::Err as LwipErr`.

/// Port of lwIP's `err_enum_t` (err.h); `#[repr(i8)]` like `err_t` (`s8_t`).
pub use lwip_vocab::Err;
