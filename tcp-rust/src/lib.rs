//! A `no_std` port of lwIP 2.2.1's TCP. See `LICENSE-lwIP` for lwIP's licence.
#![no_std]
#![forbid(unsafe_code)]
