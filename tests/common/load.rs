//! Load for the benchmarks: keep-alive HTTP/1.1 connections to a shop (in the process
//! or a process of its own), an open-loop load at a fixed offered rate, and its report.

use super::percentile;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// A keep-alive HTTP/1.1 connection that reads whole responses (sized or chunked).
pub struct Conn {
    pub io: BufReader<TcpStream>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            io: BufReader::new(stream),
        })
    }

    /// Sends `request` and reads the response head; answers the status and whether the
    /// body is chunked, with its length otherwise.
    pub async fn head(&mut self, request: &[u8]) -> std::io::Result<(u16, Option<usize>)> {
        self.io.get_mut().write_all(request).await?;
        let mut line = String::new();
        self.io.read_line(&mut line).await?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = None;
        loop {
            line.clear();
            if self.io.read_line(&mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok();
                }
            }
        }
        Ok((status, length))
    }

    pub async fn call(&mut self, request: &[u8]) -> std::io::Result<u16> {
        let (status, length) = self.head(request).await?;
        match length {
            Some(n) => {
                let mut body = vec![0; n];
                self.io.read_exact(&mut body).await?;
            }
            None => loop {
                let mut size = String::new();
                self.io.read_line(&mut size).await?;
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                self.io.read_exact(&mut chunk).await?;
                if n == 0 {
                    break;
                }
            },
        }
        Ok(status)
    }
}

pub struct LoadResult {
    pub sent: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

/// Offers `rps` requests a second for `seconds` over `connections` keep-alive
/// connections, spread over `addrs` (connection `c` goes to `addrs[c % len]`).
pub async fn open_loop(
    addrs: &[SocketAddr],
    rps: f64,
    seconds: f64,
    connections: usize,
    request: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static,
) -> LoadResult {
    let total = (rps * seconds) as usize;
    let request = Arc::new(request);
    let start = Instant::now() + Duration::from_millis(50);
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let request = request.clone();
            let addr = addrs[c % addrs.len()];
            tokio::spawn(async move {
                let mut conn = Conn::open(addr).await.expect("connect");
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut i = c;
                while i < total {
                    let due = start + Duration::from_secs_f64(i as f64 / rps);
                    tokio::time::sleep_until(due.into()).await;
                    match conn.call(&request(i)).await {
                        Ok(200) => latencies.push(due.elapsed()),
                        _ => errors += 1,
                    }
                    i += connections;
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("load task");
        latencies.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    latencies.sort();
    LoadResult {
        sent: total,
        errors,
        elapsed,
        latencies,
    }
}

pub fn report(name: &str, r: &LoadResult) -> Duration {
    let p99 = percentile(&r.latencies, 0.99);
    println!(
        "  {name:<22} {:>7.0} req/s achieved ({} sent, {} errors) · p50 {} · p95 {} · p99 {} · max {}",
        r.latencies.len() as f64 / r.elapsed.as_secs_f64(),
        r.sent,
        r.errors,
        ms(percentile(&r.latencies, 0.5)),
        ms(percentile(&r.latencies, 0.95)),
        ms(p99),
        ms(r.latencies.last().copied().unwrap_or_default()),
    );
    p99
}
