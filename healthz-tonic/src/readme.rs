//! The crate's README.md, whose example is compiled as a doctest so that it stays true.

#[doc = include_str!("../README.md")]
mod readme_doctests {}
