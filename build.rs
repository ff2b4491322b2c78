//! Links the shop's release wasm with its relocations when it is to be split (feature
//! `split`, scripts/build-app.sh): scripts/split-wasm.sh needs them to cut the lazy routes
//! out. Only that one binary's link changes, so every other build (the staff app, tests,
//! `trunk serve`, the server) shares the same compiled dependencies and carries no
//! relocations.
//!
//! It also hands the app the built-in help file's `phone_tel` (`BUNDLED_PHONE_TEL`,
//! src/lib.rs): the help bar's "Call us" dials it until the server says the owner's current
//! number, and the first load carries that one string instead of the whole file and a
//! JSON reader for it.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=content/help.json");
    let text = std::fs::read_to_string("content/help.json").expect("content/help.json is readable");
    let help: serde_json::Value = serde_json::from_str(&text).expect("content/help.json is JSON");
    let tel = help["phone_tel"]
        .as_str()
        .expect("content/help.json has a phone_tel");
    println!("cargo::rustc-env=STOREFRONT_BUNDLED_PHONE_TEL={tel}");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    if wasm && std::env::var_os("CARGO_FEATURE_SPLIT").is_some() {
        println!("cargo::rustc-link-arg-bin=storefront=--emit-relocs");
    }
}
