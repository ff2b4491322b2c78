//! The backend: configuration, database, the services behind the server
//! functions, and the axum app that serves the built storefront and `/api`.

pub mod accounts;
pub mod agents;
pub mod bus;
pub mod catalog;
pub mod changes;
pub mod checkout;
pub mod clock;
pub mod config;
pub mod courier;
pub mod db;
pub mod desk;
pub mod fulfilment;
pub mod headers;
pub mod http;
pub mod images;
pub mod jobs;
pub mod mail;
pub mod offers;
pub mod orders;
pub mod payment;
pub mod recommend;
pub mod returns;
pub mod reviews;
pub mod search;
pub mod seed;
pub mod session;
pub mod stock;
pub mod streams;

use config::Config;
use db::Db;
use std::sync::Arc;
use storefront_domain::date::CalendarDate;
use storefront_model::ShopError;

/// What every request handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub search: Arc<search::SearchEngine>,
    pub centres: Arc<stock::Centres>,
    /// Every stock change, for the pages that show it live.
    pub live: tokio::sync::broadcast::Sender<stock::StockChange>,
    pub outbox: Arc<mail::Outbox>,
    /// Set to `true` when the server begins to stop, so long-lived streams end.
    pub stopping: tokio::sync::watch::Sender<bool>,
    pub gateway: Arc<dyn payment::PaymentGateway>,
    /// Checkout attempts with the same key take turns.
    pub attempts: Arc<checkout::AttemptLocks>,
    /// Contact details, hours, answers and policies (`STOREFRONT_HELP`).
    pub help: Arc<storefront_domain::content::HelpContent>,
    /// Live chat and call-backs: events, agents online, rate counters.
    pub desk: Arc<desk::HelpDesk>,
    /// Places for open anonymous live-event streams.
    pub streams: Arc<streams::StreamSlots>,
    /// Orders that just changed (by id), for their open status pages.
    pub order_events: tokio::sync::broadcast::Sender<i64>,
    /// Who reports on parcels once they ship.
    pub couriers: Arc<dyn courier::Courier>,
    /// The built-in courier (it stands in for every carrier): its demo clock and the
    /// admin API drive it.
    pub test_courier: Arc<courier::TestCourier>,
    /// Who bought what, for recommendations (brought up to date as orders come in).
    pub recommender: Arc<recommend::Recommender>,
    /// One run of the jobs at a time in this process (`jobs::Jobs::run_due`).
    pub jobs_running: Arc<tokio::sync::Mutex<()>>,
    /// The other shop processes on the same PostgreSQL database ([`bus`]).
    pub bus: Arc<bus::Bus>,
}

impl AppState {
    /// Tells the open pages of order `id`, in every process, that it changed.
    pub fn order_changed(&self, id: i64) {
        let _ = self.order_events.send(id);
        self.bus.tell(bus::Note::Order { id });
    }

    /// Re-reads these products (or all) into the search index, here and in every other
    /// process.
    pub async fn refresh_search(
        &self,
        products: Option<&[i64]>,
    ) -> Result<(), search::SearchError> {
        self.bus.tell(bus::Note::Search {
            products: products.map(<[i64]>::to_vec),
        });
        self.search.refresh(&self.db.read, products).await
    }

    pub fn catalog(&self) -> catalog::Catalog<'_> {
        catalog::Catalog::new(self)
    }

    pub fn orders(&self) -> orders::Orders<'_> {
        orders::Orders::new(self)
    }

    pub fn stock(&self) -> stock::Stock<'_> {
        stock::Stock::new(self)
    }

    pub fn checkout(&self) -> checkout::Checkout<'_> {
        checkout::Checkout::new(self)
    }

    pub fn desk(&self) -> desk::Desk<'_> {
        desk::Desk::new(self)
    }

    pub fn fulfilment(&self) -> fulfilment::Fulfilment<'_> {
        fulfilment::Fulfilment::new(self)
    }

    pub fn changes(&self) -> changes::Changes<'_> {
        changes::Changes::new(self)
    }

    pub fn returns(&self) -> returns::Returns<'_> {
        returns::Returns::new(self)
    }

    pub fn accounts(&self) -> accounts::Accounts<'_> {
        accounts::Accounts::new(self)
    }

    pub fn agents(&self) -> agents::Agents<'_> {
        agents::Agents::new(self)
    }

    pub fn reviews(&self) -> reviews::Reviews<'_> {
        reviews::Reviews::new(self)
    }

    pub fn recommendations(&self) -> recommend::Recommendations<'_> {
        recommend::Recommendations::new(self)
    }

    pub fn offers(&self) -> offers::Offers<'_> {
        offers::Offers::new(self)
    }

    pub fn jobs(&self) -> jobs::Jobs<'_> {
        jobs::Jobs::new(self)
    }

    /// Runs the jobs due now, after the current answer (one just scheduled for now).
    pub fn run_jobs_soon(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            state.jobs().run_due(unix_now()).await;
        });
    }

    /// Delivers the mail queued so far, after the current answer instead of on its path
    /// (the outbox keeps each message until its server took it).
    pub fn deliver_mail_soon(&self) {
        self.outbox.deliver_soon(&self.db.write);
    }
}

