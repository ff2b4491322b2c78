//! The staff app's `main` (feature `csr`, wasm32): the agent console and the warehouse
//! back-office, a bundle of their own (`staff.html`).

fn main() {
    storefront::console::start();
}
