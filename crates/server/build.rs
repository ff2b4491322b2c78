fn main() {
    // The migrations are embedded in the binary; rebuild when one is added or changed.
    println!("cargo:rerun-if-changed=../../migrations");
}
