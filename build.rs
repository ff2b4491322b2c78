//! Links the shop's release wasm with its relocations when it is to be split (feature
//! `split`, scripts/build-app.sh): scripts/split-wasm.sh needs them to cut the lazy routes
//! out. Only that one binary's link changes, so every other build (the staff app, tests,
//! `trunk serve`, the server) shares the same compiled dependencies and carries no
//! relocations.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    if wasm && std::env::var_os("CARGO_FEATURE_SPLIT").is_some() {
        println!("cargo::rustc-link-arg-bin=storefront=--emit-relocs");
    }
}
