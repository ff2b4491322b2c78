//! Two `main`s: the server with feature `ssr`, the browser app with feature `csr`.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("hash-password") {
        return hash_password();
    }
    storefront::api::register_server_fns();
    storefront::server::run().await
}

/// `storefront hash-password`: reads a password from standard input and prints the
/// Argon2id hash to put in `STOREFRONT_AGENTS` as `name:hash`.
#[cfg(feature = "ssr")]
fn hash_password() -> std::process::ExitCode {
    let mut password = String::new();
    if std::io::stdin().read_line(&mut password).is_err() {
        eprintln!("storefront: could not read a password from standard input");
        return std::process::ExitCode::from(2);
    }
    match storefront::server::agents::hash_password(password.trim_end_matches(['\r', '\n'])) {
        Ok(hash) => {
            println!("{hash}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("storefront: {e}");
            std::process::ExitCode::from(2)
        }
    }
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