/// What a long-lived event stream receives: a message, or word that it fell behind (and
/// should have its page read everything again).
pub enum Heard<T> {
    Message(T),
    FellBehind,
}

/// The messages of a broadcast channel for an event stream, until the channel closes or
/// the shop starts to stop (so open streams never hold a shutdown open).
pub fn until_stopping<T: Clone + Send + 'static>(
    rx: tokio::sync::broadcast::Receiver<T>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> impl futures_util::Stream<Item = Heard<T>> + Send {
    use tokio::sync::broadcast::error::RecvError;
    futures_util::stream::unfold((rx, stop), |(mut rx, mut stop)| async move {
        if *stop.borrow() {
            return None;
        }
        let received = tokio::select! {
            biased;
            r = rx.recv() => r,
            _ = stop.changed() => return None,
        };
        match received {
            Ok(message) => Some((Heard::Message(message), (rx, stop))),
            Err(RecvError::Lagged(_)) => Some((Heard::FellBehind, (rx, stop))),
            Err(RecvError::Closed) => None,
        }
    })
}

/// Logs an unexpected error and answers the shopper with the generic "our side" message.
pub(crate) fn internal(err: impl std::fmt::Display) -> ShopError {
    tracing::error!(%err, "internal error");
    ShopError::Internal
}

/// Compares two secrets without stopping at the first difference.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A random string of `len` characters that are hard to confuse (no 0/O, 1/l/I).
pub(crate) fn random_token(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The UTC day of a unix timestamp.
pub(crate) fn date_of(unix_seconds: i64) -> CalendarDate {
    CalendarDate::from_days_since_epoch(unix_seconds.div_euclid(86_400))
}

pub fn today() -> CalendarDate {
    date_of(unix_now())
}

/// Why the shop could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Search(#[from] search::SearchError),
}

/// The shop's synonyms: the configured file, or the copy built in if it is missing.
pub fn load_synonyms(config: &Config) -> storefront_domain::search::Synonyms {
    match std::fs::read_to_string(&config.synonyms_file) {
        Ok(text) => storefront_domain::search::Synonyms::parse(&text),
        Err(e) => {
            tracing::warn!(file = %config.synonyms_file.display(), %e, "using the built-in synonyms");
            storefront_domain::search::Synonyms::parse(include_str!(
                "../../../content/synonyms.txt"
            ))
        }
    }
}

/// The shop's help content: the configured file, or the copy built in if it is missing
/// or unreadable (with the reason in the log).
pub fn load_help(config: &Config) -> storefront_domain::content::HelpContent {
    use storefront_domain::content::HelpContent;
    match std::fs::read_to_string(&config.help_file) {
        Ok(text) => HelpContent::parse(&text).unwrap_or_else(|e| {
            tracing::error!(file = %config.help_file.display(), %e, "help content unreadable; using the built-in copy");
            HelpContent::bundled()
        }),
        Err(e) => {
            tracing::warn!(file = %config.help_file.display(), %e, "using the built-in help content");
            HelpContent::bundled()
        }
    }
}

/// Stock changes buffered per live subscriber; one that falls further behind is told to
/// read everything again.
const LIVE_BUFFER: usize = 1024;

/// Opens the database (migrating it), seeds the demo catalog if configured and empty,
/// and builds the search index.
pub async fn prepare(config: Config) -> Result<AppState, StartError> {
    let db = Db::open(&config.database_url, config.durability).await?;
    if config.seed_demo && seed::seed_if_empty(&db, today(), config.demo_products).await? {
        tracing::info!("seeded the demo catalog");
    }
    let started = std::time::Instant::now();
    let search = search::SearchEngine::load(&db.read, load_synonyms(&config)).await?;
    tracing::info!(
        products = search.len(),
        ms = started.elapsed().as_millis() as u64,
        "search index built"
    );
    let centres = stock::Centres::load(&db.read).await?;
    let bus = Arc::new(bus::Bus::open(&db));
    let desk = Arc::new(desk::HelpDesk::default());
    desk.relay_to(bus.clone());
    if db.dialect == db::Dialect::Postgres {
        desk.share_limits(db.read.clone());
    }
    let told = desk.clone();
    let outbox = Arc::new(mail::Outbox::new(
        config.outbox_dir.clone(),
        config.mail_from.clone(),
        config.smtp_url.as_deref(),
        Box::new(move || told.queue_changed()),
    ));
    // Mail queued before a stop goes now.
    outbox.flush(&db.write).await;
    let (live, _) = tokio::sync::broadcast::channel(LIVE_BUFFER);
    let config_help = config.clone();
    let gateway = Arc::new(payment::TestGateway::new(db.write.clone(), db.read.clone()));
    hash_order_keys(&db.write).await?;
    let test_courier = Arc::new(courier::TestCourier::new(
        db.write.clone(),
        config.courier_secret.clone(),
    ));
    let (order_events, _) = tokio::sync::broadcast::channel(LIVE_BUFFER);
    let state = AppState {
        db,
        config: Arc::new(config),
        search: Arc::new(search),
        centres: Arc::new(centres),
        live,
        outbox,
        stopping: tokio::sync::watch::Sender::new(false),
        gateway,
        attempts: Arc::new(checkout::AttemptLocks::new()),
        help: Arc::new(load_help(&config_help)),
        desk,
        streams: Arc::default(),
        order_events,
        couriers: test_courier.clone(),
        test_courier,
        recommender: Arc::default(),
        jobs_running: Arc::default(),
        bus,
    };
    bus::listen(&state);
    // A charge interrupted by a stop is asked for again: with SQLite (one process) every
    // one; with PostgreSQL only those no other process can still be making.
    state.checkout().recover_charges(unix_now(), true).await;
    // Attempts a stop left half paid: their authorizations voided.
    state.checkout().settle_abandoned().await;
    state.checkout().charge_due().await;
    state.offers().plan().await?;
    Ok(state)
}

