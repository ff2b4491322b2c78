//! Two `main`s: the server with feature `ssr`, the browser app with feature `csr`.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    storefront::server::run().await
}

#[cfg(all(feature = "csr", not(feature = "ssr")))]
fn main() {
    storefront::app::start();
}

#[cfg(not(any(feature = "csr", feature = "ssr")))]
fn main() {
    eprintln!("Build with `--features ssr` for the server or `--features csr` for the browser app (see README.md).");
    std::process::exit(2);
}
