//! Compile-time behaviour of the attributes: what compiles, and the exact error (message and
//! span) for each misuse. The `.stderr` files are pinned to the stable toolchain.

#[test]
#[rustversion::attr(not(stable), ignore = "UI output is pinned to the stable toolchain")]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    cases.compile_fail("fail/*.rs");
}