/// Orders from before private links were kept as hashes: each plain key becomes the
/// SHA-256 of it (the same link keeps working) and the plain copy is removed.
async fn hash_order_keys(write: &crate::db::Pool) -> Result<(), sqlx::Error> {
    let plain: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, access_key, placed_at FROM orders WHERE access_key != ''")
            .fetch_all(write)
            .await?;
    if plain.is_empty() {
        return Ok(());
    }
    let mut tx = write.begin().await?;
    for (id, key, at) in &plain {
        sqlx::query(
            "INSERT INTO order_keys (order_id, key_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(session::digest(key))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE orders SET access_key = '' WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(
        orders = plain.len(),
        "private order links now kept as hashes"
    );
    Ok(())
}

/// Sends the shop's warnings and errors to the test harness's captured output, which it
/// shows for a test that fails (an "internal error" then says what it was).
pub fn log_for_tests() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_test_writer()
        .try_init();
}

/// Runs the shop until Ctrl-C or SIGTERM.
pub async fn run() -> std::process::ExitCode {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("storefront: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if !config.site_dir.join("index.html").exists() {
        tracing::warn!(dir = %config.site_dir.display(), "no built storefront here; run `make build` (or `make serve`)");
    }
    if !config.staff_dir.join("index.html").exists() {
        tracing::warn!(dir = %config.staff_dir.display(), "no built staff app here; run `make build` (or `make serve`)");
    }
    let addr = config.addr();
    let state = match prepare(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("storefront: cannot start: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("storefront: cannot listen on {addr}: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    tracing::info!("Storefront is open at http://{addr}");
    let app =
        http::router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let stopping = state.stopping.clone();
    // Mail the SMTP server could not take is tried again every minute, sign-ups nobody
    // confirmed in time are deleted, shoppers whose parcel is overdue are told, the
    // jobs that are due (follow-ups, price drops, the offers mail) run, and
    // recommendations count the latest orders.
    let retry = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            retry.outbox.flush(&retry.db.write).await;
            retry.stock().forget_unconfirmed(unix_now()).await;
            retry.offers().forget_unconfirmed(unix_now()).await;
            retry.fulfilment().mail_overdue(unix_now()).await;
            retry.jobs().run_due(unix_now()).await;
            // A charge another process left behind when it stopped (PostgreSQL).
            if retry.checkout().recover_charges(unix_now(), false).await > 0 {
                retry.checkout().charge_due().await;
            }
            // Every order at the first tick (the shop is open meanwhile, suggesting best
            // sellers), then those another process wrote (or this one missed).
            let started = std::time::Instant::now();
            match retry.recommender.catch_up(&retry.db.read).await {
                Ok(0) => {}
                Ok(orders) => tracing::info!(
                    orders,
                    ms = started.elapsed().as_millis() as u64,
                    "recommendations counted"
                ),
                Err(e) => tracing::error!(%e, "recommendations not brought up to date"),
            }
        }
    });
    // Attempts whose request died (another process stopped, the gateway failed) are
    // settled once their lease has run out.
    let settle = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(checkout::SETTLE_EVERY);
        loop {
            every.tick().await;
            settle.checkout().settle_abandoned().await;
        }
    });
    // The demo clock moves the test courier's parcels along, when it is on.
    if state.config.test_courier_step_seconds > 0 {
        let demo = state.clone();
        let every = demo.config.test_courier_step_seconds;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(every.min(60)));
            loop {
                tick.tick().await;
                demo.fulfilment().test_courier_tick(every).await;
            }
        });
    }
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Open event streams end now instead of holding the shutdown open.
            stopping.send_replace(true);
        })
        .await;
    state.db.close().await;
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("storefront: server error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
